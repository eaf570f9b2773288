"""Schema drift fails loudly, naming the table and column, or is accepted as documented.

Issue 6, item 2. Two gates, each tested per kind of drift (added, removed,
renamed, retyped column):

- `leadpulse load` checks every file against the contract before writing
  anything (tests/test_load.py covers the basic cases; the retyped Parquet
  column is new here);
- the singular dbt test `assert_raw_columns_match_contract` compares the raw
  tables a build reads (whoever wrote them) with the sources YAML and errors
  with a message naming each drifted column. Without it, staging (which
  selects columns by name) would ignore an added column silently.

A new key in a JSON column (`app_events.properties`) is accepted: staging
extracts the keys it knows and the row stays clean; the raw table keeps the
whole JSON (README, "What staging does with messy input").
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from test_load import export_folder, fill_raw

from leadpulse import paths
from leadpulse.contract import RAW_SCHEMA, RAW_TABLES, create_table_sql
from leadpulse.load import LoadError, load_folder

AS_OF = "2026-06-30"
CONTRACT_TEST = "assert_raw_columns_match_contract"

# One drift of each kind, on different tables, all applied to one warehouse.
DRIFTS = {
    "added": (
        "alter table raw.calls add column recording_url varchar",
        "raw.calls.recording_url not in the contract (added or renamed)",
    ),
    "removed": (
        "alter table raw.web_events drop column referrer",
        "raw.web_events.referrer missing (removed or renamed)",
    ),
    "renamed": (
        "alter table raw.orders rename column channel to sales_channel",
        "raw.orders.channel missing (removed or renamed); "
        "raw.orders.sales_channel not in the contract (added or renamed)",
    ),
    "retyped": (
        "alter table raw.leads alter column is_deleted type varchar",
        "raw.leads.is_deleted is VARCHAR, the contract says boolean",
    ),
}


def _invoke(root: Path, command: list[str]):
    from leadpulse import dbt

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(paths.DUCKDB_PATH_ENV, str(root / "leadpulse.duckdb"))
        mp.setenv(paths.DUCKDB_TEMP_DIR_ENV, str(root / "tmp"))
        mp.setenv(paths.TARGET_DIR_ENV, str(root / "target"))
        mp.setenv(paths.LOG_DIR_ENV, str(root / "logs"))
        mp.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
        paths.configure_environment()
        return dbt.invoke(command, as_of=AS_OF, quiet=True)


def _contract_tables(db_path: Path) -> None:
    con = duckdb.connect(str(db_path))
    try:
        con.execute(f"create schema {RAW_SCHEMA}")
        for table in RAW_TABLES:
            con.execute(create_table_sql(table))
    finally:
        con.close()


@pytest.fixture(scope="module")
def drift_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    """The contract test on raw tables as the contract states them, then with every drift."""
    root = tmp_path_factory.mktemp("schema_drift")
    db_path = root / "leadpulse.duckdb"
    _contract_tables(db_path)
    clean = _invoke(root, ["test", "--select", CONTRACT_TEST])
    con = duckdb.connect(str(db_path))
    try:
        for statement, _ in DRIFTS.values():
            con.execute(statement)
    finally:
        con.close()
    drifted = _invoke(root, ["test", "--select", CONTRACT_TEST])
    yield {"clean": clean, "drifted": drifted}


def test_contract_test_passes_on_the_contract(drift_runs) -> None:
    run = drift_runs["clean"]
    assert run.success, run.error_message


@pytest.mark.parametrize("kind", sorted(DRIFTS))
def test_drift_fails_naming_table_and_column(drift_runs, kind: str) -> None:
    run = drift_runs["drifted"]
    assert not run.success
    assert [node.name for node in run.problems] == [CONTRACT_TEST]
    message = run.problems[0].message
    for expected in DRIFTS[kind][1].split("; "):
        assert expected in message, message


@pytest.mark.parametrize("kind", ["added", "removed", "renamed"])
def test_loader_rejects_column_drift_naming_table(tmp_path: Path, kind: str) -> None:
    source = duckdb.connect()
    try:
        fill_raw(source, 3)
        statement = {
            "added": "alter table raw.calls add column recording_url varchar",
            "removed": "alter table raw.calls drop column tracking_source",
            "renamed": "alter table raw.calls rename column tracking_source to source",
        }[kind]
        source.execute(statement)
        folder = export_folder(source, tmp_path / "in", "parquet")
    finally:
        source.close()
    expected = {
        "added": "unexpected column(s): recording_url",
        "removed": "missing column(s): tracking_source",
        "renamed": "missing column(s): tracking_source; unexpected column(s): source",
    }[kind]
    with pytest.raises(LoadError, match=r"^calls: calls\.parquet") as raised:
        load_folder(tmp_path / "leadpulse.duckdb", folder)
    assert expected in str(raised.value)


@pytest.mark.parametrize(
    ("column", "new_type", "accepted"),
    [
        ("duration_seconds", "varchar", False),
        ("duration_seconds", "double", False),
        ("duration_seconds", "smallint", True),
        ("_loaded_at", "timestamptz", True),
    ],
)
def test_loader_rejects_a_lossy_retyped_parquet_column(
    tmp_path: Path, column: str, new_type: str, accepted: bool
) -> None:
    source = duckdb.connect()
    try:
        fill_raw(source, 3)
        source.execute(f"alter table raw.calls alter column {column} type {new_type}")
        folder = export_folder(source, tmp_path / "in", "parquet")
    finally:
        source.close()
    if accepted:
        counts = load_folder(tmp_path / "leadpulse.duckdb", folder)
        assert counts["calls"] == 3 + list(RAW_TABLES).index("calls")
        return
    with pytest.raises(LoadError, match=rf"^calls: .*retyped column\(s\): {column} is "):
        load_folder(tmp_path / "leadpulse.duckdb", folder)
    assert not (tmp_path / "leadpulse.duckdb").exists() or _raw_is_empty(
        tmp_path / "leadpulse.duckdb"
    )


def _raw_is_empty(db_path: Path) -> bool:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return (
            con.execute(
                "select count(*) from information_schema.tables where table_schema = 'raw'"
            ).fetchone()[0]
            == 0
        )
    finally:
        con.close()


def test_new_json_key_is_accepted(tmp_path_factory: pytest.TempPathFactory) -> None:
    """An app event whose properties carry a key staging does not know stays clean."""
    root = tmp_path_factory.mktemp("json_key")
    db_path = root / "leadpulse.duckdb"
    _contract_tables(db_path)
    con = duckdb.connect(str(db_path))
    try:
        con.execute(
            "insert into raw.app_events values ('ae_1', 'dev_1', 'L1', 'product_viewed',"
            " 'ios', '2026-06-10T12:00:00Z', '2026-06-10T12:00:01Z',"
            """ '{"product_id": "p1", "coupon_code": "SUMMER", "nested": {"a": 1}}',"""
            " timestamp '2026-06-10 12:10:00')"
        )
    finally:
        con.close()
    run = _invoke(
        root,
        [
            "build",
            "--select",
            "+base_app__events",
            "--exclude",
            "resource_type:unit_test",
            # Only tests of the selected nodes, not those that also read unbuilt models.
            "--indirect-selection",
            "cautious",
        ],
    )
    assert run.success, run.error_message
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        row = con.execute(
            "select row_status, product_id from staging.base_app__events where event_id = 'ae_1'"
        ).fetchone()
        raw = con.execute("select properties from raw.app_events").fetchone()[0]
    finally:
        con.close()
    assert row == ("clean", "p1")
    assert "coupon_code" in raw
