{#- on-run-start: drop the __dbt_tmp / __dbt_backup relations a killed run
    can leave behind. dbt recreates them per node, and a leftover one would
    keep erased rows alive in the warehouse file. -#}
{% macro drop_orphaned_relations() -%}
    {{ return(adapter.dispatch('drop_orphaned_relations', 'leadpulse')()) }}
{%- endmacro %}

{#- dbt-spark's __dbt_tmp relations are session-scoped temporary views and
    it keeps no __dbt_backup: nothing outlives a killed run. -#}
{% macro spark__drop_orphaned_relations() -%}
    {{ return('') }}
{%- endmacro %}

{% macro default__drop_orphaned_relations() -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set found = run_query(
        "select table_schema, table_name, table_type"
        ~ " from information_schema.tables"
        ~ " where table_catalog = '" ~ target.database ~ "'"
        ~ " and (table_name like '%\\_\\_dbt\\_tmp' escape '\\'"
        ~ " or table_name like '%\\_\\_dbt\\_backup' escape '\\')"
    ) -%}
    {%- for row in found.rows -%}
        {%- set relation = api.Relation.create(
            database=target.database, schema=row[0], identifier=row[1],
            type=('view' if row[2] == 'VIEW' else 'table')
        ) -%}
        {{ log('dropping leftover relation ' ~ relation, info=true) }}
        {%- do adapter.drop_relation(relation) -%}
    {%- endfor -%}
    {{ return('') }}
{%- endmacro %}
