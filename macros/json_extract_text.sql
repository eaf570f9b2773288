{#- One top-level key of a JSON text as text; NULL for invalid JSON. -#}
{% macro json_extract_text(expr, key) -%}
    {{ return(adapter.dispatch('json_extract_text', 'leadpulse')(expr, key)) }}
{%- endmacro %}

{% macro default__json_extract_text(expr, key) -%}
    get_json_object({{ expr }}, '$.{{ key }}')
{%- endmacro %}

{% macro duckdb__json_extract_text(expr, key) -%}
    case
        when json_valid({{ expr }})
            then json_extract_string({{ expr }}, '$.{{ key }}')
    end
{%- endmacro %}
