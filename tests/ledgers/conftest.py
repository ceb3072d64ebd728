"""A small 2017 county: people of townships A and B with categories, enrollment and settled bills.

The bills are settled through ``claims.services.claim_settle`` under the 酉阳 2017 vector policy, so
the ledger and the statistics read real current settlements (some superseded, one bill voided).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from beneficiaries.models import CategoryHolding, Enrollment, Insurance
from claims.services import claim_void
from config.periods import year_period
from ledgers.selectors import LedgerFilter
from tests.claims.conftest import covered, hospital, load_vector_policy, settle  # noqa: F401  (fixtures)

D = datetime.date
YEAR = 2017
FORMULA_NAME = "=HYPERLINK(\"http://x\")"


def hold(person, category, start, end=None):
    return CategoryHolding.objects.create(beneficiary=person, category=category, source="other", start=start, end=end)


def enroll(person, insurance: str, subsidy: str = "0", year: int = YEAR, status: str = "enrolled"):
    return Enrollment.objects.create(beneficiary=person, year=year, insurance=Insurance.objects.get(code=insurance),
                                     status=status, subsidy=Decimal(subsidy))


@pytest.fixture
def county_2017(load_vector_policy, make_person, village_a, village_b, category, settle, clerk_a, clerk_b, hospital):
    """
    - 田小红 (A): 建档立卡 all year, 农村低保 from June to September; enrolled with 180 subsidy and
      商业补充; an inpatient bill, an outpatient bill, a special-outpatient bill and a voided bill.
    - 白明华 (B): 农村低保; enrolled with 100 subsidy; an inpatient bill at a city hospital outside the county.
    - a person of A with no category and no enrollment but a settled bill (named like a formula): listed
      for the bill.
    - a person of A whose category ended in 2016: not listed in 2017.
    - a person of A enrolled but with no category and no bill: not listed.
    """
    load_vector_policy("youyang-2017")
    red = make_person(village_a, name="田小红")
    hold(red, category("poor"), D(2016, 3, 1))
    hold(red, category("dibao_rural"), D(YEAR, 6, 1), D(YEAR, 9, 30))
    enroll(red, "resident_basic", "180.00")
    enroll(red, "supplementary")
    settle(clerk_a, red, day=D(YEAR, 8, 3), total="60000", in_catalog="48000", pay_later=True)
    settle(clerk_a, red, day=D(YEAR, 9, 1), total="180", in_catalog="180", visit_type="outpatient",
           level="township")
    settle(clerk_a, red, day=D(YEAR, 10, 5), total="3000", in_catalog="2500", visit_type="special_outpatient")
    mistake = settle(clerk_a, red, day=D(YEAR, 7, 1), total="5000", in_catalog="4000").claim
    claim_void(user=clerk_a, claim=mistake, reason="重复录入")

    white = make_person(village_b, name="白明华")
    hold(white, category("dibao_rural"), D(YEAR, 1, 1))
    enroll(white, "resident_basic", "100.00")
    hospital("city", in_county=False)
    settle(clerk_b, white, day=D(YEAR, 11, 20), total="30000", in_catalog="26000", level="city")

    formula = make_person(village_a, name=FORMULA_NAME)
    settle(clerk_a, formula, day=D(YEAR, 12, 1), total="800", in_catalog="700", visit_type="outpatient",
           level="township")

    former = make_person(village_a, name="往年对象")
    hold(former, category("poor"), D(2015, 1, 1), D(2016, 12, 31))
    bystander = make_person(village_a, name="仅参保")
    enroll(bystander, "resident_basic", "50.00")
    return {"red": red, "white": white, "formula": formula, "former": former, "bystander": bystander}


@pytest.fixture
def year_filter(county):
    return LedgerFilter(area_code=county.code, period=year_period(YEAR))
