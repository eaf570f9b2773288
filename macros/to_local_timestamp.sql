{#- A UTC timestamp (no time zone) as wall-clock time in an IANA zone. -#}
{% macro to_local_timestamp(utc_expr, timezone_expr) -%}
    {{ return(adapter.dispatch('to_local_timestamp', 'leadpulse')(utc_expr, timezone_expr)) }}
{%- endmacro %}

{% macro default__to_local_timestamp(utc_expr, timezone_expr) -%}
    from_utc_timestamp({{ utc_expr }}, {{ timezone_expr }})
{%- endmacro %}

{% macro duckdb__to_local_timestamp(utc_expr, timezone_expr) -%}
    timezone({{ timezone_expr }}, timezone('UTC', {{ utc_expr }}))
{%- endmacro %}
