with

events as (

    select * from {{ ref('int_events_attributed') }}

),

leads as (

    select * from {{ ref('stg_crm__leads') }}

),

event_catalog as (

    select * from {{ ref('event_catalog') }}

),

events_joined_to_leads as (

    select
        events.*,
        leads.timezone,
        event_catalog.interaction_type,
        event_catalog.depth as catalog_depth,
        event_catalog.is_engagement as catalog_is_engagement,
        event_catalog.is_mobile as catalog_is_mobile,
        event_catalog.weight as catalog_weight

    from events
    inner join leads
        on events.lead_id = leads.lead_id
    inner join event_catalog
        on
            events.source_table = event_catalog.source_table
            and events.event_type = event_catalog.event_type

),

classified as (

    select
        *,
        -- An answered outbound call counts only from a minimum length; a
        -- STOP reply is an opt-out, not engagement.
        coalesce(
            catalog_is_engagement
            and not is_opt_out_keyword
            and not (
                source_table = 'calls'
                and direction = 'outbound'
                and coalesce(duration_seconds, 0)
                < {{ var('min_answered_call_seconds') }}
            ),
            false
        ) as is_engagement,
        (event_type = 'opt_out' or is_opt_out_keyword) as is_opt_out,
        (event_type = 'opt_in' or is_opt_in_keyword) as is_opt_in,
        coalesce(
            catalog_is_mobile,
            case
                when source_table = 'message_events' then channel <> 'email'
                when source_table = 'web_events' then device_type = 'mobile'
                when source_table = 'orders' then channel = 'app'
                else false
            end
        ) as is_mobile,
        {{ to_local_timestamp('occurred_at', 'timezone') }} as occurred_local_at

    from events_joined_to_leads

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
        -- "depth" is the SPEC's name, keyword or not (hence noqa RF04).
        case
            when is_opt_out then 'consent' else catalog_depth
        end as depth,  -- noqa: RF04
        is_engagement,
        is_mobile,
        case when is_engagement then catalog_weight else 0 end as weight,
        channel,
        direction,
        campaign_type,
        coalesce(
            campaign_type in {{ in_list(var('promo_campaign_types')) }}, false
        ) as is_promo_campaign,
        device_type,
        duration_seconds,
        revenue,
        is_opt_out,
        is_opt_in,
        is_first_of_type,
        occurred_at,
        cast(occurred_at as date) as activity_date,
        timezone as lead_timezone,
        occurred_local_at,
        {{ daypart('occurred_local_at') }} as daypart,
        _loaded_at

    from classified

)

select * from final
