"""Simulate one more day of loads on top of the raw data already in the warehouse.

`leadpulse refresh --simulate-day` uses this to exercise the scheduled refresh
without a real loader. A simulated day is made, inside DuckDB, of:

- new activity: each lead's events of the same weekday one week earlier,
  replayed seven days later with new ids (most of them: a deterministic 90 %);
- late rows: a few events that happened 2 to 12 days earlier, arriving today;
- re-deliveries: a few of yesterday's rows delivered again, same id and
  payload, with today's ``_loaded_at``.

Everything is deterministic for (day, seed) and reads only rows loaded before
the day, so simulating the same day twice appends the same rows again (all of
them duplicates, which staging drops). Orders, leads and privacy
requests are not simulated beyond replayed completed orders.
"""

from __future__ import annotations

import datetime

import duckdb

from leadpulse.contract import RAW_SCHEMA, RAW_TABLES

REPLAY_SHARE = 90  # percent of last week's same-day events replayed
LATE_SHARE = 2  # percent of events from 2-12 days ago that arrive late today
REDELIVERY_SHARE = 2  # percent of yesterday's loads delivered again

# table -> (id column, event-time column, extra columns rewritten with the id)
EVENT_TABLES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "message_events": ("event_id", "occurred_at", ("message_id",)),
    "app_events": ("event_id", "occurred_at", ()),
    "web_events": ("event_id", "occurred_at", ()),
    "calls": ("call_id", "started_at", ()),
    "orders": ("order_id", "ordered_at", ()),
}


def _iso(expr: str) -> str:
    return f"strftime({expr}, '%Y-%m-%dT%H:%M:%SZ')"


def _statement(table: str, day: datetime.date, seed: int) -> str:
    key, ts, linked = EVENT_TABLES[table]
    tag = day.strftime("%Y%m%d")
    parsed = f"timezone('UTC', try_cast(trim({ts}) as timestamptz))"
    day_start = f"timestamp '{day.isoformat()} 00:00:00'"
    day_end = f"timestamp '{day.isoformat()} 23:59:59'"
    replaced_new = [f"{key} || '-r{tag}' as {key}"] + [
        f"{col} || '-r{tag}' as {col}" for col in linked
    ]
    replaced_late = [f"{key} || '-l{tag}' as {key}"] + [
        f"{col} || '-l{tag}' as {col}" for col in linked
    ]
    shifted = "_parsed + interval 7 day"
    replay_extra = [f"{_iso(shifted)} as {ts}"]
    if table == "app_events":
        replay_extra.append(f"{_iso(shifted)} as received_at")
    lag = f"to_seconds(hash({seed}, {key}, 'lag') % 7200)"
    columns = ", ".join(RAW_TABLES[table])
    return f"""
insert into {RAW_SCHEMA}.{table} ({columns})
with

parsed as (

    select *, {parsed} as _parsed
    from {RAW_SCHEMA}.{table}
    -- Only what was loaded before the day: a rerun makes the same rows.
    where {key} is not null and _loaded_at < {day_start}

),

replayed as (

    select * exclude (_parsed) replace (
        {", ".join(replaced_new + replay_extra)},
        least({shifted} + {lag}, {day_end}) as _loaded_at
    )
    from parsed
    where
        cast(_parsed as date) = date '{day.isoformat()}' - 7
        {"and status = 'completed'" if table == "orders" else ""}
        and hash({seed}, {key}, 'replay', '{tag}') % 100 < {REPLAY_SHARE}

),

late as (

    select * exclude (_parsed) replace (
        {", ".join(replaced_late)},
        {day_start} + interval 6 hour as _loaded_at
    )
    from parsed
    where
        cast(_parsed as date) between date '{day.isoformat()}' - 12
        and date '{day.isoformat()}' - 2
        and hash({seed}, {key}, 'late', '{tag}') % 100 < {LATE_SHARE}

),

redelivered as (

    select * exclude (_parsed) replace (
        {day_start} + interval 7 hour as _loaded_at
    )
    from parsed
    where
        cast(_loaded_at as date) = date '{day.isoformat()}' - 1
        and hash({seed}, {key}, 'again', '{tag}') % 100 < {REDELIVERY_SHARE}

)

select {columns} from replayed
union all
select {columns} from late
union all
select {columns} from redelivered
"""


def last_loaded_date(con: duckdb.DuckDBPyConnection) -> datetime.date | None:
    """The UTC date of the newest `_loaded_at` across the raw event tables."""
    parts = " union all ".join(
        f"select max(_loaded_at) as loaded from {RAW_SCHEMA}.{t}" for t in EVENT_TABLES
    )
    row = con.execute(f"select cast(max(loaded) as date) from ({parts})").fetchone()
    return row[0] if row else None


def simulate_day(
    con: duckdb.DuckDBPyConnection, day: datetime.date, seed: int = 0
) -> dict[str, int]:
    """Append one simulated day of loads to the raw event tables; rows added per table.

    Runs in one transaction: either the whole day lands or nothing does.
    """
    con.execute("set TimeZone = 'UTC'")
    added: dict[str, int] = {}
    con.execute("begin transaction")
    try:
        for table in EVENT_TABLES:
            before = con.execute(f"select count(*) from {RAW_SCHEMA}.{table}").fetchone()[0]
            con.execute(_statement(table, day, seed))
            after = con.execute(f"select count(*) from {RAW_SCHEMA}.{table}").fetchone()[0]
            added[table] = after - before
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return added
