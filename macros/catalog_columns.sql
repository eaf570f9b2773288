{#- A select of (table_schema, table_name, column_name, data_type), one row
    per column of the given relations as the warehouse has them now: what
    assert_raw_columns_match_contract compares with the sources YAML. Types
    are the contract's spelling (varchar, integer, timestamp, ...). -#}
{% macro catalog_columns(relations) -%}
    {{ return(adapter.dispatch('catalog_columns', 'leadpulse')(relations)) }}
{%- endmacro %}

{#- Engines with an information schema (DuckDB, Postgres, Trino). -#}
{% macro default__catalog_columns(relations) -%}
    select
        columns.table_schema,
        columns.table_name,
        lower(columns.column_name) as column_name,
        columns.data_type

    from information_schema.columns as columns
    where
        {%- for relation in relations %}
            (
                columns.table_schema = '{{ relation.schema }}'
                and columns.table_name = '{{ relation.identifier }}'
            ){{ ' or' if not loop.last }}
        {%- endfor %}
{%- endmacro %}

{#- Spark has no information schema: the adapter describes each table (at
    run time; at parse time there is nothing to describe), and Spark's type
    names are spelled as the contract spells them. -#}
{% macro spark__catalog_columns(relations) -%}
    {%- set spelled = {'string': 'varchar', 'int': 'integer'} -%}
    {%- set rows = [] -%}
    {%- if execute -%}
        {%- for relation in relations -%}
            {%- for column in adapter.get_columns_in_relation(relation) -%}
                {%- set data_type = column.dtype | lower -%}
                {%- do rows.append(
                    "select '" ~ relation.schema ~ "' as table_schema, '"
                    ~ relation.identifier ~ "' as table_name, '"
                    ~ column.name | lower ~ "' as column_name, '"
                    ~ spelled.get(data_type, data_type) ~ "' as data_type"
                ) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if rows -%}
        {{ rows | join('\nunion all\n') }}
    {%- else -%}
        select
            cast(null as string) as table_schema,
            cast(null as string) as table_name,
            cast(null as string) as column_name,
            cast(null as string) as data_type
        where false
    {%- endif -%}
{%- endmacro %}
