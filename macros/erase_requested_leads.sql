{#- SPEC §6 erasure, run as the project's on-run-start hook: before any
    model reads raw, every lead with an `erasure` request in
    raw.privacy_requests is removed from every relation the project writes.

    1. The request becomes tombstones in privacy.erased_identifiers: keyed
       hashes (pseudonymize) of the lead id, its E.164 phones, its emails
       and the devices/cookies tied to it, with the request id and time.
       No plain identifier is kept. compacted_at is stamped by the harness
       once the file has been rewritten.
    2. Raw rows reaching a tombstone are deleted: the lead's CDC versions,
       its privacy requests (the tombstone row is the record that the
       request was honoured), events with its id, its phone or email as
       address, or one of its devices. Another lead's row that shares the
       erased phone or email keeps the row with that contact blanked.
    3. Every table the project built (staging, intermediate, marts: any
       schema but raw, privacy and seeds) loses the rows whose lead_id,
       user_id, phone_e164, address_phone_e164, email, address_email or
       anonymous_id hash is a tombstone (the event base_ tables append
       rather than rebuild from raw, so they are purged like the rest). Stored test
       failures (schemas named *dbt_test__audit) name leads in columns of
       any name, so while an erasure is new (not yet compacted) they are
       dropped whole; the build's tests store them again.

    Every step is idempotent and matches on hashes, so a run killed half
    way is completed by the next one, and a re-delivered raw row of an
    erased lead is deleted at the next build. The statements name no
    identifier: the hook's SQL in logs/ and target/ holds none. The
    leadpulse harness compacts the DuckDB file afterwards, so the deleted
    bytes leave the file too. -#}
{% macro erase_requested_leads() -%}
    {{ return(adapter.dispatch('erase_requested_leads', 'leadpulse')()) }}
{%- endmacro %}

{#- Spark: DELETE and UPDATE need Delta or Iceberg raw tables; until the
    Spark target has them, say loudly that requests are not applied. -#}
{% macro spark__erase_requested_leads() -%}
    {%- if execute -%}
        {{ log(
            'WARNING: erasure requests are not applied on spark (raw tables'
            ~ ' must support DELETE); run erasure on the DuckDB target',
            info=true
        ) }}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}

{% macro default__erase_requested_leads() -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set raw = {} -%}
    {%- for table in [
        'leads', 'message_events', 'app_events', 'web_events', 'calls',
        'orders', 'privacy_requests'
    ] -%}
        {%- set relation = adapter.get_relation(
            database=target.database, schema='raw', identifier=table
        ) -%}
        {%- if relation is not none -%}
            {%- do raw.update({table: relation}) -%}
        {%- endif -%}
    {%- endfor -%}

    {%- set tombstones = api.Relation.create(
        database=target.database, schema='privacy',
        identifier='erased_identifiers'
    ) -%}
    {%- do adapter.create_schema(tombstones) -%}
    {%- do run_query(
        'create table if not exists ' ~ tombstones ~ ' ('
        ~ 'request_id ' ~ dbt.type_string() ~ ', '
        ~ 'requested_at ' ~ dbt.type_string() ~ ', '
        ~ 'identifier_type ' ~ dbt.type_string() ~ ', '
        ~ 'identifier_hash ' ~ dbt.type_string() ~ ', '
        ~ 'erased_at ' ~ dbt.type_timestamp() ~ ', '
        ~ 'compacted_at ' ~ dbt.type_timestamp() ~ ')'
    ) -%}

    {%- if 'privacy_requests' in raw -%}
        {%- do run_query(leadpulse._erasure_tombstones_insert(raw, tombstones)) -%}
    {%- endif -%}

    {%- set pending = run_query(
        'select count(*) from ' ~ tombstones
    ).columns[0].values()[0] -%}
    {%- if pending == 0 -%}{{ return('') }}{%- endif -%}

    {%- for statement in leadpulse._erasure_raw_deletes(raw, tombstones) -%}
        {%- do run_query(statement) -%}
    {%- endfor -%}
    {%- for statement in leadpulse._erasure_built_deletes(tombstones) -%}
        {%- do run_query(statement) -%}
    {%- endfor -%}
    {%- do leadpulse._erasure_drop_stored_failures(tombstones) -%}
    {{ return('') }}
{%- endmacro %}


{#- hash(expr) in the tombstones of one identifier type. -#}
{% macro _erased(expr, identifier_type, tombstones) -%}
    {{ pseudonymize(expr) }} in (
        select identifier_hash from {{ tombstones }}
        where identifier_type = '{{ identifier_type }}'
    )
{%- endmacro %}


{#- The countries lookup for phone normalization. On DuckDB it is read from
    the seed file itself: the hook runs before `dbt build` loads seeds, and
    on a new warehouse the seed table does not exist yet. -#}
{% macro _erasure_countries() -%}
    {{ return(adapter.dispatch('_erasure_countries', 'leadpulse')()) }}
{%- endmacro %}

{% macro default___erasure_countries() -%}
    select
        country_code,
        cast(calling_code as {{ dbt.type_string() }}) as calling_code,
        cast(trunk_prefix as {{ dbt.type_string() }}) as trunk_prefix
    from {{ ref('countries') }}
{%- endmacro %}

{% macro duckdb___erasure_countries() -%}
    {%- set seed = graph.nodes['seed.leadpulse.countries'] -%}
    {%- set path = seed.root_path ~ '/' ~ seed.original_file_path -%}
    select
        country_code,
        cast(calling_code as varchar) as calling_code,
        cast(trunk_prefix as varchar) as trunk_prefix
    from read_csv('{{ path }}', header = true, all_varchar = true)
{%- endmacro %}


{% macro _erasure_tombstones_insert(raw, tombstones) -%}
    insert into {{ tombstones }}
    with

    requests as (

        select
            {{ clean_id('request_id') }} as request_id,
            {{ clean_id('lead_id') }} as lead_id,
            requested_at

        from {{ raw['privacy_requests'] }}
        where
            lower(trim(request_type)) = 'erasure'
            and {{ clean_id('lead_id') }} is not null

    ),

    countries as (

        {{ leadpulse._erasure_countries() }}

    ),

    identifiers as (

        select
            request_id,
            requested_at,
            'lead_id' as identifier_type,
            lead_id as identifier
        from requests

        {% if 'leads' in raw %}
            union all

            select
                requests.request_id,
                requests.requested_at,
                'phone' as identifier_type,
                {{ normalize_phone(
                    'leads.phone', 'countries.calling_code',
                    'countries.trunk_prefix'
                ) }} as identifier
            from requests
            inner join {{ raw['leads'] }} as leads
                on requests.lead_id = {{ clean_id('leads.lead_id') }}
            left join countries
                on upper(trim(leads.country_code)) = countries.country_code

            union all

            select
                requests.request_id,
                requests.requested_at,
                'email' as identifier_type,
                {{ normalize_email('leads.email') }} as identifier
            from requests
            inner join {{ raw['leads'] }} as leads
                on requests.lead_id = {{ clean_id('leads.lead_id') }}
        {% endif %}

        {% for table in ['app_events', 'web_events'] if table in raw %}
            union all

            select
                requests.request_id,
                requests.requested_at,
                'device' as identifier_type,
                {{ clean_id('events.anonymous_id') }} as identifier
            from requests
            inner join {{ raw[table] }} as events
                on requests.lead_id = {{ clean_id('events.user_id') }}
        {% endfor %}

    ),

    hashed as (

        select distinct
            request_id,
            requested_at,
            identifier_type,
            {{ pseudonymize('identifier') }} as identifier_hash
        from identifiers
        where identifier is not null

    )

    select
        hashed.request_id,
        hashed.requested_at,
        hashed.identifier_type,
        hashed.identifier_hash,
        {{ dbt.current_timestamp() }} as erased_at,
        cast(null as {{ dbt.type_timestamp() }}) as compacted_at
    from hashed
    where not exists (
        select 1 from {{ tombstones }} as stored
        where
            stored.identifier_type = hashed.identifier_type
            and stored.identifier_hash = hashed.identifier_hash
    )
{%- endmacro %}


{#- Statements deleting (or blanking) raw rows that reach a tombstone. -#}
{% macro _erasure_raw_deletes(raw, tombstones) -%}
    {%- set default_country -%}
        (select {} from ({{ leadpulse._erasure_countries() }}) as countries
        where country_code = '{{ var("default_phone_country") }}')
    {%- endset -%}
    {%- set event_phone = normalize_phone(
        'address',
        default_country.replace('{}', 'calling_code'),
        default_country.replace('{}', 'trunk_prefix'),
    ) -%}
    {%- set call_phone = normalize_phone(
        'phone',
        default_country.replace('{}', 'calling_code'),
        default_country.replace('{}', 'trunk_prefix'),
    ) -%}
    {%- set lead_phone -%}
        {{ normalize_phone(
            'phone',
            '(select calling_code from (' ~ leadpulse._erasure_countries()
            ~ ') as countries where countries.country_code'
            ~ ' = upper(trim(leads.country_code)))',
            '(select trunk_prefix from (' ~ leadpulse._erasure_countries()
            ~ ') as countries where countries.country_code'
            ~ ' = upper(trim(leads.country_code)))',
        ) }}
    {%- endset -%}
    {%- set statements = [] -%}
    {%- if 'leads' in raw -%}
        {%- do statements.append(
            'delete from ' ~ raw['leads'] ~ ' where '
            ~ leadpulse._erased(clean_id('lead_id'), 'lead_id', tombstones)
        ) -%}
        {%- do statements.append(
            'update ' ~ raw['leads'] ~ ' as leads set phone = null where '
            ~ leadpulse._erased(lead_phone, 'phone', tombstones)
        ) -%}
        {%- do statements.append(
            'update ' ~ raw['leads'] ~ ' set email = null where '
            ~ leadpulse._erased(normalize_email('email'), 'email', tombstones)
        ) -%}
    {%- endif -%}
    {%- if 'message_events' in raw -%}
        {%- do statements.append(
            'delete from ' ~ raw['message_events'] ~ ' where '
            ~ leadpulse._erased(clean_id('lead_id'), 'lead_id', tombstones)
            ~ ' or ' ~ leadpulse._erased(
                normalize_email('address'), 'email', tombstones)
            ~ ' or ' ~ leadpulse._erased(event_phone, 'phone', tombstones)
        ) -%}
    {%- endif -%}
    {%- for table in ['app_events', 'web_events'] if table in raw -%}
        {%- do statements.append(
            'delete from ' ~ raw[table] ~ ' where '
            ~ leadpulse._erased(clean_id('user_id'), 'lead_id', tombstones)
            ~ ' or ' ~ leadpulse._erased(
                clean_id('anonymous_id'), 'device', tombstones)
        ) -%}
    {%- endfor -%}
    {%- if 'calls' in raw -%}
        {%- do statements.append(
            'delete from ' ~ raw['calls'] ~ ' where '
            ~ leadpulse._erased(clean_id('lead_id'), 'lead_id', tombstones)
            ~ ' or ' ~ leadpulse._erased(call_phone, 'phone', tombstones)
        ) -%}
    {%- endif -%}
    {%- for table in ['orders', 'privacy_requests'] if table in raw -%}
        {%- do statements.append(
            'delete from ' ~ raw[table] ~ ' where '
            ~ leadpulse._erased(clean_id('lead_id'), 'lead_id', tombstones)
        ) -%}
    {%- endfor -%}
    {{ return(statements) }}
{%- endmacro %}


{#- Statements deleting erased leads from every table the project built:
    any base table outside raw, privacy and seeds with a column naming a
    lead, a contact or a device. -#}
{% macro _erasure_built_deletes(tombstones) -%}
    {#- The event base_ tables append (they are not rebuilt from raw), so
        they are purged here too, by their own column names. -#}
    {%- set columns = {
        'lead_id': 'lead_id', 'user_id': 'lead_id', 'phone_e164': 'phone',
        'address_phone_e164': 'phone', 'email': 'email',
        'address_email': 'email', 'anonymous_id': 'device',
    } -%}
    {%- set found = run_query(
        "select columns.table_schema, columns.table_name,"
        ~ " columns.column_name"
        ~ " from information_schema.columns as columns"
        ~ " inner join information_schema.tables as tables"
        ~ " on columns.table_catalog = tables.table_catalog"
        ~ " and columns.table_schema = tables.table_schema"
        ~ " and columns.table_name = tables.table_name"
        ~ " where tables.table_type = 'BASE TABLE'"
        ~ " and columns.table_catalog = '" ~ target.database ~ "'"
        ~ " and lower(columns.table_schema)"
        ~ " not in ('raw', 'privacy', 'seeds', 'information_schema')"
        ~ " and lower(columns.column_name) in ('"
        ~ (columns.keys() | join("', '")) ~ "')"
        ~ " order by 1, 2, 3"
    ) -%}
    {%- set by_table = {} -%}
    {%- for row in found.rows -%}
        {%- set relation = api.Relation.create(
            database=target.database, schema=row[0], identifier=row[1]
        ) -%}
        {%- set key = relation | string -%}
        {%- set condition = leadpulse._erased(
            adapter.quote(row[2]), columns[row[2] | lower], tombstones
        ) -%}
        {%- do by_table.update(
            {key: by_table.get(key, []) + [condition]}
        ) -%}
    {%- endfor -%}
    {%- set statements = [] -%}
    {%- for relation, conditions in by_table.items() -%}
        {%- do statements.append(
            'delete from ' ~ relation ~ ' where '
            ~ (conditions | join(' or '))
        ) -%}
    {%- endfor -%}
    {{ return(statements) }}
{%- endmacro %}


{#- Drop every stored-test-failure table while an erasure is new. -#}
{% macro _erasure_drop_stored_failures(tombstones) -%}
    {%- set fresh = run_query(
        'select count(*) from ' ~ tombstones ~ ' where compacted_at is null'
    ).columns[0].values()[0] -%}
    {%- if fresh == 0 -%}{{ return(none) }}{%- endif -%}
    {%- set found = run_query(
        "select table_schema, table_name, table_type"
        ~ " from information_schema.tables"
        ~ " where table_catalog = '" ~ target.database ~ "'"
        ~ " and table_schema like '%dbt\\_test\\_\\_audit' escape '\\'"
    ) -%}
    {%- for row in found.rows -%}
        {%- do adapter.drop_relation(api.Relation.create(
            database=target.database, schema=row[0], identifier=row[1],
            type=('view' if row[2] == 'VIEW' else 'table')
        )) -%}
    {%- endfor -%}
{%- endmacro %}
