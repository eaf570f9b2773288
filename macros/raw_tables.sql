{#- The seven raw tables of the input contract, with the key each is
    deduplicated on and the models that stage it (base_<model> holds every
    raw row with its row_status, stg_<model> the clean ones): the list the
    quarantine and row-conservation models and tests walk over. -#}
{% macro raw_tables() -%}
    {{ return([
        {'source': 'crm', 'table': 'leads', 'key': 'lead_id',
            'model': 'crm__leads'},
        {'source': 'messaging', 'table': 'message_events', 'key': 'event_id',
            'model': 'messaging__message_events'},
        {'source': 'app', 'table': 'app_events', 'key': 'event_id',
            'model': 'app__events'},
        {'source': 'web', 'table': 'web_events', 'key': 'event_id',
            'model': 'web__events'},
        {'source': 'telephony', 'table': 'calls', 'key': 'call_id',
            'model': 'telephony__calls'},
        {'source': 'commerce', 'table': 'orders', 'key': 'order_id',
            'model': 'commerce__orders'},
        {'source': 'crm', 'table': 'privacy_requests', 'key': 'request_id',
            'model': 'crm__privacy_requests'},
    ]) }}
{%- endmacro %}
