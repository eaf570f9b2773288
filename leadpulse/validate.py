"""Check a finished build: dbt's run results, then invariants read from the warehouse.

Each check is a function taking a ``Context`` and returning a ``CheckResult``
(errors make validation fail, warnings and notes are only printed). Add a
check by writing such a function and listing it in ``CHECKS``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import duckdb
import yaml

from leadpulse import paths
from leadpulse.contract import RAW_SCHEMA, RAW_TABLES

RECONCILED = ("intermediate", "int_raw_rows_reconciled")
ATTRIBUTED = ("intermediate", "int_events_attributed")
UNATTRIBUTED_VAR = "max_unattributed_share"
TOMBSTONES = ("privacy", "erased_identifiers")
BAD_STATUSES = {"error", "fail", "runtime error"}


@dataclass
class CheckResult:
    name: str
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class Context:
    """What checks read: the run results file and the warehouse (opened read-only on demand)."""

    run_results_path: Path
    db_path: Path
    _con: duckdb.DuckDBPyConnection | None = None

    def connection(self) -> duckdb.DuckDBPyConnection | None:
        """A read-only connection to the warehouse, or None if the file does not exist."""
        if self._con is None and self.db_path.exists():
            self._con = duckdb.connect(str(self.db_path), read_only=True)
        return self._con

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None


Check = Callable[[Context], CheckResult]


def relation_exists(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchone()
    return bool(row and row[0])


def _short_message(message: str | None, limit: int = 240) -> str:
    flat = " ".join((message or "").split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def check_run_results(ctx: Context) -> CheckResult:
    """Every node in the last dbt run succeeded; name each one that did not."""
    result = CheckResult("dbt run results")
    path = ctx.run_results_path
    if not path.exists():
        result.errors.append(f"no run results at {path}: run `leadpulse build` first")
        return result
    try:
        data: dict[str, Any] = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        result.errors.append(f"cannot read {path}: {exc}")
        return result

    nodes = data.get("results") or []
    args = data.get("args") or {}
    counts: dict[str, int] = {}
    for node in nodes:
        status = str(node.get("status", "")).lower()
        counts[status] = counts.get(status, 0) + 1
        uid = node.get("unique_id", "?")
        message = _short_message(node.get("message"))
        failures = node.get("failures")
        if status in BAD_STATUSES:
            label = "FAIL" if status == "fail" else "ERROR"
            detail = f" ({failures} failing rows)" if failures else ""
            result.errors.append(f"{label} {uid}{detail}: {message}")
        elif status == "warn":
            detail = f" ({failures} rows)" if failures else ""
            result.warnings.append(f"WARN {uid}{detail}: {message}")
    tally = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no nodes"
    command = args.get("which", "dbt")
    dbt_vars = args.get("vars")
    as_of = dbt_vars.get("as_of_date") if isinstance(dbt_vars, dict) else None
    generated = (data.get("metadata") or {}).get("generated_at", "?")
    if as_of:
        when = f", as_of_date {as_of}"
    else:  # the harness passes the day in the environment, which dbt does not record
        marts_as_of = _marts_as_of(ctx)
        when = f", marts as of {marts_as_of}" if marts_as_of else ""
    result.notes.append(f"last run: {command} at {generated}{when}: {len(nodes)} nodes ({tally})")
    if counts.get("skipped") and not result.errors:
        result.warnings.append(f"{counts['skipped']} node(s) skipped")
    return result


def _marts_as_of(ctx: Context) -> str | None:
    """The as-of date of marts.fct_lead_engagement, when the warehouse has it."""
    con = ctx.connection()
    if con is None or not relation_exists(con, "marts", "fct_lead_engagement"):
        return None
    row = con.execute("select max(as_of_date) from marts.fct_lead_engagement").fetchone()
    return str(row[0]) if row and row[0] is not None else None


def check_raw_reconciliation(ctx: Context) -> CheckResult:
    """Per raw table: raw = clean + duplicate + quarantined, and raw matches the raw table."""
    result = CheckResult("raw rows reconciled")
    con = ctx.connection()
    if con is None:
        result.warnings.append(f"no warehouse at {ctx.db_path}: skipped")
        return result
    schema, name = RECONCILED
    if not relation_exists(con, schema, name):
        result.notes.append(f"{schema}.{name} not built: skipped")
        return result
    rows = con.execute(
        "select source_table, raw_rows, clean_rows, duplicate_rows, quarantined_rows "
        f"from {schema}.{name} order by source_table"
    ).fetchall()
    header = ("source_table", "raw", "clean", "duplicate", "quarantined", "adds up")
    table: list[tuple[str, ...]] = []
    seen: set[str] = set()
    for source, raw, clean, dup, quar in rows:
        seen.add(str(source))
        adds_up = raw == (clean or 0) + (dup or 0) + (quar or 0)
        verdict = "yes" if adds_up else "NO"
        table.append((str(source), str(raw), str(clean), str(dup), str(quar), verdict))
        if not adds_up:
            result.errors.append(
                f"{source}: raw {raw} != clean {clean} + duplicate {dup} + quarantined {quar}"
            )
        if source in RAW_TABLES and relation_exists(con, RAW_SCHEMA, str(source)):
            actual = con.execute(f"select count(*) from {RAW_SCHEMA}.{source}").fetchone()
            if actual and actual[0] != raw:
                result.errors.append(
                    f"{source}: {schema}.{name} counts {raw} raw rows, "
                    f"{RAW_SCHEMA}.{source} holds {actual[0]}"
                )
    absent = [t for t in RAW_TABLES if t not in seen]
    if absent and seen & set(RAW_TABLES):
        result.warnings.append(f"{schema}.{name} has no row for: {', '.join(absent)}")
    result.notes.extend(format_table(header, table))
    return result


def _project_var(ctx: Context, name: str) -> Any:
    """A dbt var as the last run saw it: its --vars, else dbt_project.yml's default."""
    try:
        args = json.loads(ctx.run_results_path.read_text()).get("args", {})
        run_vars = args.get("vars") or {}
        if isinstance(run_vars, str):
            run_vars = yaml.safe_load(run_vars) or {}
        if name in run_vars:
            return run_vars[name]
    except (OSError, ValueError):
        pass
    project = yaml.safe_load((paths.project_dir() / "dbt_project.yml").read_text())
    return (project.get("vars") or {}).get(name)


def check_unattributed_share(ctx: Context) -> CheckResult:
    """Events that reach no lead, per source table; an error above max_unattributed_share."""
    result = CheckResult("events attributed to leads")
    con = ctx.connection()
    if con is None:
        result.warnings.append(f"no warehouse at {ctx.db_path}: skipped")
        return result
    schema, name = ATTRIBUTED
    if not relation_exists(con, schema, name):
        result.notes.append(f"{schema}.{name} not built: skipped")
        return result
    rows = con.execute(
        "select source_table, count(*), count(*) filter (where lead_id is null) "
        f"from {schema}.{name} group by 1 order by 1"
    ).fetchall()
    limit = float(_project_var(ctx, UNATTRIBUTED_VAR) or 0.0)
    header = ("source_table", "events", "unattributed", "share")
    table = [(str(t), str(n), str(u), f"{u / n:.2%}" if n else "-") for t, n, u in rows]
    total = sum(n for _, n, _ in rows)
    unattributed = sum(u for _, _, u in rows)
    share = unattributed / total if total else 0.0
    table.append(("all", str(total), str(unattributed), f"{share:.2%}"))
    result.notes.extend(format_table(header, table))
    verdict = f"unattributed share {share:.2%} (limit {UNATTRIBUTED_VAR} = {limit:.2%})"
    if share > limit:
        result.errors.append(f"{schema}.{name}: {verdict}")
    else:
        result.notes.append(verdict)
    return result


def check_erasures_compacted(ctx: Context) -> CheckResult:
    """Erasures applied by a build have also been compacted out of the file's bytes."""
    result = CheckResult("erasures compacted")
    con = ctx.connection()
    if con is None:
        result.warnings.append(f"no warehouse at {ctx.db_path}: skipped")
        return result
    schema, name = TOMBSTONES
    if not relation_exists(con, schema, name):
        result.notes.append(f"{schema}.{name} not built: no erasure requests yet")
        return result
    requests, pending = con.execute(
        f"select count(distinct request_id), count(distinct request_id) "
        f"filter (where compacted_at is null) from {schema}.{name}"
    ).fetchone()
    result.notes.append(f"{requests} erasure request(s) applied")
    if pending:
        result.errors.append(
            f"{schema}.{name}: {pending} erasure request(s) applied but the deleted bytes are "
            f"still in {ctx.db_path}: run `leadpulse build` (plain `dbt build` does not compact)"
        )
    return result


CHECKS: list[Check] = [
    check_run_results,
    check_raw_reconciliation,
    check_unattributed_share,
    check_erasures_compacted,
]


def is_number(value: object) -> bool:
    text = str(value).replace(",", "")
    return text.replace(".", "", 1).removeprefix("-").isdigit()


def format_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    """A plain text table: numeric columns right-aligned, others left; one string per line."""
    widths = [len(h) for h in header]
    for row in rows:
        widths = [max(w, len(str(v))) for w, v in zip(widths, row, strict=True)]
    numeric = [bool(rows) and all(is_number(r[i]) for r in rows) for i in range(len(header))]

    def fmt(row: Sequence[Any]) -> str:
        cells = [
            str(v).rjust(w) if num else str(v).ljust(w)
            for v, w, num in zip(row, widths, numeric, strict=True)
        ]
        return "  ".join(cells).rstrip()

    return [fmt(header), *(fmt(r) for r in rows)]


@contextmanager
def _context(run_results: Path | None, db_path: Path | None) -> Iterator[Context]:
    ctx = Context(
        run_results_path=run_results or paths.run_results_path(),
        db_path=db_path or paths.duckdb_path(),
    )
    try:
        yield ctx
    finally:
        ctx.close()


def run_checks(
    *,
    run_results: Path | None = None,
    db_path: Path | None = None,
    checks: Sequence[Check] = CHECKS,
) -> list[CheckResult]:
    with _context(run_results, db_path) as ctx:
        results = []
        for check in checks:
            try:
                results.append(check(ctx))
            except duckdb.Error as exc:
                name = getattr(check, "__name__", "check")
                results.append(CheckResult(name, errors=[f"{name}: {_short_message(str(exc))}"]))
        return results


def validate(
    *,
    run_results: Path | None = None,
    db_path: Path | None = None,
    checks: Sequence[Check] = CHECKS,
    out: TextIO | None = None,
) -> int:
    """Run the checks, print what they found; 0 if none reported an error, else 1."""
    stream = out if out is not None else sys.stdout
    results = run_checks(run_results=run_results, db_path=db_path, checks=checks)
    for res in results:
        status = "OK" if res.ok else "FAILED"
        print(f"[{status}] {res.name}", file=stream)
        for line in res.notes:
            print(f"    {line}", file=stream)
        for line in res.warnings:
            print(f"    warning: {line}", file=stream)
        for line in res.errors:
            print(f"    {line}", file=stream)
    errors = [e for r in results for e in r.errors]
    warnings = sum(len(r.warnings) for r in results)
    if errors:
        subjects = [e.split(":", 1)[0] for e in errors]
        named = "; ".join(subjects[:3]) + (
            f"; and {len(subjects) - 3} more" if len(subjects) > 3 else ""
        )
        print(f"validate: FAILED: {len(errors)} problem(s): {named}", file=stream)
        return 1
    print(f"validate: OK ({warnings} warning(s))", file=stream)
    return 0
