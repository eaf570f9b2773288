{%- set counts = [
    'events', 'engagement_events', 'non_passive_engagements',
    'mobile_engagements', 'business_hours_engagements',
    'evening_engagements', 'weekend_engagements', 'night_engagements',
    'messages_delivered', 'messages_opened', 'messages_clicked',
    'messages_replied', 'message_responses', 'sessions', 'app_sessions',
    'app_screen_views', 'product_views', 'mobile_web_page_views',
    'desktop_web_page_views', 'forms_submitted', 'chat_messages',
    'inbound_calls', 'answered_calls', 'call_seconds', 'cart_adds',
    'orders_completed',
] -%}

with

lead_days as (

    select * from {{ ref('int_lead_days_aggregated') }}

),

leads as (

    select * from {{ ref('dim_leads') }}

),

-- Leads of dim_leads only (deleted leads are not described), days up to
-- the as-of day only (a rebuild with an earlier date shows the past).
lead_days_to_date as (

    select lead_days.*

    from lead_days
    inner join leads
        on lead_days.lead_id = leads.lead_id
    where lead_days.activity_date <= {{ as_of_date() }}

),

final as (

    select
        cast(lead_id as {{ dbt.type_string() }}) as lead_id,
        cast(activity_date as date) as activity_date,
        coalesce(is_engaged, false) as is_engaged,
        {% for column in counts %}
            cast(coalesce({{ column }}, 0) as {{ dbt.type_bigint() }})
                as {{ column }},
        {% endfor %}
        cast(coalesce(engagement_weight, 0) as double) as engagement_weight,
        cast(coalesce(session_minutes, 0) as double) as session_minutes,
        cast(coalesce(revenue, 0) as decimal(18, 2)) as revenue,
        cast(first_engaged_at as {{ dbt.type_timestamp() }})
            as first_engaged_at,
        cast(last_engaged_at as {{ dbt.type_timestamp() }})
            as last_engaged_at

    from lead_days_to_date

)

select * from final
