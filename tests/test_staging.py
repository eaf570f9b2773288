"""Invariants of the staging layer on generated data with every kind of mess.

The session warehouse (conftest) is generated and built once; these tests read
it. What YAML tests cannot say lives here: cross-table conservation proved to
fail when a row goes missing, every kind of mess actually reaching its bucket,
and properties of the kept copies.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from leadpulse import paths
from leadpulse.contract import RAW_TABLES

STAGING_MODELS = {
    "leads": "stg_crm__leads",
    "message_events": "stg_messaging__message_events",
    "app_events": "stg_app__events",
    "web_events": "stg_web__events",
    "calls": "stg_telephony__calls",
    "orders": "stg_commerce__orders",
    "privacy_requests": "stg_crm__privacy_requests",
}


def test_build_succeeds(warehouse) -> None:
    assert warehouse.build_ok, warehouse.build_error


def test_every_raw_table_and_staging_model_is_populated(warehouse, wh_con) -> None:
    for table, model in STAGING_MODELS.items():
        raw = wh_con.execute(f"select count(*) from raw.{table}").fetchone()[0]
        staged = wh_con.execute(f"select count(*) from staging.{model}").fetchone()[0]
        assert raw > 0, f"raw.{table} is empty"
        assert 0 < staged <= raw, f"staging.{model}: {staged} rows of {raw} raw"


def test_reconciliation_adds_up_against_raw(wh_con) -> None:
    rows = wh_con.execute(
        "select source_table, raw_rows, clean_rows, duplicate_rows, quarantined_rows,"
        " is_conserved from intermediate.int_raw_rows_reconciled"
    ).fetchall()
    assert {row[0] for row in rows} == set(RAW_TABLES)
    for table, raw_rows, clean, dups, quarantined, conserved in rows:
        direct = wh_con.execute(f"select count(*) from raw.{table}").fetchone()[0]
        assert raw_rows == direct, table
        assert raw_rows == clean + dups + quarantined, table
        assert conserved, table


def test_each_kind_of_mess_lands_in_its_bucket(wh_con) -> None:
    reasons = {
        row[0]
        for row in wh_con.execute(
            "select distinct reason from intermediate.int_rows_quarantined"
        ).fetchall()
    }
    expected = {
        "missing_event_id",
        "missing_timestamp",
        "unparseable_timestamp",
        "implausible_timestamp",
        "future_timestamp",
        "unknown_event_type",
        "negative_duration",
    }
    assert expected <= reasons, f"missing quarantine reasons: {expected - reasons}"

    dups = dict(
        wh_con.execute(
            "select source_table, duplicate_rows from intermediate.int_raw_rows_reconciled"
        ).fetchall()
    )
    for table in ("leads", "message_events", "app_events", "web_events", "orders"):
        assert dups[table] > 0, f"no duplicates or superseded versions found in {table}"

    # Leads with an invalid or missing time zone fall back to their country's zone.
    fallbacks = wh_con.execute(
        "select count(*) from staging.stg_crm__leads where timezone_source <> 'lead'"
    ).fetchone()[0]
    assert fallbacks > 0
    # Message events without a lead id keep an address to be matched by.
    by_address = wh_con.execute(
        "select count(*) from staging.stg_messaging__message_events"
        " where lead_id is null and (address_phone_e164 is not null or address_email is not null)"
    ).fetchone()[0]
    assert by_address > 0
    # Opt-out keyword variants are recognised.
    assert (
        wh_con.execute(
            "select count(*) from staging.stg_messaging__message_events where is_opt_out_keyword"
        ).fetchone()[0]
        > 0
    )


def test_kept_copy_is_the_earliest_loaded_usable_one(wh_con) -> None:
    for model in ("messaging__message_events", "app__events", "web__events", "telephony__calls"):
        key = "call_id" if model == "telephony__calls" else "event_id"
        late_kept = wh_con.execute(
            f"""
            select count(*)
            from staging.stg_{model} as kept
            inner join staging.base_{model} as copy
                on kept.{key} = copy.{key}
            where copy.quarantine_reason is null and copy._loaded_at < kept._loaded_at
            """
        ).fetchone()[0]
        assert late_kept == 0, f"{model}: a later copy was kept over an earlier one"


def test_clean_values_are_normalized(warehouse, wh_con) -> None:
    bad_phones = wh_con.execute(
        "select count(*) from staging.stg_crm__leads"
        " where not regexp_full_match(phone_e164, '\\+[1-9][0-9]{7,14}')"
    ).fetchone()[0]
    assert bad_phones == 0
    bad_emails = wh_con.execute(
        "select count(*) from staging.stg_crm__leads where email <> lower(trim(email))"
    ).fetchone()[0]
    assert bad_emails == 0
    # Clean events happened neither before min_valid_date nor after they were loaded
    # (beyond the allowed skew of 24 hours).
    for model, column in (
        ("stg_messaging__message_events", "occurred_at"),
        ("stg_app__events", "occurred_at"),
        ("stg_web__events", "occurred_at"),
        ("stg_telephony__calls", "started_at"),
        ("stg_commerce__orders", "ordered_at"),
    ):
        out_of_range = wh_con.execute(
            f"select count(*) from staging.{model} where {column} < timestamp '2000-01-01'"
            f" or {column} > _loaded_at + interval 24 hour"
        ).fetchone()[0]
        assert out_of_range == 0, model


def test_quarantined_rows_keep_the_raw_values(wh_con) -> None:
    rows = wh_con.execute(
        "select source_table, json_keys(raw_row) from intermediate.int_rows_quarantined"
    ).fetchall()
    assert rows
    for table, keys in rows:
        assert set(keys) == set(RAW_TABLES[table]), table


# What a base_ table stores besides its stg_ view's columns: what the dedup,
# the quarantine, the reconciliation and the incremental runs read.
BASE_BOOKKEEPING = {"row_fingerprint", "quarantine_reason", "copy_number", "row_status", "raw_row"}


def _columns(con, schema: str, relation: str) -> set[str]:
    return {
        row[0]
        for row in con.execute(
            "select column_name from information_schema.columns"
            " where table_schema = ? and table_name = ?",
            [schema, relation],
        ).fetchall()
    }


def test_base_tables_store_only_what_is_read(wh_con) -> None:
    # Every stored column costs a write of every raw row (a unique text
    # column about 1 s per 5M events), so classification's helper columns
    # (the raw text it parsed, intermediate flags) must not be stored.
    for model in STAGING_MODELS.values():
        base = model.replace("stg_", "base_", 1)
        stored = _columns(wh_con, "staging", base)
        staged = _columns(wh_con, "staging", model)
        assert stored and staged, model
        assert stored - staged <= BASE_BOOKKEEPING, (base, stored - staged - BASE_BOOKKEEPING)


def test_conservation_check_fails_when_a_row_is_dropped(
    warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Drop one clean row from a staging model; the singular test must catch it."""
    from leadpulse import dbt

    # A copy of the warehouse (same file name: views name their catalog after it).
    copy = tmp_path / warehouse.db_path.name
    shutil.copy(warehouse.db_path, copy)
    con = duckdb.connect(str(copy))
    try:
        con.execute("alter view staging.stg_app__events rename to stg_app__events_full")
        con.execute(
            "create view staging.stg_app__events as"
            " select * from staging.stg_app__events_full"
            " where event_id <> (select min(event_id) from staging.stg_app__events_full)"
        )
    finally:
        con.close()

    monkeypatch.setenv(paths.DUCKDB_PATH_ENV, str(copy))
    monkeypatch.setenv(paths.TARGET_DIR_ENV, str(tmp_path / "target"))
    monkeypatch.setenv(paths.LOG_DIR_ENV, str(tmp_path / "logs"))
    run = dbt.invoke(
        ["test", "--select", "assert_raw_rows_conserved"],
        as_of=warehouse.as_of.isoformat(),
        quiet=True,
    )
    assert not run.success
    failed = [node.name for node in run.problems]
    assert failed == ["assert_raw_rows_conserved"], failed

    # And on the untouched warehouse the same check passes.
    monkeypatch.setenv(paths.DUCKDB_PATH_ENV, str(warehouse.db_path))
    run = dbt.invoke(
        ["test", "--select", "assert_raw_rows_conserved"],
        as_of=warehouse.as_of.isoformat(),
        quiet=True,
    )
    assert run.success
