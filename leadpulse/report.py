"""A plain summary of the warehouse: one self-contained HTML file, also printed as text.

Sections: the last dbt run, row counts per relation per layer, and quarantined
rows by source table and reason. Counting rows is all the SQL here; anything
more belongs in a dbt model that this report then reads.
"""

from __future__ import annotations

import html
import json
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import duckdb

from leadpulse import paths
from leadpulse.validate import format_table, is_number, relation_exists

LAYERS = ("raw", "staging", "intermediate", "marts", "seeds")
QUARANTINE = ("intermediate", "int_rows_quarantined")
SYSTEM_SCHEMAS = {"information_schema", "pg_catalog"}


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
        try:
            count_row = con.execute(f'select count(*) from "{schema}"."{name}"').fetchone()
            count = f"{count_row[0]:,}" if count_row else "?"
        except duckdb.Error as exc:
            count = "error: " + " ".join(str(exc).split())[:80]
        kind_label = "view" if "VIEW" in str(kind).upper() else "table"
        rows.append((_layer_of(schema), f"{schema}.{name}", kind_label, count))
    return Section("Rows per relation", ("layer", "relation", "kind", "rows"), rows)


def quarantine_counts(con: duckdb.DuckDBPyConnection) -> Section:
    schema, name = QUARANTINE
    header = ("source_table", "reason", "rows")
    if not relation_exists(con, schema, name):
        return Section("Quarantined rows", header, [], note=f"{schema}.{name} not built")
    result = con.execute(
        f"select source_table, reason, count(*) from {schema}.{name} group by 1, 2 order by 1, 2"
    ).fetchall()
    rows = [(str(s), str(r), f"{n:,}") for s, r, n in result]
    note = "" if rows else "no quarantined rows"
    return Section("Quarantined rows", header, rows, note=note)


def last_run(run_results: Path) -> Section:
    header = ("command", "generated at", "as_of_date", "nodes", "statuses", "elapsed")
    if not run_results.exists():
        return Section("Last dbt run", header, [], note="no run_results.json")
    try:
        data = json.loads(run_results.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        return Section("Last dbt run", header, [], note=f"unreadable run_results.json: {exc}")
    args = data.get("args") or {}
    dbt_vars = args.get("vars") if isinstance(args.get("vars"), dict) else {}
    nodes = data.get("results") or []
    counts: dict[str, int] = {}
    for node in nodes:
        counts[str(node.get("status"))] = counts.get(str(node.get("status")), 0) + 1
    statuses = ", ".join(f"{s} {n}" for s, n in sorted(counts.items()))
    row = (
        str(args.get("which", "?")),
        str((data.get("metadata") or {}).get("generated_at", "?")),
        str(dbt_vars.get("as_of_date", "")),
        str(len(nodes)),
        statuses,
        f"{float(data.get('elapsed_time') or 0):.1f}s",
    )
    return Section("Last dbt run", header, [row])


def collect(db_path: Path, run_results: Path) -> list[Section]:
    if not db_path.exists():
        raise ReportError(f"no warehouse at {db_path}: run `leadpulse build` first")
    try:
        con = duckdb.connect(str(db_path), read_only=True)
    except duckdb.Error as exc:
        raise ReportError(f"cannot open {db_path}: {' '.join(str(exc).split())}") from exc
    try:
        return [last_run(run_results), relation_counts(con), quarantine_counts(con)]
    finally:
        con.close()


CSS = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
table { border-collapse: collapse; font-size: 0.9rem; }
th, td { padding: 0.25rem 0.75rem; border-bottom: 1px solid #ddd; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #f3f3f3; }
p.meta, p.note { color: #666; font-size: 0.85rem; }
"""


def render_html(sections: list[Section], *, db_path: Path, generated_at: str) -> str:
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>leadpulse report</title>",
        f"<style>{CSS}</style></head><body>",
        "<h1>leadpulse report</h1>",
        f'<p class="meta">Warehouse {html.escape(str(db_path))}; '
        f"generated {html.escape(generated_at)}.</p>",
    ]
    for section in sections:
        parts.append(f"<h2>{html.escape(section.title)}</h2>")
        if section.note:
            parts.append(f'<p class="note">{html.escape(section.note)}</p>')
        if not section.rows:
            continue
        parts.append("<table><thead><tr>")
        parts.extend(f"<th>{html.escape(h)}</th>" for h in section.header)
        parts.append("</tr></thead><tbody>")
        for row in section.rows:
            cells = "".join(
                f'<td class="num">{html.escape(v)}</td>'
                if is_number(v)
                else f"<td>{html.escape(v)}</td>"
                for v in row
            )
            parts.append(f"<tr>{cells}</tr>")
        parts.append("</tbody></table>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def render_text(sections: list[Section]) -> str:
    lines: list[str] = []
    for section in sections:
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
    sections = collect(db, run_results or paths.run_results_path())
    generated_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_html(sections, db_path=db, generated_at=generated_at))
    print(render_text(sections), end="", file=stream if stream is not None else sys.stdout)
    return target
