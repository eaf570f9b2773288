with

leads as (

    select * from {{ ref('stg_crm__leads') }}

),

acquisitions as (

    select * from {{ ref('int_lead_acquisitions_mapped') }}

),

contactability as (

    select * from {{ ref('int_lead_contactability_resolved') }}

),

final as (

    select
        cast(leads.lead_id as {{ dbt.type_string() }}) as lead_id,
        leads.created_at,
        leads.updated_at,
        leads.country_code,
        leads.timezone,
        leads.timezone_source,
        leads.signup_channel,
        leads.crm_stage,
        leads.utm_source,
        leads.utm_medium,
        leads.utm_campaign,
        coalesce(acquisitions.acquisition_channel, 'other')
            as acquisition_channel,
        leads.phone_e164 is not null as has_phone,
        leads.email is not null as has_email,
        -- Contacts leave the warehouse only as keyed hashes.
        {{ pseudonymize('leads.phone_e164') }} as phone_hash,
        {{ pseudonymize('leads.email') }} as email_hash,
        coalesce(contactability.sms_opted_out, false) as sms_opted_out,
        coalesce(contactability.email_unsubscribed, false)
            as email_unsubscribed,
        coalesce(contactability.is_contactable_sms, false)
            as is_contactable_sms,
        coalesce(contactability.is_contactable_email, false)
            as is_contactable_email,
        coalesce(contactability.is_contactable_push, false)
            as is_contactable_push

    from leads
    left join acquisitions
        on leads.lead_id = acquisitions.lead_id
    left join contactability
        on leads.lead_id = contactability.lead_id
    where not leads.is_deleted

)

select * from final
