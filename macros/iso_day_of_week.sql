{#- ISO day of week: 1 = Monday ... 7 = Sunday. -#}
{% macro iso_day_of_week(expr) -%}
    {{ return(adapter.dispatch('iso_day_of_week', 'leadpulse')(expr)) }}
{%- endmacro %}

{% macro default__iso_day_of_week(expr) -%}
    (weekday({{ expr }}) + 1)
{%- endmacro %}

{% macro duckdb__iso_day_of_week(expr) -%}
    isodow({{ expr }})
{%- endmacro %}
