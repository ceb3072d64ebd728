"""The grants and funds pages: a clerk decides, pays and voids a grant through them; an official reads; the
funds page shows each fund's year with its warning at 80 % used."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from assistance.models import Fund, FundYear, Grant
from monitoring.models import Alert

D = datetime.date
YEAR = 2017


@pytest.fixture
def hardship(db, county):
    fund = Fund.objects.create(code="hardship", name="卫生医疗困难救助基金", kind=Fund.Kind.GRANTS, region=county,
                               grants_per_year=2, amount_per_year=Decimal("20000"), major_cap=Decimal("10000"))
    FundYear.objects.create(fund=fund, year=YEAR, budget=Decimal("12000"))
    return fund


@pytest.fixture
def poor(db, make_person, village_a, covered, settle, clerk_a):
    from accounts.services import system_user
    from policies.services import policies_load_shipped

    policies_load_shipped(user=system_user())
    person = covered(make_person(village_a, name="田小红"), YEAR, ["poor"])
    settle(clerk_a, person, day=D(YEAR, 8, 3), total="100000", in_catalog="60000", level="city")
    return person


def test_a_clerk_decides_pays_and_voids_a_grant_in_the_browser(client, poor, hardship, clerk_a):
    client.force_login(clerk_a)
    person_page = client.get(reverse("person_detail", args=[poor.pk])).content.decode()
    assert reverse("assistance:grant_create", args=[poor.pk]) in person_page
    form = {"year": YEAR, "kind": "temporary", "fund": hardship.pk, "case": "major", "amount": "10000.00",
            "decided_on": "2017-10-09", "reason": "评审委员会同意救助"}
    refused = client.post(reverse("assistance:grant_create", args=[poor.pk]), {**form, "amount": "10000.01"})
    assert "每次救助不超过 ¥10,000.00" in refused.content.decode() and not Grant.objects.exists()
    response = client.post(reverse("assistance:grant_create", args=[poor.pk]), form)
    grant = Grant.objects.get()
    assert response.url == reverse("assistance:grant_detail", args=[grant.pk])
    burden = Alert.objects.get().burden

    detail = reverse("assistance:grant_detail", args=[grant.pk])
    client.post(detail, {"pay": "1", "pay-paid_on": "2017-10-20"})
    grant.refresh_from_db()
    assert (grant.status, grant.paid_on) == (Grant.Status.PAID, D(2017, 10, 20))
    assert Alert.objects.get().burden == burden - Decimal("10000.00")

    client.post(detail, {"void": "1", "void-reason": "重复核定"})
    grant.refresh_from_db()
    assert (grant.status, grant.void_reason) == (Grant.Status.VOIDED, "重复核定")
    assert Alert.objects.get().burden == burden
    page = client.get(detail).content.decode()
    assert "已撤销" in page and "变更记录" in page


def test_an_official_reads_grants_and_funds_but_cannot_decide(client, poor, hardship, clerk_a, viewer):
    from assistance.services import grant_decide

    grant = grant_decide(user=clerk_a, person=poor, year=YEAR, kind="temporary", fund=hardship, case="major",
                         amount=Decimal("10000"), reason="同意", decided_on=D(YEAR, 10, 9))
    client.force_login(viewer)
    listed = client.get(reverse("assistance:grant_list"), {"year": YEAR}).content.decode()
    assert "田小红" in listed and "¥10,000.00" in listed
    assert client.get(reverse("assistance:grant_create", args=[poor.pk])).status_code == 403
    assert client.post(reverse("assistance:grant_detail", args=[grant.pk]),
                       {"pay": "1", "pay-paid_on": "2017-10-20"}).status_code == 403
    funds = client.get(reverse("assistance:fund_list"), {"year": YEAR}).content.decode()
    # 10,000 of 12,000 committed: 83.3 % used, past the 80 % warning
    assert "¥12,000.00" in funds and "¥10,000.00" in funds and "¥2,000.00" in funds
    assert "83.3%" in funds and "已达预警" in funds


def test_a_clerk_of_another_township_sees_no_grant_of_this_one(client, poor, hardship, clerk_a, clerk_b):
    from assistance.services import grant_decide

    grant = grant_decide(user=clerk_a, person=poor, year=YEAR, kind="temporary", fund=hardship, case="major",
                         amount=Decimal("1000"), reason="同意", decided_on=D(YEAR, 10, 9))
    client.force_login(clerk_b)
    assert "田小红" not in client.get(reverse("assistance:grant_list")).content.decode()
    assert client.get(reverse("assistance:grant_detail", args=[grant.pk])).status_code == 404
    assert client.get(reverse("assistance:grant_create", args=[poor.pk])).status_code == 404


def test_the_home_page_warns_the_administrator_of_a_fund_past_its_line_and_counts_applications(
        client, poor, hardship, clerk_a, county_admin):
    from assistance import applications as flow
    from assistance.services import grant_decide

    Fund.objects.filter(pk=hardship.pk).update(carries_over=False)  # 2017's total stays in 2017
    FundYear.objects.create(fund=hardship, year=timezone.localdate().year, budget=Decimal("1.20"))
    hardship.refresh_from_db()
    grant_decide(user=clerk_a, person=poor, year=timezone.localdate().year, kind="temporary", fund=hardship,
                 case="major", amount=Decimal("1"), reason="同意", decided_on=timezone.localdate())
    flow.application_submit(user=clerk_a, person=poor, fund=hardship, year=YEAR, submitted_on=D(YEAR, 9, 1),
                            address="红花村", phone="1", disease="肾病", case="major", family="二人", bank_account="1",
                            bank_name="农商行", account_holder="田小红", reason="困难")
    client.force_login(county_admin)
    html = client.get("/").content.decode()
    assert "基金使用预警" in html and "卫生医疗困难救助基金" in html and "83.3%" in html
    assert "待乡镇审核" in html
    client.force_login(clerk_a)
    html = client.get("/").content.decode()
    assert "基金使用预警" not in html and "待乡镇审核" in html
