{%- set raw_columns = [
    'event_id', 'anonymous_id', 'user_id', 'event_name', 'platform',
    'occurred_at', 'received_at', 'properties', '_loaded_at'
] -%}
{%- set property_keys = [
    'session_id', 'screen_name', 'product_id', 'category', 'revenue',
    'currency'
] -%}

with

source_rows as {{ inline_cte(unless_incremental=true) }} (

    select * from {{ unstaged_rows(raw_columns, source('app', 'app_events')) }}

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

-- The properties JSON is parsed once for all its keys.
source_parsed as {{ inline_cte() }} (

    select
        source.*,
        {{ json_fields('source.properties', property_keys) }}
            as property_fields

    from source

),

typed as {{ inline_cte() }} (

    select
        {{ clean_id('source_parsed.event_id') }} as event_id,
        {{ clean_id('source_parsed.anonymous_id') }} as anonymous_id,
        {{ clean_id('source_parsed.user_id') }} as user_id,
        lower(trim(source_parsed.event_name)) as event_type,
        lower(trim(source_parsed.platform)) as platform,
        {{ parse_utc_timestamp('source_parsed.occurred_at') }} as occurred_at,
        {{ parse_utc_timestamp('source_parsed.received_at') }} as received_at,
        {{ json_field(
            'source_parsed.property_fields', property_keys, 'session_id'
        ) }} as app_session_id,
        {{ json_field(
            'source_parsed.property_fields', property_keys, 'screen_name'
        ) }} as screen_name,
        {{ json_field(
            'source_parsed.property_fields', property_keys, 'product_id'
        ) }} as product_id,
        {{ json_field(
            'source_parsed.property_fields', property_keys, 'category'
        ) }} as product_category,
        {{ safe_cast(
            json_field(
                'source_parsed.property_fields', property_keys, 'revenue'
            ),
            'decimal(18, 2)'
        ) }} as revenue,
        upper({{ json_field(
            'source_parsed.property_fields', property_keys, 'currency'
        ) }}) as currency,
        source_parsed._loaded_at,
        source_parsed._may_have_copies,
        source_parsed.occurred_at as raw_occurred_at,
        {{ raw_copies(raw_columns, 'source_parsed') }},
        {{ row_fingerprint(raw_columns, 'source_parsed') }} as row_fingerprint

    from source_parsed

),

classified as {{ inline_cte() }} (

    select
        *,
        coalesce(
            case
                when event_id is null then 'missing_event_id'
                when {{ has_control_characters(
                    ['event_id', 'anonymous_id', 'user_id', 'event_type']
                ) }} then 'invalid_characters'
                when anonymous_id is null and user_id is null
                    then 'missing_identity'
            end,
            {{ timestamp_quarantine_reason('raw_occurred_at', 'occurred_at') }},
            {{ event_type_quarantine_reason('event_type', 'app_events') }}
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
            raw_copy_names(raw_columns) + ['raw_occurred_at']
        ) }},
        {{ quarantined_raw_row(raw_columns) }} as raw_row

    from classified

),

ranked as (

    {{ ranked_copies('event_id') }}

),

final as (

    select
        {{ star_except(['raw_row', '_may_have_copies']) }},
        {{ row_status() }} as row_status,
        raw_row

    from ranked

)

-- ranked is a union (ranked_copies), whose columns sqlfluff cannot count.
select * from final  -- noqa: AM04
