"""Shared pytest fixtures: a small generated warehouse built once per session.

``warehouse`` generates 400 leads x 90 days (seed 7, as of 2026-06-30) into a
temporary DuckDB file, runs one full-refresh ``dbt build`` through the harness
and yields a ``Warehouse``; ``wh_con`` opens it read-only for one test. Tests
marked ``slow`` run only with ``--run-slow``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pytest

from leadpulse import paths

WAREHOUSE_AS_OF = date(2026, 6, 30)
WAREHOUSE_LEADS = 400
WAREHOUSE_DAYS = 90
WAREHOUSE_SEED = 7


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--run-slow",
        action="store_true",
        default=False,
        help="also run tests marked slow (large scale, soak)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-slow"):
        return
    skip_slow = pytest.mark.skip(reason="slow: run with --run-slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip_slow)


@dataclass(frozen=True)
class Warehouse:
    """A generated and built warehouse shared by the session's tests."""

    db_path: Path
    as_of: date
    build_ok: bool
    build_error: str
    target_dir: Path
    raw_counts: dict[str, int] = field(default_factory=dict)

    @property
    def run_results_path(self) -> Path:
        return self.target_dir / "run_results.json"


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    from leadpulse import dbt
    from leadpulse.generate import generate

    root = tmp_path_factory.mktemp("warehouse")
    db_path = root / "leadpulse.duckdb"
    target_dir = root / "target"
    with pytest.MonkeyPatch.context() as mp:
        # dbt's artifacts and logs go to the temp dir too: other people may be
        # running dbt in the project at the same time.
        mp.setenv(paths.DUCKDB_PATH_ENV, str(db_path))
        mp.setenv(paths.DUCKDB_TEMP_DIR_ENV, str(root / "tmp"))
        mp.setenv(paths.TARGET_DIR_ENV, str(target_dir))
        mp.setenv(paths.LOG_DIR_ENV, str(root / "logs"))
        mp.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
        paths.configure_environment()

        con = duckdb.connect(str(db_path))
        try:
            counts = generate(
                con,
                leads=WAREHOUSE_LEADS,
                days=WAREHOUSE_DAYS,
                seed=WAREHOUSE_SEED,
                as_of=WAREHOUSE_AS_OF,
            )
        finally:
            con.close()

        run = dbt.build(as_of=WAREHOUSE_AS_OF.isoformat(), full_refresh=True)
        yield Warehouse(
            db_path=db_path,
            as_of=WAREHOUSE_AS_OF,
            build_ok=run.success,
            build_error=run.error_message,
            target_dir=target_dir,
            raw_counts=dict(counts),
        )


@pytest.fixture
def wh_con(warehouse: Warehouse) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the session warehouse, closed after the test."""
    con = duckdb.connect(str(warehouse.db_path), read_only=True)
    try:
        yield con
    finally:
        con.close()
