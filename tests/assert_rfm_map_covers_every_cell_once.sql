-- The RFM map has exactly 25 rows and each (r_score, f_score) cell of
-- 1..5 x 1..5 exactly once; returns the cells that break it.
with

rfm_segment_map as (

    select * from {{ ref('rfm_segment_map') }}

),

scores as (

    {% for score in range(1, 6) -%}
        select {{ score }} as score
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

cells as (

    select
        r_scores.score as r_score,
        f_scores.score as f_score

    from scores as r_scores
    cross join scores as f_scores

),

map_counts as (

    select
        r_score,
        f_score,
        count(*) as map_rows

    from rfm_segment_map
    group by 1, 2

),

checked as (

    select
        coalesce(cells.r_score, map_counts.r_score) as r_score,
        coalesce(cells.f_score, map_counts.f_score) as f_score,
        coalesce(map_counts.map_rows, 0) as map_rows,
        cells.r_score is not null as is_grid_cell

    from cells
    full outer join map_counts
        on
            cells.r_score = map_counts.r_score
            and cells.f_score = map_counts.f_score

),

failures as (

    select * from checked
    where not is_grid_cell or map_rows <> 1

)

select * from failures
