{#- The quarantine reason a row's event timestamp earns, or NULL when the
    timestamp is usable. raw_expr is the loader's text, parsed_expr the
    parsed UTC timestamp. Used by every staged event table. A local time
    named with its zone that a DST change skips or repeats cannot be placed
    on the UTC line (nonexistent_local_time, ambiguous_local_time). A row
    the loader says it wrote after now (plus the skew) has a broken clock:
    kept, it would move every incremental model's _loaded_at watermark
    into the future and later loads would never be read (future_loaded_at).
    -#}
{% macro timestamp_quarantine_reason(raw_expr, parsed_expr) -%}
    case
        when
            _loaded_at > {{ dbt.dateadd(
                'hour',
                var('max_future_skew_hours'),
                'cast(' ~ dbt.current_timestamp() ~ ' as '
                ~ dbt.type_timestamp() ~ ')'
            ) }}
            then 'future_loaded_at'
        when {{ clean_id(raw_expr) }} is null then 'missing_timestamp'
        -- Zone names are looked at only for what did not parse (a parsed
        -- timestamp's zone was fine): one regex test per row saved.
        when {{ parsed_expr }} is null
            then
                case {{ zoned_local_time_status(raw_expr) }}
                    when 'nonexistent' then 'nonexistent_local_time'
                    when 'ambiguous' then 'ambiguous_local_time'
                    else 'unparseable_timestamp'
                end
        when
            {{ parsed_expr }}
            < cast('{{ var("min_valid_date") }}' as {{ dbt.type_timestamp() }})
            then 'implausible_timestamp'
        when
            {{ parsed_expr }} > {{ dbt.dateadd(
                'hour', var('max_future_skew_hours'), '_loaded_at'
            ) }}
            then 'future_timestamp'
    end
{%- endmacro %}
