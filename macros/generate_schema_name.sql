{#- Custom schemas are used as named (staging, intermediate, marts, seeds):
    the schema names are an interface BI tools and our checks rely on. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
