"""Raw rows for eleven hand-built leads, written the way a loader writes them.

Every value is text (timestamps in mixed ISO-8601 forms, with and without
offsets; phones free-form), except `is_deleted`, `duration_seconds`, `amount`
and `_loaded_at`, which the raw contract types. `_loaded_at` defaults to ten
minutes after the event. `tests/test_hand_built_leads.py` states, for every
lead, what `marts.fct_lead_engagement` must say about it and why.

Local times in the comments are the lead's resolved zone; "Tue" etc. are
local weekdays. As of 2026-06-30 the windows are: last 7 days Jun 24-30,
last 30 Jun 1-30, previous 30 May 2-31, last 90 Apr 2-Jun 30, last 365
2025-07-01..2026-06-30. As of 2026-05-31: last 7 May 25-31, last 30
May 2-31, previous 30 Apr 2-May 1, last 90 Mar 3-May 31.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb

from leadpulse.contract import RAW_SCHEMA, RAW_TABLES, create_table_sql

AS_OF = "2026-06-30"
EARLY_AS_OF = "2026-05-31"

ACTIVE = "hb_active"
DORMANT = "hb_dormant"
AT_RISK = "hb_at_risk"
LOYAL = "hb_loyal"
NEW = "hb_new"
NEVER = "hb_never"
SILENT = "hb_churn_silent"
OPT_OUT = "hb_churn_opt_out"
UNINSTALL = "hb_churn_uninstall"
LOST = "hb_lost"
EPISODIC = "hb_episodic"

LEAD_IDS = [
    ACTIVE,
    DORMANT,
    AT_RISK,
    LOYAL,
    NEW,
    NEVER,
    SILENT,
    OPT_OUT,
    UNINSTALL,
    LOST,
    EPISODIC,
]

DESKTOP_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0"
MAC_UA = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1"
IPHONE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Mobile/15E148"
ANDROID_UA = "Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/126.0 Mobile Safari/537.36"

Row = dict[str, Any]


def _utc(text: str) -> datetime:
    parsed = datetime.fromisoformat(text.strip())
    if parsed.tzinfo is None:
        return parsed
    return parsed.astimezone(UTC).replace(tzinfo=None)


def _loaded(text: str, minutes: int = 10) -> str:
    return (_utc(text) + timedelta(minutes=minutes)).isoformat(sep=" ")


def lead(
    lead_id: str,
    created_at: str,
    *,
    phone: str | None,
    email: str | None,
    country: str,
    timezone: str | None,
    signup: str,
    utm_source: str | None = None,
    utm_medium: str | None = None,
    updated_at: str | None = None,
) -> Row:
    updated = updated_at or created_at
    return {
        "lead_id": lead_id,
        "created_at": created_at,
        "updated_at": updated,
        "phone": phone,
        "email": email,
        "country_code": country,
        "timezone": timezone,
        "utm_source": utm_source,
        "utm_medium": utm_medium,
        "utm_campaign": "hand_built" if utm_source or utm_medium else None,
        "signup_channel": signup,
        "crm_stage": "lead",
        "is_deleted": False,
        "_loaded_at": _loaded(updated, 1),
    }


def msg(
    event_id: str,
    lead_id: str | None,
    address: str | None,
    channel: str,
    event_type: str,
    occurred_at: str,
    campaign_type: str | None = None,
    body: str | None = None,
    loaded_at: str | None = None,
) -> Row:
    direction = "inbound" if event_type == "replied" else "outbound"
    return {
        "event_id": event_id,
        "message_id": "m_" + event_id.split("_")[1],
        "lead_id": lead_id,
        "address": address,
        "channel": channel,
        "direction": direction,
        "event_type": event_type,
        "occurred_at": occurred_at,
        "campaign_id": f"c_{campaign_type}" if campaign_type else None,
        "campaign_type": campaign_type,
        "link_url": "https://shop.example/p" if event_type == "clicked" else None,
        "body": body,
        "_loaded_at": loaded_at or _loaded(occurred_at),
    }


def app(
    event_id: str,
    anonymous_id: str | None,
    user_id: str | None,
    event_name: str,
    occurred_at: str,
    properties: str = "{}",
) -> Row:
    return {
        "event_id": event_id,
        "anonymous_id": anonymous_id,
        "user_id": user_id,
        "event_name": event_name,
        "platform": "android",
        "occurred_at": occurred_at,
        "received_at": occurred_at,
        "properties": properties,
        "_loaded_at": _loaded(occurred_at),
    }


def web(
    event_id: str,
    anonymous_id: str | None,
    user_id: str | None,
    event_name: str,
    occurred_at: str,
    user_agent: str,
) -> Row:
    return {
        "event_id": event_id,
        "anonymous_id": anonymous_id,
        "user_id": user_id,
        "event_name": event_name,
        "page_url": "https://shop.example/",
        "referrer": None,
        "user_agent": user_agent,
        "utm_source": None,
        "utm_medium": None,
        "utm_campaign": None,
        "occurred_at": occurred_at,
        "_loaded_at": _loaded(occurred_at),
    }


def call(
    call_id: str,
    lead_id: str | None,
    phone: str,
    direction: str,
    status: str,
    started_at: str,
    duration_seconds: int,
) -> Row:
    return {
        "call_id": call_id,
        "lead_id": lead_id,
        "phone": phone,
        "direction": direction,
        "status": status,
        "started_at": started_at,
        "duration_seconds": duration_seconds,
        "tracking_source": "hand_built",
        "_loaded_at": _loaded(started_at),
    }


def order(
    order_id: str,
    lead_id: str,
    ordered_at: str,
    amount: str,
    status: str,
    channel: str,
    loaded_at: str | None = None,
) -> Row:
    return {
        "order_id": order_id,
        "lead_id": lead_id,
        "ordered_at": ordered_at,
        "amount": amount,
        "currency": "USD",
        "status": status,
        "channel": channel,
        "_loaded_at": loaded_at or _loaded(ordered_at),
    }


LEADS: list[Row] = [
    # Invalid zone: falls back to GB's Europe/London (BST, UTC+1 in summer).
    lead(
        ACTIVE,
        "2026-01-15T09:00:00Z",
        phone="020 7946 0958",
        email="Active.Lead@Example.com",
        country="GB",
        timezone="Mars/Olympus",
        signup="web_form",
        utm_source="google",
        utm_medium="cpc",
    ),
    lead(
        DORMANT,
        "2026-03-02 08:00:00",
        phone="+1 (415) 555-0101",
        email="dormant@example.com",
        country="US",
        timezone="America/Los_Angeles",
        signup="web_form",
        utm_medium="email",
    ),
    # No zone: Japan's Asia/Tokyo (UTC+9).
    lead(
        AT_RISK,
        "2025-11-20T07:30:00+09:00",  # 2025-11-19 22:30 UTC
        phone="090-1234-5678",
        email="at.risk@example.jp",
        country="JP",
        timezone=None,
        signup="referral",
    ),
    # CDC: the later version (new zone and email) wins.
    lead(
        LOYAL,
        "2026-05-20T14:00:00-04:00",
        phone="(212) 555-0199",
        email="old.loyal@example.com",
        country="US",
        timezone="America/Chicago",
        signup="app",
        utm_source="facebook",
        utm_medium="cpc",
    ),
    lead(
        LOYAL,
        "2026-05-20T14:00:00-04:00",
        updated_at="2026-06-01T09:00:00Z",
        phone="(212) 555-0199",
        email="Loyal@Example.com",
        country="US",
        timezone="America/New_York",
        signup="app",
        utm_source="facebook",
        utm_medium="cpc",
    ),
    lead(
        NEW,
        "2026-06-20 09:15:00",
        phone="0151 23456789",
        email="neu@example.de",
        country="DE",
        timezone="Europe/Berlin",
        signup="web_form",
        utm_source="google",
        utm_medium="organic",
    ),
    lead(
        NEVER,
        "2026-01-05T12:00:00Z",
        phone="0412 345 678",
        email=None,
        country="AU",
        timezone="Australia/Sydney",
        signup="import",
    ),
    lead(
        SILENT,
        "2025-06-01T08:00:00Z",
        phone="06 12 34 56 78",
        email="silent@example.fr",
        country="FR",
        timezone="Europe/Paris",
        signup="web_form",
        utm_source="newsletter",
    ),
    lead(
        OPT_OUT,
        "2026-02-10T10:00:00Z",
        phone=None,
        email="optout@example.com",
        country="US",
        timezone="America/Chicago",
        signup="web_form",
        utm_medium="sms",
    ),
    lead(
        UNINSTALL,
        "2026-04-15T07:00:00Z",
        phone="+91 98765 43210",
        email=None,
        country="IN",
        timezone="Asia/Kolkata",
        signup="app",
        utm_source="instagram",
        utm_medium="social",
    ),
    lead(
        LOST,
        "2024-11-01T00:00:00Z",
        phone="416-555-0123",
        email="lost@example.ca",
        country="CA",
        timezone="America/Toronto",
        signup="offline_event",
    ),
    lead(
        EPISODIC,
        "2025-09-01T12:00:00Z",
        phone="(11) 91234-5678",
        email=None,
        country="BR",
        timezone="America/Sao_Paulo",
        signup="web_form",
        utm_source="tiktok",
        utm_medium="paid_social",
    ),
]

MESSAGE_EVENTS: list[Row] = [
    # hb_active: SMS reply with no lead id, matched by phone; an email open.
    msg(
        "me_a01", ACTIVE, "+44 20 7946 0958", "sms", "delivered", "2026-06-02T09:00:00Z", "nurture"
    ),
    msg(
        "me_a02",
        None,
        "0044 20 7946 0958",
        "sms",
        "replied",
        "2026-06-02T10:30:00+01:00",  # 09:30Z, Tue 10:30 local
        "nurture",
        body="Sounds good, call me",
    ),
    msg("me_a03", ACTIVE, "active.lead@example.com", "email", "delivered", "2026-06-10T08:00:00Z"),
    msg(
        "me_a04",
        ACTIVE,
        "active.lead@example.com",
        "email",
        "opened",
        "2026-06-10T19:00:00Z",
        "promo",
    ),
    # hb_dormant: an email click in May; a June SMS delivery matched by a bare phone.
    msg("me_d01", DORMANT, "dormant@example.com", "email", "delivered", "2026-05-10T15:00:00Z"),
    msg(
        "me_d02",
        DORMANT,
        "dormant@example.com",
        "email",
        "clicked",
        "2026-05-10T16:00:00Z",
        "nurture",
    ),
    msg("me_d03", None, "4155550101", "sms", "delivered", "2026-06-05T17:00:00Z", "promo"),
    # hb_at_risk: a push delivered and opened.
    msg("me_r01", AT_RISK, None, "push", "delivered", "2026-06-03T11:55:00Z", "reminder"),
    msg("me_r02", AT_RISK, None, "push", "opened", "2026-06-03T12:00:00Z", "reminder"),
    # hb_loyal: STOP on SMS (an opt-out, not a reply), then an email click by address only.
    msg("me_l01", LOYAL, "+12125550199", "sms", "delivered", "2026-06-24T16:00:00Z", "promo"),
    msg("me_l02", LOYAL, "+12125550199", "sms", "replied", "2026-06-25T13:00:00Z", body=" stop "),
    msg(
        "me_l03", LOYAL, "loyal@example.com", "email", "delivered", "2026-06-26T14:00:00Z", "promo"
    ),
    msg("me_l04", None, " Loyal@Example.com ", "email", "clicked", "2026-06-27T01:00:00Z", "promo"),
    # hb_never: exposure only.
    msg("me_n01", NEVER, "0412345678", "sms", "delivered", "2026-06-01T02:00:00Z", "promo"),
    msg("me_n02", NEVER, "+61412345678", "sms", "delivered", "2026-06-15T02:00:00Z", "promo"),
    msg("me_n03", NEVER, "+61412345678", "sms", "failed", "2026-06-20T02:00:00Z", "promo"),
    # hb_churn_silent: opened in March (delivery too), a click in Aug 2025, a June delivery.
    msg("me_s01", SILENT, "silent@example.fr", "email", "delivered", "2026-03-10T08:00:00Z"),
    msg(
        "me_s02", SILENT, "silent@example.fr", "email", "opened", "2026-03-10T09:00:00Z", "nurture"
    ),
    msg(
        "me_s03", SILENT, "silent@example.fr", "email", "clicked", "2025-08-15T12:00:00Z", "nurture"
    ),
    msg("me_s04", SILENT, "silent@example.fr", "email", "delivered", "2026-06-01T08:00:00Z"),
    # hb_churn_opt_out: email only; opens, clicks, then an opt_out_all request.
    msg("me_o01", OPT_OUT, "optout@example.com", "email", "delivered", "2026-05-28T19:00:00Z"),
    msg(
        "me_o02",
        OPT_OUT,
        "optout@example.com",
        "email",
        "opened",
        "2026-05-28T20:00:00Z",
        "nurture",
    ),
    msg("me_o03", OPT_OUT, "optout@example.com", "email", "delivered", "2026-06-03T12:00:00Z"),
    msg(
        "me_o04",
        OPT_OUT,
        "optout@example.com",
        "email",
        "clicked",
        "2026-06-03T13:00:00Z",
        "nurture",
    ),
    msg("me_o05", OPT_OUT, "optout@example.com", "email", "delivered", "2026-06-15T12:00:00Z"),
    # hb_churn_uninstall: an SMS delivered after the uninstall.
    msg("me_u01", UNINSTALL, "+919876543210", "sms", "delivered", "2026-06-20T06:00:00Z", "promo"),
    # hb_lost: one June delivery.
    msg("me_x01", LOST, "lost@example.ca", "email", "delivered", "2026-06-01T14:00:00Z"),
    # hb_episodic: reads WhatsApp promos, never replies.
    msg("me_e01", EPISODIC, "+5511912345678", "whatsapp", "delivered", "2026-05-09T13:50:00Z"),
    msg(
        "me_e02", EPISODIC, "+5511912345678", "whatsapp", "opened", "2026-05-09T14:00:00Z", "promo"
    ),
    msg("me_e03", EPISODIC, "+5511912345678", "whatsapp", "delivered", "2026-06-06T13:50:00Z"),
    msg(
        "me_e04", EPISODIC, "+5511912345678", "whatsapp", "opened", "2026-06-06T14:00:00Z", "promo"
    ),
    msg("me_e05", EPISODIC, "+5511912345678", "whatsapp", "delivered", "2026-06-13T13:50:00Z"),
    msg(
        "me_e06",
        EPISODIC,
        "+5511912345678",
        "whatsapp",
        "opened",
        "2026-06-13T14:00:00Z",
        "seasonal_promo",
    ),
    # ... the same open re-delivered a day later: a duplicate, counted once.
    msg(
        "me_e06",
        EPISODIC,
        "+5511912345678",
        "whatsapp",
        "opened",
        "2026-06-13T14:00:00Z",
        "seasonal_promo",
        loaded_at="2026-06-14 14:00:00",
    ),
    msg("me_e07", EPISODIC, "+5511912345678", "whatsapp", "delivered", "2026-06-20T13:50:00Z"),
    msg("me_e08", EPISODIC, "+5511912345678", "whatsapp", "delivered", "2026-06-27T22:50:00Z"),
    msg(
        "me_e09", EPISODIC, "+5511912345678", "whatsapp", "opened", "2026-06-27T23:00:00Z", "promo"
    ),
    # Reaches no lead: kept as unattributed, in no lead's numbers.
    msg("me_z01", None, "+1 202 555 0000", "sms", "replied", "2026-06-12T12:00:00Z", body="hi"),
]

APP_EVENTS: list[Row] = [
    # hb_active
    app("ae_a01", "dev-a1", ACTIVE, "app_installed", "2026-01-20T10:00:00Z"),
    app("ae_a02", "dev-a1", ACTIVE, "product_viewed", "2026-06-20T12:00:00Z"),
    app("ae_a03", "dev-a1", ACTIVE, "screen_viewed", "2026-06-20T12:10:00Z"),
    app("ae_a04", "dev-a1", ACTIVE, "screen_viewed", "2026-06-20T12:25:00Z"),
    app("ae_a05", "dev-a1", ACTIVE, "screen_viewed", "2026-06-20T12:40:00Z"),
    app("ae_a06", "dev-a1", ACTIVE, "app_opened", "2026-06-20T13:20:00Z"),  # 40 min later
    app("ae_a07", "dev-a1", ACTIVE, "product_viewed", "2026-06-22T21:00:00Z"),
    app("ae_a08", "dev-a1", ACTIVE, "product_viewed", "2026-06-25T23:30:00Z"),
    app("ae_a09", "dev-a1", ACTIVE, "added_to_cart", "2026-06-30T10:00:00Z"),
    # after the as-of day: ignored as of 2026-06-30
    app("ae_a10", "dev-a1", ACTIVE, "app_opened", "2026-07-01T05:00:00Z"),
    # hb_at_risk
    app("ae_r01", "dev-r1", AT_RISK, "app_installed", "2026-04-01T23:30:00Z"),
    app("ae_r02", "dev-r1", AT_RISK, "app_opened", "2026-05-05T03:00:00Z"),
    app("ae_r03", "dev-r1", AT_RISK, "product_viewed", "2026-05-12T10:00:00Z"),
    app("ae_r04", "dev-r1", AT_RISK, "app_opened", "2026-05-19T14:00:00Z"),
    app("ae_r05", "dev-r1", AT_RISK, "app_opened", "2026-05-26T01:00:00Z"),
    app("ae_r06", "dev-r1", AT_RISK, "chat_message_sent", "2026-06-10T05:00:00Z"),
    # hb_loyal
    app("ae_l01", "dev-l1", LOYAL, "app_installed", "2026-05-20T18:30:00Z"),
    app("ae_l02", "dev-l1", LOYAL, "product_viewed", "2026-06-29T12:00:00Z"),
    # hb_churn_uninstall: a device used anonymously, tied by a login on Apr 18.
    app("ae_u01", "dev-u9", None, "app_installed", "2026-04-16T04:00:00Z"),
    app("ae_u02", "dev-u9", None, "app_opened", "2026-04-16T04:20:00Z"),
    app("ae_u03", "dev-u9", UNINSTALL, "screen_viewed", "2026-04-18T05:00:00Z"),
    app("ae_u04", "dev-u9", None, "product_viewed", "2026-06-02T14:00:00Z"),
    app("ae_u05", "dev-u9", None, "added_to_cart", "2026-06-02T14:10:00Z"),
    app("ae_u06", "dev-u9", None, "product_viewed", "2026-06-05T20:00:00Z"),
    app("ae_u07", "dev-u9", UNINSTALL, "app_opened", "2026-06-10T06:00:00Z"),
    app("ae_u08", "dev-u9", None, "app_uninstalled", "2026-06-12T08:00:00Z"),
    # Reaches no lead.
    app("ae_z01", "dev-zz", None, "app_opened", "2026-06-12T08:00:00Z"),
]

WEB_EVENTS: list[Row] = [
    # hb_active
    web("we_a01", "ck-a1", ACTIVE, "page_viewed", "2026-05-20T13:00:00Z", IPHONE_UA),
    web("we_a02", "ck-a1", ACTIVE, "page_viewed", "2026-06-16T14:00:00Z", DESKTOP_UA),
    # hb_dormant
    web("we_d01", "ck-d1", DORMANT, "page_viewed", "2026-05-14T19:00:00-07:00", MAC_UA),
    web("we_d02", "ck-d1", DORMANT, "form_submitted", "2026-05-20T06:30:00Z", MAC_UA),
    # hb_loyal
    web("we_l01", "ck-l1", LOYAL, "page_viewed", "2026-05-21T23:30:00Z", ANDROID_UA),
    # hb_new: a cookie browsing before and after the sign-up form that ties it.
    web("we_n01", "ck-new", None, "page_viewed", "2026-06-20T09:00:00Z", DESKTOP_UA),
    web("we_n02", "ck-new", NEW, "form_submitted", "2026-06-20T09:10:00Z", DESKTOP_UA),
    web("we_n03", "ck-new", None, "page_viewed", "2026-06-23T16:30:00Z", DESKTOP_UA),
    # hb_churn_opt_out: one session from 23:50 UTC May 31 to 00:10 UTC Jun 1 (two UTC
    # days, one local Sunday evening in Chicago).
    web("we_o01", "ck-o1", OPT_OUT, "page_viewed", "2026-05-31T23:50:00Z", DESKTOP_UA),
    web("we_o02", "ck-o1", OPT_OUT, "page_viewed", "2026-06-01T00:10:00Z", DESKTOP_UA),
    # hb_churn_silent
    web("we_s01", "ck-s1", SILENT, "page_viewed", "2026-03-20T19:30:00Z", IPHONE_UA),
    # hb_lost
    web("we_x01", "ck-x1", LOST, "page_viewed", "2025-02-12T15:00:00Z", DESKTOP_UA),
]

CALLS: list[Row] = [
    # hb_active: answered outbound calls of 25 s (not engagement) and 40 s (engagement).
    call("ca_a01", ACTIVE, "+442079460958", "outbound", "answered", "2026-06-09T16:00:00Z", 25),
    call("ca_a02", None, "+44 20 7946 0958", "outbound", "answered", "2026-06-15T17:00:00Z", 40),
    # hb_never: an unanswered outbound call (exposure).
    call("ca_n01", NEVER, "+61 412 345 678", "outbound", "missed", "2026-06-16T03:00:00Z", 0),
    # hb_churn_silent: a missed inbound call (the lead acted).
    call("ca_s01", SILENT, "+33 6 12 34 56 78", "inbound", "missed", "2026-03-20T19:45:00Z", 0),
]

ORDERS: list[Row] = [
    # hb_active: ordered after the as-of day: ignored as of 2026-06-30.
    order("or_a01", ACTIVE, "2026-07-01T06:00:00Z", "50.00", "completed", "app"),
    # hb_dormant
    order("or_d01", DORMANT, "2026-05-20T06:40:00Z", "200.00", "completed", "web"),
    # hb_loyal: two completed orders; a third completed, then refunded (latest row wins).
    order("or_l01", LOYAL, "2026-06-05T16:00:00Z", "120.00", "completed", "app"),
    order("or_l02", LOYAL, "2026-06-10T01:00:00Z", "80.00", "completed", "web"),
    order(
        "or_l02",
        LOYAL,
        "2026-06-10T01:00:00Z",
        "80.00",
        "refunded",
        "web",
        loaded_at="2026-06-12 10:00:00",
    ),
    order("or_l03", LOYAL, "2026-06-20T15:00:00Z", "45.50", "completed", "store"),
    # hb_churn_silent
    order("or_s01", SILENT, "2025-08-15T12:30:00Z", "30.00", "completed", "store"),
]

PRIVACY_REQUESTS: list[Row] = [
    {
        "request_id": "pr_o01",
        "lead_id": OPT_OUT,
        "request_type": "opt_out_all",
        "requested_at": "2026-06-08T12:00:00Z",
        "_loaded_at": "2026-06-08 12:05:00",
    },
]

RAW_ROWS: dict[str, list[Row]] = {
    "leads": LEADS,
    "message_events": MESSAGE_EVENTS,
    "app_events": APP_EVENTS,
    "web_events": WEB_EVENTS,
    "calls": CALLS,
    "orders": ORDERS,
    "privacy_requests": PRIVACY_REQUESTS,
}


def load_raw(con: duckdb.DuckDBPyConnection) -> None:
    """Create the seven raw tables (the contract's DDL) and insert the rows."""
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    for table, columns in RAW_TABLES.items():
        con.execute(create_table_sql(table))
        names = list(columns)
        placeholders = ", ".join("?" for _ in names)
        rows = RAW_ROWS[table]
        for row in rows:
            assert set(row) == set(names), (table, set(row) ^ set(names))
        con.executemany(
            f"insert into {RAW_SCHEMA}.{table} ({', '.join(names)}) values ({placeholders})",
            [[row[name] for name in names] for row in rows],
        )
