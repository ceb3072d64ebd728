"""Alerts kept current in the transaction that settles, voids or re-settles a bill (monitoring.md).

The 酉阳 2017 policy: a poor person's threshold is 1.0 × 11,549.00 = 11,549.00 (因病致贫监测), warning
from 0.8 × 11,549.00 = 9,239.20; a 低保 person's is 0.5 × 11,549.00 = 5,774.50 (因病返贫监测).
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims.models import Claim
from claims.services import claim_void
from monitoring.models import Alert, Level
from policies.services import policies_load_shipped
from accounts.services import system_user

D = datetime.date


@pytest.fixture
def youyang(db):
    policies_load_shipped(user=system_user())


@pytest.fixture
def poor(youyang, make_person, village_a, covered):
    return covered(make_person(village_a, name="田小红"), 2017, ["poor"])


def personal_of(outcome) -> Decimal:
    return outcome.claim.settlements.get(superseded_at__isnull=True).personal


def test_a_bill_that_crosses_the_line_raises_an_alert_in_the_same_request(poor, settle, clerk_a):
    # given: a 100,000 stay at a city hospital leaves more than the threshold to pay
    outcome = settle(clerk_a, poor, day=D(2017, 8, 3), total="100000", in_catalog="60000", level="city")

    # then
    alert = Alert.objects.get(beneficiary=poor, year=2017)
    assert alert.burden == personal_of(outcome) > Decimal("11549.00")
    assert (alert.threshold, alert.label, alert.level, alert.status) == (
        Decimal("11549.00"), "因病致贫监测", Level.OVER, Alert.Status.NEW)
    assert [c["cause"] for c in alert.changes] == [f"结算账单 #{outcome.claim.pk}"]
    assert alert.changes[0]["by"] == clerk_a.username


def test_a_small_bill_raises_nothing(poor, settle, clerk_a):
    settle(clerk_a, poor, day=D(2017, 3, 1), total="1000", in_catalog="900")
    assert not Alert.objects.exists()


def test_a_void_after_referral_keeps_the_history_and_shows_the_new_level(poor, settle, clerk_a, viewer):
    # given: an alert referred to 民政
    from monitoring.services import alert_advance

    outcome = settle(clerk_a, poor, day=D(2017, 8, 3), total="100000", in_catalog="60000", level="city")
    alert = Alert.objects.get(beneficiary=poor)
    alert_advance(user=viewer, alert=alert, to=Alert.Status.VERIFIED, note="入户核实属实")
    alert_advance(user=viewer, alert=alert, to=Alert.Status.REFERRED, note="推送民政", office="civil_affairs",
                  referred_on=D(2017, 9, 1))

    # when
    claim_void(user=clerk_a, claim=outcome.claim, reason="重复录入")

    # then: the alert stays, at no level, referred, with both changes and both steps
    alert.refresh_from_db()
    assert (alert.level, alert.burden, alert.status) == (Level.NONE, Decimal("0.00"), Alert.Status.REFERRED)
    assert [c["level"] for c in alert.changes] == [Level.OVER, Level.NONE]
    assert [s.status_after for s in alert.steps.all()] == [Alert.Status.VERIFIED, Alert.Status.REFERRED]


def test_dibao_has_the_lower_threshold_and_a_warning_between_the_lines(youyang, make_person, village_a, covered,
                                                                       settle, clerk_a):
    person = covered(make_person(village_a, name="白明华"), 2017, ["dibao_rural"])
    outcome = settle(clerk_a, person, day=D(2017, 5, 2), total="30000", in_catalog="20000", level="city")
    burden = personal_of(outcome)
    alert = Alert.objects.get(beneficiary=person)
    expected = Level.OVER if burden > Decimal("5774.50") else Level.WARNING
    assert burden >= Decimal("4619.60")  # 0.8 × 5,774.50: the bill was chosen to reach at least the warning
    assert (alert.threshold, alert.label, alert.level) == (Decimal("5774.50"), "因病返贫监测", expected)


def test_settling_adds_at_most_three_queries_for_the_alert(poor, settle, clerk_a, hospital):
    # given: the same large bill settled twice, with and without the listener
    from claims.signals import person_years_settled
    from monitoring.services import alerts_follow_settlements

    hospital("city")
    settle(clerk_a, poor, day=D(2017, 1, 5), total="500", in_catalog="400")
    with CaptureQueriesContext(connection) as listened:
        settle(clerk_a, poor, day=D(2017, 8, 3), total="100000", in_catalog="60000", level="city")
    person_years_settled.disconnect(dispatch_uid="monitoring.alerts")
    try:
        with CaptureQueriesContext(connection) as silent:
            settle(clerk_a, poor, day=D(2017, 9, 3), total="100000", in_catalog="60000", level="city")
    finally:
        person_years_settled.connect(alerts_follow_settlements, dispatch_uid="monitoring.alerts")

    # then
    assert Alert.objects.get(beneficiary=poor).level == Level.OVER
    assert len(listened) - len(silent) <= 3


def test_monitor_recomputes_and_repairs_drift(poor, settle, clerk_a, make_person, village_a, covered):
    # given: an alert whose figures drifted, and a person over the line whose alert was lost
    settle(clerk_a, poor, day=D(2017, 8, 3), total="100000", in_catalog="60000", level="city")
    other = covered(make_person(village_a, name="冉二", birth=D(1970, 1, 1)), 2017, ["poor"])
    settle(clerk_a, other, day=D(2017, 8, 4), total="100000", in_catalog="60000", level="city")
    right = {a.beneficiary_id: a.burden for a in Alert.objects.all()}
    Alert.objects.filter(beneficiary=poor).update(burden=Decimal("1.00"))
    Alert.objects.filter(beneficiary=other).delete()

    # when
    out = StringIO()
    call_command("monitor", "--year", "2017", "--area", "500242", "--json", stdout=out)

    # then
    result = json.loads(out.getvalue())
    assert (result["monitored"], result["over"], result["warning"]) == (2, 2, 0)
    assert {a["name"]: Decimal(a["burden"]) for a in result["alerts"]} == {
        "田小红": right[poor.pk], "冉二": right[other.pk]}
    assert {a["level"] for a in result["alerts"]} == {"over"}
    assert {a.beneficiary_id: a.burden for a in Alert.objects.all()} == right
    assert Claim.objects.count() == 2


def test_monitor_says_plainly_when_the_policy_has_no_monitoring_block(db, make_person, village_a, covered,
                                                                      load_vector_policy):
    load_vector_policy("youyang-2017")
    covered(make_person(village_a), 2017, ["poor"])
    out = StringIO()
    call_command("monitor", "--year", "2017", "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["monitored"] == 0
    assert any("没有监测标准" in note for note in result["notes"])


def test_re_settling_the_year_after_a_policy_correction_moves_the_alert(poor, settle, clerk_a):
    # given: an alert at 超标 under the shipped policy
    from claims.services import resettle_year
    from policies.models import Policy
    from policies.selectors import current_version
    from policies.services import policy_load

    settle(clerk_a, poor, day=D(2017, 8, 3), total="100000", in_catalog="60000", level="city")
    assert Alert.objects.get(beneficiary=poor).level == Level.OVER

    # when: a corrected version pays the whole in-catalog amount from basic insurance, and the year is re-settled
    document = current_version(Policy.objects.get(code="youyang-2017")).document
    basic = next(layer for layer in document["layers"] if layer["code"] == "basic_inpatient")
    basic.update(deductible="0.00", bands=[{"upto": None, "ratio": "1"}], cap_per_visit=None, cap_per_year=None,
                 rules=[])
    policy_load(user=system_user(), document=document, note="更正")
    resettle_year(user=system_user(), year=2017, area="500242")

    # then: the burden is the out-of-catalog 40,000 less what later layers pay of it, and the alert follows
    alert = Alert.objects.get(beneficiary=poor)
    stored = Claim.objects.get().settlements.get(superseded_at__isnull=True).personal
    assert alert.burden == stored
    assert [c["cause"] for c in alert.changes][-1] == "政策修订后重算"
    assert len(alert.changes) == 2 and alert.changes[0]["burden"] != alert.changes[1]["burden"]
