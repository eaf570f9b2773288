{#- The daypart of a local timestamp (SPEC §3): night (any day, from
    daypart_night_start_hour to daypart_day_start_hour), weekend (Sat-Sun
    daytime), business_hours (Mon-Fri until daypart_evening_start_hour),
    evening (Mon-Fri after). Disjoint and covering the week. -#}
{% macro daypart(local_expr) -%}
    case
        when
            extract(hour from {{ local_expr }}) >= {{ var('daypart_night_start_hour') }}
            or extract(hour from {{ local_expr }}) < {{ var('daypart_day_start_hour') }}
            then 'night'
        when {{ iso_day_of_week(local_expr) }} >= 6 then 'weekend'
        when
            extract(hour from {{ local_expr }}) < {{ var('daypart_evening_start_hour') }}
            then 'business_hours'
        else 'evening'
    end
{%- endmacro %}
