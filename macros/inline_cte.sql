{#- Keyword between `name as` and the body of a CTE asking the engine to inline
    it in each reference instead of computing it once into a buffer. DuckDB
    materializes a CTE read more than once; for a wide event CTE that is a
    copy of every event (at 100M events 20 GB spilled to disk), where each
    reference only needs a few columns or a few rows. Other engines inline
    by default and may not know the keyword. -#}
{% macro inline_cte() -%}
    {{ return(adapter.dispatch('inline_cte', 'leadpulse')()) }}
{%- endmacro %}

{% macro default__inline_cte() -%}
{%- endmacro %}

{% macro duckdb__inline_cte() -%}
    not materialized
{%- endmacro %}
