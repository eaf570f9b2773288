{#- Free text: control characters removed, trimmed, empty as NULL. -#}
{% macro clean_text(expr) -%}
    nullif(trim({{ regexp_replace_all(expr, '[\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F]', '') }}), '')
{%- endmacro %}
