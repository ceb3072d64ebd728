"""Payment batches: a batch pays the due bills once; a correction after payment is a 补付 / 追回 line of the
next batch; what all batches paid for a bill is what the funds owe for it now."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from claims.models import Adjustment, Claim
from claims.services import claim_void
from payments.models import BatchLine, BatchSequence, PaymentBatch
from payments.services import batch_create, batch_plan
from policies.document import FUNDS
from tests.payments.conftest import owed

D = datetime.date
ZERO = Decimal("0.00")


def paid_by_batches(claim: Claim) -> dict[str, Decimal]:
    paid = {fund: ZERO for fund in FUNDS}
    for line in BatchLine.objects.filter(claim=claim):
        paid[line.fund] += line.amount
    return paid


def lines_of(batch: PaymentBatch) -> dict[tuple[int, str, str], Decimal]:
    found: dict[tuple[int, str, str], Decimal] = defaultdict(Decimal)
    for line in batch.lines.all():
        found[(line.claim_id, line.fund, line.kind)] += line.amount
    return dict(found)


def test_a_batch_pays_every_due_window_bill_once_per_fund(december, county_admin):
    # when
    batch = batch_create(user=county_admin, through=D(2017, 12, 31), paid_on=D(2018, 1, 10))

    # then: the window bills are paid out, the voided and the imported ones are not
    window = ("a_inpatient", "a_outpatient", "b_inpatient", "b_recorded", "a_city", "a_november")
    for name, claim in december.items():
        claim.refresh_from_db()
        assert (claim.paid_out_on == D(2018, 1, 10)) == (name in window), name
    assert batch.number == "2018-01-001" and batch.bills == len(window)
    # one 拨付 line per fund with an amount owed, for exactly what is owed
    for name in window:
        shares = owed(december[name])
        assert paid_by_batches(december[name]) == shares
        assert batch.lines.filter(claim=december[name]).count() == sum(1 for amount in shares.values() if amount)
    assert set(batch.lines.values_list("kind", flat=True)) == {BatchLine.Kind.PAYOUT}
    assert batch.total == sum(line.amount for line in batch.lines.all())
    # each bill's history names who paid it out, and in which batch
    record = december["a_inpatient"].history.latest()
    assert (record.history_user, record.paid_out_on, record.history_change_reason) == (
        county_admin, D(2018, 1, 10), "拨付批次 2018-01-001")


def test_a_second_run_pays_nothing_twice(december, county_admin):
    batch_create(user=county_admin, through=D(2017, 12, 31), paid_on=D(2018, 1, 10))
    lines = BatchLine.objects.count()

    assert batch_create(user=county_admin, through=D(2017, 12, 31), paid_on=D(2018, 1, 11)) is None
    assert PaymentBatch.objects.count() == 1 and BatchLine.objects.count() == lines
    assert BatchSequence.objects.get(month="2018-01").last == 1  # an empty run uses up no number


def test_through_limits_the_bills_and_the_numbers_follow_the_month(december, county_admin):
    first = batch_create(user=county_admin, through=D(2017, 11, 30), paid_on=D(2018, 1, 3))
    second = batch_create(user=county_admin, through=D(2017, 12, 31), paid_on=D(2018, 1, 10))
    assert set(first.lines.values_list("claim_id", flat=True)) == {december["a_november"].pk}
    assert december["a_november"].pk not in second.lines.values_list("claim_id", flat=True)
    assert (first.number, second.number) == ("2018-01-001", "2018-01-002")


def test_a_bill_voided_after_its_batch_is_recovered_in_the_next_batch(december, county_admin, clerk_a):
    # given: the bills are paid out
    first = batch_create(user=county_admin, through=D(2017, 12, 31), paid_on=D(2018, 1, 10))
    voided = december["a_inpatient"]
    paid = paid_by_batches(voided)
    assert sum(paid.values()) > 0

    # when: the bill is voided, and the next batch is made
    claim_void(user=clerk_a, claim=voided, reason="医院重复上传")
    second = batch_create(user=county_admin, through=D(2018, 1, 31), paid_on=D(2018, 2, 5))

    # then: its 追回 lines sum to minus what was paid, fund by fund
    recovered = second.lines.filter(claim=voided)
    assert set(recovered.values_list("kind", flat=True)) == {BatchLine.Kind.RECOVERY}
    for fund in FUNDS:
        assert sum((line.amount for line in recovered if line.fund == fund), ZERO) == -paid[fund]
    assert paid_by_batches(voided) == {fund: ZERO for fund in FUNDS}
    # each line names the adjustment it settles; the later bills the void re-settled are settled too
    assert all(line.adjustment.claim_id == line.claim_id for line in second.lines.all())
    settled = set(second.lines.values_list("adjustment_id", flat=True))
    assert settled == set(Adjustment.objects.values_list("pk", flat=True))
    for claim in december.values():
        if claim.origin == Claim.Origin.WINDOW:
            assert paid_by_batches(claim) == owed(claim), claim
    assert first.lines.count() and batch_create(user=county_admin, through=D(2018, 1, 31),
                                                paid_on=D(2018, 2, 6)) is None


def test_a_payment_that_grows_after_payout_is_a_top_up_line(poor_a, settle, clerk_a, county_admin):
    # given: a November bill paid out alone
    later = settle(clerk_a, poor_a, day=D(2017, 11, 20), total="30000", in_catalog="26000", level="city").claim
    batch_create(user=county_admin, through=D(2017, 11, 30), paid_on=D(2017, 12, 5))

    # when: an earlier bill entered afterwards uses up the 大病 deductible, so the later bill's 大病 grows
    earlier = settle(clerk_a, poor_a, day=D(2017, 8, 3), total="60000", in_catalog="48000").claim
    second = batch_create(user=county_admin, through=D(2017, 11, 30), paid_on=D(2017, 12, 20))

    # then: the next batch pays the growth as a 补付 line (1,743.00 → 5,290.00) and the new bill in full
    top_ups = lines_of(second)
    assert top_ups[(later.pk, "critical", BatchLine.Kind.TOP_UP)] == Decimal("3547.00")
    assert paid_by_batches(earlier) == owed(earlier)
    assert paid_by_batches(later) == owed(later)


def test_what_the_platform_settled_is_never_paid_nor_recovered(december, county_admin, clerk_b):
    recorded = december["b_recorded"]
    batch_create(user=county_admin, through=D(2017, 12, 31), paid_on=D(2018, 1, 10))
    claim_void(user=clerk_b, claim=recorded, reason="平台已退费")
    # the void records a 追回 of every payment, the platform's basic share too; only the funds' own are lines
    assert Adjustment.objects.filter(claim=recorded, layer="basic").exists()
    second = batch_create(user=county_admin, through=D(2017, 12, 31), paid_on=D(2018, 1, 20))
    assert not second.lines.filter(claim=recorded, fund="basic").exists()
    assert second.lines.filter(claim=recorded, kind=BatchLine.Kind.RECOVERY).exists()
    assert paid_by_batches(recorded) == {fund: ZERO for fund in FUNDS}


def test_the_preview_is_what_the_batch_pays(december, county_admin):
    plan = batch_plan(user=county_admin, through=D(2017, 12, 31))
    assert not PaymentBatch.objects.exists() and not Claim.objects.filter(paid_out_on__isnull=False).exists()
    batch = batch_create(user=county_admin, through=D(2017, 12, 31), paid_on=D(2018, 1, 10),
                         expected=(len(plan.lines), plan.total))
    assert sorted((l.claim_id, l.fund, l.kind, l.amount) for l in plan.lines) == sorted(
        batch.lines.values_list("claim_id", "fund", "kind", "amount"))
    assert batch.total == plan.total and batch.bills == len(plan.bill_ids)


def test_a_batch_that_changed_since_its_preview_is_refused(december, county_admin, poor_a, settle, clerk_a):
    plan = batch_plan(user=county_admin, through=D(2017, 12, 31))
    settle(clerk_a, poor_a, day=D(2017, 12, 31), total="500", in_catalog="400")
    with pytest.raises(ValidationError) as info:
        batch_create(user=county_admin, through=D(2017, 12, 31), paid_on=D(2018, 1, 10),
                     expected=(len(plan.lines), plan.total))
    assert info.value.code == "plan_changed"
    assert not PaymentBatch.objects.exists() and not BatchSequence.objects.exists()
    assert not Claim.objects.filter(paid_out_on__isnull=False).exists()


def test_a_batch_of_one_hospital_pays_only_its_bills_and_adjustments(december, county_admin, county_hospital):
    batch = batch_create(user=county_admin, through=D(2017, 12, 31), paid_on=D(2018, 1, 10),
                         hospital=county_hospital)
    assert set(batch.lines.values_list("hospital_id", flat=True)) == {county_hospital.pk}
    december["a_city"].refresh_from_db()
    assert december["a_city"].paid_out_on is None


def test_a_township_administrator_pays_only_the_township(december, admin_b):
    batch = batch_create(user=admin_b, through=D(2017, 12, 31), paid_on=D(2018, 1, 10))
    assert batch.area_code == "500242101"
    assert {line.claim.beneficiary.name for line in batch.lines.select_related("claim__beneficiary")} == {"白明华"}
    assert not Claim.objects.filter(beneficiary__name="田小红", paid_out_on__isnull=False).exists()


@pytest.mark.parametrize(("paid_on", "code"), [(D(2017, 12, 30), "paid_on_before_through"),
                                               (D(2999, 1, 1), "paid_on_future")])
def test_a_payment_date_that_cannot_be_is_refused(december, county_admin, paid_on, code):
    with pytest.raises(ValidationError) as info:
        batch_create(user=county_admin, through=D(2017, 12, 31), paid_on=paid_on)
    assert info.value.code == code
    assert not PaymentBatch.objects.exists()
