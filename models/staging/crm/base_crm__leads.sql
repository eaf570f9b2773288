{%- set raw_columns = [
    'lead_id', 'created_at', 'updated_at', 'phone', 'email', 'country_code',
    'timezone', 'utm_source', 'utm_medium', 'utm_campaign', 'signup_channel',
    'crm_stage', 'is_deleted', '_loaded_at'
] -%}

with

source as (

    select * from {{ source('crm', 'leads') }}

),

countries as (

    select * from {{ ref('countries') }}

),

-- The lead's country supplies its phone calling code and its fallback
-- time zone: a lookup in a seed, not a join between sources.
typed as (

    select
        {{ clean_id('source.lead_id') }} as lead_id,
        {{ parse_utc_timestamp('source.created_at') }} as created_at,
        {{ parse_utc_timestamp('source.updated_at') }} as updated_at,
        {{ normalize_phone(
            'source.phone', 'countries.calling_code', 'countries.trunk_prefix'
        ) }} as phone_e164,
        {{ normalize_email('source.email') }} as email,
        upper(trim(source.country_code)) as country_code,
        {{ clean_id('source.timezone') }} as timezone_raw,
        countries.main_timezone as country_timezone,
        lower({{ clean_id('source.utm_source') }}) as utm_source,
        lower({{ clean_id('source.utm_medium') }}) as utm_medium,
        {{ clean_id('source.utm_campaign') }} as utm_campaign,
        lower({{ clean_id('source.signup_channel') }}) as signup_channel,
        lower({{ clean_id('source.crm_stage') }}) as crm_stage,
        coalesce(source.is_deleted, false) as is_deleted,
        source._loaded_at,
        source.phone as raw_phone,
        source.email as raw_email,
        source.created_at as raw_created_at,
        {{ raw_copies(raw_columns, 'source') }},
        {{ row_fingerprint(raw_columns, 'source') }} as row_fingerprint

    from source
    left join countries
        on upper(trim(source.country_code)) = countries.country_code

),

timezones_resolved as (

    select
        *,
        {{ is_valid_timezone('timezone_raw') }} as has_valid_timezone

    from typed

),

classified as (

    select
        *,
        case
            when has_valid_timezone then timezone_raw
            when country_timezone is not null then country_timezone
            else '{{ var("default_timezone") }}'
        end as timezone,
        case
            when has_valid_timezone then 'lead'
            when country_timezone is not null then 'country'
            else 'default'
        end as timezone_source,
        raw_phone is not null and phone_e164 is null as has_malformed_phone,
        raw_email is not null and email is null as has_malformed_email,
        coalesce(
            case
                when lead_id is null then 'missing_lead_id'
                when {{ has_control_characters(
                    ['lead_id']
                ) }} then 'invalid_characters'
            end,
            {{ timestamp_quarantine_reason('raw_created_at', 'created_at') }}
        ) as quarantine_reason

    from timezones_resolved

),

-- The raw copies serve only raw_row (quarantined rows), so it is built
-- before the dedup window, which then does not carry them (they were half
-- its time at 10M events). The raw text kept for classification goes too:
-- no reader needs it, and each stored text column costs a write (about
-- 1 s per 5M events).
trimmed as (

    select
        {{ star_except(
            raw_copy_names(raw_columns) + [
                'timezone_raw',
                'country_timezone',
                'raw_phone',
                'raw_email',
                'raw_created_at',
                'has_valid_timezone'
            ]
        ) }},
        {{ quarantined_raw_row(raw_columns, masked=['phone', 'email']) }}
            as raw_row

    from classified

),

ranked as (

    select
        *,
        {{ dedup_rank(
            'lead_id',
            'coalesce(updated_at, created_at) desc, _loaded_at desc',
            relation='trimmed',
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
