with

leads as (

    select * from {{ ref('stg_crm__leads') }}

),

channel_map as (

    select * from {{ ref('channel_map') }}

),

-- A map row matches when each of its non-blank columns equals the lead's
-- value, case-insensitively; blank columns match anything.
matches as (

    select
        leads.lead_id,
        channel_map.priority,
        channel_map.acquisition_channel

    from leads
    inner join channel_map
        on
            (
                coalesce(trim(channel_map.utm_source), '') = ''
                or lower(trim(channel_map.utm_source))
                = lower(trim(leads.utm_source))
            )
            and (
                coalesce(trim(channel_map.utm_medium), '') = ''
                or lower(trim(channel_map.utm_medium))
                = lower(trim(leads.utm_medium))
            )
            and (
                coalesce(trim(channel_map.signup_channel), '') = ''
                or lower(trim(channel_map.signup_channel))
                = lower(trim(leads.signup_channel))
            )
    where not leads.is_deleted

),

ranked as (

    select
        *,
        row_number() over (
            partition by lead_id
            order by priority asc, acquisition_channel asc
        ) as match_rank

    from matches

),

final as (

    select
        leads.lead_id,
        ranked.priority as channel_map_priority,
        coalesce(ranked.acquisition_channel, 'other') as acquisition_channel

    from leads
    left join ranked
        on
            leads.lead_id = ranked.lead_id
            and ranked.match_rank = 1
    where not leads.is_deleted

)

select * from final
