with

{% for raw in raw_tables() %}
    {{ raw.table }}_rejected as (

        select
            '{{ raw.table }}' as source_table,
            {{ raw.key }} as row_key,
            quarantine_reason as reason,
            _loaded_at,
            raw_row

        from {{ ref('base_' ~ raw.model) }}
        where row_status = 'quarantined'

    ),

{% endfor %}
unioned as (

    {% for raw in raw_tables() -%}
        select * from {{ raw.table }}_rejected
        {% if not loop.last %}union all
        {% endif %}
    {%- endfor %}

)

select * from unioned
