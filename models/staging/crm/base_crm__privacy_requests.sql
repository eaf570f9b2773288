{%- set raw_columns = [
    'request_id', 'lead_id', 'request_type', 'requested_at', '_loaded_at'
] -%}

with

source as (

    select * from {{ source('crm', 'privacy_requests') }}

),

typed as (

    select
        {{ clean_id('source.request_id') }} as request_id,
        {{ clean_id('source.lead_id') }} as lead_id,
        lower(trim(source.request_type)) as request_type,
        {{ parse_utc_timestamp('source.requested_at') }} as requested_at,
        source._loaded_at,
        source.requested_at as raw_requested_at,
        {{ raw_copies(raw_columns, 'source') }},
        {{ row_fingerprint(raw_columns, 'source') }} as row_fingerprint

    from source

),

classified as (

    select
        *,
        coalesce(
            case
                when request_id is null then 'missing_event_id'
                when {{ has_control_characters(
                    ['request_id', 'lead_id', 'request_type']
                ) }} then 'invalid_characters'
                when lead_id is null then 'missing_lead_id'
            end,
            {{ timestamp_quarantine_reason(
                'raw_requested_at', 'requested_at'
            ) }},
            {{ event_type_quarantine_reason(
                'request_type', 'privacy_requests'
            ) }}
        ) as quarantine_reason

    from typed

),

-- The raw copies serve only raw_row (quarantined rows), so it is built
-- before the dedup window, which then does not carry them (they were half
-- its time at 10M events). The raw text kept for classification goes too:
-- no reader needs it, and each stored text column costs a write (about
-- 1 s per 5M events).
trimmed as (

    select
        {{ star_except(
            raw_copy_names(raw_columns) + ['raw_requested_at']
        ) }},
        {{ quarantined_raw_row(raw_columns) }} as raw_row

    from classified

),

ranked as (

    select
        *,
        {{ dedup_rank('request_id', relation='trimmed') }} as copy_number

    from trimmed

),

final as (

    select
        {{ star_except(['raw_row']) }},
        {{ row_status() }} as row_status,
        raw_row

    from ranked

)

select * from final
