"""The quarterly statistics' 县域内就诊率 (seed 004: 农村贫困人口在县域内就诊率达到90%以上) counts inpatient bills by
their hospital's place as an administrator classified it: bills entered at the window and imported alike, those
at a hospital still 待分类 counted outside the county and shown beside the rate (issue 16, point 6)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from claims.imports import claims_import
from claims.models import Hospital
from claims.services import BillFacts, claim_settle, claim_void, hospital_classify
from config.periods import parse_quarter
from ledgers.selectors import quarter_stats
from tests.ledgers.conftest import YEAR

D = datetime.date
Q3 = parse_quarter(f"{YEAR}Q3")
NEW = "酉阳县新开的民营医院"
HEADER = "身份证号,姓名,就诊类型,医疗机构,医疗机构等级,县域内,入院日期,出院日期,总费用,政策范围内费用\n"


def row(person, hospital, level, day, visit_type="住院", in_county=""):
    admitted = (day - datetime.timedelta(days=4)).isoformat() if visit_type == "住院" else ""
    return f"{person.id_number},{person.name},{visit_type},{hospital},{level},{in_county},{admitted},{day},5000,4000\n"


@pytest.fixture
def county_bills(load_vector_policy, make_person, village_a, village_b, covered, settle, hospital, clerk_a, clerk_b,
                 county_admin):
    """Third-quarter inpatient bills of poor people of townships A and B, by hand:

    ============================  ========  ==========  ==================
    hospital (its place)          window    imported    township A / B
    ============================  ========  ==========  ==================
    county 医院 (县域内)          2 (A, B)  1 (A)       2 / 1
    city 医院 (县域外)            1 (B)     1 (A)       1 / 1
    新开的民营医院 (待分类)       1 (B)     2 (A)       2 / 1
    ============================  ========  ==========  ==================

    Eight stays (five of A, three of B), three at a hospital classified in county; besides them an outpatient visit
    at the county hospital (not a stay) and a voided stay there (not a bill any more). The new hospital comes from
    an administrator's list (so it is offered at the window at once) whose rows say 县域内 是: only a suggestion.
    """
    load_vector_policy("youyang-2017")
    hospital("county", in_county=True)
    hospital("city", in_county=False)
    a1, a2, a3 = (covered(make_person(village_a, name=name), YEAR, ["poor"]) for name in ("冉一", "冉二", "冉三"))
    b1 = covered(make_person(village_b, name="白一"), YEAR, ["poor"])
    # at the window
    settle(clerk_a, a1, day=D(YEAR, 7, 10), total="5000", in_catalog="4000")
    settle(clerk_b, b1, day=D(YEAR, 7, 12), total="5000", in_catalog="4000")
    settle(clerk_b, b1, day=D(YEAR, 8, 20), total="5000", in_catalog="4000", level="city")
    settle(clerk_a, a1, day=D(YEAR, 9, 1), total="200", in_catalog="200", visit_type="outpatient")
    mistake = settle(clerk_a, a3, day=D(YEAR, 9, 2), total="5000", in_catalog="4000").claim
    claim_void(user=clerk_a, claim=mistake, reason="重复录入")
    listed = HEADER + "".join([
        row(a2, "county 医院", "县级", D(YEAR, 7, 20)),
        row(a2, "city 医院", "市级", D(YEAR, 8, 5)),
        row(a1, NEW, "县级", D(YEAR, 8, 12), in_county="是"),
        row(a3, NEW, "县级", D(YEAR, 9, 15), in_county="是"),
    ])
    report = claims_import(user=county_admin, content=listed.encode(), filename="三季度.csv", apply=True)
    assert report.applied and report.settled == 4, report.errors
    new = Hospital.objects.get(name=NEW)
    claim_settle(user=clerk_b, person=b1, bill=BillFacts(  # at the window, as the hospital is offered there
        hospital=new, visit_type="inpatient", admitted_on=D(YEAR, 9, 15), discharged_on=D(YEAR, 9, 20),
        total=Decimal("5000"), in_catalog=Decimal("4000")))
    return new


def test_the_rate_counts_bills_by_the_hospitals_classified_place(county_bills, county_admin, county):
    # when
    stats = quarter_stats(county_admin, area_code=county.code, period=Q3)
    # then: 3 of 8 stays at a hospital classified in county; the 3 at the 待分类 hospital counted outside and shown
    total = stats.total
    assert (total.visits["inpatient"].bills, total.inpatient_in_county, total.inpatient_unclassified) == (8, 3, 3)
    assert total.in_county_rate == Decimal("0.3750")
    townships = {row.code: row for row in stats.townships}
    # A: 2 of 5 (the county hospital's window and imported stays) and 2 待分类; B: 1 of 3 and 1 待分类
    assert (townships["500242100"].in_county_rate, townships["500242100"].inpatient_unclassified) == (
        Decimal("0.4000"), 2)
    assert (townships["500242101"].in_county_rate, townships["500242101"].inpatient_unclassified) == (
        Decimal("0.3333"), 1)


def test_classifying_the_hospital_in_county_counts_its_bills_in(county_bills, county_admin, county):
    outcome = hospital_classify(user=county_admin, hospital=county_bills, in_county=True)
    # its bills' three person-years settled again; the 2017 policy pays the same in and out of the county
    assert (outcome.moved, outcome.person_years, outcome.changes) == (True, 3, [])
    total = quarter_stats(county_admin, area_code=county.code, period=Q3).total
    assert (total.inpatient_in_county, total.inpatient_unclassified, total.in_county_rate) == (
        6, 0, Decimal("0.7500"))  # 6 of 8
    townships = {row.code: row for row in quarter_stats(county_admin, area_code=county.code, period=Q3).townships}
    assert (townships["500242100"].in_county_rate, townships["500242101"].in_county_rate) == (
        Decimal("0.8000"), Decimal("0.6667"))  # 4 of A's 5, 2 of B's 3


def test_classifying_it_out_of_county_leaves_the_rate_and_ends_the_note(county_bills, county_admin, county):
    hospital_classify(user=county_admin, hospital=county_bills, in_county=False)
    total = quarter_stats(county_admin, area_code=county.code, period=Q3).total
    assert (total.inpatient_in_county, total.inpatient_unclassified, total.in_county_rate) == (
        3, 0, Decimal("0.3750"))


def test_the_page_shows_the_bills_at_hospitals_to_classify_beside_the_rate(
    client, county_bills, county_admin, viewer, county
):
    params = {"area": county.code, "quarter": f"{YEAR}Q3"}
    note = "其中 3 张住院账单在待分类医疗机构，未计入县域内"
    client.force_login(viewer)
    page = client.get(reverse("ledger_stats"), params).content.decode()
    assert '<div class="n">37.50%</div>' in page and note in page and reverse("hospital_classify") not in page
    client.force_login(county_admin)
    page = client.get(reverse("ledger_stats"), params).content.decode()
    assert f'{note}：<a href="{reverse("hospital_classify")}">去分类</a>' in page
    hospital_classify(user=county_admin, hospital=county_bills, in_county=True)
    page = client.get(reverse("ledger_stats"), params).content.decode()
    assert '<div class="n">75.00%</div>' in page and "待分类医疗机构" not in page
