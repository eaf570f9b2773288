"""Tests for the raw-data generator (leadpulse.generate)."""

from __future__ import annotations

import dataclasses
import datetime
import pathlib

import duckdb
import pytest

from leadpulse.contract import RAW_TABLES
from leadpulse.generate import PERSONAS, MessRates, export, generate

AS_OF = datetime.date(2026, 5, 1)
END = "2026-05-01 23:59:59"
EVENT_TABLES = {  # table -> (id column, timestamp column, type column)
    "message_events": ("event_id", "occurred_at", "event_type"),
    "app_events": ("event_id", "occurred_at", "event_name"),
    "web_events": ("event_id", "occurred_at", "event_name"),
    "calls": ("call_id", "started_at", "status"),
}
VOCAB = {
    ("message_events", "channel"): {"sms", "whatsapp", "rcs", "push", "email"},
    ("message_events", "direction"): {"outbound", "inbound"},
    ("message_events", "event_type"): {
        "sent", "delivered", "failed", "bounced", "opened", "clicked", "replied", "opt_out",
        "opt_in",
    },
    ("message_events", "campaign_type"): {
        "promo", "seasonal_promo", "nurture", "transactional", "reminder",
    },
    ("app_events", "event_name"): {
        "app_installed", "app_opened", "screen_viewed", "product_viewed", "added_to_cart",
        "checkout_started", "order_completed", "chat_message_sent", "push_opened",
        "app_uninstalled",
    },
    ("app_events", "platform"): {"ios", "android"},
    ("web_events", "event_name"): {
        "page_viewed", "link_clicked", "form_submitted", "webinar_registered", "chat_started",
        "added_to_cart", "order_completed",
    },
    ("calls", "direction"): {"inbound", "outbound"},
    ("calls", "status"): {"answered", "missed", "voicemail", "busy"},
    ("orders", "status"): {"completed", "refunded", "cancelled"},
    ("orders", "channel"): {"app", "web", "phone", "store"},
    ("orders", "currency"): {"USD", "GBP", "EUR", "BRL", "INR", "AUD"},
    ("privacy_requests", "request_type"): {"erasure", "opt_out_all"},
    ("leads", "signup_channel"): {"web_form", "app", "offline_event", "import", "referral"},
    ("leads", "crm_stage"): {"subscriber", "lead", "mql", "sql", "opportunity", "customer"},
}  # fmt: skip
STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL"}
# ISO-8601 text -> UTC timestamp, as staging reads it (offset converted, naive = UTC).
PARSE_MACRO = """
create or replace macro pts(x) as case
    when regexp_matches(trim(x), '(z|Z|[+-][0-9]{2}:?[0-9]{2})$')
        then timezone('UTC', try_cast(trim(x) as timestamptz))
    else try_cast(trim(x) as timestamp)
end
"""


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def one(con: duckdb.DuckDBPyConnection, sql: str):
    return rows(con, sql)[0][0]


def make(leads: int, days: int, seed: int = 7, rates: MessRates | None = None, threads: int = 2):
    con = duckdb.connect()
    con.execute(f"set threads = {threads}")
    counts = generate(con, leads=leads, days=days, seed=seed, as_of=AS_OF, rates=rates)
    con.execute(PARSE_MACRO)
    return con, counts


def fingerprint(con: duckdb.DuckDBPyConnection) -> dict[str, tuple]:
    tables = [f"raw.{t}" for t in RAW_TABLES] + ["generator.lead_personas"]
    return {
        t: rows(con, f"select count(*), sum(hash(x)::hugeint) from {t} as x")[0] for t in tables
    }


@pytest.fixture(scope="module")
def messy():
    con, counts = make(800, 120)
    yield con, counts
    con.close()


@pytest.fixture(scope="module")
def clean():
    con, counts = make(800, 120, rates=MessRates.none())
    yield con, counts
    con.close()


# --------------------------------------------------------------------------- shape


def test_same_seed_gives_identical_tables_whatever_the_thread_count():
    first, _ = make(400, 90, seed=11, threads=1)
    second, _ = make(400, 90, seed=11, threads=4)
    assert fingerprint(first) == fingerprint(second)


def test_different_seed_gives_different_tables():
    first, _ = make(400, 90, seed=11)
    second, _ = make(400, 90, seed=12)
    a, b = fingerprint(first), fingerprint(second)
    assert all(a[t] != b[t] for t in a if t != "raw.privacy_requests")


def test_columns_and_types_match_the_contract(messy):
    con, _ = messy
    for table, columns in RAW_TABLES.items():
        found = rows(
            con,
            "select column_name, lower(data_type) from information_schema.columns "
            f"where table_schema = 'raw' and table_name = '{table}' order by ordinal_position",
        )
        assert found == [(name, typ.replace(" ", "")) for name, typ in columns.items()], table
    assert rows(
        con,
        "select column_name, lower(data_type) from information_schema.columns "
        "where table_schema = 'generator' and table_name = 'lead_personas' "
        "order by ordinal_position",
    ) == [("lead_id", "varchar"), ("persona", "varchar")]


def test_returns_row_counts_and_volume_is_about_one_event_per_lead_day(messy):
    con, counts = messy
    assert set(counts) == set(RAW_TABLES)
    for table, n in counts.items():
        assert n == one(con, f"select count(*) from raw.{table}"), table
        assert n > 0, table
    events = sum(counts[t] for t in ("message_events", "app_events", "web_events", "calls"))
    events += counts["orders"]
    assert 0.6 <= events / (800 * 120) <= 1.8


def test_regenerating_replaces_the_tables():
    con, first = make(300, 60)
    second = generate(con, leads=300, days=60, seed=7, as_of=AS_OF)
    assert first == second


def test_tiny_windows_and_single_lead_work():
    con = duckdb.connect()
    for leads, days in [(1, 10), (50, 1), (50, 7)]:
        counts = generate(con, leads=leads, days=days, seed=3, as_of=AS_OF)
        assert counts["leads"] >= leads
        assert one(con, "select count(*) from generator.lead_personas") == leads
    assert one(con, "select count(*) from duckdb_tables() where table_name like '_lp_%'") == 0


def test_invalid_arguments_are_rejected():
    con = duckdb.connect()
    with pytest.raises(ValueError):
        generate(con, leads=10, days=10, seed=1, as_of=AS_OF, rates=MessRates(late_load_rate=2))
    with pytest.raises(ValueError):
        export(con, pathlib.Path("."), "xlsx")


def test_vocabulary_is_the_catalog_one(clean):
    con, _ = clean
    for (table, column), allowed in VOCAB.items():
        found = {v for (v,) in rows(con, f"select distinct {column} from raw.{table}")}
        assert found <= allowed | {None}, (table, column, found - allowed)
        if column not in ("currency",):
            assert found - {None} == allowed, (table, column, allowed - found)


# --------------------------------------------------------------------------- time


def test_loaded_at_never_after_the_end_of_the_as_of_day(messy):
    con, _ = messy
    for table in RAW_TABLES:
        assert one(con, f"select max(_loaded_at) from raw.{table}") <= datetime.datetime(
            2026, 5, 1, 23, 59, 59
        )


def test_events_fall_in_the_window_and_load_after_they_occur(clean):
    con, _ = clean
    start = AS_OF - datetime.timedelta(days=120)
    for table, (_, ts, _) in EVENT_TABLES.items():
        lo, hi, bad, early, slow = rows(
            con,
            f"select min(pts({ts})), max(pts({ts})), count(*) filter (where pts({ts}) is null), "
            f"count(*) filter (where _loaded_at < pts({ts})), "
            f"count(*) filter (where _loaded_at > pts({ts}) + interval 1 day) from raw.{table}",
        )[0]
        assert lo >= datetime.datetime.combine(start, datetime.time()), table
        assert hi <= datetime.datetime(2026, 5, 1, 23, 59, 59), table
        assert (bad, early, slow) == (0, 0, 0), table


def test_created_at_precedes_the_leads_activity(clean):
    con, _ = clean
    late = one(
        con,
        """
        with created as (select lead_id, min(pts(created_at)) as created from raw.leads group by 1),
        acts as (
            select lead_id, pts(occurred_at) as ts from raw.message_events
            union all select user_id, pts(occurred_at) from raw.app_events
            union all select user_id, pts(occurred_at) from raw.web_events
            union all select lead_id, pts(started_at) from raw.calls
            union all select lead_id, pts(ordered_at) from raw.orders
        )
        select count(*) from acts join created using (lead_id) where ts < created
        """,
    )
    assert late == 0


# --------------------------------------------------------------------------- personas


def test_every_persona_appears_at_500_leads():
    con, _ = make(500, 60)
    found = {p for (p,) in rows(con, "select distinct persona from generator.lead_personas")}
    assert found == set(PERSONAS)
    assert one(con, "select count(*) from generator.lead_personas") == 500
    assert one(con, "select count(distinct lead_id) from raw.leads") == 500


def test_personas_behave_as_named(clean):
    """On clean data, each persona meets the rule of the segment it is meant for."""
    con, _ = clean
    con.execute(
        f"""
        create or replace temp table eng as
        select lead_id, kind, pts(ts) as ts from (
            select lead_id, event_type as kind, occurred_at as ts from raw.message_events
            where event_type in ('opened', 'clicked', 'replied')
            union all select user_id, event_name, occurred_at from raw.app_events
            where event_name <> 'app_uninstalled'
            union all select user_id, event_name, occurred_at from raw.web_events
            union all select lead_id, 'call', started_at from raw.calls
            where direction = 'inbound' or status = 'answered' and duration_seconds >= 30
            union all select lead_id, 'order', ordered_at from raw.orders
            where status = 'completed'
        );
        create or replace temp table per_lead as
        with days as (
            select lead_id, date '{AS_OF}' - ts::date as ago, list(distinct kind) as kinds
            from eng group by all
        ),
        orders as (
            select lead_id, count(*) filter (where status = 'completed') as completed
            from (select lead_id, arg_max(status, _loaded_at) as status from raw.orders
                  group by order_id, lead_id)
            group by 1
        )
        select
            p.lead_id,
            p.persona,
            count(d.ago) filter (where d.ago < 30) as d30,
            count(d.ago) filter (where d.ago between 30 and 59) as prev30,
            min(d.ago) as last_ago,
            coalesce(any_value(o.completed), 0) as completed_orders,
            date '{AS_OF}' - min(pts(l.created_at))::date as age,
            bool_and(list_has_all(['opened'], d.kinds)) as only_opens
        from generator.lead_personas as p
        join raw.leads as l using (lead_id)
        left join days as d using (lead_id)
        left join orders as o using (lead_id)
        group by all
        """
    )

    def bad(persona: str, rule: str) -> int:
        assert one(con, f"select count(*) from per_lead where persona = '{persona}'") > 0
        return one(
            con, f"select count(*) from per_lead where persona = '{persona}' and not ({rule})"
        )

    assert bad("loyal_buyer", "completed_orders >= 2 and d30 >= 3") == 0
    assert bad("active_app_user", "d30 >= 3 and age >= 14") == 0
    assert bad("sms_replier", "d30 >= 3 and age >= 14") == 0
    assert bad("episodic_opener", "d30 between 1 and 2 and prev30 <= 2 and only_opens") == 0
    assert bad("going_dormant", "last_ago between 31 and 89") == 0
    assert bad("at_risk", "prev30 >= 3 and d30 = 1 and completed_orders < 2") == 0
    assert bad("churned_inactive", "last_ago > 90") == 0
    assert bad("never_engaged", "last_ago is null and age >= 14") == 0
    assert bad("brand_new", "age < 14") == 0
    # churn signals with nothing engaged after them
    for persona, signal in [
        ("churned_uninstall", "select user_id, pts(occurred_at) from raw.app_events "
                              "where event_name = 'app_uninstalled'"),
        ("churned_stop", "select lead_id, pts(occurred_at) from raw.message_events "
                         "where event_type = 'opt_out' and channel = 'sms'"),
    ]:  # fmt: skip
        missing, engaged_after = rows(
            con,
            f"""
            with s as ({signal})
            select
                count(*) filter (where s.lead_id is null),
                count(*) filter (where exists (
                    select 1 from eng where eng.lead_id = p.lead_id and eng.ts > s.ts))
            from generator.lead_personas as p
            left join s as s(lead_id, ts) on s.lead_id = p.lead_id
            where p.persona = '{persona}'
            """,
        )[0]
        assert (missing, engaged_after) == (0, 0), persona


def test_habits_follow_local_time(clean):
    con, _ = clean
    share = rows(
        con,
        """
        with tz as (select distinct lead_id, timezone as tz from raw.leads),
        local as (
            select p.persona, e.event_name as kind,
                timezone(tz.tz, timezone('UTC', pts(e.occurred_at))) as t
            from raw.app_events as e
            join generator.lead_personas as p on p.lead_id = e.user_id
            join tz on tz.lead_id = e.user_id
            where e.event_name = 'app_opened'
            union all
            select p.persona, m.event_type,
                timezone(tz.tz, timezone('UTC', pts(m.occurred_at)))
            from raw.message_events as m
            join generator.lead_personas as p using (lead_id)
            join tz using (lead_id)
            where m.event_type = 'replied'
        )
        select
            avg((hour(t) between 18 and 22)::int)
                filter (where persona = 'active_app_user' and kind = 'app_opened'),
            avg((hour(t) between 8 and 17 and isodow(t) <= 5)::int)
                filter (where persona = 'sms_replier' and kind = 'replied')
        from local
        """,
    )[0]
    assert share[0] > 0.6
    assert share[1] > 0.6


# --------------------------------------------------------------------------- mess


def test_every_mess_kind_is_present(messy):
    con, _ = messy

    def some(sql: str) -> None:
        assert one(con, sql) > 0, sql

    for table, (_, ts, kind) in EVENT_TABLES.items():
        cols = [c for c in RAW_TABLES[table] if c != "_loaded_at"]
        payload = ", ".join(cols)
        # re-delivered: same id and payload, later _loaded_at
        some(
            f"select count(*) from (select {payload} from raw.{table} group by all "
            "having count(distinct _loaded_at) > 1)"
        )
        # exact duplicates in one load
        some(
            f"select count(*) from (select {payload}, _loaded_at from raw.{table} group by all "
            "having count(*) > 1)"
        )
        some(
            f"select count(*) from raw.{table} where pts({ts}) <= _loaded_at "
            f"and _loaded_at > pts({ts}) + interval 1 day"
        )
        vocab = VOCAB.get((table, kind), set()) if table != "calls" else VOCAB[("calls", "status")]
        known = ", ".join(f"'{v}'" for v in vocab)
        some(f"select count(*) from raw.{table} where {kind} not in ({known})")
        # with offset ('Z', '-07:00'), naive UTC, fractional seconds
        for pattern in [
            "Z$",
            "[+-][0-9]{2}:[0-9]{2}$",
            "^[0-9-]{10} [0-9:]{8}$",
            ":[0-9]{2}[.][0-9]+",
        ]:
            some(f"select count(*) from raw.{table} where regexp_matches({ts}, '{pattern}')")

    # rare kinds (0.02-0.05% of rows): looked for across the event tables together
    epoch = " union all ".join(
        f"select {ts} from raw.{t} where {ts} = '1970-01-01T00:00:00Z'"
        for t, (_, ts, _) in EVENT_TABLES.items()
    )
    some(f"select count(*) from ({epoch})")
    bad_ts = {
        v
        for t, (_, ts, _) in EVENT_TABLES.items()
        for (v,) in rows(con, f"select distinct {ts} from raw.{t} where pts({ts}) is null")
    }
    assert {"not-a-date", "", None, "2026-13-45T99:00:00"} <= bad_ts
    ids = " union all ".join(f"select {ident} as ident from raw.{t}" for t, (ident, _, _) in
                             EVENT_TABLES.items())  # fmt: skip
    some(f"select count(*) filter (where ident is null) * count(*) filter (where ident = '') "
         f"from ({ids})")  # fmt: skip
    # future device clock: app occurred_at days after _loaded_at
    some("select count(*) from raw.app_events where pts(occurred_at) > _loaded_at + interval 2 day")

    # leads: CDC versions, free-form phones, messy emails, bad time zones
    some(
        "select count(*) from (select lead_id from raw.leads group by 1 "
        "having count(distinct updated_at) > 1 and count(distinct crm_stage) > 1)"
    )
    for pattern in [
        r"^\+1 \([0-9]{3}\) [0-9]{3}-[0-9]{4}$",  # +1 (415) 555-0101
        r"^00[0-9]+ ",  # 0044 20 7946 0958
        r"^\+[0-9]+ [0-9]+ [0-9]{4} [0-9]{4}$",  # +44 20 7946 0958
        r"^[0-9]{10}$",  # bare US digits
        r"^[0-9+]+-[0-9]+-",  # dashes
        r"[0-9]\.[0-9]+\.",  # dots
    ]:
        some(f"select count(*) from raw.leads where regexp_matches(phone, '{pattern}')")
    assert (
        one(
            con,
            "select count(*) from raw.leads where regexp_matches(phone, '^[0-9]{10}$') "
            "and country_code <> 'US'",
        )
        == 0
    )
    some("select count(*) from raw.leads where email <> lower(trim(email))")
    some("select count(*) from raw.leads where email <> trim(email)")
    some(
        "select count(*) from raw.leads where timezone is null or timezone not in "
        "(select name from pg_timezone_names())"
    )
    # messages matched only by address, by phone and by email
    some("select count(*) from raw.message_events where lead_id is null and address like '%@%'")
    some(
        "select count(*) from raw.message_events where lead_id is null "
        "and regexp_matches(address, '^[0-9+(]') and address not like '+%'"
    )
    # anonymous app / web use before login, shared devices, cookies that never log in
    for table in ("app_events", "web_events"):
        some(
            f"select count(*) from (select anonymous_id from raw.{table} group by 1 "
            "having count(*) filter (where user_id is null) > 0 and count(user_id) > 0)"
        )
    some(
        "select count(*) from (select anonymous_id from raw.app_events group by 1 "
        "having count(distinct user_id) >= 2)"
    )
    some(
        "select count(*) from (select anonymous_id from raw.web_events group by 1 "
        "having count(user_id) = 0)"
    )
    # calls: negative and NULL durations
    some("select count(*) from raw.calls where duration_seconds < 0")
    some("select count(*) from raw.calls where duration_seconds is null")
    some("select count(*) from raw.calls where direction = 'outbound' and status = 'answered' "
         "and duration_seconds between 0 and 29")  # fmt: skip
    # STOP variants
    bodies = {
        b
        for (b,) in rows(
            con, "select distinct body from raw.message_events where event_type = 'opt_out'"
        )
    }
    assert len(bodies) >= 3 and all(b.strip().upper() in STOP_WORDS for b in bodies), bodies
    # orders change status in later rows; both privacy request types
    some(
        "select count(*) from (select order_id from raw.orders group by 1 "
        "having count(distinct status) > 1 and max_by(status, _loaded_at) <> 'completed')"
    )
    assert {r for (r,) in rows(con, "select distinct request_type from raw.privacy_requests")} == {
        "erasure",
        "opt_out_all",
    }


def test_duplicate_rate_is_roughly_the_configured_one():
    rates = dataclasses.replace(MessRates.none(), redelivered_duplicate_rate=0.08)
    con, _ = make(400, 90, rates=rates)
    for table in EVENT_TABLES:
        payload = ", ".join(c for c in RAW_TABLES[table] if c != "_loaded_at")
        total, distinct = rows(
            con,
            f"select count(*), (select count(*) from (select distinct {payload} "
            f"from raw.{table})) from raw.{table}",
        )[0]
        share = (total - distinct) / distinct
        assert 0.06 <= share <= 0.10, (table, share)


def test_default_duplicate_rates(messy):
    con, _ = messy
    total = redelivered = exact = 0
    for table in EVENT_TABLES:
        payload = ", ".join(c for c in RAW_TABLES[table] if c != "_loaded_at")
        n, n_payload, n_rows = rows(
            con,
            f"select count(*), (select count(*) from (select distinct {payload} from raw.{table})),"
            f" (select count(*) from (select distinct * from raw.{table})) from raw.{table}",
        )[0]
        total += n
        redelivered += n_payload
        exact += n_rows
    dup_share = (total - redelivered) / total  # every extra copy of a payload
    exact_share = (total - exact) / total
    assert 0.018 <= dup_share <= 0.032, dup_share
    assert 0.002 <= exact_share <= 0.010, exact_share


def test_zero_rates_give_clean_data(clean):
    con, _ = clean
    for table, (event_id, ts, _) in EVENT_TABLES.items():
        assert one(con, f"select count(*) - count(distinct {event_id}) from raw.{table}") == 0, (
            table
        )
        assert one(con, f"select count(*) from raw.{table} where {event_id} is null "
                        f"or {event_id} = ''") == 0  # fmt: skip
        assert (
            one(
                con,
                f"select count(*) from raw.{table} where {ts} is null "
                f"or not regexp_matches({ts}, '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}} "
                f"[0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}$')",
            )
            == 0
        ), table
    assert one(con, "select count(*) from raw.message_events where lead_id is null") == 0
    assert one(con, "select count(*) from raw.calls where lead_id is null") == 0
    assert one(con, "select count(*) from raw.calls where duration_seconds is null "
                    "or duration_seconds < 0") == 0  # fmt: skip
    for table in ("app_events", "web_events"):
        assert one(con, f"select count(*) from raw.{table} where user_id is null") == 0, table
    assert one(con, "select count(*) - count(distinct lead_id) from raw.leads") == 0
    assert one(con, "select count(*) from raw.leads where email <> lower(trim(email))") == 0
    assert (
        one(con, "select count(*) from raw.leads where not regexp_matches(phone, '^\\+[0-9]+$')")
        == 0
    )
    assert (
        one(
            con,
            "select count(*) from raw.leads where timezone is null or timezone not in "
            "(select name from pg_timezone_names())",
        )
        == 0
    )
    assert {r for (r,) in rows(con, "select distinct request_type from raw.privacy_requests")} == {
        "erasure",
        "opt_out_all",
    }
    assert {
        b for (b,) in rows(con, "select distinct body from raw.message_events "
                                "where event_type = 'opt_out'")
    } == {"STOP"}  # fmt: skip
    for (table, column), allowed in VOCAB.items():
        found = {v for (v,) in rows(con, f"select distinct {column} from raw.{table}")}
        assert found <= allowed | {None}, (table, column)


# --------------------------------------------------------------------------- export


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_writes_every_table(tmp_path: pathlib.Path, fmt: str):
    con, counts = make(200, 40)
    paths = export(con, tmp_path, fmt)
    assert con.sql("select 1").fetchall() == [(1,)]  # no undrained result left behind
    assert [p.name for p in paths] == [f"{t}.{fmt}" for t in RAW_TABLES]
    for path, table in zip(paths, RAW_TABLES, strict=True):
        reader = "read_csv" if fmt == "csv" else "read_parquet"
        assert one(con, f"select count(*) from {reader}('{path}')") == counts[table]
        if fmt == "csv":
            header = path.read_text().splitlines()[0]
            assert header == ",".join(RAW_TABLES[table])
