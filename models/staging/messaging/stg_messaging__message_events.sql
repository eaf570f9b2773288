with

base as (

    select * from {{ ref('base_messaging__message_events') }}

),

final as (

    select
        event_id,
        message_id,
        lead_id,
        address_phone_e164,
        address_email,
        address_phone_hash,
        address_email_hash,
        has_malformed_address,
        channel,
        direction,
        event_type,
        occurred_at,
        campaign_id,
        campaign_type,
        link_url,
        body,
        is_opt_out_keyword,
        is_opt_in_keyword,
        _loaded_at

    from base
    where row_status = 'clean'

)

select * from final
