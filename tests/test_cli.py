"""The leadpulse CLI: help, generate to files, load errors, validate, and dbt progress lines."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from leadpulse import paths
from leadpulse.cli import build_parser, main
from leadpulse.contract import RAW_TABLES

REPO_ROOT = Path(__file__).resolve().parent.parent
SUBCOMMANDS = ["generate", "load", "build", "validate", "report", "demo"]


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Every warehouse path the CLI may touch points into this test's temp dir."""
    monkeypatch.delenv(paths.PROJECT_DIR_ENV, raising=False)
    monkeypatch.setenv(paths.DUCKDB_PATH_ENV, str(tmp_path / "wh" / "leadpulse.duckdb"))
    monkeypatch.setenv(paths.DUCKDB_TEMP_DIR_ENV, str(tmp_path / "wh" / "tmp"))
    monkeypatch.setenv(paths.TARGET_DIR_ENV, str(tmp_path / "target"))
    monkeypatch.setenv(paths.LOG_DIR_ENV, str(tmp_path / "logs"))
    monkeypatch.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    return tmp_path


def test_top_level_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for name in SUBCOMMANDS:
        assert name in out


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_subcommand_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    assert f"leadpulse {command}" in capsys.readouterr().out


def test_module_entry_point_runs() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "leadpulse.cli", "--help"],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO_ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert "usage: leadpulse" in done.stdout


def test_db_is_accepted_before_and_after_the_subcommand(tmp_path: Path) -> None:
    parser = build_parser()
    assert parser.parse_args(["--db", "a.duckdb", "validate"]).db == "a.duckdb"
    assert parser.parse_args(["validate", "--db", "b.duckdb"]).db == "b.duckdb"


def test_bad_arguments_exit_with_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["build", "--vars", "[1, 2]"])
    assert exit_info.value.code == 2
    assert "--vars must be a JSON object" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["generate", "--as-of", "30/06/2026"])


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_generate_out_writes_seven_files_that_load(
    fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("leadpulse.generate")
    out = tmp_path / "files"
    argv = ["generate", "--leads", "40", "--days", "10", "--seed", "3"]
    rc = main([*argv, "--as-of", "2026-06-30", "--out", str(out), "--format", fmt])
    assert rc == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{t}.{fmt}" for t in RAW_TABLES)
    assert "generate done in" in capsys.readouterr().out

    db = tmp_path / "loaded.duckdb"
    assert main(["--db", str(db), "load", str(out)]) == 0
    con = duckdb.connect(str(db), read_only=True)
    try:
        loaded = con.execute("select count(*) from raw.leads").fetchone()
    finally:
        con.close()
    assert loaded is not None and loaded[0] > 0


def test_load_error_is_one_line_naming_table_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for table, columns in RAW_TABLES.items():
        cols = [c for c in columns if not (table == "calls" and c == "duration_seconds")]
        (folder / f"{table}.csv").write_text(",".join(cols) + "\n")
    rc = main(["load", str(folder)])
    assert rc == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "calls" in err and "duration_seconds" in err
    assert "Traceback" not in err


def _write_run_results(path: Path, results: list[dict[str, object]]) -> Path:
    path.write_text(
        json.dumps(
            {
                "metadata": {"generated_at": "2026-06-30T06:00:00Z", "dbt_version": "1.11.16"},
                "results": results,
                "elapsed_time": 12.5,
                "args": {"which": "build", "vars": {"as_of_date": "2026-06-30"}},
            }
        )
    )
    return path


def _result(unique_id: str, status: str, message: str = "", failures: int | None = None) -> dict:
    return {
        "unique_id": unique_id,
        "status": status,
        "message": message,
        "failures": failures,
        "execution_time": 0.1,
    }


def test_validate_names_failed_and_errored_nodes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_results = _write_run_results(
        tmp_path / "run_results.json",
        [
            _result("model.leadpulse.stg_crm__leads", "success", "OK"),
            _result(
                "test.leadpulse.not_null_stg_crm__leads_lead_id.abc123",
                "fail",
                "Got 3 results, configured to fail if != 0",
                failures=3,
            ),
            _result("test.leadpulse.accepted_values_x.def456", "warn", "Got 1 result", 1),
            _result("model.leadpulse.int_lead_events_unioned", "error", "Binder Error: no col"),
            _result("model.leadpulse.fct_lead_engagement", "skipped"),
        ],
    )
    rc = main(["validate", "--run-results", str(run_results)])
    out = capsys.readouterr().out
    assert rc == 1
    assert "FAIL test.leadpulse.not_null_stg_crm__leads_lead_id.abc123 (3 failing rows)" in out
    assert "ERROR model.leadpulse.int_lead_events_unioned" in out
    assert "Binder Error: no col" in out
    assert "warning: WARN test.leadpulse.accepted_values_x.def456" in out
    assert "validate: FAILED: 2 problem(s)" in out


def test_validate_passes_a_clean_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_results = _write_run_results(
        tmp_path / "run_results.json",
        [
            _result("model.leadpulse.stg_crm__leads", "success", "OK"),
            _result("test.leadpulse.unique_x.1", "pass", failures=0),
        ],
    )
    assert main(["validate", "--run-results", str(run_results)]) == 0
    assert "validate: OK" in capsys.readouterr().out


def test_validate_without_run_results_fails(tmp_path: Path) -> None:
    assert main(["validate", "--run-results", str(tmp_path / "absent.json")]) == 1


def test_report_without_warehouse_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rc = main(["--db", str(tmp_path / "none.duckdb"), "report"])
    assert rc == 1
    err = capsys.readouterr().err
    assert err.startswith("leadpulse report: error: no warehouse at")


# --- the dbt wrapper, on a tiny project (independent of the real models) ----------


@pytest.fixture
def tiny_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    project = tmp_path / "tiny"
    (project / "models").mkdir(parents=True)
    (project / "seeds").mkdir()
    shutil.copy(REPO_ROOT / "profiles.yml", project / "profiles.yml")
    (project / "dbt_project.yml").write_text(
        'name: tiny\nversion: "1.0"\nconfig-version: 2\nprofile: leadpulse\n'
        'vars:\n  as_of_date: ""\n  expected: 1\n'
    )
    (project / "seeds" / "numbers.csv").write_text("n\n1\n2\n")
    # The date as leadpulse's as_of_date() macro reads it: the var, else the
    # environment variable the harness sets.
    (project / "models" / "numbers_dated.sql").write_text(
        'select n, cast(\'{{ var("as_of_date") or env_var("LEADPULSE_AS_OF_DATE", "") }}\''
        " as date) as as_of_date from {{ ref('numbers') }}\n"
    )
    (project / "models" / "numbers_downstream.sql").write_text(
        "select * from {{ ref('numbers_dated') }}\n"
    )
    (project / "models" / "_models.yml").write_text(
        "models:\n"
        "  - name: numbers_dated\n"
        "    columns:\n"
        "      - name: n\n"
        "        data_tests:\n"
        "          - not_null\n"
        "          - accepted_values:\n"
        "              arguments:\n"
        "                values: ['{{ var(\"expected\") }}', '2']\n"
    )
    monkeypatch.setenv(paths.PROJECT_DIR_ENV, str(project))
    return project


def _dated_as_of(db: Path) -> str:
    """The as-of date the tiny project's model was built with."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("select max(as_of_date)::varchar from main.numbers_dated").fetchone()[0]
    finally:
        con.close()


def test_build_prints_one_line_per_node(
    tiny_project: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv(paths.DUCKDB_TEMP_DIR_ENV)  # default: tmp/ beside the warehouse
    db = tmp_path / "elsewhere" / "tiny.duckdb"
    rc = main(["--db", str(db), "build", "--as-of", "2026-06-30", "--full-refresh"])
    out = capsys.readouterr().out
    assert rc == 0, out
    lines = out.strip().splitlines()
    node_lines = [line for line in lines if "/5 " in line]
    assert len(node_lines) == 5, out
    assert any(line.startswith("1/5 OK") and "numbers" in line for line in node_lines)
    assert lines[-1].startswith("dbt build succeeded in ")
    assert db.exists() and (db.parent / "tmp").is_dir()
    assert _dated_as_of(db) == "2026-06-30"


def test_a_new_as_of_day_is_a_partial_parse(
    tiny_project: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The harness passes the day in the environment, not as a var: a var that
    changes makes dbt re-parse the whole project; a changed environment variable
    re-parses only the files that read it."""
    monkeypatch.delenv(paths.AS_OF_DATE_ENV, raising=False)
    db = tmp_path / "tiny.duckdb"
    log = paths.log_dir() / "dbt.log"
    for day in ("2026-06-30", "2026-07-01"):
        log.unlink(missing_ok=True)
        assert main(["--db", str(db), "build", "--as-of", day]) == 0, capsys.readouterr().out
        results = json.loads(paths.run_results_path().read_text())
        assert "as_of_date" not in (results["args"].get("vars") or {})
    text = log.read_text()
    assert "Partial parsing: updated file: tiny://models/numbers_dated.sql" in text
    assert "Unable to do partial parsing" not in text
    assert os.environ.get(paths.AS_OF_DATE_ENV) is None  # restored after each call
    assert _dated_as_of(db) == "2026-07-01"


def test_failed_build_names_the_node(
    tiny_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rc = main(["build", "--as-of", "2026-06-30", "--vars", '{"expected": 3}'])
    captured = capsys.readouterr()
    assert rc == 1
    assert "FAIL  test" in captured.out and "accepted_values_numbers_dated_n" in captured.out
    assert "Got 1 result" in captured.out
    assert "SKIP  model     numbers_downstream" in captured.out
    err = captured.err.strip()
    assert len(err.splitlines()) == 1 and "accepted_values_numbers_dated_n" in err

    # validate reads the same run's results and names the same node
    assert main(["validate"]) == 1
    assert "accepted_values_numbers_dated_n" in capsys.readouterr().out
