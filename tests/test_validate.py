"""`leadpulse validate`: the unattributed share is printed and fails above the var."""

from __future__ import annotations

import io
import json
from pathlib import Path

import duckdb
import pytest

from leadpulse import validate


def _warehouse(
    tmp_path: Path, unattributed: int, total: int, marts_as_of: str | None = None
) -> Path:
    db = tmp_path / "leadpulse.duckdb"
    con = duckdb.connect(str(db))
    try:
        con.execute("create schema intermediate")
        con.execute(
            "create table intermediate.int_events_attributed as"
            " select 'app_events' as source_table,"
            " case when i < ? then null else 'L' || i end as lead_id"
            " from range(?) as r(i)",
            [unattributed, total],
        )
        if marts_as_of:
            con.execute("create schema marts")
            con.execute(
                "create table marts.fct_lead_engagement as"
                " select 'L1' as lead_id, cast(? as date) as as_of_date",
                [marts_as_of],
            )
    finally:
        con.close()
    return db


def _run_results(tmp_path: Path, dbt_vars: dict[str, object]) -> Path:
    path = tmp_path / "run_results.json"
    path.write_text(
        json.dumps(
            {
                "metadata": {"generated_at": "2026-06-30T00:00:00Z"},
                "args": {"which": "build", "vars": dbt_vars},
                "results": [{"unique_id": "model.leadpulse.x", "status": "success"}],
            }
        )
    )
    return path


@pytest.mark.parametrize(
    ("limit", "expected_code"),
    [(0.2, 1), (0.3, 0), (0.5, 0)],
)
def test_unattributed_share_against_the_var(
    tmp_path: Path, limit: float, expected_code: int
) -> None:
    db = _warehouse(tmp_path, unattributed=3, total=10)
    results = _run_results(tmp_path, {"as_of_date": "2026-06-30", "max_unattributed_share": limit})
    out = io.StringIO()
    code = validate.validate(run_results=results, db_path=db, out=out)
    text = out.getvalue()
    assert code == expected_code, text
    assert "30.00%" in text
    if expected_code:
        assert "intermediate.int_events_attributed" in text


def test_var_defaults_to_dbt_project(tmp_path: Path) -> None:
    db = _warehouse(tmp_path, unattributed=5, total=10)
    results = _run_results(tmp_path, {"as_of_date": "2026-06-30"})
    out = io.StringIO()
    assert validate.validate(run_results=results, db_path=db, out=out) == 1
    assert "limit max_unattributed_share = 10.00%" in out.getvalue()


def test_last_run_names_its_as_of_date(tmp_path: Path) -> None:
    """The var when the run had one; else (the harness passes the day in the
    environment, which run_results.json does not keep) the marts' own date."""
    db = _warehouse(tmp_path, unattributed=0, total=10, marts_as_of="2026-07-01")
    for dbt_vars, expected in [
        ({"as_of_date": "2026-06-30"}, "as_of_date 2026-06-30"),
        ({}, "marts as of 2026-07-01"),
    ]:
        ctx = validate.Context(run_results_path=_run_results(tmp_path, dbt_vars), db_path=db)
        try:
            notes = validate.check_run_results(ctx).notes
        finally:
            ctx.close()
        assert any(expected in note for note in notes), notes
