with

state_history as (

    select * from {{ ref('fct_lead_state_history') }}

),

-- Each history row with the lead's rows before and after it.
sequenced as (

    select
        lead_id,
        lifecycle_state,
        valid_from,
        valid_to,
        lag(lifecycle_state) over (
            partition by lead_id order by valid_from
        ) as previous_state,
        lag(valid_to) over (
            partition by lead_id order by valid_from
        ) as previous_valid_to,
        lead(valid_from) over (
            partition by lead_id order by valid_from
        ) as next_valid_from

    from state_history

),

-- A row's start is a move into its state: from the row just before it,
-- from '(none)' for the lead's first row, or from '(gone)' after a gap.
entries as (

    select
        lead_id,
        valid_from as transition_date,
        case
            when previous_state is null then '(none)'
            when previous_valid_to = valid_from then previous_state
            else '(gone)'
        end as from_state,
        lifecycle_state as to_state

    from sequenced

),

-- A row that ends with no row starting that day: the lead left.
exits as (

    select
        lead_id,
        valid_to as transition_date,
        lifecycle_state as from_state,
        '(gone)' as to_state

    from sequenced
    where
        valid_to is not null
        and (next_valid_from is null or next_valid_from > valid_to)

),

transitions as (

    select * from entries
    union all
    select * from exits

),

-- A new row for a change of another segment column is no lifecycle move.
daily_transitions as (

    select
        transition_date,
        from_state,
        to_state,
        count(*) as leads

    from transitions
    where
        from_state <> to_state
        and transition_date <= {{ as_of_date() }}
    group by 1, 2, 3

),

final as (

    select
        cast(transition_date as date) as transition_date,
        cast(from_state as {{ dbt.type_string() }}) as from_state,
        cast(to_state as {{ dbt.type_string() }}) as to_state,
        cast(leads as {{ dbt.type_bigint() }}) as leads

    from daily_transitions

)

select * from final
