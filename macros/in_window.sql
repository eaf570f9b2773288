{#- True for rows in a trailing window of the as-of date: `days` days
    starting `offset` days back, i.e. days_ago offset .. offset + days - 1
    ("the last 30 days" is in_window(30); "the previous 30" is
    in_window(30, 30)). `days` and `offset` may be numbers or var() values;
    days_ago is the column holding as_of_date minus the row's UTC date.
    Rendered on one line so that models calling it lint cleanly. -#}
{% macro in_window(days, offset=0, days_ago='days_ago') -%}
    ({{ days_ago }} >= {{ offset }} and {{ days_ago }} < {{ offset }} + {{ days }})
{%- endmacro %}
