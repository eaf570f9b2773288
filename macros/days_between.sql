{#- Whole days from one date to a later one (negative if earlier), via
    dbt.datediff; rendered on one line so that callers lint cleanly. -#}
{% macro days_between(start_expr, end_expr) -%}
    {{ return(dbt.datediff(start_expr, end_expr, 'day') | trim) }}
{%- endmacro %}
