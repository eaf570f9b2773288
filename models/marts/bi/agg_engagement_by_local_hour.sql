with

events as (

    select
        lead_id,
        occurred_local_at,
        daypart,
        is_engagement,
        activity_date

    from {{ ref('int_lead_events_unioned') }}

),

leads as (

    select * from {{ ref('dim_leads') }}

),

-- Engagement of the leads dim_leads describes.
engagements as (

    select
        events.lead_id,
        events.daypart,
        events.occurred_local_at,
        {{ days_between('events.activity_date', as_of_date()) }} as days_ago

    from events
    inner join leads
        on events.lead_id = leads.lead_id
    where events.is_engagement

),

-- The last bi_window_days UTC days up to the as-of day (the window is in
-- UTC like every other window; the cell is the lead's local time).
engagements_in_window as (

    select
        lead_id,
        daypart,
        {{ iso_day_of_week('occurred_local_at') }} as local_day_of_week,
        extract(hour from occurred_local_at) as local_hour

    from engagements
    where {{ in_window(var('bi_window_days')) }}

),

rolled_up as (

    select
        local_day_of_week,
        local_hour,
        daypart,
        count(*) as engagement_events,
        count(distinct lead_id) as leads

    from engagements_in_window
    group by 1, 2, 3

),

final as (

    select
        cast(local_day_of_week as {{ dbt.type_int() }}) as local_day_of_week,
        cast(local_hour as {{ dbt.type_int() }}) as local_hour,
        cast(daypart as {{ dbt.type_string() }}) as daypart,
        cast(engagement_events as {{ dbt.type_bigint() }})
            as engagement_events,
        cast(leads as {{ dbt.type_bigint() }}) as leads

    from rolled_up

)

select * from final
