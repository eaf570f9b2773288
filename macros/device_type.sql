{#- mobile or desktop from a browser user agent (phones and tablets count
    as mobile); unknown when there is none. -#}
{% macro device_type(user_agent) -%}
    case
        when {{ clean_id(user_agent) }} is null then 'unknown'
        when
            lower({{ user_agent }}) like '%mobi%'
            or lower({{ user_agent }}) like '%iphone%'
            or lower({{ user_agent }}) like '%ipad%'
            or lower({{ user_agent }}) like '%android%'
            then 'mobile'
        else 'desktop'
    end
{%- endmacro %}
