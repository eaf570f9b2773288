with

base as (

    select * from {{ ref('base_telephony__calls') }}

),

final as (

    select
        call_id,
        lead_id,
        phone_e164,
        phone_hash,
        has_malformed_phone,
        direction,
        status,
        event_type,
        started_at,
        duration_seconds,
        tracking_source,
        _loaded_at

    from base
    where row_status = 'clean'

)

select * from final
