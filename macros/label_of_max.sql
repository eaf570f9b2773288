{#- The label whose column holds the largest value, ties going to the label
    listed first; NULL when every column is 0 or NULL. column_template names
    the column of a label, with '{}' standing for the label
    (e.g. '{}_engagements_90d'). -#}
{% macro label_of_max(labels, column_template) -%}
    {%- set columns = [] -%}
    {%- for label in labels -%}
        {%- do columns.append(
            'coalesce(' ~ column_template.replace('{}', label) ~ ', 0)'
        ) -%}
    {%- endfor -%}
    {%- set largest = 'greatest(' ~ columns | join(', ') ~ ')' -%}
    case when {{ largest }} <= 0 then null
    {%- for label in labels %} when {{ columns[loop.index0] }} = {{ largest }} then '{{ label }}'
    {%- endfor %} end
{%- endmacro %}
