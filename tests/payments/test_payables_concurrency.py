"""Two administrators making batches at once, or a clerk settling a bill while a batch is made, never pay a
bill twice nor pay a stale amount: batches lock the person-years, bills and adjustments they take (PostgreSQL)."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection, connections

from claims.models import Claim
from payments.models import BatchLine, PaymentBatch
from payments.services import batch_create
from tests.payments.conftest import owed
from tests.payments.test_payables_batches import paid_by_batches

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are what is tested; SQLite serialises "
                                                                  "every writing transaction by itself"),
]
D = datetime.date


def at_once(*calls) -> tuple[list, list]:
    barrier = threading.Barrier(len(calls))
    results, errors = [None] * len(calls), []

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results, errors


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("days", [(D(2018, 1, 5), D(2018, 1, 6)), (D(2018, 1, 5), D(2018, 2, 5))],
                         ids=["same month", "different months"])
def test_two_batches_at_once_pay_each_bill_once(december, county_admin, days):
    results, errors = at_once(*[
        lambda day=day: batch_create(user=county_admin, through=D(2017, 12, 31), paid_on=day) for day in days])
    assert errors == []
    assert len([batch for batch in results if batch is not None]) == 1
    assert PaymentBatch.objects.count() == 1
    for claim in Claim.objects.filter(origin=Claim.Origin.WINDOW):
        assert paid_by_batches(claim) == owed(claim)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_bill_settled_while_a_batch_is_made_is_paid_what_it_owes(poor_a, settle, clerk_a, county_admin):
    # given: a bill due; an earlier bill entered at the same moment re-settles it (its 大病 grows)
    later = settle(clerk_a, poor_a, day=D(2017, 11, 20), total="30000", in_catalog="26000", level="city").claim
    results, errors = at_once(
        lambda: batch_create(user=county_admin, through=D(2017, 11, 30), paid_on=D(2017, 12, 5)),
        lambda: settle(clerk_a, poor_a, day=D(2017, 8, 3), total="60000", in_catalog="48000"),
    )
    assert errors == []
    # when: the next batch settles whatever moved after the first
    batch_create(user=county_admin, through=D(2017, 11, 30), paid_on=D(2017, 12, 20))
    # then: whichever came first, every bill was paid exactly what the funds owe for it now
    for claim in Claim.objects.all():
        assert paid_by_batches(claim) == owed(claim), claim
    assert BatchLine.objects.filter(claim=later, kind=BatchLine.Kind.PAYOUT).count() == 4
