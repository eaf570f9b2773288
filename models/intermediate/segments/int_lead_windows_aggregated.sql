{%- set counts_90d = [
    'messages_delivered', 'messages_opened', 'messages_clicked',
    'messages_replied', 'message_responses', 'promo_responses',
    'app_sessions', 'app_screen_views', 'mobile_web_page_views',
    'desktop_web_page_views', 'forms_submitted', 'chat_messages',
    'inbound_calls', 'answered_calls', 'call_seconds', 'orders_completed',
    'mobile_engagements', 'sessions',
] -%}
{%- for part in dayparts() -%}
    {%- do counts_90d.append(part ~ '_engagements') -%}
{%- endfor -%}
{%- for channel in activity_channels() -%}
    {%- do counts_90d.append(channel ~ '_engagements') -%}
{%- endfor -%}
{%- set engaged_day = 'case when is_engaged then 1 else 0 end' -%}
{%- set activity_days = var('activity_window_days') -%}
{%- set dormancy_days = var('dormancy_window_days') -%}
{%- set intent_days = var('high_intent_window_days') -%}
{%- set int_type = dbt.type_int() -%}
{%- set bigint_type = dbt.type_bigint() -%}
{#- Named windows: [days, offset] (see in_window). -#}
{%- set named_windows = {
    '7d': [7, 0], '30d': [30, 0], '90d': [90, 0],
    'prev_30d': [30, 30], '365d': [365, 0],
} -%}

with

leads as (

    select * from {{ ref('stg_crm__leads') }}

),

-- Read twice (days_to_date, engaged_days_90d); inlined, each read takes
-- only its columns.
lead_days as {{ inline_cte() }} (

    select * from {{ ref('int_lead_days_aggregated') }}

),

-- The leads the marts describe: not deleted, created by the as-of day.
population as (

    select
        lead_id,
        created_at

    from leads
    where
        not is_deleted
        and cast(created_at as date) <= {{ as_of_date() }}

),

-- Days after the as-of day are left out, so a rebuild with an earlier
-- as_of_date sees the past as it was. The left join keeps leads without
-- activity (one row of NULLs that every window sum counts as 0).
-- A lead-day's counts are summed as integers: DuckDB sums a bigint into a
-- 128-bit integer, which made the ~55 window sums below take twice as
-- long (1.8 s of 4.4 at 10M events); the sums are cast back to bigint.
days_to_date as (

    select
        population.lead_id,
        population.created_at,
        {% for column in counts_90d + [
            'engagement_events', 'non_passive_engagements', 'product_views'
        ] %}
            cast(lead_days.{{ column }} as {{ int_type }}) as {{ column }},
        {% endfor %}
        lead_days.activity_date,
        lead_days.is_engaged,
        lead_days.engagement_weight,
        lead_days.last_cart_added_at,
        lead_days.last_order_at,
        lead_days.revenue,
        lead_days.session_minutes,
        lead_days.first_engaged_at,
        lead_days.last_engaged_at

    from population
    left join lead_days
        on
            population.lead_id = lead_days.lead_id
            and lead_days.activity_date <= {{ as_of_date() }}

),

days_aged as (

    select
        *,
        {{ days_between('activity_date', as_of_date()) }} as days_ago

    from days_to_date

),

rolled_up as (

    select
        lead_id,
        created_at,
        min(first_engaged_at) as first_engaged_at,
        max(last_engaged_at) as last_engaged_at,
        max(last_cart_added_at) as last_cart_added_at,
        max(last_order_at) as last_order_at,
        {% for name, window in named_windows.items() %}
            {{ sum_in_window(engaged_day, window[0], window[1], int_type) }}
                as engaged_days_{{ name }},
        {% endfor %}
        {% for name, window in named_windows.items() if name != '365d' %}
            {{ sum_in_window(
                'engagement_events', window[0], window[1], bigint_type
            ) }} as engagement_events_{{ name }},
        {% endfor %}
        {% for column in counts_90d %}
            {{ sum_in_window(column, 90, 0, bigint_type) }}
                as {{ column }}_90d,
        {% endfor %}
        {{ sum_in_window('session_minutes', 90, 0, 'double') }}
            as session_minutes_90d,
        {{ sum_in_window('sessions', 30, 0, bigint_type) }} as sessions_30d,
        {{ sum_in_window('orders_completed', 365, 0, bigint_type) }}
            as orders_completed_365d,
        {{ sum_in_window('revenue', 365, 0, 'decimal(18, 2)') }}
            as revenue_365d,
        -- Engagement score points: each day's event weights, decayed by
        -- how long ago the day is.
        {{ sum_in_window(
            'engagement_weight * ' ~ recency_decay('days_ago'), 365
        ) }} as decayed_engagement_points_365d,
        -- Segment windows follow the vars, whatever their length.
        {{ sum_in_window(engaged_day, activity_days, 0, int_type) }}
            as engaged_days_activity_window,
        {{ sum_in_window(
            'non_passive_engagements', activity_days, 0, bigint_type
        ) }} as non_passive_engagements_activity_window,
        {{ sum_in_window(
            engaged_day, activity_days, activity_days, int_type
        ) }} as engaged_days_prev_activity_window,
        {{ sum_in_window(engaged_day, dormancy_days, 0, int_type) }}
            as engaged_days_dormancy_window,
        {{ sum_in_window('product_views', intent_days, 0, bigint_type) }}
            as product_views_high_intent_window,
        {{ sum_in_window(
            'case when last_order_at is not null then 1 else 0 end',
            intent_days, 0, int_type
        ) }} as order_days_high_intent_window

    from days_aged
    group by 1, 2

),

-- Read from the lead-days, two columns wide: reading days_aged again made
-- DuckDB materialize every column of every lead-day first (a third of this
-- model's time at 100M events).
engaged_days_90d as (

    select
        lead_days.lead_id,
        lead_days.activity_date,
        lag(lead_days.activity_date) over (
            partition by lead_days.lead_id order by lead_days.activity_date
        ) as previous_engaged_date

    from lead_days
    inner join population
        on lead_days.lead_id = population.lead_id
    where
        lead_days.is_engaged
        and {{ in_window(90, days_ago=days_between(
            'lead_days.activity_date', as_of_date()
        )) }}

),

gaps_90d as (

    select
        lead_id,
        activity_date,
        {{ days_between('previous_engaged_date', 'activity_date') }}
            as gap_days

    from engaged_days_90d

),

-- A burst starts on the first engaged day of the window and on every
-- engaged day that follows at least burst_gap_days quiet days.
rhythm_90d as (

    select
        lead_id,
        cast({{ median_of('gap_days') }} as double) as median_gap_days_90d,
        cast({{ count_if(
            'gap_days is null or gap_days - 1 >= ' ~ var('burst_gap_days')
        ) }} as {{ int_type }}) as activity_bursts_90d

    from gaps_90d
    group by 1

),

-- The abandoned-cart window ends with the as-of day.
cart_window as (

    select
        {{ dbt.dateadd(
            'hour',
            -1 * var('abandoned_cart_window_hours'),
            dbt.dateadd(
                'day', 1, 'cast(' ~ as_of_date() ~ ' as '
                ~ dbt.type_timestamp() ~ ')'
            )
        ) }} as cart_window_start_at

),

final as (

    select
        rolled_up.*,
        rhythm_90d.median_gap_days_90d,
        coalesce(rhythm_90d.activity_bursts_90d, 0) as activity_bursts_90d,
        -- The latest cart is in the window and no order came after it.
        coalesce(
            rolled_up.last_cart_added_at >= cart_window.cart_window_start_at
            and (
                rolled_up.last_order_at is null
                or rolled_up.last_order_at < rolled_up.last_cart_added_at
            ),
            false
        ) as has_abandoned_cart,
        (
            rolled_up.product_views_high_intent_window
            >= {{ var('high_intent_min_product_views') }}
            and rolled_up.order_days_high_intent_window = 0
        ) as is_high_intent,
        rolled_up.first_engaged_at is null as registered_never_engaged,
        (
            rolled_up.message_responses_90d >= 1
            and rolled_up.promo_responses_90d
            = rolled_up.message_responses_90d
        ) as promo_only_responder

    from rolled_up
    left join rhythm_90d
        on rolled_up.lead_id = rhythm_90d.lead_id
    cross join cart_window

)

select * from final
