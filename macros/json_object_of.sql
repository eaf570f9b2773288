{#- A JSON object text of the named columns, to keep a rejected row's raw
    values beside its quarantine reason. -#}
{% macro json_object_of(columns, relation='') -%}
    {{ return(adapter.dispatch('json_object_of', 'leadpulse')(columns, relation)) }}
{%- endmacro %}

{% macro default__json_object_of(columns, relation='') -%}
    to_json(named_struct(
        {%- for column in columns %}
        '{{ column }}', {{ relation ~ '.' if relation }}{{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    ))
{%- endmacro %}

{% macro duckdb__json_object_of(columns, relation='') -%}
    cast(json_object(
        {%- for column in columns %}
        '{{ column }}', {{ relation ~ '.' if relation }}{{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    ) as varchar)
{%- endmacro %}
