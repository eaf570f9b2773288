"""Opt-outs are honoured everywhere (issue 6, item 4), on the generated data.

The expectation is worked out here from the attributed events, not read from
the consent models: for every lead and channel, the latest consent event up
to the end of the as-of day (an opt-out or opt-in message event or keyword
reply on that channel, or an `opt_out_all` privacy request, which covers every
channel) decides; an opt-out wins a tie. A lead whose latest one is an opt-out
must not be contactable there in `dim_leads` and `fct_lead_engagement`, and
must not be counted as reachable there in `agg_segment_reachability`.
"""

from __future__ import annotations

import pytest

# The channels the marts carry a contactable flag for.
FLAGGED_CHANNELS = ("sms", "email", "push")

LATEST_CONSENT = """
with signals as (
    select lead_id, channel, occurred_at,
        event_type = 'opt_out' or is_opt_out_keyword as is_opt_out
    from intermediate.int_events_attributed
    where source_table = 'message_events'
        and lead_id is not null
        and (event_type in ('opt_out', 'opt_in') or is_opt_out_keyword or is_opt_in_keyword)
        and occurred_at < cast(? as date) + interval 1 day
    union all
    select requests.lead_id, channels.channel, requests.occurred_at, true as is_opt_out
    from intermediate.int_events_attributed as requests
    cross join (select unnest(['sms', 'whatsapp', 'rcs', 'push', 'email']) as channel) as channels
    where requests.source_table = 'privacy_requests'
        and requests.event_type = 'opt_out_all'
        and requests.lead_id is not null
        and requests.occurred_at < cast(? as date) + interval 1 day
),
ranked as (
    select *, row_number() over (
        partition by lead_id, channel order by occurred_at desc, is_opt_out desc
    ) as recency
    from signals
)
select lead_id, channel from ranked where recency = 1 and is_opt_out
"""


@pytest.fixture(scope="module")
def opted_out(warehouse, tmp_path_factory) -> set[tuple[str, str]]:
    import duckdb

    con = duckdb.connect(str(warehouse.db_path), read_only=True)
    try:
        as_of = warehouse.as_of.isoformat()
        return set(con.execute(LATEST_CONSENT, [as_of, as_of]).fetchall())
    finally:
        con.close()


def test_generated_data_has_opt_outs_on_flagged_channels(opted_out) -> None:
    channels = {channel for _, channel in opted_out}
    assert "sms" in channels, sorted(opted_out)
    assert {"sms", "email", "push"} <= channels, "opt_out_all covers every channel"


@pytest.mark.parametrize("mart", ["marts.dim_leads", "marts.fct_lead_engagement"])
@pytest.mark.parametrize("channel", FLAGGED_CHANNELS)
def test_opted_out_lead_is_not_contactable(wh_con, opted_out, mart: str, channel: str) -> None:
    leads = sorted(lead for lead, ch in opted_out if ch == channel)
    assert leads
    rows = dict(
        wh_con.execute(
            f"select lead_id, is_contactable_{channel} from {mart} where list_contains(?, lead_id)",
            [leads],
        ).fetchall()
    )
    # Deleted or erased leads have no row; every other opted-out lead has one.
    contactable = sorted(lead for lead, flag in rows.items() if flag)
    assert contactable == [], f"{mart}: opted out of {channel} but contactable there"
    if channel == "sms":
        flags = wh_con.execute(
            f"select count(*) filter (where not sms_opted_out) from {mart}"
            " where list_contains(?, lead_id)",
            [leads],
        ).fetchone()[0]
        assert flags == 0, f"{mart}: sms_opted_out false for an SMS opt-out"


@pytest.mark.parametrize("channel", FLAGGED_CHANNELS)
def test_opted_out_lead_is_not_counted_reachable(wh_con, opted_out, channel: str) -> None:
    leads = sorted(lead for lead, ch in opted_out if ch == channel)
    # Reachable leads per segment cell, counted from the lead rows without the
    # opted-out leads, must be what the aggregate says.
    mismatches = wh_con.execute(
        f"""
        with expected as (
            select segment_column, segment_value,
                count(*) filter (
                    where is_contactable_{channel} and not list_contains(?, lead_id)
                ) as reachable_leads
            from marts.fct_lead_engagement
            unpivot (segment_value for segment_column in
                (activity_segment, lifecycle_state, rfm_segment))
            group by 1, 2
        )
        select expected.segment_column, expected.segment_value,
            expected.reachable_leads, agg.reachable_leads
        from expected
        full outer join (
            select * from marts.agg_segment_reachability where channel = '{channel}'
        ) as agg
            on expected.segment_column = agg.segment_column
            and expected.segment_value = agg.segment_value
        where expected.reachable_leads is distinct from agg.reachable_leads
        """,
        [leads],
    ).fetchall()
    assert mismatches == []
