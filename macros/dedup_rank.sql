{#- Position of a row among the usable copies of the same key: 1 is the
    copy kept. By default the earliest _loaded_at wins (first write wins);
    newest_first keeps the latest version instead (CDC tables). The row
    fingerprint breaks ties between copies loaded at the same instant.
    Quarantined rows rank among themselves, so they never displace a
    usable copy. In an incremental (append-only, first-write-wins) model the
    copies already staged count first: `relation` is the CTE ranked. -#}
{% macro dedup_rank(key, order_by='_loaded_at asc', relation='classified') -%}
    row_number() over (
        partition by {{ key }}, quarantine_reason is null
        order by {{ order_by }}, row_fingerprint asc
    )
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
