{#- Free-form phone -> E.164 ('+' and 8 to 15 digits), NULL when malformed.
    '+..' and '00..' are international already; otherwise the number is
    national: the country's trunk prefix is dropped and its calling code
    put in front. calling_code and trunk_prefix are SQL expressions (from
    the countries seed). -#}
{% macro normalize_phone(expr, calling_code, trunk_prefix) -%}
    {%- set digits = regexp_replace_all(expr, '[^0-9]', '') -%}
    {%- set candidate -%}
        case
            when trim({{ expr }}) like '+%' then '+' || {{ digits }}
            when {{ digits }} like '00%' then '+' || substr({{ digits }}, 3)
            when
                {{ trunk_prefix }} is not null
                and {{ trunk_prefix }} <> ''
                and {{ digits }} like {{ trunk_prefix }} || '%'
                then '+' || {{ calling_code }}
                || substr({{ digits }}, length({{ trunk_prefix }}) + 1)
            else '+' || {{ calling_code }} || {{ digits }}
        end
    {%- endset -%}
    case
        when {{ regexp_full_match(candidate, '\\+[1-9][0-9]{7,14}') }}
            then {{ candidate }}
    end
{%- endmacro %}
