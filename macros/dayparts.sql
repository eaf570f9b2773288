{#- The four dayparts of SPEC §3, in a fixed order. -#}
{% macro dayparts() -%}
    {{ return(['business_hours', 'evening', 'weekend', 'night']) }}
{%- endmacro %}
