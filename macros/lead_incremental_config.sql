{#- The config of a model kept incrementally by leads (SPEC §7). Without
    marker_column: delete+insert on unique_key (whole leads), post_hook
    deleting what the delete cannot reach. With marker_column: the
    replace_marked strategy (macros/replace_marked.sql), where a row with
    marker_column NULL replaces its unique_key and other rows are
    inserted, so a run can append to one lead and replace another.
    Spark's parquet tables (session mode, no Delta or Iceberg) support
    neither, nor DELETE, so there the model is a table rebuilt on every
    run: the same rows, without the saving. -#}
{% macro lead_incremental_config(
    unique_key='lead_id', marker_column=none, post_hook=[]
) -%}
    {%- if target.type == 'spark' -%}
        {{ return({'materialized': 'table'}) }}
    {%- endif -%}
    {%- set config = {
        'materialized': 'incremental',
        'incremental_strategy': 'delete+insert',
        'unique_key': unique_key,
        'on_schema_change': 'fail',
        'post_hook': post_hook,
    } -%}
    {%- if marker_column -%}
        {%- do config.update({
            'incremental_strategy': 'replace_marked',
            'marker_column': marker_column,
        }) -%}
    {%- endif -%}
    {{ return(config) }}
{%- endmacro %}
