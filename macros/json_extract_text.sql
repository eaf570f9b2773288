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


{#- Several top-level keys of one JSON text, parsed once: json_fields(expr,
    keys) is computed in one CTE, json_field(fields, keys, key) reads one
    key from it. On DuckDB one json_extract_string with a list of paths
    parses the text once instead of once per key (app events: 6 keys). -#}
{% macro json_fields(expr, keys) -%}
    {{ return(adapter.dispatch('json_fields', 'leadpulse')(expr, keys)) }}
{%- endmacro %}

{% macro default__json_fields(expr, keys) -%}
    {{ expr }}
{%- endmacro %}

{% macro duckdb__json_fields(expr, keys) -%}
    case
        when json_valid({{ expr }})
            then json_extract_string({{ expr }}, [
                {%- for key in keys -%}
                    '$.{{ key }}'{{ ', ' if not loop.last }}
                {%- endfor -%}
            ])
    end
{%- endmacro %}

{% macro json_field(fields, keys, key) -%}
    {{ return(adapter.dispatch('json_field', 'leadpulse')(fields, keys, key)) }}
{%- endmacro %}

{% macro default__json_field(fields, keys, key) -%}
    {{ default__json_extract_text(fields, key) }}
{%- endmacro %}

{% macro duckdb__json_field(fields, keys, key) -%}
    {{ fields }}[{{ keys.index(key) + 1 }}]
{%- endmacro %}
