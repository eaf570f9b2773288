{#- Where a raw row ends up: quarantined (unusable, with a reason),
    duplicate (another copy or a newer version is kept) or clean. -#}
{% macro row_status(copy_number='copy_number') -%}
    case
        when quarantine_reason is not null then 'quarantined'
        when {{ copy_number }} > 1 then 'duplicate'
        else 'clean'
    end
{%- endmacro %}
