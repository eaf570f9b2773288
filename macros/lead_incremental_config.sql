{#- The config of a model kept incrementally by whole leads (SPEC §7):
    delete+insert on lead_id, with post_hook deleting what the delete
    cannot reach. Spark's parquet tables (session mode, no Delta or
    Iceberg) support neither delete+insert nor DELETE, so there the model
    is a table rebuilt on every run: the same rows, without the saving. -#}
{% macro lead_incremental_config(post_hook=[]) -%}
    {%- if target.type == 'spark' -%}
        {{ return({'materialized': 'table'}) }}
    {%- endif -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'delete+insert',
        'unique_key': 'lead_id',
        'on_schema_change': 'fail',
        'post_hook': post_hook,
    }) }}
{%- endmacro %}
