{%- set channels = var('message_channels') -%}

with

leads as (

    select * from {{ ref('stg_crm__leads') }}

),

consents as (

    select * from {{ ref('int_lead_consents_resolved') }}

),

lead_days as (

    select * from {{ ref('int_lead_days_aggregated') }}

),

-- A lead is reachable on a message channel once a message was delivered
-- to it there (by the as-of day). Whether, not how many: summing the
-- lead-days' 128-bit counts took 2.1-2.3 s at 100M events, bool_or 1.4 s.
deliveries as (

    select
        lead_id,
    {% for channel in channels -%}
        bool_or({{ channel }}_delivered > 0) as is_reached_on_{{ channel }}
        {{- "," if not loop.last }}
    {% endfor %}

    from lead_days
    where activity_date <= {{ as_of_date() }}
    group by 1

),

consent_state as (

    select
        {% for channel in channels %}
            consents.{{ channel }}_opted_out_at,
        {% endfor %}
        leads.lead_id,
        consents.opt_out_all_at,
        consents.last_installed_at,
        consents.last_app_seen_at,
        consents.last_uninstalled_at,
        {% for channel in channels %}
            coalesce(consents.{{ channel }}_opted_out, false)
                as {{ channel }}_opted_out,
            coalesce(deliveries.is_reached_on_{{ channel }}, false)
                as is_reached_on_{{ channel }},
        {% endfor %}
        leads.phone_e164 is not null as has_phone,
        leads.email is not null as has_email

    from leads
    left join consents
        on leads.lead_id = consents.lead_id
    left join deliveries
        on leads.lead_id = deliveries.lead_id
    where not leads.is_deleted

),

reached_channels as (

    {% for channel in channels %}
        select
            lead_id,
            {{ channel }}_opted_out_at as opted_out_at,
            '{{ channel }}' as channel,
            {{ channel }}_opted_out as is_opted_out

        from consent_state
        where is_reached_on_{{ channel }}
        {% if not loop.last %}
            union all
        {% endif %}
    {% endfor %}

),

-- Opted out on every channel the lead was reachable on: a churn signal
-- from the moment the last of them was opted out.
all_reached_opted_out as (

    select
        lead_id,
        max(opted_out_at) as signal_at

    from reached_channels
    group by 1
    having min(case when is_opted_out then 1 else 0 end) = 1

),

churn_signals as (

    select
        lead_id,
        opt_out_all_at as signal_at

    from consent_state
    where opt_out_all_at is not null

    union all

    select
        lead_id,
        last_uninstalled_at as signal_at

    from consent_state
    where last_uninstalled_at is not null

    union all

    select
        lead_id,
        signal_at

    from all_reached_opted_out

),

-- The latest signal: a lead with no engagement after it has churned (if
-- it engaged after the latest, it engaged after every earlier one too).
latest_churn_signal as (

    select
        lead_id,
        max(signal_at) as churn_signal_at

    from churn_signals
    group by 1

),

final as (

    select
        {% for channel in channels %}
            consent_state.{{ channel }}_opted_out,
            consent_state.is_reached_on_{{ channel }},
        {% endfor %}
        consent_state.lead_id,
        consent_state.has_phone,
        consent_state.has_email,
        consent_state.opt_out_all_at,
        consent_state.last_installed_at,
        consent_state.last_uninstalled_at,
        latest_churn_signal.churn_signal_at,
        consent_state.email_opted_out as email_unsubscribed,
        consent_state.opt_out_all_at is not null as has_opted_out_all,
        consent_state.has_phone
        and not consent_state.sms_opted_out
        and consent_state.opt_out_all_at is null as is_contactable_sms,
        consent_state.has_email
        and not consent_state.email_opted_out
        and consent_state.opt_out_all_at is null as is_contactable_email,
        -- The app is there: seen (installed or used) after any uninstall.
        consent_state.last_app_seen_at is not null
        and (
            consent_state.last_uninstalled_at is null
            or consent_state.last_uninstalled_at
            < consent_state.last_app_seen_at
        )
        and not consent_state.push_opted_out
        and consent_state.opt_out_all_at is null as is_contactable_push

    from consent_state
    left join latest_churn_signal
        on consent_state.lead_id = latest_churn_signal.lead_id

)

select * from final
