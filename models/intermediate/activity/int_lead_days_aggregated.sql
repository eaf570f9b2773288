{#- Incremental by lead-days; see the model's YAML for what a run reads
    and why it equals a full refresh. -#}
{#- Spark's plain parquet tables have no DELETE: a full rebuild there
    (lead_incremental_config). -#}
{{
    config(**lead_incremental_config(
        unique_key=['lead_id', 'activity_date'],
        marker_column='_inputs_fingerprint',
    ))
}}

with

events as {{ inline_cte() }} (

    select * from {{ ref('int_lead_events_unioned') }}

),

-- The sessions without the sessions model's bookkeeping (what its next
-- run compares), which is not what a session holds.
sessions as {{ inline_cte() }} (

    select {{ star_except(['_prefix_fingerprint', '_loaded_until']) }}
    from {{ ref('int_lead_sessions_grouped') }}

),

{% if is_incremental() %}

    -- Everything a lead-day's row is computed from: the lead's events of
    -- that day and the sessions starting on it (which end at the as-of day),
    -- as one order-independent fingerprint. (A row's own fingerprint is
    -- merged from its two aggregates below: the same value.)
    lead_day_input_rows as {{ inline_cte() }} (

        -- The stream stores each row's hash (_row_hash: its content, not its
        -- run stamp).
        select
            events.lead_id,
            events.activity_date,
            events._row_hash as row_hash

        from events

        union all

        select
            sessions.lead_id,
            sessions.activity_date,
            {{ row_hash('sessions') }} as row_hash

        from sessions

    ),

    -- First per lead: a lead's fingerprint is that of all its inputs, so
    -- it merges its lead-days' (bit_xor), and a lead whose inputs are
    -- unchanged has no lead-day to refresh. Grouping by lead is a small
    -- hash table; grouping every input by lead-day was most of this
    -- model's refresh (12 s of operator time at 100M events), and a day's
    -- loads touch about 40 % of the leads.
    lead_inputs as (

        select
            lead_id,
            {{ lead_fingerprint('row_hash') }} as inputs_fingerprint

        from lead_day_input_rows
        group by 1

    ),

    stored_lead_inputs as (

        select
            lead_id,
            {{ merged_fingerprint('_inputs_fingerprint') }}
                as inputs_fingerprint

        from {{ this }}
        group by 1

    ),

    changed_leads as (

        select coalesce(lead_inputs.lead_id, stored_lead_inputs.lead_id)
            as lead_id

        from lead_inputs
        full outer join stored_lead_inputs
            on lead_inputs.lead_id = stored_lead_inputs.lead_id
        where
            lead_inputs.inputs_fingerprint
            is distinct from stored_lead_inputs.inputs_fingerprint

    ),

    lead_day_inputs as (

        select
            lead_id,
            activity_date,
            {{ lead_fingerprint('row_hash') }} as inputs_fingerprint

        from lead_day_input_rows
        where lead_id in (select changed_leads.lead_id from changed_leads)
        group by 1, 2

    ),

    stored_lead_days as (

        select
            lead_id,
            activity_date,
            _inputs_fingerprint

        from {{ this }}
        where lead_id in (select changed_leads.lead_id from changed_leads)

    ),

    -- The lead-days whose events or sessions changed since their row was
    -- written, whatever changed them (new rows, attribution, as-of day),
    -- and those with a stored row but no events now.
    lead_days_to_refresh as (

        select
            coalesce(
                lead_day_inputs.lead_id, stored_lead_days.lead_id
            ) as lead_id,
            coalesce(
                lead_day_inputs.activity_date, stored_lead_days.activity_date
            ) as activity_date

        from lead_day_inputs
        full outer join stored_lead_days
            on
                lead_day_inputs.lead_id = stored_lead_days.lead_id
                and lead_day_inputs.activity_date
                = stored_lead_days.activity_date
        where
            lead_day_inputs.inputs_fingerprint
            is distinct from stored_lead_days._inputs_fingerprint

    ),

    -- MATERIALIZED (DuckDB; the model is a table on Spark): else DuckDB
    -- may aggregate every event before joining the few lead-days to
    -- refresh (13 s instead of 2 at 10M events).
    events_to_aggregate as materialized (

        select events.*

        from events
        inner join lead_days_to_refresh
            on
                events.lead_id = lead_days_to_refresh.lead_id
                and events.activity_date = lead_days_to_refresh.activity_date

    ),

    sessions_to_aggregate as (

        select sessions.*

        from sessions
        inner join lead_days_to_refresh
            on
                sessions.lead_id = lead_days_to_refresh.lead_id
                and sessions.activity_date = lead_days_to_refresh.activity_date

    ),

{% else %}

    events_to_aggregate as (

        select * from events

    ),

    sessions_to_aggregate as (

        select * from sessions

    ),

{% endif %}

daily_events as (

    select
        lead_id,
        activity_date,
        count(*) as events,
        {{ count_if('is_engagement') }} as engagement_events,
        {{ count_if("is_engagement and depth <> 'passive'") }}
            as non_passive_engagements,
        sum(weight) as engagement_weight,
        {{ count_if('is_engagement and is_mobile') }} as mobile_engagements,
        {% for part in dayparts() -%}
            {{ count_if("is_engagement and daypart = '" ~ part ~ "'") }}
                as {{ part }}_engagements,
        {% endfor -%}
        {% for channel in activity_channels() -%}
            {{ count_if("is_engagement and channel = '" ~ channel ~ "'") }}
                as {{ channel }}_engagements,
        {% endfor -%}
        {% for channel in var('message_channels') -%}
        {{ count_if(
            "source_table = 'message_events' and event_type = 'delivered'"
            ~ " and channel = '" ~ channel ~ "'"
        ) }} as {{ channel }}_delivered,
        {{ count_if(
            "source_table = 'message_events' and is_engagement"
            ~ " and channel = '" ~ channel ~ "'"
        ) }} as {{ channel }}_responses,
        {% endfor -%}
        {{ count_if(
            "source_table = 'message_events' and event_type = 'delivered'"
            ~ " and is_first_of_type"
        ) }} as messages_delivered,
        {{ count_if(
            "source_table = 'message_events' and event_type = 'opened'"
            ~ " and is_first_of_type"
        ) }} as messages_opened,
        {{ count_if(
            "source_table = 'message_events' and event_type = 'clicked'"
            ~ " and is_first_of_type"
        ) }} as messages_clicked,
        {{ count_if(
            "source_table = 'message_events' and event_type = 'replied'"
            ~ " and is_engagement and is_first_of_type"
        ) }} as messages_replied,
        {{ count_if("source_table = 'message_events' and is_engagement") }}
            as message_responses,
        {{ count_if(
            "source_table = 'message_events' and is_engagement"
            ~ " and is_promo_campaign"
        ) }} as promo_responses,
        {{ count_if("event_type = 'screen_viewed'") }} as app_screen_views,
        {{ count_if("event_type = 'product_viewed'") }} as product_views,
        {{ count_if(
            "event_type = 'page_viewed' and device_type = 'mobile'"
        ) }} as mobile_web_page_views,
        {{ count_if(
            "event_type = 'page_viewed' and device_type = 'desktop'"
        ) }} as desktop_web_page_views,
        {{ count_if("event_type = 'form_submitted'") }} as forms_submitted,
        {{ count_if(
            "event_type in ('chat_message_sent', 'chat_started')"
        ) }} as chat_messages,
        {{ count_if("source_table = 'calls' and direction = 'inbound'") }}
            as inbound_calls,
        {{ count_if(
            "source_table = 'calls' and event_type like '%_answered'"
        ) }} as answered_calls,
        sum(
            case
                when source_table = 'calls' and event_type like '%_answered'
                    then coalesce(duration_seconds, 0)
                else 0
            end
        ) as call_seconds,
        {{ count_if("event_type = 'added_to_cart'") }} as cart_adds,
        max(case when event_type = 'added_to_cart' then occurred_at end)
            as last_cart_added_at,
        {{ count_if("source_table = 'orders' and event_type = 'completed'") }}
            as orders_completed,
        sum(
            case
                when source_table = 'orders' and event_type = 'completed'
                    then revenue
                else 0
            end
        ) as revenue,
        max(
            case
                when
                    event_type = 'order_completed'
                    or (source_table = 'orders' and event_type = 'completed')
                    then occurred_at
            end
        ) as last_order_at,
        min(case when is_engagement then occurred_at end)
            as first_engaged_at,
        max(case when is_engagement then occurred_at end)
            as last_engaged_at,
        {{ lead_fingerprint('_row_hash') }} as events_fingerprint

    from events_to_aggregate
    group by 1, 2

),

-- Each session's row hash, as lead_day_input_rows computes it, before the
-- grouping (Spark allows no whole-row star in a query grouped by position).
hashed_sessions as (

    select
        sessions_to_aggregate.lead_id,
        sessions_to_aggregate.activity_date,
        sessions_to_aggregate.is_app_session,
        sessions_to_aggregate.session_minutes,
        {{ row_hash('sessions_to_aggregate') }} as row_hash

    from sessions_to_aggregate

),

daily_sessions as (

    select
        lead_id,
        activity_date,
        count(*) as sessions,
        {{ count_if('is_app_session') }} as app_sessions,
        sum(session_minutes) as session_minutes,
        {{ lead_fingerprint('row_hash') }} as sessions_fingerprint

    from hashed_sessions
    group by 1, 2

),

final as (

    select
        daily_events.{{ star_except(['events_fingerprint']) }},
        -- The fingerprint of the lead-day's events and sessions (the value
        -- an incremental run's lead_day_inputs computes), merged from the
        -- two aggregates: a full refresh groups the events once, not twice.
        {{ merge_fingerprints([
            'daily_events.events_fingerprint',
            'daily_sessions.sessions_fingerprint',
        ]) }} as _inputs_fingerprint,
        daily_events.engagement_events > 0 as is_engaged,
        coalesce(daily_sessions.sessions, 0) as sessions,
        coalesce(daily_sessions.app_sessions, 0) as app_sessions,
        coalesce(daily_sessions.session_minutes, 0) as session_minutes

    from daily_events
    left join daily_sessions
        on
            daily_events.lead_id = daily_sessions.lead_id
            and daily_events.activity_date = daily_sessions.activity_date

)

select * from final
{%- if is_incremental() %}

    -- One marker row (_inputs_fingerprint NULL) per lead-day to refresh:
    -- the replace_marked strategy deletes its stored row first. BY NAME
    -- fills the other columns with NULL (DuckDB; the model is a table on
    -- Spark).
    union all by name

    select
        lead_id,
        activity_date

    from lead_days_to_refresh
{%- endif %}
