"""`leadpulse refresh` and `leadpulse backfill` through the CLI: they run, move the
as-of day forward, and are safe to rerun."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from leadpulse import cli, paths
from leadpulse.generate import generate

AS_OF = date(2026, 6, 30)


def _tables(db: Path, schema: str) -> dict[str, list[tuple]]:
    """Every table's and view's rows, doubles rounded to 9 places: a sum of
    doubles depends on the order rows are read in, which incremental writes
    change (last-bit differences, as in tests/test_incremental.py)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        columns: dict[str, list[str]] = {}
        for name, column, data_type in con.execute(
            "select table_name, column_name, data_type from information_schema.columns"
            " where table_schema = ? order by table_name, ordinal_position",
            [schema],
        ).fetchall():
            columns.setdefault(name, []).append(
                f'round("{column}", 9)' if data_type in ("DOUBLE", "FLOAT") else f'"{column}"'
            )
        return {
            name: sorted(
                con.execute(f"select {', '.join(cols)} from {schema}.{name}").fetchall(), key=repr
            )
            for name, cols in columns.items()
        }
    finally:
        con.close()


@pytest.fixture(scope="module")
def small_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("refresh")
    db = root / "leadpulse.duckdb"
    con = duckdb.connect(str(db))
    try:
        generate(con, leads=200, days=100, seed=11, as_of=AS_OF)
    finally:
        con.close()
    return db


@pytest.fixture
def cli_env(small_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = small_db.parent
    monkeypatch.setenv(paths.TARGET_DIR_ENV, str(root / "target"))
    monkeypatch.setenv(paths.LOG_DIR_ENV, str(root / "logs"))
    monkeypatch.delenv(paths.DUCKDB_TEMP_DIR_ENV, raising=False)
    return small_db


def test_backfill_then_refresh_then_rerun(cli_env: Path, capsys: pytest.CaptureFixture) -> None:
    db = str(cli_env)
    assert cli.main(["--db", db, "backfill", "--from", "2026-06-28", "--to", "2026-06-30",
                     "--full-refresh"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "backfill 3/3 as of 2026-06-30: ok" in out

    assert cli.main(["--db", db, "refresh", "--simulate-day", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "simulated loads of 2026-07-01" in out
    con = duckdb.connect(db, read_only=True)
    try:
        new_rows = con.execute(
            "select count(*) from raw.app_events where cast(_loaded_at as date) = date '2026-07-01'"
        ).fetchone()[0]
        as_of = con.execute("select distinct as_of_date from marts.fct_lead_engagement").fetchall()
    finally:
        con.close()
    assert new_rows > 0
    assert as_of == [(date(2026, 7, 1),)]
    marts_before = _tables(cli_env, "marts")

    # The same day again: the same rows arrive twice, dedup keeps the marts as they were.
    assert cli.main(["--db", db, "refresh", "--simulate-day", "--seed", "3",
                     "--as-of", "2026-07-01"]) == 0  # fmt: skip
    assert _tables(cli_env, "marts") == marts_before


def test_backfill_rejects_an_empty_range(cli_env: Path, capsys: pytest.CaptureFixture) -> None:
    code = cli.main(
        ["--db", str(cli_env), "backfill", "--from", "2026-06-30", "--to", "2026-06-01"]
    )
    assert code == 1
    assert "before --from" in capsys.readouterr().err
