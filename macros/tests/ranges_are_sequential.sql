{#- Generic test: within each partition, the rows' [from, to) ranges are
    non-empty and follow one another without overlap: ordered by from,
    every row but the last is closed (to not NULL) and ends on or before
    the next one starts. A NULL `to` means open-ended. Returns offending
    rows. -#}
{% test ranges_are_sequential(model, partition_by, from_column, to_column) %}

with

ordered as (

    select
        {{ partition_by }} as partition_key,
        {{ from_column }} as range_from,
        {{ to_column }} as range_to,
        lead({{ from_column }}) over (
            partition by {{ partition_by }}
            order by {{ from_column }}
        ) as next_range_from

    from {{ model }}

)

select * from ordered
where
    range_from is null
    or range_to <= range_from
    or (next_range_from is not null and range_to is null)
    or next_range_from < range_to

{% endtest %}
