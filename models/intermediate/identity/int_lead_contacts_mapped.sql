with

leads as (

    select * from {{ ref('stg_crm__leads') }}

),

contacts as (

    select
        'phone' as contact_type,
        phone_hash as contact_hash,
        lead_id,
        updated_at,
        created_at

    from leads
    where phone_hash is not null and not is_deleted

    union all

    select
        'email' as contact_type,
        email_hash as contact_hash,
        lead_id,
        updated_at,
        created_at

    from leads
    where email_hash is not null and not is_deleted

),

-- A phone or email shared by several leads reaches one of them only (the
-- most recently updated record), so a shared number never doubles events.
ranked as (

    select
        *,
        count(*) over (
            partition by contact_type, contact_hash
        ) as leads_sharing,
        row_number() over (
            partition by contact_type, contact_hash
            order by
                coalesce(updated_at, created_at) desc,
                created_at desc,
                lead_id asc
        ) as owner_rank

    from contacts

),

final as (

    select
        contact_type,
        contact_hash,
        lead_id,
        leads_sharing

    from ranked
    where owner_rank = 1

)

select * from final
