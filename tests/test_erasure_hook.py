"""The erasure hook's matching rules, row by row, on a hand-made warehouse.

``erase_requested_leads`` normalizes and hashes each distinct value of a
column once and then matches rows on the plain value (a semi-join), instead
of hashing every row. This checks that it still erases exactly the rows the
rule names (SPEC §6), on spellings that differ only in white space, case or
phone format, and on national numbers that mean different phones in
different countries. Three ``dbt seed --select countries`` runs (each runs
the hook):

1. a request for a lead with no contacts and no devices: only ``lead_id``
   tombstones exist, so the phone, email and device statements are not run;
2. a request for a lead with two CDC versions, phones, emails and a device;
3. nothing new: rows of the erased lead re-delivered since are deleted
   from raw, and the built tables are not checked again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from leadpulse import dbt, paths
from leadpulse.contract import RAW_TABLES, create_table_sql

# Rows by raw table: only the columns the hook reads; the rest stay NULL.
RAW_ROWS: dict[str, list[dict[str, str | None]]] = {
    "leads": [
        # L1, erased in phase 2: two CDC versions, a national GB number.
        {
            "lead_id": "L1",
            "phone": "(020) 7946 0018",
            "email": " Ann@Example.com ",
            "country_code": "gb",
        },
        {
            "lead_id": "L1 ",
            "phone": "+1 415 555 0100",
            "email": "ann@example.com",
            "country_code": "US",
        },
        # Same GB number (blanked); same digits read in Germany (kept).
        {
            "lead_id": "L2",
            "phone": "020 7946 0018",
            "email": "bob@example.com",
            "country_code": " GB ",
        },
        {
            "lead_id": "L3",
            "phone": "020 7946 0018",
            "email": "cy@example.com",
            "country_code": "DE",
        },
        # International spelling, no country (blanked); email in capitals.
        {
            "lead_id": "L4",
            "phone": "+44 20 7946 0018",
            "email": "ANN@example.com",
            "country_code": None,
        },
        # L1's US number without a country cannot be read (kept); with US it is.
        {"lead_id": "L5", "phone": "4155550100", "email": None, "country_code": None},
        {"lead_id": "L6", "phone": "4155550100", "email": None, "country_code": "US"},
    ],
    "message_events": [
        {"event_id": "m1", "lead_id": "L1", "address": None},
        {"event_id": "m2", "lead_id": " L1", "address": None},
        {"event_id": "m3", "lead_id": None, "address": "(415) 555-0100"},
        {"event_id": "m4", "lead_id": "L9", "address": "001 415 555 0100"},
        {"event_id": "m5", "lead_id": None, "address": "ANN@EXAMPLE.COM "},
        {"event_id": "m6", "lead_id": "L2", "address": "+44 20 7946 0019"},
        {"event_id": "m7", "lead_id": None, "address": None},
        # Read with the default country (US): +102079460018, not L1's.
        {"event_id": "m8", "lead_id": "L2", "address": "020 7946 0018"},
        {"event_id": "m9", "lead_id": "L8", "address": "+1 415 555 0101"},
    ],
    "app_events": [
        {"event_id": "a1", "user_id": "L1", "anonymous_id": "dev-1"},
        {"event_id": "a2", "user_id": None, "anonymous_id": "dev-1"},
        {"event_id": "a3", "user_id": None, "anonymous_id": " dev-1 "},
        {"event_id": "a4", "user_id": "L2", "anonymous_id": "dev-2"},
        {"event_id": "a5", "user_id": "L8", "anonymous_id": None},
    ],
    "web_events": [
        {"event_id": "w1", "user_id": None, "anonymous_id": "dev-1"},
        {"event_id": "w2", "user_id": "L2", "anonymous_id": "cookie-2"},
    ],
    "calls": [
        {"call_id": "c1", "lead_id": "L1", "phone": None},
        {"call_id": "c2", "lead_id": None, "phone": "+1-415-555-0100"},
        {"call_id": "c3", "lead_id": "L2", "phone": "415 555 0199"},
        {"call_id": "c4", "lead_id": "L8 ", "phone": None},
    ],
    "orders": [
        {"order_id": "o1", "lead_id": "L1"},
        {"order_id": "o2", "lead_id": "L2"},
        {"order_id": "o8", "lead_id": "L8"},
    ],
    "privacy_requests": [
        {"request_id": "pr8", "lead_id": "L8", "request_type": "erasure"},
        {"request_id": "pr2", "lead_id": "L2", "request_type": "opt_out_all"},
    ],
}

# A table the project built: already normalized values, hashed as they are.
BUILT = "staging.erasure_probe"
BUILT_ROWS = [
    ("b1", "L1", None, None, None),
    ("b2", "L2", "+14155550100", None, None),
    ("b3", "L2", None, "ann@example.com", None),
    ("b4", None, None, None, "dev-1"),
    ("b5", "L2", "+442079460019", "bob@example.com", "dev-2"),
    ("b8", "L8", None, None, None),
]


def _insert(con: duckdb.DuckDBPyConnection, table: str, row: dict[str, str | None]) -> None:
    columns = list(row)
    marks = ", ".join("?" for _ in columns)
    con.execute(
        f"insert into raw.{table} ({', '.join(columns)}) values ({marks})", list(row.values())
    )


def _keys(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    """What is left: raw rows by their key (leads with phone and email), built rows."""
    keys = {
        "leads": "lead_id, phone, email",
        "message_events": "event_id",
        "app_events": "event_id",
        "web_events": "event_id",
        "calls": "call_id",
        "orders": "order_id",
        "privacy_requests": "request_id",
    }
    left = {
        table: con.execute(f"select {columns} from raw.{table} order by all").fetchall()
        for table, columns in keys.items()
    }
    left["built"] = [r for (r,) in con.execute(f"select id from {BUILT} order by 1").fetchall()]
    return left


@dataclass
class Phase:
    left: dict[str, list[tuple]]
    tombstones: list[tuple[str, str]]  # (request_id, identifier_type)
    unpurged: int  # tombstones the built tables were not checked against yet
    log: str  # this run's part of dbt.log


def _run_hook(root: Path) -> Phase:
    log = root / "logs" / "dbt.log"
    before = log.stat().st_size if log.exists() else 0
    run = dbt.invoke(["seed", "--select", "countries"], quiet=True)
    assert run.success, run.error_message
    con = duckdb.connect(str(root / "leadpulse.duckdb"), read_only=True)
    try:
        left = _keys(con)
        tombstones = con.execute(
            "select request_id, identifier_type from privacy.erased_identifiers order by all"
        ).fetchall()
        (unpurged,) = con.execute(
            "select count(*) from privacy.erased_identifiers where purged_at is null"
        ).fetchone()
    finally:
        con.close()
    with log.open(encoding="utf-8") as handle:
        handle.seek(before)
        text = handle.read()
    return Phase(left, tombstones, unpurged, text)


@pytest.fixture(scope="module")
def phases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Phase]]:
    root = tmp_path_factory.mktemp("erasure_hook")
    db_path = root / "leadpulse.duckdb"
    con = duckdb.connect(str(db_path))
    try:
        con.execute("create schema raw")
        for table in RAW_TABLES:
            con.execute(create_table_sql(table))
        for table, rows in RAW_ROWS.items():
            for row in rows:
                _insert(con, table, row)
        con.execute("create schema staging")
        con.execute(
            f"create table {BUILT} (id varchar, lead_id varchar, phone_e164 varchar, "
            "email varchar, anonymous_id varchar)"
        )
        con.executemany(f"insert into {BUILT} values (?, ?, ?, ?, ?)", BUILT_ROWS)
    finally:
        con.close()

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(paths.DUCKDB_PATH_ENV, str(db_path))
        mp.setenv(paths.DUCKDB_TEMP_DIR_ENV, str(root / "tmp"))
        mp.setenv(paths.TARGET_DIR_ENV, str(root / "target"))
        mp.setenv(paths.LOG_DIR_ENV, str(root / "logs"))
        first = _run_hook(root)

        con = duckdb.connect(str(db_path))
        try:
            _insert(
                con,
                "privacy_requests",
                {"request_id": "pr1", "lead_id": " L1 ", "request_type": "erasure"},
            )
        finally:
            con.close()
        second = _run_hook(root)

        # Re-delivered rows of L1, in other spellings, and a new lead with its phone.
        con = duckdb.connect(str(db_path))
        try:
            _insert(con, "message_events", {"event_id": "m10", "lead_id": "L1 "})
            _insert(con, "app_events", {"event_id": "a6", "user_id": None, "anonymous_id": "dev-1"})
            _insert(
                con,
                "leads",
                {
                    "lead_id": "L7",
                    "phone": "+1 (415) 555-0100",
                    "email": "g@example.com",
                    "country_code": "FR",
                },
            )
        finally:
            con.close()
        third = _run_hook(root)
    yield [first, second, third]


def test_only_lead_id_tombstones_run_only_lead_id_checks(phases: list[Phase]) -> None:
    first = phases[0]
    assert first.tombstones == [("pr8", "lead_id")]
    assert "identifier_type = 'lead_id'" in first.log
    for skipped in ("phone", "email", "device"):
        assert f"identifier_type = '{skipped}'" not in first.log
    left = first.left
    assert [r[0] for r in left["leads"]] == ["L1", "L1 ", "L2", "L3", "L4", "L5", "L6"]
    assert left["message_events"] == [(f"m{i}",) for i in range(1, 9)]
    assert left["app_events"] == [("a1",), ("a2",), ("a3",), ("a4",)]
    assert left["calls"] == [("c1",), ("c2",), ("c3",)]
    assert left["orders"] == [("o1",), ("o2",)]
    assert left["privacy_requests"] == [("pr2",)]
    assert left["built"] == ["b1", "b2", "b3", "b4", "b5"]


def test_erasure_removes_exactly_the_rows_reaching_a_tombstone(phases: list[Phase]) -> None:
    second = phases[1]
    types = {t for r, t in second.tombstones if r == "pr1"}
    assert types == {"lead_id", "phone", "email", "device"}
    assert second.left == {
        "leads": [
            ("L2", None, "bob@example.com"),
            ("L3", "020 7946 0018", "cy@example.com"),
            ("L4", None, None),
            ("L5", "4155550100", None),
            ("L6", None, None),
        ],
        "message_events": [("m6",), ("m7",), ("m8",)],
        "app_events": [("a4",)],
        "web_events": [("w2",)],
        "calls": [("c3",)],
        "orders": [("o2",)],
        "privacy_requests": [("pr2",)],
        "built": ["b5"],
    }


def test_rerun_deletes_redelivered_rows_and_adds_no_tombstone(phases: list[Phase]) -> None:
    second, third = phases[1], phases[2]
    assert third.tombstones == second.tombstones
    assert third.left == second.left | {
        "leads": sorted(second.left["leads"] + [("L7", None, "g@example.com")]),
    }


def test_built_tables_are_checked_against_new_tombstones_only(phases: list[Phase]) -> None:
    """Raw is re-checked on every run; built tables only while a tombstone is new."""
    first, second, third = phases
    assert [phase.unpurged for phase in phases] == [0, 0, 0]
    # Phase 2 checks the built table against pr1's tombstones, not pr8's.
    assert "erasure_probe" in first.log and "erasure_probe" in second.log
    assert second.log.count("purged_at is null") >= 1
    # Phase 3: nothing new, so no built table is read; raw still is.
    assert "erasure_probe" not in third.log
    assert 'delete from "' in third.log and '"raw"."message_events"' in third.log
