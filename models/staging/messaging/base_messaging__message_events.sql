{%- set raw_columns = [
    'event_id', 'message_id', 'lead_id', 'address', 'channel', 'direction',
    'event_type', 'occurred_at', 'campaign_id', 'campaign_type', 'link_url',
    'body', '_loaded_at'
] -%}

with

source_rows as {{ inline_cte(unless_incremental=true) }} (

    select * from {{
        unstaged_rows(raw_columns, source('messaging', 'message_events'))
    }}

),

repeated_keys as (

    {{ repeated_keys('event_id') }}

),

-- Each raw row with _may_have_copies. It and every CTE up to ranked are
-- inlined, so ranked's filter on the flag reaches the raw scan: no staged
-- row is buffered (at 100M events the buffer spilled to disk).
source as {{ inline_cte() }} (

    {{ flag_repeated_keys('event_id') }}

),

default_country as (

    select * from {{ ref('countries') }}
    where country_code = '{{ var("default_phone_country") }}'

),

typed as {{ inline_cte() }} (

    select
        {{ clean_id('source.event_id') }} as event_id,
        {{ clean_id('source.message_id') }} as message_id,
        {{ clean_id('source.lead_id') }} as lead_id,
        {{ normalize_email('source.address') }} as address_email,
        case
            when source.address not like '%@%'
                then {{ normalize_phone(
                    'source.address',
                    'default_country.calling_code',
                    'default_country.trunk_prefix'
                ) }}
        end as address_phone_e164,
        lower(trim(source.channel)) as channel,
        lower(trim(source.direction)) as direction,
        lower(trim(source.event_type)) as event_type,
        {{ parse_utc_timestamp('source.occurred_at') }} as occurred_at,
        {{ clean_id('source.campaign_id') }} as campaign_id,
        lower(trim(source.campaign_type)) as campaign_type,
        {{ clean_text('source.link_url') }} as link_url,
        {{ clean_text('source.body') }} as body,
        source._loaded_at,
        source._may_have_copies,
        source.address as raw_address,
        source.occurred_at as raw_occurred_at,
        {{ raw_copies(raw_columns, 'source') }},
        {{ row_fingerprint(raw_columns, 'source') }}
            as row_fingerprint

    from source
    cross join default_country

),

classified as {{ inline_cte() }} (

    select
        *,
        raw_address is not null
        and address_email is null
        and address_phone_e164 is null as has_malformed_address,
        coalesce(
            {{ message_keyword('body') }}
            in {{ in_list(var("opt_out_keywords")) }},
            false
        )
            as is_opt_out_keyword,
        coalesce(
            {{ message_keyword('body') }}
            in {{ in_list(var("opt_in_keywords")) }},
            false
        )
            as is_opt_in_keyword,
        coalesce(
            case
                when event_id is null then 'missing_event_id'
                when {{ has_control_characters(
                    ['event_id', 'message_id', 'lead_id', 'channel',
                        'direction', 'event_type', 'campaign_id']
                ) }} then 'invalid_characters'
                -- A contact that cannot be read is named, not lumped with
                -- a row that has none.
                when
                    lead_id is null
                    and raw_address like '%@%'
                    and address_email is null
                    then 'malformed_email'
                when
                    lead_id is null
                    and {{ clean_id('raw_address') }} is not null
                    and address_email is null
                    and address_phone_e164 is null
                    then 'malformed_phone'
                when
                    lead_id is null
                    and address_email is null
                    and address_phone_e164 is null
                    then 'missing_identity'
            end,
            {{ timestamp_quarantine_reason('raw_occurred_at', 'occurred_at') }},
            case
                when
                    channel is null
                    or channel not in {{ in_list(var('message_channels')) }}
                    then 'unknown_channel'
                when direction is null
                    or direction not in ('outbound', 'inbound')
                    then 'unknown_direction'
            end,
            {{ event_type_quarantine_reason('event_type', 'message_events') }}
        ) as quarantine_reason

    from typed

),

-- The raw copies serve only raw_row (quarantined rows), so it is built
-- before the dedup window, which then does not carry them (they were half
-- its time at 10M events). The raw text kept for classification goes too:
-- no reader needs it, and each stored text column costs a write (about
-- 1 s per 5M events).
trimmed as {{ inline_cte() }} (

    select
        {{ star_except(
            raw_copy_names(raw_columns) + ['raw_address', 'raw_occurred_at']
        ) }},
        {{ quarantined_raw_row(raw_columns, masked=['address']) }} as raw_row

    from classified

),

ranked as (

    {{ ranked_copies('event_id') }}

),

final as (

    select
        {{ star_except(['raw_row', '_may_have_copies']) }},
        -- Hashed once, as the row is staged, not at every read of the
        -- stg_ view (SHA-256 of every row cost seconds per read at 10M).
        {{ pseudonymize('address_phone_e164') }} as address_phone_hash,
        {{ pseudonymize('address_email') }} as address_email_hash,
        {{ row_status() }} as row_status,
        raw_row

    from ranked

)

-- ranked is a union (ranked_copies), whose columns sqlfluff cannot count.
select * from final  -- noqa: AM04
