with

{% for raw in raw_tables() %}
    {{ raw.table }}_counted as (

        select
            '{{ raw.table }}' as source_table,
            count(*) as raw_rows,
            cast(
                sum(case when row_status = 'duplicate' then 1 else 0 end)
                as {{ dbt.type_bigint() }}
            ) as duplicate_rows,
            -- From the base model, not int_rows_quarantined: the quarantine
            -- leaves out erased leads' rows, the count does not.
            cast(
                sum(case when row_status = 'quarantined' then 1 else 0 end)
                as {{ dbt.type_bigint() }}
            ) as quarantined_rows,
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
        coalesce(counted.quarantined_rows, 0) as quarantined_rows,
        counted.raw_rows
        = counted.clean_rows
        + coalesce(counted.duplicate_rows, 0)
        + coalesce(counted.quarantined_rows, 0) as is_conserved

    from counted

)

select * from reconciled
