import datetime
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from claims.models import Adjustment, Claim, Settlement
from claims.services import claim_void, resettle_year
from tests.claims.conftest import VECTORS, vector

D = datetime.date


def amounts(claim: Claim) -> dict[str, Decimal]:
    settlement = claim.settlements.get(superseded_at__isnull=True)
    return {p.layer: p.amount for p in settlement.payments.all()}


def engine_amounts(name: str) -> dict[str, dict[str, Decimal]]:
    out = StringIO()
    call_command("reimburse", str(VECTORS / f"{name}.policy.json"), str(VECTORS / f"{name}.claims.json"), stdout=out)
    return {r["id"]: {p["layer"]: Decimal(p["amount"]) for p in r["payments"]} for r in json.loads(out.getvalue())["results"]}


@pytest.mark.parametrize("name, region", [("youyang-2017", "500242"), ("public-examples", "50")])
def test_vectors_through_the_database_give_the_commands_amounts(
    name, region, load_vector_policy, make_person, village_a, covered, settle, clerk_a
):
    load_vector_policy(name, region_code=region)
    people = {}
    results = {}
    for raw in vector(name, "claims")["claims"]:
        day = D.fromisoformat(raw["date"])
        if raw["person"] not in people:
            people[raw["person"]] = covered(make_person(village_a, name=raw["person"][-4:]), day.year,
                                            raw["categories"], raw["insurances"])
        outcome = settle(clerk_a, people[raw["person"]], day=day, total=raw["total"], in_catalog=raw["in_catalog"],
                         visit_type=raw["visit_type"], level=raw["hospital_level"], recorded=raw.get("recorded"))
        results[raw["id"]] = outcome.claim
    expected = engine_amounts(name)
    published = {r["id"]: {p["layer"]: Decimal(p["amount"]) for p in r["payments"]}
                 for r in vector(name, "expected")["results"]}
    for claim_id, claim in results.items():
        assert amounts(claim) == expected[claim_id] == published[claim_id]
    a1 = results.get("A1")
    if a1 is not None:
        settlement = a1.settlements.get()
        assert (settlement.personal, settlement.in_catalog_personal) == (Decimal("9269.80"), Decimal("4319.80"))
        assert (settlement.basic, settlement.critical, settlement.assistance, settlement.other) == (
            Decimal("33495.00"), Decimal("3705.50"), Decimal("6479.70"), Decimal("7050.00"))


@pytest.fixture
def youyang_poor(load_vector_policy, make_person, village_a, covered):
    load_vector_policy("youyang-2017")
    return covered(make_person(village_a), 2017, ["poor"])


def test_a_bill_dated_before_settled_bills_resettles_them(youyang_poor, settle, clerk_a):
    later = settle(clerk_a, youyang_poor, day=D(2017, 11, 20), total="30000", in_catalog="26000", level="city").claim
    # Alone: basic (26,000−300)×60% = 15,420; 大病 on the 10,580 left: (10,580−7,094)×50% = 1,743.00.
    assert amounts(later)["critical"] == Decimal("1743.00")
    earlier = settle(clerk_a, youyang_poor, day=D(2017, 8, 3), total="60000", in_catalog="48000")
    assert earlier.resettled == [later.pk]
    assert amounts(earlier.claim)["critical"] == Decimal("3705.50")
    assert amounts(later)["critical"] == Decimal("5290.00")  # deductible already consumed by the earlier bill
    assert later.settlements.count() == 2
    old, new = later.settlements.order_by("id")
    assert old.superseded_at is not None and new.reason == Settlement.Reason.EARLIER_BILL


def test_void_resettles_later_bills_like_settling_the_corrected_history_from_scratch(
    youyang_poor, settle, clerk_a, make_person, village_a, covered
):
    first = settle(clerk_a, youyang_poor, day=D(2017, 8, 3), total="60000", in_catalog="48000").claim
    second = settle(clerk_a, youyang_poor, day=D(2017, 11, 20), total="30000", in_catalog="26000", level="city").claim
    before = amounts(second)
    outcome = claim_void(user=clerk_a, claim=first, reason="重复录入")
    assert outcome.resettled == [second.pk]
    after = amounts(second)
    assert after != before
    # The same bill settled on its own, for a second person with the same facts.
    twin = covered(make_person(village_a, name="对照"), 2017, ["poor"])
    fresh = settle(clerk_a, twin, day=D(2017, 11, 20), total="30000", in_catalog="26000", level="city").claim
    assert after == amounts(fresh)
    # Nothing was lost: the voided bill keeps its settlement, the later bill its earlier one.
    first.refresh_from_db()
    assert first.status == Claim.Status.VOIDED and first.void_reason == "重复录入"
    assert first.settlements.count() == 1
    assert second.settlements.filter(superseded_at__isnull=False).count() == 1
    assert {c.as_dict()["layer"] for c in outcome.changes} >= {"critical"}


def test_a_policy_correction_resettles_the_year_with_the_new_version(
    youyang_poor, settle, clerk_a, county_admin, load_vector_policy
):
    claim = settle(clerk_a, youyang_poor, day=D(2017, 8, 3), total="60000", in_catalog="48000").claim
    document = vector("youyang-2017", "policy")
    document["layers"][0]["rules"][0]["set"]["bands"][0]["ratio"] = "0.80"
    load_vector_policy("youyang-2017", layers=document["layers"])
    count, changes = resettle_year(user=county_admin, year=2017)
    assert count == 1
    assert amounts(claim)["basic"] == Decimal("38280.00")  # (48000−150)×80%
    assert any(c.layer == "basic" and c.before == Decimal("33495.00") for c in changes)
    current = claim.settlements.get(superseded_at__isnull=True)
    assert current.policy_version.number == 2 and current.reason == Settlement.Reason.POLICY
    assert resettle_year(user=county_admin, year=2017)[1] == []  # nothing moves the second time


def test_moved_payments_of_a_paid_out_bill_become_adjustments(youyang_poor, settle, clerk_a):
    later = settle(clerk_a, youyang_poor, day=D(2017, 11, 20), total="30000", in_catalog="26000", level="city").claim
    Claim.objects.filter(pk=later.pk).update(paid_out_on=D(2017, 12, 1))
    settle(clerk_a, youyang_poor, day=D(2017, 8, 3), total="60000", in_catalog="48000")
    adjustments = {a.layer: a for a in Adjustment.objects.filter(claim=later)}
    # The earlier bill used up the 大病 deductible, so the later bill's 大病 grows from 1,743.00 to 5,290.00.
    critical = adjustments["critical"]
    assert (critical.before, critical.after, critical.kind) == (Decimal("1743.00"), Decimal("5290.00"),
                                                                Adjustment.Kind.TOP_UP)
    assert critical.difference == Decimal("3547.00")
    assert all(a.before != a.after for a in adjustments.values())


def test_a_duplicate_bill_is_refused_and_a_repeated_submission_returns_the_same_claim(
    youyang_poor, settle, clerk_a, hospital
):
    import uuid

    from claims.services import BillFacts, claim_settle

    token = uuid.uuid4()
    bill = BillFacts(hospital=hospital("county"), visit_type="inpatient", admitted_on=D(2017, 7, 30),
                     discharged_on=D(2017, 8, 3), total=Decimal("1000"), in_catalog=Decimal("800"))
    first = claim_settle(user=clerk_a, person=youyang_poor, bill=bill, submission=token)
    again = claim_settle(user=clerk_a, person=youyang_poor, bill=bill, submission=token)
    assert again.claim.pk == first.claim.pk and not again.created
    with pytest.raises(ValidationError) as info:
        claim_settle(user=clerk_a, person=youyang_poor, bill=bill, submission=uuid.uuid4())
    assert info.value.code == "duplicate"
    claim_settle(user=clerk_a, person=youyang_poor, bill=bill, submission=uuid.uuid4(), allow_duplicate=True)
    assert Claim.objects.count() == 2


def test_bills_after_death_are_refused_saying_why(youyang_poor, settle, clerk_a):
    from beneficiaries.services import beneficiary_set_status

    beneficiary_set_status(user=clerk_a, person=youyang_poor, status="deceased", day=D(2017, 9, 1))
    settle(clerk_a, youyang_poor, day=D(2017, 8, 31), total="100", in_catalog="100")
    with pytest.raises(ValidationError) as info:
        settle(clerk_a, youyang_poor, day=D(2017, 9, 2), total="100", in_catalog="100")
    assert "已于 2017-09-01 死亡" in str(info.value)


def test_no_policy_for_the_year_is_refused(youyang_poor, settle, clerk_a):
    with pytest.raises(ValidationError) as info:
        settle(clerk_a, youyang_poor, day=D(2018, 3, 1), total="100", in_catalog="100")
    assert info.value.code == "no_policy"
    assert not Claim.objects.exists()


def test_a_clerk_cannot_settle_a_bill_of_another_township(load_vector_policy, person_b, settle, clerk_a):
    load_vector_policy("youyang-2017")
    with pytest.raises(ValidationError):
        settle(clerk_a, person_b, day=D(2017, 8, 3), total="100", in_catalog="100")


def test_a_recorded_amount_naming_no_layer_is_refused(youyang_poor, settle, clerk_a):
    with pytest.raises(ValidationError) as info:
        settle(clerk_a, youyang_poor, day=D(2017, 8, 3), total="100", in_catalog="100", recorded={"nope": "10"})
    assert "recorded" in info.value.message_dict
    assert not Claim.objects.exists()


def test_mark_paid_out_then_a_void_of_an_earlier_bill_records_adjustments(youyang_poor, settle, clerk_a):
    first = settle(clerk_a, youyang_poor, day=D(2017, 8, 3), total="60000", in_catalog="48000").claim
    later = settle(clerk_a, youyang_poor, day=D(2017, 11, 20), total="30000", in_catalog="26000", level="city").claim
    out = StringIO()
    call_command("mark_paid_out", "--through", "2017-12-31", "--on", "2018-01-05", "--json", stdout=out)
    assert json.loads(out.getvalue())["paid_out"] == 2
    later.refresh_from_db()
    assert later.paid_out_on == D(2018, 1, 5)
    claim_void(user=clerk_a, claim=first, reason="重复")
    # The voided bill's payments are recovered in full; the later bill's 大病 shrinks back to 1,743.00.
    assert Adjustment.objects.filter(claim=first, kind="recovery").count() == 5
    critical = Adjustment.objects.get(claim=later, layer="critical")
    assert (critical.before, critical.after, critical.kind) == (Decimal("5290.00"), Decimal("1743.00"), "recovery")
