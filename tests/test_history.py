"""The state history kept by scheduled runs, and the marts built on it.

One module-scoped backfill: 300 leads x 120 days (as of 2026-06-30) are
generated into a temporary warehouse, then ``dbt run --select +marts`` runs
once per as-of day from FIRST_DAY to 2026-06-30, in order, as a daily
scheduler would. On the way a lead is deleted in the CRM and later restored,
and another gets an erasure request. After it, a run dated in the past and a
rerun of the last day must change no row of ``fct_lead_state_history``; then
``dbt test`` checks the marts (grains, contracts' tests, the singular
``assert_lifecycle_flows_conserved``). The tests below check the invariants
in Python as well, from the tables themselves.

Each daily run takes 5-8 s (2 cores), mostly rebuilding the layers below the
marts: the module took 4.0-5.5 min with a 30-day backfill (depending on what
else the machine ran), 2 min with the last 20 days, which it therefore uses.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from leadpulse import paths

AS_OF = date(2026, 6, 30)
FIRST_DAY = date(2026, 6, 11)  # a 20-day backfill
LEADS = 300
DAYS = 120
SEED = 11
HISTORY = "marts.fct_lead_state_history"
SEGMENTS = ("activity_segment", "lifecycle_state", "rfm_segment")
DELETED_ON = date(2026, 6, 15)
ERASED_ON = date(2026, 6, 18)
RESTORED_ON = date(2026, 6, 23)
PAST_DAY = date(2026, 6, 20)  # a run dated here after the backfill changes nothing
ERASED_SQL = "select lead_id from staging.stg_crm__privacy_requests where request_type = 'erasure'"

Row = tuple[object, ...]


@dataclass(frozen=True)
class Backfill:
    db_path: Path
    history_after_backfill: list[Row]
    history_after_past_run: list[Row]
    history_after_rerun: list[Row]
    test_failures: list[str]
    test_node_names: set[str]
    deleted_lead: str  # deleted in the CRM before DELETED_ON's run, restored before RESTORED_ON's
    erased_lead: str  # erasure requested before ERASED_ON's run
    erased_lead_rows_before: int


def _history(db_path: Path) -> list[Row]:
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        return con.execute(f"select * from {HISTORY} order by lead_id, valid_from").fetchall()
    finally:
        con.close()


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] = ()) -> list[Row]:
    return con.execute(sql, list(params)).fetchall()


def _lifecycle_on(con: duckdb.DuckDBPyConnection, lead_id: str, day: date) -> str | None:
    """The lead's lifecycle_state on a day per the history; None if no row covers it."""
    rows = _rows(
        con,
        f"""
        select lifecycle_state from {HISTORY}
        where lead_id = ? and valid_from <= ? and (valid_to is null or valid_to > ?)
        """,
        [lead_id, day, day],
    )
    assert len(rows) <= 1
    return str(rows[0][0]) if rows else None


def _run_marts(as_of: date) -> None:
    from leadpulse import dbt

    run = dbt.invoke(["run", "--select", "+marts"], as_of=as_of.isoformat(), quiet=True)
    assert run.success, f"dbt run as of {as_of}: {run.error_message}"


def _pick_leads(db_path: Path) -> tuple[str, str]:
    """Two leads of the current fct_lead_engagement without an erasure request."""
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        rows = con.execute(
            f"""
            select lead_id from marts.fct_lead_engagement
            where lead_id not in ({ERASED_SQL})
            order by lead_id limit 2
            """
        ).fetchall()
    finally:
        con.close()
    return rows[0][0], rows[1][0]


def _set_lead_deleted(db_path: Path, lead_id: str, deleted: bool, stamp: str) -> None:
    """Append a CDC version of the lead (the latest: `stamp` is after every generated one)."""
    con = duckdb.connect(str(db_path))
    try:
        con.execute(
            """
            insert into raw.leads
            select * replace (
                ? as updated_at, ? as is_deleted, cast(? as timestamp) as _loaded_at
            )
            from raw.leads where lead_id = ? limit 1
            """,
            [stamp, deleted, stamp.rstrip("Z"), lead_id],
        )
    finally:
        con.close()


def _request_erasure(db_path: Path, lead_id: str, day: date) -> int:
    """Append an erasure request; return the lead's history rows before it."""
    con = duckdb.connect(str(db_path))
    try:
        con.execute(
            """
            insert into raw.privacy_requests
            values ('test-erasure-1', ?, 'erasure', ?, cast(? as timestamp))
            """,
            [lead_id, f"{day}T08:00:00Z", f"{day} 08:00:00"],
        )
        return con.execute(
            f"select count(*) from {HISTORY} where lead_id = ?", [lead_id]
        ).fetchone()[0]
    finally:
        con.close()


@pytest.fixture(scope="module")
def backfill(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backfill]:
    from leadpulse import dbt
    from leadpulse.generate import generate

    root = tmp_path_factory.mktemp("history")
    db_path = root / "leadpulse.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(paths.DUCKDB_PATH_ENV, str(db_path))
        mp.setenv(paths.DUCKDB_TEMP_DIR_ENV, str(root / "tmp"))
        mp.setenv(paths.TARGET_DIR_ENV, str(root / "target"))
        mp.setenv(paths.LOG_DIR_ENV, str(root / "logs"))
        mp.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
        paths.configure_environment()

        con = duckdb.connect(str(db_path))
        try:
            generate(con, leads=LEADS, days=DAYS, seed=SEED, as_of=AS_OF)
        finally:
            con.close()

        seeded = dbt.invoke(["seed"], quiet=True)
        assert seeded.success, seeded.error_message
        deleted_lead = erased_lead = ""
        erased_rows_before = 0
        day = FIRST_DAY
        while day <= AS_OF:
            if day == DELETED_ON:
                deleted_lead, erased_lead = _pick_leads(db_path)
                _set_lead_deleted(db_path, deleted_lead, True, "2026-07-01T00:00:00Z")
            elif day == ERASED_ON:
                erased_rows_before = _request_erasure(db_path, erased_lead, day)
            elif day == RESTORED_ON:
                _set_lead_deleted(db_path, deleted_lead, False, "2026-07-02T00:00:00Z")
            _run_marts(day)
            day += timedelta(days=1)
        after_backfill = _history(db_path)

        # A run dated before the history's last day: history only moves forward.
        _run_marts(PAST_DAY)
        after_past_run = _history(db_path)
        # The scheduler retries the last day.
        _run_marts(AS_OF)
        after_rerun = _history(db_path)

        tested = dbt.invoke(["test", "--select", "marts"], as_of=AS_OF.isoformat(), quiet=True)
        failures = [f"{n.name} ({n.label})" for n in tested.problems]
        if not tested.success and not failures:
            failures = [tested.error_message]
        yield Backfill(
            db_path=db_path,
            history_after_backfill=after_backfill,
            history_after_past_run=after_past_run,
            history_after_rerun=after_rerun,
            test_failures=failures,
            test_node_names={n.name for n in tested.nodes},
            deleted_lead=deleted_lead,
            erased_lead=erased_lead,
            erased_lead_rows_before=erased_rows_before,
        )


@pytest.fixture
def con(backfill: Backfill) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(backfill.db_path), read_only=True)
    try:
        yield connection
    finally:
        connection.close()


def test_marts_pass_their_dbt_tests(backfill: Backfill) -> None:
    assert "assert_lifecycle_flows_conserved" in backfill.test_node_names
    assert backfill.test_failures == []


def test_history_spans_the_backfill(con: duckdb.DuckDBPyConnection) -> None:
    first, last, rows, leads = con.execute(
        f"select min(valid_from), max(valid_from), count(*), count(distinct lead_id) from {HISTORY}"
    ).fetchone()
    assert first == FIRST_DAY
    assert last > FIRST_DAY + timedelta(days=10)
    assert rows > leads  # states changed during the month


def test_lifecycle_flows_are_conserved(con: duckdb.DuckDBPyConnection) -> None:
    """leads_in_state(d) = leads_in_state(d-1) + inflows(d) - outflows(d), every day and state."""
    in_state: dict[tuple[date, str], int] = {
        (d, s): n
        for d, s, n in con.execute(
            "select activity_date, segment_value, leads from marts.agg_segment_daily "
            "where segment_column = 'lifecycle_state'"
        ).fetchall()
    }
    inflow: dict[tuple[date, str], int] = defaultdict(int)
    outflow: dict[tuple[date, str], int] = defaultdict(int)
    for d, from_state, to_state, n in con.execute(
        "select transition_date, from_state, to_state, leads from marts.agg_lifecycle_transitions"
    ).fetchall():
        inflow[(d, to_state)] += n
        outflow[(d, from_state)] += n

    days = sorted({d for d, _ in in_state})
    states = {s for _, s in in_state}
    assert days[0] == FIRST_DAY and days[-1] == AS_OF
    assert days == [FIRST_DAY + timedelta(days=i) for i in range((AS_OF - FIRST_DAY).days + 1)]
    # No flow into a state or on a day the daily counts do not have.
    assert {s for _, s in inflow} - states <= {"(gone)"}
    assert {d for d, _ in inflow} <= set(days)
    broken = []
    for d in days:
        for s in states:
            before = in_state.get((d - timedelta(days=1), s), 0)
            expected = before + inflow[(d, s)] - outflow[(d, s)]
            if in_state[(d, s)] != expected:
                broken.append((d, s, in_state[(d, s)], expected))
    assert broken == []
    assert sum(inflow.values()) > 0


def test_segment_daily_matches_history(con: duckdb.DuckDBPyConnection) -> None:
    """Each day's count is the number of history rows covering that day."""
    history = con.execute(
        f"select {', '.join(SEGMENTS)}, valid_from, valid_to from {HISTORY}"
    ).fetchall()
    expected: dict[tuple[date, str, str], int] = defaultdict(int)
    for *values, valid_from, valid_to in history:
        day = valid_from
        while day <= AS_OF and (valid_to is None or day < valid_to):
            for column, value in zip(SEGMENTS, values, strict=True):
                expected[(day, column, value)] += 1
            day += timedelta(days=1)
    actual = {
        (d, c, v): n
        for d, c, v, n in con.execute("select * from marts.agg_segment_daily").fetchall()
        if n
    }
    assert actual == dict(expected)


def test_rerun_of_last_day_changes_nothing(backfill: Backfill) -> None:
    assert backfill.history_after_rerun == backfill.history_after_backfill


def test_run_dated_in_the_past_changes_nothing(backfill: Backfill) -> None:
    assert backfill.history_after_past_run == backfill.history_after_backfill


def test_one_open_row_per_lead_and_ranges_in_order(con: duckdb.DuckDBPyConnection) -> None:
    several_open = _rows(
        con, f"select lead_id from {HISTORY} where valid_to is null group by 1 having count(*) > 1"
    )
    empty_ranges = _rows(con, f"select * from {HISTORY} where valid_from >= valid_to")
    wrong_flag = _rows(con, f"select * from {HISTORY} where is_current <> (valid_to is null)")
    # Rows of a lead follow one another: none starts before the previous one ends.
    overlapping = _rows(
        con,
        f"""
        select * from (
            select valid_to, lead(valid_from) over (
                partition by lead_id order by valid_from
            ) as next_from
            from {HISTORY}
        ) where next_from is not null and (valid_to is null or next_from < valid_to)
        """,
    )
    assert (several_open, empty_ranges, wrong_flag, overlapping) == ([], [], [], [])


def test_current_rows_equal_fct_lead_engagement(con: duckdb.DuckDBPyConnection) -> None:
    erased = {lead_id for (lead_id,) in _rows(con, ERASED_SQL)}
    fct = {
        row[0]: row[1:]
        for row in con.execute(
            f"select lead_id, {', '.join(SEGMENTS)} from marts.fct_lead_engagement"
        ).fetchall()
        if row[0] not in erased
    }
    current = {
        row[0]: row[1:]
        for row in con.execute(
            f"select lead_id, {', '.join(SEGMENTS)} from {HISTORY} where valid_to is null"
        ).fetchall()
    }
    assert len(fct) > LEADS / 2
    assert current == fct


def test_erased_leads_leave_no_history(backfill: Backfill, con: duckdb.DuckDBPyConnection) -> None:
    from leadpulse.duckdb_plugin import DEV_HASH_KEY

    # The erasure hook keeps the request only as a tombstone (keyed hash of the
    # lead id; this suite builds with the development key).
    tombstones = _rows(
        con,
        "select request_id from privacy.erased_identifiers "
        "where identifier_type = 'lead_id' and identifier_hash = sha256(? || ?)",
        [DEV_HASH_KEY, backfill.erased_lead],
    )
    assert len(tombstones) == 1
    assert backfill.erased_lead_rows_before > 0  # it had history before its request
    assert _rows(con, f"select * from {HISTORY} where lead_id = ?", [backfill.erased_lead]) == []
    assert _rows(con, f"select * from {HISTORY} where lead_id in ({ERASED_SQL})") == []


def test_deleted_lead_leaves_and_comes_back(
    backfill: Backfill, con: duckdb.DuckDBPyConnection
) -> None:
    """Deleted in the CRM: its open row closes; undeleted: a new row opens after the gap."""
    rows = _rows(
        con,
        f"select valid_from, valid_to from {HISTORY} where lead_id = ? order by valid_from",
        [backfill.deleted_lead],
    )
    ends = [valid_to for _, valid_to in rows]
    starts = [valid_from for valid_from, _ in rows]
    assert DELETED_ON in ends and RESTORED_ON in starts
    assert ends[starts.index(RESTORED_ON) - 1] == DELETED_ON  # the gap is between them
    assert rows[-1][1] is None
    moves = set(
        _rows(
            con,
            "select transition_date, from_state, to_state from marts.agg_lifecycle_transitions",
        )
    )
    before = _lifecycle_on(con, backfill.deleted_lead, DELETED_ON - timedelta(days=1))
    after = _lifecycle_on(con, backfill.deleted_lead, RESTORED_ON)
    assert (DELETED_ON, before, "(gone)") in moves
    assert (RESTORED_ON, "(gone)", after) in moves
    assert _lifecycle_on(con, backfill.deleted_lead, RESTORED_ON - timedelta(days=1)) is None


def test_kpis_cover_the_history_days(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute(
        "select activity_date, dau, wau, mau, churned_leads from marts.agg_engagement_kpis "
        "order by 1"
    ).fetchall()
    assert [r[0] for r in rows][0] == FIRST_DAY and rows[-1][0] == AS_OF
    assert len(rows) == (AS_OF - FIRST_DAY).days + 1
    assert all(dau <= wau <= mau for _, dau, wau, mau, _ in rows)
    assert rows[0][4] is None and all(r[4] is not None for r in rows[1:])
