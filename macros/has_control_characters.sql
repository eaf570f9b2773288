{#- True when any of the named columns holds a control character (C0 or
    DEL): ids, types and channels with one are corrupt, not just messy
    (free text has them removed by clean_text instead). NULL columns do not
    count. -#}
{% macro has_control_characters(columns, relation='') -%}
    (
        {%- for column in columns %}
        coalesce({{ regexp_full_match(
            relation ~ ('.' if relation) ~ column,
            '(?s).*[\\x00-\\x1F\\x7F].*'
        ) }}, false){{ " or" if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}
