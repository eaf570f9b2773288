{#- A one-row select of `loaded_since`: the newest _loaded_at stored in
    `relation` minus var late_arrival_lookback_days (SPEC §7). Rows loaded
    at or after it are re-read by an incremental run; NULL when the
    relation is empty. -#}
{% macro late_arrival_cutoff(relation) -%}
    select
        {{ dbt.dateadd(
            'day', -1 * var('late_arrival_lookback_days'), 'max(_loaded_at)'
        ) }} as loaded_since

    from {{ relation }}
{%- endmacro %}
