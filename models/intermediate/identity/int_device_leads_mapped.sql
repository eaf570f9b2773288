{#- Every CTE over the events is inlined. DuckDB buffers a CTE that is read
    twice, as known_ties is (by device_leads and shared_ties): at 100M
    events that buffered 58M ties and the query took 4.4-4.7 s. Inlined,
    the second read keeps only the ties of devices shared by several leads,
    filtered as the table is scanned, and the query takes 1.8 s. -#}
with

app_events as {{ inline_cte() }} (

    select * from {{ ref('stg_app__events') }}

),

web_events as {{ inline_cte() }} (

    select * from {{ ref('stg_web__events') }}

),

leads as (

    select * from {{ ref('stg_crm__leads') }}

),

-- A device (app anonymous_id) or cookie (web anonymous_id) is tied to a lead
-- by every event that carries both ids.
ties as {{ inline_cte() }} (

    select
        'app_events' as device_source,
        anonymous_id,
        user_id as lead_id,
        occurred_at

    from app_events
    where anonymous_id is not null and user_id is not null

    union all

    select
        'web_events' as device_source,
        anonymous_id,
        user_id as lead_id,
        occurred_at

    from web_events
    where anonymous_id is not null and user_id is not null

),

known_ties as {{ inline_cte() }} (

    select ties.*

    from ties
    inner join leads
        on ties.lead_id = leads.lead_id
    where not leads.is_deleted

),

-- Most devices are only ever tied to one lead: one period, open at both
-- ends, found by a hash aggregate. Only the ties of devices shared by
-- several leads are put in order below (ordering every tie took 6 s of a
-- 10M-event build).
device_leads as (

    select
        device_source,
        anonymous_id,
        min(lead_id) as min_lead_id,
        max(lead_id) as max_lead_id

    from known_ties
    group by 1, 2

),

single_lead_periods as (

    select
        device_source,
        anonymous_id,
        min_lead_id as lead_id,
        cast(1 as {{ dbt.type_bigint() }}) as period_number,
        cast(null as {{ dbt.type_timestamp() }}) as valid_to,
        cast(null as {{ dbt.type_timestamp() }}) as valid_from

    from device_leads
    where min_lead_id = max_lead_id

),

shared_ties as (

    select known_ties.*

    from known_ties
    inner join device_leads
        on
            known_ties.device_source = device_leads.device_source
            and known_ties.anonymous_id = device_leads.anonymous_id
    where device_leads.min_lead_id <> device_leads.max_lead_id

),

sequenced as (

    select
        *,
        lag(lead_id) over (
            partition by device_source, anonymous_id
            order by occurred_at, lead_id
        ) as previous_lead_id

    from shared_ties

),

-- Only the ties where the device changes hands start a new period.
handovers as (

    select
        device_source,
        anonymous_id,
        lead_id,
        occurred_at as tied_at

    from sequenced
    where previous_lead_id is null or previous_lead_id <> lead_id

),

periods as (

    select
        device_source,
        anonymous_id,
        lead_id,
        tied_at,
        lead(tied_at) over (
            partition by device_source, anonymous_id
            order by tied_at, lead_id
        ) as next_tied_at,
        row_number() over (
            partition by device_source, anonymous_id
            order by tied_at, lead_id
        ) as period_number

    from handovers

),

final as (

    select
        device_source,
        anonymous_id,
        lead_id,
        period_number,
        next_tied_at as valid_to,
        -- The first lead also owns the device's events before its login.
        case when period_number > 1 then tied_at end as valid_from

    from periods

    union all

    select * from single_lead_periods

)

select * from final
