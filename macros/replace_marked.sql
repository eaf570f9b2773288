{#- Custom incremental strategy `replace_marked` (config
    incremental_strategy='replace_marked', unique_key, marker_column).
    The model's new rows are of two kinds: a row whose marker_column is
    NULL is a marker and writes nothing: it deletes every stored row with
    its unique_key (one column or a list); every other row is inserted.
    So one run can replace some keys whole (a marker plus their rows) and
    only append to others (rows, no marker), which delete+insert cannot:
    it deletes the key of every row it inserts. -#}
{% macro get_incremental_replace_marked_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set unique_key = arg_dict['unique_key'] -%}
    {%- set keys = [unique_key] if unique_key is string else unique_key -%}
    {%- set marker = config.get('marker_column') -%}
    {%- if not keys or not marker -%}
        {{ exceptions.raise_compiler_error(
            "replace_marked needs unique_key and marker_column"
        ) }}
    {%- endif -%}
    {%- set columns = get_quoted_csv(
        arg_dict['dest_columns'] | map(attribute='name')
    ) -%}

    delete from {{ target }} as stored
    using (
        select distinct {{ keys | join(', ') }}
        from {{ source }}
        where {{ marker }} is null
    ) as markers
    where
        {%- for key in keys %}
            stored.{{ key }} = markers.{{ key }}
            {{- ' and' if not loop.last }}
        {%- endfor %};

    insert into {{ target }} ({{ columns }})
    select {{ columns }}
    from {{ source }}
    where {{ marker }} is not null
{%- endmacro %}
