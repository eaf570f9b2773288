"""The ``leadpulse`` command: generate or load raw data, build with dbt, validate, report."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from leadpulse import paths

DEBUG_ENV = "LEADPULSE_DEBUG"  # set to 1 to get tracebacks instead of one-line errors
# Commands that write the warehouse: one at a time per file (leadpulse/lock.py).
WRITERS = {"generate", "load", "build", "refresh", "backfill", "demo"}


class HarnessError(RuntimeError):
    """An expected failure: reported as one line, exit status 1."""


def _today_utc() -> date:
    return datetime.now(UTC).date()


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {text!r}") from exc


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from exc
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return value


def _memory_size(text: str) -> str:
    from leadpulse.bench.runner import duckdb_memory_limit

    try:
        duckdb_memory_limit(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    return text


def _bench_steps(text: str) -> tuple[str, ...]:
    from leadpulse.bench.runner import parse_skip

    try:
        return parse_skip([text])
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _vars_json(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"--vars is not JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("--vars must be a JSON object")
    return value


def _print_counts(counts: dict[str, int]) -> None:
    width = max((len(t) for t in counts), default=0)
    for table, n in counts.items():
        print(f"  {table:<{width}}  {n:>10,}")
    print(f"  {'total':<{width}}  {sum(counts.values()):>10,}")


def _connect_warehouse() -> duckdb.DuckDBPyConnection:
    db = paths.configure_environment()
    try:
        return duckdb.connect(str(db))
    except duckdb.Error as exc:
        raise HarnessError(f"cannot open warehouse {db}: {' '.join(str(exc).split())}") from exc


def _wait_seconds(args: argparse.Namespace) -> float:
    from leadpulse.lock import default_wait_seconds

    wait = getattr(args, "wait", None)
    return default_wait_seconds() if wait is None else float(wait)


@contextlib.contextmanager
def _writer_lock(args: argparse.Namespace) -> Iterator[None]:
    """Hold the warehouse lock for a command that writes it (see leadpulse/lock.py)."""
    from leadpulse.lock import WarehouseLocked, warehouse_lock

    db = paths.configure_environment()
    try:
        with warehouse_lock(db, f"leadpulse {args.command}", wait_seconds=_wait_seconds(args)):
            yield
    except WarehouseLocked as exc:
        raise HarnessError(str(exc)) from exc


def _after_build(success: bool) -> None:
    """Compact the warehouse if erasures were applied; publish the serving file if tests passed.

    A failed build never replaces the serving file; if it applied erasures,
    the old serving file is rewritten without the erased leads.
    """
    from leadpulse.publish import (
        PublishError,
        compact,
        compaction_pending,
        publish_serving,
    )

    db = paths.duckdb_path()
    serving = paths.serving_path()
    try:
        if compaction_pending(db):
            before, after = compact(db)
            print(f"erasure: compacted {db} into a fresh file ({before:,} -> {after:,} bytes)")
            if not success and serving.exists():
                publish_serving(db, serving, from_serving=True)
                print(f"erasure: erased leads removed from {serving} (build failed: not refreshed)")
        if success:
            tables = publish_serving(db, serving)
            extra = f" and {paths.parquet_dir()}" if paths.parquet_dir() else ""
            if tables:
                print(f"published {len(tables)} marts to {serving}{extra}")
    except PublishError as exc:
        raise HarnessError(str(exc)) from exc


# --- commands ---------------------------------------------------------------


def cmd_generate(args: argparse.Namespace) -> int:
    try:
        from leadpulse.generate import export, generate
    except ImportError as exc:
        raise HarnessError(f"the generator is not available: {exc}") from exc
    started = time.monotonic()
    if args.out is not None:
        con = duckdb.connect(":memory:")
        target = f"{args.out} ({args.format})"
    else:
        con = _connect_warehouse()
        target = f"{paths.duckdb_path()} (schema raw)"
    try:
        counts = generate(con, leads=args.leads, days=args.days, seed=args.seed, as_of=args.as_of)
        files: list[Path] = []
        if args.out is not None:
            args.out.mkdir(parents=True, exist_ok=True)
            files = export(con, args.out, args.format)
    finally:
        con.close()
    print(
        f"generated {args.leads} leads x {args.days} days (seed {args.seed}, "
        f"as of {args.as_of}) into {target}:"
    )
    _print_counts(counts)
    for path in files:
        print(f"  wrote {path}")
    print(f"generate done in {time.monotonic() - started:.1f}s")
    return 0


def cmd_load(args: argparse.Namespace) -> int:
    from leadpulse.load import load_folder

    started = time.monotonic()
    db = paths.configure_environment()
    counts = load_folder(db, args.folder, append=args.append)
    mode = "appended to" if args.append else "replaced"
    print(f"loaded {args.folder} ({mode} raw tables in {db}):")
    _print_counts(counts)
    print(f"load done in {time.monotonic() - started:.1f}s")
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from leadpulse import dbt

    dbt_vars = dict(args.vars or {})
    as_of = args.as_of.isoformat() if args.as_of else dbt_vars.get("as_of_date") or None
    as_of = as_of or _today_utc().isoformat()
    print(f"dbt build as of {as_of}{' (full refresh)' if args.full_refresh else ''}")
    run = dbt.build(
        as_of=as_of,
        full_refresh=args.full_refresh,
        select=args.select or (),
        exclude=args.exclude or (),
        extra_vars=dbt_vars,
    )
    _after_build(run.success)
    if not run.success:
        raise HarnessError(
            f"build failed: {run.error_message} (serving file {paths.serving_path()} not replaced)"
        )
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from leadpulse.validate import validate

    paths.configure_environment()
    return validate(run_results=args.run_results)


def cmd_report(args: argparse.Namespace) -> int:
    from leadpulse.report import ReportError, write_report

    paths.configure_environment()
    try:
        path = write_report(args.out)
    except ReportError as exc:
        raise HarnessError(str(exc)) from exc
    print(f"report written to {path}")
    return 0


def cmd_refresh(args: argparse.Namespace) -> int:
    """Load a day's rows (a folder, or a simulated day), build incrementally, validate."""
    from leadpulse import dbt
    from leadpulse.validate import validate

    started = time.monotonic()
    as_of: date | None = args.as_of
    if args.simulate_day:
        from leadpulse.simulate import last_loaded_date, simulate_day

        con = _connect_warehouse()
        try:
            last = last_loaded_date(con)
            if last is None:
                raise HarnessError("raw has no loaded rows to simulate from: run generate first")
            as_of = as_of or last + timedelta(days=1)
            counts = simulate_day(con, as_of, seed=args.seed)
        finally:
            con.close()
        print(f"simulated loads of {as_of}:")
    else:
        from leadpulse.load import load_folder

        as_of = as_of or _today_utc()
        counts = load_folder(paths.configure_environment(), args.folder, append=True)
        print(f"appended {args.folder}:")
    _print_counts(counts)
    # Scheduled: data tests, not unit tests (they check the SQL, not the
    # data, and run in CI, `leadpulse build` and `demo`).
    print(f"dbt build as of {as_of} (incremental, without unit tests)")
    run = dbt.build(as_of=as_of.isoformat(), exclude=["resource_type:unit_test"])
    _after_build(run.success)
    if not run.success:
        raise HarnessError(
            f"build failed: {run.error_message} (serving file {paths.serving_path()} not replaced)"
        )
    code = validate()
    print(f"refresh {'done' if code == 0 else 'FAILED'} in {time.monotonic() - started:.1f}s")
    return code


def backfill(first: date, last: date, *, full_refresh_first: bool = False) -> bool:
    """Run the models once per as-of day from first to last, in order; test on the last day.

    Every day's run keeps the state history moving forward; only the last day runs
    the tests (they check the warehouse as it is left).
    """
    from leadpulse import dbt

    if last < first:
        raise HarnessError(f"--to {last} is before --from {first}")
    days = (last - first).days + 1
    for offset in range(days):
        day = first + timedelta(days=offset)
        day_started = time.monotonic()
        if day == last:
            run = dbt.build(as_of=day.isoformat(), full_refresh=full_refresh_first and days == 1)
        else:
            # Seeds and models; tests wait for the last day.
            command = ["build", "--exclude", "resource_type:test", "resource_type:unit_test"]
            command += ["--full-refresh"] if full_refresh_first and offset == 0 else []
            run = dbt.invoke(command, as_of=day.isoformat(), quiet=True)
        print(
            f"backfill {offset + 1}/{days} as of {day}: "
            f"{'ok' if run.success else 'FAILED'} in {time.monotonic() - day_started:.1f}s",
            flush=True,
        )
        # Serve the last day's fully tested marts only; compact on any day.
        _after_build(run.success and day == last)
        if not run.success:
            print(f"backfill stopped at {day}: {run.error_message}")
            return False
    return True


def cmd_backfill(args: argparse.Namespace) -> int:
    started = time.monotonic()
    paths.configure_environment()
    ok = backfill(args.from_date, args.to_date, full_refresh_first=args.full_refresh)
    print(f"backfill {'done' if ok else 'FAILED'} in {time.monotonic() - started:.1f}s")
    return 0 if ok else 1


def cmd_demo(args: argparse.Namespace) -> int:
    """generate -> short backfill (full refresh, then one run per day) -> validate -> report."""
    from leadpulse.report import ReportError, write_report
    from leadpulse.validate import validate

    db = paths.configure_environment()
    as_of: date = args.as_of
    print(f"leadpulse demo: {args.leads} leads x {args.days} days, seed {args.seed}, as of {as_of}")
    print(f"warehouse: {db}")
    failed: list[str] = []
    report_path: Path | None = None
    demo_started = time.monotonic()

    def step(number: int, name: str, action: Callable[[], bool]) -> bool:
        print(f"\n== {number}/4 {name}")
        started = time.monotonic()
        try:
            ok = action()
        except HarnessError as exc:
            print(f"error: {exc}")
            ok = False
        print(f"-- {name} {'done' if ok else 'FAILED'} in {time.monotonic() - started:.1f}s")
        if not ok:
            failed.append(name)
        return ok

    gen_args = argparse.Namespace(
        leads=args.leads, days=args.days, seed=args.seed, as_of=as_of, out=None, format="csv"
    )
    if not step(1, "generate", lambda: cmd_generate(gen_args) == 0):
        print("\ndemo FAILED at generate")
        return 1

    def do_build() -> bool:
        # A short backfill: the last days built one by one (the first as a full
        # refresh, the last with every test), so the history charts have days.
        first = as_of - timedelta(days=args.history_days - 1)
        try:
            return backfill(first, as_of, full_refresh_first=True)
        except HarnessError as exc:
            print(f"build failed: {exc}")
            return False

    def do_report() -> bool:
        nonlocal report_path
        try:
            report_path = write_report(None)
        except ReportError as exc:
            raise HarnessError(str(exc)) from exc
        return True

    step(2, f"build ({args.history_days}-day backfill)", do_build)
    step(3, "validate", lambda: validate() == 0)
    step(4, "report", do_report)
    total = time.monotonic() - demo_started
    if report_path is not None:
        print(f"\nreport: {report_path}")
    if failed:
        print(f"demo FAILED ({', '.join(failed)}) in {total:.1f}s")
        return 1
    print(f"demo done in {total:.1f}s")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    """Time dbt against the hand-written SQL and pandas references (leadpulse/bench)."""
    from leadpulse.bench.runner import BenchError, bench_exit_code, run_bench

    try:
        results = run_bench(
            args.events,
            runs=args.runs,
            memory_limit=args.memory_limit,
            constrained_memory_limit=args.constrained_memory_limit,
            skip=[step for steps in args.skip for step in steps],
            out_dir=args.out,
            as_of=args.as_of,
            seed=args.seed,
            work_dir=args.work_dir,
            keep=args.keep,
            check_disk=not args.no_disk_check,
        )
    except BenchError as exc:
        raise HarnessError(str(exc)) from exc
    return bench_exit_code(results)


# --- parser -----------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="leadpulse",
        description="Generate or load raw lead activity, build the dbt project, validate, report.",
    )
    parser.add_argument(
        "--db",
        metavar="PATH",
        help="DuckDB warehouse file (sets LEADPULSE_DUCKDB_PATH; "
        "default warehouse/leadpulse.duckdb in the project)",
    )
    # Accept --db after the subcommand too, without overriding one given before it.
    db_parent = argparse.ArgumentParser(add_help=False)
    db_parent.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS, help="as above")
    db_parent.add_argument(
        "--wait",
        type=float,
        metavar="SECONDS",
        default=None,
        help="commands that write the warehouse: wait this long for another one to finish "
        "(default $LEADPULSE_LOCK_WAIT_SECONDS or 0: fail at once, naming it)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    gen = sub.add_parser(
        "generate",
        parents=[db_parent],
        help="make synthetic raw data (into the warehouse, or files with --out)",
    )
    _add_generate_options(gen, leads=5000, days=180, seed=42)
    gen.add_argument("--out", type=Path, metavar="DIR", help="write files here instead")
    gen.add_argument("--format", choices=("csv", "parquet"), default="csv", help="file format")
    gen.set_defaults(func=cmd_generate)

    load = sub.add_parser(
        "load",
        parents=[db_parent],
        help="load a folder of <table>.csv/.parquet (or <table>/ folders) into raw",
    )
    load.add_argument("folder", type=Path, metavar="DIR")
    load.add_argument(
        "--append",
        action="store_true",
        help="append rows (daily loads; tables may be absent) instead of replacing every table",
    )
    load.set_defaults(func=cmd_load)

    build = sub.add_parser("build", parents=[db_parent], help="dbt build (seeds, models, tests)")
    build.add_argument(
        "--as-of", type=_iso_date, metavar="DATE", help="as_of_date var (default: today, UTC)"
    )
    build.add_argument("--full-refresh", action="store_true", help="rebuild incremental models")
    build.add_argument("--select", "-s", nargs="+", metavar="SELECTOR", help="dbt --select")
    build.add_argument("--exclude", nargs="+", metavar="SELECTOR", help="dbt --exclude")
    build.add_argument("--vars", type=_vars_json, metavar="JSON", help="extra dbt vars")
    build.set_defaults(func=cmd_build)

    val = sub.add_parser(
        "validate", parents=[db_parent], help="check the last build's results and invariants"
    )
    val.add_argument(
        "--run-results",
        type=Path,
        metavar="FILE",
        help="dbt run_results.json (default: target/run_results.json in the project)",
    )
    val.set_defaults(func=cmd_validate)

    rep = sub.add_parser("report", parents=[db_parent], help="write the HTML summary report")
    rep.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help="report file (default: reports/leadpulse_report.html in the project)",
    )
    rep.set_defaults(func=cmd_report)

    ref = sub.add_parser(
        "refresh",
        parents=[db_parent],
        help="the daily run: append a folder (or --simulate-day), build incrementally, validate",
    )
    source = ref.add_mutually_exclusive_group(required=True)
    source.add_argument("--folder", type=Path, metavar="DIR", help="append this folder to raw")
    source.add_argument(
        "--simulate-day",
        action="store_true",
        help="append a simulated day after the last one loaded (new, late, re-delivered rows)",
    )
    ref.add_argument(
        "--as-of",
        type=_iso_date,
        metavar="DATE",
        help="as_of_date (default: the simulated day, or today UTC for --folder)",
    )
    ref.add_argument("--seed", type=int, default=0, help="seed of the simulated day (default 0)")
    ref.set_defaults(func=cmd_refresh)

    back = sub.add_parser(
        "backfill",
        parents=[db_parent],
        help="run the models for every as-of day in a range, in order (builds state history)",
    )
    back.add_argument("--from", dest="from_date", type=_iso_date, required=True, metavar="DATE")
    back.add_argument("--to", dest="to_date", type=_iso_date, required=True, metavar="DATE")
    back.add_argument(
        "--full-refresh", action="store_true", help="full-refresh incremental models on day one"
    )
    back.set_defaults(func=cmd_backfill)

    bench = sub.add_parser(
        "bench",
        help="benchmark: dbt build vs hand-written SQL and pandas on generated data (JSON out)",
    )
    bench.add_argument(
        "--events", type=_positive_int, required=True, help="raw event rows to generate (about)"
    )
    bench.add_argument("--runs", type=_positive_int, default=1, help="runs; medians reported")
    bench.add_argument(
        "--memory-limit", metavar="SIZE", help="DuckDB memory_limit for every step, e.g. 2GB"
    )
    bench.add_argument(
        "--constrained-memory-limit",
        type=_memory_size,
        metavar="SIZE",
        help="also time dbt build --full-refresh on fresh raw tables under this DuckDB "
        "memory_limit, e.g. 2GB (a failure is recorded; the exit status is then 1)",
    )
    bench.add_argument(
        "--skip",
        type=_bench_steps,
        action="append",
        default=[],
        metavar="STEP[,STEP...]",
        help="leave out dbt_run_full_refresh, hand_written_sql and/or pandas (pandas is "
        "also left out when its estimated memory exceeds MemAvailable)",
    )
    bench.add_argument(
        "--out", type=Path, metavar="DIR", help="where <events>.json goes (default bench/results)"
    )
    bench.add_argument(
        "--as-of", type=_iso_date, default=date(2026, 6, 30), metavar="DATE", help="as_of_date"
    )
    bench.add_argument("--seed", type=int, default=42, help="generator seed (default 42)")
    bench.add_argument(
        "--work-dir", type=Path, metavar="DIR", help="scratch dir for the DuckDB file (kept)"
    )
    bench.add_argument("--keep", action="store_true", help="keep the temporary scratch dir")
    bench.add_argument(
        "--no-disk-check",
        action="store_true",
        help="run even when the scratch dir has less free disk than the run's estimate",
    )
    bench.set_defaults(func=cmd_bench)

    demo = sub.add_parser(
        "demo",
        parents=[db_parent],
        help="generate, build (full refresh), validate and report in one go",
    )
    _add_generate_options(demo, leads=5000, days=400, seed=42)
    demo.add_argument(
        "--history-days",
        type=_positive_int,
        default=7,
        help="as-of days built one by one at the end, for state history (default 7)",
    )
    demo.set_defaults(func=cmd_demo)
    return parser


def _add_generate_options(p: argparse.ArgumentParser, *, leads: int, days: int, seed: int) -> None:
    p.add_argument("--leads", type=_positive_int, default=leads, help=f"leads (default {leads})")
    p.add_argument("--days", type=_positive_int, default=days, help=f"days (default {days})")
    p.add_argument("--seed", type=int, default=seed, help=f"random seed (default {seed})")
    p.add_argument(
        "--as-of",
        type=_iso_date,
        default=None,
        metavar="DATE",
        help="last day of data and the as_of_date var (default: today, UTC)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "db", None):
        paths.set_duckdb_path(args.db)
    if hasattr(args, "as_of") and args.as_of is None and args.command in {"generate", "demo"}:
        args.as_of = _today_utc()
    os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"

    from leadpulse.load import LoadError

    try:
        if args.command in WRITERS and getattr(args, "out", None) is None:
            with _writer_lock(args):
                return int(args.func(args))
        return int(args.func(args))
    except (HarnessError, LoadError, duckdb.Error, OSError) as exc:
        if os.environ.get(DEBUG_ENV):
            raise
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"leadpulse {args.command}: error: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"leadpulse {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
