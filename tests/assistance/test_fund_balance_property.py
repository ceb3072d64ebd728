"""A fund's balance always equals its budget plus what earlier years carried over minus its lines, over random
sequences of grants decided, paid and voided across two years (hypothesis), checked against a plain tally
kept beside the services; and no sequence takes a grant-making fund below zero."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistance.models import Fund, FundYear, Grant
from assistance.selectors import fund_balance
from assistance.services import grant_decide, grant_pay, grant_void

BUDGETS = {2016: Decimal("30000.00"), 2017: Decimal("25000.00")}

steps = st.lists(
    st.one_of(
        st.tuples(st.just("decide"), st.sampled_from([2016, 2017]), st.integers(0, 2),
                  st.integers(1, 1_200_000).map(lambda cents: Decimal(cents) / 100)),
        st.tuples(st.just("pay"), st.integers(0, 30)),
        st.tuples(st.just("void"), st.integers(0, 30)),
    ),
    max_size=25,
)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequence=steps)
def test_the_balance_is_the_budget_and_carry_over_less_the_lines(sequence, county, village_a, make_person, clerk_a):
    fund, _ = Fund.objects.get_or_create(
        code="hardship", region=county,
        defaults={"name": "卫生医疗困难救助基金", "kind": Fund.Kind.GRANTS, "grants_per_year": 2,
                  "amount_per_year": Decimal("20000"), "major_cap": Decimal("10000")})
    Grant.objects.all().delete()  # each example starts from an empty fund (the test database is rolled back after)
    for year, budget in BUDGETS.items():
        FundYear.objects.update_or_create(fund=fund, year=year, defaults={"budget": budget})
    people = [make_person(village_a, name=f"冉{i}") for i in range(3)]
    tally: dict[int, tuple[int, Decimal, str]] = {}  # grant id → (year, amount, status)
    for step in sequence:
        if step[0] == "decide":
            _, year, who, amount = step
            try:
                grant = grant_decide(user=clerk_a, person=people[who], year=year, kind=Grant.Kind.HARDSHIP,
                                     fund=fund, case=Grant.Case.MAJOR, amount=amount, reason="核定", by_committee=True,
                                     decided_on=datetime.date(2017, 12, 1))
            except ValidationError:
                continue
            tally[grant.pk] = (year, amount, "decided")
        elif tally:
            pk = sorted(tally)[step[1] % len(tally)]
            year, amount, status = tally[pk]
            try:
                if step[0] == "pay":
                    grant_pay(user=clerk_a, grant=Grant.objects.get(pk=pk), paid_on=datetime.date(2017, 12, 2))
                    tally[pk] = (year, amount, "paid")
                else:
                    grant_void(user=clerk_a, grant=Grant.objects.get(pk=pk), reason="撤销")
                    tally[pk] = (year, amount, "voided")
            except ValidationError:
                assert status != "decided" or step[0] == "void"  # only a paid or voided grant refuses a payment

    def lines(year: int, status: str) -> Decimal:
        return sum((a for y, a, s in tally.values() if y == year and s == status), Decimal("0.00"))

    carried = BUDGETS[2016] - lines(2016, "paid") - lines(2016, "decided")
    for year, carry in ((2016, Decimal("0.00")), (2017, carried)):
        balance = fund_balance(fund, year)
        assert (balance.budget, balance.carried_over) == (BUDGETS[year], carry)
        assert (balance.paid, balance.committed) == (lines(year, "paid"), lines(year, "decided"))
        assert balance.balance == BUDGETS[year] + carry - lines(year, "paid") - lines(year, "decided")
        assert balance.balance >= 0
