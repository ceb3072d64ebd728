"""The 两病 register is what a policy's rules test: a layer naming the category ``hypertension`` pays the
outpatient drugs of a person recognised as a hypertension patient, and nothing to one who is not (or no longer)."""

import datetime
from decimal import Decimal

from claims.services import BillFacts, claim_settle
from health.services import two_disease_recognise, two_disease_withdraw
from tests.claims.conftest import covered, hospital, load_vector_policy, vector  # noqa: F401  (the claims fixtures)

# Seed 003's 两病门诊用药 cover, as a county writes it: half of the in-catalog outpatient drugs, at most 300 a year.
TWO_DISEASE_LAYER = {
    "code": "two_disease_drugs", "name": "两病门诊用药保障", "fund": "basic", "visit_types": ["outpatient"],
    "insurance": "resident_basic", "categories": ["hypertension"], "base": "in_catalog", "scope": "year",
    "cap_per_year": "300", "bands": [{"upto": None, "ratio": "0.50"}],
}


def layer_paid(user, person, clinic, day, total, in_catalog) -> Decimal:
    bill = BillFacts(hospital=clinic, visit_type="outpatient", discharged_on=day, total=Decimal(total),
                     in_catalog=Decimal(in_catalog))
    settlement = claim_settle(user=user, person=person, bill=bill).claim.settlements.get()
    return sum((p.amount for p in settlement.payments.filter(layer="two_disease_drugs")), Decimal("0"))


def test_a_layer_for_hypertension_pays_the_recognised_only(
        load_vector_policy, covered, hospital,  # noqa: F811 - the claims fixtures imported above
        make_person, village_a, clerk_a):
    load_vector_policy("youyang-2017", layers=[*vector("youyang-2017", "policy")["layers"], TWO_DISEASE_LAYER])
    clinic = hospital("township", name="龙潭镇卫生院")
    recognised = covered(make_person(village_a, name="冉高"), 2017)
    other = covered(make_person(village_a, name="冉平"), 2017)
    recognition = two_disease_recognise(user=clerk_a, person=recognised, disease="hypertension",
                                        recognised_on=datetime.date(2017, 3, 1), recognised_by="龙潭镇卫生院",
                                        evidence="二级医院诊断证明")
    two_disease_recognise(user=clerk_a, person=other, disease="diabetes", recognised_on=datetime.date(2017, 3, 1),
                          recognised_by="龙潭镇卫生院", evidence="检验报告")  # the other of the 两病: not this layer

    assert layer_paid(clerk_a, recognised, clinic, datetime.date(2017, 2, 20), "200.00", "180.00") == Decimal("0")
    assert layer_paid(clerk_a, recognised, clinic, datetime.date(2017, 4, 10), "200.00", "180.45") == Decimal("90.23")
    assert layer_paid(clerk_a, other, clinic, datetime.date(2017, 4, 10), "200.00", "180.45") == Decimal("0")

    two_disease_withdraw(user=clerk_a, recognition=recognition, withdrawn_on=datetime.date(2017, 6, 30),
                         reason="复核不符")
    assert layer_paid(clerk_a, recognised, clinic, datetime.date(2017, 7, 2), "200.00", "180.00") == Decimal("0")
