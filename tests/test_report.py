"""The HTML report: every chart drawn from hand-made marts, placeholders for missing
ones, and the file rendered by headless Chromium without console errors.

The marts are written here by hand (columns as the BI marts define them) into a
temporary DuckDB file, so these tests do not wait for the dbt models; one test
also renders the session warehouse that conftest builds with dbt.
"""

from __future__ import annotations

import io
import json
import math
import random
import re
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pytest

from leadpulse.report import last_run, write_report

if TYPE_CHECKING:
    from conftest import Warehouse

AS_OF = date(2026, 6, 30)
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_INSTALL = "apt-get update && apt-get install -y chromium"

SEGMENTS = {
    "activity_segment": {"active": 0.36, "episodic": 0.22, "dormant": 0.17, "inactive": 0.25},
    "lifecycle_state": {
        "new": 0.08,
        "active": 0.33,
        "loyal": 0.08,
        "at_risk": 0.07,
        "dormant": 0.11,
        "churned": 0.20,
        "never_engaged": 0.13,
    },
    "rfm_segment": {
        "champions": 0.15,
        "loyal_customers": 0.10,
        "potential_loyalists": 0.09,
        "new_customers": 0.06,
        "promising": 0.03,
        "need_attention": 0.03,
        "about_to_sleep": 0.08,
        "at_risk": 0.18,
        "cannot_lose_them": 0.02,
        "hibernating": 0.13,
        "lost": 0.01,
        "prospects": 0.12,
    },
}
MESSAGE_CHANNELS = ("sms", "whatsapp", "rcs", "push", "email")
REACH_CHANNELS = ("sms", "email", "push")
ALL_MARTS = (
    "fct_lead_engagement",
    "agg_segment_daily",
    "agg_lifecycle_transitions",
    "agg_channel_effectiveness",
    "agg_engagement_by_local_hour",
    "agg_engagement_kpis",
    "agg_segment_reachability",
)
# data-chart keys the full report draws, with how many figures each
EXPECTED_CHARTS = {
    "segment-distribution": 5,  # three segment columns, preferred channel, preferred daypart
    "segment-sizes": 3,
    "lifecycle-transitions-day": 1,
    "lifecycle-transitions-week": 1,
    "channel-effectiveness": 2,
    "local-hour-heatmap": 1,
    "daypart-events": 1,
    "engagement-kpis": 1,
    "new-churned": 1,
    "reachability": 3,
    "quarantine-reasons": 1,
}
MARKS = {"rect", "path", "circle"}


# --- a hand-made warehouse ------------------------------------------------------


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def daypart_of(dow: int, hour: int) -> str:
    if hour >= 23 or hour < 8:
        return "night"
    if dow >= 6:
        return "weekend"
    return "business_hours" if hour < 18 else "evening"


def insert(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[tuple[object, ...]]) -> None:
    """Insert rows in one statement (one list parameter per column)."""
    columns = [list(column) for column in zip(*rows, strict=True)]
    unnested = ", ".join("unnest(?)" for _ in columns)
    con.execute(f"insert into {table} select {unnested}", columns)


def build_warehouse(
    db_path: Path,
    *,
    leads: int = 1200,
    history_days: int = 60,
    skip: Iterable[str] = (),
    seed: int = 11,
) -> dict[str, int]:
    """Write marts and quality tables with the BI marts' columns; return headline counts."""
    rng = random.Random(seed)
    skip = set(skip)
    con = duckdb.connect(str(db_path))
    try:
        for schema in ("raw", "staging", "intermediate", "marts"):
            con.execute(f"create schema if not exists {schema}")
        con.execute("create table raw.leads as select range as lead_id from range(?)", [leads])

        lead_rows = []
        for i in range(leads):
            seg = {col: _pick(rng, weights) for col, weights in SEGMENTS.items()}
            engaged = seg["activity_segment"] in ("active", "episodic")
            lead_rows.append(
                (
                    f"L{i:05d}",
                    seg["activity_segment"],
                    seg["lifecycle_state"],
                    seg["rfm_segment"],
                    rng.random() < 0.87,
                    rng.random() < 0.81,
                    rng.random() < 0.38,
                    round(rng.random() * 100, 2),
                    rng.choice(["app", "sms", "web", "email", "whatsapp"]) if engaged else None,
                    rng.choice(["evening", "business_hours", "weekend", "night"])
                    if engaged
                    else None,
                    AS_OF,
                    rng.randint(1, 20) if engaged else 0,
                )
            )
        counts = {
            "leads": leads,
            "engaged": sum(1 for r in lead_rows if r[11] > 0),
            "sms": sum(1 for r in lead_rows if r[4]),
            "email": sum(1 for r in lead_rows if r[5]),
            "push": sum(1 for r in lead_rows if r[6]),
        }
        if "fct_lead_engagement" not in skip:
            con.execute(
                "create table marts.fct_lead_engagement (lead_id varchar, activity_segment "
                "varchar, lifecycle_state varchar, rfm_segment varchar, is_contactable_sms "
                "boolean, is_contactable_email boolean, is_contactable_push boolean, "
                "engagement_score double, preferred_channel varchar, preferred_daypart "
                "varchar, as_of_date date, engaged_days_30d integer)"
            )
            insert(con, "marts.fct_lead_engagement", lead_rows)

        days = [AS_OF - timedelta(days=history_days - 1 - d) for d in range(history_days)]
        if "agg_segment_daily" not in skip:
            con.execute(
                "create table marts.agg_segment_daily (activity_date date, segment_column "
                "varchar, segment_value varchar, leads bigint)"
            )
            rows: list[tuple[object, ...]] = []
            for d, day in enumerate(days):
                growth = 0.6 + 0.4 * d / max(history_days - 1, 1)
                for column, weights in SEGMENTS.items():
                    for k, (value, weight) in enumerate(weights.items()):
                        wave = 1 + 0.15 * math.sin(d / 6 + k)
                        rows.append((day, column, value, round(leads * growth * weight * wave)))
            insert(con, "marts.agg_segment_daily", rows)

        if "agg_lifecycle_transitions" not in skip:
            con.execute(
                "create table marts.agg_lifecycle_transitions (transition_date date, "
                "from_state varchar, to_state varchar, leads bigint)"
            )
            moves = [
                ("(none)", "new", 9),
                ("new", "active", 5),
                ("new", "never_engaged", 3),
                ("active", "loyal", 2),
                ("active", "at_risk", 4),
                ("at_risk", "active", 2),
                ("at_risk", "dormant", 3),
                ("dormant", "active", 1),
                ("dormant", "churned", 3),
                ("churned", "(gone)", 1),
                ("loyal", "at_risk", 1),
            ]
            rows = [
                (day, f, t, max(1, round(n * (0.5 + rng.random()))))
                for day in days[-10:]
                for f, t, n in moves
            ]
            insert(con, "marts.agg_lifecycle_transitions", rows)

        if "agg_channel_effectiveness" not in skip:
            con.execute(
                "create table marts.agg_channel_effectiveness (segment_column varchar, "
                "segment_value varchar, channel varchar, leads bigint, delivered bigint, "
                "responses bigint, response_rate double, converted_leads bigint)"
            )
            rows = []
            for column, weights in SEGMENTS.items():
                for k, (value, weight) in enumerate(weights.items()):
                    for c, channel in enumerate(MESSAGE_CHANNELS):
                        reached = round(leads * weight * (0.9 - 0.15 * c))
                        delivered = reached * rng.randint(3, 9)
                        rate = max(0.01, 0.42 - 0.05 * k + 0.04 * ((c * 7 + k) % 3))
                        responses = round(delivered * rate)
                        rows.append(
                            (
                                column,
                                value,
                                channel,
                                reached,
                                delivered,
                                responses,
                                responses / delivered if delivered else None,
                                round(reached * rate / 4),
                            )
                        )
            insert(con, "marts.agg_channel_effectiveness", rows)

        if "agg_engagement_by_local_hour" not in skip:
            con.execute(
                "create table marts.agg_engagement_by_local_hour (local_day_of_week integer, "
                "local_hour integer, daypart varchar, engagement_events bigint, leads bigint)"
            )
            rows = []
            for dow in range(1, 8):
                for hour in range(24):
                    level = math.exp(-((hour - (20 if dow < 6 else 11)) ** 2) / 18)
                    level += 0.5 * math.exp(-((hour - 12.5) ** 2) / 4) if dow < 6 else 0
                    events = round(leads * 0.6 * level + rng.randint(0, 20))
                    rows.append((dow, hour, daypart_of(dow, hour), events, round(events / 3)))
            insert(con, "marts.agg_engagement_by_local_hour", rows)

        if "agg_engagement_kpis" not in skip:
            con.execute(
                "create table marts.agg_engagement_kpis (activity_date date, dau bigint, "
                "wau bigint, mau bigint, new_leads bigint, churned_leads bigint)"
            )
            rows = []
            for d, day in enumerate(days):
                weekly = 1 + 0.25 * math.sin(2 * math.pi * d / 7)
                dau = round(leads * 0.14 * weekly * (0.8 + 0.2 * d / history_days))
                rows.append(
                    (
                        day,
                        dau,
                        round(leads * 0.38),
                        round(leads * 0.55),
                        rng.randint(5, 25),
                        rng.randint(0, 12),
                    )
                )
            insert(con, "marts.agg_engagement_kpis", rows)

        if "agg_segment_reachability" not in skip:
            con.execute(
                "create table marts.agg_segment_reachability (segment_column varchar, "
                "segment_value varchar, channel varchar, leads bigint, reachable_leads "
                "bigint, reachable_share double)"
            )
            rows = []
            for column, weights in SEGMENTS.items():
                for k, (value, weight) in enumerate(weights.items()):
                    size = max(1, round(leads * weight))
                    for c, channel in enumerate(REACH_CHANNELS):
                        reachable = round(size * (0.92 - 0.25 * c - 0.03 * k))
                        rows.append((column, value, channel, size, reachable, reachable / size))
            insert(con, "marts.agg_segment_reachability", rows)

        con.execute(
            "create table intermediate.int_rows_quarantined (source_table varchar, "
            "source_row_id varchar, reason varchar)"
        )
        reasons = {
            "app_events": {
                "unknown_event_type": 2003,
                "future_timestamp": 744,
                "missing_event_id": 563,
            },
            "message_events": {"unknown_event_type": 1585, "missing_event_id": 401},
            "calls": {"negative_duration": 193},
            "web_events": {"unparseable_timestamp": 60},
        }
        con.executemany(
            "insert into intermediate.int_rows_quarantined "
            "select ?, range::varchar, ? from range(?)",
            [(t, r, n) for t, per in reasons.items() for r, n in per.items()],
        )
        con.execute(
            "create table intermediate.int_raw_rows_reconciled as select * from (values "
            "('leads', 7055, 5000, 2055, 0, true), "
            "('app_events', 1037407, 1008179, 25232, 3310, false)) "
            "as t(source_table, raw_rows, clean_rows, duplicate_rows, quarantined_rows, "
            "is_conserved)"
        )
    finally:
        con.close()
    return counts


# --- reading the report back ------------------------------------------------------


@dataclass
class Figure:
    key: str
    attrs: dict[str, str]
    marks: int = 0
    text: list[str] = field(default_factory=list)

    @property
    def missing(self) -> str | None:
        return self.attrs.get("data-missing")


class FigureParser(HTMLParser):
    """Collects each <figure data-chart>: its attributes, data marks and text."""

    def __init__(self) -> None:
        super().__init__()
        self.figures: list[Figure] = []
        self.headline: dict[str, str] | None = None
        self._current: Figure | None = None
        self._depth = 0
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "figure" and "data-chart" in values:
            self._current = Figure(values["data-chart"], values)
            self._depth = 0
        elif values.get("data-chart") == "headline":
            self.headline = values
        if self._current is None:
            return
        if tag == "figure":
            self._depth += 1
        if tag in MARKS and "mark" in values.get("class", "").split():
            self._current.marks += 1

    def handle_endtag(self, tag: str) -> None:
        if self._current is not None and tag == "figure":
            self._depth -= 1
            if self._depth == 0:
                self.figures.append(self._current)
                self._current = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._current is not None:
            self._current.text.append(data)


def parse(html_text: str) -> FigureParser:
    parser = FigureParser()
    parser.feed(html_text)
    parser.close()
    return parser


def by_key(figures: list[Figure]) -> dict[str, list[Figure]]:
    out: dict[str, list[Figure]] = {}
    for fig in figures:
        out.setdefault(fig.key, []).append(fig)
    return out


def render(db_path: Path, tmp_path: Path) -> tuple[Path, str, str]:
    out = io.StringIO()
    path = write_report(
        tmp_path / "report.html",
        db_path=db_path,
        run_results=tmp_path / "no_run_results.json",
        stream=out,
    )
    return path, path.read_text(encoding="utf-8"), out.getvalue()


@pytest.fixture(scope="module")
def full_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str, dict[str, int]]:
    """The report of a warehouse with every mart: (path, html, stdout, headline counts)."""
    root = tmp_path_factory.mktemp("full_report")
    db = root / "hand_made.duckdb"
    counts = build_warehouse(db)
    path, text, stdout = render(db, root)
    return path, text, stdout, counts


# --- tests -----------------------------------------------------------------------


def test_every_chart_is_drawn_with_data(full_report: tuple[Path, str, str, dict[str, int]]) -> None:
    _, text, _, _ = full_report
    figures = by_key(parse(text).figures)
    assert {k: len(v) for k, v in figures.items()} == EXPECTED_CHARTS
    for key, figs in figures.items():
        for fig in figs:
            assert fig.missing is None, f"{key} is a placeholder: {''.join(fig.text)}"
            assert fig.marks > 0, f"{key} {fig.attrs} has no data marks"
            assert fig.attrs.get("class", "").startswith("chart")
    columns = {f.attrs.get("data-column") for f in figures["segment-sizes"]}
    assert columns == {"activity_segment", "lifecycle_state", "rfm_segment"}
    assert {f.attrs.get("data-column") for f in figures["channel-effectiveness"]} == {
        "activity_segment",
        "lifecycle_state",
    }


def test_headline_numbers_have_thousands_separators(
    full_report: tuple[Path, str, str, dict[str, int]],
) -> None:
    _, text, stdout, counts = full_report
    parsed = parse(text)
    assert parsed.headline is not None
    body = " ".join(parsed.text)
    for name in ("leads", "engaged", "sms", "email", "push"):
        assert f"{counts[name]:,}" in body, name
        assert f"{counts[name]:,}" in stdout, name
    assert "1,200" in body  # leads, formatted
    assert "2,003" in body  # quarantined unknown_event_type rows in app_events
    assert "1,037,407" in body  # raw rows of app_events
    assert "As of" in text and str(AS_OF) in text


def test_every_chart_has_a_title_and_a_what_line(
    full_report: tuple[Path, str, str, dict[str, int]],
) -> None:
    _, text, _, _ = full_report
    assert text.count('<figcaption class="what">') >= sum(EXPECTED_CHARTS.values())
    assert text.count("<h3>") >= sum(EXPECTED_CHARTS.values())
    assert text.count('<ul class="legend">') >= 6  # segment sizes, KPIs, quarantine


def test_report_is_self_contained(full_report: tuple[Path, str, str, dict[str, int]]) -> None:
    _, text, _, _ = full_report
    lowered = text.lower()
    for needle in ("http://", "https://", "<script", "<link", "<img", "src=", "@import", "url("):
        assert needle not in lowered, needle


def test_text_summary_is_printed(full_report: tuple[Path, str, str, dict[str, int]]) -> None:
    _, _, stdout, counts = full_report
    assert stdout.startswith("== Headline (as of 2026-06-30)")
    assert re.search(rf"contactable by SMS +{counts['sms']:,} +\d+\.\d%", stdout), stdout
    assert "activity_segment: active" in stdout
    assert "every mart available" in stdout
    assert "== Quarantined rows" in stdout and "== Rows per relation" in stdout


def test_missing_marts_become_placeholders(tmp_path: Path) -> None:
    db = tmp_path / "partial.duckdb"
    build_warehouse(
        db, skip=("agg_segment_daily", "agg_engagement_kpis", "agg_lifecycle_transitions")
    )
    _, text, stdout = render(db, tmp_path)
    figures = by_key(parse(text).figures)
    for key, relation in (
        ("segment-sizes", "marts.agg_segment_daily"),
        ("engagement-kpis", "marts.agg_engagement_kpis"),
        ("new-churned", "marts.agg_engagement_kpis"),
        ("lifecycle-transitions", "marts.agg_lifecycle_transitions"),
    ):
        (fig,) = figures[key]
        assert fig.missing == relation
        assert fig.marks == 0
        assert f"not built yet: {relation}" in " ".join("".join(fig.text).split())
        assert f"not available: {relation} (not built yet)" in stdout
    assert all(f.marks > 0 for f in figures["reachability"])
    assert all(f.marks > 0 for f in figures["segment-distribution"])


def test_a_warehouse_without_marts_still_reports(tmp_path: Path) -> None:
    db = tmp_path / "old.duckdb"
    build_warehouse(db, skip=ALL_MARTS)
    _, text, stdout = render(db, tmp_path)
    parsed = parse(text)
    assert parsed.figures, "placeholders expected"
    drawn = [f.key for f in parsed.figures if f.missing is None]
    assert drawn == ["quarantine-reasons"]
    assert 'data-missing="marts.fct_lead_engagement"' in text
    assert "not built yet" in text
    assert "== Headline (not built yet: marts.fct_lead_engagement)" in stdout


def test_one_day_of_history_draws_bars(tmp_path: Path) -> None:
    db = tmp_path / "one_day.duckdb"
    build_warehouse(db, history_days=1)
    _, text, _ = render(db, tmp_path)
    figures = by_key(parse(text).figures)
    for fig in figures["segment-sizes"]:
        assert fig.marks > 0
        assert "only one day of history" in "".join(fig.text)
    sizes = text.split('data-chart="segment-sizes"', 1)[1].split("</figure>", 1)[0]
    assert "<rect" in sizes and "<path" not in sizes
    assert all(f.marks > 0 for f in figures["engagement-kpis"])  # one point per line


def test_unreadable_mart_is_named_not_raised(tmp_path: Path) -> None:
    db = tmp_path / "odd.duckdb"
    build_warehouse(db, skip=("agg_segment_reachability",))
    con = duckdb.connect(str(db))
    con.execute("create table marts.agg_segment_reachability (segment_column varchar)")
    con.close()
    _, text, _ = render(db, tmp_path)
    (fig,) = by_key(parse(text).figures)["reachability"]
    assert fig.missing == "marts.agg_segment_reachability"
    assert "cannot read" in "".join(fig.text)


def test_empty_mart_says_so(tmp_path: Path) -> None:
    db = tmp_path / "empty.duckdb"
    build_warehouse(db)
    con = duckdb.connect(str(db))
    con.execute("delete from marts.agg_engagement_kpis")
    con.execute("update marts.agg_engagement_by_local_hour set local_hour = 99")
    con.close()
    _, text, _ = render(db, tmp_path)
    figures = by_key(parse(text).figures)
    for key, relation in (
        ("engagement-kpis", "marts.agg_engagement_kpis"),
        ("local-hour-heatmap", "marts.agg_engagement_by_local_hour"),
    ):
        (fig,) = figures[key]
        assert fig.missing == relation
        assert f"no rows yet in: {relation}" in " ".join("".join(fig.text).split())


def test_no_quarantined_rows_is_good_news(tmp_path: Path) -> None:
    db = tmp_path / "clean.duckdb"
    build_warehouse(db)
    con = duckdb.connect(str(db))
    con.execute("delete from intermediate.int_rows_quarantined")
    con.close()
    _, text, _ = render(db, tmp_path)
    (fig,) = by_key(parse(text).figures)["quarantine-reasons"]
    assert fig.missing is None
    assert "no quarantined rows" in "".join(fig.text)


def test_session_warehouse_renders(warehouse: Warehouse, tmp_path: Path) -> None:
    """The dbt-built warehouse: every chart is drawn, or waits for a relation not built yet.

    A "cannot read" placeholder would mean the report and a mart disagree on columns.
    """
    _, text, stdout = render(warehouse.db_path, tmp_path)
    figures = parse(text).figures
    con = duckdb.connect(str(warehouse.db_path), read_only=True)
    try:
        built = {
            f"{schema}.{name}"
            for schema, name in con.execute(
                "select table_schema, table_name from information_schema.tables"
            ).fetchall()
        }
    finally:
        con.close()
    assert figures
    for fig in figures:
        if fig.missing is None:
            assert fig.marks > 0, f"{fig.key} is empty"
            continue
        said = " ".join("".join(fig.text).split())
        assert "cannot read" not in said, said
        assert fig.missing not in built or "no rows yet" in said, said
    if "marts.fct_lead_engagement" in built:
        assert "== Headline (as of 2026-06-30)" in stdout
        assert "segment-distribution" in {f.key for f in figures if f.missing is None}


def test_last_run_says_whose_as_of_date_it_shows(tmp_path: Path) -> None:
    """The run's as_of_date var; else (the harness passes the day in the environment,
    which run_results.json does not keep) the marts' date, marked as theirs."""
    path = tmp_path / "run_results.json"
    cases = [({"as_of_date": "2026-06-30"}, "2026-06-30"), ({}, "2026-07-01 (marts)")]
    for dbt_vars, expected in cases:
        path.write_text(
            json.dumps(
                {
                    "metadata": {"generated_at": "2026-07-01T06:00:00Z"},
                    "args": {"which": "build", "vars": dbt_vars},
                    "results": [{"unique_id": "model.leadpulse.x", "status": "success"}],
                    "elapsed_time": 1.0,
                }
            )
        )
        (row,) = last_run(path, "2026-07-01").rows
        assert row[2] == expected


# --- headless Chromium ------------------------------------------------------------


def chromium(args: list[str], tmp_path: Path, name: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / f"chromium-profile-{name}"
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            "--enable-logging=stderr",
            "--v=0",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def console_messages(stderr: str) -> list[str]:
    """Console output of the page (Chromium logs it as INFO:CONSOLE lines)."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


needs_chromium = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason=f"{CHROMIUM} not installed (install with: {CHROMIUM_INSTALL})",
)


@needs_chromium
def test_console_errors_are_detected(tmp_path: Path) -> None:
    """The check below would see a broken page: a script error reaches the log."""
    page = tmp_path / "broken.html"
    page.write_text("<!doctype html><p>x</p><script>throw new Error('kaboom')</script>")
    run = chromium(["--dump-dom", page.as_uri()], tmp_path, "broken")
    assert any("kaboom" in line for line in console_messages(run.stderr)), run.stderr[-2000:]


@needs_chromium
def test_chromium_renders_every_chart(
    full_report: tuple[Path, str, str, dict[str, int]], tmp_path: Path
) -> None:
    path, text, _, _ = full_report
    dom = chromium(["--dump-dom", path.as_uri()], tmp_path, "dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert console_messages(dom.stderr) == []
    rendered = by_key(parse(dom.stdout).figures)
    assert {k: len(v) for k, v in rendered.items()} == EXPECTED_CHARTS
    assert all(f.marks > 0 for figs in rendered.values() for f in figs)
    assert [f.marks for f in parse(dom.stdout).figures] == [f.marks for f in parse(text).figures]

    shot = tmp_path / "report.png"
    run = chromium(
        [f"--screenshot={shot}", "--window-size=1366,8000", path.as_uri()], tmp_path, "shot"
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert console_messages(run.stderr) == []
    assert shot.exists() and shot.stat().st_size > 50_000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    keep = shutil.copy(shot, tmp_path / "report-kept.png")
    print(f"screenshot: {keep}")
