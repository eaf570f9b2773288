{#- The filter of an append-only base_ model's source CTE: on an
    incremental run, only the raw rows not staged yet, whenever they were
    loaded. Rows are counted per _loaded_at in `source_relation` and in the
    model; only the _loaded_at values whose counts differ are read, and
    rows already staged there (same _loaded_at and row fingerprint) are
    skipped. A rerun stages nothing twice, and a row that reaches raw late
    with an old _loaded_at is still staged. Renders nothing on a full
    refresh. -#}
{% macro unstaged_rows(raw_columns, source_relation) -%}
    {#- unit tests have no `this`; tables never append -#}
    {%- if this is not none
        and config.get('materialized') == 'incremental'
        and is_incremental() %}
        {%- set relation = 'unstaged' %} as {{ relation }}
        where
            {{ relation }}._loaded_at in (
                select raw_loads._loaded_at
                from (
                    select
                        _loaded_at,
                        count(*) as raw_rows
                    from {{ source_relation }}
                    group by _loaded_at
                ) as raw_loads
                left join (
                    select
                        _loaded_at,
                        count(*) as staged_rows
                    from {{ this }}
                    group by _loaded_at
                ) as staged_loads
                    on raw_loads._loaded_at = staged_loads._loaded_at
                where
                    staged_loads.staged_rows is null
                    or staged_loads.staged_rows <> raw_loads.raw_rows
            )
            and not exists (
                select 1
                from {{ this }} as staged
                where
                    staged._loaded_at = {{ relation }}._loaded_at
                    and staged.row_fingerprint
                    = {{ row_fingerprint(raw_columns, relation) }}
            )
    {%- endif %}
{%- endmacro %}
