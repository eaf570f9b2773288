with

quarantined as (

    select * from {{ ref('int_rows_quarantined') }}

),

quarantined_counts as (

    select
        source_table,
        count(*) as quarantined_rows

    from quarantined
    group by 1

),

{% for raw in raw_tables() %}
    {{ raw.table }}_counted as (

        select
            '{{ raw.table }}' as source_table,
            count(*) as raw_rows,
            cast(
                sum(case when row_status = 'duplicate' then 1 else 0 end)
                as {{ dbt.type_bigint() }}
            ) as duplicate_rows,
            (
                select count(*) as staged_rows
                from {{ ref('stg_' ~ raw.model) }}
            ) as clean_rows

        from {{ ref('base_' ~ raw.model) }}

    ),

{% endfor %}
counted as (

    {% for raw in raw_tables() -%}
        select * from {{ raw.table }}_counted
        {% if not loop.last %}union all
        {% endif %}
    {%- endfor %}

),

reconciled as (

    select
        counted.source_table,
        counted.raw_rows,
        counted.clean_rows,
        coalesce(counted.duplicate_rows, 0) as duplicate_rows,
        coalesce(quarantined_counts.quarantined_rows, 0) as quarantined_rows,
        counted.raw_rows
        = counted.clean_rows
        + coalesce(counted.duplicate_rows, 0)
        + coalesce(quarantined_counts.quarantined_rows, 0) as is_conserved

    from counted
    left join quarantined_counts
        on counted.source_table = quarantined_counts.source_table

)

select * from reconciled
