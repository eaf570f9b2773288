{#- The 0-100 engagement score of a lead from its recency-decayed sum of
    event weights (see recency_decay): 100 * (1 - exp(-points / saturation)),
    rounded to 2 decimals, with saturation the var
    engagement_score_saturation_points (default 50). 0 for no engagement,
    approaching 100 as points grow; non-decreasing in points, so more or
    more recent or deeper engagement never lowers it, and it depends on the
    lead's own events only (no percentile). -#}
{% macro engagement_score(decayed_points) -%}
    round(100 * (1 - exp(-1 * cast(coalesce({{ decayed_points }}, 0) as double) / {{ var('engagement_score_saturation_points', 50) }})), 2)
{%- endmacro %}
