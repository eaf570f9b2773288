{#- True when the text names a time zone the engine knows. -#}
{% macro is_valid_timezone(expr) -%}
    {{ return(adapter.dispatch('is_valid_timezone', 'leadpulse')(expr)) }}
{%- endmacro %}

{% macro default__is_valid_timezone(expr) -%}
    ({{ expr }} is not null and from_utc_timestamp(timestamp '2000-01-01', {{ expr }}) is not null)
{%- endmacro %}

{#- A list lookup, not `in (select ...)`: DuckDB plans an IN subquery as a
    join over every row, even inside a CASE branch few rows reach (four
    per event model, 1.3 s each on 5M app events); a scalar function in a
    branch is evaluated only for the rows that reach it. -#}
{% macro duckdb__is_valid_timezone(expr) -%}
    list_contains(
        (select list(tz.name) from pg_timezone_names() as tz), {{ expr }}
    )
{%- endmacro %}

{#- Spark raises on an unknown zone in from_utc_timestamp, so ask Java's
    zone database through try_reflect (NULL instead of an exception). -#}
{% macro spark__is_valid_timezone(expr) -%}
    (try_reflect('java.time.ZoneId', 'of', {{ expr }}) is not null)
{%- endmacro %}
