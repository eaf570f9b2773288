{#- Aggregate: one fingerprint of a lead's input rows from their row
    hashes (row_hash). Order-independent, so any engine and any number of
    threads give the same value; a row added, removed or changed changes
    it. -#}
{% macro lead_fingerprint(row_hash_column) -%}
    bit_xor({{ row_hash_column }})
{%- endmacro %}

{#- Aggregate: the lead_fingerprint of the union of disjoint row sets,
    from a column holding the lead_fingerprint of each (one per row; NULL:
    a set without rows). bit_xor again, as merge_fingerprints below. -#}
{% macro merged_fingerprint(fingerprint_column) -%}
    bit_xor({{ fingerprint_column }})
{%- endmacro %}

{#- The lead_fingerprint of the union of disjoint row sets, from the
    lead_fingerprint of each (SQL expressions; NULL: a set without rows).
    bit_xor is associative and commutative, so this equals one
    lead_fingerprint over all the rows, and two aggregates that already
    group by the same key need no third pass over the union. -#}
{% macro merge_fingerprints(fingerprints) -%}
    {{ return(adapter.dispatch('merge_fingerprints', 'leadpulse')(
        fingerprints
    )) }}
{%- endmacro %}

{% macro default__merge_fingerprints(fingerprints) -%}
    (
        {%- for fingerprint in fingerprints -%}
            coalesce({{ fingerprint }}, 0)
            {{- ' ^ ' if not loop.last }}
        {%- endfor -%}
    )
{%- endmacro %}

{% macro duckdb__merge_fingerprints(fingerprints) -%}
    {%- set merged = namespace(sql='coalesce(' ~ fingerprints[0] ~ ', 0)') -%}
    {%- for fingerprint in fingerprints[1:] -%}
        {%- set merged.sql = 'xor(' ~ merged.sql ~ ', coalesce('
            ~ fingerprint ~ ', 0))' -%}
    {%- endfor -%}
    {{ merged.sql }}
{%- endmacro %}
