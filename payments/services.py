"""Payment batches (拨付批次): paying the hospitals what the funds owe for bills settled at the window.

``batch_plan`` says what a batch would pay, writing nothing; ``batch_create`` computes the same plan again
inside one transaction, under locks, and writes it: the batch, its lines (bulk) and the bills' 拨付日期 (bulk,
with a history row naming the user for each bill). A bill is due when it is settled at the window, not voided,
not yet paid out, inside the area (and hospital) and discharged on or before ``through``: each fund with a
non-zero amount owed on it gets one 拨付 line. Every ``claims.Adjustment`` of the area not yet in any batch
(a payment that moved after its bill was paid out, a paid-out bill voided) becomes a 补付 or 追回 line.
Adjustments of what the platform settled (the layers recorded on the bill) and of imported bills are not
the funds' to pay here and are left out (docs/payables.md).

Locks (PostgreSQL; SQLite's writing transactions take turns by themselves): the month's batch number row,
then the person-years of the due bills (the lock every settlement of those bills takes, so none is
re-settled between reading its amounts and stamping it paid), then the bills and the adjustments, each
read again after it is locked. Two batches can therefore never take the same bill or adjustment, and the
constraints on ``BatchLine`` say so a second time.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from accounts.models import User
from accounts.services import area_within, ensure_permitted
from claims.models import Adjustment, Claim, Hospital, PersonYear, SettlementPayment
from payments.models import BatchLine, BatchSequence, PaymentBatch
from payments.selectors import ZERO, owed_by_claim, window_bills

PERMISSION = "claims.mark_paid_out"
CHUNK = 500  # ids per query: well under the bound parameters SQLite and PostgreSQL accept
PAID_ON_BEFORE_THROUGH = "拨付日期 {paid_on} 早于出院日期截至 {through}。"
PAID_ON_FUTURE = "拨付日期 {paid_on} 晚于今天。"
PLAN_CHANGED = ("预览之后待拨付的内容有变化（预览 {expected_lines} 行 ¥{expected_total}，现在 {lines} 行 "
                "¥{total}），请重新预览后再确认。")
CONCURRENT = "另一个拨付批次正在生成并已包含其中的账单或补付/追回，请稍后重新预览。"


@dataclass(frozen=True)
class PlannedLine:
    claim_id: int
    hospital_id: int
    fund: str
    kind: str
    amount: Decimal
    adjustment_id: int | None = None


@dataclass
class BatchPlan:
    """What a batch pays: the due bills (some may owe nothing, all are stamped paid out) and the lines."""

    through: datetime.date
    area: str
    hospital: Hospital | None
    bill_ids: list[int] = field(default_factory=list)
    lines: list[PlannedLine] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)

    def amount_of(self, kind: str) -> Decimal:
        return sum((line.amount for line in self.lines if line.kind == kind), ZERO)

    def count_of(self, kind: str) -> int:
        return sum(1 for line in self.lines if line.kind == kind)

    @property
    def empty(self) -> bool:
        return not self.bill_ids and not self.lines


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def _due_bills(prefix: str, through: datetime.date, hospital: Hospital | None):
    bills = window_bills(prefix).filter(paid_out_on__isnull=True, discharged_on__lte=through)
    return bills.filter(hospital=hospital) if hospital is not None else bills


def _open_adjustments(prefix: str, hospital: Hospital | None):
    """Adjustments of window bills in the area that no batch has settled, without the platform's layers."""
    platform_layer = SettlementPayment.objects.filter(
        settlement_id=OuterRef("settlement_id"), layer=OuterRef("layer"), recorded=True)
    adjustments = (
        Adjustment.objects.within(prefix).filter(claim__origin=Claim.Origin.WINDOW)
        .exclude(Exists(BatchLine.objects.filter(adjustment_id=OuterRef("pk"))))
        .exclude(Exists(platform_layer))
    )
    return adjustments.filter(claim__hospital=hospital) if hospital is not None else adjustments


def _payout_lines(bills: list[tuple[int, int]]) -> list[PlannedLine]:
    hospitals = dict(bills)
    lines = []
    for chunk in _chunks(sorted(hospitals)):
        owed = owed_by_claim(Claim.objects.filter(pk__in=chunk))
        for claim_id in chunk:
            for fund, amount in owed.get(claim_id, {}).items():
                if amount:
                    lines.append(PlannedLine(claim_id, hospitals[claim_id], fund, BatchLine.Kind.PAYOUT, amount))
    return lines


def _adjustment_lines(rows: Iterable[tuple]) -> list[PlannedLine]:
    lines = []
    for pk, claim_id, hospital_id, fund, before, after in rows:
        difference = after - before
        kind = BatchLine.Kind.TOP_UP if difference > 0 else BatchLine.Kind.RECOVERY
        lines.append(PlannedLine(claim_id, hospital_id, fund, kind, difference, adjustment_id=pk))
    return lines


ADJUSTMENT_FIELDS = ("pk", "claim_id", "claim__hospital_id", "fund", "before", "after")


def _validate(user: User, *, through: datetime.date, area: str, paid_on: datetime.date | None) -> str:
    ensure_permitted(user, PERMISSION, "记录拨付")
    prefix = area_within(user, area)
    if paid_on is not None and paid_on < through:
        raise ValidationError(PAID_ON_BEFORE_THROUGH.format(paid_on=paid_on, through=through),
                              code="paid_on_before_through")
    if paid_on is not None and paid_on > timezone.localdate():
        raise ValidationError(PAID_ON_FUTURE.format(paid_on=paid_on), code="paid_on_future")
    return prefix


def batch_plan(*, user: User, through: datetime.date, area: str = "", hospital: Hospital | None = None,
               paid_on: datetime.date | None = None) -> BatchPlan:
    """What a batch created now would pay (the preview), writing nothing; refused as ``batch_create`` would be."""
    prefix = _validate(user, through=through, area=area, paid_on=paid_on)
    return _plan(prefix, through, hospital, lock=False)[0]


def _lock_person_years(bills: list[tuple[int, int, datetime.date]]) -> None:
    """Lock the person-years of the due bills (in one order, so two batches never wait on each other)."""
    wanted = {(person, day.year) for _, person, day in bills}
    people = sorted({person for person, _ in wanted})
    for chunk in _chunks(people):
        rows = PersonYear.objects.filter(beneficiary_id__in=chunk, year__in={year for _, year in wanted})
        # by (person, year) across the chunks too: every batch takes the locks in that one order
        list(rows.select_for_update().order_by("beneficiary_id", "year").values_list("pk", flat=True))


def _plan(prefix: str, through: datetime.date, hospital: Hospital | None, *,
          lock: bool) -> tuple[BatchPlan, list[Claim]]:
    """The plan and the due bills; with ``lock`` (inside the writing transaction) under the locks the module
    docstring lists."""
    candidates = list(_due_bills(prefix, through, hospital).order_by("pk")
                      .values_list("pk", "beneficiary_id", "discharged_on"))
    locking = lock and connection.features.has_select_for_update
    if locking:
        _lock_person_years(candidates)
    claims: list[Claim] = []
    for chunk in _chunks([pk for pk, _, _ in candidates]):
        # Read again once locked: a bill paid out or voided meanwhile is no longer due.
        due = Claim.objects.filter(pk__in=chunk, paid_out_on__isnull=True, status=Claim.Status.SETTLED)
        claims += list(due.select_for_update(of=("self",)).order_by("pk") if locking else due.order_by("pk"))
    adjustments = _open_adjustments(prefix, hospital).order_by("pk")
    if locking:
        rows = []
        locked = list(adjustments.select_for_update(of=("self",)).values_list("pk", flat=True))
        for chunk in _chunks(locked):
            # Read again once locked: a batch that held them meanwhile has settled them.
            rows += list(_open_adjustments(prefix, hospital).filter(pk__in=chunk).order_by("pk")
                         .values_list(*ADJUSTMENT_FIELDS))
    else:
        rows = list(adjustments.values_list(*ADJUSTMENT_FIELDS))
    plan = BatchPlan(through=through, area=prefix, hospital=hospital, bill_ids=[c.pk for c in claims])
    plan.lines = _payout_lines([(c.pk, c.hospital_id) for c in claims]) + _adjustment_lines(rows)
    return plan, claims


def _next_number(paid_on: datetime.date) -> str:
    month = f"{paid_on:%Y-%m}"
    BatchSequence.objects.get_or_create(month=month)
    sequence = BatchSequence.objects.select_for_update().get(month=month)
    sequence.last += 1
    sequence.save(update_fields=["last"])
    return f"{month}-{sequence.last:03d}"


def batch_create(
    *,
    user: User,
    through: datetime.date,
    paid_on: datetime.date,
    area: str = "",
    hospital: Hospital | None = None,
    note: str = "",
    expected: tuple[int, Decimal] | None = None,
) -> PaymentBatch | None:
    """Pay every due bill and every open adjustment of the area (see the module docstring) in one batch.

    Returns None, writing nothing, when nothing is due. ``expected`` (lines, total), from the preview the user
    confirmed, refuses a batch that would now pay something else."""
    prefix = _validate(user, through=through, area=area, paid_on=paid_on)
    try:
        with transaction.atomic():
            return _batch_write(user=user, prefix=prefix, through=through, paid_on=paid_on, hospital=hospital,
                                note=note, expected=expected)
    except IntegrityError:
        raise ValidationError(CONCURRENT, code="concurrent_batch") from None


def _batch_write(*, user, prefix, through, paid_on, hospital, note, expected) -> PaymentBatch | None:
    number = _next_number(paid_on)
    plan, claims = _plan(prefix, through, hospital, lock=True)
    if expected is not None and expected != (len(plan.lines), plan.total):
        raise ValidationError(PLAN_CHANGED.format(expected_lines=expected[0], expected_total=f"{expected[1]:,.2f}",
                                                  lines=len(plan.lines), total=f"{plan.total:,.2f}"),
                              code="plan_changed")
    if plan.empty:
        transaction.set_rollback(True)  # not even the number is used up
        return None
    batch = PaymentBatch.objects.create(
        number=number, paid_on=paid_on, through=through, area_code=prefix, hospital=hospital,
        bills=len(claims), total=plan.total, note=note.strip(), created_by=user,
    )
    BatchLine.objects.bulk_create(
        [BatchLine(batch=batch, claim_id=line.claim_id, hospital_id=line.hospital_id, fund=line.fund, kind=line.kind,
                   amount=line.amount, adjustment_id=line.adjustment_id) for line in plan.lines],
        batch_size=CHUNK,
    )
    for claim in claims:
        claim.paid_out_on = paid_on
    # With a history row for each bill naming the user and the batch, as every change a person makes.
    bulk_update_with_history(claims, Claim, ["paid_out_on"], batch_size=CHUNK, default_user=user,
                             default_change_reason=f"拨付批次 {number}")
    return batch

