{#- Weight of an engagement `days_ago` days before the as-of date in the
    engagement score: 1 today, halving every engagement_score_half_life_days
    (var, default 30). Strictly decreasing in days_ago, never 0. -#}
{% macro recency_decay(days_ago) -%}
    power(0.5, cast({{ days_ago }} as double) / {{ var('engagement_score_half_life_days', 30) }})
{%- endmacro %}
