{#- Email as matched across sources: trimmed and lower-cased; NULL when it
    is not shaped like an address. -#}
{% macro normalize_email(expr) -%}
    case
        when {{ regexp_full_match('lower(trim(' ~ expr ~ '))', '[^@\\s]+@[^@\\s]+\\.[^@\\s]+') }}
            then lower(trim({{ expr }}))
    end
{%- endmacro %}
