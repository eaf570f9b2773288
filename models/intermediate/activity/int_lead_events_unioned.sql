{#- The stream is the attributed events that reach a lead and the catalog
    knows: int_events_attributed classifies every event it writes, so
    this view stores nothing of its own (see the model's YAML). -#}
with

events as (

    select * from {{ ref('int_events_attributed') }}

),

final as (

    select
        event_key,
        source_table,
        source_event_id,
        lead_id,
        attributed_by,
        event_type,
        interaction_type,
        depth,
        is_engagement,
        is_mobile,
        weight,
        channel,
        direction,
        campaign_type,
        is_promo_campaign,
        device_type,
        duration_seconds,
        revenue,
        is_opt_out,
        is_opt_in,
        is_first_of_type,
        occurred_at,
        activity_date,
        lead_timezone,
        occurred_local_at,
        daypart,
        _loaded_at,
        _attributed_at,
        _row_hash

    from events
    where is_streamed

)

select * from final
