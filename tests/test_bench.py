"""`leadpulse bench` at a small scale: it completes, writes every section, and agrees.

Timings are measured, never asserted. The end-to-end test generates ~5,000 raw
events and runs one bench with the options that change what runs: the full
build, the hand-written SQL, pandas when present, one simulated day and an
incremental run, and a full build under a 1GB memory_limit (`dbt run
--full-refresh` is skipped). It checks that the hand-written SQL (and the
pandas reference, when it can run) give marts.fct_lead_engagement's values on
every column, and that every dbt step keeps its slowest nodes. A failing
constrained build is checked twice: dbt itself out of memory (run_dbt), and
the bench's handling of it with run_dbt replaced (recorded, not retried,
exit status 1), which also checks the pandas memory estimate and --skip.
"""

from __future__ import annotations

import datetime
import inspect
import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from leadpulse import paths
from leadpulse.bench import parse_times, runner, summary
from leadpulse.bench.project_vars import load_project_vars
from leadpulse.bench.runner import (
    BUILD_ARGS,
    CONSTRAINED_STEP,
    ERASE_ARGS,
    INCREMENTAL_TESTS_ARGS,
    INCREMENTAL_TESTS_STEP,
    SLOWEST_NODES_KEPT,
    SLOWEST_NODES_SHOWN,
    STEPS,
    bench_exit_code,
    compare_tables,
    disk_space_check,
    format_table,
    pandas_availability,
    pandas_memory_check,
    parse_skip,
    render_hand_written,
    run_dbt,
    size_for,
)
from leadpulse.cli import main

BENCH_EVENTS = 5000
CONSTRAINED_LIMIT = "1GB"
DBT_STEPS = ("dbt_build_full_refresh", "incremental_run", INCREMENTAL_TESTS_STEP, CONSTRAINED_STEP)


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict[str, Any]]:
    root = tmp_path_factory.mktemp("bench")
    with pytest.MonkeyPatch.context() as mp:
        # Nothing of the project's own warehouse or artifacts is touched.
        mp.setenv(paths.DUCKDB_PATH_ENV, str(root / "unused" / "leadpulse.duckdb"))
        mp.setenv(paths.TARGET_DIR_ENV, str(root / "unused" / "target"))
        mp.setenv(paths.LOG_DIR_ENV, str(root / "unused" / "logs"))
        code = main(
            [
                "bench",
                "--events",
                str(BENCH_EVENTS),
                "--runs",
                "1",
                "--out",
                str(root / "results"),
                "--work-dir",
                str(root / "work"),
                "--skip",
                "dbt_run_full_refresh",
                "--constrained-memory-limit",
                CONSTRAINED_LIMIT,
            ]
        )
    results = json.loads((root / "results" / f"{BENCH_EVENTS}.json").read_text())
    return code, results


def test_bench_completes_with_every_section(bench_run: tuple[int, dict[str, Any]]) -> None:
    code, results = bench_run
    assert code == 0
    for key in (
        "machine",
        "raw_rows",
        "simulated_day_rows",
        "steps",
        "ratios",
        "agreement",
        "leads",
        "days",
    ):
        assert key in results, key
    assert set(results["steps"]) == set(STEPS)
    assert results["raw_event_rows"] > 0
    assert sum(results["simulated_day_rows"].values()) > 0
    for step in DBT_STEPS:
        median = results["steps"][step]["median"]
        assert median["db_seconds"] > 0 and median["peak_rss_mib"] > 0, step
        assert median["temp_dir_peak_mib"] >= 0, step
        assert len(results["steps"][step]["runs"]) == 1
    build = results["steps"]["dbt_build_full_refresh"]["median"]
    assert build["tests_db_seconds"] > 0 and build["models_db_seconds"] > 0
    assert build["duckdb_file_mib"] > 0
    assert results["steps"]["dbt_run_full_refresh"] == {"skipped": True, "reason": "--skip"}
    assert results["skip"] == ["dbt_run_full_refresh"]
    assert results["ratios"]["run_wall_over_hand_written"] is None
    hand = results["steps"]["hand_written_sql"]["median"]
    assert hand["rows"] > 0 and hand["peak_rss_mib"] > 0
    assert hand["temp_dir_peak_mib"] >= 0  # the script's spill, as the dbt steps'
    for name in ("build_wall_over_hand_written", "incremental_over_full_models_db"):
        assert results["ratios"][name] is not None
    assert results["failures"] == []
    assert results["pandas_memory"]["fits"]
    disk = results["disk_space"]
    assert disk["checked"] and disk["fits"] and disk["free_gib"] > disk["estimated_peak_gib"]


def test_results_say_when_and_at_which_commit(bench_run: tuple[int, dict[str, Any]]) -> None:
    _, results = bench_run
    measured = datetime.datetime.fromisoformat(results["measured_at"])
    assert measured.utcoffset() == datetime.timedelta(0)
    assert abs(datetime.datetime.now(datetime.UTC) - measured) < datetime.timedelta(hours=3)
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=paths.project_dir(), capture_output=True, text=True
    )
    if head.returncode == 0:
        assert results["git_commit"] == head.stdout.strip()
        assert isinstance(results["git_dirty"], bool)
    else:  # not a git checkout
        assert results["git_commit"] is None and results["git_dirty"] is None
    # The summary of every size reads a file as the bench writes it.
    table = summary.render([results])
    assert "| | 5k |" in table and results["measured_at"][:10] in table


def test_git_commit_names_head_and_whether_tracked_files_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(paths.PROJECT_DIR_ENV, str(tmp_path))
    assert runner._git_commit() == {"git_commit": None, "git_dirty": None}  # not a repository

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()

    git("init", "-q")
    (tmp_path / "model.sql").write_text("select 1\n")
    git("add", "model.sql")
    git("commit", "-q", "-m", "first")
    head = git("rev-parse", "HEAD")
    (tmp_path / "untracked.txt").write_text("scratch\n")  # untracked files do not count
    assert runner._git_commit() == {"git_commit": head, "git_dirty": False}
    (tmp_path / "model.sql").write_text("select 2\n")
    assert runner._git_commit() == {"git_commit": head, "git_dirty": True}


def test_refresh_is_checked_by_the_data_tests(bench_run: tuple[int, dict[str, Any]]) -> None:
    """After the timed incremental run, every data test runs on what it wrote."""
    _, results = bench_run
    entry = results["steps"][INCREMENTAL_TESTS_STEP]
    assert "failed" not in entry
    nodes = entry["runs"][0]["nodes"]
    build_nodes = results["steps"]["dbt_build_full_refresh"]["runs"][0]["nodes"]
    assert nodes["model"] == 0 and nodes["test"] == build_nodes["test"]
    assert entry["median"]["tests_db_seconds"] > 0
    # Timed apart: the refresh ratios compare the incremental run alone.
    incremental = results["steps"]["incremental_run"]["median"]
    build = results["steps"]["dbt_build_full_refresh"]["median"]
    assert results["ratios"]["incremental_over_full_build_db"] == pytest.approx(
        incremental["db_seconds"] / build["db_seconds"]
    )


def test_constrained_build_completes_under_the_limit(
    bench_run: tuple[int, dict[str, Any]],
) -> None:
    _, results = bench_run
    assert results["constrained_memory_limit"] == CONSTRAINED_LIMIT
    assert results["constrained_memory_limit_duckdb"] == "953.6 MiB"
    constrained = results["steps"][CONSTRAINED_STEP]
    assert "failed" not in constrained
    build = results["steps"]["dbt_build_full_refresh"]["median"]
    # A fresh copy of the raw tables: the same seeds, models and tests as the build.
    assert (
        constrained["runs"][0]["nodes"]
        == results["steps"]["dbt_build_full_refresh"]["runs"][0]["nodes"]
    )
    assert constrained["median"]["duckdb_file_mib"] > 0
    assert results["ratios"]["constrained_build_over_build_wall"] == pytest.approx(
        constrained["median"]["wall_seconds"] / build["wall_seconds"]
    )
    assert results["ratios"]["constrained_build_over_build_db"] is not None


def test_dbt_steps_keep_their_slowest_nodes(bench_run: tuple[int, dict[str, Any]]) -> None:
    _, results = bench_run
    for step in DBT_STEPS:
        entry = results["steps"][step]
        slowest = entry["slowest_nodes"]
        assert len(slowest) == SLOWEST_NODES_KEPT, step
        times = [node["execution_time"] for node in slowest]
        assert times == sorted(times, reverse=True) and times[0] > 0, step
        kinds = {node["unique_id"].split(".", 1)[0] for node in slowest}
        # Exposures are nodes of a build too (about 1 ms each): at a few
        # thousand events one can be among the 15 slowest.
        assert kinds <= {"model", "test", "unit_test", "seed", "operation", "exposure"}, step
        assert entry["runs"][0]["slowest_nodes"] == slowest, step
    incremental = results["steps"]["incremental_run"]["slowest_nodes"]
    assert not any(node["unique_id"].startswith(("test.", "unit_test.")) for node in incremental)
    table = format_table(results)
    new_rows = sum(results["simulated_day_rows"].values())
    assert f"incremental run: {new_rows:,} new raw rows" in table
    assert [line.split()[1:] for line in table.splitlines() if line.startswith("dbt_run_")] == [
        ["skipped", "(--skip)"]
    ]
    for step in ("dbt_build_full_refresh", "incremental_run"):
        section = table.split(f"slowest nodes, {step} (db s):\n", 1)[1].splitlines()
        shown = results["steps"][step]["slowest_nodes"][:SLOWEST_NODES_SHOWN]
        assert [line.split()[-1] for line in section[:SLOWEST_NODES_SHOWN]] == [
            node["unique_id"] for node in shown
        ]


def test_hand_written_sql_agrees_with_the_mart(bench_run: tuple[int, dict[str, Any]]) -> None:
    _, results = bench_run
    report = results["agreement"]["hand_written_sql"]
    assert report["matched_leads"] == results["steps"]["hand_written_sql"]["median"]["rows"]
    assert report["only_in_reference"] == 0 and report["only_in_candidate"] == 0
    assert report["missing_columns"] == []
    assert report["columns_compared"] >= 60
    assert {c: n for c, n in report["mismatches"].items() if n} == {}
    assert report["segments_identical"] and report["agree"]


def test_pandas_reference_agrees_when_present(bench_run: tuple[int, dict[str, Any]]) -> None:
    _, results = bench_run
    available, reason = pandas_availability()
    if not available:
        assert results["steps"]["pandas"] == {"available": False, "reason": reason}
        pytest.skip(f"pandas reference not available: {reason}")
    report = results["agreement"]["pandas"]
    assert report["missing_columns"] == []
    assert {c: n for c, n in report["mismatches"].items() if n} == {}
    assert report["agree"]


def test_size_for_matches_the_generator_sizing() -> None:
    assert size_for(1_000_000) == (4700, 180)
    assert size_for(10) == (20, 180)


def test_render_fills_every_placeholder() -> None:
    project_vars = load_project_vars(datetime.date(2026, 6, 30))
    sql = render_hand_written(project_vars, "bench.out")
    assert "${" not in sql
    assert "date '2026-06-30'" in sql
    assert "create or replace table bench.out as" in sql


def test_compare_tables_counts_mismatches_per_column() -> None:
    con = duckdb.connect()
    con.execute("create schema marts; create schema bench")
    con.execute(
        """
        create table marts.ref as select * from (values
            ('a', 1.0::double, 'x', 5),
            ('b', 2.0::double, 'y', 6),
            ('c', 0.0::double, 'z', 7)
        ) as t(lead_id, score, segment, days)
        """
    )
    con.execute(
        """
        create table bench.cand as select * from (values
            ('a', 1.0 + 1e-12, 'x', 5),
            ('b', 2.1, 'y', 6),
            ('d', 0.0, 'z', 7)
        ) as t(lead_id, score, segment, days)
        """
    )
    report = compare_tables(con, "marts.ref", "bench.cand")
    assert report["matched_leads"] == 2
    assert report["only_in_reference"] == 1 and report["only_in_candidate"] == 1
    # b's score is off by 5 %; c and d are each on one side only.
    assert report["mismatches"] == {"score": 3, "segment": 2, "days": 2}
    assert not report["agree"]


def test_parse_skip_accepts_lists_and_refuses_the_mandatory_steps() -> None:
    assert parse_skip(["pandas,hand_written_sql", "pandas", " dbt_run_full_refresh "]) == (
        "pandas",
        "hand_written_sql",
        "dbt_run_full_refresh",
    )
    for name in ("dbt_build_full_refresh", "incremental_run", INCREMENTAL_TESTS_STEP, "nope"):
        with pytest.raises(ValueError, match=name):
            parse_skip([name])


def test_pandas_memory_estimate_scales_with_raw_events() -> None:
    at_100m = pandas_memory_check(100_000_000, 22.0)
    assert at_100m["estimated_peak_gib"] == pytest.approx(85.0)
    assert not at_100m["fits"]
    assert "85.0 GiB" in at_100m["reason"] and "MemAvailable 22.0 GiB" in at_100m["reason"]
    assert pandas_memory_check(10_000_000, 22.0)["fits"]
    # No /proc/meminfo: nothing to compare with, pandas runs.
    assert pandas_memory_check(100_000_000, None)["fits"]


def test_disk_estimate_scales_with_events_and_the_script() -> None:
    with_script = disk_space_check(100_000_000, 40.0, hand_written=True)
    assert with_script["estimated_peak_gib"] == pytest.approx(
        100 * runner.DISK_GIB_PER_MILLION_EVENTS
    )
    assert not with_script["fits"]
    assert "exceeds the 40.0 GiB free" in with_script["reason"]
    assert "the hand-written script's spill included" in with_script["reason"]
    # Without the script the build's warehouse is the peak: half as much.
    without = disk_space_check(100_000_000, 40.0, hand_written=False)
    assert without["estimated_peak_gib"] < with_script["estimated_peak_gib"] / 1.5
    assert without["fits"] and without["reason"] == ""
    assert disk_space_check(10_000_000, 40.0, hand_written=True)["fits"]


def test_a_checkout_changed_during_the_run_is_recorded_dirty(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The commit is the one at the start; a change while the bench runs marks it dirty."""
    clean = {"git_commit": "a" * 40, "git_dirty": False}
    answers = iter([clean, {**clean, "git_dirty": True}])
    monkeypatch.setattr(runner, "_git_commit", lambda: next(answers))
    _replace_dbt(monkeypatch, lambda call: _fake_dbt_result({"model.leadpulse.m": 1.0}))
    main(_small_bench(tmp_path, "dbt_run_full_refresh,hand_written_sql,pandas"))
    results = json.loads((tmp_path / "results" / "4000.json").read_text())
    assert (results["git_commit"], results["git_dirty"]) == ("a" * 40, True)
    # Unchanged during the run: as it was at the start.
    answers = iter([clean, clean])
    main(_small_bench(tmp_path, "dbt_run_full_refresh,hand_written_sql,pandas"))
    results = json.loads((tmp_path / "results" / "4000.json").read_text())
    assert (results["git_commit"], results["git_dirty"]) == ("a" * 40, False)


def test_bench_stops_before_generating_when_the_disk_is_too_small(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Nothing is generated or run on a disk the estimate says is too small;
    ``--no-disk-check`` runs anyway and the JSON says what was estimated."""
    calls: list[DbtCall] = []

    def fake_step(call: DbtCall) -> dict[str, Any]:
        calls.append(call)
        return _fake_dbt_result({"model.leadpulse.m": 1.0})

    _replace_dbt(monkeypatch, fake_step)
    monkeypatch.setattr(runner, "disk_free_gib", lambda directory: 0.0001)
    args = _small_bench(tmp_path, "dbt_run_full_refresh,pandas")
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "exceeds the 0.0 GiB free for the scratch dir" in err
    assert "--skip hand_written_sql" in err and "--no-disk-check" in err
    assert calls == []
    assert not (tmp_path / "work" / "raw_generated.duckdb").exists()
    assert not (tmp_path / "results" / "4000.json").exists()

    without_script = _small_bench(tmp_path, "dbt_run_full_refresh,hand_written_sql,pandas")
    assert main(without_script) == 1
    assert "--skip hand_written_sql" not in capsys.readouterr().err
    assert main([*without_script, "--no-disk-check"]) == 0
    disk = json.loads((tmp_path / "results" / "4000.json").read_text())["disk_space"]
    assert disk["checked"] is False and disk["fits"] is False
    assert disk["free_gib"] == 0.0
    assert disk["gib_per_million_events"] == runner.DISK_GIB_PER_MILLION_EVENTS_WITHOUT_SCRIPT
    assert BUILD_ARGS in [call.args for call in calls]

    # The files a kept scratch dir holds from an earlier run are replaced by
    # this one: their space counts as free (4,000 events need about 2 MiB).
    kept = tmp_path / "kept"
    (kept / "work").mkdir(parents=True)
    (kept / "work" / "raw_generated.duckdb").write_bytes(b"x" * 4 * 1024 * 1024)
    assert main(_small_bench(kept, "dbt_run_full_refresh,hand_written_sql,pandas")) == 0
    disk = json.loads((kept / "results" / "4000.json").read_text())["disk_space"]
    assert disk["checked"] is True and disk["fits"] is True


def test_run_dbt_records_an_out_of_memory_failure(tmp_path: Path) -> None:
    from leadpulse.generate import generate

    (tmp_path / "tmp").mkdir()
    con = duckdb.connect(str(tmp_path / "leadpulse.duckdb"))
    try:
        generate(con, leads=20, days=30, seed=1, as_of=datetime.date(2026, 6, 30))
    finally:
        con.close()
    result = run_dbt(
        ["build", "--full-refresh", "--select", "base_app__events"],
        datetime.date(2026, 6, 30),
        tmp_path,
        "1MB",
        check=False,
    )
    assert result["failed"] and result["exit_code"] not in (0, None)
    assert result["failure"].startswith("dbt exited")
    assert any("Out of Memory Error" in line for line in result["error_lines"])
    assert len(result["error_lines"]) <= runner.ERROR_LINES_KEPT


def _fake_dbt_result(node_seconds: dict[str, float]) -> dict[str, Any]:
    total = sum(node_seconds.values())
    return {
        "wall_seconds": total + 1.0,
        "exit_code": 0,
        "peak_rss_mib": 100.0,
        "temp_dir_peak_mib": 0.0,
        "db_seconds": total,
        "models_db_seconds": total,
        "seeds_db_seconds": 0.0,
        "tests_db_seconds": 0.0,
        "dbt_overhead_seconds": 1.0,
        "nodes": {"model": len(node_seconds), "seed": 0, "test": 0},
        "slowest_nodes": runner._slowest(node_seconds, SLOWEST_NODES_KEPT),
        "_node_seconds": node_seconds,
    }


@dataclass(frozen=True)
class DbtCall:
    """One call of ``runner.run_dbt`` as a fake receives it."""

    args: list[str]
    as_of: datetime.date
    work: Path
    memory_limit: str | None
    check: bool


def _replace_dbt(
    monkeypatch: pytest.MonkeyPatch,
    step: Callable[[DbtCall], dict[str, Any]],
    parse: Callable[[datetime.date, Path], None] = lambda as_of, work: None,
) -> None:
    """Replace the bench's dbt steps: ``step`` answers each ``run_dbt`` call,
    ``parse`` stands for ``parse_as_of`` (by default it does nothing)."""

    # Calls are bound to the real signature: a call run_dbt would refuse fails
    # here too, and the fake follows the signature when it changes.
    signature = inspect.signature(runner.run_dbt)

    def fake_run_dbt(*args: Any, **kwargs: Any) -> dict[str, Any]:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return step(DbtCall(**bound.arguments))

    monkeypatch.setattr(runner, "run_dbt", fake_run_dbt)
    monkeypatch.setattr(runner, "parse_as_of", parse)


def _small_bench(tmp_path: Path, skip: str, *extra: str) -> list[str]:
    """``leadpulse bench`` arguments for ~4,000 events, results and scratch in tmp_path."""
    return [
        "bench",
        "--events",
        "4000",
        "--out",
        str(tmp_path / "results"),
        "--work-dir",
        str(tmp_path / "work"),
        "--skip",
        skip,
        *extra,
    ]


def _built_marker(work: Path, *, build: bool) -> int:
    """Whether the bench's warehouse holds what a fake build left (a marker table); with
    ``build``, leave it."""
    con = duckdb.connect(str(work / "leadpulse.duckdb"))
    try:
        found = con.execute(
            "select count(*) from information_schema.tables where table_name = 'built'"
        ).fetchone()[0]
        if build:
            con.execute("create table if not exists main.built as select 1 as one")
        return found
    finally:
        con.close()


def test_bench_records_a_failed_constrained_build_and_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Orchestration only: run_dbt is replaced; the raw data and the loads are real.

    Each fake dbt step notes whether the warehouse still holds what an earlier
    step built (a marker table), then builds (creates the marker). The
    constrained build fails like dbt out of memory.
    """
    calls: list[dict[str, Any]] = []

    def fake_step(call: DbtCall) -> dict[str, Any]:
        inherited = _built_marker(call.work, build=True)
        calls.append(
            {
                "args": call.args,
                "limit": call.memory_limit,
                "check": call.check,
                "inherited": inherited,
            }
        )
        if call.memory_limit == "64MB":
            return {
                **_fake_dbt_result({}),
                "exit_code": 2,
                "failed": True,
                "failure": "dbt exited 2, no run_results.json",
                "error_lines": ["  Out of Memory Error: failed to allocate data"],
                "failed_nodes": [],
            }
        nodes = {f"model.leadpulse.m{i:02d}": float(i) for i in range(20)}
        return _fake_dbt_result(nodes)

    _replace_dbt(monkeypatch, fake_step)
    # ~4,000 raw events need an estimated 0.003 GiB for pandas: more than this.
    monkeypatch.setattr(runner, "mem_available_gib", lambda: 0.001)
    code = main(
        _small_bench(
            tmp_path,
            "dbt_run_full_refresh,hand_written_sql",
            "--runs",
            "2",
            "--constrained-memory-limit",
            "64MB",
        )
    )
    assert code == 1
    results = json.loads((tmp_path / "results" / "4000.json").read_text())
    assert bench_exit_code(results) == 1
    assert results["failures"] == [CONSTRAINED_STEP]
    steps = results["steps"]
    assert steps["hand_written_sql"] == {"skipped": True, "reason": "--skip"}
    if pandas_availability()[0]:
        assert steps["pandas"]["skipped"]
        assert "exceeds MemAvailable 0.0 GiB" in steps["pandas"]["reason"]
        assert not results["pandas_memory"]["fits"]
    assert results["agreement"] == {}
    # Per run: build, incremental run, its data tests; the constrained build
    # only in run 1.
    assert [(c["args"], c["limit"], c["check"]) for c in calls] == [
        (BUILD_ARGS, None, True),
        (["run"], None, True),
        (INCREMENTAL_TESTS_ARGS, None, False),
        (BUILD_ARGS, "64MB", False),
        (BUILD_ARGS, None, True),
        (["run"], None, True),
        (INCREMENTAL_TESTS_ARGS, None, False),
    ]
    # Each full build starts from the raw tables alone; the incremental run
    # and its tests do not.
    assert [c["inherited"] for c in calls] == [0, 1, 1, 0, 0, 1, 1]
    constrained = steps[CONSTRAINED_STEP]
    assert constrained["failed"] and "median" not in constrained
    assert constrained["failure"]["exit_code"] == 2
    assert constrained["failure"]["error_lines"] == [
        "  Out of Memory Error: failed to allocate data"
    ]
    assert len(constrained["runs"]) == 1
    assert results["ratios"]["constrained_build_over_build_wall"] is None
    build = steps["dbt_build_full_refresh"]
    assert len(build["runs"]) == 2 and "_node_seconds" not in build["runs"][0]
    assert build["slowest_nodes"][0] == {"unique_id": "model.leadpulse.m19", "execution_time": 19.0}
    assert len(build["slowest_nodes"]) == SLOWEST_NODES_KEPT
    table = format_table(results)
    assert f"{CONSTRAINED_STEP} FAILED (dbt exited 2, no run_results.json)" in table
    assert "    Out of Memory Error: failed to allocate data" in table


def test_bench_fails_when_the_refresh_fails_its_data_tests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Orchestration only: run_dbt is replaced; the data tests after the refresh fail."""
    failed_test = "test.leadpulse.unique_int_lead_sessions_grouped_session_id.x"

    def fake_step(call: DbtCall) -> dict[str, Any]:
        if call.args != INCREMENTAL_TESTS_ARGS:
            return _fake_dbt_result({"model.leadpulse.m": 1.0})
        return {
            **_fake_dbt_result({}),
            "exit_code": 1,
            "failed": True,
            "failure": "dbt exited 1",
            "error_lines": ["  Failure in test unique_int_lead_sessions_grouped_session_id"],
            "failed_nodes": [{"unique_id": failed_test, "status": "fail", "message": "Got 1"}],
        }

    _replace_dbt(monkeypatch, fake_step)
    code = main(_small_bench(tmp_path, "dbt_run_full_refresh,hand_written_sql,pandas"))
    assert code == 1
    results = json.loads((tmp_path / "results" / "4000.json").read_text())
    assert results["failures"] == [INCREMENTAL_TESTS_STEP]
    entry = results["steps"][INCREMENTAL_TESTS_STEP]
    assert entry["failed"] and "median" not in entry
    assert entry["failure"]["failed_nodes"][0]["unique_id"] == failed_test
    # The refresh itself succeeded: its time and ratios are still reported.
    assert results["ratios"]["incremental_over_full_build_db"] is not None
    table = format_table(results).splitlines()
    row = next(line for line in table if line.startswith(INCREMENTAL_TESTS_STEP))
    assert row.split()[1:4] == ["FAILED", "(dbt", "exited"]
    assert any(
        line.strip() == "Failure in test unique_int_lead_sessions_grouped_session_id"
        for line in table
    )


def test_references_run_first_on_purged_raw_tables_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Orchestration only: dbt and the references are replaced; the raw data is real.

    The references run before the build (their spill never sits beside a
    built warehouse), after the erasure hook's macro, and find no table a
    build wrote; the agreement is still checked against the built mart.
    """
    events: list[tuple[str, int]] = []

    def fake_step(call: DbtCall) -> dict[str, Any]:
        build = call.args == BUILD_ARGS
        events.append((" ".join(call.args), _built_marker(call.work, build=build)))
        return _fake_dbt_result({"model.leadpulse.m": 1.0})

    def fake_parse_as_of(as_of: datetime.date, work: Path) -> None:
        events.append((f"parse as of {as_of}", _built_marker(work, build=False)))

    def fake_run_reference(
        kind: str, as_of: datetime.date, work: Path, memory_limit: str | None
    ) -> dict[str, Any]:
        events.append((kind, _built_marker(work, build=False)))
        return {"wall_seconds": 1.0, "rows": 1, "peak_rss_mib": 1.0, "exit_code": 0}

    real_compare = runner.compare_tables

    def fake_compare(con: Any, reference: str, candidate: str) -> dict[str, Any]:
        events.append((f"compare {candidate}", 0))
        scratch = duckdb.connect()
        scratch.execute("create table main.r as select 'L1' as lead_id, 1 as x")
        scratch.execute("create table main.c as select 'L1' as lead_id, 1 as x")
        return real_compare(scratch, "main.r", "main.c")

    _replace_dbt(monkeypatch, fake_step, parse=fake_parse_as_of)
    monkeypatch.setattr(runner, "run_reference", fake_run_reference)
    monkeypatch.setattr(runner, "compare_tables", fake_compare)
    main(_small_bench(tmp_path, "dbt_run_full_refresh,pandas"))
    # The timed build finds the parse a daily run leaves: the previous day's
    # (the erasure step parsed as of the build's own day).
    day_before = runner.DEFAULT_AS_OF - datetime.timedelta(days=1)
    assert events[:5] == [
        (" ".join(ERASE_ARGS), 0),
        ("hand_written_sql", 0),
        (f"parse as of {day_before}", 0),
        (" ".join(BUILD_ARGS), 0),
        ("compare bench.fct_lead_engagement_hand", 0),
    ]
    assert [name for name, _ in events[5:]] == ["run", " ".join(INCREMENTAL_TESTS_ARGS)]


def test_parse_times_covers_a_cold_a_next_day_and_a_same_day_parse(tmp_path: Path) -> None:
    """The parse-time script's three cases are what they say: a full parse, a
    partial one of the files that read the new day, and one with nothing to do."""
    medians = parse_times.measure(1, tmp_path)
    assert set(medians) == set(parse_times.CASES)
    assert all(seconds > 0 for seconds in medians.values())
    log = (tmp_path / "logs" / "dbt.log").read_text()
    assert log.count("Unable to do partial parsing because saved manifest not found") == 1
    assert "Partial parsing: updated file: leadpulse://models/" in log
    assert "Partial parsing enabled, no changes found, skipping parsing" in log
