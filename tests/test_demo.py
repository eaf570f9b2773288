"""The demo end to end through the CLI, at a reduced size: what `make demo` leaves behind."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from leadpulse import cli, paths
from leadpulse.contract import RAW_TABLES

SEGMENT_VALUES = {
    "activity_segment": {"active", "episodic", "dormant", "inactive"},
    "lifecycle_state": {
        "churned",
        "new",
        "never_engaged",
        "loyal",
        "at_risk",
        "active",
        "dormant",
    },
    "rfm_segment": {
        "champions",
        "loyal_customers",
        "potential_loyalists",
        "new_customers",
        "promising",
        "need_attention",
        "about_to_sleep",
        "at_risk",
        "cannot_lose_them",
        "hibernating",
        "lost",
        "prospects",
    },
}


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo")
    db = root / "leadpulse.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(paths.TARGET_DIR_ENV, str(root / "target"))
        mp.setenv(paths.LOG_DIR_ENV, str(root / "logs"))
        mp.delenv(paths.DUCKDB_TEMP_DIR_ENV, raising=False)
        code = cli.main(
            ["--db", str(db), "demo", "--leads", "1500", "--days", "400", "--seed", "42"]
            + ["--history-days", "3"]
            + ["--as-of", "2026-06-30"]
        )
        assert code == 0
    return db


def test_demo_populates_every_layer(demo_db: Path) -> None:
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        for table in RAW_TABLES:
            assert con.execute(f"select count(*) from raw.{table}").fetchone()[0] > 0, table
        staging = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables"
                " where table_schema = 'staging' and table_name like 'stg_%'"
            ).fetchall()
        ]
        assert len(staging) == len(RAW_TABLES)
        for name in staging:
            assert con.execute(f"select count(*) from staging.{name}").fetchone()[0] > 0, name
        quarantined = con.execute(
            "select count(*), count(distinct reason) from intermediate.int_rows_quarantined"
        ).fetchone()
        assert quarantined[0] > 0 and quarantined[1] >= 5
    finally:
        con.close()


def test_demo_has_leads_in_every_segment_value(demo_db: Path) -> None:
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        for column, values in SEGMENT_VALUES.items():
            seen = {
                value
                for (value,) in con.execute(
                    f"select distinct {column} from marts.fct_lead_engagement"
                ).fetchall()
            }
            assert seen == values, f"{column}: missing {values - seen}, unexpected {seen - values}"
    finally:
        con.close()


def test_demo_backfill_leaves_history_for_the_report(demo_db: Path) -> None:
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        days = con.execute(
            "select count(distinct activity_date) from marts.agg_segment_daily"
        ).fetchone()[0]
        open_rows = con.execute(
            "select count(*) from marts.fct_lead_state_history where is_current"
        ).fetchone()[0]
        # Leads with an erasure request leave the history (SPEC §6).
        leads = con.execute(
            "select count(*) from marts.fct_lead_engagement where lead_id not in ("
            " select lead_id from staging.stg_crm__privacy_requests"
            " where request_type = 'erasure')"
        ).fetchone()[0]
    finally:
        con.close()
    assert days == 3
    assert open_rows == leads
