{#- Position of a row among the usable copies of the same key: 1 is the
    copy kept. By default the earliest _loaded_at wins (first write wins);
    newest_first keeps the latest version instead (CDC tables). The row
    fingerprint breaks ties between copies loaded at the same instant.
    Quarantined rows rank among themselves, so they never displace a
    usable copy. In an incremental (append-only, first-write-wins) model the
    copies already staged count first: `relation` is the CTE ranked.
    only_copy: the row is known to be its key's only row in relation
    (ranked_copies), so no window is needed. -#}
{% macro dedup_rank(
    key, order_by='_loaded_at asc', relation='classified', only_copy=false
) -%}
    {%- if only_copy -%}
        1
    {%- else -%}
    row_number() over (
        partition by {{ key }}, quarantine_reason is null
        order by {{ order_by }}, row_fingerprint asc
    )
    {%- endif %}
    {#- unit tests have no `this`; tables never append -#}
    {%- if this is not none
        and config.get('materialized') == 'incremental'
        and is_incremental() %}
        {%- if order_by != '_loaded_at asc' -%}
            {{ exceptions.raise_compiler_error(
                'dedup_rank: only first-write-wins models can be incremental'
                ~ ' (they append); ' ~ this ~ ' orders by ' ~ order_by
            ) }}
        {%- endif %}
        + (
            select count(*)
            from {{ this }} as staged
            where
                staged.{{ key }} is not distinct from {{ relation }}.{{ key }}
                and (staged.quarantine_reason is null)
                = ({{ relation }}.quarantine_reason is null)
        )
    {%- endif %}
{%- endmacro %}


{#- The body of an event model's `ranked` CTE: relation's rows with
    copy_number (dedup_rank). On DuckDB only the rows flagged
    _may_have_copies (flag_repeated_keys) go through the ranking window: the
    others are the only copy of their key. The window sorts every row it
    ranks with all its columns (17 of 32 CPU-seconds of base_app__events at
    10M events), and nearly every event id is unique. Elsewhere every row is
    ranked (Spark would compute relation once per reference). -#}
{% macro ranked_copies(key, relation='trimmed') -%}
    {{ return(adapter.dispatch('ranked_copies', 'leadpulse')(key, relation)) }}
{%- endmacro %}

{% macro default__ranked_copies(key, relation) -%}
    select
        *,
        {{ dedup_rank(key, relation=relation) }} as copy_number
    from {{ relation }}
{%- endmacro %}

{% macro duckdb__ranked_copies(key, relation) -%}
    select
        *,
        {{ dedup_rank(key, relation=relation, only_copy=true) }}
            as copy_number
    from {{ relation }}
    where not _may_have_copies

    union all

    select
        *,
        {{ dedup_rank(key, relation=relation) }} as copy_number
    from {{ relation }}
    where _may_have_copies
{%- endmacro %}

{#- A raw key as staging cleans it (clean_id), NULL as chr(0): the key of
    the repeated_keys CTE. -#}
{% macro copy_key(column) -%}
    coalesce({{ clean_id(column) }}, chr(0))
{%- endmacro %}

{#- The keys (copy_key of key_column) found on more than one row of
    relation, the raw rows an event model stages. -#}
{% macro repeated_keys(key_column, relation='source_rows') -%}
    select {{ copy_key(relation ~ '.' ~ key_column) }} as copy_key
    from {{ relation }}
    group by 1
    having count(*) > 1
{%- endmacro %}

{#- relation's rows with _may_have_copies: false only when the row's key is
    on no other row of relation. On DuckDB the flag is exact and each value
    is its own branch (an anti and a semi join with the repeated keys), so a
    filter on it reaches the raw scan through the model's inlined CTEs
    (inline_cte): ranked_copies then stages each raw row once, without
    buffering every staged row (at 100M events the buffer spilled, and
    base_app__events took 348 s instead of about 190). Elsewhere every row
    may have copies. -#}
{% macro flag_repeated_keys(
    key_column, relation='source_rows', repeated_keys='repeated_keys'
) -%}
    {{ return(adapter.dispatch('flag_repeated_keys', 'leadpulse')(
        key_column, relation, repeated_keys
    )) }}
{%- endmacro %}

{% macro default__flag_repeated_keys(key_column, relation, repeated_keys) -%}
    select
        {{ relation }}.*,
        true as _may_have_copies
    from {{ relation }}
{%- endmacro %}

{% macro duckdb__flag_repeated_keys(key_column, relation, repeated_keys) -%}
    {%- set key = copy_key(relation ~ '.' ~ key_column) -%}
    select
        {{ relation }}.*,
        false as _may_have_copies
    from {{ relation }}
    where {{ key }} not in (
        select {{ repeated_keys }}.copy_key from {{ repeated_keys }}
    )

    union all

    select
        {{ relation }}.*,
        true as _may_have_copies
    from {{ relation }}
    where {{ key }} in (
        select {{ repeated_keys }}.copy_key from {{ repeated_keys }}
    )
{%- endmacro %}
