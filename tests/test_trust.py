"""Trust and privacy (issue 6 items 3, 5-8), end to end through the ``leadpulse`` CLI.

One small generated warehouse (150 leads x 45 days) is built in a subprocess
with a known secret key; the tests then read what the build wrote:

- the secret appears in no file under target/, logs/ or the warehouse dir,
  and the hashes are sha256(key || value);
- an erasure request removes the lead: a byte search of every file leadpulse
  wrote finds none of its phone and email spellings, nor its id;
- the serving file holds the marts, a failed build leaves it byte-identical,
  a reader querying it during builds never errors and sees whole snapshots;
- a second build fails at once, naming the lock holder;
- dbt killed with SIGKILL at random points: the rerun exits 0 with the same
  marts as an uninterrupted build (2 trials; 20 more with --run-slow).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pytest

from leadpulse.generate import generate

AS_OF = date(2026, 6, 30)
SECRET = "tr-7f3Q-not-in-any-file-9x"
LEADS, DAYS, SEED = 150, 45, 3
KILL_TRIALS = 2
# Unit tests do not read data and the session build runs them: left out here.
BUILD = ("build", "--as-of", AS_OF.isoformat(), "--exclude", "resource_type:unit_test")
SLOW_KILL_TRIALS = 20


@dataclass
class Site:
    """One warehouse directory: the DuckDB file and everything leadpulse writes beside it."""

    root: Path

    @property
    def db(self) -> Path:
        return self.root / "warehouse" / "leadpulse.duckdb"

    @property
    def serving(self) -> Path:
        return self.root / "warehouse" / "serving.duckdb"

    @property
    def exports(self) -> Path:
        return self.root / "warehouse" / "exports"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "LEADPULSE_DUCKDB_PATH": str(self.db),
                "LEADPULSE_DUCKDB_TEMP_DIR": str(self.root / "warehouse" / "tmp"),
                "LEADPULSE_TARGET_DIR": str(self.root / "target"),
                "LEADPULSE_LOG_DIR": str(self.root / "logs"),
                "LEADPULSE_PARQUET_DIR": str(self.exports),
                "DBT_ENV_SECRET_LEADPULSE_HASH_KEY": SECRET,
                "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
                "PYTHONUNBUFFERED": "1",
            }
        )
        return env

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "leadpulse.cli", *args]

    def start(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.command(*args),
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(*args), env=self.env(), capture_output=True, text=True, check=False
        )

    def build(self, *extra: str) -> subprocess.CompletedProcess[str]:
        return self.run(*BUILD, *extra)

    def files(self) -> list[Path]:
        return sorted(p for p in self.root.rglob("*") if p.is_file())


def _new_site(root: Path, raw_db: Path) -> Site:
    site = Site(root)
    site.db.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(raw_db, site.db)
    return site


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _marts(db: Path, schema: str = "marts") -> dict[str, list[tuple]]:
    """Every relation of a schema, rows sorted: what 'equal marts' compares.

    Doubles are rounded to 9 decimals: DuckDB sums them in thread order, so
    two uninterrupted builds can differ in the last bit (avg_session_minutes_90d).
    """
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = ? "
                "order by 1",
                [schema],
            ).fetchall()
        ]
        return {
            name: sorted(
                (
                    tuple(round(v, 9) if isinstance(v, float) else v for v in row)
                    for row in con.execute(f'select * from {schema}."{name}"').fetchall()
                ),
                key=repr,
            )
            for name in names
        }
    finally:
        con.close()


def _hits(files: list[Path], needles: list[str]) -> dict[str, list[str]]:
    """needle -> files whose bytes contain it (case-sensitive, as written)."""
    found: dict[str, list[str]] = {}
    encoded = [(n, n.encode()) for n in needles]
    for path in files:
        data = path.read_bytes()
        for needle, raw in encoded:
            if raw in data:
                found.setdefault(needle, []).append(str(path))
    return found


# --- the shared build ---------------------------------------------------------


@dataclass
class Built:
    site: Site
    raw_db: Path
    first_build: subprocess.CompletedProcess[str]
    first_build_seconds: float
    reference_marts: dict[str, list[tuple]]
    erased_at_first: list[str]


@pytest.fixture(scope="module")
def raw_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("trust_raw") / "leadpulse.duckdb"
    con = duckdb.connect(str(path))
    try:
        generate(con, leads=LEADS, days=DAYS, seed=SEED, as_of=AS_OF)
    finally:
        con.close()
    return path


@pytest.fixture(scope="module")
def built(raw_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Built:
    site = _new_site(tmp_path_factory.mktemp("trust_site"), raw_db)
    con = duckdb.connect(str(raw_db), read_only=True)
    erased = [
        r[0]
        for r in con.execute(
            "select distinct lead_id from raw.privacy_requests where request_type = 'erasure'"
        ).fetchall()
    ]
    con.close()
    started = time.monotonic()
    done = site.build()
    seconds = time.monotonic() - started
    assert done.returncode == 0, done.stdout + done.stderr
    return Built(site, raw_db, done, seconds, _marts(site.db), erased)


# --- item 3: the secret -------------------------------------------------------


def test_secret_key_is_in_no_file_and_keys_the_hashes(built: Built) -> None:
    files = built.site.files()
    assert any(p.name == "dbt.log" for p in files)
    assert any(p.suffix == ".sql" and "compiled" in p.parts for p in files)
    assert _hits(files, [SECRET]) == {}

    con = duckdb.connect(str(built.site.db), read_only=True)
    try:
        rows = con.execute(
            "select leads.phone_e164, dims.phone_hash, leads.email, dims.email_hash "
            "from marts.dim_leads as dims "
            "inner join staging.stg_crm__leads as leads using (lead_id)"
        ).fetchall()
    finally:
        con.close()
    assert len(rows) > 100
    phones = [(p, h) for p, h, _, _ in rows if p is not None]
    emails = [(e, h) for _, _, e, h in rows if e is not None]
    assert phones and emails
    assert all(h == _sha256(SECRET + p) for p, h in phones)
    assert all(h == _sha256(SECRET + e) for e, h in emails)
    compiled = built.site.root / "target" / "compiled" / "leadpulse" / "models"
    dim_sql = (compiled / "marts" / "leads" / "dim_leads.sql").read_text()
    assert "getvariable('leadpulse_hash_key')" in dim_sql


def test_dev_key_fallback_warns(tmp_path: Path) -> None:
    from leadpulse.duckdb_plugin import DEV_HASH_KEY, Plugin

    con = duckdb.connect(":memory:")
    plugin = Plugin(name="leadpulse", plugin_config={"hash_key": ""})
    plugin.configure_cursor(con)
    assert con.execute("select getvariable('leadpulse_hash_key')").fetchone() == (DEV_HASH_KEY,)
    plugin = Plugin(name="leadpulse", plugin_config={"hash_key": "k"})
    plugin.configure_cursor(con)
    assert con.execute("select getvariable('leadpulse_hash_key')").fetchone() == ("k",)


# --- item 6: the serving file -------------------------------------------------


def test_serving_file_holds_the_tested_marts(built: Built) -> None:
    served = _marts(built.site.serving)
    assert set(served) == set(built.reference_marts)
    assert {"dim_leads", "fct_lead_engagement", "agg_segment_daily"} <= set(served)
    assert served == built.reference_marts
    con = duckdb.connect(":memory:")
    try:
        for name, rows in served.items():
            path = built.site.exports / f"{name}.parquet"
            count = con.execute(f"select count(*) from read_parquet('{path}')").fetchone()
            assert count == (len(rows),), name
    finally:
        con.close()
    assert not list(built.site.db.parent.glob("*.tmp")), "a temp file was left behind"


READER = r"""
import json, sys, time, duckdb
serving, stop, out = sys.argv[1:4]
import os
with open(out, "w") as log:
    while not os.path.exists(stop):
        try:
            con = duckdb.connect(serving, read_only=True)
            try:
                row = con.execute(
                    "select (select count(*) from information_schema.tables "
                    "where table_schema = 'marts'), "
                    "(select count(*) from marts.dim_leads), "
                    "(select count(*) from marts.fct_lead_engagement), "
                    "(select count(*) from marts.fct_lead_state_history)"
                ).fetchone()
            finally:
                con.close()
            log.write(json.dumps({"ok": list(row)}) + "\n")
        except Exception as exc:
            log.write(json.dumps({"error": str(exc)}) + "\n")
        log.flush()
        time.sleep(0.05)
"""


@dataclass
class Reader:
    process: subprocess.Popen[bytes]
    stop: Path
    out: Path

    @classmethod
    def start(cls, serving: Path, workdir: Path) -> Reader:
        stop, out = workdir / "reader.stop", workdir / "reader.jsonl"
        stop.unlink(missing_ok=True)
        process = subprocess.Popen(
            [sys.executable, "-c", READER, str(serving), str(stop), str(out)]
        )
        return cls(process, stop, out)

    def finish(self) -> list[dict]:
        self.stop.touch()
        self.process.wait(timeout=60)
        return [json.loads(line) for line in self.out.read_text().splitlines()]


def _snapshot(serving: Path) -> list[int]:
    con = duckdb.connect(str(serving), read_only=True)
    try:
        row = con.execute(
            "select (select count(*) from information_schema.tables "
            "where table_schema = 'marts'), "
            "(select count(*) from marts.dim_leads), "
            "(select count(*) from marts.fct_lead_engagement), "
            "(select count(*) from marts.fct_lead_state_history)"
        ).fetchone()
    finally:
        con.close()
    return list(row)


def _wait_for_lock_holder(site: Site, process: subprocess.Popen[str]) -> dict:
    lock_file = site.db.with_name(site.db.name + ".lock")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if lock_file.exists() and lock_file.read_text().strip():
            return json.loads(lock_file.read_text())
        assert process.poll() is None, "the build ended before it took the lock"
        time.sleep(0.1)
    raise AssertionError("the build never took the lock")


def test_failed_build_keeps_serving_file_and_overlap_fails_naming_holder(
    built: Built, tmp_path: Path
) -> None:
    site = built.site
    before = site.serving.read_bytes()
    exports_before = {p.name: p.read_bytes() for p in site.exports.iterdir()}
    snapshot = _snapshot(site.serving)
    reader = Reader.start(site.serving, tmp_path)
    # Every event must be attributed: the singular test fails the build.
    failing = site.start(*BUILD, "--vars", '{"max_unattributed_share": 0}')
    holder = _wait_for_lock_holder(site, failing)
    second = site.build()
    out, _ = failing.communicate(timeout=900)
    reads = reader.finish()

    assert second.returncode == 1
    assert f"locked by pid {holder['pid']}" in second.stderr
    assert "leadpulse build" in second.stderr
    assert failing.returncode == 1, out
    assert "assert_unattributed_share_within_limit" in out  # item 8: names the node
    assert "not replaced" in out
    assert site.serving.read_bytes() == before
    assert {p.name: p.read_bytes() for p in site.exports.iterdir()} == exports_before
    assert reads, "the reader never ran"
    assert [r for r in reads if "error" in r] == []
    assert all(r["ok"] == snapshot for r in reads)


def test_lock_wait_then_proceed(raw_db: Path, tmp_path: Path) -> None:
    import threading

    from leadpulse.lock import warehouse_lock

    site = _new_site(tmp_path / "site", raw_db)
    args = ("generate", "--leads", "5", "--days", "3", "--as-of", AS_OF.isoformat())
    with warehouse_lock(site.db, "test holder"):
        refused = site.run(*args)
    assert refused.returncode == 1
    assert f"locked by pid {os.getpid()}" in refused.stderr
    assert "(test holder, since" in refused.stderr

    release = threading.Event()

    def hold() -> None:
        with warehouse_lock(site.db, "test holder"):
            release.wait(2.0)

    holder = threading.Thread(target=hold)
    holder.start()
    time.sleep(0.3)
    started = time.monotonic()
    waited = site.run(*args, "--wait", "60")
    holder.join()
    assert waited.returncode == 0, waited.stderr
    assert "waiting up to 60s" in waited.stdout
    assert time.monotonic() - started >= 1.0


# --- item 5: erasure ----------------------------------------------------------


def _spellings(con: duckdb.DuckDBPyConnection, lead_id: str) -> list[str]:
    """Every raw spelling of the lead's phones and emails, and its id."""
    leads = con.execute(
        "select phone, email from raw.leads where trim(lead_id) = ?", [lead_id]
    ).fetchall()
    phones = {p for p, _ in leads if p}
    emails = {e for _, e in leads if e}
    cores = {"".join(ch for ch in p if ch.isdigit())[-9:] for p in phones}
    lowered = {e.strip().lower() for e in emails}
    spellings = set(phones) | set(emails) | lowered | {lead_id}
    candidates = con.execute(
        "select address from raw.message_events union select phone from raw.calls"
    ).fetchall()
    for (value,) in candidates:
        if not value:
            continue
        digits = "".join(ch for ch in value if ch.isdigit())
        if "@" not in value and any(c and digits.endswith(c) for c in cores):
            spellings.add(value)
        if value.strip().lower() in lowered:
            spellings.add(value)
    return sorted(spellings)


def test_erasure_at_next_build_leaves_no_byte(built: Built, tmp_path: Path) -> None:
    site = built.site
    first = built.erased_at_first[0]
    base = duckdb.connect(str(built.raw_db), read_only=True)
    try:
        old_spellings = _spellings(base, first)
    finally:
        base.close()
    con = duckdb.connect(str(site.db))
    try:
        # A lead with a phone, an email, app devices and state history.
        target = con.execute(
            "select leads.lead_id from staging.stg_crm__leads as leads "
            "inner join marts.fct_lead_state_history as history using (lead_id) "
            "where leads.phone_e164 is not null and leads.email is not null "
            "and leads.lead_id in (select user_id from raw.app_events) "
            "order by leads.lead_id limit 1"
        ).fetchone()[0]
        new_spellings = _spellings(con, target)
        con.execute(
            "insert into raw.privacy_requests values "
            "('pr_test_erasure', ?, 'erasure', '2026-06-30T10:00:00Z', "
            "timestamp '2026-06-30 10:05:00')",
            [target],
        )
        # The loader re-delivers rows of a lead erased at the first build.
        con.execute(f"attach '{built.raw_db}' as base (read_only)")
        redelivered = con.execute(
            "insert into raw.message_events select * from base.raw.message_events "
            "where trim(lead_id) = ? limit 3",
            [first],
        ).fetchone()
        con.execute("detach base")
    finally:
        con.close()
    assert redelivered == (3,)
    assert len(new_spellings) >= 3, new_spellings

    # The byte search can see such values: the raw file still holds them.
    assert _hits([built.raw_db], old_spellings), "byte search cannot see stored strings"

    snapshot_before = _snapshot(site.serving)
    reader = Reader.start(site.serving, tmp_path)
    done = site.build()
    reads = reader.finish()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "erasure: compacted" in done.stdout
    report = site.run("report", "--out", str(site.root / "reports" / "report.html"))
    assert report.returncode == 0, report.stdout + report.stderr
    validated = site.run("validate")
    assert "[OK] erasures compacted" in validated.stdout, validated.stdout

    needles = sorted(set(new_spellings) | set(old_spellings))
    files = site.files()
    assert any(p.suffix == ".parquet" for p in files)
    assert any(p.suffix == ".html" for p in files)
    assert _hits(files, needles) == {}, needles

    con = duckdb.connect(str(site.db), read_only=True)
    try:
        types = con.execute(
            "select identifier_type, count(*) from privacy.erased_identifiers "
            "where request_id = 'pr_test_erasure' group by 1 order by 1"
        ).fetchall()
        pending = con.execute(
            "select count(*) from privacy.erased_identifiers where compacted_at is null"
        ).fetchone()
    finally:
        con.close()
    assert {t for t, _ in types} >= {"lead_id", "phone", "email", "device"}
    assert pending == (0,)

    snapshot_after = _snapshot(site.serving)
    assert snapshot_after[1] == snapshot_before[1] - 1  # dim_leads lost the lead
    assert reads and [r for r in reads if "error" in r] == []
    assert {tuple(r["ok"]) for r in reads} <= {tuple(snapshot_before), tuple(snapshot_after)}


# --- item 7: SIGKILL at random points ----------------------------------------


def _kill_trial(built: Built, root: Path, delay: float) -> None:
    site = _new_site(root, built.raw_db)
    process = site.start(*BUILD)
    time.sleep(delay)
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
    process.communicate(timeout=900)
    rerun = site.build()
    assert rerun.returncode == 0, f"rerun after a kill at {delay:.1f}s: {rerun.stdout}"
    assert _marts(site.db) == built.reference_marts, f"kill at {delay:.1f}s"
    assert _marts(site.serving) == built.reference_marts
    con = duckdb.connect(str(site.db), read_only=True)
    try:
        leftovers = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_name like '%dbt_tmp' or table_name like '%dbt_backup'"
        ).fetchall()
    finally:
        con.close()
    assert leftovers == []
    assert not [p for p in site.db.parent.iterdir() if p.suffix in {".tmp", ".compact"}]


def _delays(count: int, seed: int, longest: float) -> list[float]:
    rng = random.Random(seed)
    return [round(rng.uniform(1.0, longest), 1) for _ in range(count)]


@pytest.mark.parametrize("trial", range(KILL_TRIALS))
def test_sigkill_then_rerun_equals_uninterrupted(built: Built, tmp_path: Path, trial: int) -> None:
    delay = _delays(KILL_TRIALS, 61, built.first_build_seconds)[trial]
    print(f"kill trial {trial}: SIGKILL after {delay:.1f}s of {built.first_build_seconds:.0f}s")
    _kill_trial(built, tmp_path / "site", delay)


@pytest.mark.slow
@pytest.mark.parametrize("trial", range(SLOW_KILL_TRIALS))
def test_sigkill_soak(built: Built, tmp_path: Path, trial: int) -> None:
    delay = _delays(SLOW_KILL_TRIALS, 62, built.first_build_seconds)[trial]
    print(f"kill soak {trial}: SIGKILL after {delay:.1f}s of {built.first_build_seconds:.0f}s")
    _kill_trial(built, tmp_path / "site", delay)


def test_lock_file_does_not_outlive_a_killed_holder(raw_db: Path, tmp_path: Path) -> None:
    site = _new_site(tmp_path / "site", raw_db)
    holder = site.start(*BUILD)
    _wait_for_lock_holder(site, holder)
    holder.send_signal(signal.SIGKILL)
    holder.communicate(timeout=60)
    after = site.run("generate", "--leads", "5", "--days", "3", "--as-of", AS_OF.isoformat())
    assert after.returncode == 0, after.stderr


def test_delete_leaves_bytes_compaction_removes_them(raw_db: Path, tmp_path: Path) -> None:
    from leadpulse.publish import compact

    db = tmp_path / "leadpulse.duckdb"
    shutil.copyfile(raw_db, db)
    con = duckdb.connect(str(db))
    try:
        lead_id, email = con.execute(
            "select lead_id, email from raw.leads where email is not null order by lead_id limit 1"
        ).fetchone()
        for table, column in [
            ("leads", "lead_id"),
            ("message_events", "lead_id"),
            ("orders", "lead_id"),
            ("calls", "lead_id"),
            ("privacy_requests", "lead_id"),
            ("app_events", "user_id"),
            ("web_events", "user_id"),
        ]:
            con.execute(f"delete from raw.{table} where {column} = ?", [lead_id])
        # The generator's answer key (personas) names leads too.
        con.execute("delete from generator.lead_personas where lead_id = ?", [lead_id])
        con.execute("delete from raw.message_events where lower(trim(address)) = ?", [email])
        con.execute("checkpoint")
        left = con.execute("select count(*) from raw.leads where lead_id = ?", [lead_id])
        assert left.fetchone() == (0,)
    finally:
        con.close()
    assert _hits([db], [email]), "DELETE + CHECKPOINT removed the bytes: compaction untested"
    rows_before = _marts(db, "raw")
    compact(db)
    assert _hits([db], [email, lead_id]) == {}
    assert _marts(db, "raw") == rows_before


def test_failed_build_scrubs_erased_leads_from_old_serving_file(
    built: Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """publish_serving(from_serving=True): the path a failed build with new erasures takes."""
    from leadpulse.publish import publish_serving

    monkeypatch.setenv("DBT_ENV_SECRET_LEADPULSE_HASH_KEY", SECRET)
    erased = built.erased_at_first[0]
    old = tmp_path / "serving.duckdb"
    shutil.copyfile(built.site.serving, old)
    con = duckdb.connect(str(old))
    try:
        kept = con.execute("select count(*) from marts.dim_leads").fetchone()[0]
        # As if the old file predates the erasure: the lead is still in it.
        con.execute(
            "insert into marts.dim_leads by name select ? as lead_id, "
            "* exclude (lead_id) from marts.dim_leads limit 1",
            [erased],
        )
    finally:
        con.close()
    db = tmp_path / "leadpulse.duckdb"
    shutil.copyfile(built.site.db, db)
    tables = publish_serving(db, old, None, from_serving=True)
    assert "dim_leads" in tables
    con = duckdb.connect(str(old), read_only=True)
    try:
        rows = con.execute("select lead_id from marts.dim_leads").fetchall()
    finally:
        con.close()
    assert len(rows) == kept
    assert (erased,) not in rows
