"""``leadpulse bench``: time the dbt build against hand-written SQL and pandas (issue 5).

One run generates raw data once (``leadpulse.generate``), then ``--runs`` times,
on a fresh copy of it in a scratch DuckDB file:

1. ``dbt build --full-refresh`` and ``dbt run --full-refresh`` (the dbt CLI in a
   subprocess): wall time and the sum of ``execution_time`` in run_results.json
   (database time), split into models, seeds and tests;
2. the hand-written script ``hand_written.sql`` and, when importable, the pandas
   reference ``leadpulse.bench.pandas_reference`` (each in a subprocess, so peak
   RSS is per step), writing ``bench.fct_lead_engagement_hand`` / ``_pandas``;
3. one simulated day of loads (``leadpulse.simulate``: new, late and
   re-delivered rows) and an incremental ``dbt run`` as of that day.

On the first run both references are compared with ``marts.fct_lead_engagement``
column by column. Medians over the runs, the ratios and peak RSS are printed as
a table and written as JSON. Timings are measurements, never pass/fail.
"""

from __future__ import annotations

import argparse
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
import time
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
)


class BenchError(RuntimeError):
    """A step failed: the benchmark stops and says which."""


# --- sizing and rendering ----------------------------------------------------


def size_for(events: int) -> tuple[int, int]:
    """(leads, days) for about ``events`` raw event rows."""
    return max(MIN_LEADS, round(events / EVENTS_PER_LEAD)), BENCH_DAYS


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


def _run_measured(command: list[str], env: dict[str, str], log: Path) -> dict[str, Any]:
    """Run a command; wall seconds, exit code and the child's peak RSS (MiB)."""
    started = time.monotonic()
    with open(log, "a", encoding="utf-8") as out:
        out.write(f"\n$ {' '.join(command)}\n")
        out.flush()
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {
        "wall_seconds": wall,
        "exit_code": proc.returncode,
        "peak_rss_mib": usage.ru_maxrss / 1024,  # Linux reports KiB
    }


def _dbt_executable() -> str:
    beside = Path(sys.executable).with_name("dbt")
    if beside.exists():
        return str(beside)
    found = shutil.which("dbt")
    if not found:
        raise BenchError("the dbt executable was not found beside python or on PATH")
    return found


def _step_env(work: Path, memory_limit: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env[paths.DUCKDB_PATH_ENV] = str(work / "leadpulse.duckdb")
    env[paths.DUCKDB_TEMP_DIR_ENV] = str(work / "tmp")
    env[paths.TARGET_DIR_ENV] = str(work / "target")
    env[paths.LOG_DIR_ENV] = str(work / "logs")
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    if memory_limit:
        env["LEADPULSE_DUCKDB_MEMORY_LIMIT"] = memory_limit
    return env


def run_dbt(
    args: list[str], as_of: datetime.date, work: Path, memory_limit: str | None
) -> dict[str, Any]:
    """``dbt <args>`` in a subprocess; wall time, database time from run_results.json, RSS."""
    project = str(paths.project_dir())
    target = work / "target"
    results_file = target / "run_results.json"
    results_file.unlink(missing_ok=True)
    command = [
        _dbt_executable(),
        *args,
        "--vars",
        json.dumps({"as_of_date": as_of.isoformat()}),
        "--project-dir",
        project,
        "--profiles-dir",
        project,
        "--target-path",
        str(target),
        "--log-path",
        str(work / "logs"),
        "--no-use-colors",
        "--no-send-anonymous-usage-stats",
    ]
    measured = _run_measured(command, _step_env(work, memory_limit), work / "dbt_console.log")
    if measured["exit_code"] != 0 or not results_file.exists():
        raise BenchError(
            f"dbt {' '.join(args)} failed (exit {measured['exit_code']}); "
            f"see {work / 'dbt_console.log'}"
        )
    results = json.loads(results_file.read_text(encoding="utf-8"))["results"]
    by_type: dict[str, float] = {"model": 0.0, "seed": 0.0, "test": 0.0}
    counts: dict[str, int] = {"model": 0, "seed": 0, "test": 0}
    for result in results:
        kind = result["unique_id"].split(".", 1)[0]
        kind = "test" if kind in {"test", "unit_test"} else kind
        by_type[kind] = by_type.get(kind, 0.0) + float(result.get("execution_time") or 0.0)
        counts[kind] = counts.get(kind, 0) + 1
    db_time = sum(by_type.values())
    return {
        **measured,
        "db_seconds": db_time,
        "models_db_seconds": by_type["model"],
        "seeds_db_seconds": by_type["seed"],
        "tests_db_seconds": by_type["test"],
        "dbt_overhead_seconds": measured["wall_seconds"] - db_time,
        "nodes": counts,
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
    measured = _run_measured(command, _step_env(work, memory_limit), work / f"{kind}.log")
    if measured["exit_code"] != 0 or not result_file.exists():
        raise BenchError(f"the {kind} step failed; see {work / (kind + '.log')}")
    inner = json.loads(result_file.read_text(encoding="utf-8"))
    # wall_seconds: the computation alone (no interpreter start, no imports).
    return {
        **inner,
        "process_wall_seconds": measured["wall_seconds"],
        "peak_rss_mib": measured["peak_rss_mib"],
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


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _summarize(step_runs: list[dict[str, Any]]) -> dict[str, Any]:
    keys = [k for k, v in step_runs[0].items() if isinstance(v, int | float) and k != "exit_code"]
    return {k: _median([float(r[k]) for r in step_runs]) for k in keys}


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def run_bench(
    events: int,
    *,
    runs: int = 1,
    memory_limit: str | None = None,
    out_dir: Path | None = None,
    as_of: datetime.date = DEFAULT_AS_OF,
    seed: int = DEFAULT_SEED,
    work_dir: Path | None = None,
    keep: bool = False,
    log: Any = print,
) -> dict[str, Any]:
    """Run the benchmark; return the results dict (also written as JSON)."""
    from leadpulse.generate import generate
    from leadpulse.simulate import simulate_day

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

    step_runs: dict[str, list[dict[str, Any]]] = {s: [] for s in STEPS}
    agreement: dict[str, Any] = {}
    simulated: dict[str, int] = {}
    next_day = as_of + datetime.timedelta(days=1)
    for number in range(1, runs + 1):
        shutil.copyfile(raw_copy, db)
        db.with_name("leadpulse.duckdb.wal").unlink(missing_ok=True)

        def timed(step: str, result: dict[str, Any], number: int = number) -> None:
            step_runs[step].append(result)
            log(
                f"run {number}/{runs} {step:<24} wall {result['wall_seconds']:8.2f}s"
                + (f"  db {result['db_seconds']:8.2f}s" if "db_seconds" in result else "")
                + f"  peak RSS {result['peak_rss_mib']:8.0f} MiB"
            )

        timed(
            "dbt_build_full_refresh",
            run_dbt(["build", "--full-refresh"], as_of, work, memory_limit),
        )
        timed(
            "dbt_run_full_refresh",
            run_dbt(["run", "--full-refresh"], as_of, work, memory_limit),
        )
        timed("hand_written_sql", run_reference("hand_written_sql", as_of, work, memory_limit))
        if pandas_ok:
            timed("pandas", run_reference("pandas", as_of, work, memory_limit))
        if number == 1:
            con = duckdb.connect(str(db))
            try:
                agreement["hand_written_sql"] = compare_tables(con, MART, HAND_TABLE)
                if pandas_ok:
                    agreement["pandas"] = compare_tables(con, MART, PANDAS_TABLE)
            finally:
                con.close()
        con = duckdb.connect(str(db))
        try:
            simulated = simulate_day(con, next_day, seed=0)
        finally:
            con.close()
        timed("incremental_run", run_dbt(["run"], next_day, work, memory_limit))

    steps: dict[str, Any] = {}
    for step, results in step_runs.items():
        if results:
            steps[step] = {"median": _summarize(results), "runs": results}
        elif step == "pandas":
            steps[step] = {"available": False, "reason": pandas_reason}
    build = steps["dbt_build_full_refresh"]["median"]
    run_full = steps["dbt_run_full_refresh"]["median"]
    hand = steps["hand_written_sql"]["median"]
    incremental = steps["incremental_run"]["median"]
    pandas_wall = steps["pandas"]["median"]["wall_seconds"] if step_runs["pandas"] else None
    ratios = {
        "build_wall_over_hand_written": _ratio(build["wall_seconds"], hand["wall_seconds"]),
        "build_db_over_hand_written": _ratio(build["db_seconds"], hand["wall_seconds"]),
        "build_models_db_over_hand_written": _ratio(
            build["models_db_seconds"], hand["wall_seconds"]
        ),
        "run_wall_over_hand_written": _ratio(run_full["wall_seconds"], hand["wall_seconds"]),
        "incremental_over_full_models_db": _ratio(
            incremental["models_db_seconds"], build["models_db_seconds"]
        ),
        "incremental_over_full_build_db": _ratio(incremental["db_seconds"], build["db_seconds"]),
        "incremental_over_full_wall": _ratio(incremental["wall_seconds"], build["wall_seconds"]),
        "pandas_over_build_wall": _ratio(pandas_wall, build["wall_seconds"]),
        "pandas_over_hand_written": _ratio(pandas_wall, hand["wall_seconds"]),
    }
    results = {
        "events_requested": events,
        "leads": leads,
        "days": days,
        "seed": seed,
        "as_of": as_of.isoformat(),
        "incremental_day": next_day.isoformat(),
        "runs": runs,
        "memory_limit": memory_limit,
        "machine": _machine(),
        "raw_rows": raw_counts,
        "raw_event_rows": raw_events,
        "simulated_day_rows": simulated,
        "generate_seconds": generate_seconds,
        "steps": steps,
        "ratios": ratios,
        "agreement": agreement,
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
    """The results as a plain-text table (medians)."""
    lines = [
        f"leadpulse bench: {results['raw_event_rows']:,} raw events ({results['leads']:,} leads x "
        f"{results['days']} days), median of {results['runs']} run(s)"
        + (f", memory_limit {results['memory_limit']}" if results["memory_limit"] else ""),
        f"{'step':<24} {'wall s':>9} {'db s':>9} {'models s':>9} {'tests s':>9} {'RSS MiB':>9}",
    ]
    for step in STEPS:
        entry = results["steps"].get(step)
        if entry is None:
            continue
        if "median" not in entry:
            lines.append(f"{step:<24} not available ({entry['reason']})")
            continue
        m = entry["median"]

        def cell(key: str, m: dict[str, Any] = m) -> str:
            return f"{m[key]:9.2f}" if key in m else f"{'-':>9}"

        lines.append(
            f"{step:<24} {cell('wall_seconds')} {cell('db_seconds')} "
            f"{cell('models_db_seconds')} {cell('tests_db_seconds')} {m['peak_rss_mib']:9.0f}"
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
    if "pandas" not in results["agreement"]:
        lines.append("  pandas: not available")
    return "\n".join(lines)


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
