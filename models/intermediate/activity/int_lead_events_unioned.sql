{#- Incremental by events and whole leads; see the model's YAML for what
    a run writes and why it equals a full refresh. -#}
{#- Spark's plain parquet tables have no DELETE: a full rebuild there
    (lead_incremental_config). -#}
{{
    config(**lead_incremental_config(marker_column='event_key'))
}}

{#- What can change in a stored event's row while its key stays (besides
    its lead, which the fingerprints always cover). The rest is fixed by
    the staged row, and staged event rows never change (first write wins);
    an order's new status is a new _loaded_at. -#}
{%- set mutable_columns = [
    'attributed_by', 'is_first_of_type', 'lead_timezone', '_loaded_at',
] -%}

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

{% if is_incremental() %}

    stored_events as {{ inline_cte() }} (

        select * from {{ this }}

    ),

{% endif %}

events_joined_to_leads as {{ inline_cte() }} (

    select
        events.*,
        leads.timezone as lead_timezone,
        event_catalog.interaction_type,
        event_catalog.depth as catalog_depth,
        event_catalog.is_engagement as catalog_is_engagement,
        event_catalog.is_mobile as catalog_is_mobile,
        event_catalog.weight as catalog_weight,
        (events.event_type = 'opt_out' or events.is_opt_out_keyword)
            as is_opt_out,
        (events.event_type = 'opt_in' or events.is_opt_in_keyword)
            as is_opt_in

    from events
    inner join leads
        on events.lead_id = leads.lead_id
    inner join event_catalog
        on
            events.source_table = event_catalog.source_table
            and events.event_type = event_catalog.event_type

),

{% if is_incremental() %}

    -- SPEC §7: rows loaded since the newest stored row minus the lookback.
    refresh_window as (

        {{ late_arrival_cutoff('stored_events') }}

    ),

    -- Every lead's events as one order-independent fingerprint (bit_xor
    -- of a hash per event) of their keys, leads and mutable columns, now
    -- and as stored: two hash aggregates, not a join of every event with
    -- every stored one. An event gained, lost, moved or changed changes
    -- the fingerprint of each lead it touches; so does a new time zone.
    {% for side, relation in [
        ('current', 'events_joined_to_leads'), ('stored', 'stored_events')
    ] %}
        {{ side }}_event_states as (

            select
                lead_id,
                event_key,
                {{ mutable_columns | join(', ') }}

            from {{ relation }}

        ),

        {{ side }}_lead_states as (

            select
                lead_id,
                {{ lead_fingerprint(row_hash(side ~ '_event_states')) }}
                    as events_fingerprint

            from {{ side }}_event_states
            group by 1

        ),

    {% endfor %}
    -- Events loaded inside the lookback whose key the stream does not
    -- hold yet: what a day's loads add.
    recent_events as (

        select events_joined_to_leads.*

        from events_joined_to_leads
        inner join refresh_window
            on events_joined_to_leads._loaded_at >= refresh_window.loaded_since

    ),

    recent_keys_stored as (

        select stored_events.event_key

        from stored_events
        where stored_events.event_key in (
            select recent_events.event_key from recent_events
        )

    ),

    new_events as (

        select recent_events.*

        from recent_events
        left join recent_keys_stored
            on recent_events.event_key = recent_keys_stored.event_key
        where recent_keys_stored.event_key is null

    ),

    new_event_states as (

        select
            lead_id,
            event_key,
            {{ mutable_columns | join(', ') }}

        from new_events

    ),

    new_lead_states as (

        select
            lead_id,
            {{ lead_fingerprint(row_hash('new_event_states')) }}
                as events_fingerprint

        from new_event_states
        group by 1

    ),

    -- A lead whose fingerprint changed by exactly its new events only
    -- gained them: they are appended. Any other change (an event lost,
    -- moved or re-attributed, a new first-of-type flag, time zone or
    -- order status, a row staged late with an old stamp) replaces the
    -- lead's rows whole, old lead and new alike.
    leads_compared as (

        select
            coalesce(
                current_lead_states.lead_id, stored_lead_states.lead_id
            ) as lead_id,
            current_lead_states.lead_id is not null
            and new_lead_states.lead_id is not null
            and xor(
                coalesce(stored_lead_states.events_fingerprint, 0),
                new_lead_states.events_fingerprint
            ) = current_lead_states.events_fingerprint as only_gained_new

        from current_lead_states
        full outer join stored_lead_states
            on current_lead_states.lead_id = stored_lead_states.lead_id
        left join new_lead_states
            on current_lead_states.lead_id = new_lead_states.lead_id
        where
            current_lead_states.events_fingerprint
            is distinct from stored_lead_states.events_fingerprint

    ),

    leads_to_replace as (

        select lead_id from leads_compared
        where not only_gained_new

    ),

    leads_to_append as (

        select lead_id from leads_compared
        where only_gained_new

    ),

    events_to_classify as (

        select events_joined_to_leads.*

        from events_joined_to_leads
        inner join leads_to_replace
            on events_joined_to_leads.lead_id = leads_to_replace.lead_id

        union all

        select new_events.*

        from new_events
        inner join leads_to_append
            on new_events.lead_id = leads_to_append.lead_id

    ),

{% else %}

    events_to_classify as (

        select * from events_joined_to_leads

    ),

{% endif %}

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
        classified._loaded_at

    from classified

)

select * from final
{%- if is_incremental() %}

    -- One marker row (event_key NULL) per lead to replace: the
    -- replace_marked strategy deletes the lead's stored rows first. BY
    -- NAME fills the other columns with NULL (DuckDB; the model is a
    -- table on Spark).
    union all by name

    select lead_id

    from leads_to_replace
{%- endif %}
