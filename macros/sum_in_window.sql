{#- Sum of `expr` over the rows of a trailing window (see in_window); 0 when
    no row falls in it. With as_type, the sum is cast to that type. -#}
{% macro sum_in_window(expr, days, offset=0, as_type=none, days_ago='days_ago') -%}
    {%- set total -%}
        sum(case when {{ in_window(days, offset, days_ago) }} then {{ expr }} else 0 end)
    {%- endset -%}
    {%- if as_type -%}
        cast({{ total }} as {{ as_type }})
    {%- else -%}
        {{ total }}
    {%- endif -%}
{%- endmacro %}
