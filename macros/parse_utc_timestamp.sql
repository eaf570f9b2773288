{#- ISO-8601 text -> UTC timestamp (no time zone), NULL when unparseable.
    A string with an offset (Z, +02:00, -0500) is converted to UTC; one
    with a time zone name (America/New_York) is read as local time there,
    and is NULL when that local time is skipped or repeated by a DST change
    or the zone is unknown (timestamp_quarantine_reason says which); one
    with neither is read as UTC. Independent of the session time zone. -#}
{% macro parse_utc_timestamp(expr) -%}
    {{ return(adapter.dispatch('parse_utc_timestamp', 'leadpulse')(expr)) }}
{%- endmacro %}

{% macro default__parse_utc_timestamp(expr) -%}
    cast({{ expr }} as {{ dbt.type_timestamp() }})
{%- endmacro %}

{#- DuckDB's timestamp cast ignores a trailing zone name, which would read
    New York time as UTC: zone names take their own branch. -#}
{% macro duckdb__parse_utc_timestamp(expr) -%}
    case
        when
            regexp_matches(
                trim({{ expr }}),
                '[0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)?\s*(z|Z|[+-][0-9]{2}(:?[0-9]{2})?)$'
            )
            then timezone('UTC', try_cast(trim({{ expr }}) as timestamptz))
        -- Neither offset nor zone name (most rows after the offsets): one
        -- regex test, not the zone status's several.
        when
            not regexp_matches(
                trim({{ expr }}),
                '[0-9]\s+([A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*)$'
            )
            then try_cast(trim({{ expr }}) as timestamp)
        when {{ zoned_local_time_status(expr) }} = 'ok'
            then {{ zoned_local_time_utc(expr) }}
    end
{%- endmacro %}

{% macro spark__parse_utc_timestamp(expr) -%}
    to_utc_timestamp(try_cast(trim({{ expr }}) as timestamp), 'UTC')
{%- endmacro %}
