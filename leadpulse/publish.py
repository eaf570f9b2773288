"""After a build: compact the warehouse when erasures happened, publish the serving file.

``compact`` rewrites the DuckDB file into a fresh one (``COPY FROM DATABASE``)
and swaps it in with ``os.replace``: ``DELETE`` and ``CHECKPOINT`` leave the
deleted rows' bytes in free blocks, a fresh copy holds only live data.

``publish_serving`` copies every relation of the ``marts`` schema (PII-free:
``dim_leads`` has only keyed hashes) into a new DuckDB file beside the
warehouse, plus optional Parquet files, and swaps it in with ``os.replace``.
BI tools open the serving file read-only; no build ever opens it, so they
never meet the warehouse's write lock, and a reader sees either the old or
the new snapshot, whole.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

from leadpulse import paths
from leadpulse.duckdb_plugin import DEV_HASH_KEY, HASH_KEY_ENV, set_hash_key

TOMBSTONES = "privacy.erased_identifiers"
SERVED_SCHEMA = "marts"
# Column names that would carry plain contacts: never published.
PII_COLUMNS = {"phone", "phone_e164", "email", "address", "raw_row"}


class PublishError(RuntimeError):
    """The serving file or the compaction could not be written; the old file stays."""


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _swap_in(tmp: Path, final: Path) -> None:
    """Make ``tmp`` durable, then atomically put it at ``final``."""
    _fsync(tmp)
    os.replace(tmp, final)
    _fsync(final.parent)


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)
    path.with_name(path.name + ".wal").unlink(missing_ok=True)


def _has_tombstones(con: duckdb.DuckDBPyConnection, catalog: str) -> bool:
    row = con.execute(
        "select count(*) from information_schema.tables where table_catalog = ? "
        "and table_schema = 'privacy' and table_name = 'erased_identifiers'",
        [catalog],
    ).fetchone()
    return bool(row and row[0])


def compaction_pending(db_path: Path) -> bool:
    """Whether erasures were applied since the file was last compacted."""
    if not db_path.exists():
        return False
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        catalog = con.execute("select current_database()").fetchone()[0]
        if not _has_tombstones(con, catalog):
            return False
        query = f"select count(*) from {TOMBSTONES} where compacted_at is null"
        row = con.execute(query).fetchone()
        return bool(row and row[0])
    finally:
        con.close()


def compact(db_path: Path) -> tuple[int, int]:
    """Rewrite the warehouse into a fresh file and swap it in; return (bytes before, after).

    The tombstones are stamped ``compacted_at`` inside the new file, so the
    stamp and the compaction land together or not at all.
    """
    tmp = db_path.with_name(db_path.name + ".compact")
    _remove(tmp)
    before = db_path.stat().st_size
    catalog = db_path.stem
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"attach '{_sql_path(db_path)}' as {catalog} (read_only)")
        con.execute(f"attach '{_sql_path(tmp)}' as fresh")
        con.execute(f"copy from database {catalog} to fresh")
        if _has_tombstones(con, "fresh"):
            con.execute(
                "update fresh.privacy.erased_identifiers set compacted_at = now() "
                "where compacted_at is null"
            )
        con.execute("detach fresh")
        con.execute(f"detach {catalog}")
    except duckdb.Error as exc:
        _remove(tmp)
        raise PublishError(f"compacting {db_path} failed: {' '.join(str(exc).split())}") from exc
    finally:
        con.close()
    _swap_in(tmp, db_path)
    return before, db_path.stat().st_size


def _hash_key() -> str:
    return os.environ.get(HASH_KEY_ENV) or DEV_HASH_KEY


def _copy_marts(con: duckdb.DuckDBPyConnection, source: str, parquet_tmp: Path | None) -> list[str]:
    """Copy ``source``'s marts into the attached ``serving_new``; return the table names.

    Rows of erased leads (their lead_id's keyed hash is a tombstone of the
    warehouse) are left out: a no-op after a good build, and what scrubs the
    old serving file when a build applied erasures but failed its tests.
    """
    relations = [
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables "
            "where table_catalog = ? and table_schema = ? order by 1",
            [source, SERVED_SCHEMA],
        ).fetchall()
    ]
    if not relations:
        return []
    erased = _has_tombstones(con, "wh")
    con.execute(f"create schema serving_new.{SERVED_SCHEMA}")
    for name in relations:
        columns = [
            r[0]
            for r in con.execute(
                "select column_name from information_schema.columns "
                "where table_catalog = ? and table_schema = ? and table_name = ?",
                [source, SERVED_SCHEMA, name],
            ).fetchall()
        ]
        leaking = sorted(PII_COLUMNS & {c.lower() for c in columns})
        if leaking:
            raise PublishError(
                f"{SERVED_SCHEMA}.{name} has contact column(s) {', '.join(leaking)}: not published"
            )
        query = f'select * from {source}.{SERVED_SCHEMA}."{name}"'
        if erased and "lead_id" in columns:
            query += (
                " where sha256(getvariable('leadpulse_hash_key') || lead_id) is null"
                " or sha256(getvariable('leadpulse_hash_key') || lead_id) not in ("
                f"select identifier_hash from wh.{TOMBSTONES} where identifier_type = 'lead_id')"
            )
        con.execute(f'create table serving_new.{SERVED_SCHEMA}."{name}" as {query}')
        if parquet_tmp is not None:
            target = _sql_path(parquet_tmp / f"{name}.parquet")
            con.execute(
                f"copy serving_new.{SERVED_SCHEMA}.\"{name}\" to '{target}' (format parquet)"
            )
    return relations


def publish_serving(
    db_path: Path,
    serving_path: Path | None = None,
    parquet_dir: Path | None = None,
    *,
    from_serving: bool = False,
) -> list[str]:
    """Write the serving file (and Parquet files) from the warehouse's marts; swap it in.

    With ``from_serving`` the source is the current serving file instead, minus
    erased leads: how a failed build still honours erasure without publishing
    its untested marts. Returns the published table names: none, and no file
    written, when the source has no ``marts`` schema.
    """
    serving = serving_path or paths.serving_path()
    parquet = parquet_dir if parquet_dir is not None else paths.parquet_dir()
    if from_serving and not serving.exists():
        return []
    tmp = serving.with_name(serving.name + ".tmp")
    _remove(tmp)
    parquet_tmp = None
    if parquet is not None:
        parquet_tmp = parquet.with_name(parquet.name + ".tmp")
        shutil.rmtree(parquet_tmp, ignore_errors=True)
        parquet_tmp.mkdir(parents=True)
    con = duckdb.connect(":memory:")
    try:
        set_hash_key(con, _hash_key())
        con.execute(f"attach '{_sql_path(db_path)}' as wh (read_only)")
        source = "wh"
        if from_serving:
            con.execute(f"attach '{_sql_path(serving)}' as serving_old (read_only)")
            source = "serving_old"
        con.execute(f"attach '{_sql_path(tmp)}' as serving_new")
        tables = _copy_marts(con, source, parquet_tmp)
        con.execute("detach serving_new")
        if not tables:
            # A project without marts (or not built yet): nothing to serve.
            _remove(tmp)
            if parquet_tmp is not None:
                shutil.rmtree(parquet_tmp, ignore_errors=True)
            return []
    except (duckdb.Error, PublishError) as exc:
        _remove(tmp)
        if parquet_tmp is not None:
            shutil.rmtree(parquet_tmp, ignore_errors=True)
        message = " ".join(str(exc).split())
        raise PublishError(f"publishing {serving} failed (old file kept): {message}") from exc
    finally:
        con.close()
    _swap_in(tmp, serving)
    if parquet is not None and parquet_tmp is not None:
        old = parquet.with_name(parquet.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if parquet.exists():
            os.replace(parquet, old)
        os.replace(parquet_tmp, parquet)
        shutil.rmtree(old, ignore_errors=True)
    return tables
