{#- A JSON object text of the named columns, to keep a rejected row's raw
    values beside its quarantine reason. Columns named in masked hold
    contacts (phones, emails): they are kept as mask_contact gives them,
    so the JSON can leave staging. `names` maps a column to the name it is
    read under, when that differs (quarantined_raw_row). -#}
{% macro json_object_of(columns, relation='', masked=[], names={}) -%}
    {%- set values = [] -%}
    {%- for column in columns -%}
        {%- set value = (relation ~ '.' if relation) ~ names.get(column, column) -%}
        {%- do values.append(mask_contact(value) if column in masked else value) -%}
    {%- endfor -%}
    {{ return(adapter.dispatch('json_object_of', 'leadpulse')(columns, values)) }}
{%- endmacro %}

{% macro default__json_object_of(columns, values) -%}
    to_json(named_struct(
        {%- for column in columns %}
        '{{ column }}', {{ values[loop.index0] }}{{ "," if not loop.last }}
        {%- endfor %}
    ))
{%- endmacro %}

{% macro duckdb__json_object_of(columns, values) -%}
    cast(json_object(
        {%- for column in columns %}
        '{{ column }}', {{ values[loop.index0] }}{{ "," if not loop.last }}
        {%- endfor %}
    ) as varchar)
{%- endmacro %}
