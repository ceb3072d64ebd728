"""Grants decided, paid and voided (assistance), with the limits of seed 004 附件6, and the burden they lower
for monitoring in the same transaction (monitoring.md).

The 酉阳 2017 policy: a poor person's threshold is 11,549.00 (因病致贫监测), warning from 9,239.20. The hardship
fund (卫生医疗困难救助基金) of the county: 10,000,000 a year, at most 2 grants and 20,000 per person per year,
5,000 per grant for a chronic case, 10,000 for a major one.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from accounts.services import system_user
from assistance.models import Fund, FundYear, Grant
from assistance.selectors import fund_balance
from assistance.services import fund_year_set, grant_decide, grant_pay, grant_void
from beneficiaries.services import beneficiary_set_status
from claims.models import PersonYear, Settlement
from monitoring.models import Alert, Level
from policies.services import policies_load_shipped

D = datetime.date
YEAR = 2017


@pytest.fixture
def hardship(db, county):
    fund = Fund.objects.create(code="hardship", name="卫生医疗困难救助基金", kind=Fund.Kind.GRANTS, region=county,
                               grants_per_year=2, amount_per_year=Decimal("20000"), chronic_cap=Decimal("5000"),
                               major_cap=Decimal("10000"))
    FundYear.objects.create(fund=fund, year=YEAR, budget=Decimal("10000000"))
    return fund


@pytest.fixture
def poor(db, make_person, village_a, covered, settle, clerk_a):
    policies_load_shipped(user=system_user())
    person = covered(make_person(village_a, name="田小红"), YEAR, ["poor"])
    settle(clerk_a, person, day=D(YEAR, 8, 3), total="100000", in_catalog="60000", level="city")
    return person


def personal(person) -> Decimal:
    rows = Settlement.objects.current().filter(claim__beneficiary=person, claim__discharged_on__year=YEAR)
    return sum((s.personal for s in rows), Decimal("0.00"))


def decide(user, person, fund, amount, case=Grant.Case.MAJOR, decided_on=D(YEAR, 10, 9), **extra):
    """A grant of the fund decided as its committee does (the hardship fund's limits are under test here; the
    application's steps before the decision are in test_applications.py)."""
    return grant_decide(user=user, person=person, year=YEAR, kind=Grant.Kind.HARDSHIP, fund=fund, case=case,
                        by_committee=True,
                        amount=Decimal(amount), reason="住院费用过重，基本生活陷入困境", decided_on=decided_on,
                        **extra)


def test_a_hardship_grant_is_decided_only_by_an_applications_committee(poor, hardship, clerk_a, county_admin):
    for user in (clerk_a, county_admin):
        message = refused(lambda: grant_decide(
            user=user, person=poor, year=YEAR, kind=Grant.Kind.HARDSHIP, fund=hardship, case=Grant.Case.MAJOR,
            amount=Decimal("100"), reason="x", decided_on=D(YEAR, 10, 9)))
        assert "须经申请、乡镇审核、公示和评审委员会评审" in message
    assert not Grant.objects.exists()


def test_a_paid_grant_lowers_the_burden_and_moves_the_alert_and_a_void_moves_it_back(poor, hardship, clerk_a):
    alert = Alert.objects.get(beneficiary=poor, year=YEAR)
    medical = personal(poor)
    assert alert.level == Level.OVER and alert.burden == medical

    grant = decide(clerk_a, poor, hardship, "10000")
    alert.refresh_from_db()
    assert alert.burden == medical  # decided, not yet paid: nothing received

    grant_pay(user=clerk_a, grant=grant, paid_on=D(YEAR, 10, 20))
    alert.refresh_from_db()
    assert (alert.medical, alert.relief, alert.burden) == (medical, Decimal("10000.00"), medical - Decimal("10000"))
    assert PersonYear.objects.get(beneficiary=poor, year=YEAR).relief == Decimal("10000.00")
    assert alert.changes[-1]["cause"] == f"支付救助金 #{grant.pk}"
    expected = Level.OVER if medical - 10000 > Decimal("11549.00") else (
        Level.WARNING if medical - 10000 >= Decimal("9239.20") else Level.NONE)
    assert alert.level == expected

    grant_void(user=clerk_a, grant=grant, reason="重复核定")
    alert.refresh_from_db()
    assert (alert.relief, alert.burden, alert.level) == (Decimal("0.00"), medical, Level.OVER)
    assert alert.changes[-1]["cause"] == f"撤销救助金 #{grant.pk}"
    assert Grant.objects.get(pk=grant.pk).status == Grant.Status.VOIDED  # kept, with its reason


def test_a_bill_settled_after_the_grant_keeps_the_relief(poor, hardship, clerk_a, settle):
    grant_pay(user=clerk_a, grant=decide(clerk_a, poor, hardship, "8000"), paid_on=D(YEAR, 10, 20))
    settle(clerk_a, poor, day=D(YEAR, 11, 3), total="2000", in_catalog="1500", level="city")
    alert = Alert.objects.get(beneficiary=poor, year=YEAR)
    assert alert.relief == Decimal("8000.00") and alert.burden == personal(poor) - Decimal("8000.00")


def test_monitor_recomputes_the_relief_from_the_grants(poor, hardship, clerk_a):
    grant_pay(user=clerk_a, grant=decide(clerk_a, poor, hardship, "1000"), paid_on=D(YEAR, 10, 20))
    Alert.objects.update(relief=0, burden=personal(poor))  # drift
    out = StringIO()
    call_command("monitor", "--year", str(YEAR), "--json", stdout=out)
    (row,) = json.loads(out.getvalue())["alerts"]
    assert Decimal(row["burden"]) == personal(poor) - Decimal("1000.00")
    assert Alert.objects.get().relief == Decimal("1000.00")


def test_the_person_page_shows_the_relief(client, poor, hardship, clerk_a):
    grant_pay(user=clerk_a, grant=decide(clerk_a, poor, hardship, "9000"), paid_on=D(YEAR, 10, 20))
    from monitoring.selectors import household_burdens, person_year_burden

    figures = person_year_burden(poor, YEAR)
    assert (figures.relief, figures.burden) == (Decimal("9000.00"), personal(poor) - Decimal("9000.00"))
    assert household_burdens([poor], YEAR)[poor.pk] == personal(poor) - Decimal("9000.00")


# --- the limits of 附件6 ----------------------------------------------------------------------------------------


def refused(call) -> str:
    with pytest.raises(ValidationError) as info:
        call()
    return " ".join(info.value.messages)


def test_at_most_two_grants_a_year(poor, hardship, clerk_a):
    decide(clerk_a, poor, hardship, "5000")
    second = decide(clerk_a, poor, hardship, "5000")
    message = refused(lambda: decide(clerk_a, poor, hardship, "1000"))
    assert "每人每年不得超过 2 次" in message and "已核定 2 次" in message
    grant_void(user=clerk_a, grant=second, reason="申请人撤回")
    decide(clerk_a, poor, hardship, "1000")  # a voided grant does not count


def test_at_most_twenty_thousand_a_year(poor, hardship, clerk_a):
    decide(clerk_a, poor, hardship, "10000")
    hardship.grants_per_year = 5
    message = refused(lambda: decide(clerk_a, poor, hardship, "10000.01"))
    assert "每人每年救助总额不超过 ¥20,000.00" in message and "本次最多 ¥10,000.00" in message
    decide(clerk_a, poor, hardship, "10000")


def test_the_cap_of_each_case(poor, hardship, clerk_a):
    assert "每次救助不超过 ¥5,000.00" in refused(lambda: decide(clerk_a, poor, hardship, "5000.01",
                                                                case=Grant.Case.CHRONIC))
    assert "每次救助不超过 ¥10,000.00" in refused(lambda: decide(clerk_a, poor, hardship, "10000.01"))
    assert "请选择救助情形" in refused(lambda: decide(clerk_a, poor, hardship, "100", case=""))
    assert "核定日期 2999-01-01 晚于今天" in refused(lambda: decide(clerk_a, poor, hardship, "100",
                                                             decided_on=D(2999, 1, 1)))


def test_never_more_than_what_remains_of_the_fund(poor, hardship, clerk_a, make_person, village_a, county_admin):
    fund_year_set(user=county_admin, fund=hardship, year=YEAR, budget=Decimal("12000"))
    decide(clerk_a, poor, hardship, "10000")
    other = make_person(village_a, name="冉春花")
    message = refused(lambda: decide(clerk_a, other, hardship, "2000.01"))
    assert "超过卫生医疗困难救助基金 2017 年剩余总额 ¥2,000.00" in message
    decide(clerk_a, other, hardship, "2000")
    assert "尚未设定年度总额" in refused(lambda: grant_decide(
        user=clerk_a, person=other, year=2016, kind=Grant.Kind.HARDSHIP, fund=hardship, case=Grant.Case.MAJOR,
        amount=Decimal("100"), reason="x", decided_on=D(YEAR, 1, 5), by_committee=True))


def test_with_carry_over_an_earlier_years_grant_may_not_sink_a_later_year(poor, hardship, clerk_a, county_admin,
                                                                            make_person, village_a):
    fund_year_set(user=county_admin, fund=hardship, year=2016, budget=Decimal("30000"))
    fund_year_set(user=county_admin, fund=hardship, year=YEAR, budget=Decimal("25000"))
    for i in range(6):  # 2017 uses all 55,000 (its 25,000 and the 30,000 carried over)
        decide(clerk_a, make_person(village_a, name=f"冉{i}"), hardship, "9166.67" if i < 5 else "9166.65")
    assert fund_balance(hardship, YEAR).balance == Decimal("0.00")
    message = refused(lambda: grant_decide(
        user=clerk_a, person=poor, year=2016, kind=Grant.Kind.HARDSHIP, fund=hardship, case=Grant.Case.MAJOR,
        amount=Decimal("10000"), reason="x", decided_on=D(YEAR, 1, 5), by_committee=True))
    assert "超过卫生医疗困难救助基金 2017 年剩余总额 ¥0.00" in message and "含上年结转 ¥30,000.00" in message


def test_a_person_who_died_cannot_be_granted(poor, hardship, clerk_a):
    beneficiary_set_status(user=clerk_a, person=poor, status="deceased", day=D(YEAR, 9, 1))
    assert "已于 2017-09-01 死亡，不能核定救助" in refused(lambda: decide(clerk_a, poor, hardship, "1000"))


def test_charity_names_its_organisation_and_a_viewer_cannot_decide(poor, clerk_a, viewer):
    kwargs = dict(person=poor, year=YEAR, kind=Grant.Kind.CHARITY, amount=Decimal("3000"), reason="慈善救助",
                  decided_on=D(YEAR, 10, 9))
    assert "请填写慈善组织" in refused(lambda: grant_decide(user=clerk_a, **kwargs))
    grant = grant_decide(user=clerk_a, organisation="县慈善总会", **kwargs)
    assert grant.fund is None and grant.history.first().history_user == clerk_a
    assert "核定救助金" in refused(lambda: grant_decide(user=viewer, organisation="县慈善总会", **kwargs))


def test_a_grant_paid_twice_is_refused(poor, hardship, clerk_a):
    grant = decide(clerk_a, poor, hardship, "1000")
    grant_pay(user=clerk_a, grant=grant, paid_on=D(YEAR, 10, 20))
    assert "当前为“已支付”，不能再支付" in refused(lambda: grant_pay(user=clerk_a, grant=grant, paid_on=D(YEAR, 10, 21)))


# --- the fund's year -------------------------------------------------------------------------------------------


def test_fund_status_carries_the_balance_over(poor, hardship, clerk_a, county_admin):
    fund_year_set(user=county_admin, fund=hardship, year=2016, budget=Decimal("30000"))
    earlier = grant_decide(user=clerk_a, person=poor, year=2016, kind=Grant.Kind.HARDSHIP, fund=hardship,
                           case=Grant.Case.MAJOR, amount=Decimal("10000"), reason="x", decided_on=D(2016, 12, 1),
                           by_committee=True)
    grant_pay(user=clerk_a, grant=earlier, paid_on=D(2016, 12, 20))
    decide(clerk_a, poor, hardship, "4000")  # committed
    grant_pay(user=clerk_a, grant=decide(clerk_a, poor, hardship, "3000"), paid_on=D(YEAR, 11, 1))
    out = StringIO()
    call_command("fund_status", "--year", str(YEAR), "--json", stdout=out)
    (fund,) = json.loads(out.getvalue())["funds"]
    assert {k: fund[k] for k in ("code", "name", "budget", "carried_over", "paid", "committed", "balance")} == {
        "code": "hardship", "name": "卫生医疗困难救助基金", "budget": "10000000.00", "carried_over": "20000.00",
        "paid": "3000.00", "committed": "4000.00", "balance": "10013000.00"}
    hardship.carries_over = False
    hardship.save()
    assert fund_balance(hardship, YEAR).carried_over == Decimal("0.00")


def test_a_layer_fund_counts_its_layer_paid_out_or_owed(poor, county, clerk_a, settle):
    fund = Fund.objects.create(code="civil_fund", name="民政扶贫济困医疗基金", kind=Fund.Kind.LAYER, region=county)
    FundYear.objects.create(fund=fund, year=YEAR, budget=Decimal("20000000"))
    paid_layer = sum(
        (p.amount for s in Settlement.objects.current() for p in s.payments.all() if p.layer == "civil_fund"),
        Decimal("0.00"))
    assert paid_layer > 0
    balance = fund_balance(fund, YEAR)
    assert (balance.paid, balance.committed) == (Decimal("0.00"), paid_layer)
    from claims.models import Claim

    Claim.objects.update(paid_out_on=D(YEAR, 12, 1))
    balance = fund_balance(fund, YEAR)
    assert (balance.paid, balance.committed) == (paid_layer, Decimal("0.00"))
