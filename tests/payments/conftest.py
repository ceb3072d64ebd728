"""Bills of December 2017 in townships A and B, settled at the window under the 酉阳 2017 vector policy."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from claims.models import Claim, Hospital, Settlement
from policies.document import FUNDS
from tests.claims.conftest import covered, hospital, load_vector_policy, settle  # noqa: F401  (fixtures)

D = datetime.date
COUNTY_CODE = "H50024200011"


@pytest.fixture
def policy(load_vector_policy):
    return load_vector_policy("youyang-2017")


@pytest.fixture
def poor_a(policy, make_person, village_a, covered):
    return covered(make_person(village_a, name="田小红"), 2017, ["poor"])


@pytest.fixture
def poor_b(policy, make_person, village_b, covered):
    return covered(make_person(village_b, name="白明华"), 2017, ["poor"])


@pytest.fixture
def county_hospital(hospital) -> Hospital:
    county = hospital("county")
    county.code = COUNTY_CODE
    county.save()
    return county


def owed(claim: Claim) -> dict[str, Decimal]:
    """What the funds owe for a bill, from the settlement's fund columns less what the platform settled
    (the bill's recorded amounts; in these tests only the basic layer is ever recorded)."""
    claim.refresh_from_db()
    if claim.status == Claim.Status.VOIDED:
        return {fund: Decimal("0.00") for fund in FUNDS}
    settlement = Settlement.objects.get(claim=claim, superseded_at__isnull=True)
    shares = dict(settlement.by_fund)
    shares["basic"] -= Decimal(claim.recorded.get("basic", "0"))
    return shares


@pytest.fixture
def december(poor_a, poor_b, county_hospital, hospital, settle, clerk_a, clerk_b):
    """Window bills at the county hospital (A and B), one with its basic share settled by the platform, one
    at a city hospital, one of November, one voided, and an imported list's bill."""
    from claims.services import BillFacts, claim_settle, claim_void

    bills = {
        "a_inpatient": settle(clerk_a, poor_a, day=D(2017, 12, 4), total="60000", in_catalog="48000").claim,
        "a_outpatient": settle(clerk_a, poor_a, day=D(2017, 12, 9), total="180", in_catalog="180",
                               visit_type="outpatient", level="county").claim,
        "b_inpatient": settle(clerk_b, poor_b, day=D(2017, 12, 20), total="8000.55", in_catalog="6400.35").claim,
        "b_recorded": settle(clerk_b, poor_b, day=D(2017, 12, 28), total="5000", in_catalog="4000",
                             recorded={"basic": "2200.00"}).claim,
        "a_city": settle(clerk_a, poor_a, day=D(2017, 12, 15), total="30000", in_catalog="26000",
                         level="city").claim,
        "a_november": settle(clerk_a, poor_a, day=D(2017, 11, 2), total="2000", in_catalog="1500").claim,
    }
    mistake = settle(clerk_a, poor_a, day=D(2017, 12, 30), total="900", in_catalog="800").claim
    claim_void(user=clerk_a, claim=mistake, reason="重复录入")
    bills["voided"] = mistake
    bills["imported"] = claim_settle(user=clerk_b, person=poor_b, origin=Claim.Origin.IMPORT, bill=BillFacts(
        hospital=county_hospital, visit_type="inpatient", discharged_on=D(2017, 12, 29), admitted_on=D(2017, 12, 25),
        total=Decimal("3000"), in_catalog=Decimal("2500"))).claim
    for claim in bills.values():
        claim.refresh_from_db()
    return bills
