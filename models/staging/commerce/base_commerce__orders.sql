{%- set raw_columns = [
    'order_id', 'lead_id', 'ordered_at', 'amount', 'currency', 'status',
    'channel', '_loaded_at'
] -%}

with

source as (

    select * from {{ source('commerce', 'orders') }}

),

typed as (

    select
        {{ clean_id('source.order_id') }} as order_id,
        {{ clean_id('source.lead_id') }} as lead_id,
        {{ parse_utc_timestamp('source.ordered_at') }} as ordered_at,
        source.amount,
        upper(trim(source.currency)) as currency,
        lower(trim(source.status)) as status,
        lower({{ clean_id('source.channel') }}) as channel,
        source._loaded_at,
        source.ordered_at as raw_ordered_at,
        {{ raw_copies(raw_columns, 'source') }},
        {{ row_fingerprint(raw_columns, 'source') }} as row_fingerprint

    from source

),

classified as (

    select
        *,
        coalesce(
            case
                when order_id is null then 'missing_event_id'
                when {{ has_control_characters(
                    ['order_id', 'lead_id', 'status']
                ) }} then 'invalid_characters'
                when lead_id is null then 'missing_lead_id'
            end,
            {{ timestamp_quarantine_reason('raw_ordered_at', 'ordered_at') }},
            case
                when amount is null then 'missing_amount'
                when amount < 0 then 'negative_amount'
            end,
            {{ event_type_quarantine_reason('status', 'orders') }}
        ) as quarantine_reason

    from typed

),

-- An order's status is its latest row: every earlier status row of the
-- order (and any re-delivered copy) counts as a duplicate.
-- The raw copies serve only raw_row (quarantined rows), so it is built
-- before the dedup window, which then does not carry them (they were half
-- its time at 10M events). The raw text kept for classification goes too:
-- no reader needs it, and each stored text column costs a write (about
-- 1 s per 5M events).
trimmed as (

    select
        {{ star_except(
            raw_copy_names(raw_columns) + ['raw_ordered_at']
        ) }},
        {{ quarantined_raw_row(raw_columns) }} as raw_row

    from classified

),

ranked as (

    select
        *,
        {{ dedup_rank(
            'order_id', '_loaded_at desc', relation='trimmed'
        ) }} as copy_number

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
