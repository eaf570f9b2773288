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
    copy_number (dedup_rank). repeated_keys names a CTE of the keys found
    on more than one row of relation (repeated_keys macro). On DuckDB only
    the rows of those keys go through the ranking window: the others are
    the only copy of their key. The window sorts every row it ranks with
    all its columns (17 of 32 CPU-seconds of base_app__events at 10M
    events), and nearly every event id is unique. Elsewhere every row is
    ranked (Spark would compute relation once per reference). -#}
{% macro ranked_copies(key, relation='trimmed', repeated_keys='repeated_keys') -%}
    {{ return(adapter.dispatch('ranked_copies', 'leadpulse')(
        key, relation, repeated_keys
    )) }}
{%- endmacro %}

{% macro default__ranked_copies(key, relation, repeated_keys) -%}
    select
        *,
        {{ dedup_rank(key, relation=relation) }} as copy_number
    from {{ relation }}
{%- endmacro %}

{% macro duckdb__ranked_copies(key, relation, repeated_keys) -%}
    {%- set is_repeated -%}
        exists (
            select 1
            from {{ repeated_keys }}
            where {{ repeated_keys }}.{{ key }}
                is not distinct from {{ relation }}.{{ key }}
        )
    {%- endset -%}
    select
        *,
        {{ dedup_rank(key, relation=relation, only_copy=true) }}
            as copy_number
    from {{ relation }}
    where not {{ is_repeated }}

    union all

    select
        *,
        {{ dedup_rank(key, relation=relation) }} as copy_number
    from {{ relation }}
    where {{ is_repeated }}
{%- endmacro %}

{#- The keys of relation found on more than one of its rows (ranked_copies);
    NULL counts as a key. -#}
{% macro repeated_keys(key, relation='trimmed') -%}
    select {{ key }}
    from {{ relation }}
    group by {{ key }}
    having count(*) > 1
{%- endmacro %}
