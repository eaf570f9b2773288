"""The raw input contract (SPEC section 1): table -> ordered columns and types.

This is the one place the harness names raw columns; the generator writes
exactly these, the loader checks files against them, and the dbt sources
declare the same list (a test keeps them in step).
"""

from __future__ import annotations

RAW_SCHEMA = "raw"

RAW_TABLES: dict[str, dict[str, str]] = {
    "leads": {
        "lead_id": "varchar",
        "created_at": "varchar",
        "updated_at": "varchar",
        "phone": "varchar",
        "email": "varchar",
        "country_code": "varchar",
        "timezone": "varchar",
        "utm_source": "varchar",
        "utm_medium": "varchar",
        "utm_campaign": "varchar",
        "signup_channel": "varchar",
        "crm_stage": "varchar",
        "is_deleted": "boolean",
        "_loaded_at": "timestamp",
    },
    "message_events": {
        "event_id": "varchar",
        "message_id": "varchar",
        "lead_id": "varchar",
        "address": "varchar",
        "channel": "varchar",
        "direction": "varchar",
        "event_type": "varchar",
        "occurred_at": "varchar",
        "campaign_id": "varchar",
        "campaign_type": "varchar",
        "link_url": "varchar",
        "body": "varchar",
        "_loaded_at": "timestamp",
    },
    "app_events": {
        "event_id": "varchar",
        "anonymous_id": "varchar",
        "user_id": "varchar",
        "event_name": "varchar",
        "platform": "varchar",
        "occurred_at": "varchar",
        "received_at": "varchar",
        "properties": "varchar",
        "_loaded_at": "timestamp",
    },
    "web_events": {
        "event_id": "varchar",
        "anonymous_id": "varchar",
        "user_id": "varchar",
        "event_name": "varchar",
        "page_url": "varchar",
        "referrer": "varchar",
        "user_agent": "varchar",
        "utm_source": "varchar",
        "utm_medium": "varchar",
        "utm_campaign": "varchar",
        "occurred_at": "varchar",
        "_loaded_at": "timestamp",
    },
    "calls": {
        "call_id": "varchar",
        "lead_id": "varchar",
        "phone": "varchar",
        "direction": "varchar",
        "status": "varchar",
        "started_at": "varchar",
        "duration_seconds": "integer",
        "tracking_source": "varchar",
        "_loaded_at": "timestamp",
    },
    "orders": {
        "order_id": "varchar",
        "lead_id": "varchar",
        "ordered_at": "varchar",
        "amount": "decimal(18,2)",
        "currency": "varchar",
        "status": "varchar",
        "channel": "varchar",
        "_loaded_at": "timestamp",
    },
    "privacy_requests": {
        "request_id": "varchar",
        "lead_id": "varchar",
        "request_type": "varchar",
        "requested_at": "varchar",
        "_loaded_at": "timestamp",
    },
}


def create_table_sql(table: str, schema: str = RAW_SCHEMA) -> str:
    """DDL for one raw table, exactly as the contract states it."""
    cols = ",\n    ".join(f"{name} {typ}" for name, typ in RAW_TABLES[table].items())
    return f"create table {schema}.{table} (\n    {cols}\n)"
