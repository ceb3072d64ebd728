"""What claims announces to the apps above it (monitoring listens; claims imports none of them)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.dispatch import Signal


@dataclass(frozen=True)
class PersonYearSettled:
    """A person-year whose current settlements just changed, as the settling service knows it."""

    person_id: int
    village_id: str
    year: int
    personal: Decimal  # Σ personal of the current settlements of the year's settled bills
    held: frozenset[str]  # the categories held on any day of the year
    relief: Decimal  # received outside the cascade for the year (PersonYear.relief)


# Sent inside the writing transaction with ``person_years`` (a list of PersonYearSettled), ``user``
# and ``cause`` (a short Chinese phrase: 结算账单 #12, 作废账单 #12, 政策重算, 支付救助金 #3 …). Assistance sends
# it too when a grant paid or voided changes a year's relief.
person_years_settled = Signal()
