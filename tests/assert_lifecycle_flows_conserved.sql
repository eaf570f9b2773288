{#- Flow conservation between the two history marts: for every day and
    lifecycle state, leads in the state that day = leads in it the day
    before (0 before the first history day) + moves into it that day -
    moves out of it that day. Returns the days and states where it fails. -#}
with

segment_daily as (

    select * from {{ ref('agg_segment_daily') }}

),

lifecycle_transitions as (

    select * from {{ ref('agg_lifecycle_transitions') }}

),

state_days as (

    select
        activity_date,
        segment_value as lifecycle_state,
        leads

    from segment_daily
    where segment_column = 'lifecycle_state'

),

inflows as (

    select
        transition_date,
        to_state as lifecycle_state,
        sum(leads) as leads

    from lifecycle_transitions
    group by 1, 2

),

outflows as (

    select
        transition_date,
        from_state as lifecycle_state,
        sum(leads) as leads

    from lifecycle_transitions
    group by 1, 2

),

balanced as (

    select
        state_days.activity_date,
        state_days.lifecycle_state,
        state_days.leads,
        coalesce(previous_days.leads, 0) as previous_leads,
        coalesce(inflows.leads, 0) as inflow_leads,
        coalesce(outflows.leads, 0) as outflow_leads

    from state_days
    left join state_days as previous_days
        on
            state_days.lifecycle_state = previous_days.lifecycle_state
            and previous_days.activity_date
            = {{ dbt.dateadd('day', -1, 'state_days.activity_date') }}
    left join inflows
        on
            state_days.lifecycle_state = inflows.lifecycle_state
            and state_days.activity_date = inflows.transition_date
    left join outflows
        on
            state_days.lifecycle_state = outflows.lifecycle_state
            and state_days.activity_date = outflows.transition_date

),

-- Moves on days or into states the daily counts do not have are flows
-- nothing accounts for.
unmatched_transitions as (

    select
        lifecycle_transitions.transition_date as activity_date,
        lifecycle_transitions.to_state as lifecycle_state

    from lifecycle_transitions
    left join state_days
        on
            lifecycle_transitions.transition_date = state_days.activity_date
            and lifecycle_transitions.to_state = state_days.lifecycle_state
    where
        state_days.activity_date is null
        and lifecycle_transitions.to_state <> '(gone)'

),

failures as (

    select
        activity_date,
        lifecycle_state

    from balanced
    where leads <> previous_leads + inflow_leads - outflow_leads

    union all

    select * from unmatched_transitions

)

select * from failures
