with

message_events as {{ inline_cte() }} (

    select * from {{ ref('stg_messaging__message_events') }}

),

app_events as (

    select * from {{ ref('stg_app__events') }}

),

web_events as (

    select * from {{ ref('stg_web__events') }}

),

calls as (

    select * from {{ ref('stg_telephony__calls') }}

),

orders as (

    select * from {{ ref('stg_commerce__orders') }}

),

privacy_requests as (

    select * from {{ ref('stg_crm__privacy_requests') }}

),

leads as (

    select * from {{ ref('stg_crm__leads') }}

),

contacts as (

    select * from {{ ref('int_lead_contacts_mapped') }}

),

devices as (

    select * from {{ ref('int_device_leads_mapped') }}

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

final as (

    select
        *,
        source_table || ':' || source_event_id as event_key

    from unioned

)

select * from final
