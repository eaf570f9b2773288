{%- set wau_days = var('wau_window_days') -%}
{%- set mau_days = var('mau_window_days') -%}

with

daily_activity as (

    select * from {{ ref('fct_lead_daily_activity') }}

),

leads as (

    select * from {{ ref('dim_leads') }}

),

state_history as (

    select * from {{ ref('fct_lead_state_history') }}

),

lifecycle_transitions as (

    select * from {{ ref('agg_lifecycle_transitions') }}

),

-- From the later of the history's first day and the first of the last
-- bi_window_days days, to the as-of day.
kpi_bounds as (

    select
        min(valid_from) as history_start_date,
        {{ dbt.dateadd(
            'day', 1 - var('bi_window_days'), as_of_date()
        ) }} as window_start_date,
        {{ as_of_date() }} as last_date

    from state_history

),

kpi_range as (

    select
        history_start_date,
        last_date,
        case
            when history_start_date > window_start_date
                then history_start_date
            else cast(window_start_date as date)
        end as first_date

    from kpi_bounds
    where history_start_date is not null

),

days as (

    {{ day_series('kpi_range', 'first_date', 'last_date', 'activity_date') }}

),

kpi_days as (

    select
        days.activity_date,
        kpi_range.history_start_date,
        {{ dbt.dateadd('day', 1 - wau_days, 'days.activity_date') }}
            as wau_start_date,
        {{ dbt.dateadd('day', 1 - mau_days, 'days.activity_date') }}
            as mau_start_date

    from days
    cross join kpi_range

),

engaged_days as (

    select
        lead_id,
        activity_date

    from daily_activity
    where is_engaged

),

-- Each day with the engaged lead-days of the mau_window_days ending on it.
engaged_in_reach as (

    select
        kpi_days.activity_date,
        kpi_days.wau_start_date,
        engaged_days.lead_id,
        engaged_days.activity_date as engaged_date

    from kpi_days
    left join engaged_days
        on
            kpi_days.mau_start_date <= engaged_days.activity_date
            and kpi_days.activity_date >= engaged_days.activity_date

),

active_leads as (

    select
        activity_date,
        count(
            distinct case when engaged_date = activity_date then lead_id end
        ) as dau,
        count(
            distinct case when engaged_date >= wau_start_date then lead_id end
        ) as wau,
        count(distinct lead_id) as mau

    from engaged_in_reach
    group by 1

),

new_leads as (

    select
        cast(created_at as date) as activity_date,
        count(*) as new_leads

    from leads
    group by 1

),

churned_leads as (

    select
        transition_date as activity_date,
        sum(leads) as churned_leads

    from lifecycle_transitions
    where to_state = 'churned'
    group by 1

),

final as (

    select
        cast(kpi_days.activity_date as date) as activity_date,
        cast(active_leads.dau as {{ dbt.type_bigint() }}) as dau,
        cast(active_leads.wau as {{ dbt.type_bigint() }}) as wau,
        cast(active_leads.mau as {{ dbt.type_bigint() }}) as mau,
        cast(
            coalesce(new_leads.new_leads, 0) as {{ dbt.type_bigint() }}
        ) as new_leads,
        -- On the history's first day every lead enters its state from
        -- '(none)': that is the baseline, not churn, so the count is
        -- unknown there.
        cast(
            case
                when kpi_days.activity_date > kpi_days.history_start_date
                    then coalesce(churned_leads.churned_leads, 0)
            end as {{ dbt.type_bigint() }}
        ) as churned_leads

    from kpi_days
    left join active_leads
        on kpi_days.activity_date = active_leads.activity_date
    left join new_leads
        on kpi_days.activity_date = new_leads.activity_date
    left join churned_leads
        on kpi_days.activity_date = churned_leads.activity_date

)

select * from final
