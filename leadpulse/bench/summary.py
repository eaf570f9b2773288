"""The benchmark results of every size in one table, with the issue's targets.

``leadpulse bench`` writes one JSON file per size (``bench/results/<N>.json``).
This module reads them and renders, in Markdown:

1. one column per size: the full build, the hand-written script, the one-day
   refresh, pandas, the build under a small ``memory_limit``, with the ratios
   the issue's targets are stated in, as the bench wrote them
   (``runner.ratios_of``: one definition for both);
2. the targets, each checked at every size it applies to; the growth exponent
   between each pair of consecutive sizes, on the raw event rows each run had.

``python -m leadpulse.bench.summary`` prints it for ``bench/results/*.json``;
``--update docs/benchmarks.md`` rewrites the block between the markers
(``START_MARKER`` / ``END_MARKER``), which ``tests/test_bench_summary.py`` keeps
equal to what the committed results give. The numbers are read, never
judged pass/fail outside the table: timings vary from run to run.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from leadpulse import paths
from leadpulse.bench.runner import CONSTRAINED_STEP, INCREMENTAL_TESTS_STEP, step_median

START_MARKER = "<!-- bench-summary:start (python -m leadpulse.bench.summary --update) -->"
END_MARKER = "<!-- bench-summary:end -->"

# The targets (issue 5).
BUILD_FACTOR = 1.5  # full build <= 1.5 x the hand-written script + 10 s ...
BUILD_ALLOWANCE_SECONDS = 10.0
BUILD_SIZES = (10_000_000, 100_000_000)  # ... at 10M and at 100M events
REFRESH_SHARE = 0.05  # one-day refresh <= 5 % of the full build's database time
CONSTRAINED_LIMIT = "2GB"  # the build completes with memory_limit=2GB ...
CONSTRAINED_SLOWDOWN = 3.0  # ... at most 3 x slower
MAX_EXPONENT = 1.1  # time grows with the raw events with an exponent <= 1.1 ...
EXPONENT_SIZES = (10_000_000, 100_000_000)  # ... from 10M to 100M events
PANDAS_SPEEDUP = 5.0  # >= 5 x faster than pandas ...
PANDAS_SIZE = 10_000_000  # ... at 10M events

DASH = "–"
NOT_A_TARGET = "not a target at this size"

BUILD = "dbt_build_full_refresh"
HAND = "hand_written_sql"
PANDAS = "pandas"
REFRESH = "incremental_run"
REFRESH_TESTS = INCREMENTAL_TESTS_STEP
CONSTRAINED = CONSTRAINED_STEP


def results_dir() -> Path:
    """Where ``leadpulse bench`` keeps the results of record."""
    return paths.project_dir() / "bench" / "results"


def load_results(files: Iterable[Path]) -> list[dict[str, Any]]:
    """The results files, smallest requested size first."""
    loaded = [json.loads(Path(f).read_text(encoding="utf-8")) for f in files]
    return sorted(loaded, key=lambda r: r["events_requested"])


def default_files() -> list[Path]:
    """``bench/results/<N>.json``: one per size (history/ is not read)."""
    return sorted(p for p in results_dir().glob("*.json") if p.stem.isdigit())


def median(results: dict[str, Any], step: str, key: str) -> float | None:
    """A step's median value, or None when the step was skipped, failed or lacks it."""
    return step_median(results["steps"], step, key)


def exponent(
    smaller: dict[str, Any], larger: dict[str, Any], key: str = "wall_seconds"
) -> float | None:
    """How the full build's time grows with the raw event rows: log(t2/t1) / log(n2/n1)."""
    t1, t2 = median(smaller, BUILD, key), median(larger, BUILD, key)
    n1, n2 = smaller["raw_event_rows"], larger["raw_event_rows"]
    if not t1 or not t2 or n1 <= 0 or n2 <= n1:
        return None
    return math.log(t2 / t1) / math.log(n2 / n1)


def size_label(events: int) -> str:
    """10000000 -> '10M'."""
    for unit, name in ((1_000_000_000, "G"), (1_000_000, "M"), (1_000, "k")):
        if events >= unit and events % unit == 0:
            return f"{events // unit}{name}"
    return f"{events:,}"


@dataclass(frozen=True)
class Size:
    """One size's numbers, as the tables show them."""

    results: dict[str, Any]

    def get(self, step: str, key: str) -> float | None:
        return median(self.results, step, key)

    def ratio(self, name: str) -> float | None:
        """One of the ratios ``leadpulse bench`` wrote (``runner.ratios_of``)."""
        return self.results.get("ratios", {}).get(name)

    @property
    def build_wall(self) -> float | None:
        return self.get(BUILD, "wall_seconds")

    @property
    def build_db(self) -> float | None:
        return self.get(BUILD, "db_seconds")

    @property
    def hand(self) -> float | None:
        return self.get(HAND, "wall_seconds")

    @property
    def budget(self) -> float | None:
        hand = self.hand
        return None if hand is None else BUILD_FACTOR * hand + BUILD_ALLOWANCE_SECONDS

    @property
    def build_over_script(self) -> float | None:
        return self.ratio("build_wall_over_hand_written")

    @property
    def refresh_share(self) -> float | None:
        return self.ratio("incremental_over_full_build_db")

    @property
    def constrained_slowdown(self) -> float | None:
        return self.ratio("constrained_build_over_build_wall")

    @property
    def pandas_speedup(self) -> float | None:
        return self.ratio("pandas_over_build_wall")

    def provenance(self) -> str:
        """The day the bench ran and the commit it measured (files from before
        the bench recorded them show a dash)."""
        day = (self.results.get("measured_at") or DASH)[:10]
        commit = (self.results.get("git_commit") or DASH)[:7]
        if self.results.get("git_dirty"):
            commit += " with local changes"
        return f"{day} ({commit})"

    def agreement(self) -> str:
        reports = self.results.get("agreement", {})
        if not reports:
            return "not checked"
        parts = []
        for name, report in reports.items():
            verdict = "agree" if report["agree"] else "DIFFER"
            parts.append(
                f"{'script' if name == HAND else name} {verdict} "
                f"({report['matched_leads']:,} leads, {report['columns_compared']} columns)"
            )
        return "; ".join(parts)


def _seconds(value: float | None, digits: int = 1) -> str:
    return DASH if value is None else f"{value:,.{digits}f}"


def _pair(first: float | None, second: float | None) -> str:
    if first is None and second is None:
        return DASH
    return f"{_seconds(first)} / {_seconds(second)}"


def _times(value: float | None) -> str:
    return DASH if value is None else f"{value:.2f} ×"


def _percent(value: float | None) -> str:
    return DASH if value is None else f"{100 * value:.0f} %"


def _mib_as_gib(value: float | None) -> str:
    return DASH if value is None else f"{value / 1024:.1f}"


def _with(value: str, extra: str | None) -> str:
    return value if extra is None or value == DASH else f"{value} ({extra})"


def _verdict(met: bool) -> str:
    return "met" if met else "**not met**"


def measures_table(sizes: list[Size]) -> list[str]:
    """Rows of the measures table: one column per size."""
    rows: list[tuple[str, Callable[[Size], str]]] = [
        (
            "raw event rows (leads)",
            lambda s: f"{s.results['raw_event_rows']:,} ({s.results['leads']:,})",
        ),
        ("runs (medians of)", lambda s: str(s.results["runs"])),
        ("measured on (commit)", Size.provenance),
        ("full build wall / db s", lambda s: _pair(s.build_wall, s.build_db)),
        (
            "models / tests db s",
            lambda s: _pair(s.get(BUILD, "models_db_seconds"), s.get(BUILD, "tests_db_seconds")),
        ),
        (
            "dbt's own time (wall − db) s",
            lambda s: _seconds(s.get(BUILD, "dbt_overhead_seconds"), 2),
        ),
        ("hand-written script s", lambda s: _seconds(s.hand)),
        ("build ÷ script (wall)", lambda s: _times(s.build_over_script)),
        (
            "one-day refresh wall / db s",
            lambda s: _pair(s.get(REFRESH, "wall_seconds"), s.get(REFRESH, "db_seconds")),
        ),
        ("refresh db ÷ build db", lambda s: _percent(s.refresh_share)),
        (
            "data tests after the refresh (wall s)",
            lambda s: _seconds(s.get(REFRESH_TESTS, "wall_seconds")),
        ),
        ("pandas s", lambda s: _seconds(s.get(PANDAS, "wall_seconds"))),
        ("pandas ÷ build (wall)", lambda s: _times(s.pandas_speedup)),
        (
            "build with a small memory_limit ÷ build (wall)",
            lambda s: _with(
                _times(s.constrained_slowdown),
                f"memory_limit {s.results.get('constrained_memory_limit')}, "
                f"{s.get(CONSTRAINED, 'temp_dir_peak_mib') or 0:,.0f} MiB spilled",
            ),
        ),
        (
            "build peak RSS / spilled GiB",
            lambda s: (
                f"{_mib_as_gib(s.get(BUILD, 'peak_rss_mib'))} / "
                f"{_mib_as_gib(s.get(BUILD, 'temp_dir_peak_mib'))}"
            ),
        ),
        ("DuckDB file after the build MiB", lambda s: _seconds(s.get(BUILD, "duckdb_file_mib"), 0)),
        ("references against the mart", Size.agreement),
    ]
    header = "| | " + " | ".join(size_label(s.results["events_requested"]) for s in sizes) + " |"
    lines = [header, "|---" * (len(sizes) + 1) + "|"]
    if not any(s.results.get("measured_at") for s in sizes):
        rows = [row for row in rows if row[1] != Size.provenance]
    for name, cell in rows:
        lines.append(f"| {name} | " + " | ".join(cell(s) for s in sizes) + " |")
    return lines


def targets_table(sizes: list[Size]) -> list[str]:
    """Rows of the targets table: each target at every size it was measured at."""

    def each(check: Callable[[Size], str | None]) -> str:
        parts = []
        for size in sizes:
            text = check(size)
            if text is not None:
                parts.append(f"{size_label(size.results['events_requested'])}: {text}")
        return "; ".join(parts) or "not measured"

    def build(size: Size) -> str | None:
        if size.build_wall is None or size.budget is None or size.build_over_script is None:
            return None
        verdict = (
            _verdict(size.build_wall <= size.budget)
            if size.results["events_requested"] in BUILD_SIZES
            else NOT_A_TARGET
        )
        return (
            f"{verdict}, {size.build_wall:.1f} s against {size.budget:.1f} s "
            f"({size.build_over_script:.2f} × the script)"
        )

    def refresh(size: Size) -> str | None:
        share = size.refresh_share
        return None if share is None else f"{_verdict(share <= REFRESH_SHARE)}, {_percent(share)}"

    def constrained(size: Size) -> str | None:
        limit = size.results.get("constrained_memory_limit")
        if limit is None:
            return None
        if size.results["steps"].get(CONSTRAINED, {}).get("failed"):
            outcome = "the build failed"
            met = False
        else:
            slowdown = size.constrained_slowdown
            if slowdown is None:
                return None
            outcome, met = _times(slowdown), slowdown <= CONSTRAINED_SLOWDOWN
        if limit != CONSTRAINED_LIMIT:
            return f"{NOT_A_TARGET} (memory_limit {limit}), {outcome}"
        return f"{_verdict(met)}, {outcome}"

    def pandas(size: Size) -> str | None:
        speedup = size.pandas_speedup
        if speedup is None:
            return None
        verdict = (
            _verdict(speedup >= PANDAS_SPEEDUP)
            if size.results["events_requested"] == PANDAS_SIZE
            else NOT_A_TARGET
        )
        return f"{verdict}, {_times(speedup)}"

    growth = []
    for smaller, larger in zip(sizes, sizes[1:], strict=False):
        wall = exponent(smaller.results, larger.results)
        db = exponent(smaller.results, larger.results, "db_seconds")
        if wall is None:
            continue
        label = (
            f"{size_label(smaller.results['events_requested'])} → "
            f"{size_label(larger.results['events_requested'])}"
        )
        db_text = "" if db is None else f", {db:.2f} db"
        pair = (smaller.results["events_requested"], larger.results["events_requested"])
        verdict = (
            _verdict(wall <= MAX_EXPONENT) if pair == EXPONENT_SIZES else "not the target's sizes"
        )
        growth.append(f"{label}: {verdict}, {wall:.2f} wall{db_text}")
    budget = f"{BUILD_FACTOR:g} × script + {BUILD_ALLOWANCE_SECONDS:g} s"
    return [
        "| target | result |",
        "|---|---|",
        f"| full build ≤ {budget} | {each(build)} |",
        f"| one-day refresh ≤ {100 * REFRESH_SHARE:g} % of the build's db time | {each(refresh)} |",
        f"| build with memory_limit {CONSTRAINED_LIMIT} ≤ {CONSTRAINED_SLOWDOWN:g} × slower | "
        f"{each(constrained)} |",
        f"| growth exponent ≤ {MAX_EXPONENT:g} | {'; '.join(growth) or 'not measured'} |",
        f"| ≥ {PANDAS_SPEEDUP:g} × faster than pandas at {size_label(PANDAS_SIZE)} | "
        f"{each(pandas)} |",
    ]


def render(results: list[dict[str, Any]]) -> str:
    """Both tables, in Markdown, for results sorted by size."""
    sizes = [Size(r) for r in results]
    return "\n".join([*measures_table(sizes), "", *targets_table(sizes)]) + "\n"


def update_block(document: str, block: str) -> str:
    """The document with the text between the markers replaced by block."""
    start = document.find(START_MARKER)
    end = document.find(END_MARKER)
    if start < 0 or end < start:
        raise ValueError(f"the markers {START_MARKER!r} and {END_MARKER!r} were not found")
    head = document[: start + len(START_MARKER)]
    return f"{head}\n\n{block}\n{document[end:]}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m leadpulse.bench.summary",
        description="The bench results of every size, with the issue's targets, in Markdown.",
    )
    parser.add_argument(
        "files", nargs="*", type=Path, help="results files (default: bench/results/<N>.json)"
    )
    parser.add_argument(
        "--update", type=Path, metavar="DOC", help="rewrite the block between the markers in DOC"
    )
    args = parser.parse_args(argv)
    files = args.files or default_files()
    if not files:
        parser.error(f"no results in {results_dir()}")
    block = render(load_results(files))
    if args.update:
        args.update.write_text(
            update_block(args.update.read_text(encoding="utf-8"), block), encoding="utf-8"
        )
    else:
        sys.stdout.write(block)
    return 0


if __name__ == "__main__":
    sys.exit(main())
