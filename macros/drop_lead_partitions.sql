{#- Spark only (a hook of fct_lead_state_history): drop the lead_id
    partitions of `relation` that belong to the leads `lead_ids_sql` (a
    select of lead_id) returns, since parquet tables have no DELETE.
    Returns a harmless statement for the hook to run. -#}
{% macro drop_lead_partitions(relation, lead_ids_sql) -%}
    {%- if execute -%}
        {%- set stored = run_query(
            'select distinct lead_id from ' ~ relation
            ~ ' where lead_id in (' ~ lead_ids_sql ~ ')'
        ) -%}
        {%- for row in stored.rows -%}
            {%- do run_query(
                'alter table ' ~ relation ~ ' drop if exists partition (lead_id = '
                ~ "'" ~ row[0] | replace("'", "\\'") ~ "')"
            ) -%}
        {%- endfor -%}
    {%- endif -%}
    select 1
{%- endmacro %}
