{#- A select of one row per day, column `column_name`, from start_column
    to end_column (both dates, inclusive) of each row of `relation` (a CTE
    with one row, usually). No row when end < start or either is NULL. -#}
{% macro day_series(relation, start_column, end_column, column_name) -%}
    {{ return(adapter.dispatch('day_series', 'leadpulse')(
        relation, start_column, end_column, column_name
    )) }}
{%- endmacro %}

{#- Portable: offsets 0..9999 (about 27 years) from cross-joined digits. -#}
{% macro default__day_series(relation, start_column, end_column, column_name) -%}
    select
        cast({{ dbt.dateadd(
            'day',
            'digits_0.digit + 10 * digits_1.digit + 100 * digits_2.digit'
            ~ ' + 1000 * digits_3.digit',
            relation ~ '.' ~ start_column
        ) }} as date) as {{ column_name }}
    from {{ relation }}
    {% for position in range(4) -%}
        cross join (
            {% for digit in range(10) -%}
                select {{ digit }} as digit
                {% if not loop.last %}union all {% endif %}
            {%- endfor %}
        ) as digits_{{ position }}
    {% endfor -%}
    where
        digits_0.digit + 10 * digits_1.digit + 100 * digits_2.digit
        + 1000 * digits_3.digit
        <= {{ dbt.datediff(
            relation ~ '.' ~ start_column,
            relation ~ '.' ~ end_column,
            'day'
        ) }}
{%- endmacro %}

{% macro duckdb__day_series(relation, start_column, end_column, column_name) -%}
    select
        cast(
            unnest(generate_series(
                {{ start_column }}, {{ end_column }}, interval 1 day
            )) as date
        ) as {{ column_name }}
    from {{ relation }}
    where {{ start_column }} <= {{ end_column }}
{%- endmacro %}

{% macro spark__day_series(relation, start_column, end_column, column_name) -%}
    select
        explode(sequence(
            {{ start_column }}, {{ end_column }}, interval 1 day
        )) as {{ column_name }}
    from {{ relation }}
    where {{ start_column }} <= {{ end_column }}
{%- endmacro %}
