"""The leadpulse report: one self-contained HTML file of charts, and a text summary.

The report reads the marts (and the data-quality relations of intermediate)
and draws them. Charts are inline SVG written here: no scripts, no external
assets, so the file opens offline. The SQL is plain selects, filters, sums
and orderings of what the models computed; a number that needs a business
rule belongs in a model that this report then reads. A relation that is not
built yet becomes a "not built yet" box, so the report works on older
warehouses too.
"""

from __future__ import annotations

import html
import json
import math
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, TextIO

import duckdb

from leadpulse import paths
from leadpulse.validate import format_table, is_number, relation_exists

LAYERS = ("raw", "staging", "intermediate", "marts", "seeds")
QUARANTINE = ("intermediate", "int_rows_quarantined")
RECONCILED = ("intermediate", "int_raw_rows_reconciled")
SYSTEM_SCHEMAS = {"information_schema", "pg_catalog"}

FCT_ENGAGEMENT = "marts.fct_lead_engagement"
AGG_SEGMENT_DAILY = "marts.agg_segment_daily"
AGG_TRANSITIONS = "marts.agg_lifecycle_transitions"
AGG_CHANNELS = "marts.agg_channel_effectiveness"
AGG_LOCAL_HOUR = "marts.agg_engagement_by_local_hour"
AGG_KPIS = "marts.agg_engagement_kpis"
AGG_REACHABILITY = "marts.agg_segment_reachability"

SEGMENT_COLUMNS = ("activity_segment", "lifecycle_state", "rfm_segment")
TRANSITION_WINDOW_DAYS = 7

# Page sections in order: anchor -> (heading, the line under it).
SECTIONS: dict[str, tuple[str, str]] = {
    "segments": (
        "Who your leads are today",
        "Every lead counted once per segmentation, as of the report day. "
        "Bars show leads; the label adds the share of all leads.",
    ),
    "segment-sizes": (
        "Segment sizes over time",
        "How many leads were in each segment on each day: growth in the green "
        "bands is good news, growth in the grey and red ones is a warning.",
    ),
    "transitions": (
        "Lifecycle transitions",
        "How many leads moved from one lifecycle state (rows) to another (columns). "
        "'(first seen)' is a lead entering the list, '(left)' one leaving it.",
    ),
    "channels": (
        "Channel effectiveness by segment",
        "Which channel gets answers from which segment: responses (opens, clicks, "
        "replies) per delivered message. Small print: messages delivered.",
    ),
    "local-time": (
        "When leads engage (their local time)",
        "Engagement events by weekday and hour in each lead's own time zone: "
        "schedule sends where the map is darkest.",
    ),
    "kpis": (
        "Daily, weekly and monthly engaged leads",
        "Active-audience trend: the gap between MAU and DAU is the audience that "
        "engages now and then; bars show the flow in and out.",
    ),
    "reachability": (
        "Reachability by channel",
        "Share of each segment you can still message on each channel after "
        "opt-outs and unsubscribes. Small print: reachable leads.",
    ),
    "data-quality": (
        "Data quality and the warehouse",
        "For the data team: what the raw loads contained and what was set aside.",
    ),
}

# --- presentation: display order, colours, labels (no business rules) -------

VALUE_ORDER: dict[str, tuple[str, ...]] = {
    "activity_segment": ("active", "episodic", "dormant", "inactive"),
    "lifecycle_state": (
        "(none)",
        "new",
        "active",
        "loyal",
        "at_risk",
        "dormant",
        "churned",
        "never_engaged",
        "(gone)",
    ),
    "rfm_segment": (
        "champions",
        "loyal_customers",
        "potential_loyalists",
        "new_customers",
        "promising",
        "need_attention",
        "about_to_sleep",
        "at_risk",
        "cannot_lose_them",
        "hibernating",
        "lost",
        "prospects",
    ),
    "channel": ("sms", "whatsapp", "rcs", "push", "email", "app", "web", "call", "store"),
    "daypart": ("business_hours", "evening", "weekend", "night"),
    "segment_column": SEGMENT_COLUMNS,
}
VALUE_COLORS: dict[str, dict[str, str]] = {
    "activity_segment": {
        "active": "#3a923a",
        "episodic": "#6cb7b0",
        "dormant": "#f0a03c",
        "inactive": "#b4aca8",
    },
    "lifecycle_state": {
        "new": "#4e79a7",
        "active": "#3a923a",
        "loyal": "#8e6bb0",
        "at_risk": "#e8b92e",
        "dormant": "#f08a2b",
        "churned": "#d9534f",
        "never_engaged": "#b4aca8",
    },
    "rfm_segment": {
        "champions": "#1b7837",
        "loyal_customers": "#4dac52",
        "potential_loyalists": "#a6d96a",
        "new_customers": "#4e79a7",
        "promising": "#9ecae1",
        "need_attention": "#e8c547",
        "about_to_sleep": "#fdae61",
        "at_risk": "#f07c2b",
        "cannot_lose_them": "#d9534f",
        "hibernating": "#9c755f",
        "lost": "#6f6a66",
        "prospects": "#c9c2bd",
    },
    "channel": {
        "sms": "#4e79a7",
        "whatsapp": "#3a923a",
        "rcs": "#6cb7b0",
        "push": "#8e6bb0",
        "email": "#f08a2b",
        "app": "#d9534f",
        "web": "#e8b92e",
        "call": "#9c755f",
        "store": "#b4aca8",
    },
    "daypart": {
        "business_hours": "#4e79a7",
        "evening": "#f08a2b",
        "weekend": "#3a923a",
        "night": "#5b4a8b",
    },
}
PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
    "#86bcb6",
    "#d37295",
)
HEAT_STOPS = ("#f3f7fb", "#cfe1f2", "#93c4de", "#4a98c9", "#1f6cb0", "#0b3f7a")
SPECIAL_LABELS: dict[str | None, str] = {
    "(none)": "(first seen)",
    "(gone)": "(left)",
    None: "none yet",
    "": "(blank)",
}
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
TEXT_COLOR = "#1f2933"
MUTED = "#6b7480"
GRID = "#e3e7ec"


def pretty(value: object) -> str:
    """A segment value or column name as a reader would say it (``at_risk`` -> ``at risk``)."""
    if value is None or isinstance(value, str) and value in SPECIAL_LABELS:
        return SPECIAL_LABELS[value]
    return str(value).replace("_", " ")


def column_noun(column: str) -> str:
    """A segment column as a noun in a sentence (``rfm_segment`` -> ``RFM segment``)."""
    return pretty(column).replace("rfm", "RFM")


def column_title(column: str) -> str:
    noun = column_noun(column)
    return noun[:1].upper() + noun[1:]


def ordered(values: Iterable[Any], kind: str) -> list[Any]:
    """Known values in their natural order, then the rest alphabetically."""
    known = VALUE_ORDER.get(kind, ())
    distinct = list(dict.fromkeys(values))
    first = [v for v in known if v in distinct]
    rest = sorted((v for v in distinct if v not in known), key=lambda v: (v is None, str(v)))
    return first + rest


def colors_for(values: Sequence[Any], kind: str) -> list[str]:
    fixed = VALUE_COLORS.get(kind, {})
    spare = iter(c for c in PALETTE if c not in fixed.values())
    out = []
    for value in values:
        color = fixed.get(str(value)) if value is not None else "#d5d9de"
        out.append(color or next(spare, "#999999"))
    return out


def fmt_int(value: float | int | None) -> str:
    return "–" if value is None else f"{round(value):,}"


def fmt_pct(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value * 100:.{digits}f}%"


def fmt_share(value: float | None) -> str:
    """A share as a whole percent; a small non-zero share reads "<1%", not "0%"."""
    if value is not None and 0 < value < 0.005:
        return "<1%"
    return fmt_pct(value, 0)


def share(part: float | None, whole: float | None) -> float | None:
    return None if part is None or not whole else part / whole


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


# --- text sections (stdout, and the tables at the bottom of the page) -------


class ReportError(RuntimeError):
    """The report cannot be written (no warehouse, unreadable file)."""


@dataclass
class Section:
    title: str
    header: tuple[str, ...]
    rows: list[tuple[str, ...]]
    note: str = ""


def _layer_of(schema: str) -> str:
    """The layer a schema belongs to (``main_staging`` counts as staging too)."""
    for layer in LAYERS:
        if schema == layer or schema.endswith(f"_{layer}"):
            return layer
    return schema


def _layer_order(schema: str) -> tuple[int, str]:
    layer = _layer_of(schema)
    return (LAYERS.index(layer) if layer in LAYERS else len(LAYERS), schema)


def relation_counts(con: duckdb.DuckDBPyConnection) -> Section:
    relations = con.execute(
        "select table_schema, table_name, table_type from information_schema.tables "
        "where table_catalog = current_database()"
    ).fetchall()
    relations = [r for r in relations if r[0] not in SYSTEM_SCHEMAS]
    relations.sort(key=lambda r: (_layer_order(r[0]), r[1]))
    rows: list[tuple[str, ...]] = []
    for schema, name, kind in relations:
        kind_label = "view" if "VIEW" in str(kind).upper() else "table"
        if kind_label == "view" and _layer_of(schema) != "marts":
            # Counting a view runs it: skipped, except for marts (a BI view is a
            # projection of a table, and its size is what the report is for);
            # the raw/clean/duplicate/quarantined table has the staging counts.
            rows.append((_layer_of(schema), f"{schema}.{name}", kind_label, "-"))
            continue
        try:
            count_row = con.execute(f'select count(*) from "{schema}"."{name}"').fetchone()
            count = f"{count_row[0]:,}" if count_row else "?"
        except duckdb.Error as exc:
            count = "error: " + " ".join(str(exc).split())[:80]
        rows.append((_layer_of(schema), f"{schema}.{name}", kind_label, count))
    return Section("Rows per relation", ("layer", "relation", "kind", "rows"), rows)


def quarantined(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, int]]:
    """Quarantined rows per (source_table, reason); ``Unavailable`` if not readable."""
    relation = ".".join(QUARANTINE)
    try:
        rows = read_rows(
            con,
            relation,
            f"select source_table, reason, count(*) from {relation} group by 1, 2 order by 1, 2",
        )
    except Unavailable as problem:
        if problem.message == EMPTY:
            return []
        raise
    return [(str(t), str(r), int(n)) for t, r, n in rows]


def quarantine_section(counts: list[tuple[str, str, int]] | Unavailable) -> Section:
    header = ("source_table", "reason", "rows")
    if isinstance(counts, Unavailable):
        return Section("Quarantined rows", header, [], note=str(counts))
    rows: list[tuple[str, ...]] = [(t, r, f"{n:,}") for t, r, n in counts]
    return Section("Quarantined rows", header, rows, note="" if rows else "no quarantined rows")


def quarantine_counts(con: duckdb.DuckDBPyConnection) -> Section:
    try:
        return quarantine_section(quarantined(con))
    except Unavailable as problem:
        return quarantine_section(problem)


def reconciliation(con: duckdb.DuckDBPyConnection) -> Section:
    schema, name = RECONCILED
    header = ("table", "raw", "clean", "duplicate", "quarantined", "conserved")
    title = "Raw rows: clean, duplicate, quarantined"
    if not relation_exists(con, schema, name):
        return Section(title, header, [], note=f"not built yet: {schema}.{name}")
    result = con.execute(
        "select source_table, raw_rows, clean_rows, duplicate_rows, quarantined_rows, "
        f"is_conserved from {schema}.{name} order by raw_rows desc, source_table"
    ).fetchall()
    rows: list[tuple[str, ...]] = [
        (str(t), fmt_int(r), fmt_int(c), fmt_int(d), fmt_int(q), "yes" if ok else "NO")
        for t, r, c, d, q, ok in result
    ]
    return Section(title, header, rows, note="" if rows else "no raw tables")


def last_run(run_results: Path, marts_as_of: str = "") -> Section:
    """The last dbt run's command, time, as-of date, node statuses and elapsed time.

    The as-of date is the run's ``as_of_date`` var; the harness passes the day in
    the environment instead (LEADPULSE_AS_OF_DATE), which run_results.json does not
    record, so then it is ``marts_as_of`` (the marts' own), marked "(marts)".
    """
    header = ("command", "generated at", "as_of_date", "nodes", "statuses", "elapsed")
    if not run_results.exists():
        return Section("Last dbt run", header, [], note="no run_results.json")
    try:
        data = json.loads(run_results.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        return Section("Last dbt run", header, [], note=f"unreadable run_results.json: {exc}")
    args = data.get("args") or {}
    raw_vars = args.get("vars")
    dbt_vars = raw_vars if isinstance(raw_vars, dict) else {}
    nodes = data.get("results") or []
    counts: dict[str, int] = {}
    for node in nodes:
        counts[str(node.get("status"))] = counts.get(str(node.get("status")), 0) + 1
    statuses = ", ".join(f"{s} {n}" for s, n in sorted(counts.items()))
    row = (
        str(args.get("which", "?")),
        str((data.get("metadata") or {}).get("generated_at", "?")),
        str(dbt_vars.get("as_of_date") or (f"{marts_as_of} (marts)" if marts_as_of else "")),
        str(len(nodes)),
        statuses,
        f"{float(data.get('elapsed_time') or 0):.1f}s",
    )
    return Section("Last dbt run", header, [row])


# --- reading marts -----------------------------------------------------------


EMPTY = "no rows yet in"


class Unavailable(Exception):
    """A relation a chart needs is not built yet, is empty, or cannot be read."""

    def __init__(self, relation: str, message: str) -> None:
        super().__init__(f"{message}: {relation}")
        self.relation = relation
        self.message = message


def read_rows(
    con: duckdb.DuckDBPyConnection, relation: str, sql: str, params: Sequence[Any] = ()
) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` over ``relation``; ``Unavailable`` if it is missing, unreadable or empty."""
    schema, name = relation.split(".", 1)
    if not relation_exists(con, schema, name):
        raise Unavailable(relation, "not built yet")
    try:
        rows = con.execute(sql, list(params)).fetchall()
    except duckdb.Error as exc:
        raise Unavailable(relation, f"cannot read ({' '.join(str(exc).split())[:160]})") from exc
    if not rows:
        raise Unavailable(relation, EMPTY)
    return rows


def as_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


# --- SVG drawing ---------------------------------------------------------------


def _num(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def svg_text(
    x: float,
    y: float,
    text: object,
    *,
    anchor: str = "start",
    size: int = 12,
    fill: str = TEXT_COLOR,
    weight: str = "normal",
    extra: str = "",
) -> str:
    return (
        f'<text x="{_num(x)}" y="{_num(y)}" dy=".35em" text-anchor="{anchor}" '
        f'font-size="{size}" fill="{fill}" font-weight="{weight}"{extra}>{_esc(text)}</text>'
    )


def svg_rect(
    x: float, y: float, w: float, h: float, fill: str, tooltip: str = "", extra: str = ""
) -> str:
    title = f"<title>{_esc(tooltip)}</title>" if tooltip else ""
    return (
        f'<rect class="mark" x="{_num(x)}" y="{_num(y)}" width="{_num(max(w, 0))}" '
        f'height="{_num(max(h, 0))}" fill="{fill}"{extra}>{title}</rect>'
    )


def svg_doc(width: int, height: int, body: Sequence[str], label: str) -> str:
    return (
        f'<svg class="plot" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'style="max-width:{width}px" role="img" aria-label="{_esc(label)}">'
        + "".join(body)
        + "</svg>"
    )


def nice_ticks(vmax: float, count: int = 5, *, integer: bool = True) -> list[float]:
    """Round tick values from 0 to at least ``vmax``."""
    if vmax <= 0:
        return [0.0, 1.0]
    raw = vmax / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = magnitude * 10
    for mult in (1, 2, 2.5, 5, 10):
        if mult * magnitude >= raw:
            step = mult * magnitude
            break
    if integer:
        step = max(1.0, float(round(step)))
    top = math.ceil(vmax / step - 1e-9) * step
    return [i * step for i in range(round(top / step) + 1)]


def tick_label(value: float, *, percent: bool = False) -> str:
    if percent:
        return f"{value * 100:.0f}%"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def text_width(text: str, size: int = 12) -> float:
    return len(text) * size * 0.58


def heat_color(t: float) -> str:
    """A colour on the light-to-dark blue scale, t in [0, 1]."""
    t = min(max(t, 0.0), 1.0)
    pos = t * (len(HEAT_STOPS) - 1)
    i = min(int(pos), len(HEAT_STOPS) - 2)
    frac = pos - i
    a, b = HEAT_STOPS[i], HEAT_STOPS[i + 1]
    rgb = [
        round(int(a[k : k + 2], 16) + (int(b[k : k + 2], 16) - int(a[k : k + 2], 16)) * frac)
        for k in (1, 3, 5)
    ]
    return "#" + "".join(f"{c:02x}" for c in rgb)


def hbar_chart(
    labels: Sequence[str],
    stacks: Sequence[Sequence[float]],
    colors: Sequence[str],
    *,
    value_labels: Sequence[str],
    axis_label: str,
    series_names: Sequence[str] = (),
    width: int = 560,
    bar_colors: Sequence[str] = (),
) -> str:
    """Horizontal bars, one row per label; each row may stack several series."""
    label_w = min(190.0, max(70.0, max(text_width(lab) for lab in labels) + 14))
    value_w = max(text_width(v) for v in value_labels) + 14
    plot_x = label_w
    plot_w = width - label_w - value_w
    row_h, bar_h, top = 26, 18, 8
    rows_h = row_h * len(labels)
    height = top + rows_h + 44
    totals = [sum(s) for s in stacks]
    ticks = nice_ticks(max(totals, default=0), 4)
    scale = plot_w / ticks[-1]
    body: list[str] = []
    for tick in ticks:
        x = plot_x + tick * scale
        body.append(
            f'<line x1="{_num(x)}" y1="{top}" x2="{_num(x)}" y2="{top + rows_h}" stroke="{GRID}"/>'
        )
        body.append(svg_text(x, top + rows_h + 10, tick_label(tick), anchor="middle", size=11))
    body.append(svg_text(plot_x + plot_w / 2, top + rows_h + 30, axis_label, anchor="middle"))
    for i, (label, stack) in enumerate(zip(labels, stacks, strict=True)):
        y = top + i * row_h + (row_h - bar_h) / 2
        body.append(svg_text(label_w - 8, y + bar_h / 2, label, anchor="end"))
        x = plot_x
        for j, value in enumerate(stack):
            if value <= 0:
                continue
            color = bar_colors[i] if bar_colors else colors[j % len(colors)]
            name = f"{series_names[j]}: " if series_names else ""
            w = max(value * scale, 1.5)
            body.append(svg_rect(x, y, w, bar_h, color, f"{label} · {name}{fmt_int(value)}"))
            x += w
        body.append(
            svg_text(x + 6, y + bar_h / 2, value_labels[i], size=11, fill=MUTED, weight="600")
        )
    return svg_doc(width, height, body, axis_label)


@dataclass
class TimeFrame:
    """Axes of a chart over dates: positions of a date and of a value."""

    first: date
    last: date
    vmin: float
    vmax: float
    left: float
    top: float
    plot_w: float
    plot_h: float

    def x(self, day: date) -> float:
        span = (self.last - self.first).days
        if span == 0:
            return self.left + self.plot_w / 2
        return self.left + self.plot_w * (day - self.first).days / span

    def y(self, value: float) -> float:
        return self.top + self.plot_h * (self.vmax - value) / (self.vmax - self.vmin)


def date_label(day: date, span_days: int) -> str:
    return f"{day:%b %Y}" if span_days > 400 else f"{day.day} {day:%b}"


def time_axes(
    frame: TimeFrame, y_ticks: Sequence[float], y_label: str, *, absolute: bool = False
) -> list[str]:
    """Grid lines, tick labels and axis titles of a chart over dates."""
    body: list[str] = []
    right = frame.left + frame.plot_w
    bottom = frame.top + frame.plot_h
    for tick in y_ticks:
        y = frame.y(tick)
        body.append(
            f'<line x1="{_num(frame.left)}" y1="{_num(y)}" x2="{_num(right)}" y2="{_num(y)}" '
            f'stroke="{GRID}"/>'
        )
        label = tick_label(abs(tick) if absolute else tick)
        body.append(svg_text(frame.left - 6, y, label, anchor="end", size=11))
    span = (frame.last - frame.first).days
    count = min(span + 1, 7)
    days = sorted(
        {frame.first + timedelta(days=round(span * i / max(count - 1, 1))) for i in range(count)}
    )
    for day in days:
        x = frame.x(day)
        body.append(
            f'<line x1="{_num(x)}" y1="{_num(bottom)}" x2="{_num(x)}" y2="{_num(bottom + 4)}" '
            f'stroke="{MUTED}"/>'
        )
        body.append(svg_text(x, bottom + 14, date_label(day, span), anchor="middle", size=11))
    body.append(
        f'<line x1="{_num(frame.left)}" y1="{_num(bottom)}" x2="{_num(right)}" '
        f'y2="{_num(bottom)}" stroke="{MUTED}"/>'
    )
    mid_y = frame.top + frame.plot_h / 2
    body.append(
        svg_text(
            14, mid_y, y_label, anchor="middle", extra=f' transform="rotate(-90 14 {_num(mid_y)})"'
        )
    )
    body.append(
        svg_text(frame.left + frame.plot_w / 2, bottom + 34, "date (UTC day)", anchor="middle")
    )
    return body


def stacked_area_chart(
    days: Sequence[date],
    series: Sequence[tuple[str, Sequence[float]]],
    colors: Sequence[str],
    *,
    y_label: str,
    width: int = 760,
    height: int = 300,
) -> str:
    """Series stacked on each other over ``days`` (ascending, at least two)."""
    frame_totals = [sum(values[i] for _, values in series) for i in range(len(days))]
    ticks = nice_ticks(max(frame_totals, default=0), 5)
    frame = TimeFrame(days[0], days[-1], 0.0, ticks[-1], 64, 12, width - 64 - 16, height - 60)
    body = time_axes(frame, ticks, y_label)
    base = [0.0] * len(days)
    for (name, values), color in zip(series, colors, strict=True):
        upper = [b + v for b, v in zip(base, values, strict=True)]
        top_pts = [
            f"{_num(frame.x(d))},{_num(frame.y(u))}" for d, u in zip(days, upper, strict=True)
        ]
        bottom_pts = [
            f"{_num(frame.x(d))},{_num(frame.y(b))}"
            for d, b in zip(reversed(days), reversed(base), strict=True)
        ]
        last = values[-1]
        body.append(
            f'<path class="mark" d="M{" L".join(top_pts + bottom_pts)} Z" fill="{color}" '
            f'fill-opacity="0.88" stroke="#ffffff" stroke-width="0.6">'
            f"<title>{_esc(name)}: {fmt_int(last)} leads on {days[-1]}</title></path>"
        )
        base = upper
    return svg_doc(width, height, body, y_label)


def line_chart(
    days: Sequence[date],
    series: Sequence[tuple[str, Sequence[float | None]]],
    colors: Sequence[str],
    *,
    y_label: str,
    width: int = 760,
    height: int = 300,
) -> str:
    """One line per series over ``days``, labelled with its last value at the right."""
    values = [v for _, vs in series for v in vs if v is not None]
    ticks = nice_ticks(max(values, default=0), 5)
    right_w = 110
    frame = TimeFrame(days[0], days[-1], 0.0, ticks[-1], 64, 12, width - 64 - right_w, height - 60)
    body = time_axes(frame, ticks, y_label)
    ends: list[tuple[float, str, str]] = []
    for (name, vs), color in zip(series, colors, strict=True):
        points = [(frame.x(d), frame.y(v)) for d, v in zip(days, vs, strict=True) if v is not None]
        if not points:
            continue
        if len(points) > 1:
            path = " L".join(f"{_num(x)},{_num(y)}" for x, y in points)
            body.append(
                f'<path class="mark" d="M{path}" fill="none" stroke="{color}" stroke-width="2.2" '
                f'stroke-linejoin="round"><title>{_esc(name)}</title></path>'
            )
        last_value = next(v for v in reversed(vs) if v is not None)
        x, y = points[-1]
        body.append(
            f'<circle class="mark" cx="{_num(x)}" cy="{_num(y)}" r="3.5" fill="{color}">'
            f"<title>{_esc(name)}: {fmt_int(last_value)}</title></circle>"
        )
        ends.append((y, f"{name} {fmt_int(last_value)}", color))
    ends.sort()
    placed: list[float] = []
    for y, label, color in ends:
        y = max(y, placed[-1] + 15) if placed else y
        placed.append(y)
        x = frame.x(days[-1]) + 8
        body.append(svg_text(x, y, label, fill=color, weight="600"))
    return svg_doc(width, height, body, y_label)


def diverging_bar_chart(
    days: Sequence[date],
    up: Sequence[float],
    down: Sequence[float],
    *,
    up_name: str,
    down_name: str,
    up_color: str,
    down_color: str,
    y_label: str,
    width: int = 760,
    height: int = 240,
) -> str:
    """Per day, ``up`` above the zero line and ``down`` below it."""
    peak = max([*up, *down, 0])
    ticks = nice_ticks(peak, 3)
    top_tick = ticks[-1]
    frame = TimeFrame(days[0], days[-1], -top_tick, top_tick, 64, 12, width - 64 - 16, height - 60)
    all_ticks = sorted({*(-t for t in ticks), *ticks})
    body = time_axes(frame, all_ticks, y_label, absolute=True)
    span = max((days[-1] - days[0]).days, 1)
    bar_w = max(min(frame.plot_w / (span + 1) * 0.75, 24), 1.0)
    zero = frame.y(0)
    for day, up_v, down_v in zip(days, up, down, strict=True):
        x = frame.x(day) - bar_w / 2
        if up_v > 0:
            top = frame.y(up_v)
            body.append(
                svg_rect(x, top, bar_w, zero - top, up_color, f"{day}: {fmt_int(up_v)} {up_name}")
            )
        if down_v > 0:
            bottom = frame.y(-down_v)
            body.append(
                svg_rect(
                    x,
                    zero,
                    bar_w,
                    bottom - zero,
                    down_color,
                    f"{day}: {fmt_int(down_v)} {down_name}",
                )
            )
    body.append(
        f'<line x1="{_num(frame.left)}" y1="{_num(zero)}" x2="{_num(frame.left + frame.plot_w)}" '
        f'y2="{_num(zero)}" stroke="{TEXT_COLOR}"/>'
    )
    return svg_doc(width, height, body, y_label)


@dataclass
class HeatCell:
    value: float | None  # drives the colour; None draws an empty cell
    text: str = ""
    sub: str = ""
    tooltip: str = ""


def heat_grid(
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    cells: dict[tuple[int, int], HeatCell],
    *,
    row_title: str,
    col_title: str,
    legend_label: str,
    legend_format: Callable[[float], str] = tick_label,
    cell_w: int = 84,
    cell_h: int = 34,
) -> str:
    """A rows x columns grid of cells coloured by value (light = low, dark = high).

    Column labels wider than a cell are drawn slanted above it.
    """
    left = max(70.0, max(text_width(r) for r in row_labels) + 16) + 18
    col_text = max(text_width(c) for c in col_labels)
    slanted = col_text > cell_w - 6
    top = 28 + (col_text * 0.6 + 8 if slanted else 16)
    grid_w, grid_h = cell_w * len(col_labels), cell_h * len(row_labels)
    values = [c.value for c in cells.values() if c.value is not None]
    vmax = max(values, default=0.0) or 1.0
    steps, step_w = 6, 28
    legend_end = left + steps * step_w + 6 + text_width(legend_format(vmax), 11)
    slant_end = left + grid_w - cell_w / 2 + (col_text * 0.82 if slanted else 0)
    width = round(max(left + grid_w, legend_end, slant_end) + 10)
    height = round(top + grid_h + 62)
    body = [svg_text(left + grid_w / 2, 10, col_title, anchor="middle", fill=MUTED)]
    for j, col in enumerate(col_labels):
        x, y = left + (j + 0.5) * cell_w, top - 10
        if slanted:
            turn = f' transform="rotate(-35 {_num(x - 4)} {_num(y)})"'
            body.append(svg_text(x - 4, y, col, extra=turn))
        else:
            body.append(svg_text(x, y, col, anchor="middle", size=11 if cell_w < 40 else 12))
    mid_y = top + grid_h / 2
    turn = f' transform="rotate(-90 8 {_num(mid_y)})"'
    body.append(svg_text(8, mid_y, row_title, anchor="middle", fill=MUTED, extra=turn))
    for i, row in enumerate(row_labels):
        body.append(svg_text(left - 8, top + (i + 0.5) * cell_h, row, anchor="end"))
        for j in range(len(col_labels)):
            cell = cells.get((i, j)) or HeatCell(None, tooltip="no data")
            x, y = left + j * cell_w, top + i * cell_h
            if cell.value is None:
                body.append(
                    f'<rect x="{_num(x)}" y="{_num(y)}" width="{cell_w}" height="{cell_h}" '
                    f'fill="#f8f9fa" stroke="#ffffff"><title>{_esc(cell.tooltip)}</title></rect>'
                )
                continue
            t = cell.value / vmax
            body.append(
                svg_rect(x, y, cell_w, cell_h, heat_color(t), cell.tooltip, ' stroke="#fff"')
            )
            ink = "#ffffff" if t > 0.55 else TEXT_COLOR
            cx, cy = x + cell_w / 2, y + cell_h / 2
            if cell.sub:
                body.append(svg_text(cx, cy + 8, cell.sub, anchor="middle", size=10, fill=ink))
                cy -= 7
            if cell.text:
                body.append(svg_text(cx, cy, cell.text, anchor="middle", fill=ink, weight="600"))
    ly = top + grid_h + 20
    body.append(svg_text(left - 6, ly + 7, legend_format(0), anchor="end", size=11, fill=MUTED))
    for k in range(steps):
        color = heat_color(k / (steps - 1))
        body.append(
            f'<rect x="{_num(left + k * step_w)}" y="{_num(ly)}" width="{step_w}" height="14" '
            f'fill="{color}"/>'
        )
    body.append(
        svg_text(left + steps * step_w + 6, ly + 7, legend_format(vmax), size=11, fill=MUTED)
    )
    body.append(
        svg_text(
            left + steps * step_w / 2, ly + 26, legend_label, anchor="middle", size=11, fill=MUTED
        )
    )
    return svg_doc(width, height, body, legend_label)


# --- page pieces ----------------------------------------------------------------

WIDE = 1120
HALF = 540


def legend_html(items: Sequence[tuple[str, str]]) -> str:
    entries = "".join(
        f'<li><span class="swatch" style="background:{color}"></span>{_esc(label)}</li>'
        for label, color in items
    )
    return f'<ul class="legend">{entries}</ul>'


def figure(
    key: str,
    title: str,
    what: str,
    body: str,
    *,
    legend: Sequence[tuple[str, str]] = (),
    attrs: dict[str, str] | None = None,
    wide: bool = False,
) -> str:
    """A chart card: title, legend, the chart, and one line saying what it shows."""
    extra = "".join(f' data-{k}="{_esc(v)}"' for k, v in (attrs or {}).items())
    cls = "chart wide" if wide else "chart"
    return (
        f'<figure class="{cls}" data-chart="{_esc(key)}"{extra}>'
        f"<h3>{_esc(title)}</h3>"
        + (legend_html(legend) if legend else "")
        + f'<div class="plot-wrap">{body}</div>'
        + f'<figcaption class="what">{_esc(what)}</figcaption></figure>'
    )


def placeholder(key: str, title: str, problem: Unavailable, *, wide: bool = False) -> str:
    cls = "chart placeholder wide" if wide else "chart placeholder"
    return (
        f'<figure class="{cls}" data-chart="{_esc(key)}" data-missing="{_esc(problem.relation)}">'
        f"<h3>{_esc(title)}</h3>"
        f'<div class="placeholder-box">{_esc(problem.message)}: '
        f"<code>{_esc(problem.relation)}</code></div></figure>"
    )


def table_html(section: Section, key: str) -> str:
    """A plain table: numeric columns right-aligned, a failed check ("NO") in red."""
    if not section.rows:
        return f'<p class="note" data-table="{_esc(key)}">{_esc(section.note)}</p>'
    numeric = [all(is_number(r[i]) for r in section.rows) for i in range(len(section.header))]
    head = "".join(
        f'<th class="num">{_esc(h)}</th>' if num else f"<th>{_esc(h)}</th>"
        for h, num in zip(section.header, numeric, strict=True)
    )

    def cell(value: str, num: bool) -> str:
        cls = "num" if num else "bad" if value == "NO" else ""
        return f'<td class="{cls}">{_esc(value)}</td>' if cls else f"<td>{_esc(value)}</td>"

    body = "".join(
        "<tr>" + "".join(cell(v, n) for v, n in zip(row, numeric, strict=True)) + "</tr>"
        for row in section.rows
    )
    note = f'<p class="note">{_esc(section.note)}</p>' if section.note else ""
    return (
        f'<div class="table-wrap"><table class="data" data-table="{_esc(key)}"><thead><tr>'
        f"{head}</tr></thead><tbody>{body}</tbody></table></div>{note}"
    )


@dataclass
class Kpi:
    label: str
    value: int
    of: int | None = None  # the whole the value is a share of


@dataclass
class Page:
    """Everything the report shows, ready to render as HTML or text."""

    db_path: Path
    as_of: str = ""
    kpis: list[Kpi] = field(default_factory=list)
    kpi_problem: Unavailable | None = None
    segments: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    # (anchor, heading, intro, html) per section, in page order
    sections: list[tuple[str, str, str, str]] = field(default_factory=list)
    text: list[Section] = field(default_factory=list)
    charts: int = 0
    unavailable: list[Unavailable] = field(default_factory=list)


class PageBuilder:
    """Reads the marts through one read-only connection and draws each section."""

    def __init__(self, con: duckdb.DuckDBPyConnection, page: Page) -> None:
        self.con = con
        self.page = page

    def rows(self, relation: str, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return read_rows(self.con, relation, sql, params)

    def chart(self, key: str, title: str, build: Callable[[], str], *, wide: bool = False) -> str:
        """A chart card, or a placeholder card when its relation is not available."""
        try:
            card = build()
        except Unavailable as problem:
            return self.missing(key, title, problem, wide=wide)
        except (ArithmeticError, LookupError, TypeError, ValueError) as exc:
            # data of a shape the drawing did not expect: say so, draw the rest
            failure = Unavailable(f"chart {key}", f"could not draw ({type(exc).__name__}: {exc})")
            return self.missing(key, title, failure, wide=wide)
        self.page.charts += 1
        return card

    def missing(self, key: str, title: str, problem: Unavailable, *, wide: bool = False) -> str:
        self.page.unavailable.append(problem)
        return placeholder(key, title, problem, wide=wide)

    def section(self, anchor: str, cards: Sequence[str], grid: str, extra: str = "") -> None:
        title, intro = SECTIONS[anchor]
        body = f'<div class="{grid}">{"".join(cards)}</div>{extra}'
        self.page.sections.append((anchor, title, intro, body))

    # 1. headline numbers and today's segments

    def headline(self) -> None:
        try:
            (row,) = self.rows(
                FCT_ENGAGEMENT,
                "select count(*), count(*) filter (where engaged_days_30d > 0), "
                "count(*) filter (where is_contactable_sms), "
                "count(*) filter (where is_contactable_email), "
                "count(*) filter (where is_contactable_push), max(as_of_date) "
                f"from {FCT_ENGAGEMENT}",
            )
        except Unavailable as problem:
            self.page.kpi_problem = problem
            self.page.unavailable.append(problem)
            return
        leads, engaged, sms, email, push, as_of = row
        self.page.as_of = str(as_of or "")
        self.page.kpis = [
            Kpi("leads", leads),
            Kpi("engaged in the last 30 days", engaged, leads),
            Kpi("contactable by SMS", sms, leads),
            Kpi("contactable by email", email, leads),
            Kpi("contactable by push", push, leads),
        ]

    def distribution(self, column: str, kind: str, title: str, what: str) -> str:
        def build() -> str:
            counts = dict(
                self.rows(
                    FCT_ENGAGEMENT,
                    f"select {column}, count(*) from {FCT_ENGAGEMENT} group by 1",
                )
            )
            values = ordered(counts, kind)
            total = sum(counts.values())
            self.page.segments[column] = [(pretty(v), counts[v]) for v in values]
            body = hbar_chart(
                [pretty(v) for v in values],
                [[counts[v]] for v in values],
                [],
                value_labels=[
                    f"{counts[v]:,} · {fmt_share(share(counts[v], total))}" for v in values
                ],
                axis_label="leads",
                bar_colors=colors_for(values, kind),
                width=HALF,
            )
            return figure("segment-distribution", title, what, body, attrs={"column": column})

        return self.chart("segment-distribution", title, build)

    def segments_today(self) -> None:
        specs = (
            (
                "activity_segment",
                "activity_segment",
                "Activity segment",
                "How leads use their channels now: active, episodic, dormant or inactive.",
            ),
            (
                "lifecycle_state",
                "lifecycle_state",
                "Lifecycle state",
                "Where each lead is in its journey today (first matching rule wins).",
            ),
            (
                "rfm_segment",
                "rfm_segment",
                "RFM segment",
                "Leads by recency and frequency of engagement over the last 365 days.",
            ),
            (
                "preferred_channel",
                "channel",
                "Preferred channel",
                "Each lead's most-used channel in the last 90 days; 'none yet' = no engagement.",
            ),
        )
        cards = [self.distribution(*spec) for spec in specs]
        self.section("segments", cards, "grid")

    # 2. segment sizes over time

    def segment_sizes(self) -> None:
        title = SECTIONS["segment-sizes"][0]
        try:
            rows = self.rows(
                AGG_SEGMENT_DAILY,
                "select segment_column, activity_date, segment_value, leads "
                f"from {AGG_SEGMENT_DAILY} order by 1, 2, 3",
            )
        except Unavailable as problem:
            card = self.missing("segment-sizes", title, problem, wide=True)
            self.section("segment-sizes", [card], "grid")
            return
        by_column: dict[str, dict[tuple[date, Any], float]] = {}
        for column, day, value, leads in rows:
            by_column.setdefault(str(column), {})[(as_date(day), value)] = float(leads or 0)
        cards = []
        for column in ordered(by_column, "segment_column"):
            cards.append(
                self.chart(
                    "segment-sizes",
                    column_title(column),
                    partial(self._segment_sizes_card, column, by_column[column]),
                    wide=True,
                )
            )
        self.section("segment-sizes", cards, "grid")

    def _segment_sizes_card(self, column: str, cells: dict[tuple[date, Any], float]) -> str:
        days = sorted({d for d, _ in cells})
        values = ordered({v for _, v in cells}, column)
        colors = colors_for(values, column)
        legend = [(pretty(v), c) for v, c in zip(values, colors, strict=True)]
        attrs = {"column": column}
        if len(days) == 1:
            day = days[0]
            counts = [cells.get((day, v), 0.0) for v in values]
            body = hbar_chart(
                [pretty(v) for v in values],
                [[n] for n in counts],
                [],
                value_labels=[fmt_int(n) for n in counts],
                axis_label=f"leads on {day}",
                bar_colors=colors,
                width=HALF,
            )
            what = f"Leads per {column_noun(column)} on {day}: only one day of history so far."
            return figure("segment-sizes", column_title(column), what, body, attrs=attrs)
        series = [(pretty(v), [cells.get((d, v), 0.0) for d in days]) for v in values]
        body = stacked_area_chart(days, series, colors, y_label="leads", width=WIDE)
        what = (
            f"Leads per {column_noun(column)} each day from {days[0]} to {days[-1]}, stacked: "
            "the top edge is all leads; hover a band for its latest count."
        )
        return figure(
            "segment-sizes", column_title(column), what, body, legend=legend, attrs=attrs, wide=True
        )

    # 3. lifecycle transitions

    def transitions(self) -> None:
        title = SECTIONS["transitions"][0]
        cards: list[str] = []
        try:
            ((last,),) = self.rows(
                AGG_TRANSITIONS, f"select max(transition_date) from {AGG_TRANSITIONS}"
            )
            if last is None:
                raise Unavailable(AGG_TRANSITIONS, EMPTY)
        except Unavailable as problem:
            cards.append(self.missing("lifecycle-transitions", title, problem))
            self.section("transitions", cards, "grid")
            return
        last_day = as_date(last)
        week_start = last_day - timedelta(days=TRANSITION_WINDOW_DAYS - 1)
        for key, start, label in (
            ("lifecycle-transitions-day", last_day, f"Moves on {last_day}"),
            (
                "lifecycle-transitions-week",
                week_start,
                f"Moves in the last {TRANSITION_WINDOW_DAYS} days ({week_start} – {last_day})",
            ),
        ):
            cards.append(
                self.chart(
                    key,
                    label,
                    partial(self._transition_card, key, label, start, last_day),
                )
            )
        self.section("transitions", cards, "grid")

    def _transition_card(self, key: str, title: str, start: date, end: date) -> str:
        rows = self.rows(
            AGG_TRANSITIONS,
            f"select from_state, to_state, sum(leads) from {AGG_TRANSITIONS} "
            "where transition_date between ? and ? group by 1, 2",
            (start, end),
        )
        counts = {(f, t): float(n or 0) for f, t, n in rows}
        from_states = ordered({f for f, _ in counts}, "lifecycle_state")
        to_states = ordered({t for _, t in counts}, "lifecycle_state")
        cells = {}
        for i, f in enumerate(from_states):
            for j, t in enumerate(to_states):
                n = counts.get((f, t))
                tip = f"{pretty(f)} → {pretty(t)}: {fmt_int(n or 0)} leads"
                cells[(i, j)] = HeatCell(n, fmt_int(n) if n else "", tooltip=tip)
        body = heat_grid(
            [pretty(f) for f in from_states],
            [pretty(t) for t in to_states],
            cells,
            row_title="from",
            col_title="to →",
            legend_label="leads",
            cell_w=58,
            cell_h=30,
        )
        total = sum(counts.values())
        what = f"{fmt_int(total)} moves in all; darker cells are the more common moves."
        return figure(key, title, what, body)

    # 4. channel effectiveness

    def channel_effectiveness(self) -> None:
        cards = [
            self.chart(
                "channel-effectiveness",
                f"Response rate by {column_noun(column)}",
                partial(self._channel_card, column),
            )
            for column in ("activity_segment", "lifecycle_state")
        ]
        self.section("channels", cards, "grid")

    def _channel_card(self, column: str) -> str:
        rows = self.rows(
            AGG_CHANNELS,
            "select segment_value, channel, leads, delivered, responses, response_rate, "
            f"converted_leads from {AGG_CHANNELS} where segment_column = ?",
            (column,),
        )
        data = {(v, ch): (ld, dl, rs, rr, cv) for v, ch, ld, dl, rs, rr, cv in rows}
        values = ordered({v for v, _ in data}, column)
        channels = ordered({ch for _, ch in data}, "channel")
        cells = {}
        for i, value in enumerate(values):
            for j, channel in enumerate(channels):
                if (value, channel) not in data:
                    continue
                leads, delivered, responses, rate, converted = data[(value, channel)]
                tip = (
                    f"{pretty(value)} on {channel}: {fmt_int(responses)} responses to "
                    f"{fmt_int(delivered)} delivered ({fmt_pct(rate)}); {fmt_int(leads)} leads, "
                    f"{fmt_int(converted)} converted"
                )
                cells[(i, j)] = HeatCell(
                    None if rate is None else float(rate),
                    fmt_pct(rate),
                    f"{fmt_int(delivered)} sent",
                    tip,
                )
        body = heat_grid(
            [pretty(v) for v in values],
            channels,
            cells,
            row_title=column_noun(column),
            col_title="channel →",
            legend_label="response rate",
            legend_format=lambda v: tick_label(v, percent=True),
            cell_w=86,
            cell_h=40,
        )
        what = (
            f"Response rate per {column_noun(column)} and channel; darker = more responses per "
            "message. Hover a cell for leads and conversions."
        )
        return figure(
            "channel-effectiveness",
            f"Response rate by {column_noun(column)}",
            what,
            body,
            attrs={"column": column},
        )

    # 5. local-time heatmap

    def local_hours(self) -> None:
        title = SECTIONS["local-time"][0]
        heat = self.chart("local-hour-heatmap", title, self._local_hour_card, wide=True)
        dayparts = self.chart("daypart-events", "Engagement by daypart", self._daypart_card)
        preferred = self.distribution(
            "preferred_daypart",
            "daypart",
            "Leads by preferred daypart",
            "When each lead engages most often, local time, last 90 days.",
        )
        self.section("local-time", [heat, dayparts, preferred], "grid")

    def _local_hour_card(self) -> str:
        rows = self.rows(
            AGG_LOCAL_HOUR,
            "select local_day_of_week, local_hour, daypart, engagement_events, leads "
            f"from {AGG_LOCAL_HOUR}",
        )
        cells: dict[tuple[int, int], list[Any]] = {}
        for dow, hour, daypart, events, leads in rows:
            if dow is None or hour is None or not (1 <= dow <= 7 and 0 <= hour <= 23):
                continue
            cell = cells.setdefault((int(dow) - 1, int(hour)), [0.0, 0.0, daypart])
            cell[0] += float(events or 0)
            cell[1] += float(leads or 0)
        if not cells:
            raise Unavailable(AGG_LOCAL_HOUR, EMPTY)
        heat = {}
        for (i, j), (events, leads, daypart) in cells.items():
            tip = (
                f"{WEEKDAYS[i]} {j:02d}:00–{j:02d}:59 ({pretty(daypart)}): "
                f"{fmt_int(events)} events from {fmt_int(leads)} leads"
            )
            heat[(i, j)] = HeatCell(events, tooltip=tip)
        body = heat_grid(
            list(WEEKDAYS),
            [f"{h:02d}" for h in range(24)],
            heat,
            row_title="weekday",
            col_title="local hour →",
            legend_label="engagement events",
            cell_w=42,
            cell_h=30,
        )
        (pi, pj), (pe, _, pd) = max(cells.items(), key=lambda kv: kv[1][0])
        what = (
            f"Darker = more engagement events. Busiest hour: {WEEKDAYS[pi]} "
            f"{pj:02d}:00–{pj:02d}:59 ({pretty(pd)}, {fmt_int(pe)} events)."
        )
        return figure("local-hour-heatmap", "Weekday × local hour", what, body, wide=True)

    def _daypart_card(self) -> str:
        rows = self.rows(
            AGG_LOCAL_HOUR,
            f"select daypart, sum(engagement_events) from {AGG_LOCAL_HOUR} group by 1",
        )
        counts = {d: float(n or 0) for d, n in rows}
        parts = ordered(counts, "daypart")
        total = sum(counts.values())
        body = hbar_chart(
            [pretty(p) for p in parts],
            [[counts[p]] for p in parts],
            [],
            value_labels=[
                f"{fmt_int(counts[p])} · {fmt_share(share(counts[p], total))}" for p in parts
            ],
            axis_label="engagement events",
            bar_colors=colors_for(parts, "daypart"),
            width=HALF,
        )
        what = "Engagement events per daypart, summed over the heatmap above."
        return figure("daypart-events", "Engagement by daypart", what, body)

    # 6. DAU / WAU / MAU

    def engagement_kpis(self) -> None:
        title = SECTIONS["kpis"][0]
        try:
            rows = self.rows(
                AGG_KPIS,
                "select activity_date, dau, wau, mau, new_leads, churned_leads "
                f"from {AGG_KPIS} order by 1",
            )
        except Unavailable as problem:
            cards = [
                self.missing("engagement-kpis", title, problem, wide=True),
                self.missing("new-churned", "New and churned leads", problem, wide=True),
            ]
            self.section("kpis", cards, "grid")
            return
        days = [as_date(r[0]) for r in rows]
        colors = ["#4e79a7", "#f08a2b", "#3a923a"]
        series = [
            (name, [None if r[k] is None else float(r[k]) for r in rows])
            for name, k in (("DAU", 1), ("WAU", 2), ("MAU", 3))
        ]
        lines = figure(
            "engagement-kpis",
            title,
            "Distinct leads engaged that day (DAU), in the 7 days (WAU) and 30 days (MAU) "
            + (
                f"up to it, {days[0]} – {days[-1]}."
                if len(days) > 1
                else f"up to {days[0]}: only one day of history so far."
            ),
            line_chart(days, series, colors, y_label="engaged leads", width=WIDE),
            legend=list(zip(["DAU (day)", "WAU (7 days)", "MAU (30 days)"], colors, strict=True)),
            wide=True,
        )
        new = [float(r[4] or 0) for r in rows]
        churned = [float(r[5] or 0) for r in rows]
        bars = figure(
            "new-churned",
            "New and churned leads per day",
            f"Leads added each day (up, {fmt_int(sum(new))} in all) and leads that churned "
            f"(down, {fmt_int(sum(churned))} in all).",
            diverging_bar_chart(
                days,
                new,
                churned,
                up_name="new leads",
                down_name="churned leads",
                up_color="#3a923a",
                down_color="#d9534f",
                y_label="leads",
                width=WIDE,
            ),
            legend=[("new leads", "#3a923a"), ("churned leads", "#d9534f")],
            wide=True,
        )
        self.page.charts += 2
        self.section("kpis", [lines, bars], "grid")

    # 7. reachability

    def reachability(self) -> None:
        title = SECTIONS["reachability"][0]
        try:
            rows = self.rows(
                AGG_REACHABILITY,
                "select segment_column, segment_value, channel, leads, reachable_leads, "
                f"reachable_share from {AGG_REACHABILITY}",
            )
        except Unavailable as problem:
            card = self.missing("reachability", title, problem)
            self.section("reachability", [card], "grid3")
            return
        by_column: dict[str, list[tuple[Any, ...]]] = {}
        for row in rows:
            by_column.setdefault(str(row[0]), []).append(row[1:])
        cards = [
            self.chart(
                "reachability",
                f"By {column_noun(column)}",
                partial(self._reach_card, column, by_column[column]),
            )
            for column in ordered(by_column, "segment_column")
        ]
        self.section("reachability", cards, "grid3")

    def _reach_card(self, column: str, rows: list[tuple[Any, ...]]) -> str:
        data = {(v, ch): (ld, rl, sh) for v, ch, ld, rl, sh in rows}
        values = ordered({v for v, _ in data}, column)
        channels = ordered({ch for _, ch in data}, "channel")
        cells = {}
        for i, value in enumerate(values):
            for j, channel in enumerate(channels):
                if (value, channel) not in data:
                    continue
                leads, reachable, reach_share = data[(value, channel)]
                tip = (
                    f"{pretty(value)} by {channel}: {fmt_int(reachable)} of "
                    f"{fmt_int(leads)} leads reachable ({fmt_pct(reach_share)})"
                )
                cells[(i, j)] = HeatCell(
                    None if reach_share is None else float(reach_share),
                    fmt_pct(reach_share, 0),
                    fmt_int(reachable),
                    tip,
                )
        body = heat_grid(
            [pretty(v) for v in values],
            channels,
            cells,
            row_title=column_noun(column),
            col_title="channel →",
            legend_label="reachable share",
            legend_format=lambda v: tick_label(v, percent=True),
            cell_w=74,
            cell_h=38,
        )
        what = (
            f"Share of each {column_noun(column)} reachable per channel; darker = more reachable."
        )
        return figure(
            "reachability", f"By {column_noun(column)}", what, body, attrs={"column": column}
        )

    # 8. data quality and the warehouse

    def data_quality(self, run_results: Path) -> None:
        title = "Quarantined rows by reason"
        try:
            counts: list[tuple[str, str, int]] | Unavailable = quarantined(self.con)
        except Unavailable as problem:
            counts = problem
        if isinstance(counts, Unavailable):
            chart = self.missing("quarantine-reasons", title, counts)
        else:
            chart = self.chart("quarantine-reasons", title, partial(quarantine_card, counts))
        recon = reconciliation(self.con)
        relations = relation_counts(self.con)
        run = last_run(run_results, self.page.as_of)
        qtable = quarantine_section(counts)
        self.page.text.extend([run, recon, qtable, relations])
        recon_card = (
            '<figure class="chart" data-table-card="raw-reconciliation">'
            f"<h3>{_esc(recon.title)}</h3>{table_html(recon, 'raw-reconciliation')}"
            '<figcaption class="what">Every raw row ends clean, as a duplicate, or in '
            "quarantine; conserved = nothing dropped.</figcaption></figure>"
        )
        details = "".join(
            f"<details><summary>{_esc(summary)}</summary>{table_html(section, key)}</details>"
            for summary, section, key in (
                (run.title, run, "last-run"),
                (f"{qtable.title} by table and reason", qtable, "quarantine"),
                (
                    f"{relations.title} ({len(relations.rows)} relations, by layer)",
                    relations,
                    "relation-counts",
                ),
            )
        )
        self.section(
            "data-quality", [chart, recon_card], "grid", f'<div class="details">{details}</div>'
        )


def quarantine_card(counts: list[tuple[str, str, int]]) -> str:
    title = "Quarantined rows by reason"
    if not counts:
        box = '<div class="placeholder-box ok">no quarantined rows</div>'
        return figure("quarantine-reasons", title, "No raw row was quarantined.", box)
    by_pair = {(r, t): float(n) for t, r, n in counts}
    totals: dict[str, float] = {}
    for (reason, _), n in by_pair.items():
        totals[reason] = totals.get(reason, 0.0) + n
    reasons = sorted(totals, key=lambda r: (-totals[r], r))
    tables = sorted({t for _, t in by_pair})
    colors = [PALETTE[i % len(PALETTE)] for i in range(len(tables))]
    body = hbar_chart(
        [pretty(r) for r in reasons],
        [[by_pair.get((r, t), 0.0) for t in tables] for r in reasons],
        colors,
        value_labels=[fmt_int(totals[r]) for r in reasons],
        axis_label="quarantined rows",
        series_names=tables,
        width=HALF,
    )
    what = f"{fmt_int(sum(totals.values()))} raw rows set aside, by reason and source table."
    legend = list(zip(tables, colors, strict=True))
    return figure("quarantine-reasons", title, what, body, legend=legend)


# --- the report --------------------------------------------------------------


def collect(db_path: Path, run_results: Path) -> Page:
    """Read everything the report shows from the warehouse (read-only)."""
    if not db_path.exists():
        raise ReportError(f"no warehouse at {db_path}: run `leadpulse build` first")
    try:
        con = duckdb.connect(str(db_path), read_only=True)
    except duckdb.Error as exc:
        raise ReportError(f"cannot open {db_path}: {' '.join(str(exc).split())}") from exc
    page = Page(db_path=db_path)
    try:
        con.execute("set enable_progress_bar = false")
        builder = PageBuilder(con, page)
        builder.headline()
        builder.segments_today()
        builder.segment_sizes()
        builder.transitions()
        builder.channel_effectiveness()
        builder.local_hours()
        builder.engagement_kpis()
        builder.reachability()
        builder.data_quality(run_results)
    finally:
        con.close()
    return page


CSS = """
:root { --ink: #1f2933; --muted: #6b7480; --line: #e3e7ec; --bg: #f4f5f7; --accent: #1f6cb0; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans", Arial,
  sans-serif; }
main { max-width: 1240px; margin: 0 auto; padding: 28px 28px 64px; }
header.top h1 { font-size: 1.75rem; margin: 0 0 4px; letter-spacing: -0.01em; }
p.meta { color: var(--muted); font-size: 0.85rem; margin: 0; }
nav.toc { display: flex; flex-wrap: wrap; gap: 4px 16px; margin: 18px 0 0; font-size: 0.88rem; }
nav.toc a { color: var(--accent); text-decoration: none; }
nav.toc a:hover { text-decoration: underline; }
section { margin-top: 36px; }
h2 { font-size: 1.3rem; margin: 0 0 2px; }
p.intro { color: var(--muted); margin: 0 0 14px; max-width: 88ch; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(460px, 1fr)); gap: 16px; }
.grid3 { display: grid; grid-template-columns: repeat(auto-fit, minmax(330px, 1fr)); gap: 16px;
  align-items: start; }
.grid.wide { grid-template-columns: 1fr; }
.grid > .wide { grid-column: 1 / -1; }
figure.chart { margin: 0; background: #fff; border: 1px solid var(--line); border-radius: 10px;
  padding: 14px 18px 12px; min-width: 0; display: flex; flex-direction: column; }
figure.chart h3 { font-size: 1rem; margin: 0 0 8px; }
.plot-wrap { overflow-x: auto; }
svg.plot { display: block; width: 100%; height: auto; font-family: inherit; }
svg.plot rect.mark:hover, svg.plot path.mark:hover { opacity: 0.8; }
figcaption.what { color: var(--muted); font-size: 0.84rem; margin-top: auto; padding-top: 8px; }
.table-wrap { overflow-x: auto; }
ul.legend { list-style: none; padding: 0; margin: 0 0 8px; display: flex; flex-wrap: wrap;
  gap: 2px 14px; font-size: 0.8rem; color: var(--muted); }
.swatch { display: inline-block; width: 11px; height: 11px; border-radius: 2px; margin-right: 5px;
  vertical-align: -1px; }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(190px, 1fr)); gap: 12px;
  margin-top: 18px; }
.kpi { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 14px 18px; }
.kpi .value { font-size: 2rem; font-weight: 700; line-height: 1.15;
  font-variant-numeric: tabular-nums; }
.kpi .label { font-weight: 600; font-size: 0.92rem; }
.kpi .sub { color: var(--muted); font-size: 0.82rem; }
.kpi .meter { height: 6px; background: #e8ecf0; border-radius: 3px; margin-top: 8px;
  overflow: hidden; }
.kpi .meter span { display: block; height: 100%; background: var(--accent); }
.placeholder-box { border: 2px dashed #c3cad3; border-radius: 8px; padding: 26px 16px;
  text-align: center; color: var(--muted); background: #fafbfc; }
.placeholder-box.ok { border-color: #9fd19f; color: #2f7a2f; background: #f4fbf4; }
.placeholder-box code { color: var(--ink); }
table.data { border-collapse: collapse; font-size: 0.82rem; width: 100%; }
table.data th, table.data td { padding: 4px 6px; border-bottom: 1px solid var(--line);
  text-align: left; }
table.data th { background: #f3f5f7; font-weight: 600; white-space: nowrap; }
table.data td.num, table.data th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.data td.bad { color: #c0392b; font-weight: 700; }
.details { margin-top: 16px; display: grid; gap: 8px; }
details { background: #fff; border: 1px solid var(--line); border-radius: 10px;
  padding: 10px 18px; }
details summary { cursor: pointer; font-weight: 600; }
details table.data { margin-top: 10px; }
p.note { color: var(--muted); font-size: 0.85rem; }
footer { margin-top: 40px; color: var(--muted); font-size: 0.8rem; }
"""


def kpis_html(page: Page) -> str:
    if page.kpi_problem is not None:
        problem = page.kpi_problem
        return (
            '<div class="kpis" data-chart="headline">'
            f'<div class="placeholder-box" data-missing="{_esc(problem.relation)}">'
            f"{_esc(problem.message)}: <code>{_esc(problem.relation)}</code></div></div>"
        )
    cards = []
    for kpi in page.kpis:
        pct = share(kpi.value, kpi.of)
        sub = f"{fmt_pct(pct)} of all leads" if kpi.of is not None else f"as of {page.as_of}"
        meter = (
            f'<div class="meter"><span style="width:{(pct or 0) * 100:.1f}%"></span></div>'
            if kpi.of is not None
            else ""
        )
        cards.append(
            f'<div class="kpi"><div class="value">{fmt_int(kpi.value)}</div>'
            f'<div class="label">{_esc(kpi.label)}</div><div class="sub">{_esc(sub)}</div>'
            f"{meter}</div>"
        )
    return f'<div class="kpis" data-chart="headline">{"".join(cards)}</div>'


def render_html(page: Page, *, generated_at: str) -> str:
    as_of = f"As of <b>{_esc(page.as_of)}</b> · " if page.as_of else ""
    toc = "".join(f'<a href="#{_esc(a)}">{_esc(t)}</a>' for a, t, _, _ in page.sections)
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>leadpulse report{' · ' + _esc(page.as_of) if page.as_of else ''}</title>",
        f"<style>{CSS}</style></head><body><main>",
        '<header class="top"><h1>Lead engagement report</h1>',
        f'<p class="meta">{as_of}generated {_esc(generated_at)} · '
        f"warehouse <code>{_esc(page.db_path)}</code></p></header>",
        f'<section id="headline" data-section="headline">{kpis_html(page)}</section>',
        f'<nav class="toc">{toc}</nav>',
    ]
    for anchor, title, intro, body in page.sections:
        parts.append(
            f'<section id="{_esc(anchor)}" data-section="{_esc(anchor)}"><h2>{_esc(title)}</h2>'
            + (f'<p class="intro">{_esc(intro)}</p>' if intro else "")
            + body
            + "</section>"
        )
    missing = sorted({p.relation for p in page.unavailable})
    footer = f"{page.charts} charts drawn"
    if missing:
        footer += "; not available yet: " + ", ".join(missing)
    parts.append(f"<footer>{_esc(footer)}. Hover a bar, band or cell for its numbers.</footer>")
    parts.append("</main></body></html>")
    return "\n".join(parts) + "\n"


def render_text(page: Page) -> str:
    lines: list[str] = []
    if page.kpi_problem is not None:
        lines.append(f"== Headline ({page.kpi_problem})")
    else:
        lines.append(f"== Headline (as of {page.as_of})")
        width = max(len(k.label) for k in page.kpis)
        for kpi in page.kpis:
            pct = f"  {fmt_pct(share(kpi.value, kpi.of)):>6}" if kpi.of is not None else ""
            lines.append(f"   {kpi.label:<{width}}  {kpi.value:>10,}{pct}")
    if page.segments:
        lines.append("== Segments (leads)")
        for column, counts in page.segments.items():
            lines.append(f"   {column}: " + ", ".join(f"{v} {n:,}" for v, n in counts))
    missing = sorted({f"{p.relation} ({p.message})" for p in page.unavailable})
    lines.append(f"== Charts: {page.charts} drawn" + ("" if missing else ", every mart available"))
    lines.extend(f"   not available: {m}" for m in missing)
    for section in page.text:
        lines.append(f"== {section.title}")
        if section.note:
            lines.append(f"   ({section.note})")
        if section.rows:
            lines.extend("   " + line for line in format_table(section.header, section.rows))
    return "\n".join(lines) + "\n"


def write_report(
    out_path: Path | None = None,
    *,
    db_path: Path | None = None,
    run_results: Path | None = None,
    stream: TextIO | None = None,
) -> Path:
    """Write the HTML report, print the text version; return the report's path."""
    db = db_path or paths.duckdb_path()
    target = (out_path or paths.default_report_path()).resolve()
    page = collect(db, run_results or paths.run_results_path())
    generated_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_html(page, generated_at=generated_at), encoding="utf-8")
    print(render_text(page), end="", file=stream if stream is not None else sys.stdout)
    return target
