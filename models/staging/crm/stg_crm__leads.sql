with

base as (

    select * from {{ ref('base_crm__leads') }}

),

final as (

    select
        lead_id,
        created_at,
        updated_at,
        phone_e164,
        email,
        {{ pseudonymize('phone_e164') }} as phone_hash,
        {{ pseudonymize('email') }} as email_hash,
        has_malformed_phone,
        has_malformed_email,
        country_code,
        timezone,
        timezone_source,
        utm_source,
        utm_medium,
        utm_campaign,
        signup_channel,
        crm_stage,
        is_deleted,
        _loaded_at

    from base
    where row_status = 'clean'

)

select * from final
