{#- Schema drift fails the build loudly: every raw table must have exactly
    the columns and types its source YAML declares (the raw contract, kept
    equal to leadpulse/contract.py by a test). An added, removed, renamed or
    retyped column is one row here (table, column, problem), and the test
    errors with a message naming each one, because staging selects columns
    by name and would otherwise ignore an added column silently. -#}
{% for raw in raw_tables() %}
-- depends_on: {{ source(raw.source, raw.table) }}
{% endfor %}

{%- set raw_relations = [] -%}
{%- for raw in raw_tables() -%}
    {%- do raw_relations.append(source(raw.source, raw.table)) -%}
{%- endfor -%}

{%- set declared = [] -%}
{%- for source in graph.sources.values() -%}
    {%- if source.package_name == project_name -%}
        {%- for column in source.columns.values() -%}
            {%- do declared.append({
                'schema': source.schema,
                'table': source.name,
                'column': column.name,
                'type': column.data_type,
            }) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endfor -%}

{%- set drift_sql -%}
with

declared as (

    {% for column in declared -%}
        select
            '{{ column.schema }}' as table_schema,
            '{{ column.table }}' as table_name,
            '{{ column.column }}' as column_name,
            '{{ column.type }}' as declared_type
        {% if not loop.last %}union all
        {% endif %}
    {%- endfor %}

),

actual as (

    select
        table_schema,
        table_name,
        column_name,
        data_type as actual_type

    from ({{ catalog_columns(raw_relations) }}) as catalog

),

compared as (

    select
        coalesce(declared.table_schema, actual.table_schema)
        || '.' || coalesce(declared.table_name, actual.table_name)
            as raw_table,
        coalesce(declared.column_name, actual.column_name) as column_name,
        case
            when actual.column_name is null
                then 'missing (removed or renamed)'
            when declared.column_name is null
                then 'not in the contract (added or renamed)'
            when
                lower(replace(actual.actual_type, ' ', ''))
                <> lower(replace(declared.declared_type, ' ', ''))
                then 'is ' || actual.actual_type || ', the contract says '
                || declared.declared_type
        end as problem

    from declared
    full outer join actual
        on
            declared.table_schema = actual.table_schema
            and declared.table_name = actual.table_name
            and declared.column_name = actual.column_name

)

select * from compared
where problem is not null
{%- endset -%}

{#- Only when the test runs: compiling (dbt compile, sqlfluff) needs no raw
    tables. -#}
{%- if execute and flags.WHICH in ['build', 'test'] -%}
    {%- set drift = run_query(drift_sql) -%}
    {%- if drift.rows | length > 0 -%}
        {%- set lines = [] -%}
        {%- for row in drift.rows -%}
            {%- do lines.append(row[0] ~ '.' ~ row[1] ~ ' ' ~ row[2]) -%}
        {%- endfor -%}
        {{ exceptions.raise_compiler_error(
            'raw schema drift: ' ~ (lines | sort | join('; '))
        ) }}
    {%- endif -%}
{%- endif %}

{{ drift_sql }}
