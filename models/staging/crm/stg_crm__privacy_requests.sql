with

base as (

    select * from {{ ref('base_crm__privacy_requests') }}

),

final as (

    select
        request_id,
        lead_id,
        request_type,
        requested_at,
        _loaded_at

    from base
    where row_status = 'clean'

)

select * from final
