{#- Incremental by events; see the model's YAML for what a run rewrites
    and why it equals a full refresh. A table on Spark
    (lead_incremental_config). Every attributed event is classified here
    too (catalog meaning, local time, daypart), so the activity stream
    (int_lead_events_unioned) is a view of this table: one write of every
    event instead of two. -#}
{{
    config(**lead_incremental_config(
        unique_key='event_key',
        marker_column='source_table',
        post_hook=[
            "{{ store_attribution_identities() }}",
            "{{ store_lead_zones() }}",
        ],
    ))
}}

{#- Each source: its staging model, its id column and the columns naming
    an identity (identity_type of attribution_identities). -#}
{%- set sources = [
    ('message_events', 'stg_messaging__message_events', 'event_id', [
        ('lead_id', 'lead'),
        ('address_phone_hash', 'phone'),
        ('address_email_hash', 'email'),
    ]),
    ('app_events', 'stg_app__events', 'event_id', [
        ('user_id', 'lead'), ('anonymous_id', 'app_events'),
    ]),
    ('web_events', 'stg_web__events', 'event_id', [
        ('user_id', 'lead'), ('anonymous_id', 'web_events'),
    ]),
    ('calls', 'stg_telephony__calls', 'call_id', [
        ('lead_id', 'lead'), ('phone_hash', 'phone'),
    ]),
    ('orders', 'stg_commerce__orders', 'order_id', [('lead_id', 'lead')]),
    ('privacy_requests', 'stg_crm__privacy_requests', 'request_id', [
        ('lead_id', 'lead'),
    ]),
] -%}

with

{% for source, model, id_column, identities in sources %}
    staged_{{ source }} as {{ inline_cte() }} (

        select * from {{ ref(model) }}

    ),

{% endfor %}
leads as (

    select * from {{ ref('stg_crm__leads') }}

),

contacts as (

    select * from {{ ref('int_lead_contacts_mapped') }}

),

devices as (

    select * from {{ ref('int_device_leads_mapped') }}

),

event_catalog as (

    select * from {{ ref('event_catalog') }}

),

{% if is_incremental() %}

    stored_events as {{ inline_cte() }} (

        select * from {{ this }}

    ),

    -- A staged event row never changes once written (first write wins; an
    -- order's new status is a new row with a new _loaded_at), so rows
    -- gained or lost show in the load hours (load_hours) whose staged and
    -- stored rows differ: a day's new loads, a row staged late with an old
    -- stamp, a superseded order status, an erased event.
    current_loads as (

        {% for source, model, id_column, identities in sources %}
            {{ load_hours('staged_' ~ source, "'" ~ source ~ "'", id_column) }}
            {{ 'union all' if not loop.last }}
        {% endfor %}

    ),

    stored_loads as (

        {{ load_hours('stored_events', 'source_table', 'source_event_id') }}

    ),

    changed_loads as (

        {{ changed_load_hours('current_loads', 'stored_loads') }}

    ),

    -- The identity maps now and as the last run stored them (small: one
    -- row per lead, contact and device period). An identity with a row
    -- gained, lost or changed can move its events to another lead.
    current_identities as (

        {{ attribution_identities('leads', 'contacts', 'devices') }}

    ),

    stored_identities as (

        {{ stored_attribution_identities() }}

    ),

    identities_gained as (

        select * from current_identities
        except
        select * from stored_identities

    ),

    identities_lost as (

        select * from stored_identities
        except
        select * from current_identities

    ),

    changed_identities as (

        select distinct
            identity_type,
            case
                when identity_type = 'lead' then lead_id
                when identity_type in ('phone', 'email') then contact_hash
                else anonymous_id
            end as identity

        from (
            select * from identities_gained
            union all
            select * from identities_lost
        ) as differing

    ),

    -- A lead's new time zone moves the local time of all its events,
    -- whichever identity reached it: they are classified again.
    rezoned_leads as (

        select stored_zones.lead_id

        from (
            {{ stored_lead_zones('stored_events') }}
        ) as stored_zones
        inner join leads
            on stored_zones.lead_id = leads.lead_id
        where stored_zones.lead_timezone is distinct from leads.timezone

    ),

    rezoned_events as (

        select
            stored_events.source_table,
            stored_events.source_event_id

        from stored_events
        inner join rezoned_leads
            on stored_events.lead_id = rezoned_leads.lead_id

    ),

    -- The rows to (re)attribute: those of a changed load, naming a changed
    -- identity or of a rezoned lead (rows without a load time, never
    -- expected, always).
    {% for source, model, id_column, identities in sources %}
        touched_{{ source }} as {{ inline_cte() }} (

            select * from staged_{{ source }}
            where
                _loaded_at is null
                or {{ load_hour('_loaded_at') }} in (
                    select loaded_hour from changed_loads
                    where source_table = '{{ source }}'
                )
                {%- for column, identity_type in identities %}
                    or {{ column }} in (
                        select identity from changed_identities
                        where identity_type = '{{ identity_type }}'
                    )
                {%- endfor %}
                or {{ id_column }} in (
                    select rezoned_events.source_event_id from rezoned_events
                    where rezoned_events.source_table = '{{ source }}'
                )

        ),

    {% endfor %}
    -- is_first_of_type ranks the events of a message key, so every event
    -- of a touched key is re-read and each key is ranked whole.
    message_events as {{ inline_cte() }} (

        select * from staged_message_events
        where coalesce(message_id, event_id) in (
            select coalesce(message_id, event_id)
            from touched_message_events
        )

    ),

    {% for source, model, id_column, identities in sources[1:] %}
        {{ source }} as (

            select * from touched_{{ source }}

        ),

    {% endfor %}
{% else %}

    {% for source, model, id_column, identities in sources %}
        {{ source }} as {{ inline_cte() if loop.first }} (

            select * from staged_{{ source }}

        ),

    {% endfor %}
{% endif %}

-- When each row was attributed: the run's start, kept increasing from run
-- to run whatever the clock does, so the stream can read the rows written
-- since it last read (int_lead_events_unioned).
run_stamp as (

    select
        {%- set started_at -%}
            cast(
                '{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}'
                as {{ dbt.type_timestamp() }}
            )
        {%- endset %}
        {%- if is_incremental() %}
            greatest(
                {{ started_at }},
                {{ dbt.dateadd('microsecond', 1, 'max(_attributed_at)') }}
            ) as attributed_at

        from stored_events
        {%- else %}
            {{ started_at }} as attributed_at
        {%- endif %}

),

known_leads as (

    select lead_id from leads
    where not is_deleted

),

phones as (

    select * from contacts
    where contact_type = 'phone'

),

emails as (

    select * from contacts
    where contact_type = 'email'

),

-- Repeat opens or clicks of one message count once in rates: every
-- event of a message and type after the first (by time, then event_id)
-- is not first of its type. Repeats are rare, so only the message keys
-- with more than one event are ranked (ranking every wide message row
-- took 5 s of a 10M-event build).
repeated_message_keys as (

    select
        event_type,
        coalesce(message_id, event_id) as message_key

    from message_events
    group by 1, 2
    having count(*) > 1

),

repeat_events as (

    select ranked.event_id

    from (
        select
            message_events.event_id,
            row_number() over (
                partition by
                    repeated_message_keys.message_key,
                    repeated_message_keys.event_type
                order by message_events.occurred_at, message_events.event_id
            ) as position_in_key

        from message_events
        inner join repeated_message_keys
            on
                coalesce(message_events.message_id, message_events.event_id)
                = repeated_message_keys.message_key
                and message_events.event_type
                = repeated_message_keys.event_type
    ) as ranked

    where ranked.position_in_key > 1

),

-- Identity order (SPEC §2): own id, then device, then phone, then email.
messages_attributed as (

    select
        'message_events' as source_table,
        message_events.event_id as source_event_id,
        coalesce(
            known_leads.lead_id, phones.lead_id, emails.lead_id
        ) as lead_id,
        case
            when known_leads.lead_id is not null then 'lead_id'
            when phones.lead_id is not null then 'phone'
            when emails.lead_id is not null then 'email'
        end as attributed_by,
        message_events.event_type,
        message_events.occurred_at,
        message_events.channel,
        message_events.direction,
        message_events.campaign_type,
        cast(null as {{ dbt.type_string() }}) as device_type,
        cast(null as {{ dbt.type_int() }}) as duration_seconds,
        cast(null as decimal(18, 2)) as revenue,
        message_events.is_opt_out_keyword,
        message_events.is_opt_in_keyword,
        repeat_events.event_id is null as is_first_of_type,
        message_events._loaded_at

    from message_events
    left join known_leads
        on message_events.lead_id = known_leads.lead_id
    left join phones
        on message_events.address_phone_hash = phones.contact_hash
    left join emails
        on message_events.address_email_hash = emails.contact_hash
    left join repeat_events
        on message_events.event_id = repeat_events.event_id

),

{#- App and web events reach a lead the same way: own user id, then the
    device (or cookie) period covering the event. -#}
{% for source, channel, device_type in [
    ('app_events', 'app', "'app'"),
    ('web_events', 'web', 'web_events.device_type'),
] %}
    {{ channel }}_attributed as (

        select
            '{{ source }}' as source_table,
            {{ source }}.event_id as source_event_id,
            coalesce(known_leads.lead_id, devices.lead_id) as lead_id,
            case
                when known_leads.lead_id is not null then 'user_id'
                when devices.lead_id is not null then 'device'
            end as attributed_by,
            {{ source }}.event_type,
            {{ source }}.occurred_at,
            '{{ channel }}' as channel,
            cast(null as {{ dbt.type_string() }}) as direction,
            cast(null as {{ dbt.type_string() }}) as campaign_type,
            {{ device_type }} as device_type,
            cast(null as {{ dbt.type_int() }}) as duration_seconds,
            cast(null as decimal(18, 2)) as revenue,
            false as is_opt_out_keyword,
            false as is_opt_in_keyword,
            true as is_first_of_type,
            {{ source }}._loaded_at

        from {{ source }}
        left join known_leads
            on {{ source }}.user_id = known_leads.lead_id
        left join devices
            on
                known_leads.lead_id is null
                and devices.device_source = '{{ source }}'
                and {{ source }}.anonymous_id = devices.anonymous_id
                and (
                    devices.valid_from is null
                    or {{ source }}.occurred_at >= devices.valid_from
                )
                and (
                    devices.valid_to is null
                    or {{ source }}.occurred_at < devices.valid_to
                )

    ),

{% endfor %}
calls_attributed as (

    select
        'calls' as source_table,
        calls.call_id as source_event_id,
        coalesce(known_leads.lead_id, phones.lead_id) as lead_id,
        case
            when known_leads.lead_id is not null then 'lead_id'
            when phones.lead_id is not null then 'phone'
        end as attributed_by,
        calls.event_type,
        calls.started_at as occurred_at,
        'call' as channel,
        calls.direction,
        cast(null as {{ dbt.type_string() }}) as campaign_type,
        cast(null as {{ dbt.type_string() }}) as device_type,
        calls.duration_seconds,
        cast(null as decimal(18, 2)) as revenue,
        false as is_opt_out_keyword,
        false as is_opt_in_keyword,
        true as is_first_of_type,
        calls._loaded_at

    from calls
    left join known_leads
        on calls.lead_id = known_leads.lead_id
    left join phones
        on calls.phone_hash = phones.contact_hash

),

orders_attributed as (

    select
        'orders' as source_table,
        orders.order_id as source_event_id,
        known_leads.lead_id,
        case
            when known_leads.lead_id is not null then 'lead_id'
        end as attributed_by,
        orders.status as event_type,
        orders.ordered_at as occurred_at,
        -- Orders count on the channel they were placed through.
        case
            when orders.channel = 'phone' then 'call'
            else coalesce(orders.channel, 'store')
        end as channel,
        cast(null as {{ dbt.type_string() }}) as direction,
        cast(null as {{ dbt.type_string() }}) as campaign_type,
        cast(null as {{ dbt.type_string() }}) as device_type,
        cast(null as {{ dbt.type_int() }}) as duration_seconds,
        orders.amount as revenue,
        false as is_opt_out_keyword,
        false as is_opt_in_keyword,
        true as is_first_of_type,
        orders._loaded_at

    from orders
    left join known_leads
        on orders.lead_id = known_leads.lead_id

),

privacy_attributed as (

    select
        'privacy_requests' as source_table,
        privacy_requests.request_id as source_event_id,
        known_leads.lead_id,
        case
            when known_leads.lead_id is not null then 'lead_id'
        end as attributed_by,
        privacy_requests.request_type as event_type,
        privacy_requests.requested_at as occurred_at,
        'privacy' as channel,
        cast(null as {{ dbt.type_string() }}) as direction,
        cast(null as {{ dbt.type_string() }}) as campaign_type,
        cast(null as {{ dbt.type_string() }}) as device_type,
        cast(null as {{ dbt.type_int() }}) as duration_seconds,
        cast(null as decimal(18, 2)) as revenue,
        false as is_opt_out_keyword,
        false as is_opt_in_keyword,
        true as is_first_of_type,
        privacy_requests._loaded_at

    from privacy_requests
    left join known_leads
        on privacy_requests.lead_id = known_leads.lead_id

),

unioned as (

    select * from messages_attributed
    union all
    select * from app_attributed
    union all
    select * from web_attributed
    union all
    select * from calls_attributed
    union all
    select * from orders_attributed
    union all
    select * from privacy_attributed

),

attributed as (

    select
        unioned.*,
        run_stamp.attributed_at as _attributed_at,
        unioned.source_table || ':' || unioned.source_event_id as event_key

    from unioned
    cross join run_stamp

),

-- The event's meaning from the catalog and its lead's local time. Events
-- that reach no lead, or whose type the catalog lacks, are kept
-- (unattributed events are counted) but are not in the stream.
events_to_classify as (

    select
        attributed.*,
        leads.timezone as lead_timezone,
        event_catalog.interaction_type,
        event_catalog.depth as catalog_depth,
        event_catalog.is_engagement as catalog_is_engagement,
        event_catalog.is_mobile as catalog_is_mobile,
        event_catalog.weight as catalog_weight,
        (
            leads.lead_id is not null
            and event_catalog.event_type is not null
        ) as is_streamed,
        (
            attributed.event_type = 'opt_out'
            or attributed.is_opt_out_keyword
        ) as is_opt_out,
        (
            attributed.event_type = 'opt_in'
            or attributed.is_opt_in_keyword
        ) as is_opt_in

    from attributed
    left join leads
        on attributed.lead_id = leads.lead_id
    left join event_catalog
        on
            attributed.source_table = event_catalog.source_table
            and attributed.event_type = event_catalog.event_type

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

-- The stream's columns first (int_lead_events_unioned reads them), then
-- what only attribution keeps.
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
        classified._attributed_at,
        classified.is_streamed,
        classified.is_opt_out_keyword,
        classified.is_opt_in_keyword

    from classified

),

-- A hash of each row's content as the stream shows it, stored once here
-- for the lead-day rollup's fingerprints (instead of hashing every stream
-- row at every run). Not the run stamp: it says when a row was written,
-- not what it holds.
hashed as (

    select
        final.*,
        {{ row_hash('final', [
            '_attributed_at', 'is_streamed',
            'is_opt_out_keyword', 'is_opt_in_keyword',
        ]) }} as _row_hash

    from final

)

select * from hashed
{%- if is_incremental() %}

    -- One marker row (source_table NULL) per stored event to replace or
    -- drop: every row written again, and every stored row of a changed
    -- load. The replace_marked strategy deletes them before the insert.
    -- BY NAME fills the other columns with NULL.
    union all by name

    select event_key

    from (
        select event_key from attributed

        union

        select stored_events.event_key

        from stored_events
        inner join changed_loads
            on
                stored_events.source_table = changed_loads.source_table
                and {{ load_hour('stored_events._loaded_at') }}
                = changed_loads.loaded_hour
        -- The join alone read every stored key (4.2 s of operator time at
        -- 100M events, 1.8 s with the bound).
        where {{ loaded_since_earliest(
            'stored_events._loaded_at', 'changed_loads'
        ) }}
    ) as markers
{%- endif %}
