{#- A 64-bit hash of every column of a row: `relation` is the name (or
    alias) of the relation in the FROM clause. Columns added to the
    relation later are covered without touching the caller. -#}
{% macro row_hash(relation) -%}
    {{ return(adapter.dispatch('row_hash', 'leadpulse')(relation)) }}
{%- endmacro %}

{% macro default__row_hash(relation) -%}
    xxhash64({{ relation }}.*)
{%- endmacro %}

{% macro duckdb__row_hash(relation) -%}
    hash({{ relation }})
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
