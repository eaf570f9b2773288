"""leadpulse.load: folders of CSV/Parquet into raw, checked first, all or nothing."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from leadpulse.contract import RAW_SCHEMA, RAW_TABLES, create_table_sql
from leadpulse.load import LoadError, load_folder

Fingerprint = dict[str, tuple[tuple[tuple[str, str], ...], int, str]]


def _value_sql(column: str, typ: str) -> str:
    """Deterministic values per type, with NULLs, empty strings, commas and quotes."""
    if typ == "varchar":
        return (
            f"case when i % 5 = 4 then null when i % 5 = 3 then '' else '{column}, \"q\" ' || i end"
        )
    if typ == "boolean":
        return "i % 2 = 0"
    if typ == "timestamp":
        return "timestamp '2026-06-01 00:00:00.25' + to_seconds(i * 3601)"
    if typ == "integer":
        return "cast(i * 10 - 5 as integer)"
    return f"cast(i * 1.25 as {typ})"


def fill_raw(con: duckdb.DuckDBPyConnection, rows: int, *, offset: int = 0) -> dict[str, int]:
    """Create every raw table with ``rows`` rows (more for later tables)."""
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    counts = {}
    for n, (table, columns) in enumerate(RAW_TABLES.items()):
        con.execute(f"drop table if exists {RAW_SCHEMA}.{table}")
        con.execute(create_table_sql(table))
        exprs = ", ".join(_value_sql(c, t) for c, t in columns.items())
        count = rows + n
        con.execute(
            f"insert into {RAW_SCHEMA}.{table} select {exprs} "
            f"from range({offset}, {offset + count}) as r(i)"
        )
        counts[table] = count
    return counts


def raw_fingerprint(con: duckdb.DuckDBPyConnection) -> Fingerprint:
    """Column names and types, row count and a hash of every row of every raw table."""
    out: Fingerprint = {}
    for table in RAW_TABLES:
        columns = con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            [RAW_SCHEMA, table],
        ).fetchall()
        row = con.execute(
            "select count(*), md5(coalesce(string_agg(j, chr(10) order by j), '')) "
            f"from (select to_json(t)::varchar as j from {RAW_SCHEMA}.{table} as t)"
        ).fetchone()
        assert row is not None
        out[table] = (tuple(columns), int(row[0]), str(row[1]))
    return out


def export_folder(
    con: duckdb.DuckDBPyConnection, folder: Path, fmt: str, *, split: bool = False
) -> Path:
    """Write the raw tables to ``folder`` as <table>.<fmt> (or <table>/part-N.<fmt>)."""
    folder.mkdir(parents=True, exist_ok=True)
    options = "(header, delimiter ',')" if fmt == "csv" else "(format parquet)"
    for table in RAW_TABLES:
        if not split:
            con.execute(f"copy {RAW_SCHEMA}.{table} to '{folder / f'{table}.{fmt}'}' {options}")
            continue
        (folder / table).mkdir()
        cols = list(RAW_TABLES[table])
        # Two parts with different column orders: columns are matched by name.
        con.execute(
            f"copy (select * from {RAW_SCHEMA}.{table} where rowid % 2 = 0) "
            f"to '{folder / table / f'part-0.{fmt}'}' {options}"
        )
        con.execute(
            f"copy (select {', '.join(reversed(cols))} from {RAW_SCHEMA}.{table} "
            f"where rowid % 2 = 1) to '{folder / table / f'part-1.{fmt}'}' {options}"
        )
    return folder


@pytest.fixture
def source(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory database holding the rows the folders are made from."""
    con = duckdb.connect(":memory:")
    con.execute("set TimeZone = 'UTC'")
    fill_raw(con, rows=25)
    return con


@pytest.fixture
def populated_db(tmp_path: Path) -> Path:
    """A warehouse file whose raw schema already holds other rows."""
    db = tmp_path / "wh" / "warehouse.duckdb"
    db.parent.mkdir()
    con = duckdb.connect(str(db))
    fill_raw(con, rows=7, offset=1000)
    con.close()
    return db


def _fingerprint_of(db: Path) -> Fingerprint:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return raw_fingerprint(con)
    finally:
        con.close()


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.parametrize("split", [False, True], ids=["file", "folder"])
def test_load_valid_folder_round_trips(
    source: duckdb.DuckDBPyConnection, populated_db: Path, tmp_path: Path, fmt: str, split: bool
) -> None:
    folder = export_folder(source, tmp_path / "in", fmt, split=split)
    counts = load_folder(populated_db, folder)

    expected = raw_fingerprint(source)
    assert counts == {table: expected[table][1] for table in RAW_TABLES}
    assert _fingerprint_of(populated_db) == expected


def test_load_accepts_an_open_connection(source: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    folder = export_folder(source, tmp_path / "in", "csv")
    con = duckdb.connect(str(tmp_path / "fresh.duckdb"))
    counts = load_folder(con, folder)
    assert counts == {table: 25 + n for n, table in enumerate(RAW_TABLES)}
    assert raw_fingerprint(con) == raw_fingerprint(source)
    con.close()


def test_append_adds_rows(source: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    folder = export_folder(source, tmp_path / "in", "parquet")
    db = tmp_path / "wh.duckdb"
    load_folder(db, folder)
    # A daily load may carry only some tables.
    (folder / "leads.parquet").unlink()
    counts = load_folder(db, folder, append=True)
    assert counts["leads"] == 0
    assert counts["calls"] == raw_fingerprint(source)["calls"][1]
    con = duckdb.connect(str(db), read_only=True)
    total = con.execute(f"select count(*) from {RAW_SCHEMA}.calls").fetchone()
    con.close()
    assert total is not None and total[0] == 2 * counts["calls"]


def test_missing_column_is_named_and_raw_is_unchanged(
    source: duckdb.DuckDBPyConnection, populated_db: Path, tmp_path: Path
) -> None:
    folder = export_folder(source, tmp_path / "in", "csv")
    cols = [c for c in RAW_TABLES["calls"] if c != "duration_seconds"]
    source.execute(
        f"copy (select {', '.join(cols)} from {RAW_SCHEMA}.calls) "
        f"to '{folder / 'calls.csv'}' (header)"
    )
    before = _fingerprint_of(populated_db)

    with pytest.raises(LoadError) as err:
        load_folder(populated_db, folder)

    message = str(err.value)
    assert "calls" in message and "duration_seconds" in message
    assert "missing" in message
    assert _fingerprint_of(populated_db) == before


def test_unexpected_column_is_named(
    source: duckdb.DuckDBPyConnection, populated_db: Path, tmp_path: Path
) -> None:
    folder = export_folder(source, tmp_path / "in", "parquet")
    source.execute(
        f"copy (select *, 'x' as surprise_col from {RAW_SCHEMA}.orders) "
        f"to '{folder / 'orders.parquet'}' (format parquet)"
    )
    before = _fingerprint_of(populated_db)
    with pytest.raises(LoadError, match=r"orders.*unexpected column\(s\): surprise_col"):
        load_folder(populated_db, folder)
    assert _fingerprint_of(populated_db) == before


def test_bad_value_rolls_back_tables_already_replaced(
    source: duckdb.DuckDBPyConnection, populated_db: Path, tmp_path: Path
) -> None:
    # calls comes after leads, message_events, ... : those are replaced inside the
    # transaction before calls fails, and must come back.
    folder = export_folder(source, tmp_path / "in", "csv")
    source.execute(
        f"copy (select * replace ('twelve' as duration_seconds) from "
        f"(select * replace (cast(duration_seconds as varchar) as duration_seconds) "
        f"from {RAW_SCHEMA}.calls)) to '{folder / 'calls.csv'}' (header)"
    )
    before = _fingerprint_of(populated_db)
    with pytest.raises(LoadError, match=r"calls: column duration_seconds .*'twelve'"):
        load_folder(populated_db, folder)
    assert _fingerprint_of(populated_db) == before


def test_unknown_and_missing_tables_are_named(
    source: duckdb.DuckDBPyConnection, populated_db: Path, tmp_path: Path
) -> None:
    folder = export_folder(source, tmp_path / "in", "csv")
    (folder / "clicks.csv").write_text("a,b\n1,2\n")
    with pytest.raises(LoadError, match="unknown table file.*clicks.csv"):
        load_folder(populated_db, folder)

    (folder / "clicks.csv").unlink()
    (folder / "privacy_requests.csv").unlink()
    with pytest.raises(LoadError, match="no file for raw table.*privacy_requests"):
        load_folder(populated_db, folder)

    (folder / "privacy_requests.csv").write_text("")
    with pytest.raises(LoadError, match="privacy_requests.*empty"):
        load_folder(populated_db, folder)


def test_same_table_twice_is_rejected(source: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    folder = export_folder(source, tmp_path / "in", "csv")
    source.execute(f"copy {RAW_SCHEMA}.leads to '{folder / 'leads.parquet'}' (format parquet)")
    with pytest.raises(LoadError, match="more than one .*leads"):
        load_folder(tmp_path / "wh.duckdb", folder)
