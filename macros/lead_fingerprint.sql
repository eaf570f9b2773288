{#- Aggregate: one fingerprint of a lead's input rows from their row
    hashes (row_hash). Order-independent, so any engine and any number of
    threads give the same value; a row added, removed or changed changes
    it. -#}
{% macro lead_fingerprint(row_hash_column) -%}
    bit_xor({{ row_hash_column }})
{%- endmacro %}
