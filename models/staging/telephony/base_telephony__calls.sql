{%- set raw_columns = [
    'call_id', 'lead_id', 'phone', 'direction', 'status', 'started_at',
    'duration_seconds', 'tracking_source', '_loaded_at'
] -%}

with

source_rows as {{ inline_cte(unless_incremental=true) }} (

    select * from {{ unstaged_rows(raw_columns, source('telephony', 'calls')) }}

),

repeated_keys as (

    {{ repeated_keys('call_id') }}

),

-- Each raw row with _may_have_copies. It and every CTE up to ranked are
-- inlined, so ranked's filter on the flag reaches the raw scan: no staged
-- row is buffered (at 100M events the buffer spilled to disk).
source as {{ inline_cte() }} (

    {{ flag_repeated_keys('call_id') }}

),

default_country as (

    select * from {{ ref('countries') }}
    where country_code = '{{ var("default_phone_country") }}'

),

typed as {{ inline_cte() }} (

    select
        {{ clean_id('source.call_id') }} as call_id,
        {{ clean_id('source.lead_id') }} as lead_id,
        {{ normalize_phone(
            'source.phone',
            'default_country.calling_code',
            'default_country.trunk_prefix'
        ) }} as phone_e164,
        lower(trim(source.direction)) as direction,
        lower(trim(source.status)) as status,
        {{ parse_utc_timestamp('source.started_at') }} as started_at,
        source.duration_seconds,
        lower({{ clean_id('source.tracking_source') }}) as tracking_source,
        source._loaded_at,
        source._may_have_copies,
        source.phone as raw_phone,
        source.started_at as raw_started_at,
        {{ raw_copies(raw_columns, 'source') }},
        {{ row_fingerprint(raw_columns, 'source') }} as row_fingerprint

    from source
    cross join default_country

),

classified as {{ inline_cte() }} (

    select
        *,
        -- Calls are typed <direction>_<status> in the event catalog.
        direction || '_' || status as event_type,
        raw_phone is not null and phone_e164 is null as has_malformed_phone,
        coalesce(
            case
                when call_id is null then 'missing_event_id'
                when {{ has_control_characters(
                    ['call_id', 'lead_id', 'direction', 'status']
                ) }} then 'invalid_characters'
                when
                    lead_id is null
                    and raw_phone is not null
                    and phone_e164 is null
                    then 'malformed_phone'
                when lead_id is null and phone_e164 is null
                    then 'missing_identity'
            end,
            {{ timestamp_quarantine_reason('raw_started_at', 'started_at') }},
            case
                when duration_seconds < 0 then 'negative_duration'
            end,
            {{ event_type_quarantine_reason(
                "direction || '_' || status", 'calls'
            ) }}
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
            raw_copy_names(raw_columns) + ['raw_phone', 'raw_started_at']
        ) }},
        {{ quarantined_raw_row(raw_columns, masked=['phone']) }} as raw_row

    from classified

),

ranked as (

    {{ ranked_copies('call_id') }}

),

final as (

    select
        {{ star_except(['raw_row', '_may_have_copies']) }},
        -- Hashed once, as the row is staged, not at every read of the
        -- stg_ view (SHA-256 of every row cost seconds per read at 10M).
        {{ pseudonymize('phone_e164') }} as phone_hash,
        {{ row_status() }} as row_status,
        raw_row

    from ranked

)

-- ranked is a union (ranked_copies), whose columns sqlfluff cannot count.
select * from final  -- noqa: AM04
