{#- A list var as a SQL value list: ('a', 'b'), for `x in {{ in_list(...) }}`. -#}
{% macro in_list(values) -%}
    ({%- for value in values -%}
        '{{ value }}'{{ ", " if not loop.last }}
    {%- endfor -%})
{%- endmacro %}
