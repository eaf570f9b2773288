"""Load a folder of CSV or Parquet files into the raw schema (SPEC section 1).

The folder holds one entry per raw table: ``<table>.csv``, ``<table>.parquet``,
or a sub-folder ``<table>/`` of ``*.csv`` / ``*.parquet`` files. Every file's
columns are checked against the contract before anything in the warehouse
changes, and all tables are written in one transaction: on any error the raw
schema is exactly as it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import duckdb

from leadpulse.contract import RAW_SCHEMA, RAW_TABLES, create_table_sql

FORMATS = ("csv", "parquet")


class LoadError(ValueError):
    """A folder that cannot be loaded; the message names the table and the problem."""


@dataclass(frozen=True)
class TableSource:
    """The files holding one raw table."""

    table: str
    fmt: str  # "csv" or "parquet"
    files: tuple[Path, ...]


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _reader(fmt: str, files: tuple[Path, ...]) -> str:
    file_list = "[" + ", ".join(_sql_str(str(f)) for f in files) + "]"
    if fmt == "csv":
        # Everything as text first, so a bad value is reported by column, not by the sniffer.
        return (
            f"read_csv({file_list}, header = true, all_varchar = true, delim = ',', "
            "quote = '\"', escape = '\"', allow_quoted_nulls = false, union_by_name = true)"
        )
    return f"read_parquet({file_list}, union_by_name = true)"


def discover(folder: Path) -> dict[str, TableSource]:
    """Map each raw table to its files; raise LoadError on unknown or ambiguous entries."""
    folder = Path(folder)
    if not folder.is_dir():
        raise LoadError(f"{folder}: not a directory")
    found: dict[str, list[TableSource]] = {}
    unknown: list[str] = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith((".", "_")):
            continue  # hidden files, _SUCCESS markers
        if entry.is_dir():
            files_by_fmt = {
                fmt: tuple(sorted(p for p in entry.glob(f"*.{fmt}") if p.is_file()))
                for fmt in FORMATS
            }
            present = [fmt for fmt, files in files_by_fmt.items() if files]
            if entry.name not in RAW_TABLES or len(present) != 1:
                if entry.name in RAW_TABLES and len(present) > 1:
                    raise LoadError(f"{entry.name}: folder mixes csv and parquet files")
                if entry.name in RAW_TABLES:
                    raise LoadError(f"{entry.name}: folder {entry} has no csv or parquet files")
                unknown.append(entry.name + "/")
                continue
            fmt = present[0]
            found.setdefault(entry.name, []).append(TableSource(entry.name, fmt, files_by_fmt[fmt]))
        else:
            stem, _, ext = entry.name.partition(".")
            if stem not in RAW_TABLES or ext not in FORMATS:
                unknown.append(entry.name)
                continue
            found.setdefault(stem, []).append(TableSource(stem, ext, (entry,)))
    if unknown:
        raise LoadError(
            f"{folder}: unknown table file(s): {', '.join(unknown)} "
            f"(expected one of: {', '.join(RAW_TABLES)})"
        )
    doubled = sorted(t for t, sources in found.items() if len(sources) > 1)
    if doubled:
        raise LoadError(
            f"{folder}: more than one file or folder for table(s): {', '.join(doubled)}"
        )
    return {table: sources[0] for table, sources in found.items()}


def _file_columns(con: duckdb.DuckDBPyConnection, source: TableSource, path: Path) -> list[str]:
    if path.stat().st_size == 0:
        raise LoadError(f"{source.table}: file {path} is empty (a header row is required)")
    try:
        cur = con.execute(f"select * from {_reader(source.fmt, (path,))} limit 0")
    except duckdb.Error as exc:
        raise LoadError(f"{source.table}: cannot read {path}: {exc}") from exc
    return [d[0] for d in cur.description]


def check_columns(con: duckdb.DuckDBPyConnection, source: TableSource) -> None:
    """Every file of ``source`` has exactly the contract's columns (any order, any case)."""
    expected = list(RAW_TABLES[source.table])
    for path in source.files:
        columns = _file_columns(con, source, path)
        lowered = [c.lower() for c in columns]
        doubled = sorted({c for c in lowered if lowered.count(c) > 1})
        missing = [c for c in expected if c not in lowered]
        unexpected = [c for c in columns if c.lower() not in expected]
        if missing or unexpected or doubled:
            parts = []
            if missing:
                parts.append(f"missing column(s): {', '.join(missing)}")
            if unexpected:
                parts.append(f"unexpected column(s): {', '.join(unexpected)}")
            if doubled:
                parts.append(f"repeated column(s): {', '.join(doubled)}")
            raise LoadError(
                f"{source.table}: {path.name} does not match the raw contract: {'; '.join(parts)}"
            )
        if source.fmt == "parquet":
            retyped = _retyped_columns(con, source, path)
            if retyped:
                raise LoadError(
                    f"{source.table}: {path.name} does not match the raw contract: "
                    f"retyped column(s): {', '.join(retyped)}"
                )


# Parquet types a contract type accepts as is: the same type, or one that
# converts without loss (narrower integers, any timestamp precision, a
# decimal with no more than two places). CSV is text and checked by value.
_COMPATIBLE_TYPES: dict[str, tuple[str, ...]] = {
    "varchar": ("VARCHAR",),
    "boolean": ("BOOLEAN",),
    "integer": ("TINYINT", "SMALLINT", "INTEGER", "UTINYINT", "USMALLINT"),
    "timestamp": (
        "TIMESTAMP",
        "TIMESTAMP WITH TIME ZONE",
        "TIMESTAMP_S",
        "TIMESTAMP_MS",
        "TIMESTAMP_NS",
    ),
}


def _compatible(contract_type: str, file_type: str) -> bool:
    file_type = file_type.upper()
    if contract_type.startswith("decimal"):
        precision, scale = (int(x) for x in contract_type[8:-1].split(","))
        if not file_type.startswith("DECIMAL("):
            return file_type in ("TINYINT", "SMALLINT", "INTEGER")
        file_precision, file_scale = (int(x) for x in file_type[8:-1].split(","))
        return file_scale <= scale and file_precision - file_scale <= precision - scale
    return file_type in _COMPATIBLE_TYPES.get(contract_type, (contract_type.upper(),))


def _retyped_columns(con: duckdb.DuckDBPyConnection, source: TableSource, path: Path) -> list[str]:
    """Columns of a Parquet file whose type the contract type does not take without loss."""
    described = con.execute(f"describe select * from {_reader(source.fmt, (path,))}").fetchall()
    contract = RAW_TABLES[source.table]
    return [
        f"{name} is {typ}, the contract says {contract[name.lower()]}"
        for name, typ, *_ in described
        if name.lower() in contract and not _compatible(contract[name.lower()], typ)
    ]


def _cast_expr(column: str, typ: str, fmt: str) -> str:
    quoted = f'"{column}"'
    if typ == "timestamp":
        # Offsets, if any, are honoured; naive values are UTC (the loader's clock).
        return f"cast(cast({quoted} as timestamptz) at time zone 'UTC' as timestamp)"
    if fmt == "parquet" or typ != "varchar":
        return f"cast({quoted} as {typ})"
    return quoted


def _select_sql(source: TableSource) -> str:
    cols = RAW_TABLES[source.table]
    exprs = ",\n    ".join(f"{_cast_expr(c, t, source.fmt)} as {c}" for c, t in cols.items())
    return f"select\n    {exprs}\nfrom {_reader(source.fmt, source.files)}"


def _explain_cast_failure(
    con: duckdb.DuckDBPyConnection, source: TableSource, exc: duckdb.Error
) -> LoadError:
    """Find the column whose values do not fit the contract type, for a useful message."""
    reader = _reader(source.fmt, source.files)
    for column, typ in RAW_TABLES[source.table].items():
        if typ == "varchar":
            continue
        target = "timestamptz" if typ == "timestamp" else typ
        try:
            bad = con.execute(
                f'select "{column}"::varchar from {reader} '
                f'where "{column}" is not null and try_cast("{column}" as {target}) is null '
                "limit 1"
            ).fetchone()
        except duckdb.Error:
            continue
        if bad is not None:
            return LoadError(
                f"{source.table}: column {column} has a value that is not {typ}: {bad[0]!r}"
            )
    return LoadError(f"{source.table}: load failed: {' '.join(str(exc).split())}")


@contextmanager
def _connection(
    con_or_path: duckdb.DuckDBPyConnection | str | Path,
) -> Iterator[duckdb.DuckDBPyConnection]:
    if isinstance(con_or_path, duckdb.DuckDBPyConnection):
        yield con_or_path
        return
    path = Path(con_or_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        yield con
    finally:
        con.close()


def load_folder(
    con_or_path: duckdb.DuckDBPyConnection | str | Path,
    folder: str | Path,
    *,
    append: bool = False,
) -> dict[str, int]:
    """Load ``folder`` into the raw schema; return rows written per table.

    Replace mode (default) needs a file for every raw table and replaces each
    table's contents. Append mode adds the rows of the tables present (a daily
    load may carry only some tables) and creates missing tables empty first.
    Either way, nothing changes unless every table loads.
    """
    folder = Path(folder)
    sources = discover(folder)
    missing = [t for t in RAW_TABLES if t not in sources]
    if missing and not append:
        raise LoadError(f"{folder}: no file for raw table(s): {', '.join(missing)}")
    if not sources:
        raise LoadError(f"{folder}: no raw table files found")

    counts: dict[str, int] = {}
    with _connection(con_or_path) as con:
        # Naive timestamps are UTC (the profile sets the same zone for dbt).
        con.execute("set TimeZone = 'UTC'")
        for table in RAW_TABLES:
            if table in sources:
                check_columns(con, sources[table])

        con.execute("begin transaction")
        try:
            con.execute(f"create schema if not exists {RAW_SCHEMA}")
            for table in RAW_TABLES:
                target = f"{RAW_SCHEMA}.{table}"
                ddl = create_table_sql(table)
                if append:
                    ddl = ddl.replace("create table", "create table if not exists", 1)
                else:
                    con.execute(f"drop table if exists {target}")
                con.execute(ddl)
                source = sources.get(table)
                if source is None:
                    counts[table] = 0
                    continue
                columns = ", ".join(RAW_TABLES[table])
                try:
                    row = con.execute(
                        f"insert into {target} ({columns})\n{_select_sql(source)}"
                    ).fetchone()
                except duckdb.Error as exc:
                    # An aborted transaction runs no more queries: roll back, then diagnose.
                    con.execute("rollback")
                    raise _explain_cast_failure(con, source, exc) from exc
                counts[table] = int(row[0]) if row else 0
            con.execute("commit")
        except BaseException:
            with suppress(duckdb.Error):  # already rolled back
                con.execute("rollback")
            raise
    return counts
