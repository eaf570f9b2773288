{#- Events that reach no lead are kept and counted (SPEC §2); more than
    `max_unattributed_share` of them means identity is broken (a loader
    dropped lead ids, a phone format went unrecognised). -#}
with

events as (

    select * from {{ ref('int_events_attributed') }}

),

shares as (

    select
        count(*) as events,
        {{ count_if('lead_id is null') }} as unattributed_events

    from events

)

select * from shares
where unattributed_events > {{ var('max_unattributed_share') }} * events
