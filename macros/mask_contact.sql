{#- A phone, email or address as it may be shown outside staging: its
    shape (digits as #, letters as *, the rest kept, so '+1 (415) 555-01'
    reads '+# (###) ###-##') followed by its keyed pseudonym, so a
    quarantined row still shows what was wrong with it and which rows share
    a value, without the value. NULL stays NULL. -#}
{% macro mask_contact(expr) -%}
    case
        when {{ expr }} is not null
            then
                {{ regexp_replace_all(
                    regexp_replace_all(expr, '[0-9]', '#'),
                    '[A-Za-z]',
                    '*'
                ) }}
                || ' ' || {{ pseudonymize(expr) }}
    end
{%- endmacro %}
