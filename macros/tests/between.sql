{#- Generic test: every non-NULL value of the column lies in
    [min_value, max_value]. -#}
{% test between(model, column_name, min_value, max_value) %}

select {{ column_name }}

from {{ model }}
where
    {{ column_name }} < {{ min_value }}
    or {{ column_name }} > {{ max_value }}

{% endtest %}
