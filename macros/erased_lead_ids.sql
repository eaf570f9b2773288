{#- A select of the lead ids with an erasure request (SPEC §6: an erased
    lead leaves no row with its id in any relation the project writes).
    Read whatever the as-of date: erasure is not point-in-time. -#}
{% macro erased_lead_ids() -%}
    select lead_id
    from {{ ref('stg_crm__privacy_requests') }}
    where request_type = 'erasure'
{%- endmacro %}
