"""The summary of every bench size: the issue's targets, judged at their sizes.

Results are built here by hand (the shape `leadpulse bench` writes; its own
test renders a real one), so every verdict is checked against numbers chosen
on either side of the target. The last test keeps the table in
docs/benchmarks.md equal to what the committed results give.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from leadpulse import paths
from leadpulse.bench import runner, summary


def _result(
    events: int,
    raw_events: int,
    build: tuple[float, float] | None,
    hand: float | None = None,
    refresh_db: float | None = None,
    pandas: float | None = None,
    constrained: float | str | None = None,
    limit: str | None = None,
) -> dict[str, Any]:
    """A results file of `leadpulse bench` with the given medians (None: step not run)."""
    steps: dict[str, Any] = {}
    if build is not None:
        steps[summary.BUILD] = {
            "median": {"wall_seconds": build[0], "db_seconds": build[1], "peak_rss_mib": 2048.0}
        }
    for step, value, key in (
        (summary.HAND, hand, "wall_seconds"),
        (summary.REFRESH, refresh_db, "db_seconds"),
        (summary.PANDAS, pandas, "wall_seconds"),
    ):
        steps[step] = (
            {"skipped": True, "reason": "--skip"} if value is None else {"median": {key: value}}
        )
    if constrained == "failed":
        steps[summary.CONSTRAINED] = {"failed": True, "failure": {}}
    elif constrained is not None:
        steps[summary.CONSTRAINED] = {
            "median": {"wall_seconds": constrained, "temp_dir_peak_mib": 300.0}
        }
    return {
        "events_requested": events,
        "raw_event_rows": raw_events,
        "leads": events // 200,
        "runs": 3,
        "constrained_memory_limit": limit,
        "steps": steps,
        "ratios": runner.ratios_of(steps),
        "agreement": {},
    }


def _target_row(table: str, start: str) -> str:
    """The row of the targets table (after its header) that starts with start."""
    targets = table.split("| target | result |", 1)[1]
    (row,) = [line for line in targets.splitlines() if line.startswith(f"| {start}")]
    return row


def _measure_row(table: str, start: str) -> str:
    """The row of the measures table that starts with start."""
    measures = table.split("| target | result |", 1)[0]
    (row,) = [line for line in measures.splitlines() if line.startswith(f"| {start}")]
    return row


def test_exponent_is_taken_on_the_raw_event_rows() -> None:
    small = _result(10_000_000, 10_000_000, (50.0, 45.0))
    large = _result(100_000_000, 102_000_000, (450.0, 440.0))
    wall = summary.exponent(small, large)
    assert wall == pytest.approx(math.log(450 / 50) / math.log(102_000_000 / 10_000_000))
    assert summary.exponent(small, large, "db_seconds") == pytest.approx(
        math.log(440 / 45) / math.log(10.2)
    )
    # No build at one size, or sizes not growing: no exponent.
    assert summary.exponent(small, _result(100_000_000, 102_000_000, None)) is None
    assert summary.exponent(large, small) is None


def test_build_target_is_judged_at_10m_and_100m_only() -> None:
    table = summary.render(
        [
            _result(1_000_000, 1_020_000, (20.0, 15.0), hand=2.0),
            # budget 1.5 x 24 + 10 = 46: 46.5 is over by half a second
            _result(10_000_000, 10_200_000, (46.5, 44.0), hand=24.0),
            _result(100_000_000, 102_000_000, (450.0, 440.0), hand=440.0),
        ]
    )
    row = _target_row(table, "full build")
    assert "1M: not a target at this size, 20.0 s against 13.0 s (10.00 × the script)" in row
    assert "10M: **not met**, 46.5 s against 46.0 s (1.94 × the script)" in row
    assert "100M: met, 450.0 s against 670.0 s (1.02 × the script)" in row
    growth = _target_row(table, "growth exponent")
    assert "1M → 10M: not the target's sizes" in growth
    assert "10M → 100M: met, 0.99 wall" in growth


def test_refresh_share_is_of_the_build_database_time() -> None:
    table = summary.render(
        [
            _result(10_000_000, 10_200_000, (50.0, 40.0), refresh_db=2.0),  # 5 %: met
            _result(100_000_000, 102_000_000, (450.0, 400.0), refresh_db=88.0),  # 22 %
        ]
    )
    row = _target_row(table, "one-day refresh")
    assert "10M: met, 5 %" in row and "100M: **not met**, 22 %" in row


def test_ratios_are_the_ones_the_bench_wrote() -> None:
    """The table shows the file's ratios (runner.ratios_of), not a second computation."""
    result = _result(10_000_000, 10_000_000, (60.0, 50.0), hand=20.0, refresh_db=5.0)
    assert result["ratios"]["build_wall_over_hand_written"] == pytest.approx(3.0)
    result["ratios"]["build_wall_over_hand_written"] = 1.25
    result["ratios"]["incremental_over_full_build_db"] = 0.04
    table = summary.render([result])
    assert _measure_row(table, "build ÷ script").endswith("| 1.25 × |")
    assert "(1.25 × the script)" in _target_row(table, "full build")
    assert _target_row(table, "one-day refresh") == (
        "| one-day refresh ≤ 5 % of the build's db time | 10M: met, 4 % |"
    )


def test_skipped_and_missing_steps_show_as_such() -> None:
    table = summary.render([_result(10_000_000, 10_200_000, (50.0, 40.0))])
    assert "| hand-written script s | – |" in table
    assert "| pandas ÷ build (wall) | – |" in table
    assert _target_row(table, "≥ 5 × faster than pandas") == (
        "| ≥ 5 × faster than pandas at 10M | not measured |"
    )
    assert _target_row(table, "growth exponent") == "| growth exponent ≤ 1.1 | not measured |"
    assert "measured on" not in table  # no file says when it was measured


def test_pandas_and_constrained_verdicts() -> None:
    table = summary.render(
        [
            _result(1_000_000, 1_020_000, (10.0, 8.0), pandas=60.0, constrained=40.0, limit="1GB"),
            _result(
                10_000_000, 10_200_000, (50.0, 40.0), pandas=260.0, constrained=140.0, limit="2GB"
            ),
        ]
    )
    pandas = _target_row(table, "≥ 5 × faster than pandas")
    assert "1M: not a target at this size, 6.00 ×" in pandas
    assert "10M: met, 5.20 ×" in pandas
    constrained = _target_row(table, "build with memory_limit 2GB")
    assert "1M: not a target at this size (memory_limit 1GB), 4.00 ×" in constrained
    assert "10M: met, 2.80 ×" in constrained
    assert "2.80 × (memory_limit 2GB, 300 MiB spilled)" in table
    failed = summary.render(
        [_result(10_000_000, 10_200_000, (50.0, 40.0), constrained="failed", limit="2GB")]
    )
    assert "10M: **not met**, the build failed" in _target_row(failed, "build with memory_limit")


def test_provenance_names_the_day_and_the_commit() -> None:
    result = _result(10_000_000, 10_200_000, (50.0, 40.0))
    result.update(measured_at="2026-12-07T12:00:00+00:00", git_commit="abcdef0123", git_dirty=True)
    older = _result(100_000_000, 102_000_000, (450.0, 440.0))
    row = _measure_row(summary.render([result, older]), "measured on")
    assert row == "| measured on (commit) | 2026-12-07 (abcdef0 with local changes) | – (–) |"


def test_update_block_replaces_only_between_the_markers() -> None:
    document = f"# Title\n\nbefore\n{summary.START_MARKER}\n\nold\n{summary.END_MARKER}\nafter\n"
    updated = summary.update_block(document, "| new |\n")
    assert updated == (
        f"# Title\n\nbefore\n{summary.START_MARKER}\n\n| new |\n\n{summary.END_MARKER}\nafter\n"
    )
    assert summary.update_block(updated, "| new |\n") == updated
    with pytest.raises(ValueError, match="markers"):
        summary.update_block("# no markers\n", "| new |\n")


def test_main_prints_and_updates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = []
    for result in (
        _result(10_000_000, 10_200_000, (50.0, 40.0), hand=24.0),
        _result(1_000_000, 1_020_000, (20.0, 15.0), hand=2.0),
    ):
        path = tmp_path / f"{result['events_requested']}.json"
        path.write_text(json.dumps(result), encoding="utf-8")
        files.append(path)
    assert summary.main([str(f) for f in files]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("| | 1M | 10M |")  # sorted by size
    doc = tmp_path / "benchmarks.md"
    doc.write_text(f"x\n{summary.START_MARKER}\n{summary.END_MARKER}\n", encoding="utf-8")
    assert summary.main([*map(str, files), "--update", str(doc)]) == 0
    assert printed in doc.read_text(encoding="utf-8")


def test_docs_table_is_what_the_committed_results_give() -> None:
    files = summary.default_files()
    assert [f.name for f in files] == ["1000000.json", "10000000.json", "100000000.json"]
    doc = (paths.project_dir() / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    expected = summary.update_block(doc, summary.render(summary.load_results(files)))
    assert doc == expected, (
        "docs/benchmarks.md's table is out of date: run "
        "`.venv/bin/python -m leadpulse.bench.summary --update docs/benchmarks.md`"
    )
