"""What the funds hold and owe (fund_status) and the grants of an area.

A fund's year: its total (年度总额), what earlier years left (carried over when the fund's rule says so:
Σ of each earlier budgeted year's total minus its lines, a deficit included), what it paid and what it is
committed to. A grant-making fund's lines are its grants (paid, or decided and not yet paid; a void counts
nothing). A layer fund's lines are the payments of its layer on the current settlements of the county's
bills dated in the year: paid once the bill is paid out (拨付), committed until then.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet, Sum
from django.db.models.functions import Left

from accounts.models import User
from assistance.models import Fund, FundYear, Grant
from claims.models import SettlementPayment
from policies.engine import quantize_money
from regions.codes import area_prefix

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class FundBalance:
    fund: Fund
    year: int
    budget: Decimal | None  # None: no total set for the year
    carried_over: Decimal
    paid: Decimal
    committed: Decimal

    @property
    def available(self) -> Decimal:
        return (self.budget or ZERO) + self.carried_over

    @property
    def balance(self) -> Decimal:
        return self.available - self.paid - self.committed

    @property
    def used_share(self) -> Decimal | None:
        """(paid + committed) ÷ (budget + carried over), in percent; None without a positive total."""
        if self.available <= 0:
            return None
        return ((self.paid + self.committed) * 100 / self.available).quantize(Decimal("0.1"))

    @property
    def warning(self) -> bool:
        return self.budget is not None and (
            self.available <= 0 or self.paid + self.committed >= self.fund.warn_at * self.available)


def funds_of_area(area: str) -> QuerySet[Fund]:
    """The funds of the counties within ``area``, or of the county containing it."""
    prefix = area_prefix(area)
    if not prefix:
        return Fund.objects.select_related("region")
    return Fund.objects.filter(Q(region__code__startswith=prefix) | Q(region__code=prefix[:6])).select_related(
        "region")


def _lines(funds: list[Fund], years: set[int]) -> dict[tuple[int, int], tuple[Decimal, Decimal]]:
    """(fund id, year) → (paid, committed) for the given years: one grouped query for the grant-making funds and
    one for all the layer funds together (a single pass over those years' payments of their layers)."""
    lines: dict[tuple[int, int], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    grant_funds = [f.pk for f in funds if f.kind == Fund.Kind.GRANTS]
    if grant_funds:
        rows = (
            Grant.objects.filter(fund_id__in=grant_funds, year__in=years).exclude(status=Grant.Status.VOIDED)
            .values_list("fund_id", "year", "status").annotate(total=Sum("amount")).order_by()
        )
        for fund_id, year, status, total in rows:
            lines[(fund_id, year)][0 if status == Grant.Status.PAID else 1] += quantize_money(Decimal(total))
    layer_funds = {(f.code, f.region_id): f.pk for f in funds if f.kind == Fund.Kind.LAYER}
    if layer_funds:
        rows = (
            SettlementPayment.objects.filter(
                layer__in={code for code, _ in layer_funds}, settlement__superseded_at__isnull=True,
                settlement__claim__status="settled", settlement__claim__discharged_on__year__in=years,
            )
            .annotate(county=Left("settlement__claim__beneficiary__village_id", 6),
                      paid_out=ExpressionWrapper(Q(settlement__claim__paid_out_on__isnull=False),
                                                 output_field=BooleanField()))
            .values_list("layer", "county", "settlement__claim__discharged_on__year", "paid_out")
            .annotate(total=Sum("amount")).order_by()
        )
        for layer, county, year, paid_out, total in rows:
            fund_id = layer_funds.get((layer, county))
            if fund_id is not None:
                lines[(fund_id, year)][0 if paid_out else 1] += quantize_money(Decimal(total))
    return {key: (paid, committed) for key, (paid, committed) in lines.items()}


def fund_balances(funds: Iterable[Fund], year: int) -> list[FundBalance]:
    """Each fund's year as the module docstring says: three queries whatever the number of funds and years."""
    funds = list(funds)
    budgets = {(fy.fund_id, fy.year): fy.budget for fy in FundYear.objects.filter(fund__in=funds, year__lte=year)}
    lines = _lines(funds, {year} | {budgeted for _, budgeted in budgets})
    balances = []
    for fund in funds:
        carried = ZERO
        if fund.carries_over:
            for (fund_id, earlier), budget in budgets.items():
                if fund_id == fund.pk and earlier < year:
                    paid, committed = lines.get((fund.pk, earlier), (ZERO, ZERO))
                    carried += budget - paid - committed
        paid, committed = lines.get((fund.pk, year), (ZERO, ZERO))
        balances.append(FundBalance(fund, year, budgets.get((fund.pk, year)), carried, paid, committed))
    return balances


def fund_balance(fund: Fund, year: int) -> FundBalance:
    return fund_balances([fund], year)[0]


def grants_visible(user: User) -> QuerySet[Grant]:
    return Grant.objects.visible_to(user).select_related("beneficiary__village", "fund", "decided_by")


def relief_by_person_year(grants: QuerySet[Grant]) -> dict[tuple[int, int], Decimal]:
    """(person id, year) → Σ the paid ones of ``grants``: monitoring.md's relief received outside the cascade,
    in one query however many people."""
    rows = (
        grants.filter(status=Grant.Status.PAID).values_list("beneficiary_id", "year")
        .annotate(total=Sum("amount")).order_by()
    )
    return {(person_id, year): quantize_money(Decimal(total))
            for person_id, year, total in rows.iterator(chunk_size=2000)}


def relief_of_year(person_id: int, year: int) -> Decimal:
    """Σ the grants paid to the person for the year."""
    grants = Grant.objects.filter(beneficiary_id=person_id, year=year)
    return relief_by_person_year(grants).get((person_id, year), ZERO)
