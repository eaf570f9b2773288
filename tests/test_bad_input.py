"""Sixteen classes of bad input, each with one exact outcome (issue 6, item 1).

One crafted raw batch holds every class; it is loaded straight into a scratch
DuckDB (the contract's DDL, like tests/test_hand_built_leads.py) and built once
(full refresh, data tests on, unit tests left to the main suite). Each class
then states what its rows must become: quarantined with a named reason, a
duplicate of a named kept copy, or clean (and what staging made of it). Every
raw table must reconcile exactly: raw = clean + duplicate + quarantined.

Invalid UTF-8 cannot reach a raw table at all (DuckDB text is UTF-8): the
loader rejects such a file naming the table, checked in the same class as
control characters.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import hand_built_leads as hb
import pytest

from leadpulse import paths
from leadpulse.contract import RAW_SCHEMA, RAW_TABLES, create_table_sql
from leadpulse.load import LoadError, load_folder

AS_OF = "2026-06-30"
UNIT_TESTS = ("resource_type:unit_test",)

BASE_MODELS = {
    "leads": ("base_crm__leads", "stg_crm__leads", "lead_id"),
    "message_events": (
        "base_messaging__message_events",
        "stg_messaging__message_events",
        "event_id",
    ),
    "app_events": ("base_app__events", "stg_app__events", "event_id"),
    "web_events": ("base_web__events", "stg_web__events", "event_id"),
    "calls": ("base_telephony__calls", "stg_telephony__calls", "call_id"),
    "orders": ("base_commerce__orders", "stg_commerce__orders", "order_id"),
    "privacy_requests": ("base_crm__privacy_requests", "stg_crm__privacy_requests", "request_id"),
}

Row = dict[str, Any]


def _with(row: Row, **changes: Any) -> Row:
    return {**row, **changes}


LEAD_NY = "bi_ny"  # the lead most events belong to
OPT_OUT_BODIES = {"bi_oo1": "stop", "bi_oo2": " STOP ", "bi_oo3": "STOPALL"}
OPT_OUT_BODIES |= {"bi_oo4": "UNSUBSCRIBE", "bi_oo5": "Cancel", "bi_oo6": "Stop!\n"}


def _leads() -> list[Row]:
    ny = dict(country="US", timezone="America/New_York", signup="web_form")
    rows = [
        hb.lead(
            LEAD_NY, "2026-01-10T09:00:00Z", phone="+1 212 555 0100", email="ny@example.com", **ny
        ),
        # Class 11: a lead's malformed phone is nulled and flagged, the lead kept.
        hb.lead("bi_bad_phone", "2026-01-10T09:00:00Z", phone="n/a", email="bp@example.com", **ny),
        # Class 12: likewise a malformed email.
        hb.lead("bi_bad_email", "2026-01-10T09:00:00Z", phone=None, email="not-an-email", **ny),
        # Class 2a: a lead row with an empty id.
        _with(
            hb.lead("bi_x", "2026-01-10T09:00:00Z", phone=None, email=None, **ny),
            lead_id="  ",
            utm_campaign="case_empty_lead_id",
        ),
    ]
    for number, lead_id in enumerate(OPT_OUT_BODIES, start=1):
        rows.append(
            hb.lead(
                lead_id,
                "2026-01-10T09:00:00Z",
                phone=f"+1 212 555 01{number:02d}",
                email=None,
                **ny,
            )
        )
    return rows


def _message_events() -> list[Row]:
    base = hb.msg("me_x", LEAD_NY, "+12125550100", "sms", "delivered", "2026-06-10T12:00:00Z")
    rows = [
        # Class 3: an exact duplicate in one batch.
        _with(base, event_id="me_exact"),
        _with(base, event_id="me_exact"),
        # Class 4: the same event again one day later (inside the 3-day lookback).
        _with(base, event_id="me_again", _loaded_at="2026-06-10 12:10:00"),
        _with(base, event_id="me_again", _loaded_at="2026-06-11 12:10:00"),
        # Class 5: re-delivered 12 days later (beyond the lookback) with another payload.
        _with(base, event_id="me_redo", event_type="delivered", _loaded_at="2026-06-10 12:10:00"),
        _with(base, event_id="me_redo", event_type="failed", _loaded_at="2026-06-22 12:10:00"),
        # Class 6: occurred 2 days before it was loaded (inside the lookback).
        _with(base, event_id="me_late2", occurred_at="2026-06-08T12:00:00Z"),
        # Class 7: occurred 20 days before it was loaded (beyond the lookback).
        _with(base, event_id="me_late20", occurred_at="2026-05-21T12:00:00Z"),
        # Class 8: three days after it was loaded.
        _with(base, event_id="me_future", occurred_at="2026-06-13T12:00:00Z"),
        # Class 9: epoch 0 and 2099.
        _with(base, event_id="me_epoch", occurred_at="1970-01-01T00:00:00Z"),
        _with(base, event_id="me_2099", occurred_at="2099-01-01T00:00:00Z"),
        # ... and a row whose loader clock says 2099 (it would poison the watermark).
        _with(
            base,
            event_id="me_2099_loaded",
            occurred_at="2099-01-01T00:00:00Z",
            _loaded_at="2099-01-01 00:10:00",
        ),
        # Class 10: case and space variants of a known type are that type; others are not.
        _with(base, event_id="me_type_case", event_type="DELIVERED"),
        _with(base, event_id="me_type_space", event_type=" Delivered "),
        _with(base, event_id="me_type_unknown", event_type="delivered_v2"),
        _with(base, event_id="me_type_bogus", event_type="Bogus"),
        # Class 11: no lead id and a phone that cannot be read.
        _with(base, event_id="me_bad_phone", lead_id=None, address="555-CALL-NOW"),
        # Class 12: no lead id and an email that cannot be read.
        _with(base, event_id="me_bad_email", lead_id=None, address="ny.lead@", channel="email"),
        # Class 13: a control character inside an id; control characters around a body.
        _with(base, event_id="me_ctl\x01id"),
        _with(
            base,
            event_id="me_ctl_body",
            direction="inbound",
            event_type="replied",
            body="\x07STOP\x1b",
            lead_id="bi_bad_phone",
            address=None,
        ),
        # Class 14: local times with a zone name: skipped, repeated, and ordinary.
        _with(base, event_id="me_dst_gap", occurred_at="2026-03-08 02:30:00 America/New_York"),
        _with(base, event_id="me_dst_overlap", occurred_at="2025-11-02 01:30:00 America/New_York"),
        _with(base, event_id="me_zoned", occurred_at="2026-06-10 08:00:00 America/New_York"),
        # Class 15 control: "stopped" is not a keyword.
        _with(
            base,
            event_id="me_not_keyword",
            direction="inbound",
            event_type="replied",
            body="stopped by the store",
        ),
    ]
    # Class 15: opt-out keyword variants, one lead each: delivered, then the reply.
    for number, (lead_id, body) in enumerate(OPT_OUT_BODIES.items(), start=1):
        address = f"+1212555{number + 100:04d}"
        rows.append(
            hb.msg(f"me_oo{number}_d", lead_id, address, "sms", "delivered", "2026-06-20T12:00:00Z")
        )
        rows.append(
            hb.msg(
                f"me_oo{number}_r",
                lead_id,
                address,
                "sms",
                "replied",
                "2026-06-21T12:00:00Z",
                body=body,
            )
        )
    return rows


def _app_events() -> list[Row]:
    base = hb.app("ae_x", "dev_ny", LEAD_NY, "app_opened", "2026-06-12T12:00:00Z")
    return [
        base,
        # Class 1: no event id.
        _with(base, event_id=None, properties='{"case": "null_event_id"}'),
        # Class 2b: neither device nor user (empty and blank).
        _with(base, event_id="ae_no_identity", anonymous_id="", user_id="   "),
        # Class 13: a control character in a device id.
        _with(base, event_id="ae_ctl", anonymous_id="dev\x1fny"),
    ]


def _web_events() -> list[Row]:
    base = hb.web("we_x", "ck_ny", LEAD_NY, "page_viewed", "2026-06-14T12:00:00Z", hb.DESKTOP_UA)
    return [
        base,
        # Class 2b: a NULL cookie and user.
        _with(base, event_id="we_no_identity", anonymous_id=None, user_id=None),
    ]


def _calls() -> list[Row]:
    base = hb.call(
        "call_x", LEAD_NY, "+12125550100", "inbound", "answered", "2026-06-15T12:00:00Z", 60
    )
    return [
        base,
        # Class 11: no lead id and a phone that cannot be read.
        _with(base, call_id="call_bad_phone", lead_id=None, phone="12"),
    ]


def _orders() -> list[Row]:
    base = hb.order("o_x", LEAD_NY, "2026-06-16T12:00:00Z", "25.00", "completed", "web")
    return [
        base,
        # Class 2a: an order with no lead id.
        _with(base, order_id="o_no_lead", lead_id=""),
    ]


RAW_ROWS: dict[str, list[Row]] = {
    "leads": _leads(),
    "message_events": _message_events(),
    "app_events": _app_events(),
    "web_events": _web_events(),
    "calls": _calls(),
    "orders": _orders(),
    "privacy_requests": [],
}


@dataclass(frozen=True)
class Expect:
    """One raw row's fate: its table, how to find it in the base model, and where it ends."""

    table: str
    where: str
    status: str  # clean | duplicate | quarantined
    reason: str | None = None
    checks: dict[str, Any] = field(default_factory=dict)  # base-model column -> value


def q(table: str, where: str, reason: str) -> Expect:
    return Expect(table, where, "quarantined", reason)


def clean(table: str, where: str, **checks: Any) -> Expect:
    return Expect(table, where, "clean", None, checks)


def dup(table: str, where: str, **checks: Any) -> Expect:
    return Expect(table, where, "duplicate", None, checks)


CLASSES: dict[str, list[Expect]] = {
    "01_null_event_id": [
        q(
            "app_events",
            "event_id is null and properties_case = 'null_event_id'",
            "missing_event_id",
        ),
    ],
    "02a_null_or_empty_lead_id": [
        q("leads", "utm_campaign = 'case_empty_lead_id'", "missing_lead_id"),
        q("orders", 'raw_row like \'%"order_id":"o_no_lead"%\'', "missing_lead_id"),
    ],
    "02b_null_or_empty_device_id": [
        q("app_events", "event_id = 'ae_no_identity'", "missing_identity"),
        q("web_events", "event_id = 'we_no_identity'", "missing_identity"),
    ],
    "03_exact_duplicate_in_batch": [
        # Identical copies: one is kept (the fingerprint tie-break), one is a duplicate.
        clean("message_events", "event_id = 'me_exact' and row_status = 'clean'"),
        dup("message_events", "event_id = 'me_exact' and row_status = 'duplicate'"),
    ],
    "04_duplicate_across_batches_inside_lookback": [
        clean("message_events", "event_id = 'me_again' and _loaded_at = '2026-06-10 12:10:00'"),
        dup("message_events", "event_id = 'me_again' and _loaded_at = '2026-06-11 12:10:00'"),
    ],
    "05_redelivery_beyond_lookback_other_payload": [
        # First write wins: the first payload stays, the later one is a duplicate.
        clean("message_events", "event_id = 'me_redo' and event_type = 'delivered'"),
        dup("message_events", "event_id = 'me_redo' and event_type = 'failed'"),
    ],
    "06_late_event_inside_lookback": [
        clean("message_events", "event_id = 'me_late2'", occurred_at="2026-06-08 12:00:00"),
    ],
    "07_late_event_beyond_lookback": [
        clean("message_events", "event_id = 'me_late20'", occurred_at="2026-05-21 12:00:00"),
    ],
    "08_future_timestamp": [
        q("message_events", "event_id = 'me_future'", "future_timestamp"),
    ],
    "09_epoch_zero_or_far_future": [
        q("message_events", "event_id = 'me_epoch'", "implausible_timestamp"),
        q("message_events", "event_id = 'me_2099'", "future_timestamp"),
        q("message_events", "event_id = 'me_2099_loaded'", "future_loaded_at"),
    ],
    "10_unknown_event_type_and_case_variants": [
        clean("message_events", "event_id = 'me_type_case'", event_type="delivered"),
        clean("message_events", "event_id = 'me_type_space'", event_type="delivered"),
        q("message_events", "event_id = 'me_type_unknown'", "unknown_event_type"),
        q("message_events", "event_id = 'me_type_bogus'", "unknown_event_type"),
    ],
    "11_malformed_phone": [
        q("message_events", "event_id = 'me_bad_phone'", "malformed_phone"),
        q("calls", "call_id = 'call_bad_phone'", "malformed_phone"),
        clean("leads", "lead_id = 'bi_bad_phone'", phone_e164=None, has_malformed_phone=True),
    ],
    "12_malformed_email": [
        q("message_events", "event_id = 'me_bad_email'", "malformed_email"),
        clean("leads", "lead_id = 'bi_bad_email'", email=None, has_malformed_email=True),
    ],
    "13_control_characters_and_invalid_utf8": [
        q("message_events", "event_id = 'me_ctl' || chr(1) || 'id'", "invalid_characters"),
        q("app_events", "event_id = 'ae_ctl'", "invalid_characters"),
        clean("message_events", "event_id = 'me_ctl_body'", body="STOP", is_opt_out_keyword=True),
    ],
    "14_dst_nonexistent_or_ambiguous_local_time": [
        q("message_events", "event_id = 'me_dst_gap'", "nonexistent_local_time"),
        q("message_events", "event_id = 'me_dst_overlap'", "ambiguous_local_time"),
        # A zone name is honoured (08:00 EDT is 12:00 UTC), not read as UTC.
        clean("message_events", "event_id = 'me_zoned'", occurred_at="2026-06-10 12:00:00"),
    ],
    "15_opt_out_keyword_variants": [
        clean("message_events", f"event_id = 'me_oo{n}_r'", is_opt_out_keyword=True)
        for n in range(1, len(OPT_OUT_BODIES) + 1)
    ]
    + [clean("message_events", "event_id = 'me_not_keyword'", is_opt_out_keyword=False)],
}


@dataclass(frozen=True)
class Built:
    db_path: Path


def _load_raw(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    for table, rows in RAW_ROWS.items():
        con.execute(create_table_sql(table))
        if not rows:
            continue
        names = list(RAW_TABLES[table])
        placeholders = ", ".join("?" for _ in names)
        con.executemany(
            f"insert into {RAW_SCHEMA}.{table} ({', '.join(names)}) values ({placeholders})",
            [[row.get(name) for name in names] for row in rows],
        )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    from leadpulse import dbt

    root = tmp_path_factory.mktemp("bad_input")
    db_path = root / "leadpulse.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(paths.DUCKDB_PATH_ENV, str(db_path))
        mp.setenv(paths.DUCKDB_TEMP_DIR_ENV, str(root / "tmp"))
        mp.setenv(paths.TARGET_DIR_ENV, str(root / "target"))
        mp.setenv(paths.LOG_DIR_ENV, str(root / "logs"))
        mp.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
        paths.configure_environment()
        con = duckdb.connect(str(db_path))
        try:
            _load_raw(con)
        finally:
            con.close()
        run = dbt.build(as_of=AS_OF, full_refresh=True, exclude=UNIT_TESTS, quiet=True)
        assert run.success, f"dbt build failed: {run.error_message}"
    yield Built(db_path)


@pytest.fixture
def con(built: Built) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(built.db_path), read_only=True)
    try:
        yield connection
    finally:
        connection.close()


def _base_rows(con: duckdb.DuckDBPyConnection, expect: Expect) -> list[dict[str, Any]]:
    base = BASE_MODELS[expect.table][0]
    where = expect.where.replace(
        "properties_case", "json_extract_string(raw_row, '$.properties')::json->>'case'"
    )
    result = con.execute(f"select * from staging.{base} where {where}")
    names = [d[0] for d in result.description]
    return [dict(zip(names, values, strict=True)) for values in result.fetchall()]


def test_every_class_is_covered() -> None:
    assert len(CLASSES) == 16


@pytest.mark.parametrize("bad_input_class", sorted(CLASSES))
def test_bad_input_class_outcome(con: duckdb.DuckDBPyConnection, bad_input_class: str) -> None:
    for expect in CLASSES[bad_input_class]:
        rows = _base_rows(con, expect)
        assert len(rows) == 1, f"{expect.table} where {expect.where}: {len(rows)} rows"
        row = rows[0]
        assert (row["row_status"], row["quarantine_reason"]) == (expect.status, expect.reason), (
            expect
        )
        for column, value in expect.checks.items():
            assert str(row[column]) == str(value) if value is not None else row[column] is None, (
                expect,
                column,
                row[column],
            )
        key = BASE_MODELS[expect.table][2]
        if expect.status == "quarantined":
            # In the quarantine with the same reason (raw_row identifies key-less rows).
            found = con.execute(
                "select count(*) from intermediate.int_rows_quarantined"
                " where source_table = ? and reason = ? and raw_row = ?",
                [expect.table, expect.reason, row["raw_row"]],
            ).fetchone()[0]
            assert found == 1, expect
        elif expect.status == "clean":
            staged = BASE_MODELS[expect.table][1]
            found = con.execute(
                f"select count(*) from staging.{staged} where {key} = ?", [row[key]]
            ).fetchone()[0]
            assert found == 1, expect
    if bad_input_class == "13_control_characters_and_invalid_utf8":
        _assert_invalid_utf8_is_rejected_by_the_loader()
    if bad_input_class in ("06_late_event_inside_lookback", "07_late_event_beyond_lookback"):
        # Late rows reach the activity stream, not only staging.
        event_id = CLASSES[bad_input_class][0].where.split("'")[1]
        streamed = con.execute(
            "select count(*) from intermediate.int_lead_events_unioned where source_event_id = ?",
            [event_id],
        ).fetchone()[0]
        assert streamed == 1
    if bad_input_class == "15_opt_out_keyword_variants":
        flags = con.execute(
            "select lead_id, sms_opted_out, is_contactable_sms from marts.fct_lead_engagement"
            " where list_contains(?, lead_id) order by 1",
            [sorted(OPT_OUT_BODIES)],
        ).fetchall()
        assert flags == [(lead_id, True, False) for lead_id in sorted(OPT_OUT_BODIES)]


def _assert_invalid_utf8_is_rejected_by_the_loader(tmp_dir: Path | None = None) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        names = list(RAW_TABLES["message_events"])
        row = ["me_utf8", "m1", LEAD_NY, "+12125550100", "sms", "inbound", "replied"]
        row += ["2026-06-10T12:00:00Z", "", "", "", "caf\xe9", "2026-06-10 12:10:00"]
        content = (",".join(names) + "\n" + ",".join(row) + "\n").encode("latin-1")
        (Path(folder) / "message_events.csv").write_bytes(content)
        con = duckdb.connect()
        try:
            with pytest.raises(LoadError, match="^message_events: "):
                load_folder(con, folder, append=True)
            assert (
                con.execute(
                    "select count(*) from information_schema.tables"
                    " where table_name = 'message_events'"
                ).fetchone()[0]
                == 0
            )
        finally:
            con.close()


def test_every_raw_table_reconciles_exactly(con: duckdb.DuckDBPyConnection) -> None:
    for table, (base, staged, _) in BASE_MODELS.items():
        raw = con.execute(f"select count(*) from raw.{table}").fetchone()[0]
        assert raw == len(RAW_ROWS[table]), table
        clean_rows = con.execute(f"select count(*) from staging.{staged}").fetchone()[0]
        duplicates = con.execute(
            f"select count(*) from staging.{base} where row_status = 'duplicate'"
        ).fetchone()[0]
        quarantined = con.execute(
            "select count(*) from intermediate.int_rows_quarantined where source_table = ?",
            [table],
        ).fetchone()[0]
        assert raw == clean_rows + duplicates + quarantined, (
            table,
            raw,
            clean_rows,
            duplicates,
            quarantined,
        )
    reconciled = con.execute(
        "select source_table, raw_rows, clean_rows, duplicate_rows, quarantined_rows, is_conserved"
        " from intermediate.int_raw_rows_reconciled order by 1"
    ).fetchall()
    assert all(row[-1] for row in reconciled), reconciled


def test_every_expected_quarantine_reason_is_documented(con: duckdb.DuckDBPyConnection) -> None:
    readme = (paths.project_dir() / "README.md").read_text()
    reasons = {expect.reason for expects in CLASSES.values() for expect in expects if expect.reason}
    for reason in reasons:
        assert f"`{reason}`" in readme, reason
