{#- What makes sessions sessions: a lead's sessions are numbered 1, 2, 3,
    ... in time order, and each starts more than session_inactivity_minutes
    after the previous one ended (else they would be one session). Returns
    the sessions where either fails. A session that took an event of the
    next one (events at the same instant ordered differently by two
    windows) ended where the next began. -#}
{%- set gap_seconds = var('session_inactivity_minutes') ~ ' * 60' -%}
with

sessions as (

    select * from {{ ref('int_lead_sessions_grouped') }}

),

with_previous as (

    select
        session_id,
        lead_id,
        session_number,
        session_started_at,
        row_number() over (
            partition by lead_id
            order by session_started_at, session_number
        ) as position_in_lead,
        lag(session_ended_at) over (
            partition by lead_id
            order by session_started_at, session_number
        ) as previous_ended_at

    from sessions

),

failures as (

    select
        session_id,
        lead_id,
        session_number,
        position_in_lead,
        previous_ended_at,
        session_started_at

    from with_previous
    where
        session_number <> position_in_lead
        or {{ dbt.datediff(
            'previous_ended_at', 'session_started_at', 'second'
        ) }} <= {{ gap_seconds }}

)

select * from failures
