{#- Median of a numeric expression as an aggregate (the mean of the two
    middle values for an even count); NULL when there are no values. -#}
{% macro median_of(expr) -%}
    {{ return(adapter.dispatch('median_of', 'leadpulse')(expr)) }}
{%- endmacro %}

{% macro default__median_of(expr) -%}
    percentile_cont(0.5) within group (order by {{ expr }})
{%- endmacro %}

{% macro duckdb__median_of(expr) -%}
    median({{ expr }})
{%- endmacro %}

{% macro spark__median_of(expr) -%}
    percentile({{ expr }}, 0.5)
{%- endmacro %}
