{#- An inbound message body as a keyword to compare with opt_out_keywords
    and opt_in_keywords: upper-cased, with white space (spaces, tabs, line
    breaks) and punctuation removed at both ends, so ' stop\n' and 'Stop!'
    are STOP while 'STOP ALL' and 'stopped' stay themselves. -#}
{% macro message_keyword(expr) -%}
    {#- ASCII punctuation as ranges (!-/ :-@ [-` {-~), not [[:punct:]]:
        Java's regex (Spark) has no POSIX bracket classes. -#}
    upper({{ regexp_replace_all(
        expr, '^[\s!-/:-@\[-`{-~]+|[\s!-/:-@\[-`{-~]+$', ''
    ) }})
{%- endmacro %}
