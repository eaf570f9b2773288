"""Run dbt in-process through ``dbtRunner``, printing one line per node.

dbt's own console output is silenced (``--log-level none``; the log file under
``logs/`` keeps everything); instead an event callback prints a progress line
as each node finishes, dbt's message under every node that errored, failed or
warned, and a summary line at the end. dbt allows one invocation at a time per
process, so calls are serialized with a lock.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TextIO

from leadpulse import paths

# Short labels for dbt's run-result statuses (models, seeds, tests, unit tests).
STATUS_LABELS: dict[str, str] = {
    "success": "OK",
    "pass": "PASS",
    "fail": "FAIL",
    "warn": "WARN",
    "error": "ERROR",
    "runtime error": "ERROR",
    "skipped": "SKIP",
    "partial success": "WARN",
    "no-op": "OK",
}
PROBLEM_LABELS = {"ERROR", "FAIL", "WARN"}
WRITES_RUN_RESULTS = {"build", "run", "test", "seed", "snapshot", "compile", "run-operation"}

# Warn/error events that repeat what the per-node lines and our summary already say.
NODE_RESULT_EVENTS = {
    "LogTestResult",
    "LogModelResult",
    "LogSeedResult",
    "LogSnapshotResult",
    "LogNodeResult",
    "LogFunctionResult",
    "LogFreshnessResult",
    "LogSkipBecauseError",
    "RunResultFailure",
    "RunResultError",
    "RunResultErrorNoMessage",
    "RunResultWarning",
    "RunResultWarningMessage",
    "CheckNodeTestFailure",
    "EndOfRunSummary",
    "StatsLine",
    "MainEncounteredError",  # the exception, printed once by the summary
    "MainStackTrace",
}
MAX_PROJECT_MESSAGES = 10

_INVOKE_LOCK = threading.Lock()


@dataclass(frozen=True)
class NodeOutcome:
    """How one dbt node ended."""

    unique_id: str
    name: str
    resource_type: str
    status: str  # dbt's status string, e.g. "success", "fail"
    message: str
    execution_time: float
    failures: int | None

    @property
    def label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status.upper() or "?")


@dataclass
class DbtRun:
    """The outcome of one dbt invocation."""

    args: list[str]
    success: bool
    elapsed: float
    nodes: list[NodeOutcome] = field(default_factory=list)
    exception: BaseException | None = None
    result: Any = None

    @property
    def problems(self) -> list[NodeOutcome]:
        return [n for n in self.nodes if n.label in {"ERROR", "FAIL"}]

    @property
    def error_message(self) -> str:
        """One line naming what went wrong, for the CLI's exit message."""
        if self.exception is not None:
            return _one_line(str(self.exception)) or type(self.exception).__name__
        bad = self.problems
        if bad:
            names = ", ".join(f"{n.name} ({n.label})" for n in bad[:5])
            more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
            return f"{len(bad)} node(s) failed: {names}{more}"
        return "" if self.success else "dbt reported failure"


def _one_line(text: str, limit: int = 300) -> str:
    """Flatten dbt's message; if long, keep its first and last lines (what and why)."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    lines = [" ".join(line.split()) for line in text.strip().splitlines() if line.strip()]
    half = limit // 2 - 3
    first, last = lines[0][:half], lines[-1][-half:]
    return first if len(lines) == 1 else f"{first} ... {last}"


def _indent(text: str, prefix: str = "      ") -> str:
    return "\n".join(prefix + line for line in text.strip().splitlines())


class ProgressPrinter:
    """dbt event callback: one line per finished node."""

    def __init__(self, out: TextIO | None = None, *, show_progress: bool = True) -> None:
        self.out = out if out is not None else sys.stdout
        self.show_progress = show_progress
        self.total = 0
        self.index_by_node: dict[str, int] = {}
        self.finished = 0
        self.nodes: list[NodeOutcome] = []
        self._lock = threading.Lock()
        self.closed = False
        self.messages_seen: set[str] = set()
        self.messages_shown = 0

    def write(self, line: str) -> None:
        if self.closed:
            return
        with self._lock:
            try:
                print(line, file=self.out, flush=True)
            except (OSError, ValueError):
                # Output closed (e.g. piped into `head`): keep building, stop printing.
                self.closed = True

    def __call__(self, event: Any) -> None:
        # Never let a display problem break a dbt run.
        try:
            self._handle(event)
        except Exception as exc:  # pragma: no cover - defensive
            self.write(f"(progress display error: {exc})")

    def _handle(self, event: Any) -> None:
        name = event.info.name
        data = event.data
        if name == "ConcurrencyLine":
            self.total = max(self.total, int(data.node_count))
        elif name == "LogStartLine" or name == "SkippingDetails":
            self.total = max(self.total, int(data.total))
            uid = data.node_info.unique_id
            if uid:
                self.index_by_node.setdefault(uid, int(data.index))
        elif name == "NodeFinished":
            self._node_finished(data)
        elif event.info.level in ("warn", "error") and name not in NODE_RESULT_EVENTS:
            self._project_message(event)

    def _project_message(self, event: Any) -> None:
        """A warning or error not about one node (config, deprecation, connection)."""
        node_info = getattr(event.data, "node_info", None)
        if node_info is not None and node_info.unique_id:
            return  # reported on the node's own line
        text = " ".join(str(event.info.msg).split())
        text = re.sub(r"^\[(WARNING|WARN|ERROR)\]:?\s*", "", text)
        if not text or text in self.messages_seen:
            return
        self.messages_seen.add(text)
        self.messages_shown += 1
        if self.messages_shown <= MAX_PROJECT_MESSAGES:
            label = "warning" if event.info.level == "warn" else "error"
            self.write(f"dbt {label}: {text}")
        elif self.messages_shown == MAX_PROJECT_MESSAGES + 1:
            self.write(f"(more dbt warnings in {paths.log_dir() / 'dbt.log'})")

    def _node_finished(self, data: Any) -> None:
        info, rr = data.node_info, data.run_result
        self.finished += 1
        index = self.index_by_node.get(info.unique_id, self.finished)
        is_test = info.resource_type in {"test", "unit_test"}
        failures = int(rr.num_failures) if is_test else None
        node = NodeOutcome(
            unique_id=info.unique_id,
            name=info.node_name,
            resource_type=info.resource_type,
            status=rr.status,
            message=rr.message,
            execution_time=float(rr.execution_time),
            failures=failures,
        )
        self.nodes.append(node)
        total = max(self.total, index)
        width = len(str(total))
        line = (
            f"{index:>{width}}/{total} {node.label:<5} {node.resource_type:<9} "
            f"{node.name}  {node.execution_time:.2f}s"
        )
        if node.label in PROBLEM_LABELS and node.message:
            line += "\n" + _indent(node.message)
        if self.show_progress:
            self.write(line)


def _collect_nodes_from_result(result: Any) -> list[NodeOutcome]:
    """Fallback when no events arrived: read node outcomes from the result object."""
    nodes: list[NodeOutcome] = []
    for r in getattr(result, "results", None) or []:
        node = getattr(r, "node", None)
        nodes.append(
            NodeOutcome(
                unique_id=getattr(node, "unique_id", ""),
                name=getattr(node, "name", ""),
                resource_type=str(getattr(node, "resource_type", "")),
                status=str(r.status),
                message=str(r.message or ""),
                execution_time=float(r.execution_time or 0.0),
                failures=r.failures,
            )
        )
    return nodes


def _close_duckdb_handles() -> None:
    """Release the warehouse file dbt-duckdb may still hold, so the harness can open it."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # pragma: no cover - another adapter
        return
    with DuckDBConnectionManager._LOCK:
        env = DuckDBConnectionManager._ENV
        if env is not None:
            close = getattr(env, "close", None)
            if callable(close):
                close()
            DuckDBConnectionManager._ENV = None


@contextlib.contextmanager
def _as_of_in_environment(as_of: str | None) -> Iterator[None]:
    """``LEADPULSE_AS_OF_DATE`` set to ``as_of`` for one invocation (unchanged when None)."""
    if as_of is None:
        yield
        return
    previous = os.environ.get(paths.AS_OF_DATE_ENV)
    os.environ[paths.AS_OF_DATE_ENV] = as_of
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(paths.AS_OF_DATE_ENV, None)
        else:
            os.environ[paths.AS_OF_DATE_ENV] = previous


def invoke(
    command: Sequence[str],
    *,
    as_of: str | None = None,
    extra_vars: dict[str, Any] | None = None,
    quiet: bool = False,
    out: TextIO | None = None,
    callbacks: Sequence[Callable[[Any], None]] = (),
) -> DbtRun:
    """Run ``dbt <command...>`` against the leadpulse project and the configured warehouse.

    ``as_of`` reaches the models as the environment variable ``LEADPULSE_AS_OF_DATE``
    (the ``as_of_date()`` macro), not as a var: dbt re-parses the whole project when
    ``--vars`` change, but only the files that read an environment variable that
    changed, so a new day costs a partial parse. An ``as_of_date`` in ``extra_vars``
    is then dropped (a var would win over the environment). ``extra_vars`` go to
    ``--vars``. With ``quiet`` no progress lines are printed (errors still are).
    """
    paths.configure_environment()
    os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    from dbt.cli.main import dbtRunner

    stream = out if out is not None else sys.stdout
    project = str(paths.project_dir())
    args = list(command)
    dbt_vars = dict(extra_vars or {})
    if as_of is not None:
        dbt_vars.pop("as_of_date", None)
    if dbt_vars:
        args += ["--vars", json.dumps(dbt_vars)]
    args += [
        "--project-dir",
        project,
        "--profiles-dir",
        project,
        "--target-path",
        str(paths.target_dir()),
        "--log-path",
        str(paths.log_dir()),
        "--log-level",
        "none",
        "--log-level-file",  # else it follows --log-level
        "debug",
        "--no-use-colors",
        "--no-send-anonymous-usage-stats",
    ]
    printer = ProgressPrinter(out=stream, show_progress=not quiet)
    all_callbacks: list[Callable[[Any], None]] = [printer, *callbacks]

    with _INVOKE_LOCK, _as_of_in_environment(as_of):
        if args and args[0] in WRITES_RUN_RESULTS:
            # A run that fails before executing nodes writes no run_results.json; never
            # leave the previous run's file to be mistaken for this one's.
            paths.run_results_path().unlink(missing_ok=True)
        started = time.monotonic()
        try:
            # Adapters sometimes print() directly (dbt-duckdb's retry notice); our lines go
            # to the stream captured above, stray prints nowhere.
            with contextlib.redirect_stdout(io.StringIO()):
                res = dbtRunner(callbacks=all_callbacks).invoke(args)
        finally:
            _close_duckdb_handles()
        elapsed = time.monotonic() - started

    nodes = printer.nodes or _collect_nodes_from_result(res.result)
    run = DbtRun(
        args=args,
        success=bool(res.success),
        elapsed=elapsed,
        nodes=nodes,
        exception=res.exception,
        result=res.result,
    )
    _print_summary(run, command, stream, quiet=quiet)
    return run


def _print_summary(run: DbtRun, command: Sequence[str], out: TextIO, *, quiet: bool) -> None:
    verb = command[0] if command else "dbt"
    if quiet and run.success:
        return
    if quiet:
        for node in run.problems:
            print(f"{node.label} {node.resource_type} {node.name}", file=out)
            if node.message:
                print(_indent(node.message), file=out)
    counts: dict[str, int] = {}
    for node in run.nodes:
        counts[node.label] = counts.get(node.label, 0) + 1
    tally = ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "no nodes"
    state = "succeeded" if run.success else "FAILED"
    print(f"dbt {verb} {state} in {run.elapsed:.1f}s: {tally}", file=out, flush=True)
    if run.exception is not None:
        print(f"dbt error: {str(run.exception).strip()}", file=out, flush=True)


def build(
    *,
    as_of: str,
    full_refresh: bool = False,
    select: Sequence[str] = (),
    exclude: Sequence[str] = (),
    extra_vars: dict[str, Any] | None = None,
    quiet: bool = False,
    out: TextIO | None = None,
) -> DbtRun:
    """``dbt build`` (seeds, models, tests, unit tests) as of ``as_of`` (YYYY-MM-DD)."""
    command = ["build"]
    if full_refresh:
        command.append("--full-refresh")
    if select:
        command += ["--select", *select]
    if exclude:
        command += ["--exclude", *exclude]
    return invoke(command, as_of=as_of, extra_vars=extra_vars, quiet=quiet, out=out)
