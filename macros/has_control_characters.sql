{#- True when any of the named columns holds a control character (C0 or
    DEL): ids, types and channels with one are corrupt, not just messy
    (free text has them removed by clean_text instead). NULL columns do not
    count. The columns are tested as one concatenation (concat_ws skips
    NULLs and adds no character of its own): one regex per row, not one
    per column. -#}
{% macro has_control_characters(columns, relation='') -%}
    {%- set names = [] -%}
    {%- for column in columns -%}
        {%- do names.append(relation ~ ('.' if relation) ~ column) -%}
    {%- endfor -%}
    coalesce({{ regexp_full_match(
        "concat_ws('', " ~ (names | join(', ')) ~ ")",
        '(?s).*[\\x00-\\x1F\\x7F].*'
    ) }}, false)
{%- endmacro %}
