{#- A select of the leads whose stored rows no longer match what the model
    would write now. `current` and `stored` (CTE or relation names, each
    with lead_id, `key` and `columns`) are matched on `key`: a key on one
    side only, or whose lead or `columns` differ, puts the lead of each
    side in the set, so an event that moved refreshes both the lead it left
    and the lead it joined. One row per lead. -#}
{% macro changed_leads(current, stored, key, columns=[]) -%}
    select changed_sides.lead_id

    from (
        select
            case
                when sides.side = 'current' then {{ current }}.lead_id
                else {{ stored }}.lead_id
            end as lead_id

        from {{ current }}
        full outer join {{ stored }}
            on {{ current }}.{{ key }} = {{ stored }}.{{ key }}
        cross join (
            select 'current' as side
            union all
            select 'stored' as side
        ) as sides
        where
            {{ current }}.{{ key }} is null
            or {{ stored }}.{{ key }} is null
            or {{ current }}.lead_id is distinct from {{ stored }}.lead_id
            {%- for column in columns %}
                or {{ current }}.{{ column }}
                is distinct from {{ stored }}.{{ column }}
            {%- endfor %}
    ) as changed_sides

    where changed_sides.lead_id is not null
    group by 1
{%- endmacro %}
