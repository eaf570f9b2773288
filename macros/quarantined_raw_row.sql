{#- A rejected row's raw values are kept as JSON text (raw_row) for the
    quarantine, but building that JSON for every row cost more than the
    rest of staging (json_object over every column, a keyed hash for each
    contact: 16 s of 38 s for 4.9M app events). So the raw columns ride
    along under raw_copy_name() (raw_copies, in the CTE reading the raw
    table), raw_row is built only for quarantined rows
    (quarantined_raw_row), and star_except drops the copies from the
    model (star_except(raw_copy_names(...))). Clean and duplicate rows have raw_row NULL. -#}
{% macro raw_copy_name(column) -%}
    _raw__{{ column }}
{%- endmacro %}

{% macro raw_copies(columns, relation) -%}
    {%- for column in columns %}
        {{ relation }}.{{ column }} as {{ raw_copy_name(column) }}
        {{- ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{% macro quarantined_raw_row(columns, masked=[]) -%}
    {%- set copies = {} -%}
    {%- for column in columns -%}
        {%- do copies.update({column: raw_copy_name(column)}) -%}
    {%- endfor -%}
    case
        when quarantine_reason is not null
            then {{ json_object_of(columns, masked=masked, names=copies) }}
    end
{%- endmacro %}

{% macro raw_copy_names(columns) -%}
    {%- set names = [] -%}
    {%- for column in columns -%}
        {%- do names.append(raw_copy_name(column)) -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}

{#- Every column of the relation read but the named ones. -#}
{% macro star_except(names) -%}
    {{ return(adapter.dispatch('star_except', 'leadpulse')(names)) }}
{%- endmacro %}

{% macro default__star_except(names) -%}
    * except ({{ names | join(', ') }})
{%- endmacro %}

{% macro duckdb__star_except(names) -%}
    * exclude ({{ names | join(', ') }})
{%- endmacro %}
