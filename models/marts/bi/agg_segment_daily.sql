with

state_history as (

    select * from {{ ref('fct_lead_state_history') }}

),

-- One row per lead, segment column and history row.
segment_rows as (

    {% for column in segment_columns() %}
        select
            lead_id,
            '{{ column }}' as segment_column,
            {{ column }} as segment_value,
            valid_from,
            valid_to

        from state_history
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

-- A row adds its lead to its value on valid_from and removes it on
-- valid_to, so the running sum of the changes is the day's count.
lead_changes as (

    select
        segment_column,
        segment_value,
        valid_from as change_date,
        1 as lead_change

    from segment_rows

    union all

    select
        segment_column,
        segment_value,
        valid_to as change_date,
        -1 as lead_change

    from segment_rows
    where valid_to is not null

),

daily_changes as (

    select
        segment_column,
        segment_value,
        change_date,
        sum(lead_change) as lead_change

    from lead_changes
    group by 1, 2, 3

),

history_bounds as (

    select
        min(valid_from) as first_date,
        {{ as_of_date() }} as last_date

    from state_history

),

days as (

    {{ day_series(
        'history_bounds', 'first_date', 'last_date', 'activity_date'
    ) }}

),

-- Every value ever held, on every day: days without a lead show 0.
segment_values as (

    select
        segment_column,
        segment_value

    from segment_rows
    group by 1, 2

),

grid as (

    select
        days.activity_date,
        segment_values.segment_column,
        segment_values.segment_value

    from days
    cross join segment_values

),

counted as (

    select
        grid.activity_date,
        grid.segment_column,
        grid.segment_value,
        sum(coalesce(daily_changes.lead_change, 0)) over (
            partition by grid.segment_column, grid.segment_value
            order by grid.activity_date
            rows between unbounded preceding and current row
        ) as leads

    from grid
    left join daily_changes
        on
            grid.segment_column = daily_changes.segment_column
            and grid.segment_value = daily_changes.segment_value
            and grid.activity_date = daily_changes.change_date

),

final as (

    select
        cast(activity_date as date) as activity_date,
        cast(segment_column as {{ dbt.type_string() }}) as segment_column,
        cast(segment_value as {{ dbt.type_string() }}) as segment_value,
        cast(leads as {{ dbt.type_bigint() }}) as leads

    from counted

)

select * from final
