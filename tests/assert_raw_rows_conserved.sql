{#- Every raw row is staged, a duplicate, or quarantined: nothing is dropped
    silently and nothing is counted twice. Raw rows are counted straight
    from the sources, independently of the staging models. -#}
with

reconciled as (

    select * from {{ ref('int_raw_rows_reconciled') }}

),

raw_counts as (

    {% for raw in raw_tables() -%}
        select
            '{{ raw.table }}' as source_table,
            count(*) as raw_rows
        from {{ source(raw.source, raw.table) }}
        {% if not loop.last %}union all
        {% endif %}
    {%- endfor %}

),

compared as (

    select
        raw_counts.source_table,
        raw_counts.raw_rows,
        reconciled.clean_rows,
        reconciled.duplicate_rows,
        reconciled.quarantined_rows

    from raw_counts
    left join reconciled
        on raw_counts.source_table = reconciled.source_table

)

select * from compared
where
    clean_rows is null
    or raw_rows <> clean_rows + duplicate_rows + quarantined_rows
