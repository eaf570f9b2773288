{#- Keyword between `name as` and the body of a CTE asking the engine to inline
    it in each reference instead of computing it once into a buffer. DuckDB
    materializes a CTE read more than once; for a wide event CTE that is a
    copy of every event (at 100M events 20 GB spilled to disk), where each
    reference only needs a few columns or a few rows. Other engines inline
    by default and may not know the keyword.
    unless_incremental: no keyword on an incremental run of an incremental
    model, where the CTE holds only the rows to add and buffering them once
    is cheaper than computing them at every reference. -#}
{% macro inline_cte(unless_incremental=false) -%}
    {#- unit tests have no `this`; tables never append -#}
    {%- if unless_incremental
        and this is not none
        and config.get('materialized') == 'incremental'
        and is_incremental() -%}
        {{ return('') }}
    {%- endif -%}
    {{ return(adapter.dispatch('inline_cte', 'leadpulse')()) }}
{%- endmacro %}

{% macro default__inline_cte() -%}
{%- endmacro %}

{% macro duckdb__inline_cte() -%}
    not materialized
{%- endmacro %}
