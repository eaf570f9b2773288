"""marts.fct_lead_engagement computed in pandas from the raw tables and seeds.

The benchmark's second reference (issue 5): the same rules as the dbt models
(staging, identity, activity, segments, the mart), written the way a pandas
programmer would write them, so that its output can be compared with the mart
and its run time with the build. It reads `raw.*` with plain `select *` and
the seed CSVs; everything else happens in pandas and numpy.

Leads are handled as integer codes (their position in the staged leads), low
cardinality text as categoricals, and timestamps as naive UTC
`datetime64[us]`, like DuckDB's TIMESTAMP. Where DuckDB semantics differ from
pandas' defaults the code follows DuckDB and says so: `trim` strips spaces
only, `date_diff('second', ...)` counts second boundaries, `round` rounds
half away from zero, ORDER BY puts NULLs last, and `max_by` in the consent
model compares timestamps as DuckDB renders them as text.
"""

from __future__ import annotations

import datetime
import hashlib
import zoneinfo
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from leadpulse import paths
from leadpulse.contract import RAW_SCHEMA, RAW_TABLES

__all__ = ["MART_COLUMNS", "compute", "row_fingerprints"]

DAYPARTS = ["business_hours", "evening", "weekend", "night"]

# (column, dtype) in the mart's contract order (models/marts/leads YAML),
# dtypes as DuckDB's `.df()` returns them for the mart's column types.
MART_COLUMNS: list[tuple[str, str]] = [
    ("lead_id", "str"),
    ("as_of_date", "datetime64[us]"),
    ("first_engaged_at", "datetime64[us]"),
    ("last_engaged_at", "datetime64[us]"),
    ("days_since_last_engagement", "Int32"),
    ("lead_age_days", "int32"),
    *[(f"engaged_days_{w}", "int32") for w in ["7d", "30d", "90d", "prev_30d", "365d"]],
    *[(f"engagement_events_{w}", "int64") for w in ["7d", "30d", "90d", "prev_30d"]],
    *[
        (f"{c}_90d", "int64")
        for c in [
            "messages_delivered",
            "messages_opened",
            "messages_clicked",
            "messages_replied",
            "app_sessions",
            "app_screen_views",
            "mobile_web_page_views",
            "desktop_web_page_views",
            "forms_submitted",
            "chat_messages",
            "inbound_calls",
            "answered_calls",
            "call_seconds",
            "orders_completed",
        ]
    ],
    ("orders_completed_365d", "int64"),
    ("revenue_365d", "float64"),
    ("open_rate_90d", "float64"),
    ("click_rate_90d", "float64"),
    ("reply_rate_90d", "float64"),
    ("mobile_share_90d", "float64"),
    *[(f"{p}_share_90d", "float64") for p in ["business_hours", "evening", "night", "weekend"]],
    ("preferred_channel", "str"),
    ("preferred_daypart", "str"),
    ("avg_session_minutes_90d", "float64"),
    ("sessions_30d", "int64"),
    ("has_abandoned_cart", "bool"),
    ("is_high_intent", "bool"),
    ("registered_never_engaged", "bool"),
    ("promo_only_responder", "bool"),
    ("sms_opted_out", "bool"),
    ("email_unsubscribed", "bool"),
    ("is_contactable_sms", "bool"),
    ("is_contactable_email", "bool"),
    ("is_contactable_push", "bool"),
    ("acquisition_channel", "str"),
    ("engagement_score", "float64"),
    ("median_gap_days_90d", "float64"),
    ("activity_bursts_90d", "int32"),
    ("activity_segment", "str"),
    ("lifecycle_state", "str"),
    ("rfm_segment", "str"),
    ("r_score", "Int32"),
    ("f_score", "Int32"),
    ("m_score", "Int32"),
]

# RE2's \s (DuckDB) is ASCII whitespace; Python's \s is wider.
_NOT_AT_OR_SPACE = r"[^@\t\n\f\r ]"
_EMAIL_PATTERN = rf"{_NOT_AT_OR_SPACE}+@{_NOT_AT_OR_SPACE}+\.{_NOT_AT_OR_SPACE}+"
_E164_PATTERN = r"\+[1-9][0-9]{7,14}"
_CONTROL_CHARS = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]"
_US_PER_SECOND = 1_000_000
_EPOCH = np.datetime64("1970-01-01", "D")
# The start of time for device periods that have no start (the first owner).
_BEGINNING = np.datetime64("0001-01-01T00:00:00", "us")


# --------------------------------------------------------------------------- text and time


def _trim(s: pd.Series) -> pd.Series:
    """DuckDB trim(): spaces only."""
    return s.astype("str").str.strip(" ")


def _clean_id(s: pd.Series) -> pd.Series:
    """clean_id macro: trimmed, empty string as NULL."""
    s = _trim(s)
    return s.mask(s == "")


def _lower_trim(s: pd.Series) -> pd.Series:
    return _trim(s).str.lower()


def _parse_utc(raw: pd.Series) -> pd.Series:
    """parse_utc_timestamp macro: ISO-8601 text to naive UTC, NaT when unparseable.

    An offset ('Z', '+02:00', '-0500') converts to UTC; no offset reads as UTC.
    """
    parsed = pd.to_datetime(_trim(raw), format="ISO8601", utc=True, errors="coerce")
    return parsed.dt.tz_localize(None).astype("datetime64[us]")


def _timestamp_unusable(
    raw: pd.Series, parsed: pd.Series, loaded_at: pd.Series, project_vars: dict[str, Any]
) -> pd.Series:
    """timestamp_quarantine_reason is not NULL: missing, unparseable, implausible, future."""
    min_valid = pd.Timestamp(project_vars["min_valid_date"])
    skew = pd.Timedelta(hours=project_vars["max_future_skew_hours"])
    return (
        _clean_id(raw).isna()
        | parsed.isna()
        | (parsed < min_valid)
        | (parsed > loaded_at + skew).fillna(False)
    )


def _duckdb_text(ts: pd.Series) -> pd.Series:
    """A timestamp as DuckDB casts it to text: fractional seconds without trailing zeros."""
    base = ts.dt.strftime("%Y-%m-%d %H:%M:%S")
    micros = ts.dt.microsecond
    fraction = "." + micros.astype("int64").astype("str").str.zfill(6).str.rstrip("0")
    return (base + fraction.where(micros > 0, "")).where(ts.notna())


def _epoch_seconds(ts: pd.Series) -> np.ndarray:
    """Whole epoch seconds: date_diff('second', a, b) is the difference of these."""
    return ts.astype("datetime64[us]").to_numpy().astype("int64") // _US_PER_SECOND


def _epoch_days(ts: pd.Series) -> np.ndarray:
    """UTC day of a timestamp, as days since 1970-01-01 (cast(ts as date))."""
    return (ts.to_numpy().astype("datetime64[D]") - _EPOCH).astype("int64")


def _normalize_phone(raw: pd.Series, calling_code: pd.Series, trunk_prefix: pd.Series) -> pd.Series:
    """normalize_phone macro: E.164 or NULL; national numbers get the country's code."""
    raw = raw.astype("str")
    calling_code = calling_code.astype("str")
    trunk_prefix = trunk_prefix.astype("str")
    digits = raw.str.replace(r"[^0-9]", "", regex=True)
    candidate = "+" + calling_code + digits
    for trunk in trunk_prefix.dropna().unique():
        if trunk == "":
            continue
        national = (trunk_prefix == trunk) & digits.str.startswith(trunk).fillna(False)
        candidate = candidate.mask(national, "+" + calling_code + digits.str[len(trunk) :])
    candidate = candidate.mask(digits.str.startswith("00").fillna(False), "+" + digits.str[2:])
    candidate = candidate.mask(_trim(raw).str.startswith("+").fillna(False), "+" + digits)
    return candidate.where(candidate.str.fullmatch(_E164_PATTERN).fillna(False))


def _normalize_email(raw: pd.Series) -> pd.Series:
    """normalize_email macro: trimmed, lower-cased, NULL unless shaped like an address."""
    email = _lower_trim(raw)
    return email.where(email.str.fullmatch(_EMAIL_PATTERN).fillna(False))


def _device_type(user_agent: pd.Series) -> pd.Series:
    """device_type macro: mobile, desktop or unknown from a user agent."""
    agent = user_agent.astype("str").str.lower()
    mobile = agent.str.contains("mobi|iphone|ipad|android", regex=True).fillna(False)
    kind = np.where(_clean_id(user_agent).isna(), "unknown", np.where(mobile, "mobile", "desktop"))
    return pd.Series(kind, index=user_agent.index, dtype="str")


def _duckdb_round(values: pd.Series, digits: int) -> pd.Series:
    """DuckDB round() on a double: half away from zero (numpy rounds half to even)."""
    scale = 10.0**digits
    return np.sign(values) * np.floor(np.abs(values) * scale + 0.5) / scale


# --------------------------------------------------------------------------- staging


def row_fingerprints(raw: pd.DataFrame, table: str) -> pd.Series:
    """row_fingerprint macro: md5 of the raw columns as DuckDB casts them to text."""
    parts = []
    for column, column_type in RAW_TABLES[table].items():
        values = raw[column]
        if column_type == "timestamp":
            text = _duckdb_text(values)
        elif column_type == "boolean":
            text = values.map({True: "true", False: "false"})
        elif column_type == "integer":
            text = values.astype("Int64").astype("str")
        elif column_type.startswith("decimal"):
            text = values.map(lambda amount: f"{amount:.2f}", na_action="ignore")
        else:
            text = values
        parts.append(text.astype("str").fillna("<null>"))
    joined = parts[0].str.cat(parts[1:], sep="|")
    return joined.map(lambda row: hashlib.md5(row.encode("utf-8")).hexdigest())


def _keep_first_copy(
    raw: pd.DataFrame,
    staged: pd.DataFrame,
    table: str,
    key: str,
    order_by: Sequence[str],
    ascending: Sequence[bool],
) -> pd.DataFrame:
    """dedup_rank + row_status: the usable row kept per key (staged holds usable rows only).

    Most keys have one copy: only the others are sorted. Rows that tie on
    the key and every ordering column are told apart by the row fingerprint,
    computed only for them (usually exact re-deliveries).
    """
    copies = staged.duplicated(subset=key, keep=False).to_numpy()
    repeated = staged[copies]
    sort_columns = [key, *order_by]
    tied = repeated.duplicated(subset=sort_columns, keep=False)
    fingerprint = pd.Series("", index=repeated.index, dtype="str")
    if tied.any():
        fingerprint[tied] = row_fingerprints(raw.loc[repeated.index[tied]], table)
    kept = (
        repeated.assign(_fingerprint=fingerprint)
        .sort_values(
            [*sort_columns, "_fingerprint"],
            ascending=[True, *ascending, True],
            na_position="last",
            kind="stable",
        )
        .drop_duplicates(subset=key, keep="first")
        .drop(columns="_fingerprint")
    )
    return pd.concat([staged[~copies], kept]).sort_index()


def _known_type(event_type: pd.Series, catalog: pd.DataFrame, table: str) -> pd.Series:
    known = catalog.loc[catalog["source_table"] == table, "event_type"]
    return event_type.isin(known)


def _stage_leads(raw: pd.DataFrame, countries: pd.DataFrame, v: dict[str, Any]) -> pd.DataFrame:
    """base_crm__leads / stg_crm__leads: typed, time zone resolved, latest version per lead."""
    country_code = _trim(raw["country_code"]).str.upper()
    country = countries.set_index("country_code").reindex(country_code)
    country.index = raw.index
    timezone_raw = _clean_id(raw["timezone"])
    # pg_timezone_names() in the model; the same IANA names here.
    valid_timezone = timezone_raw.isin(_timezone_names())
    timezone = timezone_raw.where(
        valid_timezone, country["main_timezone"].fillna(v["default_timezone"])
    )
    staged = pd.DataFrame(
        {
            "lead_id": _clean_id(raw["lead_id"]),
            "created_at": _parse_utc(raw["created_at"]),
            "updated_at": _parse_utc(raw["updated_at"]),
            "phone_e164": _normalize_phone(
                raw["phone"], country["calling_code"], country["trunk_prefix"]
            ),
            "email": _normalize_email(raw["email"]),
            "timezone": timezone,
            "utm_source": _clean_id(raw["utm_source"]).str.lower(),
            "utm_medium": _clean_id(raw["utm_medium"]).str.lower(),
            "signup_channel": _clean_id(raw["signup_channel"]).str.lower(),
            "is_deleted": raw["is_deleted"].astype("boolean").fillna(False).astype(bool),
            "_loaded_at": raw["_loaded_at"],
        }
    )
    unusable = staged["lead_id"].isna() | _timestamp_unusable(
        raw["created_at"], staged["created_at"], raw["_loaded_at"], v
    )
    staged = staged[~unusable]
    staged = staged.assign(_version_at=staged["updated_at"].fillna(staged["created_at"]))
    kept = _keep_first_copy(
        raw, staged, "leads", "lead_id", ["_version_at", "_loaded_at"], [False, False]
    )
    return kept.drop(columns="_version_at").sort_values("lead_id").reset_index(drop=True)


def _stage_messages(
    raw: pd.DataFrame, catalog: pd.DataFrame, us: pd.Series, v: dict[str, Any]
) -> pd.DataFrame:
    """stg_messaging__message_events: addresses normalised, keywords, first copy per event."""
    address = raw["address"].astype("str")
    is_phone_like = ~address.str.contains("@", regex=False).fillna(True)
    phone = _normalize_phone(
        address,
        pd.Series(us["calling_code"], index=raw.index, dtype="str"),
        pd.Series(us["trunk_prefix"], index=raw.index, dtype="str"),
    ).where(is_phone_like)
    keyword = (
        raw["body"].astype("str").str.replace(_CONTROL_CHARS, "", regex=True).str.strip(" ")
    ).str.upper()
    staged = pd.DataFrame(
        {
            "event_id": _clean_id(raw["event_id"]),
            "message_id": _clean_id(raw["message_id"]),
            "lead_id": _clean_id(raw["lead_id"]),
            "address_email": _normalize_email(address),
            "address_phone_e164": phone,
            "channel": _lower_trim(raw["channel"]),
            "direction": _lower_trim(raw["direction"]),
            "event_type": _lower_trim(raw["event_type"]),
            "occurred_at": _parse_utc(raw["occurred_at"]),
            "campaign_type": _lower_trim(raw["campaign_type"]),
            "is_opt_out_keyword": keyword.isin(v["opt_out_keywords"]).to_numpy(bool),
            "is_opt_in_keyword": keyword.isin(v["opt_in_keywords"]).to_numpy(bool),
            "_loaded_at": raw["_loaded_at"],
        },
        index=raw.index,
    )
    unusable = (
        staged["event_id"].isna()
        | (
            staged["lead_id"].isna()
            & staged["address_email"].isna()
            & staged["address_phone_e164"].isna()
        )
        | _timestamp_unusable(raw["occurred_at"], staged["occurred_at"], raw["_loaded_at"], v)
        | ~staged["channel"].isin(v["message_channels"])
        | ~staged["direction"].isin(["outbound", "inbound"])
        | ~_known_type(staged["event_type"], catalog, "message_events")
    )
    return _keep_first_copy(
        raw, staged[~unusable], "message_events", "event_id", ["_loaded_at"], [True]
    )


def _stage_app_or_web(
    raw: pd.DataFrame, catalog: pd.DataFrame, table: str, v: dict[str, Any]
) -> pd.DataFrame:
    """stg_app__events / stg_web__events: ids, type, UTC time (and web device type)."""
    staged = pd.DataFrame(
        {
            "event_id": _clean_id(raw["event_id"]),
            "anonymous_id": _clean_id(raw["anonymous_id"]),
            "user_id": _clean_id(raw["user_id"]),
            "event_type": _lower_trim(raw["event_name"]),
            "occurred_at": _parse_utc(raw["occurred_at"]),
            "_loaded_at": raw["_loaded_at"],
        },
        index=raw.index,
    )
    if table == "web_events":
        staged["device_type"] = _device_type(raw["user_agent"])
    unusable = (
        staged["event_id"].isna()
        | (staged["anonymous_id"].isna() & staged["user_id"].isna())
        | _timestamp_unusable(raw["occurred_at"], staged["occurred_at"], raw["_loaded_at"], v)
        | ~_known_type(staged["event_type"], catalog, table)
    )
    return _keep_first_copy(raw, staged[~unusable], table, "event_id", ["_loaded_at"], [True])


def _stage_calls(
    raw: pd.DataFrame, catalog: pd.DataFrame, us: pd.Series, v: dict[str, Any]
) -> pd.DataFrame:
    """stg_telephony__calls: typed <direction>_<status>, phone as E.164."""
    direction = _lower_trim(raw["direction"])
    staged = pd.DataFrame(
        {
            "call_id": _clean_id(raw["call_id"]),
            "lead_id": _clean_id(raw["lead_id"]),
            "phone_e164": _normalize_phone(
                raw["phone"],
                pd.Series(us["calling_code"], index=raw.index, dtype="str"),
                pd.Series(us["trunk_prefix"], index=raw.index, dtype="str"),
            ),
            "direction": direction,
            "event_type": direction + "_" + _lower_trim(raw["status"]),
            "started_at": _parse_utc(raw["started_at"]),
            "duration_seconds": raw["duration_seconds"].astype("Int64"),
            "_loaded_at": raw["_loaded_at"],
        },
        index=raw.index,
    )
    unusable = (
        staged["call_id"].isna()
        | (staged["lead_id"].isna() & staged["phone_e164"].isna())
        | _timestamp_unusable(raw["started_at"], staged["started_at"], raw["_loaded_at"], v)
        | (staged["duration_seconds"] < 0).fillna(False)
        | ~_known_type(staged["event_type"], catalog, "calls")
    )
    return _keep_first_copy(raw, staged[~unusable], "calls", "call_id", ["_loaded_at"], [True])


def _stage_orders(raw: pd.DataFrame, catalog: pd.DataFrame, v: dict[str, Any]) -> pd.DataFrame:
    """stg_commerce__orders: an order's latest row is its status."""
    amount = raw["amount"].astype("float64")
    staged = pd.DataFrame(
        {
            "order_id": _clean_id(raw["order_id"]),
            "lead_id": _clean_id(raw["lead_id"]),
            "ordered_at": _parse_utc(raw["ordered_at"]),
            # decimal(18, 2) as whole cents: sums stay exact.
            "amount_cents": np.round(amount * 100).astype("Int64"),
            "status": _lower_trim(raw["status"]),
            "channel": _clean_id(raw["channel"]).str.lower(),
            "_loaded_at": raw["_loaded_at"],
        },
        index=raw.index,
    )
    unusable = (
        staged["order_id"].isna()
        | staged["lead_id"].isna()
        | _timestamp_unusable(raw["ordered_at"], staged["ordered_at"], raw["_loaded_at"], v)
        | amount.isna()
        | (amount < 0)
        | ~_known_type(staged["status"], catalog, "orders")
    )
    return _keep_first_copy(raw, staged[~unusable], "orders", "order_id", ["_loaded_at"], [False])


def _stage_privacy_requests(
    raw: pd.DataFrame, catalog: pd.DataFrame, v: dict[str, Any]
) -> pd.DataFrame:
    """stg_crm__privacy_requests."""
    staged = pd.DataFrame(
        {
            "request_id": _clean_id(raw["request_id"]),
            "lead_id": _clean_id(raw["lead_id"]),
            "request_type": _lower_trim(raw["request_type"]),
            "requested_at": _parse_utc(raw["requested_at"]),
            "_loaded_at": raw["_loaded_at"],
        },
        index=raw.index,
    )
    unusable = (
        staged["request_id"].isna()
        | staged["lead_id"].isna()
        | _timestamp_unusable(raw["requested_at"], staged["requested_at"], raw["_loaded_at"], v)
        | ~_known_type(staged["request_type"], catalog, "privacy_requests")
    )
    return _keep_first_copy(
        raw, staged[~unusable], "privacy_requests", "request_id", ["_loaded_at"], [True]
    )


# --------------------------------------------------------------------------- identity


def _contact_owners(leads: pd.DataFrame, column: str) -> pd.Series:
    """int_lead_contacts_mapped: contact value -> lead code of its owner.

    A shared phone or email reaches the most recently updated lead only.
    """
    live = leads[leads[column].notna() & ~leads["is_deleted"]]
    ranked = live.assign(
        _version_at=live["updated_at"].fillna(live["created_at"]), _code=live.index
    ).sort_values(
        [column, "_version_at", "created_at", "lead_id"],
        ascending=[True, False, False, True],
        na_position="last",
    )
    owners = ranked.drop_duplicates(subset=column, keep="first")
    return pd.Series(owners["_code"].to_numpy(), index=owners[column].to_numpy())


def _device_periods(events: pd.DataFrame, known: np.ndarray) -> pd.DataFrame:
    """int_device_leads_mapped for one device source: who owns a device when.

    Every event with both ids ties the device to a (live) lead; a new period
    starts where the device changes hands, and the first owner also owns the
    events before its first login.
    """
    tied = events["anonymous_id"].notna().to_numpy() & (known >= 0)
    ties = pd.DataFrame(
        {
            "anonymous_id": events["anonymous_id"].to_numpy()[tied],
            "occurred_at": events["occurred_at"].to_numpy()[tied],
            "lead_code": known[tied],
        }
    )
    # Lead codes sort like lead ids: the models' tie-break on lead_id.
    ties = ties.sort_values(["anonymous_id", "occurred_at", "lead_code"])
    previous = ties.groupby("anonymous_id", sort=False)["lead_code"].shift()
    handovers = ties[previous.isna() | (previous != ties["lead_code"])]
    period_number = handovers.groupby("anonymous_id", sort=False).cumcount() + 1
    return pd.DataFrame(
        {
            "anonymous_id": handovers["anonymous_id"].to_numpy(),
            "lead_code": handovers["lead_code"].to_numpy(),
            "period_number": period_number.to_numpy(),
            "valid_from": handovers["occurred_at"].where(period_number > 1).to_numpy(),
        }
    )


def _attribute_devices(
    events: pd.DataFrame, known: np.ndarray, periods: pd.DataFrame
) -> np.ndarray:
    """App or web events: own user id, else the device period covering the event.

    Periods of a device are back to back, so the period covering an event is
    the last one starting at or before it (merge_asof).
    """
    lead_code = known.copy()
    anonymous = (known < 0) & events["anonymous_id"].notna().to_numpy()
    if not anonymous.any() or periods.empty:
        return lead_code
    left = pd.DataFrame(
        {
            "row": np.flatnonzero(anonymous),
            "anonymous_id": events["anonymous_id"].to_numpy()[anonymous],
            "occurred_at": events["occurred_at"].to_numpy()[anonymous],
        }
    ).sort_values("occurred_at")
    right = periods.assign(
        starts_at=periods["valid_from"].fillna(pd.Timestamp(_BEGINNING)).astype("datetime64[us]")
    ).sort_values(["starts_at", "period_number"])[["anonymous_id", "starts_at", "lead_code"]]
    matched = pd.merge_asof(
        left,
        right,
        left_on="occurred_at",
        right_on="starts_at",
        by="anonymous_id",
        direction="backward",
    )
    found = matched["lead_code"].notna().to_numpy()
    lead_code[matched["row"].to_numpy()[found]] = matched["lead_code"].to_numpy()[found]
    return lead_code


# --------------------------------------------------------------------------- events


def _event_frame(
    source_table: str,
    lead_code: np.ndarray,
    event_type: pd.Series,
    occurred_at: pd.Series,
    channel: pd.Series | str,
    **columns: Any,
) -> pd.DataFrame:
    """One source's attributed events, in the shape of int_events_attributed."""
    frame = pd.DataFrame(
        {
            "lead_code": lead_code,
            "event_type": event_type.to_numpy(),
            "occurred_at": occurred_at.to_numpy(),
            "channel": channel.to_numpy() if isinstance(channel, pd.Series) else channel,
        }
    )
    for name, values in columns.items():
        frame[name] = values.to_numpy() if isinstance(values, pd.Series) else values
    frame["source_table"] = source_table
    return frame[frame["lead_code"] >= 0]


def _attributed_events(
    leads: pd.DataFrame,
    messages: pd.DataFrame,
    app: pd.DataFrame,
    web: pd.DataFrame,
    calls: pd.DataFrame,
    orders: pd.DataFrame,
    privacy: pd.DataFrame,
) -> pd.DataFrame:
    """int_events_attributed restricted to events that reach a lead (lead codes)."""
    live_ids = pd.Index(leads.loc[~leads["is_deleted"], "lead_id"])
    live_codes = leads.index[~leads["is_deleted"]].to_numpy()

    def known(ids: pd.Series) -> np.ndarray:
        position = live_ids.get_indexer(ids)
        return np.where(position >= 0, live_codes[position], -1)

    phones = _contact_owners(leads, "phone_e164")
    emails = _contact_owners(leads, "email")

    def owner(values: pd.Series, owners: pd.Series) -> np.ndarray:
        position = pd.Index(owners.index).get_indexer(values)
        return np.where(position >= 0, owners.to_numpy()[np.maximum(position, 0)], -1)

    # Messages: own id, then phone, then email. Repeat opens or clicks of one
    # message count once in rates (over every staged message, attributed or not).
    message_lead = known(messages["lead_id"])
    for owners, column in [(phones, "address_phone_e164"), (emails, "address_email")]:
        message_lead = np.where(message_lead >= 0, message_lead, owner(messages[column], owners))
    # row_number() over (message, type order by occurred_at, event_id) = 1:
    # the earliest row, the smallest event id among rows at that instant.
    by_message = [messages["message_id"].fillna(messages["event_id"]), messages["event_type"]]
    earliest = messages["occurred_at"] == messages.groupby(by_message)["occurred_at"].transform(
        "min"
    )
    first_id = messages["event_id"].where(earliest).groupby(by_message).transform("min")
    first_of_type = messages["event_id"] == first_id
    frames = [
        _event_frame(
            "message_events",
            message_lead,
            messages["event_type"],
            messages["occurred_at"],
            messages["channel"],
            direction=messages["direction"],
            campaign_type=messages["campaign_type"],
            is_opt_out_keyword=messages["is_opt_out_keyword"],
            is_opt_in_keyword=messages["is_opt_in_keyword"],
            is_first_of_type=first_of_type,
        )
    ]

    for table, events, channel in [("app_events", app, "app"), ("web_events", web, "web")]:
        own = known(events["user_id"])
        lead_code = _attribute_devices(events, own, _device_periods(events, own))
        frames.append(
            _event_frame(
                table,
                lead_code,
                events["event_type"],
                events["occurred_at"],
                channel,
                device_type=events["device_type"] if table == "web_events" else "app",
            )
        )

    call_lead = known(calls["lead_id"])
    call_lead = np.where(call_lead >= 0, call_lead, owner(calls["phone_e164"], phones))
    frames.append(
        _event_frame(
            "calls",
            call_lead,
            calls["event_type"],
            calls["started_at"],
            "call",
            direction=calls["direction"],
            duration_seconds=calls["duration_seconds"],
        )
    )

    # Orders count on the channel they were placed through.
    order_channel = orders["channel"].mask(orders["channel"] == "phone", "call").fillna("store")
    frames.append(
        _event_frame(
            "orders",
            known(orders["lead_id"]),
            orders["status"],
            orders["ordered_at"],
            order_channel,
            revenue_cents=orders["amount_cents"],
        )
    )
    frames.append(
        _event_frame(
            "privacy_requests",
            known(privacy["lead_id"]),
            privacy["request_type"],
            privacy["requested_at"],
            "privacy",
        )
    )

    events = pd.concat(frames, ignore_index=True)
    defaults = {"is_opt_out_keyword": False, "is_opt_in_keyword": False, "is_first_of_type": True}
    for column, default in defaults.items():
        events[column] = events[column].astype("boolean").fillna(default).astype(bool)
    for column in ["source_table", "event_type", "channel", "direction", "device_type"]:
        events[column] = events[column].astype("category")
    events["campaign_type"] = events["campaign_type"].astype("str")
    events["duration_seconds"] = events["duration_seconds"].astype("Int64")
    events["revenue_cents"] = events["revenue_cents"].astype("Int64")
    events["occurred_at"] = events["occurred_at"].astype("datetime64[us]")
    return events


def _local_time(occurred_at: pd.Series, lead_code: pd.Series, timezone: pd.Series) -> pd.Series:
    """to_local_timestamp macro: UTC to the wall-clock time of each lead's zone.

    timezone holds each lead's zone by lead code; events are converted one
    zone at a time.
    """
    utc = occurred_at.astype("datetime64[us]").to_numpy()
    local = np.empty_like(utc)
    lead_zone_codes, zones = pd.factorize(timezone)
    zone_codes = lead_zone_codes[lead_code.to_numpy()]
    for code, zone in enumerate(zones):
        rows = np.flatnonzero(zone_codes == code)
        local[rows] = (
            pd.DatetimeIndex(utc[rows]).tz_localize("UTC").tz_convert(zone).tz_localize(None)
        ).to_numpy()
    return pd.Series(local, index=occurred_at.index)


def _classified_events(
    events: pd.DataFrame, leads: pd.DataFrame, catalog: pd.DataFrame, v: dict[str, Any]
) -> pd.DataFrame:
    """int_lead_events_unioned: catalog meaning, engagement, mobile, weight, daypart."""
    # The inner join to the catalog, as a lookup of each event's catalog row.
    catalog_row = pd.MultiIndex.from_frame(catalog[["source_table", "event_type"]]).get_indexer(
        pd.MultiIndex.from_arrays([events["source_table"], events["event_type"]])
    )
    in_catalog = catalog_row >= 0
    events = events[in_catalog].reset_index(drop=True)
    meaning = catalog.iloc[catalog_row[in_catalog]].reset_index(drop=True)
    events = pd.concat([events, meaning.drop(columns=["source_table", "event_type"])], axis=1)
    source = events["source_table"]
    event_type = events["event_type"]
    channel = events["channel"]
    is_opt_out = (event_type == "opt_out") | events["is_opt_out_keyword"]
    short_outbound_call = (
        (source == "calls")
        & (events["direction"] == "outbound")
        & (events["duration_seconds"].fillna(0) < v["min_answered_call_seconds"])
    )
    is_engagement = (
        events["catalog_is_engagement"] & ~events["is_opt_out_keyword"] & ~short_outbound_call
    ).astype(bool)
    mobile_by_row = np.select(
        [source == "message_events", source == "web_events", source == "orders"],
        [channel != "email", events["device_type"] == "mobile", channel == "app"],
        default=False,
    )
    is_mobile = events["catalog_is_mobile"].fillna(pd.Series(mobile_by_row, index=events.index))
    local = _local_time(events["occurred_at"], events["lead_code"], leads["timezone"])
    hour = local.dt.hour
    daypart = np.select(
        [
            (hour >= v["daypart_night_start_hour"]) | (hour < v["daypart_day_start_hour"]),
            local.dt.day_of_week + 1 >= 6,
            hour < v["daypart_evening_start_hour"],
        ],
        ["night", "weekend", "business_hours"],
        default="evening",
    )
    return pd.DataFrame(
        {
            "lead_code": events["lead_code"],
            "source_table": source,
            "event_type": event_type,
            "channel": channel,
            "direction": events["direction"],
            "device_type": events["device_type"],
            "depth": np.where(is_opt_out, "consent", events["catalog_depth"]),
            "is_engagement": is_engagement.astype(bool),
            "is_mobile": is_mobile.astype(bool),
            "weight": np.where(is_engagement, events["catalog_weight"], 0),
            "is_promo_campaign": events["campaign_type"].isin(v["promo_campaign_types"]),
            "duration_seconds": events["duration_seconds"],
            "revenue_cents": events["revenue_cents"],
            "is_opt_out": is_opt_out.astype(bool),
            "is_opt_in": ((event_type == "opt_in") | events["is_opt_in_keyword"]).astype(bool),
            "is_first_of_type": events["is_first_of_type"],
            "occurred_at": events["occurred_at"],
            "activity_day": _epoch_days(events["occurred_at"]),
            "daypart": pd.Categorical(daypart, categories=DAYPARTS),
        }
    )


# --------------------------------------------------------------------------- activity


def _sessions(events: pd.DataFrame, v: dict[str, Any]) -> pd.DataFrame:
    """int_lead_sessions_grouped: app and web engagement split at inactivity gaps."""
    stream = events.loc[
        events["source_table"].isin(["app_events", "web_events"]) & events["is_engagement"],
        ["lead_code", "source_table", "occurred_at"],
    ].sort_values(["lead_code", "occurred_at"], kind="stable")
    seconds = _epoch_seconds(stream["occurred_at"])
    lead_code = stream["lead_code"].to_numpy()
    new_lead = np.r_[True, lead_code[1:] != lead_code[:-1]]
    gap = np.r_[0, np.diff(seconds)]
    starts = new_lead | (gap > v["session_inactivity_minutes"] * 60)
    stream = stream.assign(
        session=np.cumsum(starts),
        seconds=seconds,
        is_app=(stream["source_table"] == "app_events").to_numpy(),
    )
    sessions = stream.groupby("session", sort=False).agg(
        lead_code=("lead_code", "first"),
        started_at=("occurred_at", "min"),
        first_second=("seconds", "min"),
        last_second=("seconds", "max"),
        is_app_session=("is_app", "any"),
    )
    return pd.DataFrame(
        {
            "lead_code": sessions["lead_code"].to_numpy(),
            "activity_day": _epoch_days(sessions["started_at"]),
            "session_minutes": (sessions["last_second"] - sessions["first_second"]).to_numpy()
            / 60.0,
            "is_app_session": sessions["is_app_session"].to_numpy(),
        }
    )


def _lead_days(events: pd.DataFrame, sessions: pd.DataFrame, v: dict[str, Any]) -> pd.DataFrame:
    """int_lead_days_aggregated: one row per lead and UTC day with events."""
    source = events["source_table"]
    event_type = events["event_type"]
    channel = events["channel"]
    engaged = events["is_engagement"]
    message = source == "message_events"
    call = source == "calls"
    order_completed = (source == "orders") & (event_type == "completed")
    # event_type like '%_answered' ('_' is any one character in LIKE).
    answered_types = [
        name
        for name in event_type.cat.categories
        if name.endswith("answered") and len(name) > len("answered")
    ]
    answered = call & event_type.isin(answered_types)
    first = events["is_first_of_type"]
    counts: dict[str, pd.Series] = {
        "engagement_events": engaged,
        "non_passive_engagements": engaged & (events["depth"] != "passive"),
        "mobile_engagements": engaged & events["is_mobile"],
        **{f"{part}_engagements": engaged & (events["daypart"] == part) for part in DAYPARTS},
        **{
            f"{name}_engagements": engaged & (channel == name)
            for name in [*v["message_channels"], "app", "web", "call", "store"]
        },
        **{
            f"{name}_delivered": message & (event_type == "delivered") & (channel == name)
            for name in v["message_channels"]
        },
        "messages_delivered": message & (event_type == "delivered") & first,
        "messages_opened": message & (event_type == "opened") & first,
        "messages_clicked": message & (event_type == "clicked") & first,
        "messages_replied": message & (event_type == "replied") & engaged & first,
        "message_responses": message & engaged,
        "promo_responses": message & engaged & events["is_promo_campaign"],
        "app_screen_views": event_type == "screen_viewed",
        "product_views": event_type == "product_viewed",
        "mobile_web_page_views": (event_type == "page_viewed")
        & (events["device_type"] == "mobile"),
        "desktop_web_page_views": (event_type == "page_viewed")
        & (events["device_type"] == "desktop"),
        "forms_submitted": event_type == "form_submitted",
        "chat_messages": event_type.isin(["chat_message_sent", "chat_started"]),
        "inbound_calls": call & (events["direction"] == "inbound"),
        "answered_calls": answered,
        "orders_completed": order_completed,
    }
    frame = pd.DataFrame({name: mask.to_numpy(np.int64) for name, mask in counts.items()})
    frame["lead_code"] = events["lead_code"].to_numpy()
    frame["activity_day"] = events["activity_day"].to_numpy()
    frame["engagement_weight"] = events["weight"].to_numpy(np.int64)
    frame["call_seconds"] = np.where(
        answered, events["duration_seconds"].fillna(0).to_numpy(np.int64), 0
    )
    frame["revenue_cents"] = np.where(
        order_completed, events["revenue_cents"].fillna(0).to_numpy(np.int64), 0
    )
    occurred = events["occurred_at"]
    frame["last_cart_added_at"] = occurred.where(event_type == "added_to_cart").to_numpy()
    frame["last_order_at"] = occurred.where(
        (event_type == "order_completed") | order_completed
    ).to_numpy()
    frame["first_engaged_at"] = occurred.where(engaged).to_numpy()
    frame["last_engaged_at"] = frame["first_engaged_at"]
    aggregations = {
        name: "sum" for name in frame.columns if name not in ("lead_code", "activity_day")
    }
    aggregations |= {
        "last_cart_added_at": "max",
        "last_order_at": "max",
        "first_engaged_at": "min",
        "last_engaged_at": "max",
    }
    days = frame.groupby(["lead_code", "activity_day"], sort=False).agg(aggregations)
    daily_sessions = sessions.groupby(["lead_code", "activity_day"], sort=False).agg(
        sessions=("session_minutes", "size"),
        app_sessions=("is_app_session", "sum"),
        session_minutes=("session_minutes", "sum"),
    )
    days = days.join(daily_sessions, how="left")
    days[["sessions", "app_sessions"]] = (
        days[["sessions", "app_sessions"]].fillna(0).astype(np.int64)
    )
    days["session_minutes"] = days["session_minutes"].fillna(0.0)
    days["is_engaged"] = days["engagement_events"] > 0
    return days.reset_index()


def _consents(events: pd.DataFrame, leads: pd.DataFrame, v: dict[str, Any]) -> pd.DataFrame:
    """int_lead_consents_resolved: latest opt-out/in per channel, app presence (by lead code)."""
    channels = v["message_channels"]
    event_type = events["event_type"]
    opt_out_all = event_type == "opt_out_all"
    is_app = events["source_table"] == "app_events"
    signals = events[events["is_opt_out"] | events["is_opt_in"] | opt_out_all | is_app]
    consent_rows = signals[signals["is_opt_out"] | signals["is_opt_in"]]
    all_rows = signals[signals["event_type"] == "opt_out_all"]
    channel_signals = pd.concat(
        [
            pd.DataFrame(
                {
                    "lead_code": consent_rows["lead_code"].to_numpy(),
                    "channel": consent_rows["channel"].astype("str").to_numpy(),
                    "is_opt_out": consent_rows["is_opt_out"].to_numpy(),
                    "occurred_at": consent_rows["occurred_at"].to_numpy(),
                }
            ),
            *[
                pd.DataFrame(
                    {
                        "lead_code": all_rows["lead_code"].to_numpy(),
                        "channel": channel,
                        "is_opt_out": True,
                        "occurred_at": all_rows["occurred_at"].to_numpy(),
                    }
                )
                for channel in channels
            ],
        ],
        ignore_index=True,
    )
    # max_by(is_opt_out, cast(occurred_at as varchar) || '1' or '0'): the
    # latest signal wins, an opt-out wins a tie, compared as DuckDB's text.
    channel_signals["order_key"] = _duckdb_text(channel_signals["occurred_at"]) + np.where(
        channel_signals["is_opt_out"], "1", "0"
    )
    latest = (
        channel_signals.sort_values("order_key")
        .drop_duplicates(subset=["lead_code", "channel"], keep="last")
        .set_index(["lead_code", "channel"])["is_opt_out"]
    )
    last_opted_out_at = (
        channel_signals[channel_signals["is_opt_out"]]
        .groupby(["lead_code", "channel"])["occurred_at"]
        .max()
    )
    occurred = signals["occurred_at"]
    per_lead = (
        pd.DataFrame(
            {
                "lead_code": signals["lead_code"],
                "opt_out_all_at": occurred.where(signals["event_type"] == "opt_out_all"),
                "last_uninstalled_at": occurred.where(signals["event_type"] == "app_uninstalled"),
                "last_app_seen_at": occurred.where(
                    (signals["source_table"] == "app_events")
                    & (signals["event_type"] != "app_uninstalled")
                ),
            }
        )
        .groupby("lead_code")
        .max()
    )
    consents = pd.DataFrame(index=pd.RangeIndex(len(leads), name="lead_code"))
    consents = consents.join(per_lead)
    opted_out = latest.unstack("channel").reindex(index=consents.index, columns=channels)
    opted_out_at = last_opted_out_at.unstack("channel").reindex(
        index=consents.index, columns=channels
    )
    for channel in channels:
        consents[f"{channel}_opted_out"] = (
            opted_out[channel].astype("boolean").fillna(False).astype(bool)
        )
        consents[f"{channel}_opted_out_at"] = pd.to_datetime(opted_out_at[channel]).astype(
            "datetime64[us]"
        )
    return consents


def _contactability(
    leads: pd.DataFrame, consents: pd.DataFrame, days: pd.DataFrame, v: dict[str, Any]
) -> pd.DataFrame:
    """int_lead_contactability_resolved: opt-outs, reachability, churn signal (by lead code)."""
    channels = v["message_channels"]
    delivered = (
        days.groupby("lead_code")[[f"{c}_delivered" for c in channels]]
        .sum()
        .reindex(consents.index, fill_value=0)
    )
    reached = pd.DataFrame({c: delivered[f"{c}_delivered"] > 0 for c in channels})
    opted_out = pd.DataFrame({c: consents[f"{c}_opted_out"] for c in channels})
    opted_out_at = pd.DataFrame({c: consents[f"{c}_opted_out_at"] for c in channels})
    # Opted out on every channel it was reachable on: a churn signal from the
    # last of those opt-outs.
    all_reached_out = reached.any(axis=1) & (opted_out | ~reached).all(axis=1)
    all_reached_signal = opted_out_at.where(reached).max(axis=1).where(all_reached_out)
    churn_signal_at = pd.concat(
        [consents["opt_out_all_at"], consents["last_uninstalled_at"], all_reached_signal], axis=1
    ).max(axis=1)
    has_phone = leads["phone_e164"].notna().to_numpy()
    has_email = leads["email"].notna().to_numpy()
    no_opt_out_all = consents["opt_out_all_at"].isna()
    app_present = consents["last_app_seen_at"].notna() & (
        consents["last_uninstalled_at"].isna()
        | (consents["last_uninstalled_at"] < consents["last_app_seen_at"])
    )
    return pd.DataFrame(
        {
            "churn_signal_at": churn_signal_at.astype("datetime64[us]"),
            "sms_opted_out": consents["sms_opted_out"],
            "email_unsubscribed": consents["email_opted_out"],
            "is_contactable_sms": has_phone & ~consents["sms_opted_out"] & no_opt_out_all,
            "is_contactable_email": has_email & ~consents["email_opted_out"] & no_opt_out_all,
            "is_contactable_push": app_present & ~consents["push_opted_out"] & no_opt_out_all,
        },
        index=consents.index,
    )


def _acquisition_channels(leads: pd.DataFrame, channel_map: pd.DataFrame) -> pd.Series:
    """int_lead_acquisitions_mapped: the first channel_map rule a lead matches, else other."""
    channel = pd.Series("other", index=leads.index, dtype="str")
    assigned = np.zeros(len(leads), dtype=bool)
    columns = ["utm_source", "utm_medium", "signup_channel"]
    lead_values = {column: _lower_trim(leads[column]) for column in columns}
    rules = channel_map.sort_values(["priority", "acquisition_channel"])
    # A handful of rules, each applied to every lead at once.
    for rule in rules.itertuples(index=False):
        matches = ~assigned
        for column in columns:
            wanted = getattr(rule, column)
            wanted = "" if pd.isna(wanted) else wanted.strip(" ")
            if wanted:
                matches &= (lead_values[column] == wanted.lower()).fillna(False).to_numpy()
        channel[matches] = rule.acquisition_channel
        assigned |= matches
    return channel


# --------------------------------------------------------------------------- segments


def _windowed_sums(
    days: pd.DataFrame, days_ago: np.ndarray, columns: Iterable[str], days_in: int, offset: int = 0
) -> pd.DataFrame:
    """sum_in_window: per lead, the sum of columns over days_ago offset..offset+days-1."""
    in_window = (days_ago >= offset) & (days_ago < offset + days_in)
    return days.loc[in_window].groupby("lead_code")[list(columns)].sum()


def _median_gaps(days: pd.DataFrame, days_ago: np.ndarray, v: dict[str, Any]) -> pd.DataFrame:
    """Rhythm over the last 90 days: median gap between engaged days, activity bursts."""
    engaged = days.loc[
        days["is_engaged"].to_numpy() & (days_ago < 90), ["lead_code", "activity_day"]
    ]
    engaged = engaged.sort_values(["lead_code", "activity_day"])
    gap = engaged.groupby("lead_code")["activity_day"].diff()
    bursts = gap.isna() | (gap - 1 >= v["burst_gap_days"])
    return (
        pd.DataFrame({"gap": gap, "burst": bursts, "lead_code": engaged["lead_code"]})
        .groupby("lead_code")
        .agg(median_gap_days_90d=("gap", "median"), activity_bursts_90d=("burst", "sum"))
    )


def _lead_windows(
    leads: pd.DataFrame, days: pd.DataFrame, as_of: datetime.date, v: dict[str, Any]
) -> pd.DataFrame:
    """int_lead_windows_aggregated: every window of the mart, per population lead."""
    as_of_day = (np.datetime64(as_of, "D") - _EPOCH).astype("int64")
    days = days[days["activity_day"] <= as_of_day]
    days_ago = (as_of_day - days["activity_day"]).to_numpy()
    days = days.assign(
        engaged_day=days["is_engaged"].astype(np.int64),
        order_day=days["last_order_at"].notna().astype(np.int64),
        decayed_points=days["engagement_weight"]
        * np.power(0.5, days_ago.astype(np.float64) / v["engagement_score_half_life_days"]),
    )
    population = leads.index[~leads["is_deleted"] & (_epoch_days(leads["created_at"]) <= as_of_day)]
    out = pd.DataFrame(index=pd.Index(population, name="lead_code"))
    span = days.groupby("lead_code").agg(
        first_engaged_at=("first_engaged_at", "min"),
        last_engaged_at=("last_engaged_at", "max"),
        last_cart_added_at=("last_cart_added_at", "max"),
        last_order_at=("last_order_at", "max"),
    )
    out = out.join(span)

    def add(sums: pd.DataFrame, names: dict[str, str]) -> None:
        nonlocal out
        out = out.join(sums.rename(columns=names)[list(names.values())])

    named = {"7d": (7, 0), "30d": (30, 0), "90d": (90, 0), "prev_30d": (30, 30), "365d": (365, 0)}
    for name, (length, offset) in named.items():
        columns = {"engaged_day": f"engaged_days_{name}"}
        if name != "365d":
            columns["engagement_events"] = f"engagement_events_{name}"
        add(_windowed_sums(days, days_ago, columns, length, offset), columns)
    counts_90d = [
        "messages_delivered",
        "messages_opened",
        "messages_clicked",
        "messages_replied",
        "message_responses",
        "promo_responses",
        "app_sessions",
        "app_screen_views",
        "mobile_web_page_views",
        "desktop_web_page_views",
        "forms_submitted",
        "chat_messages",
        "inbound_calls",
        "answered_calls",
        "call_seconds",
        "orders_completed",
        "mobile_engagements",
        "sessions",
        *[f"{part}_engagements" for part in DAYPARTS],
        *[f"{c}_engagements" for c in _activity_channels(v)],
        "session_minutes",
    ]
    add(_windowed_sums(days, days_ago, counts_90d, 90), {c: f"{c}_90d" for c in counts_90d})
    add(_windowed_sums(days, days_ago, ["sessions"], 30), {"sessions": "sessions_30d"})
    add(
        _windowed_sums(
            days, days_ago, ["orders_completed", "revenue_cents", "decayed_points"], 365
        ),
        {
            "orders_completed": "orders_completed_365d",
            "revenue_cents": "revenue_cents_365d",
            "decayed_points": "decayed_engagement_points_365d",
        },
    )
    activity = v["activity_window_days"]
    add(
        _windowed_sums(days, days_ago, ["engaged_day", "non_passive_engagements"], activity),
        {
            "engaged_day": "engaged_days_activity_window",
            "non_passive_engagements": "non_passive_engagements_activity_window",
        },
    )
    add(
        _windowed_sums(days, days_ago, ["engaged_day"], activity, activity),
        {"engaged_day": "engaged_days_prev_activity_window"},
    )
    add(
        _windowed_sums(days, days_ago, ["engaged_day"], v["dormancy_window_days"]),
        {"engaged_day": "engaged_days_dormancy_window"},
    )
    add(
        _windowed_sums(
            days, days_ago, ["product_views", "order_day"], v["high_intent_window_days"]
        ),
        {
            "product_views": "product_views_high_intent_window",
            "order_day": "order_days_high_intent_window",
        },
    )
    sums = [c for c in out.columns if not c.endswith("_at")]
    out[sums] = out[sums].fillna(0)
    out = out.join(_median_gaps(days, days_ago, v))
    out["activity_bursts_90d"] = out["activity_bursts_90d"].fillna(0).astype(np.int32)

    cart_window_start = (
        pd.Timestamp(as_of)
        + pd.Timedelta(days=1)
        - pd.Timedelta(hours=v["abandoned_cart_window_hours"])
    )
    out["has_abandoned_cart"] = (out["last_cart_added_at"] >= cart_window_start) & (
        out["last_order_at"].isna() | (out["last_order_at"] < out["last_cart_added_at"])
    )
    out["is_high_intent"] = (
        out["product_views_high_intent_window"] >= v["high_intent_min_product_views"]
    ) & (out["order_days_high_intent_window"] == 0)
    out["registered_never_engaged"] = out["first_engaged_at"].isna()
    out["promo_only_responder"] = (out["message_responses_90d"] >= 1) & (
        out["promo_responses_90d"] == out["message_responses_90d"]
    )
    return out


def _activity_channels(v: dict[str, Any]) -> list[str]:
    """activity_channels macro: message channels, then app, web, call, store."""
    return [*v["message_channels"], "app", "web", "call", "store"]


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """ratio_or_null macro."""
    return (numerator.astype(np.float64) / denominator).where(denominator > 0)


def _label_of_max(frame: pd.DataFrame, labels: list[str], template: str) -> pd.Series:
    """label_of_max macro: the label of the largest column, ties to the first; NULL if all 0."""
    values = frame[[template.format(label) for label in labels]].fillna(0).to_numpy()
    label = np.asarray(labels, dtype=object)[values.argmax(axis=1)]
    return pd.Series(label, index=frame.index, dtype="str").where(values.max(axis=1) > 0)


def _cume_dist_score(values: pd.Series, ascending: bool) -> pd.Series:
    """ceil(5 * cume_dist()) with peers sharing a score."""
    rank = values.rank(method="max", ascending=ascending)
    return np.ceil(5 * (rank / len(values))).astype(np.int64)


def _segments(metrics: pd.DataFrame, rfm_map: pd.DataFrame, v: dict[str, Any]) -> pd.DataFrame:
    """The mart's RFM scores and the three segment rules (SPEC section 5)."""
    engaged = metrics[metrics["engaged_days_365d"] > 0]
    revenue = engaged["revenue_cents_365d"]
    buyers = revenue[revenue > 0]
    scores = pd.DataFrame(
        {
            "r_score": _cume_dist_score(engaged["days_since_last_engagement"], ascending=False),
            "f_score": _cume_dist_score(engaged["engaged_days_365d"], ascending=True),
            "m_score": _cume_dist_score(buyers, ascending=True)
            .reindex(engaged.index)
            .fillna(1)
            .astype(np.int64),
        },
        index=engaged.index,
    )
    mapped = scores.merge(
        rfm_map, on=["r_score", "f_score"], how="left", validate="many_to_one"
    ).set_axis(scores.index)
    rfm_segment = mapped["rfm_segment"].reindex(metrics.index)
    rfm_segment = rfm_segment.where(
        rfm_segment.index.isin(scores.index),
        np.where(metrics["first_engaged_at"].notna(), "lost", "prospects"),
    )
    scores = scores.reindex(metrics.index)

    active_days = metrics["engaged_days_activity_window"]
    activity_segment = np.select(
        [
            (active_days >= v["active_min_engaged_days"])
            & (metrics["non_passive_engagements_activity_window"] > 0),
            active_days > 0,
            metrics["engaged_days_dormancy_window"] > 0,
        ],
        ["active", "episodic", "dormant"],
        default="inactive",
    )
    churn_at = metrics["churn_signal_at"]
    prev_days = metrics["engaged_days_prev_activity_window"]
    churned = (
        churn_at.notna()
        & (metrics["last_engaged_at"].isna() | (metrics["last_engaged_at"] <= churn_at))
    ) | (metrics["first_engaged_at"].notna() & (metrics["engaged_days_dormancy_window"] == 0))
    lifecycle_state = np.select(
        [
            churned,
            metrics["lead_age_days"] < v["new_lead_days"],
            metrics["first_engaged_at"].isna(),
            (metrics["orders_completed_365d"] >= v["loyal_min_completed_orders"])
            & (active_days > 0),
            (prev_days >= v["at_risk_min_prev_engaged_days"])
            & (active_days > 0)
            & (active_days <= v["at_risk_max_ratio"] * prev_days),
            active_days > 0,
        ],
        ["churned", "new", "never_engaged", "loyal", "at_risk", "active"],
        default="dormant",
    )
    return pd.DataFrame(
        {
            "activity_segment": activity_segment,
            "lifecycle_state": lifecycle_state,
            "rfm_segment": rfm_segment,
            "r_score": scores["r_score"],
            "f_score": scores["f_score"],
            "m_score": scores["m_score"],
        },
        index=metrics.index,
    )


# --------------------------------------------------------------------------- seeds and entry


def _timezone_names() -> set[str]:
    return zoneinfo.available_timezones()


def _read_seed(name: str, **kwargs: Any) -> pd.DataFrame:
    """A seed CSV as dbt loads it: empty fields are NULL, other text kept as is."""
    path = Path(paths.project_dir()) / "seeds" / f"{name}.csv"
    return pd.read_csv(path, keep_default_na=False, na_values=[""], **kwargs)


def _seeds() -> dict[str, pd.DataFrame]:
    catalog = _read_seed(
        "event_catalog",
        dtype={"source_table": "str", "event_type": "str", "depth": "str", "weight": "int64"},
    )
    catalog = catalog.rename(
        columns={
            "is_engagement": "catalog_is_engagement",
            "depth": "catalog_depth",
            "is_mobile": "catalog_is_mobile",
            "weight": "catalog_weight",
        }
    )
    catalog["catalog_is_engagement"] = catalog["catalog_is_engagement"].astype(bool)
    catalog["catalog_is_mobile"] = catalog["catalog_is_mobile"].astype("boolean")
    return {
        "event_catalog": catalog[
            [
                "source_table",
                "event_type",
                "catalog_is_engagement",
                "catalog_depth",
                "catalog_is_mobile",
                "catalog_weight",
            ]
        ],
        "countries": _read_seed("countries", dtype="str"),
        "channel_map": _read_seed(
            "channel_map",
            dtype={
                "priority": "int64",
                "utm_source": "str",
                "utm_medium": "str",
                "signup_channel": "str",
                "acquisition_channel": "str",
            },
        ),
        "rfm_segment_map": _read_seed("rfm_segment_map", dtype={"rfm_segment": "str"}),
    }


def _raw(con: duckdb.DuckDBPyConnection, table: str) -> pd.DataFrame:
    return con.execute(f"select * from {RAW_SCHEMA}.{table}").df()


def compute(
    con: duckdb.DuckDBPyConnection, as_of: datetime.date, project_vars: dict[str, Any]
) -> pd.DataFrame:
    """fct_lead_engagement as of ``as_of``: one row per lead, the mart's columns and dtypes.

    ``project_vars`` are dbt_project.yml's vars (see project_vars.load_project_vars).
    """
    v = project_vars
    seeds = _seeds()
    catalog = seeds["event_catalog"]
    countries = seeds["countries"]
    us = countries.set_index("country_code").loc[v["default_phone_country"]]

    leads = _stage_leads(_raw(con, "leads"), countries, v)
    messages = _stage_messages(_raw(con, "message_events"), catalog, us, v)
    app = _stage_app_or_web(_raw(con, "app_events"), catalog, "app_events", v)
    web = _stage_app_or_web(_raw(con, "web_events"), catalog, "web_events", v)
    calls = _stage_calls(_raw(con, "calls"), catalog, us, v)
    orders = _stage_orders(_raw(con, "orders"), catalog, v)
    privacy = _stage_privacy_requests(_raw(con, "privacy_requests"), catalog, v)

    events = _attributed_events(leads, messages, app, web, calls, orders, privacy)
    del messages, app, web, calls, orders, privacy
    # Everything the mart reads is point-in-time: events after the as-of day
    # only mattered for attribution (a later login) and first-of-type above.
    as_of_day = (np.datetime64(as_of, "D") - _EPOCH).astype("int64")
    events = events[_epoch_days(events["occurred_at"]) <= as_of_day]
    events = _classified_events(events, leads, catalog, v)

    sessions = _sessions(events, v)
    days = _lead_days(events, sessions, v)
    consents = _consents(events, leads, v)
    del events, sessions
    contactability = _contactability(leads, consents, days, v)

    metrics = _lead_windows(leads, days, as_of, v)
    metrics = metrics.join(contactability)
    as_of_ts = pd.Timestamp(as_of)
    metrics["days_since_last_engagement"] = (
        as_of_ts - metrics["last_engaged_at"].dt.normalize()
    ).dt.days
    created_at = leads["created_at"].reindex(metrics.index)
    metrics["lead_age_days"] = (as_of_ts - created_at.dt.normalize()).dt.days
    metrics = metrics.join(_segments(metrics, seeds["rfm_segment_map"], v))

    out = pd.DataFrame(index=metrics.index)
    out["lead_id"] = leads["lead_id"].reindex(metrics.index)
    out["as_of_date"] = as_of_ts
    for column in [
        "first_engaged_at",
        "last_engaged_at",
        "days_since_last_engagement",
        "lead_age_days",
    ]:
        out[column] = metrics[column]
    for name in ["7d", "30d", "90d", "prev_30d", "365d"]:
        out[f"engaged_days_{name}"] = metrics[f"engaged_days_{name}"]
    for name in ["7d", "30d", "90d", "prev_30d"]:
        out[f"engagement_events_{name}"] = metrics[f"engagement_events_{name}"]
    for column, _ in MART_COLUMNS:
        if column.endswith("_90d") and column in metrics and column not in out:
            out[column] = metrics[column]
    out["orders_completed_365d"] = metrics["orders_completed_365d"]
    out["revenue_365d"] = metrics["revenue_cents_365d"] / 100
    delivered = metrics["messages_delivered_90d"]
    engagements = metrics["engagement_events_90d"]
    out["open_rate_90d"] = _ratio(metrics["messages_opened_90d"], delivered)
    out["click_rate_90d"] = _ratio(metrics["messages_clicked_90d"], delivered)
    out["reply_rate_90d"] = _ratio(metrics["messages_replied_90d"], delivered)
    out["mobile_share_90d"] = _ratio(metrics["mobile_engagements_90d"], engagements)
    for part in DAYPARTS:
        out[f"{part}_share_90d"] = _ratio(metrics[f"{part}_engagements_90d"], engagements)
    out["preferred_channel"] = _label_of_max(metrics, _activity_channels(v), "{}_engagements_90d")
    out["preferred_daypart"] = _label_of_max(metrics, DAYPARTS, "{}_engagements_90d")
    out["avg_session_minutes_90d"] = _ratio(metrics["session_minutes_90d"], metrics["sessions_90d"])
    for column in [
        "sessions_30d",
        "has_abandoned_cart",
        "is_high_intent",
        "registered_never_engaged",
        "promo_only_responder",
        "sms_opted_out",
        "email_unsubscribed",
        "is_contactable_sms",
        "is_contactable_email",
        "is_contactable_push",
    ]:
        out[column] = metrics[column]
    out["acquisition_channel"] = _acquisition_channels(leads, seeds["channel_map"]).reindex(
        metrics.index
    )
    points = metrics["decayed_engagement_points_365d"].astype(np.float64)
    out["engagement_score"] = _duckdb_round(
        100 * (1 - np.exp(-1 * points / v["engagement_score_saturation_points"])), 2
    )
    for column in [
        "median_gap_days_90d",
        "activity_bursts_90d",
        "activity_segment",
        "lifecycle_state",
        "rfm_segment",
        "r_score",
        "f_score",
        "m_score",
    ]:
        out[column] = metrics[column]

    out = out[[column for column, _ in MART_COLUMNS]]
    out = out.astype({column: dtype for column, dtype in MART_COLUMNS})
    return out.sort_values("lead_id").reset_index(drop=True)
