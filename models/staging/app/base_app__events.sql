{%- set raw_columns = [
    'event_id', 'anonymous_id', 'user_id', 'event_name', 'platform',
    'occurred_at', 'received_at', 'properties', '_loaded_at'
] -%}

with

source as (

    select * from {{ unstaged_rows(raw_columns, source('app', 'app_events')) }}

),

typed as (

    select
        {{ clean_id('source.event_id') }} as event_id,
        {{ clean_id('source.anonymous_id') }} as anonymous_id,
        {{ clean_id('source.user_id') }} as user_id,
        lower(trim(source.event_name)) as event_type,
        lower(trim(source.platform)) as platform,
        {{ parse_utc_timestamp('source.occurred_at') }} as occurred_at,
        {{ parse_utc_timestamp('source.received_at') }} as received_at,
        {{ json_extract_text('source.properties', 'session_id') }}
            as app_session_id,
        {{ json_extract_text('source.properties', 'screen_name') }}
            as screen_name,
        {{ json_extract_text('source.properties', 'product_id') }}
            as product_id,
        {{ json_extract_text('source.properties', 'category') }}
            as product_category,
        {{ safe_cast(
            json_extract_text('source.properties', 'revenue'), 'decimal(18, 2)'
        ) }} as revenue,
        upper({{ json_extract_text('source.properties', 'currency') }})
            as currency,
        source._loaded_at,
        source.occurred_at as raw_occurred_at,
        {{ json_object_of(raw_columns, 'source') }} as raw_row,
        {{ row_fingerprint(raw_columns, 'source') }} as row_fingerprint

    from source

),

classified as (

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

ranked as (

    select
        *,
        {{ dedup_rank('event_id') }} as copy_number

    from classified

),

final as (

    select
        *,
        {{ row_status() }} as row_status

    from ranked

)

select * from final
