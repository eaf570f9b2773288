{#- For timestamp text that names its time zone instead of an offset
    ('2026-03-08 02:30:00 America/New_York'): 'ok' when that local time
    exists exactly once in the zone, 'nonexistent' when a DST gap skips it,
    'ambiguous' when a DST overlap repeats it, 'unknown_zone' when the
    engine does not know the zone. NULL for text without a zone name.
    zoned_local_time_utc gives the UTC instant of an 'ok' one. -#}
{% macro zoned_local_time_status(expr) -%}
    {{ return(adapter.dispatch('zoned_local_time_status', 'leadpulse')(expr)) }}
{%- endmacro %}

{% macro default__zoned_local_time_status(expr) -%}
    cast(null as {{ dbt.type_string() }})
{%- endmacro %}

{#- The zone name follows the time after white space and starts with a
    letter; numeric offsets (Z, +02:00) are handled by parse_utc_timestamp
    before this is asked. -#}
{% macro duckdb__zoned_local_time_status(expr) -%}
    {%- set zone_pattern = '\\s+([A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*)$' -%}
    {%- set zone = "regexp_extract(trim(" ~ expr ~ "), '" ~ zone_pattern ~ "', 1)" -%}
    {%- set local = "try_cast(regexp_replace(trim(" ~ expr ~ "), '" ~ zone_pattern ~ "', '') as timestamp)" -%}
    {%- set instant = "timezone(" ~ zone ~ ", " ~ local ~ ")" -%}
    case
        when not regexp_matches(trim({{ expr }}), '[0-9]{{ zone_pattern }}')
            then null
        when
            not {{ is_valid_timezone(zone) }}
            or {{ local }} is null
            then 'unknown_zone'
        when timezone({{ zone }}, {{ instant }}) <> {{ local }}
            then 'nonexistent'
        when
            timezone({{ zone }}, {{ instant }} - interval 1 hour) = {{ local }}
            or timezone({{ zone }}, {{ instant }} + interval 1 hour) = {{ local }}
            then 'ambiguous'
        else 'ok'
    end
{%- endmacro %}

{% macro zoned_local_time_utc(expr) -%}
    {{ return(adapter.dispatch('zoned_local_time_utc', 'leadpulse')(expr)) }}
{%- endmacro %}

{% macro default__zoned_local_time_utc(expr) -%}
    cast(null as {{ dbt.type_timestamp() }})
{%- endmacro %}

{% macro duckdb__zoned_local_time_utc(expr) -%}
    {%- set zone_pattern = '\\s+([A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*)$' -%}
    timezone('UTC', timezone(
        regexp_extract(trim({{ expr }}), '{{ zone_pattern }}', 1),
        try_cast(
            regexp_replace(trim({{ expr }}), '{{ zone_pattern }}', '')
            as timestamp
        )
    ))
{%- endmacro %}
