{#- True when the text names a time zone the engine knows. -#}
{% macro is_valid_timezone(expr) -%}
    {{ return(adapter.dispatch('is_valid_timezone', 'leadpulse')(expr)) }}
{%- endmacro %}

{% macro default__is_valid_timezone(expr) -%}
    ({{ expr }} is not null and from_utc_timestamp(timestamp '2000-01-01', {{ expr }}) is not null)
{%- endmacro %}

{% macro duckdb__is_valid_timezone(expr) -%}
    ({{ expr }} in (select tz.name from pg_timezone_names() as tz))
{%- endmacro %}
