{%- set raw_columns = [
    'event_id', 'anonymous_id', 'user_id', 'event_name', 'page_url',
    'referrer', 'user_agent', 'utm_source', 'utm_medium', 'utm_campaign',
    'occurred_at', '_loaded_at'
] -%}

with

source_rows as {{ inline_cte(unless_incremental=true) }} (

    select * from {{ unstaged_rows(raw_columns, source('web', 'web_events')) }}

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

typed as {{ inline_cte() }} (

    select
        {{ clean_id('source.event_id') }} as event_id,
        {{ clean_id('source.anonymous_id') }} as anonymous_id,
        {{ clean_id('source.user_id') }} as user_id,
        lower(trim(source.event_name)) as event_type,
        {{ clean_text('source.page_url') }} as page_url,
        {{ clean_text('source.referrer') }} as referrer,
        {{ clean_text('source.user_agent') }} as user_agent,
        {{ device_type('source.user_agent') }} as device_type,
        lower({{ clean_id('source.utm_source') }}) as utm_source,
        lower({{ clean_id('source.utm_medium') }}) as utm_medium,
        {{ clean_id('source.utm_campaign') }} as utm_campaign,
        {{ parse_utc_timestamp('source.occurred_at') }} as occurred_at,
        source._loaded_at,
        source._may_have_copies,
        source.occurred_at as raw_occurred_at,
        {{ raw_copies(raw_columns, 'source') }},
        {{ row_fingerprint(raw_columns, 'source') }} as row_fingerprint

    from source

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
            {{ event_type_quarantine_reason('event_type', 'web_events') }}
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
