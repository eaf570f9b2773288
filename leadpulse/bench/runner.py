"""``leadpulse bench``: time the dbt build against hand-written SQL and pandas (issue 5).

One run generates raw data once (``leadpulse.generate``), then ``--runs`` times,
on a fresh copy of it in a scratch DuckDB file:

1. ``dbt build --full-refresh`` and ``dbt run --full-refresh`` (the dbt CLI in a
   subprocess): wall time and the sum of ``execution_time`` in run_results.json
   (database time), split into models, seeds and tests;
2. the hand-written script ``hand_written.sql`` and, when importable, the pandas
   reference ``leadpulse.bench.pandas_reference`` (each in a subprocess, so peak
   RSS is per step), writing ``bench.fct_lead_engagement_hand`` / ``_pandas``.
   They run before the build, on the raw tables alone once the erasure hook's
   macro has purged them (``ERASE_ARGS``), so their spill never sits beside a
   built warehouse;
3. one simulated day of loads (``leadpulse.simulate``: new, late and
   re-delivered rows) and an incremental ``dbt run`` as of that day, then the
   data tests on the refreshed warehouse (``dbt test``, timed apart: they say
   whether the refresh is right, as the daily ``leadpulse refresh`` checks it;
   a failing test fails the bench);
4. with ``constrained_memory_limit``, ``dbt build --full-refresh`` again on a
   fresh copy of the raw tables under that DuckDB ``memory_limit``. Its failure
   (out of memory) is recorded, not raised: the bench goes on and reports it.

``skip`` leaves out the optional steps (``SKIPPABLE_STEPS``); pandas is also
left out when its estimated peak RSS exceeds the memory available. Before
anything is generated, the scratch dir's free space is checked against the
run's estimated peak disk use (``disk_space_check``). Every dbt
step keeps its slowest nodes from run_results.json. On the first run both
references are compared with ``marts.fct_lead_engagement`` column by column.
Medians over the runs, the ratios and peak RSS are printed as a table and
written as JSON. Timings are measurements, never pass/fail.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import importlib.util
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import duckdb

from leadpulse import paths
from leadpulse.bench.project_vars import load_project_vars

# leadpulse.generate makes about 212 raw event rows per lead over 180 days
# (4,700 leads x 180 days ~ 1M events); --events picks the lead count from it.
BENCH_DAYS = 180
EVENTS_PER_LEAD = 1_000_000 / 4_700
MIN_LEADS = 20
DEFAULT_AS_OF = datetime.date(2026, 6, 30)
DEFAULT_SEED = 42

MART = "marts.fct_lead_engagement"
BENCH_SCHEMA = "bench"
HAND_TABLE = f"{BENCH_SCHEMA}.fct_lead_engagement_hand"
PANDAS_TABLE = f"{BENCH_SCHEMA}.fct_lead_engagement_pandas"
PANDAS_MODULE = "leadpulse.bench.pandas_reference"
HAND_WRITTEN_SQL = Path(__file__).with_name("hand_written.sql")
FLOAT_TOLERANCE = 1e-9  # relative, for double columns
EVENT_TABLES = ("message_events", "app_events", "web_events", "calls", "orders")

STEPS = (
    "dbt_build_full_refresh",
    "dbt_run_full_refresh",
    "hand_written_sql",
    "pandas",
    "incremental_run",
    "incremental_data_tests",
    "dbt_build_full_refresh_constrained",
)
# The full build and the incremental run are what the bench is for.
SKIPPABLE_STEPS = ("dbt_run_full_refresh", "hand_written_sql", "pandas")
CONSTRAINED_STEP = "dbt_build_full_refresh_constrained"
INCREMENTAL_TESTS_STEP = "incremental_data_tests"
INCREMENTAL_TESTS_ARGS = ["test", "--exclude-resource-type", "unit_test"]
STEP_WIDTH = max(len(step) for step in STEPS)

# The pandas reference peaked at 8.4 GiB RSS for 10.2M raw events; it holds
# every event in memory, so its need grows linearly with the raw event rows.
PANDAS_GIB_PER_MILLION_EVENTS = 0.85
# Disk the bench's scratch dir needs at its peak, per million requested
# events, measured at 100M (102M raw event rows, 16GB memory_limit): the
# generated raw copy (5.7 GiB) beside the working file, which peaked at 48.1
# GiB with the hand-written script's spill (42.4 GiB); without the script,
# the built warehouse (18.8 GiB) and the build's spill (3.0 GiB). Linear in
# the events: smaller sizes spill little or nothing, so they are
# over-estimated.
DISK_GIB_PER_MILLION_EVENTS = 0.54
DISK_GIB_PER_MILLION_EVENTS_WITHOUT_SCRIPT = 0.28
SLOWEST_NODES_KEPT = 15  # per dbt step, in the JSON
# The production build: seeds, models and data tests. Unit tests check the
# SQL on fixtures, whatever the data's size; they run in CI (`make test`),
# `leadpulse build` and `leadpulse demo`, not in scheduled builds (dbt's own
# advice), so they are left out of what is timed here.
BUILD_ARGS = ["build", "--full-refresh", "--exclude-resource-type", "unit_test"]
# What the build's on-run-start hook does to the raw tables before any model
# reads them, run alone before the references read the same tables.
ERASE_ARGS = ["run-operation", "erase_requested_leads"]
SLOWEST_NODES_SHOWN = 8  # of the full build and the incremental run, printed
ERROR_LINES_KEPT = 12  # of a failed dbt step's console output
TEMP_DIR_SAMPLE_SECONDS = 0.5
_ERROR_LINE = re.compile(r"error|failure|killed|traceback|exception", re.IGNORECASE)


class BenchError(RuntimeError):
    """A step failed: the benchmark stops and says which."""


# --- sizing and rendering ----------------------------------------------------


def size_for(events: int) -> tuple[int, int]:
    """(leads, days) for about ``events`` raw event rows."""
    return max(MIN_LEADS, round(events / EVENTS_PER_LEAD)), BENCH_DAYS


def parse_skip(values: Iterable[str]) -> tuple[str, ...]:
    """Step names from ``--skip`` values (each may list several, comma separated)."""
    names: list[str] = []
    for value in values:
        for name in (part.strip() for part in value.split(",")):
            if not name:
                continue
            if name not in SKIPPABLE_STEPS:
                why = (
                    "runs only with a constrained memory limit"
                    if name == CONSTRAINED_STEP
                    else "cannot be skipped"
                    if name in STEPS
                    else "is not a step"
                )
                raise ValueError(f"{name!r} {why}; skippable steps: {', '.join(SKIPPABLE_STEPS)}")
            if name not in names:
                names.append(name)
    return tuple(names)


def duckdb_memory_limit(size: str) -> str:
    """How DuckDB reads ``size`` as a memory_limit (e.g. '2GB' -> '1.8 GiB'); ValueError if not."""
    con = duckdb.connect()
    try:
        con.execute("set memory_limit = ?", [size])
        return str(con.execute("select current_setting('memory_limit')").fetchone()[0])
    except duckdb.Error as exc:
        raise ValueError(f"not a DuckDB memory_limit: {size!r} ({exc})") from exc
    finally:
        con.close()


def mem_available_gib() -> float | None:
    """MemAvailable from /proc/meminfo in GiB, or None where there is none."""
    try:
        with open("/proc/meminfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 1024 / 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def pandas_memory_check(raw_events: int, available_gib: float | None) -> dict[str, Any]:
    """The pandas reference's estimated peak RSS against the memory available."""
    estimated = raw_events / 1_000_000 * PANDAS_GIB_PER_MILLION_EVENTS
    fits = available_gib is None or estimated <= available_gib
    if fits:
        reason = ""
    else:
        reason = (
            f"estimated peak RSS {estimated:.1f} GiB ({PANDAS_GIB_PER_MILLION_EVENTS} GiB per "
            f"million raw events x {raw_events / 1_000_000:.1f}M) exceeds MemAvailable "
            f"{available_gib:.1f} GiB"
        )
    return {
        "gib_per_million_events": PANDAS_GIB_PER_MILLION_EVENTS,
        "estimated_peak_gib": round(estimated, 2),
        "mem_available_gib": None if available_gib is None else round(available_gib, 2),
        "fits": fits,
        "reason": reason,
    }


def disk_free_gib(directory: Path) -> float:
    """Free space (GiB) on the file system holding ``directory``."""
    return shutil.disk_usage(directory).free / 1024**3


def disk_space_check(events: int, free_gib: float, *, hand_written: bool) -> dict[str, Any]:
    """The bench's estimated peak disk use in its scratch dir against the free space."""
    per_million = (
        DISK_GIB_PER_MILLION_EVENTS if hand_written else DISK_GIB_PER_MILLION_EVENTS_WITHOUT_SCRIPT
    )
    estimated = events / 1_000_000 * per_million
    fits = estimated <= free_gib
    reason = (
        ""
        if fits
        else (
            f"estimated peak disk use {estimated:.1f} GiB ({per_million} GiB per million "
            f"events x {events / 1_000_000:.1f}M"
            + (", the hand-written script's spill included" if hand_written else "")
            + f") exceeds the {free_gib:.1f} GiB free for the scratch dir"
        )
    )
    return {
        "gib_per_million_events": per_million,
        "estimated_peak_gib": round(estimated, 2),
        "free_gib": round(free_gib, 2),
        "fits": fits,
        "reason": reason,
    }


def _sql_literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime.date):
        return f"date '{value.isoformat()}'"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_sql_literal(v) for v in value) + "]"
    return "'" + str(value).replace("'", "''") + "'"


def render_hand_written(
    project_vars: dict[str, Any], out_table: str, seeds_dir: Path | None = None
) -> str:
    """hand_written.sql with every ``${name}`` replaced: a var, or out_table / seeds_dir."""
    values = {name: _sql_literal(value) for name, value in project_vars.items()}
    channels = list(project_vars["message_channels"]) + ["app", "web", "call", "store"]
    values["activity_channels"] = _sql_literal(channels)
    values["out_table"] = out_table
    values["seeds_dir"] = str(seeds_dir or paths.project_dir() / "seeds").replace("'", "''")
    text = HAND_WRITTEN_SQL.read_text(encoding="utf-8")

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise BenchError(f"hand_written.sql names an unknown placeholder ${{{name}}}")
        return values[name]

    return re.sub(r"\$\{(\w+)\}", substitute, text)


# --- subprocesses with their own peak RSS ------------------------------------


def _allocated_bytes(directory: Path) -> int:
    """Disk space allocated to the files under ``directory`` (or to that one file)."""
    if directory.is_file():
        return os.stat(directory).st_blocks * 512
    total = 0
    for root, _, files in os.walk(directory):
        for name in files:
            with contextlib.suppress(OSError):  # removed while we looked
                total += os.stat(os.path.join(root, name)).st_blocks * 512
    return total


def _run_measured(
    command: list[str], env: dict[str, str], log: Path, temp_dir: Path | None = None
) -> dict[str, Any]:
    """Run a command; wall seconds, exit code and the child's peak RSS (MiB).

    With ``temp_dir``, also the high-water mark of the space its files take
    above what they took at the start (DuckDB's spill files), sampled every
    TEMP_DIR_SAMPLE_SECONDS: a spill shorter than that can be missed.
    """
    stop = threading.Event()
    peak = [0]
    sampler = None
    if temp_dir is not None:
        baseline = _allocated_bytes(temp_dir)

        def sample() -> None:
            while True:
                peak[0] = max(peak[0], _allocated_bytes(temp_dir) - baseline)
                if stop.wait(TEMP_DIR_SAMPLE_SECONDS):
                    return

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
    started = time.monotonic()
    try:
        with open(log, "a", encoding="utf-8") as out:
            out.write(f"\n$ {' '.join(command)}\n")
            out.flush()
            proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
            _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - started
    finally:
        stop.set()
        if sampler is not None:
            sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    measured = {
        "wall_seconds": wall,
        "exit_code": proc.returncode,
        "peak_rss_mib": usage.ru_maxrss / 1024,  # Linux reports KiB
    }
    if temp_dir is not None:
        measured["temp_dir_peak_mib"] = peak[0] / 1024 / 1024
    return measured


def _dbt_executable() -> str:
    beside = Path(sys.executable).with_name("dbt")
    if beside.exists():
        return str(beside)
    found = shutil.which("dbt")
    if not found:
        raise BenchError("the dbt executable was not found beside python or on PATH")
    return found


def _step_env(
    work: Path, memory_limit: str | None, as_of: datetime.date | None = None
) -> dict[str, str]:
    env = dict(os.environ)
    if as_of is not None:  # as the harness passes it (leadpulse.dbt.invoke)
        env[paths.AS_OF_DATE_ENV] = as_of.isoformat()
    env[paths.DUCKDB_PATH_ENV] = str(work / "leadpulse.duckdb")
    env[paths.DUCKDB_TEMP_DIR_ENV] = str(work / "tmp")
    env[paths.TARGET_DIR_ENV] = str(work / "target")
    env[paths.LOG_DIR_ENV] = str(work / "logs")
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    if memory_limit:
        env["LEADPULSE_DUCKDB_MEMORY_LIMIT"] = memory_limit
    return env


def _error_lines(console: str) -> list[str]:
    """The last lines of dbt's console output that name an error (else its last lines)."""
    lines = [line.rstrip() for line in console.splitlines() if line.strip()]
    errors = [line for line in lines if _ERROR_LINE.search(line)]
    return (errors or lines)[-ERROR_LINES_KEPT:]


def _slowest(node_seconds: dict[str, float], keep: int) -> list[dict[str, Any]]:
    ranked = sorted(node_seconds.items(), key=lambda item: (-item[1], item[0]))
    return [{"unique_id": uid, "execution_time": seconds} for uid, seconds in ranked[:keep]]


def dbt_command(args: list[str], work: Path) -> list[str]:
    """The dbt CLI call for ``args`` on the project, its artifacts and logs under ``work``."""
    project = str(paths.project_dir())
    return [
        _dbt_executable(),
        *args,
        "--project-dir",
        project,
        "--profiles-dir",
        project,
        "--target-path",
        str(work / "target"),
        "--log-path",
        str(work / "logs"),
        "--no-use-colors",
        "--no-send-anonymous-usage-stats",
    ]


def parse_as_of(as_of: datetime.date, work: Path) -> None:
    """``dbt parse`` as of ``as_of`` (untimed): the parse a daily run finds left over.

    A scheduled run's as-of day is the day after the previous run's, so dbt
    re-parses only the files that read the as-of date (``as_of_date()``); the
    bench gives the timed build the same start by parsing as of the day before.
    """
    console = work / "dbt_console.log"
    measured = _run_measured(dbt_command(["parse"], work), _step_env(work, None, as_of), console)
    if measured["exit_code"] != 0:
        raise BenchError(f"dbt parse failed (exit {measured['exit_code']}); see {console}")


def run_dbt(
    args: list[str],
    as_of: datetime.date,
    work: Path,
    memory_limit: str | None,
    *,
    check: bool = True,
) -> dict[str, Any]:
    """``dbt <args>`` in a subprocess; wall time, database time from run_results.json, RSS.

    Also the SLOWEST_NODES_KEPT slowest nodes, and (key ``_node_seconds``, for
    medians across runs; not written out) every node's time. When dbt fails,
    ``check`` raises BenchError; without it the result says ``failed`` and
    keeps dbt's exit code, the last error lines of its console output and the
    nodes that errored.
    """
    results_file = work / "target" / "run_results.json"
    results_file.unlink(missing_ok=True)
    console = work / "dbt_console.log"
    console_start = console.stat().st_size if console.exists() else 0
    measured = _run_measured(
        dbt_command(args, work), _step_env(work, memory_limit, as_of), console, work / "tmp"
    )
    failed = measured["exit_code"] != 0 or not results_file.exists()
    if failed and check:
        raise BenchError(
            f"dbt {' '.join(args)} failed (exit {measured['exit_code']}); see {console}"
        )
    results = (
        json.loads(results_file.read_text(encoding="utf-8"))["results"]
        if results_file.exists()
        else []
    )
    by_type: dict[str, float] = {"model": 0.0, "seed": 0.0, "test": 0.0}
    counts: dict[str, int] = {"model": 0, "seed": 0, "test": 0}
    node_seconds: dict[str, float] = {}
    for result in results:
        kind = result["unique_id"].split(".", 1)[0]
        kind = "test" if kind in {"test", "unit_test"} else kind
        seconds = float(result.get("execution_time") or 0.0)
        by_type[kind] = by_type.get(kind, 0.0) + seconds
        counts[kind] = counts.get(kind, 0) + 1
        node_seconds[result["unique_id"]] = seconds
    db_time = sum(by_type.values())
    timed = {
        **measured,
        "db_seconds": db_time,
        "models_db_seconds": by_type["model"],
        "seeds_db_seconds": by_type["seed"],
        "tests_db_seconds": by_type["test"],
        "dbt_overhead_seconds": measured["wall_seconds"] - db_time,
        "nodes": counts,
        "slowest_nodes": _slowest(node_seconds, SLOWEST_NODES_KEPT),
        "_node_seconds": node_seconds,
    }
    if not failed:
        return timed
    with open(console, "rb") as handle:
        handle.seek(console_start)
        output = handle.read().decode("utf-8", errors="replace")
    exit_code = measured["exit_code"]
    return {
        **timed,
        "failed": True,
        "failure": (
            f"killed by signal {-exit_code}" if exit_code < 0 else f"dbt exited {exit_code}"
        )
        + ("" if results_file.exists() else ", no run_results.json"),
        "error_lines": _error_lines(output),
        "failed_nodes": [
            {"unique_id": r["unique_id"], "status": r["status"], "message": r.get("message")}
            for r in results
            if r.get("status") in {"error", "fail"}
        ],
    }


def run_reference(
    kind: str, as_of: datetime.date, work: Path, memory_limit: str | None
) -> dict[str, Any]:
    """The hand-written SQL or the pandas reference in a subprocess (see ``_step_main``)."""
    result_file = work / f"{kind}_step.json"
    result_file.unlink(missing_ok=True)
    command = [
        sys.executable,
        "-m",
        "leadpulse.bench.runner",
        "--step",
        kind,
        "--db",
        str(work / "leadpulse.duckdb"),
        "--as-of",
        as_of.isoformat(),
        "--result",
        str(result_file),
    ]
    measured = _run_measured(
        command, _step_env(work, memory_limit), work / f"{kind}.log", work / "tmp"
    )
    if measured["exit_code"] != 0 or not result_file.exists():
        raise BenchError(f"the {kind} step failed; see {work / (kind + '.log')}")
    inner = json.loads(result_file.read_text(encoding="utf-8"))
    # wall_seconds: the computation alone (no interpreter start, no imports).
    return {
        **inner,
        "process_wall_seconds": measured["wall_seconds"],
        "peak_rss_mib": measured["peak_rss_mib"],
        "temp_dir_peak_mib": measured["temp_dir_peak_mib"],
        "exit_code": 0,
    }


def _duckdb_settings(con: duckdb.DuckDBPyConnection) -> None:
    """The profile's DuckDB settings (profiles.yml), from the same env vars."""
    temp_dir = os.environ.get(paths.DUCKDB_TEMP_DIR_ENV) or str(paths.duckdb_temp_dir())
    Path(temp_dir).mkdir(parents=True, exist_ok=True)
    con.execute("set TimeZone = 'UTC'")
    con.execute(f"set threads = {int(os.environ.get('LEADPULSE_DUCKDB_THREADS', '2'))}")
    limit = os.environ.get("LEADPULSE_DUCKDB_MEMORY_LIMIT", "16GB").replace("'", "")
    con.execute(f"set memory_limit = '{limit}'")
    con.execute("set preserve_insertion_order = false")
    con.execute("set temp_directory = '" + temp_dir.replace("'", "''") + "'")


def _step_main(kind: str, db: Path, as_of: datetime.date, result: Path) -> int:
    """Child process: compute one reference into its bench table, write timings as JSON."""
    project_vars = load_project_vars(as_of)
    con = duckdb.connect(str(db))
    try:
        _duckdb_settings(con)
        con.execute(f"create schema if not exists {BENCH_SCHEMA}")
        if kind == "hand_written_sql":
            sql = render_hand_written(project_vars, HAND_TABLE)
            started = time.monotonic()
            con.execute(sql)
            wall = time.monotonic() - started
            table = HAND_TABLE
            extra: dict[str, float] = {}
        else:
            from leadpulse.bench import pandas_reference

            started = time.monotonic()
            frame = pandas_reference.compute(con, as_of, project_vars)
            computed = time.monotonic() - started
            con.register("pandas_result", frame)
            con.execute(f"create or replace table {PANDAS_TABLE} as select * from pandas_result")
            con.unregister("pandas_result")
            wall = time.monotonic() - started
            table = PANDAS_TABLE
            extra = {"compute_seconds": computed}
        rows = con.execute(f"select count(*) from {table}").fetchone()[0]
        limit = con.execute("select current_setting('memory_limit')").fetchone()[0]
    finally:
        con.close()
    result.write_text(
        json.dumps({"wall_seconds": wall, "rows": rows, "memory_limit": limit, **extra}),
        encoding="utf-8",
    )
    return 0


def pandas_availability() -> tuple[bool, str]:
    """Whether the pandas reference can run here, and why not."""
    if importlib.util.find_spec("pandas") is None:
        return False, "pandas is not installed"
    try:
        found = importlib.util.find_spec(PANDAS_MODULE) is not None
    except ImportError as exc:  # pragma: no cover - broken package
        return False, str(exc)
    if not found:
        return False, f"{PANDAS_MODULE} is not present"
    return True, ""


# --- agreement ---------------------------------------------------------------


def compare_tables(
    con: duckdb.DuckDBPyConnection, reference: str, candidate: str
) -> dict[str, Any]:
    """Per-column mismatch counts of ``candidate`` against ``reference``, matched on lead_id.

    Doubles agree within FLOAT_TOLERANCE (relative); every other type exactly,
    after casting the candidate to the reference's type. A lead on one side
    only counts as a mismatch of every column.
    """
    schema, table = reference.split(".")
    ref_columns = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, table],
    ).fetchall()
    cand_schema, cand_table = candidate.split(".")
    cand_columns = {
        row[0]
        for row in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = ? and table_name = ?",
            [cand_schema, cand_table],
        ).fetchall()
    }
    compared = [(c, t) for c, t in ref_columns if c in cand_columns and c != "lead_id"]
    missing = [c for c, _ in ref_columns if c not in cand_columns]
    extra = sorted(cand_columns - {c for c, _ in ref_columns})
    checks = []
    for column, data_type in compared:
        ref_value = f'ref."{column}"'
        cand_value = f'try_cast(cand."{column}" as {data_type})'
        if data_type in {"DOUBLE", "FLOAT", "REAL"}:
            differs = (
                f"({ref_value} is null) <> ({cand_value} is null) or abs({ref_value} - "
                f"{cand_value}) > {FLOAT_TOLERANCE} * greatest(abs({ref_value}), "
                f"abs({cand_value}))"
            )
        else:
            differs = f"{ref_value} is distinct from {cand_value}"
        checks.append(
            "count(*) filter (where ref.lead_id is not null and cand.lead_id is not null"
            f' and coalesce({differs}, false)) as "{column}"'
        )
    row = con.execute(
        f"""
        select
            count(*) filter (where cand.lead_id is null) as only_in_reference,
            count(*) filter (where ref.lead_id is null) as only_in_candidate,
            count(*) filter (where ref.lead_id is not null and cand.lead_id is not null)
                as matched,
            {", ".join(checks)}
        from {reference} as ref
        full outer join {candidate} as cand on ref.lead_id = cand.lead_id
        """
    ).fetchone()
    only_ref, only_cand, matched = row[0], row[1], row[2]
    mismatches = {
        column: int(count) + only_ref + only_cand
        for (column, _), count in zip(compared, row[3:], strict=True)
    }
    duplicates = con.execute(
        f"select count(*) - count(distinct lead_id) from {candidate}"
    ).fetchone()[0]
    segments = ("activity_segment", "lifecycle_state", "rfm_segment")
    return {
        "reference": reference,
        "candidate": candidate,
        "matched_leads": matched,
        "only_in_reference": only_ref,
        "only_in_candidate": only_cand,
        "duplicate_lead_ids": duplicates,
        "columns_compared": len(compared),
        "missing_columns": missing,
        "extra_columns": extra,
        "mismatches": mismatches,
        "segments_identical": all(mismatches.get(s, 1) == 0 for s in segments),
        "agree": (
            only_ref == 0
            and only_cand == 0
            and duplicates == 0
            and not missing
            and all(v == 0 for v in mismatches.values())
        ),
    }


# --- the benchmark -----------------------------------------------------------


def _machine() -> dict[str, Any]:
    memory = None
    try:
        with open("/proc/meminfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    memory = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    from importlib.metadata import version

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": memory,
        "os": platform.platform(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "dbt_core": version("dbt-core"),
        "dbt_duckdb": version("dbt-duckdb"),
        "duckdb_threads": int(os.environ.get("LEADPULSE_DUCKDB_THREADS", "2")),
    }


def _git_commit() -> dict[str, Any]:
    """The commit the project was measured at, and whether its tracked files had changes."""

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", *args],
                cwd=paths.project_dir(),
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no") if commit else None
    return {"git_commit": commit, "git_dirty": None if status is None else bool(status)}


def _provenance_at_end(at_start: dict[str, Any]) -> dict[str, Any]:
    """``at_start`` (``_git_commit``), dirty as well when the checkout changed during the run."""
    if at_start["git_commit"] is None or _git_commit() == at_start:
        return at_start
    return {**at_start, "git_dirty": True}


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _summarize(step_runs: list[dict[str, Any]]) -> dict[str, Any]:
    keys = [
        k
        for k, v in step_runs[0].items()
        if isinstance(v, int | float) and not isinstance(v, bool) and k != "exit_code"
    ]
    return {k: _median([float(r[k]) for r in step_runs]) for k in keys}


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def step_median(steps: dict[str, Any], step: str, key: str) -> float | None:
    """A step's median ``key``, or None when the step was skipped, failed or lacks it."""
    value = steps.get(step, {}).get("median", {}).get(key)
    return None if value is None else float(value)


def ratios_of(steps: dict[str, Any]) -> dict[str, float | None]:
    """The ratios of the results' ``steps`` the issue's targets are stated in (None
    where a step did not run)."""

    def median(step: str, key: str) -> float | None:
        return step_median(steps, step, key)

    build_wall = median("dbt_build_full_refresh", "wall_seconds")
    build_db = median("dbt_build_full_refresh", "db_seconds")
    build_models_db = median("dbt_build_full_refresh", "models_db_seconds")
    hand_wall = median("hand_written_sql", "wall_seconds")
    pandas_wall = median("pandas", "wall_seconds")
    return {
        "build_wall_over_hand_written": _ratio(build_wall, hand_wall),
        "build_db_over_hand_written": _ratio(build_db, hand_wall),
        "build_models_db_over_hand_written": _ratio(build_models_db, hand_wall),
        "run_wall_over_hand_written": _ratio(
            median("dbt_run_full_refresh", "wall_seconds"), hand_wall
        ),
        "incremental_over_full_models_db": _ratio(
            median("incremental_run", "models_db_seconds"), build_models_db
        ),
        "incremental_over_full_build_db": _ratio(median("incremental_run", "db_seconds"), build_db),
        "incremental_over_full_wall": _ratio(median("incremental_run", "wall_seconds"), build_wall),
        "pandas_over_build_wall": _ratio(pandas_wall, build_wall),
        "pandas_over_hand_written": _ratio(pandas_wall, hand_wall),
        "constrained_build_over_build_wall": _ratio(
            median(CONSTRAINED_STEP, "wall_seconds"), build_wall
        ),
        "constrained_build_over_build_db": _ratio(median(CONSTRAINED_STEP, "db_seconds"), build_db),
    }


def _step_entry(step_runs: list[dict[str, Any]]) -> dict[str, Any]:
    """A step's JSON entry: medians (when every run succeeded), each run, slowest nodes."""
    node_times: dict[str, list[float]] = {}
    succeeded = [r for r in step_runs if not r.get("failed")]
    for result in succeeded:
        for uid, seconds in result.get("_node_seconds", {}).items():
            node_times.setdefault(uid, []).append(seconds)
    runs = [{k: v for k, v in r.items() if not k.startswith("_")} for r in step_runs]
    entry: dict[str, Any] = {}
    if len(succeeded) == len(step_runs):
        entry["median"] = _summarize(step_runs)
    else:
        entry["failed"] = True
        entry["failure"] = next(r for r in runs if r.get("failed"))
    entry["runs"] = runs
    if node_times:
        medians = {uid: _median(times) for uid, times in node_times.items()}
        entry["slowest_nodes"] = _slowest(medians, SLOWEST_NODES_KEPT)
    return entry


def _duckdb_file_mib(db: Path) -> float:
    """The warehouse file's size (with its WAL, if one is left) in MiB."""
    files = (db, db.with_name(db.name + ".wal"))
    return sum(f.stat().st_size for f in files if f.exists()) / 1024 / 1024


def _fresh_copy(raw_copy: Path, db: Path) -> None:
    """The generated raw tables, and nothing a previous step built, in ``db``."""
    shutil.copyfile(raw_copy, db)
    db.with_name(db.name + ".wal").unlink(missing_ok=True)


def run_bench(
    events: int,
    *,
    runs: int = 1,
    memory_limit: str | None = None,
    constrained_memory_limit: str | None = None,
    skip: Iterable[str] = (),
    out_dir: Path | None = None,
    as_of: datetime.date = DEFAULT_AS_OF,
    seed: int = DEFAULT_SEED,
    work_dir: Path | None = None,
    keep: bool = False,
    check_disk: bool = True,
    log: Any = print,
) -> dict[str, Any]:
    """Run the benchmark; return the results dict (also written as JSON).

    ``results["failures"]`` names the steps that failed without stopping the
    bench (the constrained build); any other failure raises BenchError. With
    ``check_disk``, a scratch dir with less free space than the estimate
    (``disk_space_check``) raises BenchError before anything is generated.
    """
    from leadpulse.generate import generate
    from leadpulse.simulate import simulate_day

    skip = parse_skip(skip)
    # The code measured is what the checkout holds at the start; a change
    # while the bench runs (dbt reads the project at every step) marks the
    # result dirty too.
    provenance = _git_commit()
    leads, days = size_for(events)
    work = Path(work_dir) if work_dir else Path(tempfile.mkdtemp(prefix="leadpulse-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    (work / "tmp").mkdir(exist_ok=True)
    raw_copy = work / "raw_generated.duckdb"
    db = work / "leadpulse.duckdb"
    out = Path(out_dir) if out_dir else paths.project_dir() / "bench" / "results"
    pandas_ok, pandas_reason = pandas_availability()
    log(f"bench: {events:,} events requested -> {leads:,} leads x {days} days, as of {as_of}")
    log(f"bench: scratch {work}; pandas: {'available' if pandas_ok else 'not available'}")
    hand_written = "hand_written_sql" not in skip
    # A kept scratch dir's files from an earlier run are replaced: their space counts as free.
    reclaimable = sum(_allocated_bytes(f) for f in (raw_copy, db) if f.exists()) / 1024**3
    disk_space = disk_space_check(
        events, disk_free_gib(work) + reclaimable, hand_written=hand_written
    )
    disk_space["checked"] = check_disk
    log(
        f"bench: disk: about {disk_space['estimated_peak_gib']:.1f} GiB needed at the peak, "
        f"{disk_space['free_gib']:.1f} GiB free"
    )
    if not disk_space["fits"]:
        if check_disk:
            if work_dir is None:
                shutil.rmtree(work, ignore_errors=True)
            raise BenchError(
                f"{disk_space['reason']}: give --work-dir on a larger disk, "
                + ("leave out the script (--skip hand_written_sql), " if hand_written else "")
                + "or run anyway with --no-disk-check"
            )
        log(f"bench: {disk_space['reason']} (--no-disk-check: running anyway)")

    started = time.monotonic()
    raw_copy.unlink(missing_ok=True)
    con = duckdb.connect(str(raw_copy))
    try:
        raw_counts = generate(con, leads=leads, days=days, seed=seed, as_of=as_of)
    finally:
        con.close()
    generate_seconds = time.monotonic() - started
    raw_events = sum(n for t, n in raw_counts.items() if t in EVENT_TABLES)
    log(f"bench: generated {sum(raw_counts.values()):,} raw rows in {generate_seconds:.1f}s")

    skipped = {step: "--skip" for step in skip}
    pandas_memory = pandas_memory_check(raw_events, mem_available_gib())
    if pandas_ok and "pandas" not in skipped and not pandas_memory["fits"]:
        skipped["pandas"] = pandas_memory["reason"]
    if constrained_memory_limit is None:
        skipped[CONSTRAINED_STEP] = "no --constrained-memory-limit"
    for step, reason in skipped.items():
        log(f"bench: {step} skipped ({reason})")
    run_hand = "hand_written_sql" not in skipped
    run_pandas = pandas_ok and "pandas" not in skipped

    step_runs: dict[str, list[dict[str, Any]]] = {s: [] for s in STEPS}
    agreement: dict[str, Any] = {}
    simulated: dict[str, int] = {}
    next_day = as_of + datetime.timedelta(days=1)
    for number in range(1, runs + 1):
        _fresh_copy(raw_copy, db)

        def timed(step: str, result: dict[str, Any], number: int = number) -> None:
            step_runs[step].append(result)
            if result.get("failed"):
                log(f"run {number}/{runs} {step:<{STEP_WIDTH}} FAILED: {result['failure']}")
                for line in result["error_lines"]:
                    log(f"    {line}")
                return
            log(
                f"run {number}/{runs} {step:<{STEP_WIDTH}} wall {result['wall_seconds']:8.2f}s"
                + (f"  db {result['db_seconds']:8.2f}s" if "db_seconds" in result else "")
                + f"  peak RSS {result['peak_rss_mib']:8.0f} MiB"
            )

        if run_hand or run_pandas:
            # The references run first, beside the raw tables alone: at 100M
            # events the hand-written script spills about 43 GiB, which no
            # longer fits on the disk once the build has written its 19 GiB.
            # They read the raw tables as the build's models do: after the
            # erasure its on-run-start hook applies (untimed here; the build's
            # own hook then re-checks every row as it always does).
            run_dbt(ERASE_ARGS, as_of, work, memory_limit)
            if run_hand:
                timed(
                    "hand_written_sql",
                    run_reference("hand_written_sql", as_of, work, memory_limit),
                )
            if run_pandas:
                timed("pandas", run_reference("pandas", as_of, work, memory_limit))
        # The parse a daily run finds: the previous day's. The erasure step's,
        # as of the build's own day, would spare the build the re-parse of the
        # files that read the as-of date, which a scheduled run does.
        parse_as_of(as_of - datetime.timedelta(days=1), work)
        build = run_dbt(BUILD_ARGS, as_of, work, memory_limit)
        build["duckdb_file_mib"] = _duckdb_file_mib(db)
        timed("dbt_build_full_refresh", build)
        if "dbt_run_full_refresh" not in skipped:
            timed(
                "dbt_run_full_refresh",
                run_dbt(["run", "--full-refresh"], as_of, work, memory_limit),
            )
        if number == 1 and (run_hand or run_pandas):
            con = duckdb.connect(str(db))
            try:
                if run_hand:
                    agreement["hand_written_sql"] = compare_tables(con, MART, HAND_TABLE)
                if run_pandas:
                    agreement["pandas"] = compare_tables(con, MART, PANDAS_TABLE)
            finally:
                con.close()
        con = duckdb.connect(str(db))
        try:
            simulated = simulate_day(con, next_day, seed=0)
        finally:
            con.close()
        timed("incremental_run", run_dbt(["run"], next_day, work, memory_limit))
        # Not part of the refresh's time (the ratios compare models): whether
        # what the refresh wrote passes the data tests a full build passes.
        timed(
            INCREMENTAL_TESTS_STEP,
            run_dbt(INCREMENTAL_TESTS_ARGS, next_day, work, memory_limit, check=False),
        )
        # A failed constrained build is not retried: an out-of-memory failure
        # at this size recurs, and can take as long as the build to appear.
        if constrained_memory_limit and not any(
            r.get("failed") for r in step_runs[CONSTRAINED_STEP]
        ):
            _fresh_copy(raw_copy, db)
            constrained = run_dbt(BUILD_ARGS, as_of, work, constrained_memory_limit, check=False)
            if not constrained.get("failed"):
                constrained["duckdb_file_mib"] = _duckdb_file_mib(db)
            timed(CONSTRAINED_STEP, constrained)

    steps: dict[str, Any] = {}
    for step, results in step_runs.items():
        if results:
            steps[step] = _step_entry(results)
        elif step in skipped:
            steps[step] = {"skipped": True, "reason": skipped[step]}
        elif step == "pandas":
            steps[step] = {"available": False, "reason": pandas_reason}
    failures = [step for step, entry in steps.items() if entry.get("failed")]

    ratios = ratios_of(steps)
    results = {
        "events_requested": events,
        "leads": leads,
        "days": days,
        "seed": seed,
        "as_of": as_of.isoformat(),
        "incremental_day": next_day.isoformat(),
        "runs": runs,
        "memory_limit": memory_limit,
        "constrained_memory_limit": constrained_memory_limit,
        "constrained_memory_limit_duckdb": (
            duckdb_memory_limit(constrained_memory_limit) if constrained_memory_limit else None
        ),
        "skip": list(skip),
        "machine": _machine(),
        "measured_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        **_provenance_at_end(provenance),
        "raw_rows": raw_counts,
        "raw_event_rows": raw_events,
        "simulated_day_rows": simulated,
        "generate_seconds": generate_seconds,
        "pandas_memory": pandas_memory,
        "disk_space": disk_space,
        "steps": steps,
        "ratios": ratios,
        "agreement": agreement,
        "failures": failures,
    }
    out.mkdir(parents=True, exist_ok=True)
    json_path = out / f"{events}.json"
    json_path.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    results["json_path"] = str(json_path)
    log(format_table(results))
    log(f"bench: results written to {json_path}")
    if not keep and work_dir is None:
        shutil.rmtree(work, ignore_errors=True)
    return results


def format_table(results: dict[str, Any]) -> str:
    """The results as a plain-text table (medians), then the slowest nodes."""
    new_rows = sum(results["simulated_day_rows"].values())
    limits = []
    if results["memory_limit"]:
        limits.append(f"memory_limit {results['memory_limit']}")
    if results.get("constrained_memory_limit"):
        limits.append(f"constrained build memory_limit {results['constrained_memory_limit']}")
    lines = [
        f"leadpulse bench: {results['raw_event_rows']:,} raw events ({results['leads']:,} leads x "
        f"{results['days']} days), median of {results['runs']} run(s)"
        + "".join(f", {limit}" for limit in limits),
        f"incremental run: {new_rows:,} new raw rows on {results['incremental_day']}",
        f"{'step':<{STEP_WIDTH}} {'wall s':>9} {'db s':>9} {'models s':>9} {'tests s':>9} "
        f"{'RSS MiB':>9} {'file MiB':>9} {'spill MiB':>9}",
    ]
    for step in STEPS:
        entry = results["steps"].get(step)
        if entry is None:
            continue
        if entry.get("skipped"):
            lines.append(f"{step:<{STEP_WIDTH}} skipped ({entry['reason']})")
            continue
        if entry.get("failed"):
            failure = entry["failure"]
            lines.append(
                f"{step:<{STEP_WIDTH}} FAILED ({failure['failure']}) after "
                f"{failure['wall_seconds']:.1f} s, peak RSS {failure['peak_rss_mib']:.0f} MiB"
            )
            lines.extend(f"    {line}" for line in failure["error_lines"])
            continue
        if "median" not in entry:
            lines.append(f"{step:<{STEP_WIDTH}} not available ({entry['reason']})")
            continue
        m = entry["median"]

        def cell(key: str, m: dict[str, Any] = m, digits: int = 2) -> str:
            return f"{m[key]:9.{digits}f}" if key in m else f"{'-':>9}"

        lines.append(
            f"{step:<{STEP_WIDTH}} {cell('wall_seconds')} {cell('db_seconds')} "
            f"{cell('models_db_seconds')} {cell('tests_db_seconds')} "
            f"{cell('peak_rss_mib', digits=0)} {cell('duckdb_file_mib', digits=0)} "
            f"{cell('temp_dir_peak_mib', digits=0)}"
        )
    lines.append("ratios:")
    for name, value in results["ratios"].items():
        lines.append(f"  {name:<36} {'-' if value is None else f'{value:.3f}'}")
    lines.append("agreement with marts.fct_lead_engagement:")
    for name, report in results["agreement"].items():
        bad = {c: n for c, n in report["mismatches"].items() if n}
        lines.append(
            f"  {name:<18} {'AGREE' if report['agree'] else 'DIFFER'}: "
            f"{report['matched_leads']:,} leads matched, {report['columns_compared']} columns, "
            f"only in mart {report['only_in_reference']}, only in {name} "
            f"{report['only_in_candidate']}"
            + (f", missing {report['missing_columns']}" if report["missing_columns"] else "")
            + (f", mismatches {bad}" if bad else "")
        )
    for name in ("hand_written_sql", "pandas"):
        if name not in results["agreement"]:
            lines.append(f"  {name}: not run")
    for step in ("dbt_build_full_refresh", "incremental_run"):
        slowest = results["steps"].get(step, {}).get("slowest_nodes", [])
        lines.append(f"slowest nodes, {step} (db s):")
        lines.extend(
            f"  {node['execution_time']:9.2f}  {node['unique_id']}"
            for node in slowest[:SLOWEST_NODES_SHOWN]
        )
    return "\n".join(lines)


def bench_exit_code(results: dict[str, Any]) -> int:
    """0 when every step that ran succeeded and every reference agrees, else 1."""
    agree = all(report["agree"] for report in results["agreement"].values())
    return 0 if agree and not results["failures"] else 1


def main(argv: list[str] | None = None) -> int:
    """Entry of the reference subprocesses (``--step``)."""
    parser = argparse.ArgumentParser(prog="python -m leadpulse.bench.runner")
    parser.add_argument("--step", choices=("hand_written_sql", "pandas"), required=True)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--as-of", type=datetime.date.fromisoformat, required=True)
    parser.add_argument("--result", type=Path, required=True)
    args = parser.parse_args(argv)
    return _step_main(args.step, args.db, args.as_of, args.result)


if __name__ == "__main__":
    sys.exit(main())
