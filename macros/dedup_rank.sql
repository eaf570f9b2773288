{#- Position of a row among the usable copies of the same key: 1 is the
    copy kept. By default the earliest _loaded_at wins (first write wins);
    newest_first keeps the latest version instead (CDC tables). The row
    fingerprint breaks ties between copies loaded at the same instant.
    Quarantined rows rank among themselves, so they never displace a
    usable copy. -#}
{% macro dedup_rank(key, order_by='_loaded_at asc') -%}
    row_number() over (
        partition by {{ key }}, quarantine_reason is null
        order by {{ order_by }}, row_fingerprint asc
    )
{%- endmacro %}
