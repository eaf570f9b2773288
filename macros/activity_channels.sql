{#- Every channel a lead can engage on: the message channels (var
    message_channels), then app, web, call and store (orders placed in a
    store). Per-channel columns are generated from this list. -#}
{% macro activity_channels() -%}
    {{ return(var('message_channels') + ['app', 'web', 'call', 'store']) }}
{%- endmacro %}
