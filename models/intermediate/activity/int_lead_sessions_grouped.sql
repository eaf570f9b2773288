with

events as (

    select * from {{ ref('int_lead_events_unioned') }}

),

app_and_web as (

    select
        lead_id,
        source_table,
        event_type,
        occurred_at

    from events
    -- Events after the as-of day are ignored: a session running past the
    -- end of the as-of day ends there (point-in-time).
    where
        source_table in ('app_events', 'web_events')
        and is_engagement
        and activity_date <= {{ as_of_date() }}

),

gaps_marked as (

    select
        *,
        case
            when
                lag(occurred_at) over (
                    partition by lead_id order by occurred_at, event_type
                ) is null
                or {{ dbt.datediff(
                    'lag(occurred_at) over (partition by lead_id order by occurred_at, event_type)',
                    'occurred_at',
                    'second'
                ) }} > {{ var('session_inactivity_minutes') }} * 60
                then 1
            else 0
        end as is_session_start

    from app_and_web

),

numbered as (

    select
        *,
        sum(is_session_start) over (
            partition by lead_id
            order by occurred_at, event_type
            rows between unbounded preceding and current row
        ) as session_number

    from gaps_marked

),

sessions as (

    select
        lead_id,
        session_number,
        min(occurred_at) as session_started_at,
        max(occurred_at) as session_ended_at,
        count(*) as session_events,
        sum(
            case when source_table = 'app_events' then 1 else 0 end
        ) as app_events,
        sum(
            case when source_table = 'web_events' then 1 else 0 end
        ) as web_events

    from numbered
    group by 1, 2

),

final as (

    select
        lead_id || ':' || cast(session_number as {{ dbt.type_string() }})
            as session_id,
        lead_id,
        session_number,
        session_started_at,
        session_ended_at,
        cast(session_started_at as date) as activity_date,
        -- A double on every engine: Spark divides by 60.0 as decimal(.., 6).
        cast(
            {{ dbt.datediff(
                'session_started_at', 'session_ended_at', 'second'
            ) }} as double
        ) / 60 as session_minutes,
        session_events,
        app_events > 0 as is_app_session,
        web_events > 0 as is_web_session

    from sessions

)

select * from final
