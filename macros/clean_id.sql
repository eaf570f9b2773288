{#- Identifier text: trimmed, empty string as NULL. -#}
{% macro clean_id(expr) -%}
    nullif(trim({{ expr }}), '')
{%- endmacro %}
