{#- Incremental by events; see the model's YAML for what a run writes and
    why it equals a full refresh. -#}
{#- Spark's plain parquet tables have no DELETE: a full rebuild there
    (lead_incremental_config). -#}
{{
    config(**lead_incremental_config(
        unique_key='event_key', marker_column='source_table'
    ))
}}

with

events as {{ inline_cte() }} (

    select * from {{ ref('int_events_attributed') }}

),

leads as (

    select * from {{ ref('stg_crm__leads') }}

),

event_catalog as (

    select * from {{ ref('event_catalog') }}

),

{% if is_incremental() %}

    stored_events as {{ inline_cte() }} (

        select * from {{ this }}

    ),

    -- Attribution stamps each row it writes with its run (_attributed_at,
    -- increasing): the rows stamped after the newest stamp stored here are
    -- those written since this model last read, new or rewritten (new
    -- events, re-attributed ones, new first-of-type flags, an order's new
    -- status). An event attribution rewrote that no longer reaches a lead
    -- is among them too: it leaves the stream.
    -- (-infinity when nothing is stored: every row is new.)
    read_until as (

        select
            coalesce(
                max(_attributed_at), cast('-infinity' as timestamp)
            ) as attributed_at
        from stored_events

    ),

    rewritten_events as {{ inline_cte() }} (

        select events.event_key

        from events
        cross join read_until
        where events._attributed_at > read_until.attributed_at

    ),

    -- A lead's new time zone moves the local time of all its events.
    rezoned_leads as (

        select stored_zones.lead_id

        from (
            select distinct
                lead_id,
                lead_timezone
            from stored_events
        ) as stored_zones
        inner join leads
            on stored_zones.lead_id = leads.lead_id
        where stored_zones.lead_timezone is distinct from leads.timezone

    ),

    -- Two branches, not one OR: each condition alone is pushed into the
    -- scan as a filter (the stamp's zone maps skip all but the newest
    -- rows; no rezoned lead, no rows), so only the rows in scope are read
    -- in full. With the OR, every column of every attributed row was read
    -- (about 2 s at 10M events).
    events_in_scope as (

        select events.*

        from events
        cross join read_until
        where events._attributed_at > read_until.attributed_at

        union all

        select events.*

        from events
        cross join read_until
        where
            events._attributed_at <= read_until.attributed_at
            and events.lead_id in (
                select rezoned_leads.lead_id from rezoned_leads
            )

    ),

    -- The events the stream holds now (a lead and a catalog entry), only
    -- the columns the load comparison reads.
    streamed_events as {{ inline_cte() }} (

        select
            events.event_key,
            events.source_table,
            events._loaded_at

        from events
        inner join leads
            on events.lead_id = leads.lead_id
        inner join event_catalog
            on
                events.source_table = event_catalog.source_table
                and events.event_type = event_catalog.event_type

    ),

    -- Stored events whose attributed row is gone (an erased event) show in
    -- a load hour (load_hours) whose rows differ from those stored.
    current_loads as (

        {{ load_hours('streamed_events', 'source_table', 'event_key') }}

    ),

    stored_loads as (

        {{ load_hours('stored_events', 'source_table', 'event_key') }}

    ),

    changed_loads as (

        {{ changed_load_hours('current_loads', 'stored_loads') }}

    ),

    {% for side, relation in [
        ('current', 'streamed_events'), ('stored', 'stored_events')
    ] %}
        {{ side }}_keys_of_changed_loads as (

            select {{ relation }}.event_key

            from {{ relation }}
            inner join changed_loads
                on
                    {{ relation }}.source_table = changed_loads.source_table
                    and {{ load_hour(relation ~ '._loaded_at') }}
                    = changed_loads.loaded_hour

        ),

    {% endfor %}
    vanished_events as (

        select stored_keys_of_changed_loads.event_key

        from stored_keys_of_changed_loads
        left join current_keys_of_changed_loads
            on
                stored_keys_of_changed_loads.event_key
                = current_keys_of_changed_loads.event_key
        where current_keys_of_changed_loads.event_key is null

    ),

    -- Each stored row to delete first: its event was rewritten upstream,
    -- vanished, or belongs to a lead with a new time zone.
    replaced_events as (

        select rewritten_events.event_key from rewritten_events

        union

        select vanished_events.event_key from vanished_events

        union

        select stored_events.event_key

        from stored_events
        inner join rezoned_leads
            on stored_events.lead_id = rezoned_leads.lead_id

    ),

{% else %}

    events_in_scope as (

        select * from events

    ),

{% endif %}

events_to_classify as (

    select
        events_in_scope.*,
        leads.timezone as lead_timezone,
        event_catalog.interaction_type,
        event_catalog.depth as catalog_depth,
        event_catalog.is_engagement as catalog_is_engagement,
        event_catalog.is_mobile as catalog_is_mobile,
        event_catalog.weight as catalog_weight,
        (
            events_in_scope.event_type = 'opt_out'
            or events_in_scope.is_opt_out_keyword
        ) as is_opt_out,
        (
            events_in_scope.event_type = 'opt_in'
            or events_in_scope.is_opt_in_keyword
        ) as is_opt_in

    from events_in_scope
    inner join leads
        on events_in_scope.lead_id = leads.lead_id
    inner join event_catalog
        on
            events_in_scope.source_table = event_catalog.source_table
            and events_in_scope.event_type = event_catalog.event_type

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
        coalesce(
            catalog_is_mobile,
            case
                when source_table = 'message_events' then channel <> 'email'
                when source_table = 'web_events' then device_type = 'mobile'
                when source_table = 'orders' then channel = 'app'
                else false
            end
        ) as is_mobile,
        {{ to_local_timestamp('occurred_at', 'lead_timezone') }}
            as occurred_local_at

    from events_to_classify

),

final as (

    select
        classified.event_key,
        classified.source_table,
        classified.source_event_id,
        classified.lead_id,
        classified.attributed_by,
        classified.event_type,
        classified.interaction_type,
        -- "depth" is the SPEC's name, keyword or not (hence noqa RF04).
        case
            when classified.is_opt_out then 'consent'
            else classified.catalog_depth
        end as depth,  -- noqa: RF04
        classified.is_engagement,
        classified.is_mobile,
        case
            when classified.is_engagement then classified.catalog_weight
            else 0
        end as weight,
        classified.channel,
        classified.direction,
        classified.campaign_type,
        coalesce(
            classified.campaign_type
            in {{ in_list(var('promo_campaign_types')) }},
            false
        ) as is_promo_campaign,
        classified.device_type,
        classified.duration_seconds,
        classified.revenue,
        classified.is_opt_out,
        classified.is_opt_in,
        classified.is_first_of_type,
        classified.occurred_at,
        cast(classified.occurred_at as date) as activity_date,
        classified.lead_timezone,
        classified.occurred_local_at,
        {{ daypart('classified.occurred_local_at') }} as daypart,
        classified._loaded_at,
        classified._attributed_at

    from classified

),

-- A hash of each row's content, stored once here for the lead-day
-- rollup's fingerprints (instead of hashing every stream row at every
-- run). Not attribution's run stamp: it says when a row was written, not
-- what it holds.
hashed as (

    select
        final.*,
        {{ row_hash('final', ['_attributed_at']) }} as _row_hash

    from final

)

select * from hashed
{%- if is_incremental() %}

    -- One marker row (source_table NULL) per stored event to delete
    -- first (replace_marked). BY NAME fills the other columns with NULL
    -- (DuckDB; the model is a table on Spark).
    union all by name

    select event_key

    from replaced_events
{%- endif %}
