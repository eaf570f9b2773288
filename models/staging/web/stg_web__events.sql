with

base as (

    select * from {{ ref('base_web__events') }}

),

final as (

    select
        event_id,
        anonymous_id,
        user_id,
        event_type,
        page_url,
        referrer,
        user_agent,
        device_type,
        utm_source,
        utm_medium,
        utm_campaign,
        occurred_at,
        _loaded_at

    from base
    where row_status = 'clean'

)

select * from final
