{#- The three segment columns of fct_lead_engagement (SPEC §5), in a fixed
    order. The BI marts unpivot them into (segment_column, segment_value)
    rows, so that one mart serves every segmentation. -#}
{% macro segment_columns() -%}
    {{ return(['activity_segment', 'lifecycle_state', 'rfm_segment']) }}
{%- endmacro %}
