"""A layer fund's year (fund_status) over random sequences of bills settled, voided and paid out in batches
(hypothesis): its balance is always its total less its lines, its lines are exactly its layer's payments on
the county's current settlements, paid once a batch has paid the bill out and committed until then; and what
the batches paid for the layer's fund adds up to what the paid-out bills owe now, once every open 追回 is in a
batch."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistance.models import Fund, FundYear
from assistance.selectors import fund_balance
from claims.models import Claim, Settlement
from claims.services import claim_void
from payments.models import BatchLine
from payments.services import batch_create

LAYER = "assist_inpatient"  # 民政医疗救助（住院）of the 酉阳 2017 policy: fund "assistance"
BUDGET = Decimal("500000.00")

steps = st.lists(
    st.one_of(
        st.tuples(st.just("settle"), st.integers(0, 1), st.integers(5_000, 80_000)),
        st.tuples(st.just("void"), st.integers(0, 20)),
        st.tuples(st.just("batch")),
    ),
    min_size=1, max_size=12,
)


def layer_amounts(paid_out: bool | None = None) -> Decimal:
    total = Decimal("0.00")
    for settlement in Settlement.objects.current().prefetch_related("payments").select_related("claim"):
        if paid_out is None or (settlement.claim.paid_out_on is not None) == paid_out:
            total += sum((p.amount for p in settlement.payments.all() if p.layer == LAYER), Decimal("0.00"))
    return total


@pytest.mark.django_db
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequence=steps)
def test_a_layer_funds_year_follows_settlements_voids_and_batches(sequence, poor_a, poor_b, county_hospital, settle,
                                                                 clerk_a, county, county_admin):
    with transaction.atomic():  # each example in a savepoint rolled back at its end: it starts from no bill
        walk(sequence, poor_a, poor_b, settle, clerk_a, county, county_admin)
        transaction.set_rollback(True)


def walk(sequence, poor_a, poor_b, settle, clerk_a, county, county_admin) -> None:
    fund = Fund.objects.create(code=LAYER, region=county, name="民政医疗救助", kind=Fund.Kind.LAYER)
    FundYear.objects.create(fund=fund, year=2017, budget=BUDGET)
    day = datetime.date(2017, 3, 1)
    bills = []
    for step in sequence:
        if step[0] == "settle":
            day += datetime.timedelta(days=3)
            person = (poor_a, poor_b)[step[1]]
            bills.append(settle(county_admin, person, day=day, total=str(step[2]), in_catalog=str(step[2] * 4 // 5)).claim)
        elif step[0] == "void":
            live = [c for c in bills if Claim.objects.get(pk=c.pk).status == Claim.Status.SETTLED]
            if live:
                claim_void(user=county_admin, claim=Claim.objects.get(pk=live[step[1] % len(live)].pk), reason="录入错误")
        else:
            batch_create(user=county_admin, through=day, paid_on=datetime.date(2017, 12, 31), area=county.code)

        balance = fund_balance(fund, 2017)
        assert balance.paid == layer_amounts(paid_out=True)
        assert balance.committed == layer_amounts(paid_out=False)

    batch_create(user=county_admin, through=day, paid_on=datetime.date(2017, 12, 31), area=county.code)
    paid = sum((line.amount for line in BatchLine.objects.filter(fund="assistance")), Decimal("0.00"))
    owed_now = sum((s.assistance for s in Settlement.objects.current().select_related("claim")
                    if s.claim.paid_out_on is not None), Decimal("0.00"))
    assert paid == owed_now
    assert fund_balance(fund, 2017).committed == Decimal("0.00")
