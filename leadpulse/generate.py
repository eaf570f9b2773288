"""Synthetic raw data for leadpulse: the seven `raw` tables of SPEC section 1.

Every row is produced by DuckDB SQL (`insert ... select` over `range()`, cross
joins and `unnest`), never by a Python loop. Randomness is a pure function of
the seed and the row's coordinates: `hash(hash(salt, seed, lead, day, slot,
k))` mapped to [0, 1), so a seed gives identical tables whatever the thread
count. Intermediate objects are temp tables and macros named `_lp_*`,
dropped at the end.

How the data is built:

1. `_lp_lead`: one row per lead with its persona (SPEC section 5 targets),
   country, true time zone, contact details, channels, habit (daypart), the
   days it is created / active, and its forced "anchor" days (the days that
   make the persona hold, e.g. at_risk's single engaged day in the last 30).
2. `_lp_day`: the lead-days with engagement or exposure (lead x day grid
   filtered early), with the lead's UTC offset that day.
3. `_lp_sess`: engagement sessions of those days (app, web, message open,
   SMS reply, call, store visit, STOP, uninstall) with a start time in the
   lead's local habit, converted to UTC.
4. `_lp_expo`: exposure only (outbound campaign messages, unanswered or short
   outbound calls) of those days.
5. One `insert ... select` per raw table fans sessions out into events,
   formats timestamps and adds the mess of `MessRates`; lead attributes are
   joined last.

DuckDB 2.0 note: a column produced by a hash join and then passed through
`unnest` in the same pipeline can fail with "INTERNAL Error: dict-surviving
cache: global dictionary column N changed identity" once the data spans
several row groups. The statements are therefore shaped so that every
`unnest` reads table scans only, and joins come after the last `unnest`.

Days are counted backwards: `d` = days before `as_of` (0 = the as_of day).
Session days are local calendar days; critical anchor days keep at least two
days away from the 30/60/90-day boundaries so that the local -> UTC shift
never moves them across one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import pathlib
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb

from leadpulse.contract import RAW_SCHEMA, RAW_TABLES, create_table_sql

__all__ = ["PERSONAS", "MessRates", "export", "generate"]


@dataclass(frozen=True)
class MessRates:
    """How dirty the raw data is. Each rate is a probability in [0, 1].

    "Per row" rates apply to the rows of the event tables (message, app, web
    events and calls). Corruptions that would make a row unusable (unknown
    type, bad timestamp, missing id, future clock) are added as extra rows
    cloned from a real one with a fresh id, so staging can quarantine them
    without changing what a lead really did. `MessRates.none()` is clean data.
    """

    # Same event id and payload delivered again by the loader, later _loaded_at.
    redelivered_duplicate_rate: float = 0.02
    # Exact duplicate in the same load (identical row, same _loaded_at).
    exact_duplicate_rate: float = 0.005
    # Row loaded 1-10 days after it occurred (capped at the end of as_of).
    late_load_rate: float = 0.03
    # Share of leads with 2-3 CDC versions in raw.leads (stage/format changes).
    cdc_multi_version_rate: float = 0.30
    # Share of phone values written free-form instead of E.164 (leads, calls,
    # inbound / unmatched message addresses).
    free_form_phone_rate: float = 0.60
    # Share of leads whose email is mixed-case and/or padded with spaces.
    messy_email_rate: float = 0.30
    # Messages (all events of one message_id) with NULL lead_id; the address
    # (phone in any format, or email) identifies the lead.
    null_lead_message_rate: float = 0.10
    # Calls with NULL lead_id (the phone identifies the lead).
    null_lead_call_rate: float = 0.05
    # Share of eligible app/web leads whose device and main cookie are used
    # anonymously (user_id NULL) for 1-5 days before they log in.
    anonymous_before_login_rate: float = 0.25
    # Share of devices also used (logged in) by a second lead.
    shared_device_rate: float = 0.005
    # Per web session: an extra session from a cookie that never logs in.
    never_login_cookie_rate: float = 0.03
    # Per row: clone with an unknown event type ('sms_rcvd', 'Opened_v2', ...).
    unknown_event_type_rate: float = 0.002
    # Share of event timestamps written with an offset ('Z' or the lead's
    # local '+hh:mm'); the rest are naive UTC 'YYYY-MM-DD HH:MM:SS'.
    offset_timestamp_share: float = 0.5
    # Share of event timestamps with fractional seconds.
    fractional_seconds_share: float = 0.15
    # Per app row (of continuously active personas): clone whose device clock
    # is 2-30 days after its _loaded_at.
    future_timestamp_rate: float = 0.001
    # Per row: clone with an unparseable or missing timestamp ('not-a-date',
    # '', NULL, '2026-13-45T99:00:00').
    bad_timestamp_rate: float = 0.0005
    # Per row: clone stamped '1970-01-01T00:00:00Z'.
    epoch_zero_rate: float = 0.0002
    # Per row: clone with NULL or empty event id.
    null_event_id_rate: float = 0.0005
    # Share of leads with an invalid or NULL time zone ('Mars/Olympus',
    # 'EST5EDT-bad', '', NULL).
    invalid_timezone_rate: float = 0.03
    # Per call: clone (fresh call_id) with a negative or NULL duration.
    bad_call_duration_rate: float = 0.01
    # Share of opt-out bodies that are a variant (' Stop ', 'stop', 'STOPALL',
    # 'UNSUBSCRIBE', 'Cancel') instead of plain 'STOP'.
    stop_variant_rate: float = 0.5
    # Not mess but real requests, kept by `none()`: share of leads with an
    # opt_out_all privacy request (given to churned personas, after their last
    # activity), and share of leads with an erasure request.
    opt_out_all_rate: float = 0.005
    erasure_rate: float = 0.002

    @classmethod
    def none(cls) -> MessRates:
        """Clean data: every mess rate zero (privacy request rates keep their defaults)."""
        keep = {"opt_out_all_rate", "erasure_rate"}
        return cls(**{f.name: 0.0 for f in dataclasses.fields(cls) if f.name not in keep})


# Personas and their share of leads; the first 11 leads take one each so that
# every persona appears at any size.
PERSONAS: dict[str, float] = {
    "active_app_user": 0.14,
    "loyal_buyer": 0.08,
    "sms_replier": 0.10,
    "episodic_opener": 0.12,
    "going_dormant": 0.10,
    "at_risk": 0.07,
    "churned_uninstall": 0.05,
    "churned_stop": 0.05,
    "churned_inactive": 0.10,
    "never_engaged": 0.12,
    "brand_new": 0.07,
}
_CHURNED = ("churned_uninstall", "churned_stop", "churned_inactive")

# country, calling code, currency, fx per USD, iOS share, WhatsApp share,
# national (trunk 0) phone format usable, email domains, (time zone, weight)s.
_COUNTRIES: list[tuple[str, float, str, str, float, float, float, bool, list[str], list]] = [
    ("US", 0.34, "1", "USD", 1.0, 0.55, 0.15, False,
     ["gmail.com", "yahoo.com", "outlook.com", "icloud.com", "aol.com"],
     [("America/New_York", 0.45), ("America/Chicago", 0.27), ("America/Denver", 0.08),
      ("America/Phoenix", 0.03), ("America/Los_Angeles", 0.17)]),
    ("GB", 0.12, "44", "GBP", 0.79, 0.50, 0.35, True,
     ["gmail.com", "outlook.com", "hotmail.co.uk", "btinternet.com", "icloud.com"],
     [("Europe/London", 1.0)]),
    ("DE", 0.07, "49", "EUR", 0.92, 0.35, 0.65, True,
     ["gmail.com", "web.de", "gmx.de", "t-online.de"], [("Europe/Berlin", 1.0)]),
    ("FR", 0.05, "33", "EUR", 0.92, 0.35, 0.45, True,
     ["gmail.com", "orange.fr", "free.fr", "hotmail.fr"], [("Europe/Paris", 1.0)]),
    ("ES", 0.04, "34", "EUR", 0.92, 0.25, 0.85, False,
     ["gmail.com", "hotmail.es", "yahoo.es"],
     [("Europe/Madrid", 0.9), ("Atlantic/Canary", 0.1)]),
    ("NL", 0.03, "31", "EUR", 0.92, 0.40, 0.80, True,
     ["gmail.com", "ziggo.nl", "outlook.com", "kpnmail.nl"], [("Europe/Amsterdam", 1.0)]),
    ("BR", 0.12, "55", "BRL", 5.0, 0.15, 0.90, True,
     ["gmail.com", "hotmail.com", "uol.com.br", "bol.com.br"],
     [("America/Sao_Paulo", 0.85), ("America/Manaus", 0.08), ("America/Recife", 0.07)]),
    ("IN", 0.14, "91", "INR", 83.0, 0.05, 0.90, True,
     ["gmail.com", "yahoo.co.in", "rediffmail.com", "outlook.com"], [("Asia/Kolkata", 1.0)]),
    ("AU", 0.09, "61", "AUD", 1.52, 0.55, 0.25, True,
     ["gmail.com", "bigpond.com", "outlook.com", "icloud.com"],
     [("Australia/Sydney", 0.5), ("Australia/Melbourne", 0.25), ("Australia/Brisbane", 0.12),
      ("Australia/Perth", 0.08), ("Australia/Adelaide", 0.05)]),
]  # fmt: skip


def _words(text: str) -> list[str]:
    return text.split()


_ZONES = sorted({tz for c in _COUNTRIES for tz, _ in c[9]})
_US_AREAS = _words(
    "212 213 305 312 404 415 469 512 602 617 646 702 713 718 720 773 786 818 917 206"
)
_FIRST = _words(
    "maria james ana john priya lucas emma oliver sofia liam aarav chloe noah isabela rahul mia "
    "jack lena pedro grace arjun julia ethan amelie mateo zoe hugo ava felix nina"
)
_LAST = _words(
    "silva smith kumar jones santos brown muller patel garcia wilson martin sharma oliveira "
    "taylor schmidt dubois lopez nguyen costa walker singh moreau fischer evans white rossi"
)
_CATEGORIES = _words("shoes apparel electronics beauty home sports toys grocery")
_SCREENS = _words("home search category product_list offers account wishlist cart")
_REPLIES = [
    "What time do you open tomorrow?", "Is this still in stock?", "Thanks, see you Saturday",
    "Can someone call me back?", "How much is delivery?", "Do you have it in size 9?",
    "Sounds good", "Can I change my appointment?", "Where is my order?",
    "Is the discount valid online?", "Great, thanks!", "Send me the link again please",
]  # fmt: skip
_STOP_VARIANTS = [" Stop ", "stop", "STOPALL", "UNSUBSCRIBE", "Cancel"]
_BAD_TZ = ["Mars/Olympus", "EST5EDT-bad", "", None]
_BAD_TS = ["not-a-date", "", None, "2026-13-45T99:00:00"]
_UNKNOWN = {
    "message": ["sms_rcvd", "Opened_v2", "delivery_receipt", "link_click_v2"],
    "app": ["screen_vu", "App Opened", "purchase_v2", "session_start"],
    "web": ["pageview", "Page Viewed (v2)", "form_submit", "cart_add"],
    "calls": ["no_answer", "ringing", "failed_dial"],
}
_IPHONE_UA = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) CriOS/122.0.6261.89 Mobile/15E148 Safari/604.1",
]
_ANDROID_UA = [
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/123.0.6312.99 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36",
]
_DESKTOP_UA = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/123.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.3 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:124.0) Gecko/20100101 Firefox/124.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/122.0.0.0 Safari/537.36 Edg/122.0.2365.92",
]
_SHOP = "https://shop.example.com"

_DAY_MS = 86_400_000
_TEMP_TABLES = (
    "_lp_country",
    "_lp_tzday",
    "_lp_lead0",
    "_lp_lead",
    "_lp_day",
    "_lp_sess",
    "_lp_expo",
)
_TEMP_MACROS = ("_lp_h", "_lp_r", "_lp_hex", "_lp_ts", "_lp_phone")


# --------------------------------------------------------------------------- SQL helpers


def _lit(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _list(items: Sequence[object]) -> str:
    return "[" + ", ".join(_lit(item) for item in items) + "]::varchar[]"


def _pick(r: str, items: Sequence[object]) -> str:
    """Uniform choice from a literal list, driven by the [0,1) expression r."""
    n = len(items)
    return f"({_list(items)})[1 + least(floor({r} * {n})::int, {n - 1})]"


def _wpick(r: str, pairs: Sequence[tuple[str, float]]) -> str:
    """Weighted choice of SQL expressions; r must be a column (it is repeated)."""
    if len(pairs) == 1:
        return pairs[0][0]
    total = sum(w for _, w in pairs)
    acc = 0.0
    whens = []
    for expr, weight in pairs[:-1]:
        acc += weight / total
        whens.append(f"when {r} < {acc:.9f} then {expr}")
    return f"case {' '.join(whens)} else {pairs[-1][0]} end"


def _sub(sql: str, **tokens: object) -> str:
    for key, value in tokens.items():
        sql = sql.replace(f"@{key}@", str(value))
    return sql


def _copies(r: str, kinds: Sequence[tuple[int, float]]) -> str:
    """List of copy codes for a row: [0] plus at most one mess copy."""
    acc = 0.0
    whens = []
    for code, rate in kinds:
        if rate <= 0:
            continue
        acc += rate
        whens.append(f"when {r} < {acc!r} then [0, {code}]")
    if not whens:
        return "[0]"
    return f"case {' '.join(whens)} else [0] end"


# --------------------------------------------------------------------------- statements


_MACROS = """
-- the outer hash() decorrelates draws that differ only in their salt
create or replace temp macro _lp_h(a, b, c, k, salt) as
    hash(hash(salt::varchar, @SEED@::bigint, a::bigint, b::bigint, c::bigint, k::bigint));
create or replace temp macro _lp_r(a, b, c, k, salt) as
    ((_lp_h(a, b, c, k, salt) >> 11)::double / 9007199254740992.0);
create or replace temp macro _lp_hex(h) as format('{:016x}', h);
-- ms: UTC epoch ms; off: the lead's UTC offset that day in minutes; r, rf:
-- [0,1) draws choosing the format and fractional seconds.
create or replace temp macro _lp_ts(ms, off, r, rf) as (
    case
        when r >= @OFFSET_SHARE@ then
            case when rf < @FRAC_SHARE@
                then strftime(epoch_ms(ms), '%Y-%m-%d %H:%M:%S.%g')
                else strftime(epoch_ms(ms), '%Y-%m-%d %H:%M:%S') end
        when r < @OFFSET_SHARE@ * 0.4 then
            case when rf < @FRAC_SHARE@
                then strftime(epoch_ms(ms), '%Y-%m-%dT%H:%M:%S.%gZ')
                else strftime(epoch_ms(ms), '%Y-%m-%dT%H:%M:%SZ') end
        else
            case when rf < @FRAC_SHARE@
                then strftime(epoch_ms(ms + off * 60000), '%Y-%m-%dT%H:%M:%S.%g')
                else strftime(epoch_ms(ms + off * 60000), '%Y-%m-%dT%H:%M:%S') end
            || (case when off < 0 then '-' else '+' end)
            || lpad((abs(off) // 60)::varchar, 2, '0') || ':'
            || lpad((abs(off) % 60)::varchar, 2, '0')
    end
);
-- A phone number written in format f (0 = E.164). US numbers have US forms
-- (bare digits among them); format 6 is national with trunk 0, only when
-- allowed (else written as 2, the 00 form).
create or replace temp macro _lp_phone(cc, nsn, f, national_ok) as (
    case
        when nsn is null then null
        when cc = '1' then
            case f
                when 0 then '+1' || nsn
                when 1 then '+1 (' || nsn[1:3] || ') ' || nsn[4:6] || '-' || nsn[7:10]
                when 2 then '(' || nsn[1:3] || ') ' || nsn[4:6] || '-' || nsn[7:10]
                when 3 then nsn
                when 4 then nsn[1:3] || '-' || nsn[4:6] || '-' || nsn[7:10]
                when 5 then nsn[1:3] || '.' || nsn[4:6] || '.' || nsn[7:10]
                when 6 then '001 ' || nsn[1:3] || ' ' || nsn[4:6] || ' ' || nsn[7:10]
                else '1-' || nsn[1:3] || '-' || nsn[4:6] || '-' || nsn[7:10]
            end
        else
            case
                when f = 0 then '+' || cc || nsn
                when f = 1 then '+' || cc || ' ' || nsn[1:-9] || ' ' || nsn[-8:-5]
                    || ' ' || nsn[-4:]
                when f = 3 then '+' || cc || '-' || nsn[1:-9] || '-' || nsn[-8:-5]
                    || '-' || nsn[-4:]
                when f = 4 then '+' || cc || '.' || nsn[1:-9] || '.' || nsn[-8:-5]
                    || '.' || nsn[-4:]
                when f = 5 then '+' || cc || ' ' || nsn
                when f = 6 and national_ok then '0' || nsn[1:-9] || ' ' || nsn[-8:-5]
                    || ' ' || nsn[-4:]
                when f = 7 then '+' || cc || ' (' || nsn[1:-9] || ') ' || nsn[-8:-5]
                    || ' ' || nsn[-4:]
                else '00' || cc || ' ' || nsn[1:-9] || ' ' || nsn[-8:-5] || ' ' || nsn[-4:]
            end
    end
);
"""


def _country_sql() -> str:
    rows = []
    for code, weight, cc, cur, fx, ios, wa, national, domains, _ in _COUNTRIES:
        rows.append(
            f"({_lit(code)}, {weight}, {_lit(cc)}, {_lit(cur)}, {fx}, {ios}, {wa}, "
            f"{_lit(national)}, {_list(domains)})"
        )
    return (
        "create temp table _lp_country as select * from (values\n    "
        + ",\n    ".join(rows)
        + "\n) as t(country_code, weight, cc, currency, fx, ios_share, wa_share, "
        "national_ok, domains)"
    )


def _tzday_sql(days: int, as_of: datetime.date) -> str:
    # Offset at local noon-ish (12:00 UTC) of each day, for every zone used.
    return _sub(
        """
create temp table _lp_tzday as
with z as (select unnest(@ZONES@) as tz, generate_subscripts(@ZONES@, 1) as tz_id),
g as (select range as d from range(0, @NDAYS@)),
o as (
    select
        z.tz_id,
        g.d,
        ((epoch(timezone(z.tz, timezone('UTC',
            (date '@ASOF@' - g.d::int)::timestamp + interval 12 hour)))
          - epoch((date '@ASOF@' - g.d::int)::timestamp + interval 12 hour)) / 60)::int
            as off_min
    from z cross join g
)
select tz_id, d, off_min from o
""",
        ZONES=_list(_ZONES),
        NDAYS=2 * days + 420,
        ASOF=as_of.isoformat(),
    )


def _lead_sql(n: int, days: int, rates: MessRates) -> str:
    r = "_lp_r(lead_idx, 0, 0, 0, '{}')"
    names = list(PERSONAS)
    persona_pick = _wpick("r_persona", [(_lit(p), w) for p, w in PERSONAS.items()])
    country_pick = _wpick("r_country", [(_lit(c[0]), c[1]) for c in _COUNTRIES])
    tz_cases = []
    for c in _COUNTRIES:
        tz_cases.append(
            f"when {_lit(c[0])} then " + _wpick("r_tz", [(_lit(tz), w) for tz, w in c[9]])
        )
    tz_pick = "case country_code " + " ".join(tz_cases) + " end"
    churned_share = sum(PERSONAS[p] for p in _CHURNED)
    habit_pick = _wpick(
        "r_habit",
        [("'business'", 0.30), ("'evening'", 0.35), ("'weekend'", 0.20), ("'night'", 0.15)],
    )
    signup_pick = _wpick(
        "r_signup",
        [("'web_form'", 0.45), ("'app'", 0.20), ("'offline_event'", 0.10),
         ("'import'", 0.10), ("'referral'", 0.15)],
    )  # fmt: skip
    utm_web = _wpick(
        "r_utm",
        [("'google|cpc'", 0.28), ("'facebook|paid_social'", 0.18), ("'google|organic'", 0.18),
         ("'instagram|social'", 0.10), ("'newsletter|email'", 0.09), ("'sms|sms'", 0.05),
         ("NULL", 0.12)],
    )  # fmt: skip
    utm_app = _wpick(
        "r_utm", [("'facebook|paid_social'", 0.4), ("'google|cpc'", 0.3), ("NULL", 0.3)]
    )
    stage_pick = _wpick(
        "r_stage",
        [("2", 0.25), ("3", 0.28), ("4", 0.20), ("5", 0.12), ("6", 0.07), ("7", 0.08)],
    )
    return _sub(
        """
create temp table _lp_lead0 as
with b as (
    select
        range as lead_idx,
        @R_persona@ as r_persona, @R_country@ as r_country, @R_tz@ as r_tz,
        @R_area@ as r_area, @R_mob@ as r_mob, @R_first@ as r_first, @R_last@ as r_last,
        @R_epat@ as r_epat, @R_dom@ as r_dom, @R_plat@ as r_plat, @R_wa@ as r_wa,
        @R_hasem@ as r_hasem, @R_hasph@ as r_hasph, @R_app@ as r_app, @R_web@ as r_web,
        @R_rcs@ as r_rcs, @R_wmob@ as r_wmob, @R_ck1@ as r_ck1, @R_habit@ as r_habit,
        @R_cre@ as r_cre, @R_tod@ as r_tod, @R_last_d@ as r_lastd, @R_f1@ as r_f1,
        @R_f2@ as r_f2, @R_f3@ as r_f3, @R_f4@ as r_f4, @R_f2on@ as r_f2on,
        @R_f3on@ as r_f3on, @R_f4on@ as r_f4on, @R_fo1@ as r_fo1, @R_fo2@ as r_fo2,
        @R_od@ as r_od, @R_odon@ as r_odon, @R_anon@ as r_anon, @R_login@ as r_login,
        @R_shared@ as r_shared, @R_signup@ as r_signup, @R_utm@ as r_utm,
        @R_utmc@ as r_utmc, @R_stage@ as r_stage, @R_nv@ as r_nv, @R_nv3@ as r_nv3,
        @R_tzbad@ as r_tzbad, @R_tzpick@ as r_tzpick, @R_emess@ as r_emess,
        @R_evar@ as r_evar, @R_ooa@ as r_ooa, @R_era@ as r_era, @R_req@ as r_req,
        @R_reqt@ as r_reqt, @R_pexp@ as r_pexp,
        ((range * 2654435761 + @SEED8@) % 100000000) as m8,
        ((range * 2654435761 + @SEED9@) % 1000000000) as m9,
        ((range * 2654435761 + @SEED160@) % 160000000) as u160
    from range(0, @N@)
),
p as (
    select
        *,
        case when lead_idx < 11 then (@PERSONAS@)[lead_idx + 1] else @PERSONA_PICK@ end
            as persona,
        @COUNTRY_PICK@ as country_code
    from b
),
c as (
    select p.*, k.cc, k.currency, k.fx, k.ios_share, k.wa_share, k.national_ok, k.domains,
        @TZ_PICK@ as tz
    from p join _lp_country as k using (country_code)
),
ch as (
    select
        *,
        case country_code
            when 'US' then (@US_AREAS@)[1 + (u160 // 8000000)::int]
                || (2000000 + u160 % 8000000)::varchar
            when 'GB' then case when r_mob < 0.7 then '7' || lpad(m9::varchar, 9, '0')
                else '20' || lpad(m8::varchar, 8, '0') end
            when 'DE' then '15' || (['1', '2', '7'])[1 + floor(r_mob * 3)::int]
                || lpad(m8::varchar, 8, '0')
            when 'BR' then (['11', '21', '31', '41', '51', '61', '71', '81'])
                [1 + floor(r_mob * 8)::int] || '9' || lpad(m8::varchar, 8, '0')
            when 'IN' then (['9', '8', '7'])[1 + floor(r_mob * 3)::int]
                || lpad(m9::varchar, 9, '0')
            when 'AU' then '4' || lpad(m8::varchar, 8, '0')
            else '6' || lpad(m8::varchar, 8, '0')
        end as nsn_all,
        (@FIRST@)[1 + floor(r_first * @NFIRST@)::int] as first_name,
        (@LAST@)[1 + floor(r_last * @NLAST@)::int] as last_name,
        case when r_plat < ios_share then 'ios' else 'android' end as platform,
        persona in ('active_app_user', 'churned_uninstall')
            or (persona = 'loyal_buyer' and (lead_idx < 11 or r_app < 0.8))
            or (persona in ('going_dormant', 'at_risk', 'churned_inactive', 'brand_new')
                and r_app < 0.5)
            or (persona = 'sms_replier' and r_app < 0.2) as has_app,
        list_position(@ZONES@, tz) as tz_id,
        case persona
            when 'active_app_user' then r_web < 0.3
            when 'loyal_buyer' then r_web < 0.8 or r_app >= 0.8
            when 'sms_replier' then r_web < 0.5
            when 'churned_uninstall' then r_web < 0.3
            when 'episodic_opener' then false
            when 'never_engaged' then false
            when 'churned_stop' then false
            else r_web < 0.7
        end as has_web,
        persona <> 'churned_stop' and r_hasem < 0.9 as has_email0,
        persona in ('sms_replier', 'churned_stop') or r_hasph < 0.93 as has_phone0,
        case when persona = 'active_app_user' then 'evening'
             when persona = 'sms_replier' then 'business'
             else @HABIT_PICK@ end as habit,
        @SIGNUP_PICK@ as signup_channel,
        case persona
            when 'loyal_buyer' then 60 + floor(r_cre * (@D@ + 120))::int
            when 'active_app_user' then 35 + floor(r_cre * (@D@ + 120))::int
            when 'sms_replier' then 35 + floor(r_cre * (@D@ + 120))::int
            when 'episodic_opener' then 65 + floor(r_cre * (@D@ + 120))::int
            when 'at_risk' then 75 + floor(r_cre * (@D@ + 60))::int
            when 'never_engaged' then 15 + floor(r_cre * (@D@ + 100))::int
            when 'brand_new' then floor(r_cre * 14)::int
            else null
        end as created_fixed,
        case persona
            when 'going_dormant' then 33 + floor(r_lastd * 50)::int
            when 'churned_uninstall' then greatest(least(5 + floor(r_lastd * 56)::int,
                @D@ - 10), 1)
            when 'churned_stop' then greatest(least(5 + floor(r_lastd * 56)::int,
                @D@ - 10), 1)
            when 'churned_inactive' then case when @D@ >= 96
                then 93 + floor(r_lastd * greatest(@D@ - 100, 1))::int
                else greatest(@D@ - 3, 1) end
            when 'at_risk' then 2 + floor(r_lastd * 21)::int
            else 0
        end as last_d
    from c
),
cr as (
    select
        *,
        has_email0 or not has_phone0 as has_email,
        has_phone0 as has_phone,
        case when has_phone0 then nsn_all end as nsn,
        coalesce(created_fixed, last_d + 10 + floor(r_cre * (@D@ + 60))::int) as created_d
    from ch
),
f as (
    select
        *,
        least(created_d, @D@) as a0,
        -- forced anchor days (local day numbers, days before as_of)
        case
            when persona in ('loyal_buyer', 'active_app_user', 'sms_replier')
                then 2 + floor(r_f1 * 8)::int
            when persona = 'episodic_opener' then 2 + floor(r_f1 * 21)::int
            when persona = 'brand_new' then created_d
            when persona = 'never_engaged' then null
            else last_d
        end as f1,
        case
            when persona in ('loyal_buyer', 'active_app_user', 'sms_replier')
                then 10 + floor(r_f2 * 8)::int
            when persona = 'episodic_opener' and r_f2on < 0.5 then 2 + floor(r_f2 * 21)::int
            when persona = 'at_risk' then 32 + floor(r_f2 * 3)::int
        end as f2,
        case
            when persona in ('loyal_buyer', 'active_app_user', 'sms_replier')
                then 18 + floor(r_f3 * 8)::int
            when persona = 'episodic_opener' and r_f3on < 0.6 then 32 + floor(r_f3 * 21)::int
            when persona = 'at_risk' then 40 + floor(r_f3 * 3)::int
        end as f3,
        case
            when persona = 'episodic_opener' and r_f4on < 0.3 then 32 + floor(r_f4 * 21)::int
            when persona = 'at_risk' then 48 + floor(r_f4 * 3)::int
        end as f4,
        -- first day (most recent) on which random activity may happen
        case persona
            when 'going_dormant' then last_d + 1
            when 'churned_uninstall' then last_d + 1
            when 'churned_stop' then last_d + 1
            when 'churned_inactive' then last_d + 1
            when 'at_risk' then 32
            when 'episodic_opener' then 62
            when 'never_engaged' then 1000000
            else 0
        end as lo_d,
        case persona
            when 'loyal_buyer' then 0.40
            when 'active_app_user' then 0.50
            when 'sms_replier' then 0.30
            when 'episodic_opener' then 0.04
            when 'brand_new' then 0.50
            when 'churned_uninstall' then 0.35
            when 'churned_stop' then 0.25
            when 'never_engaged' then 0.0
            else 0.30
        end as p_day0
    from cr
)
select
    *,
    'L' || lpad(m8::varchar, 8, '0') as lead_id,
    case when has_email then
        case when r_epat < 0.4 then first_name || '.' || last_name
             when r_epat < 0.6 then first_name
             when r_epat < 0.8 then first_name[1] || '.' || last_name
             else first_name || '_' || last_name end
        || m8::varchar || '@' || domains[1 + floor(r_dom * len(domains))::int]
    end as email,
    r_wa < wa_share and has_phone and persona <> 'churned_stop' as has_wa,
    platform = 'android' and r_rcs < 0.3 and has_phone and persona <> 'churned_stop'
        as has_rcs,
    r_wmob < 0.55 as web_mobile,
    r_ck1 < 0.35 as has_ck1,
    'dev_' || _lp_hex(_lp_h(lead_idx, 0, 0, 0, 'device')) as device_id,
    'ck_' || _lp_hex(_lp_h(lead_idx, 0, 0, 0, 'cookie0')) as cookie0,
    'ck_' || _lp_hex(_lp_h(lead_idx, 0, 0, 0, 'cookie1')) as cookie1,
    least(p_day0 * case habit when 'business' then 1.4 when 'weekend' then 3.5 else 1.0 end,
          0.95) as p_day,
    case when persona = 'loyal_buyer' then 3 + floor(r_fo1 * 18)::int end as fo1,
    case when persona = 'loyal_buyer' then
        greatest(35 + floor(r_fo2 * greatest(least(least(created_d, @D@), 300) - 36, 1))::int,
                 22)
    end as fo2,
    case when persona in ('active_app_user', 'sms_replier', 'brand_new', 'going_dormant',
                          'churned_inactive', 'at_risk', 'churned_uninstall')
              and r_odon < 0.35
        then lo_d + floor(r_od * greatest(least(created_d, @D@) - lo_d, 1))::int
    end as od,
    -- anonymous device/cookie days: days after login_d (older) are anonymous
    case when (has_app or has_web)
              and persona in ('loyal_buyer', 'active_app_user', 'sms_replier', 'brand_new',
                              'going_dormant', 'churned_inactive')
              and r_anon < @ANON_RATE@
              and least(created_d, @D@) - 1 - floor(r_login * 5)::int >= lo_d
              and least(created_d, @D@) - 1 - floor(r_login * 5)::int >= 0
        then least(created_d, @D@) - 1 - floor(r_login * 5)::int
    end as login_d,
    @E0@::bigint - created_d::bigint * 86400000
        + floor(r_tod * 79200000)::bigint as created_ms,
    case when signup_channel = 'web_form' then @UTM_WEB@
         when signup_channel = 'app' then @UTM_APP@
         when signup_channel = 'referral' then 'partner|referral'
    end as utm,
    case when persona = 'loyal_buyer' then 7
         when persona = 'never_engaged' then 2 + (r_stage < 0.5)::int
         else @STAGE_PICK@ end as stage_final,
    case when r_nv < @CDC_RATE@ then 2 + (r_nv3 < 0.4)::int else 1 end as nv,
    case when r_tzbad < @TZBAD_RATE@ then @BAD_TZ_PICK@ else tz end as tz_pub,
    r_emess < @EMAIL_RATE@ as email_messy,
    (persona in @CHURNED@ and r_ooa < @OOA_RATE@ / @CHURNED_SHARE@
        or (lead_idx = 7 and @OOA_RATE@ > 0)) and last_d >= 3 as has_opt_out_all,
    (r_era < @ERA_RATE@ or (lead_idx = 9 and @ERA_RATE@ > 0)) as has_erasure,
    -- outbound exposure: probability per day of a campaign message or call
    case persona when 'never_engaged' then 0.16 when 'churned_stop' then 0.10 else 0.13 end
        as p_expo
from f
""",
        **{f"R_{s}": r.format(s) for s in [
            "persona", "country", "tz", "area", "mob", "first", "last", "epat", "dom", "plat",
            "wa", "hasem", "hasph", "app", "web", "rcs", "wmob", "ck1", "habit", "cre", "tod",
            "last_d", "f1", "f2", "f3", "f4", "f2on", "f3on", "f4on", "fo1", "fo2", "od",
            "odon", "anon", "login", "shared", "signup", "utm", "utmc", "stage", "nv", "nv3",
            "tzbad", "tzpick", "emess", "evar", "ooa", "era", "req", "reqt", "pexp"]},
        PERSONAS=_list(names),
        PERSONA_PICK=persona_pick,
        COUNTRY_PICK=country_pick,
        TZ_PICK=tz_pick,
        ZONES=_list(_ZONES),
        US_AREAS=_list(_US_AREAS),
        FIRST=_list(_FIRST),
        NFIRST=len(_FIRST),
        LAST=_list(_LAST),
        NLAST=len(_LAST),
        HABIT_PICK=habit_pick,
        SIGNUP_PICK=signup_pick,
        UTM_WEB=utm_web,
        UTM_APP=utm_app,
        STAGE_PICK=stage_pick,
        ANON_RATE=rates.anonymous_before_login_rate,
        CDC_RATE=rates.cdc_multi_version_rate,
        TZBAD_RATE=rates.invalid_timezone_rate,
        BAD_TZ_PICK=_pick("r_tzpick", _BAD_TZ),
        EMAIL_RATE=rates.messy_email_rate,
        CHURNED="(" + ", ".join(_lit(p) for p in _CHURNED) + ")",
        OOA_RATE=rates.opt_out_all_rate,
        CHURNED_SHARE=churned_share,
        ERA_RATE=rates.erasure_rate,
        N=n,
        D=days,
    )  # fmt: skip


_LEAD_FINAL = """
create temp table _lp_lead as
select
    b.*,
    z.off_min as created_off,
    case when b.has_app and a.has_app and a.lead_idx <> b.lead_idx
              -- per device: a lead with the app borrows its partner's with this
              -- probability over the share of leads that have the app
              and (b.r_shared < @SHARED_RATE@ / (select avg(has_app::int) from _lp_lead0)
                   or (b.lead_idx = 0 and @SHARED_RATE@ > 0))
        then a.device_id end as shared_device,
    a.platform as shared_platform,
    -- the partner's device is used only after the partner's own (anonymous)
    -- start, so its anonymous events precede every tie to a lead
    case when a.login_d is not null then a.login_d else a.a0 end as shared_until_d
from _lp_lead0 as b
join _lp_lead0 as a on a.lead_idx = (b.lead_idx + 1) % @N@
left join _lp_tzday as z on z.tz_id = b.tz_id and z.d = b.created_d
"""

_DAY = """
create temp table _lp_day as
with g as (
    select
        l.lead_idx, l.persona, l.f1, l.tz_id, g.d,
        g.d <= l.a0 and (
            g.d in (l.f1, l.f2, l.f3, l.f4, l.fo1, l.fo2, l.login_d)
            or g.d >= l.lo_d
                and _lp_r(l.lead_idx, g.d, 0, 0, 'day') < l.p_day
                and case l.habit
                    when 'business' then ((@DOW0@ - 1 - g.d) % 7 + 7) % 7 < 5
                    when 'weekend' then ((@DOW0@ - 1 - g.d) % 7 + 7) % 7 >= 5
                    else true end
        ) as engaged,
        g.d < l.created_d
            and _lp_r(l.lead_idx, g.d, 9, 0, 'expo') < l.p_expo
            and (l.persona <> 'churned_stop' or g.d > l.f1) as exposed
    from _lp_lead as l
    cross join range(0, @D@ + 1) as g(d)
    where g.d <= l.created_d
),
f as (
    select * from g where engaged or exposed
)
select
    f.lead_idx,
    f.d,
    -- the lead's UTC offset that (local) day; joined here, in a table, so
    -- that later pipelines read it from storage
    z.off_min,
    coalesce(f.exposed, false) as exposed,
    case
        when not coalesce(f.engaged, false) then null
        when f.persona = 'episodic_opener' then 'open1'
        when f.persona = 'at_risk' and f.d = f.f1 then 'open1'
        when f.persona = 'churned_uninstall' and f.d = f.f1 then 'uninstall'
        when f.persona = 'churned_stop' and f.d = f.f1 then 'stop'
    end as day_kind,
    case
        when not coalesce(f.engaged, false) then 0
        when f.persona = 'episodic_opener' or f.d = f.f1 and f.persona in
            ('at_risk', 'churned_uninstall', 'churned_stop') then 1
        else 1 + (_lp_r(f.lead_idx, f.d, 0, 0, 'ns1') < 0.3)::int
            + (_lp_r(f.lead_idx, f.d, 0, 0, 'ns2') < 0.1)::int
    end as n_sess
from f
join _lp_tzday as z on z.tz_id = f.tz_id and z.d = f.d
"""


def _sess_sql() -> str:
    kind_pick = {
        "loyal_buyer": [("'app'", 0.40), ("'web'", 0.28), ("'open'", 0.17), ("'reply'", 0.05),
                        ("'call'", 0.05), ("'store'", 0.05)],
        "active_app_user": [("'app'", 0.85), ("'web'", 0.05), ("'open'", 0.10)],
        "sms_replier": [("'reply'", 0.60), ("'call'", 0.20), ("'open'", 0.10), ("'web'", 0.10)],
        "churned_uninstall": [("'app'", 0.80), ("'open'", 0.20)],
        "churned_stop": [("'reply'", 0.75), ("'open'", 0.25)],
    }  # fmt: skip
    generic = [("'app'", 0.35), ("'web'", 0.30), ("'open'", 0.15), ("'reply'", 0.10),
               ("'call'", 0.10)]  # fmt: skip
    raw_kind = (
        "case persona "
        + " ".join(f"when {_lit(p)} then {_wpick('r_kind', w)}" for p, w in kind_pick.items())
        + f" else {_wpick('r_kind', generic)} end"
    )
    return _sub(
        """
create temp table _lp_sess as
with x as (
    select lead_idx, d, day_kind, off_min, unnest(range(n_sess)) as s from _lp_day
    where n_sess > 0
),
y as (
    select
        x.lead_idx, x.d, x.s, x.day_kind,
        l.lead_id, l.persona, l.habit, l.created_ms, l.has_app, l.has_web, l.has_email,
        l.has_phone, l.has_wa, l.has_rcs, l.email, l.email_messy, l.cc, l.nsn, l.national_ok,
        l.platform, l.device_id, l.cookie0, l.cookie1, l.has_ck1, l.web_mobile, l.login_d,
        l.shared_device, l.shared_platform, l.shared_until_d, l.fo1, l.fo2, l.od, l.f1,
        l.currency, l.fx, l.utm,
        x.off_min,
        _lp_r(x.lead_idx, x.d, x.s, 0, 'kind') as r_kind,
        _lp_r(x.lead_idx, x.d, x.s, 0, 'hab') as r_hab,
        _lp_r(x.lead_idx, x.d, x.s, 0, 'tod') as r_tod,
        _lp_r(x.lead_idx, x.d, x.s, 0, 'sec') as r_sec,
        _lp_r(x.lead_idx, x.d, x.s, 0, 'clamp') as r_clamp,
        _lp_r(x.lead_idx, x.d, x.s, 0, 'chan') as r_chan,
        _lp_r(x.lead_idx, x.d, x.s, 0, 'ord') as r_ord,
        _lp_r(x.lead_idx, x.d, x.s, 0, 'tail') as r_tail,
        _lp_r(x.lead_idx, x.d, x.s, 0, 'nb') as r_nb,
        _lp_r(x.lead_idx, x.d, x.s, 0, 'shr') as r_shr,
        _lp_r(x.lead_idx, x.d, x.s, 0, 'ck') as r_ck,
        _lp_r(x.lead_idx, x.d, x.s, 0, 'cdir') as r_cdir,
        _lp_r(x.lead_idx, x.d, x.s, 0, 'cst') as r_cst,
        _lp_r(x.lead_idx, x.d, x.s, 0, 'cdur') as r_cdur,
        _lp_r(x.lead_idx, x.d, x.s, 0, 'amt') as r_amt
    from x
    join _lp_lead as l on l.lead_idx = x.lead_idx
),
k0 as (
    select
        *,
        case
            when day_kind is not null then day_kind
            when s = 0 and (d = login_d or d = fo1 or d = fo2)
                then case when has_app then 'app' else 'web' end
            else @RAW_KIND@
        end as kind0,
        -- local minute of day from the habit (80%) or any waking hour
        case
            when r_hab >= 0.8 then 420 + floor(r_tod * 960)::int
            when habit = 'business' then 480 + floor(r_tod * 600)::int
            when habit = 'evening' then 1080 + floor(r_tod * 300)::int
            when habit = 'weekend' then 480 + floor(r_tod * 900)::int
            else (1380 + floor(r_tod * 540)::int) % 1440
        end as local_min
    from y
),
k as (
    select
        *,
        case
            when kind0 = 'app' and not has_app then
                case when has_web then 'web' else 'open' end
            when kind0 = 'web' and not has_web then
                case when has_app then 'app' else 'open' end
            when kind0 in ('reply', 'call') and not has_phone then 'open'
            else kind0
        end as kind,
        s = 0 and coalesce(d = login_d, false) as is_login,
        greatest(
            @E0@::bigint - d * 86400000 + local_min * 60000 + floor(r_sec * 60000)::bigint
                - off_min * 60000,
            created_ms + 60000 + floor(r_clamp * 5400000)::bigint
        ) as start_ms
    from k0
)
select
    lead_idx,
    d,
    s,
    kind,
    persona,
    created_ms,
    has_email,
    case
        when kind = 'stop' then 'sms'
        when kind = 'reply' then case when has_wa and r_chan < 0.3 then 'whatsapp' else 'sms' end
        when persona = 'churned_stop' then 'sms'
        when r_chan < 0.55 and has_email then 'email'
        when r_chan < 0.70 and has_app then 'push'
        when r_chan < 0.80 and has_wa then 'whatsapp'
        when r_chan < 0.85 and has_rcs then 'rcs'
        when has_phone then 'sms'
        else 'email'
    end as mchan,
    off_min,
    start_ms,
    is_login,
    r_tail,
    r_ord,
    r_cdur,
    kind = 'app' and shared_device is not null and d < shared_until_d and r_shr < 0.5
        and not is_login as on_shared,
    kind = 'web' and has_ck1 and r_ck < 0.3 and not is_login as on_ck1,
    (kind in ('app', 'web') and (
        (s = 0 and (d = fo1 or d = fo2))
        or (persona = 'loyal_buyer' and r_ord < 0.2)
        or (s = 0 and d = od)))
    or kind = 'store' as is_order,
    s = 0 and (d = fo1 or d = fo2) as is_protected_order,
    case when kind = 'app' then 2 + floor(r_nb * 7)::int
         when kind = 'web' then 1 + floor(r_nb * 5)::int + is_login::int
         else 1 end as n_base,
    case when r_cdir < 0.75 then 'inbound' else 'outbound' end as call_dir,
    case when r_cdir >= 0.75 or r_cst < 0.70 then 'answered'
         when r_cst < 0.88 then 'missed'
         when r_cst < 0.96 then 'voicemail'
         else 'busy' end as call_status,
    round((15 + r_amt * r_amt * 385) * fx, 2)::decimal(18, 2) as amount
from k
""",
        RAW_KIND=raw_kind,
    )


_EXPO = """
create temp table _lp_expo as
with g as (
    select
        g.lead_idx, g.d, 9 as s, g.off_min,
        l.lead_id, l.persona, l.created_ms, l.has_app, l.has_email, l.has_phone, l.has_wa,
        l.has_rcs, l.email, l.email_messy, l.cc, l.nsn, l.f1
    from _lp_day as g
    join _lp_lead as l on l.lead_idx = g.lead_idx
    where g.exposed
),
y as (
    select
        g.*,
        _lp_r(g.lead_idx, g.d, 9, 0, 'echan') as r_chan,
        _lp_r(g.lead_idx, g.d, 9, 0, 'ekind') as r_ekind,
        _lp_r(g.lead_idx, g.d, 9, 0, 'etod') as r_tod,
        _lp_r(g.lead_idx, g.d, 9, 0, 'eclamp') as r_clamp
    from g
)
select
    lead_idx, d, s, off_min, persona, created_ms, has_email, r_chan, r_tod,
    case when has_phone and r_ekind < 0.08 and persona <> 'churned_stop'
        then 'ocall' else 'msg' end as kind,
    case
        when r_chan < 0.40 and has_email then 'email'
        when r_chan < 0.70 and has_phone then 'sms'
        when r_chan < 0.80 and has_wa then 'whatsapp'
        when r_chan < 0.85 and has_rcs then 'rcs'
        when has_app and (persona <> 'churned_uninstall' or d > f1) then 'push'
        when has_email then 'email'
        else 'sms'
    end as mchan,
    greatest(
        @E0@::bigint - d * 86400000 + (540 + floor(r_tod * 720))::bigint * 60000 - off_min * 60000,
        created_ms + 60000 + floor(r_clamp * 3600000)::bigint
    ) as start_ms
from y
"""


def _loaded(ms: str, r_norm: str, r_late: str, late_rate: float) -> str:
    """_loaded_at in epoch ms: minutes to hours after ms, or 1-10 days (late); capped."""
    return (
        f"least(case when {r_late} < {late_rate!r} "
        f"then {ms} + 86400000 + floor({r_late} / greatest({late_rate!r}, 1e-12) "
        f"* 9 * 86400000)::bigint "
        f"else {ms} + 60000 + floor({r_norm} * {r_norm} * 14400000)::bigint end, @END@)"
    )


def _final_loaded(base: str, cp: str, r: str) -> str:
    """_loaded_at timestamp of a copy: re-delivered copies (cp 1) come later."""
    return (
        f"epoch_ms(case when {cp} = 1 then least({base} + 3600000 "
        f"+ floor({r} * 3 * 86400000)::bigint, @END@) else {base} end)"
    )


def _event_id(prefix: str, base: str, cp: str, rkey: str) -> str:
    return (
        f"case when {cp} = 6 then case when {rkey} < 0.5 then NULL else '' end "
        f"when {cp} in (3, 4, 5, 7, 8) then '{prefix}' || _lp_hex(hash({base}, {cp})) "
        f"else {base} end"
    )


def _occurred(fmt_expr: str, cp: str, rkey: str, future_ms: str | None = None) -> str:
    future = (
        f"when {cp} = 7 then strftime(epoch_ms({future_ms}), '%Y-%m-%dT%H:%M:%S.%gZ') "
        if future_ms
        else ""
    )
    return (
        f"case when {cp} = 4 then {_pick(rkey, _BAD_TS)} "
        f"when {cp} = 5 then '1970-01-01T00:00:00Z' {future}else {fmt_expr} end"
    )


def _message_sql(rates: MessRates) -> str:
    copies = _copies(
        "r_mess",
        [(1, rates.redelivered_duplicate_rate), (2, rates.exact_duplicate_rate),
         (3, rates.unknown_event_type_rate), (4, rates.bad_timestamp_rate),
         (5, rates.epoch_zero_rate), (6, rates.null_event_id_rate)],
    )  # fmt: skip
    ctype = _wpick(
        "r_ct",
        [("'promo'", 0.35), ("'seasonal_promo'", 0.10), ("'nurture'", 0.25),
         ("'transactional'", 0.15), ("'reminder'", 0.15)],
    )  # fmt: skip
    sv = rates.stop_variant_rate
    variant = _pick(f"r_body / greatest({sv!r}, 1e-12)", _STOP_VARIANTS)
    stop_body = f"case when r_body < {sv!r} then {variant} else 'STOP' end"
    return _sub(
        """
insert into raw.message_events
with m as (
    select lead_idx, d, s, kind, mchan as channel, start_ms, created_ms, off_min, persona,
        has_email
    from _lp_sess where kind in ('open', 'open1', 'reply', 'stop')
    union all
    select lead_idx, d, s, kind, mchan as channel, start_ms, created_ms, off_min, persona,
        has_email
    from _lp_expo where kind = 'msg'
),
m2 as (
    select
        *,
        _lp_r(lead_idx, d, s, 0, 'mflow') as r_flow,
        _lp_r(lead_idx, d, s, 0, 'mct') as r_ct,
        _lp_r(lead_idx, d, s, 0, 'mnl') as r_nl,
        _lp_r(lead_idx, d, s, 0, 'mclk') as r_clk,
        _lp_r(lead_idx, d, s, 0, 'mlead') as r_lead,
        _lp_r(lead_idx, d, s, 0, 'mdlv') as r_dlv,
        _lp_r(lead_idx, d, s, 0, 'maddr') as r_addr,
        _lp_r(lead_idx, d, s, 0, 'mbody') as r_body,
        _lp_r(lead_idx, d, s, 0, 'min') as r_in
    from m
),
m3 as (
    select
        *,
        case
            when kind = 'msg' then
                case when channel = 'email' and r_flow < 0.03 then [0, 5]
                     when r_flow < 0.06 then [0, 4]
                     else [0, 1] end
            when kind = 'open' and r_clk < 0.35 then [0, 1, 2, 3]
            when kind in ('open', 'open1') then [0, 1, 2]
            when kind = 'stop' then [0, 1, 7]
            when persona in ('sms_replier', 'loyal_buyer') and r_clk < 0.04 then [0, 1, 8]
            else [0, 1, 6]
        end as codes,
        case when kind = 'stop' then 'promo' else @CTYPE@ end as ctype,
        r_nl < @NULL_LEAD@ and (channel <> 'push' or has_email) as null_lead,
        case when kind = 'msg' then start_ms
             else greatest(start_ms - 120000 - floor(r_lead * 10800000)::bigint,
                           created_ms + 1000) end as sent_ms
    from m2
),
m4 as (
    select
        *,
        sent_ms + 2000 + floor(r_dlv * 58000)::bigint as dlv_ms,
        'cmp_' || ctype || '_' || channel || '_w' || ((@EDAY@ - d) // 7)::varchar
            as campaign_id,
        'msg_' || _lp_hex(_lp_h(lead_idx, d, s, 0, 'mid')) as message_id,
        'msg_' || _lp_hex(_lp_h(lead_idx, d, s, 0, 'mid_in')) as message_id_in
    from m3
),
e as (
    select *, unnest(codes) as code from m4
),
e2 as (
    select
        *,
        case code
            when 0 then sent_ms
            when 1 then dlv_ms
            when 4 then dlv_ms
            when 5 then dlv_ms
            when 2 then greatest(start_ms, dlv_ms + 5000)
            when 3 then greatest(start_ms, dlv_ms + 5000) + 5000
                + floor(_lp_r(lead_idx, d, s, 3, 'mclick') * 295000)::bigint
            else greatest(start_ms, dlv_ms + 30000)
        end as ev_ms
    from e
),
e3 as (
    select
        *,
        _lp_r(lead_idx, d, s, code, 'me_mess') as r_mess,
        _lp_r(lead_idx, d, s, code, 'me_fmt') as r_fmt,
        _lp_r(lead_idx, d, s, code, 'me_frac') as r_frac,
        _lp_r(lead_idx, d, s, code, 'me_ln') as r_ln,
        _lp_r(lead_idx, d, s, code, 'me_late') as r_late,
        _lp_r(lead_idx, d, s, code, 'me_x') as r_x,
        'me_' || _lp_hex(_lp_h(lead_idx, d, s, code, 'me_id')) as base_id
    from e2
    where ev_ms between @W0@ and @END@
),
e4 as (
    select *, @LOADED@ as loaded_ms, unnest(@COPIES@) as cp from e3
),
-- lead attributes joined last: no unnest after a join (a DuckDB 2.0 bug)
e5 as (
    select e4.*, l.lead_id, l.email, l.email_messy, l.cc, l.nsn
    from e4 join _lp_lead as l on l.lead_idx = e4.lead_idx
)
select
    @EVENT_ID@ as event_id,
    case when code in (6, 7, 8) then message_id_in else message_id end as message_id,
    case when null_lead then NULL else lead_id end as lead_id,
    case
        when channel = 'email' then
            case when null_lead and email_messy and r_addr < 0.5
                then ' ' || upper(email[1]) || email[2:] else email end
        when channel = 'push' then
            case when null_lead or r_addr < 0.5 then email end
        when null_lead or code in (6, 7, 8) then
            case when r_addr < @FREE_PHONE@
                then _lp_phone(cc, nsn, 1 + floor(r_addr / greatest(@FREE_PHONE@, 1e-12)
                    * 7)::int, false)
                else _lp_phone(cc, nsn, 0, false) end
        else _lp_phone(cc, nsn, 0, false)
    end as address,
    channel,
    case when code in (6, 7, 8) then 'inbound' else 'outbound' end as direction,
    case when cp = 3 then @UNKNOWN@
         else (['sent', 'delivered', 'opened', 'clicked', 'failed', 'bounced', 'replied',
                'opt_out', 'opt_in'])[code + 1] end as event_type,
    @OCCURRED@ as occurred_at,
    campaign_id,
    ctype as campaign_type,
    case when code in (0, 3) and ctype <> 'transactional'
        then '@SHOP@/offers/' || ctype || '?utm_source=' || channel || '&utm_medium='
            || case when channel = 'email' then 'email' else 'sms' end
            || '&utm_campaign=' || campaign_id end as link_url,
    case code
        when 6 then @REPLY@
        when 7 then @STOP_BODY@
        when 8 then case when r_body < 0.7 then 'START' else 'UNSTOP' end
    end as body,
    @FINAL_LOADED@ as _loaded_at
from e5
""",
        CTYPE=ctype,
        NULL_LEAD=rates.null_lead_message_rate,
        FREE_PHONE=rates.free_form_phone_rate,
        LOADED=_loaded("ev_ms", "r_ln", "r_late", rates.late_load_rate),
        COPIES=copies,
        EVENT_ID=_event_id("me_", "base_id", "cp", "r_x"),
        UNKNOWN=_pick("r_x", _UNKNOWN["message"]),
        OCCURRED=_occurred("_lp_ts(ev_ms, off_min, r_fmt, r_frac)", "cp", "r_x"),
        REPLY=_pick("r_body", _REPLIES),
        STOP_BODY=stop_body,
        FINAL_LOADED=_final_loaded("loaded_ms", "cp", "r_x"),
        SHOP=_SHOP,
    )


# An app or web session's k-th event time (shared by the event and order tables).
_EV_MS = "start_ms + k * 45000 + floor(_lp_r(lead_idx, d, s, k, 'evt') * 40000)::bigint"


def _app_sql(rates: MessRates) -> str:
    copies = _copies(
        "r_mess",
        [(1, rates.redelivered_duplicate_rate), (2, rates.exact_duplicate_rate),
         (3, rates.unknown_event_type_rate), (4, rates.bad_timestamp_rate),
         (5, rates.epoch_zero_rate), (6, rates.null_event_id_rate),
         (7, rates.future_timestamp_rate)],
    )  # fmt: skip
    copies_no_future = _copies(
        "r_mess",
        [(1, rates.redelivered_duplicate_rate), (2, rates.exact_duplicate_rate),
         (3, rates.unknown_event_type_rate), (4, rates.bad_timestamp_rate),
         (5, rates.epoch_zero_rate), (6, rates.null_event_id_rate)],
    )  # fmt: skip
    return _sub(
        """
insert into raw.app_events
with sess as (
    select
        lead_idx, d, s, kind, start_ms, off_min, persona, amount, r_tail, on_shared,
        case when kind = 'uninstall' then 1
             when is_order then n_base + 3
             when r_tail < 0.12 then n_base + 1 + (r_tail < 0.05)::int
             else n_base end as n_ev,
        n_base,
        is_order
    from _lp_sess where kind in ('app', 'uninstall')
    union all
    -- the install, at the lead's creation
    select
        lead_idx, created_d, -1, 'install', created_ms + 30000, created_off, persona, 0, 1.0,
        false, 1, 1, false
    from _lp_lead
    where has_app and created_d <= @D@
),
e as (
    select *, unnest(range(n_ev)) as k from sess
),
e2 as (
    select
        *,
        @EV_MS@ as ev_ms,
        _lp_r(lead_idx, d, s, k, 'aname') as r_name,
        _lp_r(lead_idx, d, s, k, 'aprod') as r_prod,
        _lp_r(lead_idx, d, s, 0, 'asprod') as r_sprod,
        _lp_r(lead_idx, d, s, k, 'askew') as r_skew
    from e
),
e3 as (
    select
        *,
        case
            when kind = 'install' then 'app_installed'
            when kind = 'uninstall' then 'app_uninstalled'
            when k = 0 then case when r_name < 0.12 then 'push_opened' else 'app_opened' end
            when k < n_base then
                case when r_name < 0.05 then 'chat_message_sent'
                     when r_name < 0.45 then 'product_viewed'
                     else 'screen_viewed' end
            else (['added_to_cart', 'checkout_started', 'order_completed'])[k - n_base + 1]
        end as event_name,
        ev_ms + floor(r_skew * 17000)::bigint - 2000 as recv_ms,
        'sess_' || _lp_hex(_lp_h(lead_idx, d, s, 0, 'sid')) as session_id,
        'P' || (10000 + floor(r_prod * 5000)::int)::varchar as product_id,
        'P' || (10000 + floor(r_sprod * 5000)::int)::varchar as main_product,
        (@CATS@)[1 + floor(r_prod * @NCAT@)::int] as category,
        (@CATS@)[1 + floor(r_sprod * @NCAT@)::int] as main_category
    from e2
    where ev_ms between @W0@ and @END@
),
e4 as (
    select
        *,
        _lp_r(lead_idx, d, s, k, 'ap_mess') as r_mess,
        _lp_r(lead_idx, d, s, k, 'ap_fmt') as r_fmt,
        _lp_r(lead_idx, d, s, k, 'ap_frac') as r_frac,
        _lp_r(lead_idx, d, s, k, 'ap_ln') as r_ln,
        _lp_r(lead_idx, d, s, k, 'ap_late') as r_late,
        _lp_r(lead_idx, d, s, k, 'ap_x') as r_x,
        'ae_' || _lp_hex(_lp_h(lead_idx, d, s, k, 'ap_id')) as base_id
    from e3
),
e5 as (
    select
        *,
        @LOADED@ as loaded_ms,
        unnest(case when persona in ('loyal_buyer', 'active_app_user')
            then @COPIES@ else @COPIES_NO_FUTURE@ end) as cp
    from e4
),
-- lead attributes joined last: no unnest after a join (a DuckDB 2.0 bug)
e6 as (
    select
        e5.*, l.lead_id, l.login_d, l.currency,
        case when e5.on_shared then l.shared_device else l.device_id end as device,
        case when e5.on_shared then l.shared_platform else l.platform end as platform
    from e5 join _lp_lead as l on l.lead_idx = e5.lead_idx
)
select
    @EVENT_ID@ as event_id,
    device as anonymous_id,
    case
        when on_shared then lead_id
        when kind = 'install' and login_d is not null then NULL
        when d > login_d then NULL
        when d = login_d and s = 0 and k = 0 then NULL
        else lead_id
    end as user_id,
    case when cp = 3 then @UNKNOWN@ else event_name end as event_name,
    platform,
    @OCCURRED@ as occurred_at,
    strftime(epoch_ms(recv_ms), '%Y-%m-%dT%H:%M:%S.%gZ') as received_at,
    case event_name
        when 'app_installed' then '{"screen_name":"onboarding"}'
        when 'app_uninstalled' then '{}'
        when 'screen_viewed' then '{"session_id":"' || session_id || '","screen_name":"'
            || (@SCREENS@)[1 + floor(r_prod * @NSCREEN@)::int] || '"}'
        when 'chat_message_sent' then '{"session_id":"' || session_id
            || '","screen_name":"support_chat"}'
        when 'product_viewed' then '{"session_id":"' || session_id || '","product_id":"'
            || product_id || '","category":"' || category || '"}'
        when 'added_to_cart' then '{"session_id":"' || session_id || '","product_id":"'
            || main_product || '","category":"' || main_category || '"}'
        when 'checkout_started' then '{"session_id":"' || session_id || '","product_id":"'
            || main_product || '","category":"' || main_category || '","revenue":'
            || amount::varchar || ',"currency":"' || currency || '"}'
        when 'order_completed' then '{"session_id":"' || session_id || '","order_id":"ord_'
            || _lp_hex(_lp_h(lead_idx, d, s, 0, 'order')) || '","product_id":"'
            || main_product || '","category":"' || main_category || '","revenue":'
            || amount::varchar || ',"currency":"' || currency || '"}'
        else '{"session_id":"' || session_id || '"}'
    end as properties,
    @FINAL_LOADED@ as _loaded_at
from e6
""",
        EV_MS=_EV_MS,
        CATS=_list(_CATEGORIES),
        NCAT=len(_CATEGORIES),
        SCREENS=_list(_SCREENS),
        NSCREEN=len(_SCREENS),
        LOADED=_loaded("greatest(ev_ms, recv_ms)", "r_ln", "r_late", rates.late_load_rate),
        COPIES=copies,
        COPIES_NO_FUTURE=copies_no_future,
        EVENT_ID=_event_id("ae_", "base_id", "cp", "r_x"),
        UNKNOWN=_pick("r_x", _UNKNOWN["app"]),
        OCCURRED=_occurred(
            "_lp_ts(ev_ms, off_min, r_fmt, r_frac)",
            "cp",
            "r_x",
            future_ms="loaded_ms + 2 * 86400000 + floor(r_x * 28 * 86400000)::bigint",
        ),
        FINAL_LOADED=_final_loaded("loaded_ms", "cp", "r_x"),
    )


def _web_sql(rates: MessRates) -> str:
    copies = _copies(
        "r_mess",
        [(1, rates.redelivered_duplicate_rate), (2, rates.exact_duplicate_rate),
         (3, rates.unknown_event_type_rate), (4, rates.bad_timestamp_rate),
         (5, rates.epoch_zero_rate), (6, rates.null_event_id_rate)],
    )  # fmt: skip
    source_pick = _wpick(
        "r_src",
        [("'google|cpc|brand_search|https://www.google.com/'", 0.20),
         ("'google|organic||https://www.google.com/'", 0.22),
         ("'facebook|paid_social|retargeting_q2|https://m.facebook.com/'", 0.10),
         ("'instagram|social||https://l.instagram.com/'", 0.08),
         ("'newsletter|email|weekly_digest|https://mail.google.com/'", 0.10),
         ("'sms|sms|flash_sale|'", 0.05),
         ("'|||'", 0.25)],
    )  # fmt: skip
    nl = rates.never_login_cookie_rate
    return _sub(
        """
insert into raw.web_events
with sess0 as (
    select
        lead_idx, d, s, start_ms, off_min, n_base, is_order, is_login, r_tail, on_ck1,
        _lp_r(lead_idx, d, s, 0, 'wnl') as r_nl,
        _lp_r(lead_idx, d, s, 0, 'wsrc') as r_src,
        _lp_r(lead_idx, d, s, 0, 'wua') as r_ua
    from _lp_sess where kind = 'web'
),
sess as (
    select
        *,
        @SOURCE@ as src,
        case when is_order then n_base + 2 when r_tail < 0.12 then n_base + 1
             else n_base end as n_ev,
        unnest(case when r_nl < @NL_RATE@ then [0, 1] else [0] end) as nl
    from sess0
),
e as (
    select *, unnest(range(n_ev)) as k from sess
),
e2 as (
    select
        * exclude (s, start_ms),
        s + 10 * nl as s,
        start_ms + nl * (3600000 + floor(r_nl * 40000000)::bigint) as start_ms,
        s as s0
    from e
),
e3 as (
    select
        *,
        @EV_MS@ as ev_ms,
        _lp_r(lead_idx, d, s, k, 'wname') as r_name,
        _lp_r(lead_idx, d, s, k, 'wpage') as r_page,
        _lp_r(lead_idx, d, s0, 0, 'wsprod') as r_sprod
    from e2
),
e4 as (
    select
        *,
        case
            when k = 0 then 'page_viewed'
            when nl = 0 and is_login and k = 1 then 'form_submitted'
            when k < n_base then
                case when r_name < 0.04 then 'chat_started'
                     when r_name < 0.06 then 'webinar_registered'
                     when r_name < 0.11 then 'form_submitted'
                     when r_name < 0.33 then 'link_clicked'
                     else 'page_viewed' end
            else (['added_to_cart', 'order_completed'])[k - n_base + 1]
        end as event_name,
        (@CATS@)[1 + floor(r_page * @NCAT@)::int] as category,
        (@CATS@)[1 + floor(r_sprod * @NCAT@)::int] as main_category,
        'P' || (10000 + floor(r_sprod * 5000)::int)::varchar as main_product,
        string_split(src, '|') as src_parts
    from e3
    where ev_ms between @W0@ and @END@
),
e5 as (
    select
        *,
        _lp_r(lead_idx, d, s, k, 'we_mess') as r_mess,
        _lp_r(lead_idx, d, s, k, 'we_fmt') as r_fmt,
        _lp_r(lead_idx, d, s, k, 'we_frac') as r_frac,
        _lp_r(lead_idx, d, s, k, 'we_ln') as r_ln,
        _lp_r(lead_idx, d, s, k, 'we_late') as r_late,
        _lp_r(lead_idx, d, s, k, 'we_x') as r_x,
        'we_' || _lp_hex(_lp_h(lead_idx, d, s, k, 'we_id')) as base_id
    from e4
),
e6 as (
    select *, @LOADED@ as loaded_ms, unnest(@COPIES@) as cp from e5
),
-- lead attributes joined last: no unnest after a join (a DuckDB 2.0 bug)
e7 as (
    select
        e6.*, l.lead_id, l.login_d, l.platform,
        -- device type of the cookie: cookie 1 is the lead's other device
        (l.web_mobile <> e6.on_ck1) as is_mobile,
        case when e6.nl = 1 then 'ck_' || _lp_hex(_lp_h(e6.lead_idx, e6.d, e6.s0, 0, 'nlcookie'))
             when e6.on_ck1 then l.cookie1 else l.cookie0 end as cookie
    from e6 join _lp_lead as l on l.lead_idx = e6.lead_idx
)
select
    @EVENT_ID@ as event_id,
    cookie as anonymous_id,
    case
        when nl = 1 then NULL
        when on_ck1 then lead_id
        when d > login_d then NULL
        when d = login_d and s = 0 and k = 0 then NULL
        else lead_id
    end as user_id,
    case when cp = 3 then @UNKNOWN@ else event_name end as event_name,
    '@SHOP@' || case event_name
        when 'page_viewed' then
            case when k = 0 and r_page < 0.3 then '/'
                 when r_page < 0.55 then '/products/' || category || '/P'
                     || (10000 + floor(r_page * 5000)::int)::varchar
                 when r_page < 0.7 then '/offers'
                 when r_page < 0.85 then '/blog/' || category || '-guide'
                 else '/c/' || category end
        when 'link_clicked' then '/c/' || category
        when 'form_submitted' then
            case when is_login and k = 1 then '/account/login' else '/contact' end
        when 'webinar_registered' then '/webinars/' || category || '-live'
        when 'chat_started' then '/help'
        when 'added_to_cart' then '/products/' || main_category || '/' || main_product
        when 'order_completed' then '/checkout/complete'
    end as page_url,
    case when k = 0 then nullif(src_parts[4], '') else '@SHOP@/' end as referrer,
    case
        when not is_mobile then @DESKTOP_UA@
        when platform = 'ios' then @IPHONE_UA@
        else @ANDROID_UA@
    end as user_agent,
    case when k = 0 then nullif(src_parts[1], '') end as utm_source,
    case when k = 0 then nullif(src_parts[2], '') end as utm_medium,
    case when k = 0 then nullif(src_parts[3], '') end as utm_campaign,
    @OCCURRED@ as occurred_at,
    @FINAL_LOADED@ as _loaded_at
from e7
""",
        SOURCE=source_pick,
        NL_RATE=nl,
        EV_MS=_EV_MS,
        CATS=_list(_CATEGORIES),
        NCAT=len(_CATEGORIES),
        LOADED=_loaded("ev_ms", "r_ln", "r_late", rates.late_load_rate),
        COPIES=copies,
        EVENT_ID=_event_id("we_", "base_id", "cp", "r_x"),
        UNKNOWN=_pick("r_x", _UNKNOWN["web"]),
        OCCURRED=_occurred("_lp_ts(ev_ms, off_min, r_fmt, r_frac)", "cp", "r_x"),
        FINAL_LOADED=_final_loaded("loaded_ms", "cp", "r_x"),
        DESKTOP_UA=_pick("r_ua", _DESKTOP_UA),
        IPHONE_UA=_pick("r_ua", _IPHONE_UA),
        ANDROID_UA=_pick("r_ua", _ANDROID_UA),
        SHOP=_SHOP,
    )


def _calls_sql(rates: MessRates) -> str:
    copies = _copies(
        "r_mess",
        [(1, rates.redelivered_duplicate_rate), (2, rates.exact_duplicate_rate),
         (3, rates.unknown_event_type_rate), (4, rates.bad_timestamp_rate),
         (5, rates.epoch_zero_rate), (6, rates.null_event_id_rate),
         (8, rates.bad_call_duration_rate)],
    )  # fmt: skip
    return _sub(
        """
insert into raw.calls
with c as (
    select
        lead_idx, d, s, start_ms, off_min, false as exposure,
        call_dir as direction, call_status as status,
        case
            when call_dir = 'outbound' then 30 + floor(r_cdur * 870)::int
            when call_status = 'answered' then 10 + floor(r_cdur * r_cdur * 890)::int
            when call_status = 'voicemail' then 8 + floor(r_cdur * 80)::int
            else 0
        end as duration
    from _lp_sess where kind = 'call'
    union all
    select
        lead_idx, d, s, start_ms, off_min, true, 'outbound',
        case when r_chan < 0.4 then 'missed' when r_chan < 0.7 then 'voicemail'
             when r_chan < 0.8 then 'busy' else 'answered' end,
        case when r_chan < 0.4 then 0 when r_chan < 0.7 then 8 + floor(r_tod * 50)::int
             when r_chan < 0.8 then 0 else 5 + floor(r_tod * 25)::int end
    from _lp_expo where kind = 'ocall'
),
c2 as (
    select
        *,
        _lp_r(lead_idx, d, s, 0, 'ca_mess') as r_mess,
        _lp_r(lead_idx, d, s, 0, 'ca_fmt') as r_fmt,
        _lp_r(lead_idx, d, s, 0, 'ca_frac') as r_frac,
        _lp_r(lead_idx, d, s, 0, 'ca_ln') as r_ln,
        _lp_r(lead_idx, d, s, 0, 'ca_late') as r_late,
        _lp_r(lead_idx, d, s, 0, 'ca_x') as r_x,
        _lp_r(lead_idx, d, s, 0, 'ca_nl') as r_nl,
        _lp_r(lead_idx, d, s, 0, 'ca_ph') as r_ph,
        _lp_r(lead_idx, d, s, 0, 'ca_bd') as r_bd,
        _lp_r(lead_idx, d, s, 0, 'ca_ts') as r_ts,
        'call_' || _lp_hex(_lp_h(lead_idx, d, s, 0, 'ca_id')) as base_id
    from c
    where start_ms between @W0@ and @END@
),
c3 as (
    select *, @LOADED@ as loaded_ms, unnest(@COPIES@) as cp from c2
),
-- lead attributes joined last: no unnest after a join (a DuckDB 2.0 bug)
c4 as (
    select c3.*, l.lead_id, l.cc, l.nsn
    from c3 join _lp_lead as l on l.lead_idx = c3.lead_idx
)
select
    @EVENT_ID@ as call_id,
    case when r_nl < @NULL_LEAD@ then NULL else lead_id end as lead_id,
    case when r_ph < @FREE_PHONE@
        then _lp_phone(cc, nsn, 1 + floor(r_ph / greatest(@FREE_PHONE@, 1e-12) * 7)::int, false)
        else _lp_phone(cc, nsn, 0, false) end as phone,
    direction,
    case when cp = 3 then @UNKNOWN@ else status end as status,
    @OCCURRED@ as started_at,
    case when cp = 8
        then case when r_bd < 0.5 then NULL else -1 - floor(r_x * 600)::int end
        else duration end as duration_seconds,
    case when direction = 'outbound' then @OUT_SRC@ else @IN_SRC@ end as tracking_source,
    @FINAL_LOADED@ as _loaded_at
from c4
""",
        LOADED=_loaded("start_ms + duration * 1000", "r_ln", "r_late", rates.late_load_rate),
        COPIES=copies,
        EVENT_ID=_event_id("call_", "base_id", "cp", "r_x"),
        NULL_LEAD=rates.null_lead_call_rate,
        FREE_PHONE=rates.free_form_phone_rate,
        UNKNOWN=_pick("r_x", _UNKNOWN["calls"]),
        OCCURRED=_occurred("_lp_ts(start_ms, off_min, r_fmt, r_frac)", "cp", "r_x"),
        FINAL_LOADED=_final_loaded("loaded_ms", "cp", "r_x"),
        OUT_SRC=_pick("r_ts", ["sales_dialer", "callback_request"]),
        IN_SRC=_pick("r_ts", ["google_ads", "website", "sms_campaign", "print", "organic_search"]),
    )


_ORDERS = """
insert into raw.orders
with o as (
    select
        lead_idx, d, s, kind, amount, off_min, is_protected_order,
        case
            when kind = 'app' then start_ms + (n_base + 2) * 45000
                + floor(_lp_r(lead_idx, d, s, n_base + 2, 'evt') * 40000)::bigint
            when kind = 'web' then start_ms + (n_base + 1) * 45000
                + floor(_lp_r(lead_idx, d, s, n_base + 1, 'evt') * 40000)::bigint
            else start_ms + 240000
        end as ordered_ms,
        case kind when 'app' then 'app' when 'web' then 'web' when 'call' then 'phone'
            else 'store' end as channel,
        _lp_r(lead_idx, d, s, 0, 'or_st') as r_st,
        _lp_r(lead_idx, d, s, 0, 'or_fmt') as r_fmt,
        _lp_r(lead_idx, d, s, 0, 'or_frac') as r_frac,
        _lp_r(lead_idx, d, s, 0, 'or_ln') as r_ln,
        _lp_r(lead_idx, d, s, 0, 'or_chg') as r_chg
    from _lp_sess
    where is_order
        or (kind = 'call' and persona = 'loyal_buyer' and call_dir = 'inbound'
            and call_status = 'answered' and r_ord < 0.3)
),
o2 as (
    select
        *,
        least(ordered_ms + 60000 + floor(r_ln * 7200000)::bigint, @END@) as loaded_ms,
        unnest(case
            when is_protected_order then ['completed']
            when r_st < 0.01 then ['cancelled']
            when d < 2 then ['completed']
            when r_st < 0.06 then ['completed', 'refunded']
            when r_st < 0.08 then ['completed', 'cancelled']
            else ['completed'] end) as status
    from o
    where ordered_ms between @W0@ and @END@
),
-- lead attributes joined last: no unnest after a join (a DuckDB 2.0 bug)
o3 as (
    select o2.*, l.lead_id, l.currency
    from o2 join _lp_lead as l on l.lead_idx = o2.lead_idx
)
select
    'ord_' || _lp_hex(_lp_h(lead_idx, d, s, 0, 'order')) as order_id,
    lead_id,
    _lp_ts(ordered_ms, off_min, r_fmt, r_frac) as ordered_at,
    amount,
    currency,
    status,
    channel,
    epoch_ms(case when status = 'completed' or r_st < 0.01 then loaded_ms
        else greatest(loaded_ms + 60000,
            least(ordered_ms + 86400000 + floor(r_chg * 19 * 86400000)::bigint,
                  @END@ - 3600000)) end) as _loaded_at
from o3
"""


def _leads_sql(rates: MessRates) -> str:
    stages = ["subscriber", "lead", "mql", "sql", "opportunity", "customer"]
    fp = rates.free_form_phone_rate
    return _sub(
        """
insert into raw.leads
with v as (
    select *, unnest(range(nv)) as v from _lp_lead
),
v2 as (
    select
        *,
        case when v = 0 then created_ms
             when v = 1 then created_ms + floor((@END@ - created_ms)
                 * (0.15 + 0.35 * _lp_r(lead_idx, 1, 0, 0, 'cdc_t')))::bigint
             else created_ms + floor((@END@ - created_ms)
                 * (0.55 + 0.4 * _lp_r(lead_idx, 2, 0, 0, 'cdc_t')))::bigint
        end as updated_ms,
        _lp_r(lead_idx, v, 0, 0, 'ld_fmt') as r_fmt,
        _lp_r(lead_idx, v, 0, 0, 'ld_frac') as r_frac,
        _lp_r(lead_idx, 0, 0, 0, 'ld_fmt0') as r_fmt0,
        _lp_r(lead_idx, v, 0, 0, 'ld_ph') as r_ph,
        _lp_r(lead_idx, v, 0, 0, 'ld_em') as r_em,
        _lp_r(lead_idx, v, 0, 0, 'ld_ln') as r_ln
    from v
)
select
    lead_id,
    _lp_ts(created_ms, created_off, r_fmt0, 1.0) as created_at,
    _lp_ts(updated_ms, created_off, r_fmt, r_frac) as updated_at,
    case when r_ph < @FREE_PHONE@
        then _lp_phone(cc, nsn, 1 + floor(r_ph / greatest(@FREE_PHONE@, 1e-12) * 7)::int,
                       national_ok)
        else _lp_phone(cc, nsn, 0, false) end as phone,
    case when not email_messy then email
         when r_em < 0.25 then upper(email)
         when r_em < 0.5 then ' ' || email || ' '
         when r_em < 0.75 then upper(email[1]) || email[2:]
         else upper(split_part(email, '@', 1)) || '@' || split_part(email, '@', 2) || '  '
    end as email,
    country_code,
    tz_pub as timezone,
    nullif(split_part(utm, '|', 1), '') as utm_source,
    nullif(split_part(utm, '|', 2), '') as utm_medium,
    case when utm is not null then @UTM_CAMPAIGN@ end as utm_campaign,
    signup_channel,
    (@STAGES@)[greatest(1, stage_final - 1 - (nv - 1 - v))] as crm_stage,
    false as is_deleted,
    epoch_ms(least(updated_ms + 60000 + floor(r_ln * 10800000)::bigint, @END@)) as _loaded_at
from v2
""",
        FREE_PHONE=fp,
        UTM_CAMPAIGN=_pick(
            "r_utmc",
            [
                "spring_sale",
                "brand_search",
                "retargeting_q2",
                "welcome_series",
                "summer_launch",
                "partner_program",
            ],
        ),
        STAGES=_list(stages),
    )


_PRIVACY = """
insert into raw.privacy_requests
with p as (
    select
        lead_idx, lead_id, created_ms, created_off, 'opt_out_all' as request_type,
        -- after the lead's last activity (its anchor day f1), at least a day later
        @E0@::bigint - floor(r_req * (last_d - 1))::bigint * 86400000
            + floor(r_reqt * 86000000)::bigint as req_ms
    from _lp_lead where has_opt_out_all
    union all
    select
        lead_idx, lead_id, created_ms, created_off, 'erasure',
        greatest(@E0@::bigint - floor(r_req * 3)::bigint * 86400000
            + floor(r_reqt * 86000000)::bigint, created_ms + 600000)
    from _lp_lead where has_erasure
)
select
    'pr_' || _lp_hex(_lp_h(lead_idx, 0, 0, 0, 'req_' || request_type)) as request_id,
    lead_id,
    request_type,
    _lp_ts(least(req_ms, @END@ - 3600000), created_off,
           _lp_r(lead_idx, 0, 0, 0, 'pr_fmt'), 1.0) as requested_at,
    epoch_ms(least(least(req_ms, @END@ - 3600000) + 60000
        + floor(_lp_r(lead_idx, 0, 0, 0, 'pr_ln') * 3000000)::bigint, @END@)) as _loaded_at
from p
"""


def _statements(
    leads: int, days: int, seed: int, as_of: datetime.date, rates: MessRates
) -> list[str]:
    epoch = datetime.date(1970, 1, 1)
    eday = (as_of - epoch).days
    e0 = eday * _DAY_MS
    tokens = {
        "SEED": seed,
        "SEED8": (seed * 7919 + 13_579_246) % 100_000_000,
        "SEED9": (seed * 7919 + 213_579_246) % 1_000_000_000,
        "SEED160": (seed * 7919 + 93_579_246) % 160_000_000,
        "E0": e0,
        "EDAY": eday,
        "END": e0 + _DAY_MS - 1000,
        "W0": e0 - days * _DAY_MS,
        "D": days,
        "N": leads,
        "DOW0": as_of.isoweekday(),
        "SHARED_RATE": rates.shared_device_rate,
        "OFFSET_SHARE": rates.offset_timestamp_share,
        "FRAC_SHARE": rates.fractional_seconds_share,
    }
    stmts = [
        _MACROS,
        _country_sql(),
        _tzday_sql(days, as_of),
        _lead_sql(leads, days, rates),
        _LEAD_FINAL,
        _DAY,
        _sess_sql(),
        _EXPO,
        f"create schema if not exists {RAW_SCHEMA}",
    ]
    for table in RAW_TABLES:
        stmts.append(f"drop table if exists {RAW_SCHEMA}.{table}")
        stmts.append(create_table_sql(table))
    stmts += [
        _leads_sql(rates),
        _message_sql(rates),
        _app_sql(rates),
        _web_sql(rates),
        _calls_sql(rates),
        _ORDERS,
        _PRIVACY,
        "create schema if not exists generator",
        "create or replace table generator.lead_personas as "
        "select lead_id::varchar as lead_id, persona::varchar as persona from _lp_lead",
    ]
    return [_sub(s, **tokens) for s in stmts]


def _run(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    """Executes and drains the result (DuckDB 2.0 refuses new work on a
    connection with an undrained result)."""
    return con.execute(sql).fetchall()


def _cleanup(con: duckdb.DuckDBPyConnection) -> None:
    for table in _TEMP_TABLES:
        _run(con, f"drop table if exists temp.{table}")
    for macro in _TEMP_MACROS:
        _run(con, f"drop macro if exists temp.{macro}")


def generate(
    con: duckdb.DuckDBPyConnection,
    *,
    leads: int,
    days: int,
    seed: int,
    as_of: datetime.date,
    rates: MessRates | None = None,
) -> dict[str, int]:
    """(Re)creates schema raw and its seven tables in `con` and fills them.

    Events fall between `as_of - days` (00:00 UTC) and the end of `as_of`;
    `_loaded_at` never passes `as_of` 23:59:59. Also writes
    generator.lead_personas(lead_id, persona). Returns the row count per raw
    table. The same seed gives identical tables.
    """
    if leads < 1 or days < 1:
        raise ValueError("leads and days must be positive")
    rates = rates or MessRates()
    for field in dataclasses.fields(rates):
        value = getattr(rates, field.name)
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"MessRates.{field.name} must be in [0, 1], got {value}")
    _cleanup(con)
    try:
        for stmt in _statements(leads, days, seed, as_of, rates):
            _run(con, stmt)
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            _cleanup(con)
        raise
    _cleanup(con)
    return {
        table: _run(con, f"select count(*) from {RAW_SCHEMA}.{table}")[0][0] for table in RAW_TABLES
    }


def export(con: duckdb.DuckDBPyConnection, out_dir: pathlib.Path, fmt: str) -> list[pathlib.Path]:
    """Writes each raw table to out_dir/<table>.csv (with header) or .parquet.

    Returns the paths written, in contract order.
    """
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"fmt must be 'csv' or 'parquet', got {fmt!r}")
    out_dir = pathlib.Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    options = "format csv, header true" if fmt == "csv" else "format parquet"
    paths = []
    for table in RAW_TABLES:
        path = out_dir / f"{table}.{fmt}"
        target = str(path).replace("'", "''")
        _run(con, f"copy {RAW_SCHEMA}.{table} to '{target}' ({options})")
        paths.append(path)
    return paths
