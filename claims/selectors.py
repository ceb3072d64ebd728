from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Prefetch, QuerySet, Sum

from accounts.models import User
from beneficiaries.models import Beneficiary
from claims.models import Adjustment, Claim, Settlement, SettlementPayment
from policies import engine

SUMMED = ("total", "basic", "critical", "assistance", "other", "personal")


def claims_visible(user: User) -> QuerySet[Claim]:
    return Claim.objects.visible_to(user).select_related("beneficiary", "hospital")


def with_current_settlement(claims: QuerySet[Claim]) -> QuerySet[Claim]:
    return claims.prefetch_related(
        Prefetch("settlements", queryset=Settlement.objects.filter(superseded_at__isnull=True), to_attr="current")
    )


def year_to_date_before(person: Beneficiary, day: datetime.date) -> engine.YearToDate:
    """The person's layer totals of the year from bills settled on or before ``day`` (for a preview)."""
    payments = SettlementPayment.objects.filter(
        settlement__superseded_at__isnull=True,
        settlement__claim__beneficiary=person,
        settlement__claim__status=Claim.Status.SETTLED,
        settlement__claim__discharged_on__year=day.year,
        settlement__claim__discharged_on__lte=day,
    ).only("layer", "amount", "base_added")
    return engine.YearToDate.from_payments(payments)


@dataclass(frozen=True)
class YearTotals:
    year: int
    bills: int
    total: Decimal
    basic: Decimal
    critical: Decimal
    assistance: Decimal
    other: Decimal
    personal: Decimal


def person_year_totals(person: Beneficiary) -> list[YearTotals]:
    """Totals by year and fund of the person's current settlements, newest year first."""
    rows = (
        Settlement.objects.current().filter(claim__beneficiary=person)
        .values("claim__discharged_on__year")
        .annotate(bills=Count("pk"), **{f"{name}_sum": Sum(name) for name in SUMMED})
        .order_by("-claim__discharged_on__year")
    )
    # SQLite adds decimals as floating point: every sum is brought back to the cent.
    return [
        YearTotals(year=r["claim__discharged_on__year"], bills=r["bills"],
                   **{name: engine.quantize_money(r[f"{name}_sum"]) for name in SUMMED})
        for r in rows
    ]


def adjustments_visible(user: User) -> QuerySet[Adjustment]:
    return Adjustment.objects.visible_to(user).select_related("claim__beneficiary", "claim__hospital", "created_by")
