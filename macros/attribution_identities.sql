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
    {{ return(side_table_relation('identities')) }}
{%- endmacro %}


{#- A table next to the model being built, `<model>__<suffix>`, that its
    post-hook writes and its next run reads. -#}
{% macro side_table_relation(suffix) -%}
    {{ return(api.Relation.create(
        database=this.database,
        schema=this.schema,
        identifier=this.identifier ~ '__' ~ suffix,
        type='table',
    )) }}
{%- endmacro %}


{#- Whether a side table (side_table_relation) exists yet; false at parse
    time. -#}
{% macro side_table_exists(relation) -%}
    {{ return(execute and adapter.get_relation(
        database=relation.database,
        schema=relation.schema,
        identifier=relation.identifier,
    ) is not none) }}
{%- endmacro %}


{#- The identity rows the last run stored, or none when the table is
    missing (a warehouse built before it existed): then every identity
    counts as changed and the run re-attributes every event. -#}
{% macro stored_attribution_identities() -%}
    {%- set relation = attribution_identities_relation() -%}
    {%- if side_table_exists(relation) -%}
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


{#- Where int_events_attributed keeps the time zone each lead's events
    were classified in: a table next to the model, `<model>__zones`, one
    row per lead of stg_crm__leads as the last run read it, written by the
    model's post-hook. Every run re-classifies the events of a lead whose
    zone changed, so after a run each stored event's lead_timezone is its
    lead's zone in this table: comparing it with stg_crm__leads finds the
    rezoned leads without reading every stored event (the distinct zones
    of the stored events: a 470,000-group aggregate over 99M rows, about
    2 s of operator time at 100M events).
    Its column is named lead_id, so the erasure hook purges it like every
    other built table. -#}
{% macro attribution_zones_relation() -%}
    {{ return(side_table_relation('zones')) }}
{%- endmacro %}


{#- (lead_id, lead_timezone) of the leads whose stored events were
    classified in that zone: the zones table, or, when it is missing (a
    warehouse built before it existed), the distinct pairs of the stored
    events themselves. -#}
{% macro stored_lead_zones(stored_events) -%}
    {%- set relation = attribution_zones_relation() -%}
    {%- if side_table_exists(relation) -%}
        select
            lead_id,
            lead_timezone
        from {{ relation }}
    {%- else -%}
        select distinct
            lead_id,
            lead_timezone
        from {{ stored_events }}
        where lead_id is not null
    {%- endif -%}
{%- endmacro %}


{#- Post-hook of int_events_attributed: store the zones this run
    classified with (stored_lead_zones). -#}
{% macro store_lead_zones() -%}
    create or replace table {{ attribution_zones_relation() }} as
    select
        lead_id,
        timezone as lead_timezone
    from {{ ref('stg_crm__leads') }}
{%- endmacro %}
