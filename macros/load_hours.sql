{#- A relation's rows summarized per source and hour of `_loaded_at`: a
    count and an order-independent fingerprint (bit_xor) of a hash of each
    row's id and `_loaded_at`. An incremental model compares the summary of
    its inputs with that of its stored rows: an hour whose rows were gained,
    lost or swapped (an order's new status loaded within the same hour)
    differs, and only its rows are read again. Hours, not `_loaded_at`
    values: loaders stamp rows one by one, and a summary with a group per
    row would cost as much as the comparison it saves.
    source_table: an SQL expression; id_column: the row's id within its
    source. -#}
{% macro load_hours(relation, source_table, id_column) -%}
    select
        {{ source_table }} as source_table,
        {{ load_hour('_loaded_at') }} as loaded_hour,
        count(*) as events,
        {{ lead_fingerprint(columns_hash([id_column, '_loaded_at'])) }}
            as loads_fingerprint

    from {{ relation }}
    group by 1, 2
{%- endmacro %}


{#- The hour of a load time, the grain load_hours compares at. -#}
{% macro load_hour(column) -%}
    date_trunc('hour', {{ column }})
{%- endmacro %}


{#- The hours whose summaries (load_hours) differ between current and
    stored: as a select of source_table, loaded_hour. -#}
{% macro changed_load_hours(current, stored) -%}
    select
        coalesce(
            {{ current }}.source_table, {{ stored }}.source_table
        ) as source_table,
        coalesce({{ current }}.loaded_hour, {{ stored }}.loaded_hour)
            as loaded_hour

    from {{ current }}
    full outer join {{ stored }}
        on
            {{ current }}.source_table = {{ stored }}.source_table
            and {{ current }}.loaded_hour = {{ stored }}.loaded_hour
    where
        {{ current }}.events is distinct from {{ stored }}.events
        or {{ current }}.loads_fingerprint
        is distinct from {{ stored }}.loads_fingerprint
{%- endmacro %}


{#- A condition on `column` (a load time): at or after the earliest
    loaded_hour of `hours` (a relation or CTE of load hours, such as
    changed_load_hours'). DuckDB tests it on that column alone, before it
    reads a row's other columns; a test that the hour is among `hours` is
    a join, made only after the whole row is read. Put beside that join, it
    makes a day's refresh read the day's rows whole, not every row. -#}
{% macro loaded_since_earliest(column, hours) -%}
    {{ column }} >= (select min({{ hours }}.loaded_hour) from {{ hours }})
{%- endmacro %}
