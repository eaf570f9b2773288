-- Where rejected rows come from: a starting point for chasing a loader bug.
-- `dbt compile --select quarantine_by_reason` and run the SQL in target/.
with

quarantined as (

    select * from {{ ref('int_rows_quarantined') }}

),

by_reason as (

    select
        source_table,
        reason,
        count(*) as quarantined_rows,
        min(_loaded_at) as first_loaded_at,
        max(_loaded_at) as last_loaded_at,
        any_value(raw_row) as example_row

    from quarantined
    group by 1, 2

)

select * from by_reason
order by 3 desc
