"""`leadpulse bench` at a small scale: it completes, writes every section, and agrees.

Timings are measured, never asserted. The end-to-end test generates ~5,000 raw
events, runs every step once (dbt build and run with full refresh, the
hand-written SQL, pandas when present, one simulated day and an incremental
run) and checks that the hand-written SQL (and the pandas reference, when it
can run) give marts.fct_lead_engagement's values on every column.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

import duckdb
import pytest

from leadpulse import paths
from leadpulse.bench.project_vars import load_project_vars
from leadpulse.bench.runner import (
    STEPS,
    compare_tables,
    pandas_availability,
    render_hand_written,
    size_for,
)
from leadpulse.cli import main

BENCH_EVENTS = 5000
DBT_STEPS = ("dbt_build_full_refresh", "dbt_run_full_refresh", "incremental_run")


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict[str, Any]]:
    root = tmp_path_factory.mktemp("bench")
    with pytest.MonkeyPatch.context() as mp:
        # Nothing of the project's own warehouse or artifacts is touched.
        mp.setenv(paths.DUCKDB_PATH_ENV, str(root / "unused" / "leadpulse.duckdb"))
        mp.setenv(paths.TARGET_DIR_ENV, str(root / "unused" / "target"))
        mp.setenv(paths.LOG_DIR_ENV, str(root / "unused" / "logs"))
        code = main(
            [
                "bench",
                "--events",
                str(BENCH_EVENTS),
                "--runs",
                "1",
                "--out",
                str(root / "results"),
                "--work-dir",
                str(root / "work"),
            ]
        )
    results = json.loads((root / "results" / f"{BENCH_EVENTS}.json").read_text())
    return code, results


def test_bench_completes_with_every_section(bench_run: tuple[int, dict[str, Any]]) -> None:
    code, results = bench_run
    assert code == 0
    for key in (
        "machine",
        "raw_rows",
        "simulated_day_rows",
        "steps",
        "ratios",
        "agreement",
        "leads",
        "days",
    ):
        assert key in results, key
    assert set(results["steps"]) == set(STEPS)
    assert results["raw_event_rows"] > 0
    assert sum(results["simulated_day_rows"].values()) > 0
    for step in DBT_STEPS:
        median = results["steps"][step]["median"]
        assert median["db_seconds"] > 0 and median["peak_rss_mib"] > 0, step
        assert len(results["steps"][step]["runs"]) == 1
    build = results["steps"]["dbt_build_full_refresh"]["median"]
    assert build["tests_db_seconds"] > 0 and build["models_db_seconds"] > 0
    assert results["steps"]["dbt_run_full_refresh"]["median"]["tests_db_seconds"] == 0
    hand = results["steps"]["hand_written_sql"]["median"]
    assert hand["rows"] > 0 and hand["peak_rss_mib"] > 0
    for name in ("build_wall_over_hand_written", "incremental_over_full_models_db"):
        assert results["ratios"][name] is not None


def test_hand_written_sql_agrees_with_the_mart(bench_run: tuple[int, dict[str, Any]]) -> None:
    _, results = bench_run
    report = results["agreement"]["hand_written_sql"]
    assert report["matched_leads"] == results["steps"]["hand_written_sql"]["median"]["rows"]
    assert report["only_in_reference"] == 0 and report["only_in_candidate"] == 0
    assert report["missing_columns"] == []
    assert report["columns_compared"] >= 60
    assert {c: n for c, n in report["mismatches"].items() if n} == {}
    assert report["segments_identical"] and report["agree"]


def test_pandas_reference_agrees_when_present(bench_run: tuple[int, dict[str, Any]]) -> None:
    _, results = bench_run
    available, reason = pandas_availability()
    if not available:
        assert results["steps"]["pandas"] == {"available": False, "reason": reason}
        pytest.skip(f"pandas reference not available: {reason}")
    report = results["agreement"]["pandas"]
    assert report["missing_columns"] == []
    assert {c: n for c, n in report["mismatches"].items() if n} == {}
    assert report["agree"]


def test_size_for_matches_the_generator_sizing() -> None:
    assert size_for(1_000_000) == (4700, 180)
    assert size_for(10) == (20, 180)


def test_render_fills_every_placeholder() -> None:
    project_vars = load_project_vars(datetime.date(2026, 6, 30))
    sql = render_hand_written(project_vars, "bench.out")
    assert "${" not in sql
    assert "date '2026-06-30'" in sql
    assert "create or replace table bench.out as" in sql


def test_compare_tables_counts_mismatches_per_column() -> None:
    con = duckdb.connect()
    con.execute("create schema marts; create schema bench")
    con.execute(
        """
        create table marts.ref as select * from (values
            ('a', 1.0::double, 'x', 5),
            ('b', 2.0::double, 'y', 6),
            ('c', 0.0::double, 'z', 7)
        ) as t(lead_id, score, segment, days)
        """
    )
    con.execute(
        """
        create table bench.cand as select * from (values
            ('a', 1.0 + 1e-12, 'x', 5),
            ('b', 2.1, 'y', 6),
            ('d', 0.0, 'z', 7)
        ) as t(lead_id, score, segment, days)
        """
    )
    report = compare_tables(con, "marts.ref", "bench.cand")
    assert report["matched_leads"] == 2
    assert report["only_in_reference"] == 1 and report["only_in_candidate"] == 1
    # b's score is off by 5 %; c and d are each on one side only.
    assert report["mismatches"] == {"score": 3, "segment": 2, "days": 2}
    assert not report["agree"]
