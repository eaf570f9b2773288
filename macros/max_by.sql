{#- The value of `expr` on the row where `order_expr` is largest. -#}
{% macro max_by(expr, order_expr) -%}
    {{ return(adapter.dispatch('max_by', 'leadpulse')(expr, order_expr)) }}
{%- endmacro %}

{% macro default__max_by(expr, order_expr) -%}
    max_by({{ expr }}, {{ order_expr }})
{%- endmacro %}
