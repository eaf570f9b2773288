{%- set counts_90d = [
    'messages_delivered', 'messages_opened', 'messages_clicked',
    'messages_replied', 'app_sessions', 'app_screen_views',
    'mobile_web_page_views', 'desktop_web_page_views', 'forms_submitted',
    'chat_messages', 'inbound_calls', 'answered_calls', 'call_seconds',
    'orders_completed',
] -%}

with

lead_windows as (

    select * from {{ ref('int_lead_windows_aggregated') }}

),

contactability as (

    select * from {{ ref('int_lead_contactability_resolved') }}

),

acquisitions as (

    select * from {{ ref('int_lead_acquisitions_mapped') }}

),

rfm_segment_map as (

    select * from {{ ref('rfm_segment_map') }}

),

lead_metrics as (

    select
        *,
        {{ as_of_date() }} as as_of_date,
        {{ days_between('cast(last_engaged_at as date)', as_of_date()) }}
            as days_since_last_engagement,
        {{ days_between('cast(created_at as date)', as_of_date()) }}
            as lead_age_days,
        {{ ratio_or_null('messages_opened_90d', 'messages_delivered_90d') }}
            as open_rate_90d,
        {{ ratio_or_null('messages_clicked_90d', 'messages_delivered_90d') }}
            as click_rate_90d,
        {{ ratio_or_null('messages_replied_90d', 'messages_delivered_90d') }}
            as reply_rate_90d,
        {{ ratio_or_null('mobile_engagements_90d', 'engagement_events_90d') }}
            as mobile_share_90d,
        {% for part in dayparts() %}
            {{ ratio_or_null(
                part ~ '_engagements_90d', 'engagement_events_90d'
            ) }} as {{ part }}_share_90d,
        {% endfor %}
        -- Ties go to the first in the list: activity_channels() order.
        {{ label_of_max(activity_channels(), '{}_engagements_90d') }}
            as preferred_channel,
        {{ label_of_max(dayparts(), '{}_engagements_90d') }}
            as preferred_daypart,
        {{ ratio_or_null('session_minutes_90d', 'sessions_90d') }}
            as avg_session_minutes_90d,
        {{ engagement_score('decayed_engagement_points_365d') }}
            as engagement_score

    from lead_windows

),

-- RFM scores rank only the leads engaged in the last 365 days; equal
-- values get equal scores, and R ranks older engagement first so that
-- the most recent leads score 5.
rfm_scored as (

    select
        lead_id,
        cast(ceil(5 * cume_dist() over (
            order by days_since_last_engagement desc
        )) as {{ dbt.type_int() }}) as r_score,
        cast(ceil(5 * cume_dist() over (
            order by engaged_days_365d asc
        )) as {{ dbt.type_int() }}) as f_score,
        -- Departure from SPEC §5: M ranks buyers only, and leads without
        -- revenue score 1. Ranked among all, the many ties at zero would
        -- share cume_dist ~0.8 and score 4-5 for spending nothing.
        case
            when revenue_365d > 0
                then cast(ceil(5 * cume_dist() over (
                        partition by revenue_365d > 0
                        order by revenue_365d asc
                    )) as {{ dbt.type_int() }})
            else 1
        end as m_score

    from lead_metrics
    where engaged_days_365d > 0

),

segmented as (

    select
        lead_metrics.*,
        contactability.sms_opted_out,
        contactability.email_unsubscribed,
        contactability.is_contactable_sms,
        contactability.is_contactable_email,
        contactability.is_contactable_push,
        acquisitions.acquisition_channel,
        rfm_scored.r_score,
        rfm_scored.f_score,
        rfm_scored.m_score,
        case
            when
                lead_metrics.engaged_days_activity_window
                >= {{ var('active_min_engaged_days') }}
                and lead_metrics.non_passive_engagements_activity_window > 0
                then 'active'
            when lead_metrics.engaged_days_activity_window > 0
                then 'episodic'
            when lead_metrics.engaged_days_dormancy_window > 0
                then 'dormant'
            else 'inactive'
        end as activity_segment,
        -- SPEC §5: the first rule that matches wins.
        case
            when
                (
                    contactability.churn_signal_at is not null
                    and (
                        lead_metrics.last_engaged_at is null
                        or lead_metrics.last_engaged_at
                        <= contactability.churn_signal_at
                    )
                )
                or (
                    lead_metrics.first_engaged_at is not null
                    and lead_metrics.engaged_days_dormancy_window = 0
                )
                then 'churned'
            when lead_metrics.lead_age_days < {{ var('new_lead_days') }}
                then 'new'
            when lead_metrics.first_engaged_at is null
                then 'never_engaged'
            when
                lead_metrics.orders_completed_365d
                >= {{ var('loyal_min_completed_orders') }}
                and lead_metrics.engaged_days_activity_window > 0
                then 'loyal'
            when
                lead_metrics.engaged_days_prev_activity_window
                >= {{ var('at_risk_min_prev_engaged_days') }}
                and lead_metrics.engaged_days_activity_window > 0
                and lead_metrics.engaged_days_activity_window
                <= {{ var('at_risk_max_ratio') }}
                * lead_metrics.engaged_days_prev_activity_window
                then 'at_risk'
            when lead_metrics.engaged_days_activity_window > 0
                then 'active'
            else 'dormant'
        end as lifecycle_state,
        case
            when rfm_scored.lead_id is not null
                then rfm_segment_map.rfm_segment
            when lead_metrics.first_engaged_at is not null
                then 'lost'
            else 'prospects'
        end as rfm_segment

    from lead_metrics
    left join contactability
        on lead_metrics.lead_id = contactability.lead_id
    left join acquisitions
        on lead_metrics.lead_id = acquisitions.lead_id
    left join rfm_scored
        on lead_metrics.lead_id = rfm_scored.lead_id
    left join rfm_segment_map
        on
            rfm_scored.r_score = rfm_segment_map.r_score
            and rfm_scored.f_score = rfm_segment_map.f_score

),

final as (

    select
        cast(lead_id as {{ dbt.type_string() }}) as lead_id,
        as_of_date,
        first_engaged_at,
        last_engaged_at,
        cast(days_since_last_engagement as {{ dbt.type_int() }})
            as days_since_last_engagement,
        cast(lead_age_days as {{ dbt.type_int() }}) as lead_age_days,
        {% for name in ['7d', '30d', '90d', 'prev_30d', '365d'] %}
            engaged_days_{{ name }},
        {% endfor %}
        {% for name in ['7d', '30d', '90d', 'prev_30d'] %}
            engagement_events_{{ name }},
        {% endfor %}
        {% for column in counts_90d %}
            {{ column }}_90d,
        {% endfor %}
        orders_completed_365d,
        revenue_365d,
        open_rate_90d,
        click_rate_90d,
        reply_rate_90d,
        mobile_share_90d,
        business_hours_share_90d,
        evening_share_90d,
        night_share_90d,
        weekend_share_90d,
        preferred_channel,
        preferred_daypart,
        avg_session_minutes_90d,
        sessions_30d,
        has_abandoned_cart,
        is_high_intent,
        registered_never_engaged,
        promo_only_responder,
        cast(engagement_score as double) as engagement_score,
        median_gap_days_90d,
        activity_bursts_90d,
        activity_segment,
        lifecycle_state,
        rfm_segment,
        r_score,
        f_score,
        m_score,
        coalesce(sms_opted_out, false) as sms_opted_out,
        coalesce(email_unsubscribed, false) as email_unsubscribed,
        coalesce(is_contactable_sms, false) as is_contactable_sms,
        coalesce(is_contactable_email, false) as is_contactable_email,
        coalesce(is_contactable_push, false) as is_contactable_push,
        coalesce(acquisition_channel, 'other') as acquisition_channel

    from segmented

)

select * from final
