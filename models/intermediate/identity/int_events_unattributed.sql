with

events as (

    select * from {{ ref('int_events_attributed') }}

),

final as (

    select
        event_key,
        source_table,
        source_event_id,
        event_type,
        occurred_at,
        channel,
        _loaded_at

    from events
    where lead_id is null

)

select * from final
