{#- The quarantine reason an event type earns: missing, or not in the event
    catalog seed for its raw table (users teach leadpulse new types there).
    NULL when the type is known. -#}
{% macro event_type_quarantine_reason(expr, source_table) -%}
    case
        when {{ expr }} is null then 'missing_event_type'
        when {{ expr }} not in (
            select event_catalog.event_type
            from {{ ref('event_catalog') }} as event_catalog
            where event_catalog.source_table = '{{ source_table }}'
        ) then 'unknown_event_type'
    end
{%- endmacro %}
