"""The person page and the search read a fixed number of queries, however much a person has on record (changes,
holdings, enrollment, bills, grants) and however many people a search finds."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assistance.models import Grant
from assistance.services import grant_decide, grant_pay
from beneficiaries import services
from beneficiaries.models import Beneficiary, Insurance
from regions.models import Region
from tests.claims.conftest import covered, hospital, load_vector_policy, settle  # noqa: F401  (fixtures)

D = datetime.date
YEAR = 2017
PERSON_PAGE_QUERIES = 24  # session, user, permissions, the person, household, categories, enrollment, history
#                           (one query per history table), bills, settlements, totals, burden, the access log
SEARCH_QUERIES = 6  # session, user, permissions, the area's name in the header, the people found


@pytest.fixture
def clerk(client, clerk_a):
    client.force_login(clerk_a)
    return client


def page(client, url: str, params: dict | None = None) -> tuple[int, str]:
    """The number of queries a request of ``url`` makes, and the page."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(queries), response.content.decode()


@pytest.fixture
def on_record(clerk_a, village_a, township_a, category, covered, settle, load_vector_policy):  # noqa: F811
    """Adds ``rounds`` of everything the person page lists to a person: a change of village and telephone, a
    household change, a year's enrollment recorded and then changed, a holding started and ended, a settled
    bill and a paid grant. Round ``n`` happens in 2000 + n (holdings, enrollment) and in 2017 (bills, grants)."""
    load_vector_policy("youyang-2017")
    other_village = Region.objects.create(code="500242100202", name="白果村", level="village", parent=township_a)
    household = services.household_save(user=clerk_a, number="Y0001", village_code=village_a.code)
    resident = Insurance.objects.get(code="resident_basic")

    def add(person: Beneficiary, rounds: int) -> Beneficiary:
        if not person.enrollments.filter(year=YEAR).exists():
            covered(person, YEAR, ["poor"])
        for _ in range(rounds):
            n = person.enrollments.count()
            person.refresh_from_db()
            village = other_village if person.village_id == village_a.code else village_a
            services.beneficiary_update(user=clerk_a, person=person, name=person.name, village_code=village.code,
                                        household=household, relation="head", phone=f"1380000{n:04d}")
            services.household_save(user=clerk_a, household=household, number=household.number,
                                    village_code=village_a.code, address=f"第 {n} 组")
            services.enrollment_record(user=clerk_a, person=person, year=2000 + n, insurance=resident,
                                       status="not_enrolled", reason="elsewhere")
            services.enrollment_record(user=clerk_a, person=person, year=2000 + n, insurance=resident,
                                       status="enrolled", subsidy=Decimal("120.00"))
            holding = services.holding_add(user=clerk_a, person=person, category=category("marginal"),
                                           start=D(2000 + n, 1, 1))
            services.holding_end(user=clerk_a, holding=holding, end=D(2000 + n, 12, 31))
            settle(clerk_a, person, day=D(YEAR, 1 + n % 12, 10), total="2000", in_catalog="1500")
            grant = grant_decide(user=clerk_a, person=person, year=YEAR, kind=Grant.Kind.TEMPORARY,
                                 amount=Decimal("300"), reason="住院费用负担重", decided_on=D(YEAR, 12, 1))
            grant_pay(user=clerk_a, grant=grant, paid_on=D(YEAR, 12, 2))
        return person

    return add


def test_the_person_page_takes_the_same_queries_however_much_is_on_record(clerk, person_a, on_record):
    url = reverse("person_detail", args=[person_a.pk])
    on_record(person_a, 1)
    clerk.get(url)  # the first request fills the process's caches
    few, before = page(clerk, url)
    on_record(person_a, 6)
    many, after = page(clerk, url)
    assert few == many <= PERSON_PAGE_QUERIES
    # the page shows all of it: every bill, and every change with the record before it
    assert len(re.findall(r'href="/claims/\d+/"', after)) == 7 > len(re.findall(r'href="/claims/\d+/"', before))
    assert after.count("所在村：") == 7 and after.count("参保状态：未参保 → 已参保") == 7
    assert "所在村：红花村（500242100201） → 白果村（500242100202）" in after
    assert "所在村：白果村（500242100202） → 红花村（500242100201）" in after


def test_each_change_is_shown_against_the_record_before_it(clerk_a, person_a, village_a, category):
    from beneficiaries.selectors import person_history

    for phone in ("13800000001", "13800000002", "13800000003"):
        services.beneficiary_update(user=clerk_a, person=person_a, name=person_a.name, village_code=village_a.code,
                                    phone=phone)
    holding = services.holding_add(user=clerk_a, person=person_a, category=category("poor"), start=D(2020, 1, 1))
    services.holding_end(user=clerk_a, holding=holding, end=D(2024, 6, 30), note="复核")
    services.beneficiary_update(user=clerk_a, person=person_a, name=person_a.name, village_code=village_a.code,
                                phone="13800000003")  # saved again unchanged: no entry

    entries = [(e.what, e.kind, e.changes) for e in person_history(person_a)]

    assert entries == [
        ("类别认定：建档立卡贫困人口（含已脱贫继续享受扶贫政策人员）", "修改",
         [("终止日期", "（空）", "2024-06-30"), ("备注", "（空）", "复核")]),
        ("类别认定：建档立卡贫困人口（含已脱贫继续享受扶贫政策人员）", "新增", []),
        ("个人信息", "修改", [("联系电话", "13800000002", "13800000003")]),
        ("个人信息", "修改", [("联系电话", "13800000001", "13800000002")]),
        ("个人信息", "修改", [("联系电话", "（空）", "13800000001")]),
        ("个人信息", "新增", []),
    ]


@pytest.mark.parametrize("query", ["冉", "tail", "id"])
def test_the_search_takes_the_same_queries_for_one_match_and_for_many(clerk, make_person, village_a, query):
    first = make_person(village_a, name="冉一")
    q = {"冉": "冉", "tail": first.id_number[-4:], "id": first.id_number}[query]
    url = reverse("search")
    clerk.get(url, {"q": q})
    one, before = page(clerk, url, {"q": q})
    for n in range(30):
        make_person(village_a, name=f"冉{n}")
    many, after = page(clerk, url, {"q": q})
    assert one == many <= SEARCH_QUERIES
    assert len(re.findall(r'href="/people/\d+/"', before)) == 1
    if query == "冉":
        assert len(re.findall(r'href="/people/\d+/"', after)) == 31
