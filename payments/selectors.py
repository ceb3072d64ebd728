"""Reads: what the funds owe the hospitals (payables) and the batches that paid them, scoped by area.

What a fund owes a hospital for a bill is the bill's current settlement's payments of that fund, without the
payments the medical-insurance platform settled itself (``SettlementPayment.recorded``), for bills settled at
the window (``Claim.Origin.WINDOW``; the platform's lists, imported, were paid by the platform) and not voided.
A bill belongs to the month of its discharge (or visit) date. Amounts are added as Decimals in Python, never
by the database (SQLite would add them as floating point), so every sum is exact to the cent.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Case, Count, Q, QuerySet, Sum, When

from accounts.models import User
from accounts.services import area_within, ensure_permitted
from claims.models import Claim, Hospital, Settlement, SettlementPayment
from config.periods import Period
from payments.models import BatchLine, PaymentBatch
from policies.document import FUNDS

ZERO = Decimal("0.00")
VIEW_PERMISSION = "payments.view_paymentbatch"
UNKNOWN_HOSPITAL = "医疗机构“{hospital}”不存在（请填写机构编码或完整名称）。"
AMBIGUOUS_HOSPITAL = "机构编码“{hospital}”对应多家医疗机构（{names}），请填写完整名称。"


def fund_zeros() -> dict[str, Decimal]:
    return {fund: ZERO for fund in FUNDS}


def hospital_key(hospital: Hospital) -> str:
    """How lists and statements name a hospital: its 机构编码 when it has one, else its name."""
    return hospital.code or hospital.name


def hospital_find(text: str) -> Hospital:
    """The hospital a ``--hospital`` option or a page's ``hospital`` parameter names: a code, or an exact name."""
    text = text.strip()
    by_code = list(Hospital.objects.filter(code=text)) if text else []
    if len(by_code) == 1:
        return by_code[0]
    if len(by_code) > 1:
        raise ValidationError(AMBIGUOUS_HOSPITAL.format(hospital=text, names="、".join(h.name for h in by_code)),
                              code="ambiguous_hospital")
    hospital = Hospital.objects.filter(name=text).first() if text else None
    if hospital is None:
        raise ValidationError(UNKNOWN_HOSPITAL.format(hospital=text), code="unknown_hospital")
    return hospital


@dataclass(frozen=True)
class StatementBill:
    """One bill on a hospital's statement."""

    claim_id: int
    settlement_id: int | None
    name: str
    id_number: str
    admitted_on: datetime.date | None
    discharged_on: datetime.date
    total: Decimal
    by_fund: dict[str, Decimal]

    @property
    def owed(self) -> Decimal:
        return sum(self.by_fund.values(), ZERO)


@dataclass
class HospitalPayables:
    hospital: Hospital
    bills: list[StatementBill] = field(default_factory=list)

    @property
    def key(self) -> str:
        return hospital_key(self.hospital)

    @property
    def by_fund(self) -> dict[str, Decimal]:
        sums = fund_zeros()
        for bill in self.bills:
            for fund, amount in bill.by_fund.items():
                sums[fund] += amount
        return sums

    @property
    def total(self) -> Decimal:
        return sum(self.by_fund.values(), ZERO)

    @property
    def bills_total(self) -> Decimal:
        return sum((bill.total for bill in self.bills), ZERO)

    def as_dict(self) -> dict:
        return {"hospital": self.key, "name": self.hospital.name, "bills": len(self.bills),
                "by_fund": {fund: str(amount) for fund, amount in self.by_fund.items()}, "total": str(self.total)}


@dataclass
class Payables:
    """The payables of one month in one area (and of one hospital, when ``hospital`` is given)."""

    period: Period
    area: str
    hospitals: list[HospitalPayables]
    hospital: Hospital | None = None

    @property
    def month(self) -> str:
        return f"{self.period.first:%Y-%m}"

    @property
    def by_fund(self) -> dict[str, Decimal]:
        sums = fund_zeros()
        for payable in self.hospitals:
            for fund, amount in payable.by_fund.items():
                sums[fund] += amount
        return sums

    @property
    def total(self) -> Decimal:
        return sum(self.by_fund.values(), ZERO)

    @property
    def bills(self) -> int:
        return sum(len(payable.bills) for payable in self.hospitals)

    def as_dict(self) -> dict:
        return {"month": self.month, "area": self.area, "hospitals": [h.as_dict() for h in self.hospitals],
                "by_fund": {fund: str(amount) for fund, amount in self.by_fund.items()}, "total": str(self.total)}


def window_bills(prefix: str) -> QuerySet[Claim]:
    """Bills settled at the window in the area: the ones the funds pay the hospitals for."""
    return Claim.objects.within(prefix).filter(origin=Claim.Origin.WINDOW, status=Claim.Status.SETTLED)


def owed_by_claim(claims: QuerySet[Claim]) -> dict[int, dict[str, Decimal]]:
    """Claim id → fund → what the fund owes for it now (current settlement, platform-settled payments left out)."""
    owed: dict[int, dict[str, Decimal]] = defaultdict(fund_zeros)
    rows = SettlementPayment.objects.filter(
        settlement__superseded_at__isnull=True, settlement__claim__in=claims, recorded=False,
    ).values_list("settlement__claim_id", "fund", "amount")
    for claim_id, fund, amount in rows:
        owed[claim_id][fund] += amount
    return owed


def payables_of_month(*, prefix: str, period: Period, hospital: Hospital | None = None) -> Payables:
    """Every window bill of the area discharged in ``period``, by hospital, with what each fund owes for it.

    ``prefix`` is an area the caller has already checked (``accounts.services.area_within``)."""
    claims = window_bills(prefix).filter(discharged_on__gte=period.first, discharged_on__lte=period.last)
    if hospital is not None:
        claims = claims.filter(hospital=hospital)
    owed = owed_by_claim(claims)
    settlements = dict(Settlement.objects.current().filter(claim__in=claims).values_list("claim_id", "pk"))
    by_hospital: dict[int, HospitalPayables] = {}
    for claim in claims.select_related("beneficiary", "hospital").order_by("discharged_on", "id"):
        payable = by_hospital.setdefault(claim.hospital_id, HospitalPayables(claim.hospital))
        person = claim.beneficiary
        payable.bills.append(StatementBill(
            claim_id=claim.pk, settlement_id=settlements.get(claim.pk), name=person.name,
            id_number=person.id_number, admitted_on=claim.admitted_on, discharged_on=claim.discharged_on,
            total=claim.total, by_fund=owed.get(claim.pk) or fund_zeros(),
        ))
    hospitals = sorted(by_hospital.values(), key=lambda p: (p.hospital.name, p.hospital.pk))
    if hospital is not None and not hospitals:
        hospitals = [HospitalPayables(hospital)]  # its statement says it is owed nothing this month
    return Payables(period=period, area=prefix, hospitals=hospitals, hospital=hospital)


def payables_for(*, user: User, period: Period, area: str = "", hospital: Hospital | None = None) -> Payables:
    """``payables_of_month`` for a user: refused without the permission to see payables or outside their area."""
    ensure_permitted(user, VIEW_PERMISSION, "查看应付款")
    return payables_of_month(prefix=area_within(user, area), period=period, hospital=hospital)


# --- batches -------------------------------------------------------------------------------------------


def batches_visible(user: User) -> QuerySet[PaymentBatch]:
    """The user's batches, each with the lines and the amount of them inside the user's area."""
    prefix = user.area_prefix
    inside = Q(lines__claim__beneficiary__village__code__startswith=prefix) if prefix else Q()
    return (
        PaymentBatch.objects.visible_to(user).select_related("created_by", "hospital")
        .annotate(area_lines=Count("lines", filter=inside), area_amount=Sum("lines__amount", filter=inside))
        .order_by("-paid_on", "-number")
    )


def batch_lines_visible(user: User, batch: PaymentBatch) -> QuerySet[BatchLine]:
    """The batch's lines inside the user's area, by hospital and bill, kinds and funds in their usual order."""
    kind_order = Case(*[When(kind=kind, then=i) for i, kind in enumerate(BatchLine.Kind.values)])
    fund_order = Case(*[When(fund=fund, then=i) for i, fund in enumerate(FUNDS)])
    return (
        BatchLine.objects.visible_to(user).filter(batch=batch)
        .select_related("claim__beneficiary", "hospital", "adjustment")
        .order_by("hospital__name", "claim_id", kind_order, fund_order, "id")
    )


@dataclass(frozen=True)
class BatchSummaryRow:
    hospital: Hospital
    by_fund: dict[str, Decimal]
    by_kind: dict[str, Decimal]

    @property
    def total(self) -> Decimal:
        return sum(self.by_fund.values(), ZERO)


def summary_rows(lines: Iterable[tuple[int, str, str, Decimal]]) -> list[BatchSummaryRow]:
    """Lines given as (hospital id, fund, kind, amount), by hospital: each fund's amount and each kind's
    (拨付 / 补付 / 追回), added exactly."""
    funds: dict[int, dict[str, Decimal]] = defaultdict(fund_zeros)
    kinds: dict[int, dict[str, Decimal]] = defaultdict(lambda: {kind: ZERO for kind in BatchLine.Kind.values})
    for hospital_id, fund, kind, amount in lines:
        funds[hospital_id][fund] += amount
        kinds[hospital_id][kind] += amount
    hospitals = Hospital.objects.in_bulk(list(funds))
    rows = [BatchSummaryRow(hospitals[pk], funds[pk], kinds[pk]) for pk in funds]
    return sorted(rows, key=lambda row: (row.hospital.name, row.hospital.pk))


def batch_summary(lines: QuerySet[BatchLine]) -> list[BatchSummaryRow]:
    return summary_rows(lines.values_list("hospital_id", "fund", "kind", "amount"))
