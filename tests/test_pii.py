"""No raw phone or email outside the raw and staging schemas (issue 6, item 3).

Every string column of every relation in `intermediate`, `marts` and `seeds`
of the session warehouse is scanned twice: with phone and email patterns, and
for every raw phone, email and message address of the generated data (as sent
and as staging normalized it: E.164, lower-cased) appearing anywhere inside a
value. Keyed pseudonyms (64 hex characters) and masks (`+# (###) ###-####`)
may appear; the values themselves may not.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import duckdb
import pytest

SCANNED_SCHEMAS = ("intermediate", "marts", "seeds")

# A phone: '+' and 8 to 15 digits with separators, a 00-prefixed or national
# number in common shapes, or a bare run of 8 to 15 digits not inside an id,
# a timestamp or a path (those join digits to letters, '_', ':', '-', '/').
PHONE_PATTERN = (
    r"(^|[^0-9A-Za-z_:/-])("
    r"\+[0-9][0-9 ().-]{6,20}[0-9]"
    r"|\(?[0-9]{3}\)?[ .-][0-9]{3}[ .-][0-9]{4}"
    r"|00[0-9]{1,4}([ .-][0-9]{2,5}){2,4}"
    r"|0[0-9]{2,4}[ .-][0-9]{3,4}[ .-]?[0-9]{3,4}"
    r"|[0-9]{8,15}"
    r")($|[^0-9A-Za-z_:/-])"
)
EMAIL_PATTERN = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"

RAW_CONTACTS = (
    "select phone from raw.leads",
    "select email from raw.leads",
    "select address from raw.message_events",
    "select phone from raw.calls",
    "select phone_e164 from staging.base_crm__leads",
    "select email from staging.base_crm__leads",
    "select address_phone_e164 from staging.base_messaging__message_events",
    "select address_email from staging.base_messaging__message_events",
    "select phone_e164 from staging.base_telephony__calls",
)


def _string_columns(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    schemas = ", ".join(f"'{s}'" for s in SCANNED_SCHEMAS)
    return con.execute(
        "select table_schema, table_name, column_name from information_schema.columns"
        f" where table_schema in ({schemas}) and data_type in ('VARCHAR', 'JSON')"
        " order by 1, 2, 3"
    ).fetchall()


def _raw_contact_values(con: duckdb.DuckDBPyConnection) -> set[str]:
    values: set[str] = set()
    for query in RAW_CONTACTS:
        for (value,) in con.execute(query).fetchall():
            # Short fragments ('12', 'n/a') are not contacts and would match anything.
            if value is not None and len(value.strip()) >= 6:
                values.add(value.strip())
    return values


@dataclass
class Findings:
    """What the scan found, as 'schema.relation.column: count, e.g. value' lines."""

    columns: int = 0
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    raw_values: list[str] = field(default_factory=list)


def scan(con: duckdb.DuckDBPyConnection, contacts: set[str]) -> Findings:
    """One pass per relation (views are computed once, not once per column)."""
    con.execute("create or replace temp table raw_contacts (contact varchar primary key)")
    con.executemany("insert into raw_contacts values (?)", [[v] for v in sorted(contacts)])
    by_relation: dict[tuple[str, str], list[str]] = {}
    for schema, table, column in _string_columns(con):
        by_relation.setdefault((schema, table), []).append(column)
    findings = Findings()
    for (schema, table), columns in by_relation.items():
        findings.columns += len(columns)
        relation = f'{schema}."{table}"'
        casts = ", ".join(f'cast("{c}" as varchar) as "{c}"' for c in columns)
        names = ", ".join(f'"{c}"' for c in columns)
        rows = con.execute(
            f"""
            with cells as (
                unpivot (select {casts} from {relation})
                on {names} into name column_name value cell
            ),
            json_cells as (
                select cells.column_name, json_extract_string(member.value, '$') as cell
                from cells, json_each(cells.cell) as member
                where cells.cell like '{{%' and json_valid(cells.cell)
            ),
            all_cells as (
                select column_name, cell, false as in_json from cells
                union all
                select column_name, cell, true as in_json from json_cells
            )
            select
                column_name,
                count(*) filter (where not in_json and regexp_matches(cell, $phone)),
                any_value(cell) filter (where not in_json and regexp_matches(cell, $phone)),
                count(*) filter (where not in_json and regexp_matches(cell, $email)),
                any_value(cell) filter (where not in_json and regexp_matches(cell, $email)),
                count(*) filter (where trim(cell) in (select contact from raw_contacts)),
                any_value(cell) filter (where trim(cell) in (select contact from raw_contacts))
            from all_cells
            group by 1
            order by 1
            """,
            {"phone": PHONE_PATTERN, "email": EMAIL_PATTERN},
        ).fetchall()
        for column, phones, phone, emails, email, raws, raw in rows:
            where = f"{schema}.{table}.{column}"
            if phones:
                findings.phones.append(f"{where}: {phones}, e.g. {phone!r}")
            if emails:
                findings.emails.append(f"{where}: {emails}, e.g. {email!r}")
            if raws:
                findings.raw_values.append(f"{where}: {raws}, e.g. {raw!r}")
    return findings


@pytest.fixture(scope="module")
def findings(warehouse) -> Findings:
    con = duckdb.connect(str(warehouse.db_path), read_only=True)
    try:
        return scan(con, _raw_contact_values(con))
    finally:
        con.close()


def test_scan_covers_every_string_column(wh_con, findings) -> None:
    columns = _string_columns(wh_con)
    relations = {(schema, table) for schema, table, _ in columns}
    # The quarantine's raw rows, the identity map and the BI marts are all scanned.
    assert ("intermediate", "int_rows_quarantined") in relations
    assert ("intermediate", "int_lead_contacts_mapped") in relations
    assert ("marts", "dim_leads") in relations
    assert len(relations) >= 20, sorted(relations)
    assert findings.columns == len(columns)
    assert len(_raw_contact_values(wh_con)) > 100, "the generated data has contacts to look for"


def test_patterns_recognise_contacts() -> None:
    """The patterns find contacts in the shapes the generator writes, and not ids,
    timestamps, user agents, hashes or masks."""
    phones = ["+1 (415) 555-0101", "0044 20 7946 0958", "4155550101", "+442079460958"]
    not_phones = [
        "me_0177987970373278",
        "Gecko/20100101 Firefox/124.0",
        "2026-05-22 12:25:57",
        "c303f1b566083fcb544271aa5e43872ff34c9f0c506f4bcc0445ac9af0a687f1",
        "+# (###) ###-#### 9f0c5",
        "L34284828",
    ]
    for value in phones:
        assert re.search(PHONE_PATTERN, value), value
    for value in not_phones:
        assert not re.search(PHONE_PATTERN, value), value
    assert re.search(EMAIL_PATTERN, '{"email":"Jane.Doe@Example.COM"}')
    assert not re.search(EMAIL_PATTERN, "****.***@*******.***")


def test_scan_finds_a_planted_contact(wh_con) -> None:
    """The scan is not blind: a raw phone and email copied into a relation are found."""
    phone = wh_con.execute("select min(phone) from raw.leads where phone like '+%'").fetchone()[0]
    email = wh_con.execute("select min(email) from raw.leads where email like '%@%'").fetchone()[0]
    con = duckdb.connect()
    try:
        con.execute("create schema marts")
        con.execute(
            "create table marts.planted as select ? as note, ? as payload, ? as bare",
            [f"call {phone} today", json.dumps({"to": email}), phone],
        )
        planted = scan(con, _raw_contact_values(wh_con))
    finally:
        con.close()
    assert planted.columns == 3
    assert [line.split(":")[0] for line in planted.phones] == [
        "marts.planted.bare",
        "marts.planted.note",
    ]
    assert [line.split(":")[0] for line in planted.raw_values] == [
        "marts.planted.bare",
        "marts.planted.payload",
    ]


def test_no_phone_or_email_pattern_outside_staging(findings) -> None:
    assert findings.phones == []
    assert findings.emails == []


def test_no_raw_contact_value_outside_staging(findings) -> None:
    assert findings.raw_values == []
