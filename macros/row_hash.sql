{#- A 64-bit hash of every column of a row but `except_columns`: `relation`
    is the name (or alias) of the relation in the FROM clause. Columns added
    to the relation later are covered without touching the caller. -#}
{% macro row_hash(relation, except_columns=[]) -%}
    {{ return(adapter.dispatch('row_hash', 'leadpulse')(
        relation, except_columns
    )) }}
{%- endmacro %}

{% macro default__row_hash(relation, except_columns=[]) -%}
    {%- if except_columns -%}
        xxhash64({{ relation }}.* except ({{ except_columns | join(', ') }}))
    {%- else -%}
        xxhash64({{ relation }}.*)
    {%- endif -%}
{%- endmacro %}

{% macro duckdb__row_hash(relation, except_columns=[]) -%}
    {%- if except_columns -%}
        hash(*columns({{ relation }}.* exclude ({{ except_columns | join(', ') }})))
    {%- else -%}
        hash({{ relation }})
    {%- endif -%}
{%- endmacro %}

{#- A 64-bit hash of a few columns (SQL expressions) of a row. -#}
{% macro columns_hash(columns) -%}
    {{ return(adapter.dispatch('columns_hash', 'leadpulse')(columns)) }}
{%- endmacro %}

{% macro default__columns_hash(columns) -%}
    xxhash64({{ columns | join(', ') }})
{%- endmacro %}

{% macro duckdb__columns_hash(columns) -%}
    hash({{ columns | join(', ') }})
{%- endmacro %}
