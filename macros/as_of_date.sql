{#- The as-of date every window is relative to: var as_of_date, or the
    run's start date in UTC. The only place models learn "today". -#}
{% macro as_of_date() -%}
    {%- set value = var('as_of_date', '') -%}
    {%- if not value -%}
        {%- set value = run_started_at.strftime('%Y-%m-%d') -%}
    {%- endif -%}
    cast('{{ value }}' as date)
{%- endmacro %}
