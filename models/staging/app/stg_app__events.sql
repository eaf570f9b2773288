with

base as (

    select * from {{ ref('base_app__events') }}

),

final as (

    select
        event_id,
        anonymous_id,
        user_id,
        event_type,
        platform,
        occurred_at,
        received_at,
        app_session_id,
        screen_name,
        product_id,
        product_category,
        revenue,
        currency,
        _loaded_at

    from base
    where row_status = 'clean'

)

select * from final
