{#- A stable hash of a row's columns: the last tie-break of dedup, so that
    two copies loaded at the same instant resolve the same way every run. -#}
{% macro row_fingerprint(columns, relation='') -%}
    md5(concat_ws('|'
        {%- for column in columns %},
        coalesce(cast({{ relation ~ '.' if relation }}{{ column }} as {{ dbt.type_string() }}), '<null>')
        {%- endfor %}
    ))
{%- endmacro %}
