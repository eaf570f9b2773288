{#- The identity maps int_events_attributed reads, as one small relation
    (SPEC §2): the known (non-deleted) leads, the owner of each phone and
    email, and the lead periods of each device and cookie. identity_type
    is 'lead', 'phone', 'email', 'app_events' or 'web_events'. An
    incremental run compares these rows now with the rows stored by the
    run before (attribution_identities_relation): only events whose lead
    id, phone, email or device has a changed row can reach another lead.
    leads, contacts, devices: relations or CTE names shaped like
    stg_crm__leads, int_lead_contacts_mapped, int_device_leads_mapped. -#}
{% macro attribution_identities(leads, contacts, devices) -%}
    select
        'lead' as identity_type,
        lead_id,
        cast(null as {{ dbt.type_string() }}) as contact_hash,
        cast(null as {{ dbt.type_string() }}) as anonymous_id,
        cast(null as {{ dbt.type_bigint() }}) as period_number,
        cast(null as {{ dbt.type_timestamp() }}) as valid_from,
        cast(null as {{ dbt.type_timestamp() }}) as valid_to

    from {{ leads }}
    where not is_deleted

    union all

    select
        contact_type as identity_type,
        lead_id,
        contact_hash,
        cast(null as {{ dbt.type_string() }}) as anonymous_id,
        cast(null as {{ dbt.type_bigint() }}) as period_number,
        cast(null as {{ dbt.type_timestamp() }}) as valid_from,
        cast(null as {{ dbt.type_timestamp() }}) as valid_to

    from {{ contacts }}

    union all

    select
        device_source as identity_type,
        lead_id,
        cast(null as {{ dbt.type_string() }}) as contact_hash,
        anonymous_id,
        period_number,
        valid_from,
        valid_to

    from {{ devices }}
{%- endmacro %}


{#- Where int_events_attributed keeps the identity maps its last run used:
    a table next to the model, `<model>__identities`, written by the
    model's post-hook in the same transaction as its rows. Its columns are
    named lead_id and anonymous_id, so the erasure hook purges it like
    every other built table. -#}
{% macro attribution_identities_relation() -%}
    {{ return(api.Relation.create(
        database=this.database,
        schema=this.schema,
        identifier=this.identifier ~ '__identities',
        type='table',
    )) }}
{%- endmacro %}


{#- The identity rows the last run stored, or none when the table is
    missing (a warehouse built before it existed): then every identity
    counts as changed and the run re-attributes every event. -#}
{% macro stored_attribution_identities() -%}
    {%- set relation = attribution_identities_relation() -%}
    {%- if execute and adapter.get_relation(
        database=relation.database,
        schema=relation.schema,
        identifier=relation.identifier,
    ) is not none -%}
        select * from {{ relation }}
    {%- else -%}
        select * from (
            {{ attribution_identities('leads', 'contacts', 'devices') }}
        ) as none_stored
        where false
    {%- endif -%}
{%- endmacro %}


{#- Post-hook of int_events_attributed: store the identity maps this run
    attributed with, for the next run to compare. -#}
{% macro store_attribution_identities() -%}
    create or replace table {{ attribution_identities_relation() }} as
    {{ attribution_identities(
        ref('stg_crm__leads'),
        ref('int_lead_contacts_mapped'),
        ref('int_device_leads_mapped'),
    ) }}
{%- endmacro %}
