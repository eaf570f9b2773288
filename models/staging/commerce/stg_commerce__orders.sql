with

base as (

    select * from {{ ref('base_commerce__orders') }}

),

final as (

    select
        order_id,
        lead_id,
        ordered_at,
        amount,
        currency,
        status,
        channel,
        _loaded_at

    from base
    where row_status = 'clean'

)

select * from final
