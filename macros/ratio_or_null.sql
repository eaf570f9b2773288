{#- numerator / denominator as a double; NULL when the denominator is 0 or
    NULL (a rate or share of nothing is unknown, not zero). -#}
{% macro ratio_or_null(numerator, denominator) -%}
    case when {{ denominator }} > 0 then cast({{ numerator }} as double) / {{ denominator }} end
{%- endmacro %}
