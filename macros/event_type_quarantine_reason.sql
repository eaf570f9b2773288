{#- The quarantine reason an event type earns: missing, or not in the event
    catalog seed for its raw table (users teach leadpulse new types there).
    NULL when the type is known. -#}
{% macro event_type_quarantine_reason(expr, source_table) -%}
    {{ return(adapter.dispatch('event_type_quarantine_reason', 'leadpulse')(
        expr, source_table
    )) }}
{%- endmacro %}

{% macro default__event_type_quarantine_reason(expr, source_table) -%}
    case
        when {{ expr }} is null then 'missing_event_type'
        when {{ expr }} not in (
            select event_catalog.event_type
            from {{ ref('event_catalog') }} as event_catalog
            where event_catalog.source_table = '{{ source_table }}'
        ) then 'unknown_event_type'
    end
{%- endmacro %}

{#- Spark: the catalog's types as one array from an uncorrelated scalar
    subquery. Spark fails on the IN subquery above inside CASE when the
    subquery is a UNION (as dbt's unit-test fixtures are: the plan is
    shipped with the task and does not deserialize), and gave wrong
    answers for the correlated NOT EXISTS and count(*) forms. -#}
{% macro spark__event_type_quarantine_reason(expr, source_table) -%}
    case
        when {{ expr }} is null then 'missing_event_type'
        when not array_contains(
            (
                select collect_set(event_catalog.event_type)
                from {{ ref('event_catalog') }} as event_catalog
                where event_catalog.source_table = '{{ source_table }}'
            ),
            {{ expr }}
        ) then 'unknown_event_type'
    end
{%- endmacro %}
