{#- Kept, not rebuilt: see the model's YAML for why (full_refresh: false)
    and how each run rewrites only the leads whose tail changes. -#}
{#- On Spark's parquet tables (no DELETE) the same delete+insert by lead is
    an overwrite of the changed leads' partitions (partitioned by lead_id),
    and erased leads' partitions are dropped. -#}
{% if target.type == 'spark' %}
    {{
        config(
            materialized='incremental',
            incremental_strategy='insert_overwrite',
            partition_by=['lead_id'],
            full_refresh=false,
            on_schema_change='fail',
            post_hook=["{{ drop_lead_partitions(this, erased_lead_ids()) }}"],
        )
    }}
{% else %}
    {{
        config(
            materialized='incremental',
            incremental_strategy='delete+insert',
            unique_key='lead_id',
            full_refresh=false,
            on_schema_change='fail',
            post_hook=[
                "delete from {{ this }}
                where lead_id in ({{ erased_lead_ids() }})",
            ],
        )
    }}
{% endif %}

with

lead_engagement as (

    select * from {{ ref('fct_lead_engagement') }}

),

erased_leads as (

    {{ erased_lead_ids() }}

),

-- What this run sees: the states of every live lead as of the as-of day,
-- with the three states in one key for comparisons.
observed as (

    select
        lead_engagement.lead_id,
        lead_engagement.activity_segment,
        lead_engagement.lifecycle_state,
        lead_engagement.rfm_segment,
        {{ dbt.concat([
            'lead_engagement.activity_segment', "'|'",
            'lead_engagement.lifecycle_state', "'|'",
            'lead_engagement.rfm_segment',
        ]) }} as state_key

    from lead_engagement
    left join erased_leads
        on lead_engagement.lead_id = erased_leads.lead_id
    where erased_leads.lead_id is null

),

stored as (

    {% if is_incremental() %}

        select
            lead_id,
            activity_segment,
            lifecycle_state,
            rfm_segment,
            valid_from,
            valid_to,
            {{ dbt.concat([
                'activity_segment', "'|'",
                'lifecycle_state', "'|'",
                'rfm_segment',
            ]) }} as state_key

        from {{ this }}

    {% else %}

        -- The first run: nothing stored yet.
        select
            lead_id,
            activity_segment,
            lifecycle_state,
            rfm_segment,
            cast(null as date) as valid_from,
            cast(null as date) as valid_to,
            state_key

        from observed
        where 1 = 0

    {% endif %}

),

-- The last day the history records (a valid_from or valid_to). A run
-- dated before it changes nothing: history only moves forward, and a
-- rebuild that looks at the past must not rewrite it.
history_frontier as (

    select max(coalesce(valid_to, valid_from)) as frontier_date

    from stored

),

-- The lead's last row that started before the as-of day ...
rows_before_as_of as (

    select
        *,
        row_number() over (
            partition by lead_id
            order by valid_from desc
        ) as recency_rank

    from stored
    where valid_from < {{ as_of_date() }}

),

prior_rows as (

    select * from rows_before_as_of
    where recency_rank = 1

),

-- ... and the row a previous run of the same as-of day opened, if any.
same_day_rows as (

    select * from stored
    where valid_from = {{ as_of_date() }}

),

lead_keys as (

    select lead_id from observed
    union all
    select lead_id from stored

),

candidate_leads as (

    select lead_id

    from lead_keys
    group by 1

),

compared as (

    select
        candidate_leads.lead_id,
        prior_rows.valid_from as prior_valid_from,
        prior_rows.valid_to as prior_valid_to,
        prior_rows.activity_segment as prior_activity_segment,
        prior_rows.lifecycle_state as prior_lifecycle_state,
        prior_rows.rfm_segment as prior_rfm_segment,
        observed.activity_segment,
        observed.lifecycle_state,
        observed.rfm_segment,
        observed.lead_id is not null as is_observed,
        same_day_rows.lead_id is not null as has_same_day_row,
        coalesce(
            same_day_rows.state_key = observed.state_key, false
        ) as same_day_row_matches,
        -- The prior row still held the day before the as-of day.
        coalesce(
            prior_rows.valid_to is null
            or prior_rows.valid_to >= {{ as_of_date() }},
            false
        ) as prior_is_live,
        coalesce(
            prior_rows.state_key = observed.state_key, false
        ) as prior_matches

    from candidate_leads
    cross join history_frontier
    left join prior_rows
        on candidate_leads.lead_id = prior_rows.lead_id
    left join same_day_rows
        on candidate_leads.lead_id = same_day_rows.lead_id
    left join observed
        on candidate_leads.lead_id = observed.lead_id
    where
        history_frontier.frontier_date is null
        or history_frontier.frontier_date <= {{ as_of_date() }}

),

-- The lead's tail as this run sees it: the prior row continues when the
-- lead is still there in the same states, else it ends on the as-of day
-- and, for a lead still there, a row opens on that day.
decided as (

    select
        *,
        prior_is_live and prior_matches as continues_prior,
        case
            when prior_is_live and prior_matches then null
            when prior_is_live then {{ as_of_date() }}
            else prior_valid_to
        end as new_prior_valid_to,
        is_observed and not (prior_is_live and prior_matches) as opens_row

    from compared

),

-- Leads whose stored tail differs from that; the others are untouched, so
-- a rerun of the same day on the same data changes nothing.
changed_leads as (

    select * from decided
    where
        (
            prior_is_live
            and (
                (continues_prior and prior_valid_to is not null)
                or (not continues_prior and prior_valid_to is null)
            )
        )
        or opens_row <> has_same_day_row
        or (opens_row and not same_day_row_matches)

),

-- delete+insert on lead_id: a changed lead's rows are all written again.
rewritten_rows as (

    select
        stored.lead_id,
        stored.activity_segment,
        stored.lifecycle_state,
        stored.rfm_segment,
        stored.valid_from,
        stored.valid_to

    from stored
    inner join changed_leads
        on stored.lead_id = changed_leads.lead_id
    where stored.valid_from < changed_leads.prior_valid_from

    union all

    select
        lead_id,
        prior_activity_segment as activity_segment,
        prior_lifecycle_state as lifecycle_state,
        prior_rfm_segment as rfm_segment,
        prior_valid_from as valid_from,
        new_prior_valid_to as valid_to

    from changed_leads
    where prior_valid_from is not null

    union all

    select
        lead_id,
        activity_segment,
        lifecycle_state,
        rfm_segment,
        {{ as_of_date() }} as valid_from,
        cast(null as date) as valid_to

    from changed_leads
    where opens_row

),

final as (

    select
        cast(lead_id as {{ dbt.type_string() }}) as lead_id,
        cast(activity_segment as {{ dbt.type_string() }})
            as activity_segment,
        cast(lifecycle_state as {{ dbt.type_string() }}) as lifecycle_state,
        cast(rfm_segment as {{ dbt.type_string() }}) as rfm_segment,
        cast(valid_from as date) as valid_from,
        cast(valid_to as date) as valid_to,
        valid_to is null as is_current

    from rewritten_rows

)

select * from final
