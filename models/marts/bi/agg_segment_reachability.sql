{%- set reach_channels = ['sms', 'email', 'push'] -%}

with

lead_engagement as (

    select * from {{ ref('fct_lead_engagement') }}

),

-- One row per lead, segment column and channel with a consent flag.
lead_reach as (

    {% for column in segment_columns() %}
        {% set outer_loop = loop %}
        {% for channel in reach_channels %}
            select
                lead_id,
                '{{ column }}' as segment_column,
                {{ column }} as segment_value,
                '{{ channel }}' as channel,
                is_contactable_{{ channel }} as is_reachable

            from lead_engagement
            {% if not (outer_loop.last and loop.last) %}union all{% endif %}
        {% endfor %}
    {% endfor %}

),

rolled_up as (

    select
        segment_column,
        segment_value,
        channel,
        count(*) as leads,
        {{ count_if('is_reachable') }} as reachable_leads

    from lead_reach
    group by 1, 2, 3

),

final as (

    select
        cast(segment_column as {{ dbt.type_string() }}) as segment_column,
        cast(segment_value as {{ dbt.type_string() }}) as segment_value,
        cast(channel as {{ dbt.type_string() }}) as channel,
        cast(leads as {{ dbt.type_bigint() }}) as leads,
        cast(reachable_leads as {{ dbt.type_bigint() }}) as reachable_leads,
        {{ ratio_or_null('reachable_leads', 'leads') }} as reachable_share

    from rolled_up

)

select * from final
