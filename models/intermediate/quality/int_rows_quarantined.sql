{#- How each raw table names its lead and the contacts and devices that
    can tie a rejected row to an erased lead. -#}
{%- set identities = {
    'leads': {'lead': 'lead_id', 'phone': 'phone_e164', 'email': 'email'},
    'message_events': {'lead': 'lead_id', 'phone': 'address_phone_e164',
        'email': 'address_email'},
    'app_events': {'lead': 'user_id', 'device': 'anonymous_id'},
    'web_events': {'lead': 'user_id', 'device': 'anonymous_id'},
    'calls': {'lead': 'lead_id', 'phone': 'phone_e164'},
    'orders': {'lead': 'lead_id'},
    'privacy_requests': {'lead': 'lead_id'},
} -%}

with

erased_leads as (

    {{ erased_lead_ids() }}

),

-- Every phone and email any version of an erased lead had, and every
-- device or cookie it logged in on: a rejected row carrying one of them
-- belongs to the erased lead even without its id.
erased_contacts as (

    select
        'phone' as contact_type,
        leads.phone_e164 as contact_value

    from {{ ref('base_crm__leads') }} as leads
    inner join erased_leads
        on leads.lead_id = erased_leads.lead_id
    where leads.phone_e164 is not null

    union all

    select
        'email' as contact_type,
        leads.email as contact_value

    from {{ ref('base_crm__leads') }} as leads
    inner join erased_leads
        on leads.lead_id = erased_leads.lead_id
    where leads.email is not null

    {% for model in ['app__events', 'web__events'] %}
        union all

        select
            'device' as contact_type,
            events.anonymous_id as contact_value

        from {{ ref('base_' ~ model) }} as events
        inner join erased_leads
            on events.user_id = erased_leads.lead_id
        where events.anonymous_id is not null
    {% endfor %}

),

{% for raw in raw_tables() %}
    {%- set identity = identities[raw.table] %}
    {{ raw.table }}_rejected as (

        select
            '{{ raw.table }}' as source_table,
            {{ raw.key }} as row_key,
            {{ identity.lead }} as lead_id,
            quarantine_reason as reason,
            _loaded_at,
            raw_row,
            {{ identity.get('phone', 'null') }} as phone_e164,
            {{ identity.get('email', 'null') }} as email,
            {{ identity.get('device', 'null') }} as device_id

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

),

-- An erased lead leaves the quarantine at the next build (SPEC §6).
kept as (

    select
        source_table,
        row_key,
        lead_id,
        reason,
        _loaded_at,
        raw_row

    from unioned
    where
        not exists (
            select 1 as is_erased
            from erased_leads
            where erased_leads.lead_id = unioned.lead_id
        )
        and not exists (
            select 1 as is_erased
            from erased_contacts
            where
                (
                    erased_contacts.contact_type = 'phone'
                    and erased_contacts.contact_value = unioned.phone_e164
                )
                or (
                    erased_contacts.contact_type = 'email'
                    and erased_contacts.contact_value = unioned.email
                )
                or (
                    erased_contacts.contact_type = 'device'
                    and erased_contacts.contact_value = unioned.device_id
                )
        )

)

select * from kept
