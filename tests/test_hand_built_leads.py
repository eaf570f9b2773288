"""An independent, hand-worked check of `marts.fct_lead_engagement`.

Eleven leads are built by hand (tests/hand_built_leads.py) as raw loader rows,
one full-refresh `dbt build` runs per as-of date into a fresh warehouse, and
every column of every lead's row is compared with a value worked out by hand
from SPEC §1-5, the event catalog seed and the vars in dbt_project.yml.

Conventions (SPEC §4): as of the end of the UTC day `as_of_date`; an event's
days_ago is as_of_date minus its UTC date; "the last N days" are days_ago
0..N-1, "the previous 30" days_ago 30..59. As of 2026-06-30: last 7 = Jun
24-30, last 14 = Jun 17-30, last 30 = Jun 1-30, previous 30 = May 2-31, last
90 = Apr 2-Jun 30, last 365 = 2025-07-01..2026-06-30.

Choices the SPEC leaves to the implementation follow its documentation
(macros/*.sql and models/marts/leads/_leads__models.yml):
- engagement_score = round(100 * (1 - exp(-P / 50)), 2), P = sum over the
  engagement events of the last 365 days of catalog weight * 0.5 ** (days_ago / 30);
- preferred_channel / preferred_daypart: most engagement events in 90 days, ties
  to the first of (sms, whatsapp, rcs, push, email, app, web, call, store) /
  (business_hours, evening, weekend, night); NULL without engagement;
- rates and shares: NULL when the denominator (delivered messages, engagement
  events in 90 days) is 0; avg_session_minutes_90d NULL without sessions;
- median_gap_days_90d: median of the day differences between consecutive
  engaged days in 90 days (NULL with fewer than two); a burst starts after >= 7
  quiet days, i.e. a difference of >= 8 days;
- promo_only_responder needs at least one response;
- is_contactable_push: the app installed and not uninstalled since.

Counts that the SPEC states as facts count facts: `answered_calls_90d` counts
answered calls whatever their length (a 25 s answered call was answered; it is
only not engagement), and `call_seconds_90d` sums their durations.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import duckdb
import hand_built_leads as hb
import pytest
from pytest import approx

from leadpulse import paths

MART = "marts.fct_lead_engagement"
UNIT_TESTS = ("resource_type:unit_test",)
MART_SQL = paths.project_dir() / "models" / "marts" / "leads" / "fct_lead_engagement.sql"

# The column list the mart is specified with (SPEC §4-5, in the brief's order).
MART_COLUMNS = [
    "lead_id",
    "as_of_date",
    "first_engaged_at",
    "last_engaged_at",
    "days_since_last_engagement",
    "lead_age_days",
    "engaged_days_7d",
    "engaged_days_30d",
    "engaged_days_90d",
    "engaged_days_prev_30d",
    "engaged_days_365d",
    "engagement_events_7d",
    "engagement_events_30d",
    "engagement_events_90d",
    "engagement_events_prev_30d",
    "messages_delivered_90d",
    "messages_opened_90d",
    "messages_clicked_90d",
    "messages_replied_90d",
    "app_sessions_90d",
    "app_screen_views_90d",
    "mobile_web_page_views_90d",
    "desktop_web_page_views_90d",
    "forms_submitted_90d",
    "chat_messages_90d",
    "inbound_calls_90d",
    "answered_calls_90d",
    "call_seconds_90d",
    "orders_completed_90d",
    "orders_completed_365d",
    "revenue_365d",
    "open_rate_90d",
    "click_rate_90d",
    "reply_rate_90d",
    "mobile_share_90d",
    "business_hours_share_90d",
    "evening_share_90d",
    "night_share_90d",
    "weekend_share_90d",
    "preferred_channel",
    "preferred_daypart",
    "avg_session_minutes_90d",
    "sessions_30d",
    "has_abandoned_cart",
    "is_high_intent",
    "registered_never_engaged",
    "promo_only_responder",
    "sms_opted_out",
    "email_unsubscribed",
    "is_contactable_sms",
    "is_contactable_email",
    "is_contactable_push",
    "acquisition_channel",
    "engagement_score",
    "median_gap_days_90d",
    "activity_bursts_90d",
    "activity_segment",
    "lifecycle_state",
    "rfm_segment",
    "r_score",
    "f_score",
    "m_score",
]


def score(value: float) -> Any:
    """engagement_score is rounded to 2 decimals: allow for the rounding."""
    return approx(value, abs=0.006)


JUNE_30 = date(2026, 6, 30)

# RFM as of 2026-06-30, among the 9 leads engaged in the last 365 days (all but
# hb_never and hb_lost): score = ceil(5 * k / 9), k = how many leads rank at or
# below (ties share the highest k).
# R (days since last engagement, older first): 102 silent k1->1; 41 dormant
# k2->2; 27 opt_out k3->2; 20 at_risk, 20 uninstall k5->3; 7 new k6->4;
# 3 episodic k7->4; 1 loyal k8->5; 0 active k9->5.
# F (engaged days in 365): 2 new k1->1; 3 dormant, 3 silent k3->2; 4 opt_out,
# 4 episodic k5->3; 5 uninstall k6->4; 6 loyal k7->4; 7 at_risk k8->5;
# 10 active k9->5.
# M (revenue in 365) ranks only the 3 buyers, ceil(5 * k / 3): 30 silent k1->2;
# 165.50 loyal k2->4; 200 dormant k3->5. The 6 scored leads without revenue
# (active, at_risk, new, opt_out, uninstall, episodic) score 1 (leadpulse's
# departure from SPEC §5, see docs/segments.md).
EXPECTED: dict[str, dict[str, Any]] = {
    # Europe/London via the country (its own zone "Mars/Olympus" is invalid); BST.
    # Engagements (UTC -> local, daypart, catalog weight, days_ago):
    #   Jan 20 10:00 app_installed (w2, 161)
    #   May 20 13:00 web page view, iPhone (14:00 Wed business, w1, 41)
    #   Jun 2 09:30 SMS reply, no lead id, matched by phone (10:30 Tue business, w5, 28)
    #   Jun 10 19:00 email open, promo (20:00 Wed evening, w1, 20)
    #   Jun 15 17:00 outbound answered call 40 s (18:00 Mon evening, w6, 15)
    #   Jun 16 14:00 web page view, desktop (15:00 Tue business, w1, 14)
    #   Jun 20 12:00 product view, 12:10/12:25/12:40 screen views, 13:20 app open
    #     (Sat weekend, w2+1+1+1+1, 10)
    #   Jun 22 21:00 product view (22:00 Mon evening, w2, 8)
    #   Jun 25 23:30 product view (Fri 00:30 night, w2, 5)
    #   Jun 30 10:00 added to cart (11:00 Tue business, w4, 0)
    # Not engagement: SMS/email deliveries, the 25 s answered outbound call (Jun 9).
    # After the as-of day (ignored): Jul 1 app open and completed order.
    hb.ACTIVE: {
        "lead_id": hb.ACTIVE,
        "as_of_date": JUNE_30,
        "first_engaged_at": datetime(2026, 1, 20, 10, 0),  # app install
        "last_engaged_at": datetime(2026, 6, 30, 10, 0),  # cart add; Jul 1 ignored
        "days_since_last_engagement": 0,
        "lead_age_days": 166,  # created Jan 15
        "engaged_days_7d": 2,  # Jun 25, 30
        "engaged_days_30d": 8,  # Jun 2, 10, 15, 16, 20, 22, 25, 30
        "engaged_days_90d": 9,  # + May 20
        "engaged_days_prev_30d": 1,  # May 20
        "engaged_days_365d": 10,  # + Jan 20
        "engagement_events_7d": 2,  # Jun 25, Jun 30
        "engagement_events_30d": 12,  # 1+1+1+1+5+1+1+1
        "engagement_events_90d": 13,  # + May 20
        "engagement_events_prev_30d": 1,
        "messages_delivered_90d": 2,  # SMS Jun 2, email Jun 10
        "messages_opened_90d": 1,
        "messages_clicked_90d": 0,
        "messages_replied_90d": 1,
        "app_sessions_90d": 5,  # Jun 20 12:00-12:40, Jun 20 13:20 (40 min gap), 22, 25, 30
        "app_screen_views_90d": 3,
        "mobile_web_page_views_90d": 1,  # May 20 iPhone
        "desktop_web_page_views_90d": 1,  # Jun 16
        "forms_submitted_90d": 0,
        "chat_messages_90d": 0,
        "inbound_calls_90d": 0,
        "answered_calls_90d": 2,  # 25 s and 40 s outbound, both answered
        "call_seconds_90d": 65,  # 25 + 40
        "orders_completed_90d": 0,  # the Jul 1 order is after the as-of day
        "orders_completed_365d": 0,
        "revenue_365d": approx(0.0),
        "open_rate_90d": approx(1 / 2),
        "click_rate_90d": approx(0.0),
        "reply_rate_90d": approx(1 / 2),
        "mobile_share_90d": approx(11 / 13),  # all but the email open and desktop view
        "business_hours_share_90d": approx(4 / 13),  # May 20, Jun 2, 16, 30
        "evening_share_90d": approx(3 / 13),  # Jun 10, 15 (18:00 sharp), 22
        "night_share_90d": approx(1 / 13),  # Jun 25 (local Jun 26 00:30)
        "weekend_share_90d": approx(5 / 13),  # Jun 20 x5
        "preferred_channel": "app",  # app 8, web 2, sms 1, email 1, call 1
        "preferred_daypart": "weekend",  # 5
        "avg_session_minutes_90d": approx(40 / 7),  # 7 sessions (2 web), one of 40 min
        "sessions_30d": 6,  # all but May 20
        "has_abandoned_cart": True,  # cart Jun 30 10:00, the order is on Jul 1
        "is_high_intent": True,  # product views Jun 20, 22, 25; no order Jun 17-30
        "registered_never_engaged": False,
        "promo_only_responder": False,  # the SMS reply was to a nurture message
        "sms_opted_out": False,
        "email_unsubscribed": False,
        "is_contactable_sms": True,
        "is_contactable_email": True,
        "is_contactable_push": True,  # installed, never uninstalled
        "acquisition_channel": "paid_search",  # google / cpc
        # P = 2*.5^(161/30) + .5^(41/30) + 5*.5^(28/30) + .5^(20/30) + 6*.5^(15/30)
        #   + .5^(14/30) + 6*.5^(10/30) + 2*.5^(8/30) + 2*.5^(5/30) + 4 = 20.857
        "engagement_score": score(34.11),
        "median_gap_days_90d": approx(4.5),  # gaps 13, 8, 5, 1, 4, 2, 3, 5
        "activity_bursts_90d": 3,  # May 20 | Jun 2 | Jun 10-30 (gaps 13 and 8 split)
        "activity_segment": "active",  # 8 engaged days in 30, non-passive ones
        "lifecycle_state": "active",  # 1 engaged day in the previous 30: not at risk
        "rfm_segment": "champions",  # R5 F5
        "r_score": 5,
        "f_score": 5,
        "m_score": 1,
    },
    # America/Los_Angeles (PDT). Engagements:
    #   May 10 16:00 email click, nurture (09:00 Sun weekend, w3, 51)
    #   May 15 02:00 web page view, desktop (May 14 19:00 Thu evening, w1, 46)
    #   May 20 06:30 form, 06:40 web order $200 (May 19 23:30/23:40 night, w5+10, 41)
    # Jun 5: an SMS delivery with no lead id, matched by the bare phone 4155550101.
    hb.DORMANT: {
        "lead_id": hb.DORMANT,
        "as_of_date": JUNE_30,
        "first_engaged_at": datetime(2026, 5, 10, 16, 0),
        "last_engaged_at": datetime(2026, 5, 20, 6, 40),  # the order
        "days_since_last_engagement": 41,
        "lead_age_days": 120,  # created Mar 2
        "engaged_days_7d": 0,
        "engaged_days_30d": 0,
        "engaged_days_90d": 3,  # May 10, 15, 20
        "engaged_days_prev_30d": 3,
        "engaged_days_365d": 3,
        "engagement_events_7d": 0,
        "engagement_events_30d": 0,
        "engagement_events_90d": 4,  # click, view, form, order
        "engagement_events_prev_30d": 4,
        "messages_delivered_90d": 2,  # email May 10, SMS Jun 5 (phone match)
        "messages_opened_90d": 0,
        "messages_clicked_90d": 1,
        "messages_replied_90d": 0,
        "app_sessions_90d": 0,
        "app_screen_views_90d": 0,
        "mobile_web_page_views_90d": 0,
        "desktop_web_page_views_90d": 1,
        "forms_submitted_90d": 1,
        "chat_messages_90d": 0,
        "inbound_calls_90d": 0,
        "answered_calls_90d": 0,
        "call_seconds_90d": 0,
        "orders_completed_90d": 1,
        "orders_completed_365d": 1,
        "revenue_365d": approx(200.0),
        "open_rate_90d": approx(0.0),
        "click_rate_90d": approx(1 / 2),
        "reply_rate_90d": approx(0.0),
        "mobile_share_90d": approx(0.0),  # email, desktop web, web order
        "business_hours_share_90d": approx(0.0),
        "evening_share_90d": approx(1 / 4),
        "night_share_90d": approx(2 / 4),
        "weekend_share_90d": approx(1 / 4),
        "preferred_channel": "web",  # view, form, web order 3; email 1
        "preferred_daypart": "night",
        "avg_session_minutes_90d": approx(0.0),  # 2 one-event web sessions
        "sessions_30d": 0,
        "has_abandoned_cart": False,
        "is_high_intent": False,
        "registered_never_engaged": False,
        "promo_only_responder": False,  # clicked a nurture email
        "sms_opted_out": False,
        "email_unsubscribed": False,
        "is_contactable_sms": True,
        "is_contactable_email": True,
        "is_contactable_push": False,  # no app
        "acquisition_channel": "email",  # utm_medium email
        # P = 3*.5^(51/30) + .5^(46/30) + 15*.5^(41/30) = 7.086
        "engagement_score": score(13.21),
        "median_gap_days_90d": approx(5.0),  # gaps 5, 5
        "activity_bursts_90d": 1,
        "activity_segment": "dormant",  # none in 30, some in 90
        # 3 engaged days in the previous 30 but none in the last 30: not at_risk
        "lifecycle_state": "dormant",
        "rfm_segment": "hibernating",  # R2 F2
        "r_score": 2,
        "f_score": 2,
        "m_score": 5,
    },
    # Asia/Tokyo via the country (no zone given). Engagements (all mobile):
    #   Apr 1 23:30 app install (Apr 2 08:30 local; UTC date Apr 1 = days_ago 90:
    #     outside the 90 days, inside 365; w2)
    #   May 5 03:00 app open (12:00 Tue business, w1, 56)
    #   May 12 10:00 product view (19:00 Tue evening, w2, 49)
    #   May 19 14:00 app open (23:00 Tue night, w1, 42)
    #   May 26 01:00 app open (10:00 Tue business, w1, 35)
    #   Jun 3 12:00 push opened, reminder (21:00 Wed evening, w1, 27)
    #   Jun 10 05:00 chat message (14:00 Wed business, w5, 20)
    hb.AT_RISK: {
        "lead_id": hb.AT_RISK,
        "as_of_date": JUNE_30,
        "first_engaged_at": datetime(2026, 4, 1, 23, 30),
        "last_engaged_at": datetime(2026, 6, 10, 5, 0),
        "days_since_last_engagement": 20,
        "lead_age_days": 223,  # created 2025-11-20 07:30+09:00 = 22:30 UTC Nov 19
        "engaged_days_7d": 0,
        "engaged_days_30d": 2,  # Jun 3, 10
        "engaged_days_90d": 6,  # May 5, 12, 19, 26, Jun 3, 10 (Apr 1 is days_ago 90)
        "engaged_days_prev_30d": 4,  # May 5, 12, 19, 26
        "engaged_days_365d": 7,
        "engagement_events_7d": 0,
        "engagement_events_30d": 2,
        "engagement_events_90d": 6,
        "engagement_events_prev_30d": 4,
        "messages_delivered_90d": 1,  # push Jun 3
        "messages_opened_90d": 1,
        "messages_clicked_90d": 0,
        "messages_replied_90d": 0,
        "app_sessions_90d": 5,  # May 5, 12, 19, 26, Jun 10
        "app_screen_views_90d": 0,
        "mobile_web_page_views_90d": 0,
        "desktop_web_page_views_90d": 0,
        "forms_submitted_90d": 0,
        "chat_messages_90d": 1,
        "inbound_calls_90d": 0,
        "answered_calls_90d": 0,
        "call_seconds_90d": 0,
        "orders_completed_90d": 0,
        "orders_completed_365d": 0,
        "revenue_365d": approx(0.0),
        "open_rate_90d": approx(1.0),
        "click_rate_90d": approx(0.0),
        "reply_rate_90d": approx(0.0),
        "mobile_share_90d": approx(1.0),
        "business_hours_share_90d": approx(3 / 6),  # May 5, May 26, Jun 10
        "evening_share_90d": approx(2 / 6),  # May 12, Jun 3
        "night_share_90d": approx(1 / 6),  # May 19 23:00 sharp
        "weekend_share_90d": approx(0.0),
        "preferred_channel": "app",  # app 5, push 1
        "preferred_daypart": "business_hours",
        "avg_session_minutes_90d": approx(0.0),
        "sessions_30d": 1,  # Jun 10
        "has_abandoned_cart": False,
        "is_high_intent": False,
        "registered_never_engaged": False,
        "promo_only_responder": False,  # opened a reminder
        "sms_opted_out": False,
        "email_unsubscribed": False,
        "is_contactable_sms": True,
        "is_contactable_email": True,
        "is_contactable_push": True,
        "acquisition_channel": "referral",  # signup_channel referral
        # P = 2*.5^3 + .5^(56/30) + 2*.5^(49/30) + .5^(42/30) + .5^(35/30)
        #   + .5^(27/30) + 5*.5^(20/30) = 5.679
        "engagement_score": score(10.74),
        "median_gap_days_90d": approx(7.0),  # gaps 7, 7, 7, 8, 7
        # 7-day differences are 6 quiet days (same burst); May 26 -> Jun 3 has 7
        "activity_bursts_90d": 2,
        "activity_segment": "episodic",  # 2 engaged days in 30
        "lifecycle_state": "at_risk",  # 4 in the previous 30, 2 now (= half: at most half)
        "rfm_segment": "loyal_customers",  # R3 F5
        "r_score": 3,
        "f_score": 5,
        "m_score": 1,
    },
    # America/New_York: the latest CDC version (the first said America/Chicago,
    # which would put the Jun 29 product view at 07:00, night). Engagements:
    #   May 20 18:30 app install (14:30 Wed business, w2, 41)
    #   May 21 23:30 web page view, Android (19:30 Thu evening, w1, 40)
    #   Jun 5 16:00 completed order $120, app (12:00 Fri business, w10, 25)
    #   Jun 20 15:00 completed order $45.50, store (11:00 Sat weekend, w10, 10)
    #   Jun 27 01:00 email click, promo, matched by email only (Jun 26 21:00 Fri
    #     evening, w3, 3)
    #   Jun 29 12:00 product view (08:00 Mon business, w2, 1)
    # Not engagement: the Jun 10 order (completed, then refunded: its latest row),
    # the Jun 25 "stop" reply (an SMS opt-out), deliveries.
    hb.LOYAL: {
        "lead_id": hb.LOYAL,
        "as_of_date": JUNE_30,
        "first_engaged_at": datetime(2026, 5, 20, 18, 30),
        "last_engaged_at": datetime(2026, 6, 29, 12, 0),
        "days_since_last_engagement": 1,
        "lead_age_days": 41,  # created May 20 14:00-04:00
        "engaged_days_7d": 2,  # Jun 27, 29
        "engaged_days_30d": 4,  # Jun 5, 20, 27, 29
        "engaged_days_90d": 6,
        "engaged_days_prev_30d": 2,  # May 20, 21
        "engaged_days_365d": 6,
        "engagement_events_7d": 2,
        "engagement_events_30d": 4,
        "engagement_events_90d": 6,
        "engagement_events_prev_30d": 2,
        "messages_delivered_90d": 2,  # SMS Jun 24, email Jun 26
        "messages_opened_90d": 0,
        "messages_clicked_90d": 1,
        "messages_replied_90d": 0,  # STOP is an opt-out, not a reply
        "app_sessions_90d": 2,  # May 20, Jun 29
        "app_screen_views_90d": 0,
        "mobile_web_page_views_90d": 1,
        "desktop_web_page_views_90d": 0,
        "forms_submitted_90d": 0,
        "chat_messages_90d": 0,
        "inbound_calls_90d": 0,
        "answered_calls_90d": 0,
        "call_seconds_90d": 0,
        "orders_completed_90d": 2,  # Jun 5, Jun 20 (Jun 10 was refunded)
        "orders_completed_365d": 2,
        "revenue_365d": approx(165.50),  # 120 + 45.50
        "open_rate_90d": approx(0.0),
        "click_rate_90d": approx(1 / 2),
        "reply_rate_90d": approx(0.0),
        "mobile_share_90d": approx(4 / 6),  # install, Android view, app order, app view
        "business_hours_share_90d": approx(3 / 6),  # May 20, Jun 5, Jun 29
        "evening_share_90d": approx(2 / 6),  # May 21, Jun 27
        "night_share_90d": approx(0.0),
        "weekend_share_90d": approx(1 / 6),  # Jun 20
        "preferred_channel": "app",  # app 3 (install, app order, view); web, store, email 1
        "preferred_daypart": "business_hours",
        "avg_session_minutes_90d": approx(0.0),  # 3 one-event sessions
        "sessions_30d": 1,  # Jun 29
        "has_abandoned_cart": False,
        "is_high_intent": False,  # one product view in 14 days
        "registered_never_engaged": False,
        "promo_only_responder": True,  # its only response: a promo email click
        "sms_opted_out": True,  # " stop " on Jun 25
        "email_unsubscribed": False,
        "is_contactable_sms": False,
        "is_contactable_email": True,
        "is_contactable_push": True,
        "acquisition_channel": "paid_social",  # facebook / cpc
        # P = 2*.5^(41/30) + .5^(40/30) + 10*.5^(25/30) + 10*.5^(10/30) + 3*.5^(3/30)
        #   + 2*.5^(1/30) = 19.475
        "engagement_score": score(32.26),
        "median_gap_days_90d": approx(7.0),  # gaps 1, 15, 15, 7, 2
        "activity_bursts_90d": 3,  # May 20-21 | Jun 5 | Jun 20, 27, 29 (6 quiet days)
        "activity_segment": "active",
        # STOP on SMS only (email still open) and it engaged after: not churned;
        # 2 completed orders in 365 days and engaged in 30: loyal
        "lifecycle_state": "loyal",
        "rfm_segment": "champions",  # R5 F4
        "r_score": 5,
        "f_score": 4,
        "m_score": 4,
    },
    # Europe/Berlin (CEST). A cookie browsing before and after the sign-up form
    # that ties it to the lead:
    #   Jun 20 09:00 page view, cookie only (11:00 Sat weekend, w1, 10)
    #   Jun 20 09:10 form with user_id (11:10 Sat weekend, w5, 10)
    #   Jun 23 16:30 page view, cookie only (18:30 Tue evening, w1, 7)
    hb.NEW: {
        "lead_id": hb.NEW,
        "as_of_date": JUNE_30,
        "first_engaged_at": datetime(2026, 6, 20, 9, 0),  # before the login
        "last_engaged_at": datetime(2026, 6, 23, 16, 30),
        "days_since_last_engagement": 7,
        "lead_age_days": 10,  # created Jun 20
        "engaged_days_7d": 0,  # Jun 23 is days_ago 7: just outside
        "engaged_days_30d": 2,
        "engaged_days_90d": 2,
        "engaged_days_prev_30d": 0,
        "engaged_days_365d": 2,
        "engagement_events_7d": 0,
        "engagement_events_30d": 3,
        "engagement_events_90d": 3,
        "engagement_events_prev_30d": 0,
        "messages_delivered_90d": 0,
        "messages_opened_90d": 0,
        "messages_clicked_90d": 0,
        "messages_replied_90d": 0,
        "app_sessions_90d": 0,
        "app_screen_views_90d": 0,
        "mobile_web_page_views_90d": 0,
        "desktop_web_page_views_90d": 2,
        "forms_submitted_90d": 1,
        "chat_messages_90d": 0,
        "inbound_calls_90d": 0,
        "answered_calls_90d": 0,
        "call_seconds_90d": 0,
        "orders_completed_90d": 0,
        "orders_completed_365d": 0,
        "revenue_365d": approx(0.0),
        "open_rate_90d": None,  # nothing delivered
        "click_rate_90d": None,
        "reply_rate_90d": None,
        "mobile_share_90d": approx(0.0),
        "business_hours_share_90d": approx(0.0),
        "evening_share_90d": approx(1 / 3),
        "night_share_90d": approx(0.0),
        "weekend_share_90d": approx(2 / 3),
        "preferred_channel": "web",
        "preferred_daypart": "weekend",
        "avg_session_minutes_90d": approx(5.0),  # 09:00-09:10 (10 min) and Jun 23 (0)
        "sessions_30d": 2,
        "has_abandoned_cart": False,
        "is_high_intent": False,
        "registered_never_engaged": False,
        "promo_only_responder": False,  # no responses at all
        "sms_opted_out": False,
        "email_unsubscribed": False,
        "is_contactable_sms": True,
        "is_contactable_email": True,
        "is_contactable_push": False,
        "acquisition_channel": "organic_search",  # google / organic
        # P = 6*.5^(10/30) + .5^(7/30) = 5.613
        "engagement_score": score(10.62),
        "median_gap_days_90d": approx(3.0),
        "activity_bursts_90d": 1,
        "activity_segment": "episodic",  # 2 engaged days
        "lifecycle_state": "new",  # created 10 days ago
        "rfm_segment": "promising",  # R4 F1
        "r_score": 4,
        "f_score": 1,
        "m_score": 1,
    },
    # Australia/Sydney. Only exposure: two SMS delivered, one failed, an
    # unanswered outbound call.
    hb.NEVER: {
        "lead_id": hb.NEVER,
        "as_of_date": JUNE_30,
        "first_engaged_at": None,
        "last_engaged_at": None,
        "days_since_last_engagement": None,
        "lead_age_days": 176,  # created Jan 5
        "engaged_days_7d": 0,
        "engaged_days_30d": 0,
        "engaged_days_90d": 0,
        "engaged_days_prev_30d": 0,
        "engaged_days_365d": 0,
        "engagement_events_7d": 0,
        "engagement_events_30d": 0,
        "engagement_events_90d": 0,
        "engagement_events_prev_30d": 0,
        "messages_delivered_90d": 2,  # the failed one was not delivered
        "messages_opened_90d": 0,
        "messages_clicked_90d": 0,
        "messages_replied_90d": 0,
        "app_sessions_90d": 0,
        "app_screen_views_90d": 0,
        "mobile_web_page_views_90d": 0,
        "desktop_web_page_views_90d": 0,
        "forms_submitted_90d": 0,
        "chat_messages_90d": 0,
        "inbound_calls_90d": 0,
        "answered_calls_90d": 0,  # outbound missed
        "call_seconds_90d": 0,
        "orders_completed_90d": 0,
        "orders_completed_365d": 0,
        "revenue_365d": approx(0.0),
        "open_rate_90d": approx(0.0),
        "click_rate_90d": approx(0.0),
        "reply_rate_90d": approx(0.0),
        "mobile_share_90d": None,  # no engagement to share
        "business_hours_share_90d": None,
        "evening_share_90d": None,
        "night_share_90d": None,
        "weekend_share_90d": None,
        "preferred_channel": None,
        "preferred_daypart": None,
        "avg_session_minutes_90d": None,
        "sessions_30d": 0,
        "has_abandoned_cart": False,
        "is_high_intent": False,
        "registered_never_engaged": True,
        "promo_only_responder": False,
        "sms_opted_out": False,
        "email_unsubscribed": False,
        "is_contactable_sms": True,
        "is_contactable_email": False,  # no email
        "is_contactable_push": False,
        "acquisition_channel": "other",  # signup_channel import
        "engagement_score": score(0.0),
        "median_gap_days_90d": None,
        "activity_bursts_90d": 0,
        "activity_segment": "inactive",
        "lifecycle_state": "never_engaged",
        "rfm_segment": "prospects",
        "r_score": None,
        "f_score": None,
        "m_score": None,
    },
    # Europe/Paris. Engagements, all before the last 90 days:
    #   2025-08-15 12:00 email click, 12:30 store order $30 (w3+10, days_ago 319)
    #   2026-03-10 09:00 email open (w1, 112)
    #   2026-03-20 19:30 web page view, 19:45 inbound missed call (w1+3, 102)
    # Jun 1: an email delivered, not opened.
    hb.SILENT: {
        "lead_id": hb.SILENT,
        "as_of_date": JUNE_30,
        "first_engaged_at": datetime(2025, 8, 15, 12, 0),
        "last_engaged_at": datetime(2026, 3, 20, 19, 45),  # the inbound call
        "days_since_last_engagement": 102,
        "lead_age_days": 394,  # created 2025-06-01
        "engaged_days_7d": 0,
        "engaged_days_30d": 0,
        "engaged_days_90d": 0,
        "engaged_days_prev_30d": 0,
        "engaged_days_365d": 3,  # 2025-08-15, 2026-03-10, 2026-03-20
        "engagement_events_7d": 0,
        "engagement_events_30d": 0,
        "engagement_events_90d": 0,
        "engagement_events_prev_30d": 0,
        "messages_delivered_90d": 1,  # Jun 1
        "messages_opened_90d": 0,
        "messages_clicked_90d": 0,
        "messages_replied_90d": 0,
        "app_sessions_90d": 0,
        "app_screen_views_90d": 0,
        "mobile_web_page_views_90d": 0,
        "desktop_web_page_views_90d": 0,
        "forms_submitted_90d": 0,
        "chat_messages_90d": 0,
        "inbound_calls_90d": 0,  # Mar 20 is outside the 90 days
        "answered_calls_90d": 0,
        "call_seconds_90d": 0,
        "orders_completed_90d": 0,
        "orders_completed_365d": 1,
        "revenue_365d": approx(30.0),
        "open_rate_90d": approx(0.0),
        "click_rate_90d": approx(0.0),
        "reply_rate_90d": approx(0.0),
        "mobile_share_90d": None,
        "business_hours_share_90d": None,
        "evening_share_90d": None,
        "night_share_90d": None,
        "weekend_share_90d": None,
        "preferred_channel": None,
        "preferred_daypart": None,
        "avg_session_minutes_90d": None,
        "sessions_30d": 0,
        "has_abandoned_cart": False,
        "is_high_intent": False,
        "registered_never_engaged": False,
        "promo_only_responder": False,
        "sms_opted_out": False,
        "email_unsubscribed": False,
        "is_contactable_sms": True,
        "is_contactable_email": True,
        "is_contactable_push": False,
        "acquisition_channel": "email",  # utm_source newsletter
        # P = 13*.5^(319/30) + .5^(112/30) + 4*.5^(102/30) = 0.462
        "engagement_score": score(0.92),
        "median_gap_days_90d": None,
        "activity_bursts_90d": 0,
        "activity_segment": "inactive",
        "lifecycle_state": "churned",  # engaged before, not in the last 90 days
        "rfm_segment": "hibernating",  # R1 F2
        "r_score": 1,
        "f_score": 2,
        "m_score": 2,
    },
    # America/Chicago (CDT); email only, no phone. Engagements:
    #   May 28 20:00 email open, nurture (15:00 Thu business, w1, 33)
    #   May 31 23:50 and Jun 1 00:10 desktop page views: one 20-minute web session
    #     over two UTC days (18:50/19:10 Sun May 31 weekend, w1 + w1, 30 and 29)
    #   Jun 3 13:00 email click, nurture (08:00 Wed business, w3, 27)
    # Jun 8: an opt_out_all request; nothing but a delivery after it.
    hb.OPT_OUT: {
        "lead_id": hb.OPT_OUT,
        "as_of_date": JUNE_30,
        "first_engaged_at": datetime(2026, 5, 28, 20, 0),
        "last_engaged_at": datetime(2026, 6, 3, 13, 0),
        "days_since_last_engagement": 27,
        "lead_age_days": 140,  # created Feb 10
        "engaged_days_7d": 0,
        "engaged_days_30d": 2,  # Jun 1, 3
        "engaged_days_90d": 4,
        "engaged_days_prev_30d": 2,  # May 28, 31
        "engaged_days_365d": 4,
        "engagement_events_7d": 0,
        "engagement_events_30d": 2,
        "engagement_events_90d": 4,
        "engagement_events_prev_30d": 2,
        "messages_delivered_90d": 3,  # May 28, Jun 3, Jun 15
        "messages_opened_90d": 1,
        "messages_clicked_90d": 1,
        "messages_replied_90d": 0,
        "app_sessions_90d": 0,
        "app_screen_views_90d": 0,
        "mobile_web_page_views_90d": 0,
        "desktop_web_page_views_90d": 2,
        "forms_submitted_90d": 0,
        "chat_messages_90d": 0,
        "inbound_calls_90d": 0,
        "answered_calls_90d": 0,
        "call_seconds_90d": 0,
        "orders_completed_90d": 0,
        "orders_completed_365d": 0,
        "revenue_365d": approx(0.0),
        "open_rate_90d": approx(1 / 3),
        "click_rate_90d": approx(1 / 3),
        "reply_rate_90d": approx(0.0),
        "mobile_share_90d": approx(0.0),
        "business_hours_share_90d": approx(2 / 4),  # May 28, Jun 3 (08:00 sharp)
        "evening_share_90d": approx(0.0),
        "night_share_90d": approx(0.0),
        "weekend_share_90d": approx(2 / 4),  # the Sunday evening views
        "preferred_channel": "email",  # email 2 = web 2: email is listed first
        "preferred_daypart": "business_hours",  # 2 = weekend 2: listed first
        "avg_session_minutes_90d": approx(20.0),  # the May 31 session, 20 min
        "sessions_30d": 0,  # it started on May 31, days_ago 30
        "has_abandoned_cart": False,
        "is_high_intent": False,
        "registered_never_engaged": False,
        "promo_only_responder": False,
        "sms_opted_out": True,  # opt_out_all: every message channel
        "email_unsubscribed": True,
        "is_contactable_sms": False,
        "is_contactable_email": False,
        "is_contactable_push": False,
        "acquisition_channel": "sms",  # utm_medium sms
        # P = .5^(33/30) + .5^(30/30) + .5^(29/30) + 3*.5^(27/30) = 3.086
        "engagement_score": score(5.99),
        "median_gap_days_90d": approx(2.0),  # gaps 3, 1, 2
        "activity_bursts_90d": 1,
        "activity_segment": "episodic",  # 2 engaged days in 30
        "lifecycle_state": "churned",  # opt_out_all Jun 8, no engagement after
        "rfm_segment": "at_risk",  # R2 F3
        "r_score": 2,
        "f_score": 3,
        "m_score": 1,
    },
    # Asia/Kolkata (UTC+5:30). An app device used anonymously, tied to the lead
    # by a login on Apr 18; every event of it belongs to the lead. Engagements:
    #   Apr 16 04:00 install, 04:20 app open, anonymous (09:30/09:50 Thu business,
    #     w2+1, 75)
    #   Apr 18 05:00 screen view, logged in (10:30 Sat weekend, w1, 73)
    #   Jun 2 14:00 product view, 14:10 cart, anonymous (19:30/19:40 Tue evening,
    #     w2+4, 28)
    #   Jun 5 20:00 product view, anonymous (Jun 6 01:30 night, w2, 25)
    #   Jun 10 06:00 app open, logged in (11:30 Wed business, w1, 20)
    # Jun 12: app_uninstalled (anonymous); then only an SMS delivery.
    hb.UNINSTALL: {
        "lead_id": hb.UNINSTALL,
        "as_of_date": JUNE_30,
        "first_engaged_at": datetime(2026, 4, 16, 4, 0),  # anonymous, before login
        "last_engaged_at": datetime(2026, 6, 10, 6, 0),
        "days_since_last_engagement": 20,
        "lead_age_days": 76,  # created Apr 15
        "engaged_days_7d": 0,
        "engaged_days_30d": 3,  # Jun 2, 5, 10
        "engaged_days_90d": 5,  # + Apr 16, 18
        "engaged_days_prev_30d": 0,
        "engaged_days_365d": 5,
        "engagement_events_7d": 0,
        "engagement_events_30d": 4,
        "engagement_events_90d": 7,
        "engagement_events_prev_30d": 0,
        "messages_delivered_90d": 1,  # SMS Jun 20
        "messages_opened_90d": 0,
        "messages_clicked_90d": 0,
        "messages_replied_90d": 0,
        "app_sessions_90d": 5,  # Apr 16 (20 min), Apr 18, Jun 2 (10 min), Jun 5, Jun 10
        "app_screen_views_90d": 1,
        "mobile_web_page_views_90d": 0,
        "desktop_web_page_views_90d": 0,
        "forms_submitted_90d": 0,
        "chat_messages_90d": 0,
        "inbound_calls_90d": 0,
        "answered_calls_90d": 0,
        "call_seconds_90d": 0,
        "orders_completed_90d": 0,
        "orders_completed_365d": 0,
        "revenue_365d": approx(0.0),
        "open_rate_90d": approx(0.0),
        "click_rate_90d": approx(0.0),
        "reply_rate_90d": approx(0.0),
        "mobile_share_90d": approx(1.0),
        "business_hours_share_90d": approx(3 / 7),  # Apr 16 x2, Jun 10
        "evening_share_90d": approx(2 / 7),  # Jun 2 x2
        "night_share_90d": approx(1 / 7),  # Jun 5
        "weekend_share_90d": approx(1 / 7),  # Apr 18
        "preferred_channel": "app",
        "preferred_daypart": "business_hours",
        "avg_session_minutes_90d": approx(30 / 5),
        "sessions_30d": 3,
        "has_abandoned_cart": False,  # the cart (Jun 2) is not in the last 24 h
        "is_high_intent": False,  # no product views Jun 17-30
        "registered_never_engaged": False,
        "promo_only_responder": False,
        "sms_opted_out": False,
        "email_unsubscribed": False,
        "is_contactable_sms": True,
        "is_contactable_email": False,  # no email
        "is_contactable_push": False,  # uninstalled
        "acquisition_channel": "organic_social",  # instagram / social
        # P = 3*.5^(75/30) + .5^(73/30) + 6*.5^(28/30) + 2*.5^(25/30) + .5^(20/30) = 5.610
        "engagement_score": score(10.61),
        "median_gap_days_90d": approx(4.0),  # gaps 2, 45, 3, 5
        "activity_bursts_90d": 2,
        "activity_segment": "active",  # 3 engaged days in 30, product views and a cart
        "lifecycle_state": "churned",  # uninstalled Jun 12, no engagement after
        "rfm_segment": "loyal_customers",  # R3 F4
        "r_score": 3,
        "f_score": 4,
        "m_score": 1,
    },
    # America/Toronto. One web page view on 2025-02-12 15:00, 503 days ago; a
    # June email delivery.
    hb.LOST: {
        "lead_id": hb.LOST,
        "as_of_date": JUNE_30,
        "first_engaged_at": datetime(2025, 2, 12, 15, 0),
        "last_engaged_at": datetime(2025, 2, 12, 15, 0),
        "days_since_last_engagement": 503,
        "lead_age_days": 606,  # created 2024-11-01
        "engaged_days_7d": 0,
        "engaged_days_30d": 0,
        "engaged_days_90d": 0,
        "engaged_days_prev_30d": 0,
        "engaged_days_365d": 0,
        "engagement_events_7d": 0,
        "engagement_events_30d": 0,
        "engagement_events_90d": 0,
        "engagement_events_prev_30d": 0,
        "messages_delivered_90d": 1,
        "messages_opened_90d": 0,
        "messages_clicked_90d": 0,
        "messages_replied_90d": 0,
        "app_sessions_90d": 0,
        "app_screen_views_90d": 0,
        "mobile_web_page_views_90d": 0,
        "desktop_web_page_views_90d": 0,
        "forms_submitted_90d": 0,
        "chat_messages_90d": 0,
        "inbound_calls_90d": 0,
        "answered_calls_90d": 0,
        "call_seconds_90d": 0,
        "orders_completed_90d": 0,
        "orders_completed_365d": 0,
        "revenue_365d": approx(0.0),
        "open_rate_90d": approx(0.0),
        "click_rate_90d": approx(0.0),
        "reply_rate_90d": approx(0.0),
        "mobile_share_90d": None,
        "business_hours_share_90d": None,
        "evening_share_90d": None,
        "night_share_90d": None,
        "weekend_share_90d": None,
        "preferred_channel": None,
        "preferred_daypart": None,
        "avg_session_minutes_90d": None,
        "sessions_30d": 0,
        "has_abandoned_cart": False,
        "is_high_intent": False,
        "registered_never_engaged": False,
        "promo_only_responder": False,
        "sms_opted_out": False,
        "email_unsubscribed": False,
        "is_contactable_sms": True,
        "is_contactable_email": True,
        "is_contactable_push": False,
        "acquisition_channel": "offline_event",
        "engagement_score": score(0.0),  # nothing in 365 days
        "median_gap_days_90d": None,
        "activity_bursts_90d": 0,
        "activity_segment": "inactive",
        "lifecycle_state": "churned",  # engaged before, not in 90 days
        "rfm_segment": "lost",  # engaged once, not in 365 days
        "r_score": None,
        "f_score": None,
        "m_score": None,
    },
    # America/Sao_Paulo (UTC-3). Reads WhatsApp promos, never replies:
    #   May 9 14:00 opened, promo (11:00 Sat weekend, w1, 52)
    #   Jun 6 14:00 opened, promo (Sat weekend, 24)
    #   Jun 13 14:00 opened, seasonal_promo (Sat weekend, 17; re-delivered once)
    #   Jun 27 23:00 opened, promo (20:00 Sat weekend, 3)
    # Five deliveries (May 9, Jun 6, 13, 20, 27).
    hb.EPISODIC: {
        "lead_id": hb.EPISODIC,
        "as_of_date": JUNE_30,
        "first_engaged_at": datetime(2026, 5, 9, 14, 0),
        "last_engaged_at": datetime(2026, 6, 27, 23, 0),
        "days_since_last_engagement": 3,
        "lead_age_days": 302,  # created 2025-09-01
        "engaged_days_7d": 1,  # Jun 27
        "engaged_days_30d": 3,  # Jun 6, 13, 27
        "engaged_days_90d": 4,
        "engaged_days_prev_30d": 1,  # May 9
        "engaged_days_365d": 4,
        "engagement_events_7d": 1,
        "engagement_events_30d": 3,  # the duplicate counted once
        "engagement_events_90d": 4,
        "engagement_events_prev_30d": 1,
        "messages_delivered_90d": 5,
        "messages_opened_90d": 4,
        "messages_clicked_90d": 0,
        "messages_replied_90d": 0,
        "app_sessions_90d": 0,
        "app_screen_views_90d": 0,
        "mobile_web_page_views_90d": 0,
        "desktop_web_page_views_90d": 0,
        "forms_submitted_90d": 0,
        "chat_messages_90d": 0,
        "inbound_calls_90d": 0,
        "answered_calls_90d": 0,
        "call_seconds_90d": 0,
        "orders_completed_90d": 0,
        "orders_completed_365d": 0,
        "revenue_365d": approx(0.0),
        "open_rate_90d": approx(4 / 5),
        "click_rate_90d": approx(0.0),
        "reply_rate_90d": approx(0.0),
        "mobile_share_90d": approx(1.0),  # WhatsApp is mobile
        "business_hours_share_90d": approx(0.0),
        "evening_share_90d": approx(0.0),
        "night_share_90d": approx(0.0),
        "weekend_share_90d": approx(1.0),
        "preferred_channel": "whatsapp",
        "preferred_daypart": "weekend",
        "avg_session_minutes_90d": None,
        "sessions_30d": 0,
        "has_abandoned_cart": False,
        "is_high_intent": False,
        "registered_never_engaged": False,
        "promo_only_responder": True,  # every open followed a promo or seasonal promo
        "sms_opted_out": False,
        "email_unsubscribed": False,
        "is_contactable_sms": True,
        "is_contactable_email": False,
        "is_contactable_push": False,
        "acquisition_channel": "paid_social",  # utm_medium paid_social
        # P = .5^(52/30) + .5^(24/30) + .5^(17/30) + .5^(3/30) = 2.483
        "engagement_score": score(4.85),
        "median_gap_days_90d": approx(14.0),  # gaps 28, 7, 14
        "activity_bursts_90d": 3,  # May 9 | Jun 6, 13 | Jun 27
        "activity_segment": "episodic",  # 3 engaged days, all passive opens
        "lifecycle_state": "active",  # 1 engaged day in the previous 30: not at risk
        "rfm_segment": "potential_loyalists",  # R4 F3
        "r_score": 4,
        "f_score": 3,
        "m_score": 1,
    },
}

# As of 2026-05-31 (windows: last 7 = May 25-31, last 30 = May 2-31, previous
# 30 = Apr 2-May 1, last 90 = Mar 3-May 31, last 365 = 2025-06-01..2026-05-31),
# from the same raw rows: June does not exist yet. hb_new (created Jun 20) is
# not a lead yet.
# RFM among the 8 leads engaged in 365 days: score = ceil(5 * k / 8).
# R: 72 silent k1->1; 43 uninstall k2->2; 22 episodic k3->2; 11 active,
# 11 dormant k5->4; 10 loyal k6->4; 5 at_risk k7->5; 0 opt_out k8->5.
# F: 1 episodic k1->1; 2 active, 2 loyal, 2 opt_out, 2 uninstall k5->4;
# 3 dormant, 3 silent k7->5; 5 at_risk k8->5.
EARLY_EXPECTED: dict[str, dict[str, Any]] = {
    hb.ACTIVE: {
        "days_since_last_engagement": 11,  # May 20
        "lead_age_days": 136,
        "engaged_days_7d": 0,
        "engaged_days_30d": 1,  # May 20
        "engaged_days_90d": 1,
        "engaged_days_prev_30d": 0,
        "engaged_days_365d": 2,  # + Jan 20
        "engagement_events_30d": 1,
        "engagement_events_90d": 1,
        "activity_segment": "episodic",  # one passive page view in 30 days
        "lifecycle_state": "active",
        "rfm_segment": "loyal_customers",  # R4 F4
        "r_score": 4,
        "f_score": 4,
        "has_abandoned_cart": False,
        "is_high_intent": False,
    },
    hb.DORMANT: {
        "days_since_last_engagement": 11,
        "lead_age_days": 90,
        "engaged_days_7d": 0,
        "engaged_days_30d": 3,  # May 10, 15, 20
        "engaged_days_90d": 3,
        "engaged_days_prev_30d": 0,
        "engaged_days_365d": 3,
        "engagement_events_30d": 4,
        "engagement_events_90d": 4,
        "activity_segment": "active",  # 3 days, a click and a form
        "lifecycle_state": "active",
        "rfm_segment": "loyal_customers",  # R4 F5
        "r_score": 4,
        "f_score": 5,
    },
    hb.AT_RISK: {
        "days_since_last_engagement": 5,  # May 26
        "lead_age_days": 193,  # UTC creation date Nov 19
        "engaged_days_7d": 1,  # May 26
        "engaged_days_30d": 4,  # May 5, 12, 19, 26
        "engaged_days_90d": 5,  # + Apr 1 (days_ago 60)
        "engaged_days_prev_30d": 0,  # Apr 1 is days_ago 60: just outside
        "engaged_days_365d": 5,
        "engagement_events_30d": 4,
        "engagement_events_90d": 5,
        "activity_segment": "active",  # 4 days, a product view
        "lifecycle_state": "active",
        "rfm_segment": "champions",  # R5 F5
        "r_score": 5,
        "f_score": 5,
    },
    hb.LOYAL: {
        "days_since_last_engagement": 10,  # May 21
        "lead_age_days": 11,
        "engaged_days_7d": 0,
        "engaged_days_30d": 2,  # May 20, 21
        "engaged_days_90d": 2,
        "engaged_days_prev_30d": 0,
        "engaged_days_365d": 2,
        "engagement_events_30d": 2,
        "engagement_events_90d": 2,
        "orders_completed_365d": 0,  # the orders are in June
        "activity_segment": "episodic",
        "lifecycle_state": "new",  # created 11 days before
        "sms_opted_out": False,  # the STOP comes on Jun 25
        "is_contactable_sms": True,
        "rfm_segment": "loyal_customers",  # R4 F4
        "r_score": 4,
        "f_score": 4,
    },
    hb.NEVER: {
        "days_since_last_engagement": None,
        "lead_age_days": 146,
        "engaged_days_7d": 0,
        "engaged_days_30d": 0,
        "engaged_days_90d": 0,
        "engaged_days_prev_30d": 0,
        "engaged_days_365d": 0,
        "engagement_events_30d": 0,
        "engagement_events_90d": 0,
        "messages_delivered_90d": 0,  # the deliveries are in June
        "open_rate_90d": None,
        "activity_segment": "inactive",
        "lifecycle_state": "never_engaged",
        "rfm_segment": "prospects",
        "r_score": None,
        "f_score": None,
    },
    hb.SILENT: {
        "days_since_last_engagement": 72,  # Mar 20
        "lead_age_days": 364,
        "engaged_days_7d": 0,
        "engaged_days_30d": 0,
        "engaged_days_90d": 2,  # Mar 10, 20
        "engaged_days_prev_30d": 0,
        "engaged_days_365d": 3,
        "engagement_events_30d": 0,
        "engagement_events_90d": 3,  # open; page view and inbound call
        "inbound_calls_90d": 1,
        "activity_segment": "dormant",
        "lifecycle_state": "dormant",  # not yet 90 days of silence
        "rfm_segment": "cannot_lose_them",  # R1 F5
        "r_score": 1,
        "f_score": 5,
    },
    hb.OPT_OUT: {
        "days_since_last_engagement": 0,  # the May 31 23:50 page view
        "lead_age_days": 110,
        "engaged_days_7d": 2,  # May 28, 31
        "engaged_days_30d": 2,
        "engaged_days_90d": 2,
        "engaged_days_prev_30d": 0,
        "engaged_days_365d": 2,
        "engagement_events_30d": 2,
        "engagement_events_90d": 2,
        # The session's Jun 1 00:10 view is after the as-of day: a one-event session.
        "avg_session_minutes_90d": approx(0.0),
        "sessions_30d": 1,
        "activity_segment": "episodic",  # an open and a page view: passive
        "lifecycle_state": "active",  # the opt_out_all request comes on Jun 8
        "sms_opted_out": False,
        "email_unsubscribed": False,
        "is_contactable_email": True,
        "rfm_segment": "champions",  # R5 F4
        "r_score": 5,
        "f_score": 4,
    },
    hb.UNINSTALL: {
        "days_since_last_engagement": 43,  # Apr 18
        "lead_age_days": 46,
        "engaged_days_7d": 0,
        "engaged_days_30d": 0,
        "engaged_days_90d": 2,  # Apr 16, 18
        "engaged_days_prev_30d": 2,
        "engaged_days_365d": 2,
        "engagement_events_30d": 0,
        "engagement_events_90d": 3,
        "activity_segment": "dormant",
        "lifecycle_state": "dormant",  # 2 days in the previous 30: not at_risk
        "is_contactable_push": True,  # the uninstall comes on Jun 12
        "rfm_segment": "at_risk",  # R2 F4
        "r_score": 2,
        "f_score": 4,
    },
    hb.LOST: {
        "days_since_last_engagement": 473,
        "lead_age_days": 576,
        "engaged_days_90d": 0,
        "engaged_days_365d": 0,
        "activity_segment": "inactive",
        "lifecycle_state": "churned",
        "rfm_segment": "lost",
        "r_score": None,
        "f_score": None,
    },
    hb.EPISODIC: {
        "days_since_last_engagement": 22,  # May 9
        "lead_age_days": 272,
        "engaged_days_7d": 0,
        "engaged_days_30d": 1,
        "engaged_days_90d": 1,
        "engaged_days_prev_30d": 0,
        "engaged_days_365d": 1,
        "engagement_events_30d": 1,
        "engagement_events_90d": 1,
        "messages_delivered_90d": 1,
        "activity_segment": "episodic",
        "lifecycle_state": "active",
        "rfm_segment": "hibernating",  # R2 F1
        "r_score": 2,
        "f_score": 1,
    },
}


def _same(actual: Any, expected: Any) -> bool:
    if expected is None:
        return actual is None
    if actual is None:
        return False
    if isinstance(expected, bool):
        return isinstance(actual, bool) and actual is expected
    if isinstance(actual, Decimal):
        actual = float(actual)
    return bool(actual == expected)


def _mismatches(row: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    return [
        f"{column}: expected {want!r}, got {row.get(column, '<missing column>')!r}"
        for column, want in expected.items()
        if column not in row or not _same(row[column], want)
    ]


class Mart:
    """The mart's rows (by lead) and column names after one build."""

    def __init__(self, columns: list[str], rows: dict[str, dict[str, Any]], count: int):
        self.columns = columns
        self.rows = rows
        self.row_count = count


def _build(tmp_path_factory: pytest.TempPathFactory, as_of: str) -> Mart:
    if not MART_SQL.exists():
        pytest.skip(f"{MART_SQL.name} does not exist yet")
    from leadpulse import dbt

    root = tmp_path_factory.mktemp(f"hand_built_{as_of}")
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
            hb.load_raw(con)
        finally:
            con.close()

        # Seeds, models and data tests (the mart's own tests then run on these
        # rows). dbt's unit tests read no warehouse data and take most of a
        # build's time: the main suite runs them, so they are left out here.
        run = dbt.build(as_of=as_of, full_refresh=True, exclude=UNIT_TESTS, quiet=True)
        assert run.success, f"dbt build as of {as_of} failed: {run.error_message}"

    con = duckdb.connect(str(db_path), read_only=True)
    try:
        result = con.execute(f"select * from {MART}")
        columns = [d[0] for d in result.description]
        records = [dict(zip(columns, values, strict=True)) for values in result.fetchall()]
    finally:
        con.close()
    return Mart(columns, {r["lead_id"]: r for r in records}, len(records))


@pytest.fixture(scope="module")
def june_mart(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mart]:
    yield _build(tmp_path_factory, hb.AS_OF)


@pytest.fixture(scope="module")
def may_mart(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mart]:
    yield _build(tmp_path_factory, hb.EARLY_AS_OF)


def test_every_lead_has_an_expectation_for_every_specified_column() -> None:
    assert set(EXPECTED) == set(hb.LEAD_IDS)
    for lead_id, expected in EXPECTED.items():
        assert list(expected) == MART_COLUMNS, lead_id
    assert set(EARLY_EXPECTED) == set(hb.LEAD_IDS) - {hb.NEW}
    for lead_id, expected in EARLY_EXPECTED.items():
        assert set(expected) <= set(MART_COLUMNS), lead_id


def test_mart_has_exactly_the_checked_columns(june_mart: Mart) -> None:
    """A column added to the mart without a hand-worked value here fails this test."""
    assert len(june_mart.columns) == len(set(june_mart.columns)), "duplicate column names"
    for lead_id, expected in EXPECTED.items():
        unchecked = [c for c in june_mart.columns if c not in expected]
        missing = [c for c in expected if c not in june_mart.columns]
        assert not unchecked and not missing, (
            f"{lead_id}: mart columns without an expected value: {unchecked}; "
            f"expected columns the mart lacks: {missing}"
        )
    assert june_mart.columns == MART_COLUMNS, "the mart's column order changed"


def test_one_row_per_hand_built_lead(june_mart: Mart) -> None:
    assert june_mart.row_count == len(june_mart.rows), "lead_id is not unique"
    assert sorted(june_mart.rows) == sorted(hb.LEAD_IDS)


@pytest.mark.parametrize("lead_id", hb.LEAD_IDS)
def test_lead_matches_hand_worked_values(june_mart: Mart, lead_id: str) -> None:
    wrong = _mismatches(june_mart.rows[lead_id], EXPECTED[lead_id])
    assert not wrong, f"{lead_id} as of {hb.AS_OF}:\n  " + "\n  ".join(wrong)


def test_point_in_time_population(may_mart: Mart) -> None:
    """As of May 31 the lead created on Jun 20 does not exist yet; the others do."""
    assert may_mart.row_count == len(may_mart.rows), "lead_id is not unique"
    assert sorted(may_mart.rows) == sorted(set(hb.LEAD_IDS) - {hb.NEW})
    assert {row["as_of_date"] for row in may_mart.rows.values()} == {date(2026, 5, 31)}


@pytest.mark.parametrize("lead_id", sorted(EARLY_EXPECTED))
def test_point_in_time_lead_state(may_mart: Mart, lead_id: str) -> None:
    wrong = _mismatches(may_mart.rows[lead_id], EARLY_EXPECTED[lead_id])
    assert not wrong, f"{lead_id} as of {hb.EARLY_AS_OF}:\n  " + "\n  ".join(wrong)


@pytest.mark.parametrize(
    ("lead_id", "may", "june"),
    [
        (hb.ACTIVE, ("episodic", "active"), ("active", "active")),
        (hb.DORMANT, ("active", "active"), ("dormant", "dormant")),
        (hb.AT_RISK, ("active", "active"), ("episodic", "at_risk")),
        (hb.LOYAL, ("episodic", "new"), ("active", "loyal")),
        (hb.SILENT, ("dormant", "dormant"), ("inactive", "churned")),
        (hb.OPT_OUT, ("episodic", "active"), ("episodic", "churned")),
        (hb.UNINSTALL, ("dormant", "dormant"), ("active", "churned")),
        (hb.NEVER, ("inactive", "never_engaged"), ("inactive", "never_engaged")),
    ],
)
def test_leads_move_state_between_as_of_dates(
    may_mart: Mart, june_mart: Mart, lead_id: str, may: tuple, june: tuple
) -> None:
    """(activity_segment, lifecycle_state) on May 31, then on Jun 30."""
    states = [
        (mart.rows[lead_id]["activity_segment"], mart.rows[lead_id]["lifecycle_state"])
        for mart in (may_mart, june_mart)
    ]
    assert states == [may, june]
