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

{#- Spark raises on an unknown zone in from_utc_timestamp, so ask Java's
    zone database through try_reflect (NULL instead of an exception). -#}
{% macro spark__is_valid_timezone(expr) -%}
    (try_reflect('java.time.ZoneId', 'of', {{ expr }}) is not null)
{%- endmacro %}
