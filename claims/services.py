"""Settling bills through the engine and keeping every person-year consistent.

Bills of one person in one year are settled in date order, then entry order, because year-scoped
layers and annual caps depend on what came before (reimbursement.md). Entering a bill dated before
bills already settled, voiding a bill, or correcting a policy therefore re-settles the later bills
of that person-year. Each re-settlement that changes anything writes a new Settlement and marks the
old one superseded; a moved payment on a bill already paid out becomes an Adjustment.

Two clerks settling bills of one person at once are serialised by locking the person-year row
(``select_for_update``; SQLite serialises writing transactions by itself).
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, Sum
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from accounts.models import User
from accounts.services import area_within, ensure_in_area, ensure_permitted
from beneficiaries.models import Beneficiary, CategoryHolding, Enrollment
from claims.models import Adjustment, Claim, Hospital, PersonYear, Settlement, SettlementPayment
from claims.selectors import YearFacts, engine_bill, hospital_names
from claims.signals import PersonYearSettled, person_years_settled
from policies import engine
from policies.document import FUNDS
from policies.models import PolicyVersion
from policies.selectors import current_version, parsed_policy, policy_in_force

NO_POLICY = "{year} 年没有适用于 {area} 的报销政策，请先载入政策。"
PERSON_INACTIVE = "{name} 已于 {day} {status}，此后的账单不能结算。"
DUPLICATE = "该人员在同一医疗机构、同样日期已有账单（{claims}），请核对是否重复录入。"


@dataclass(frozen=True)
class PaymentChange:
    claim: int
    layer: str
    before: Decimal
    after: Decimal
    name: str = ""  # the layer's name, for pages; the commands' JSON keeps the keys of commands.md

    def as_dict(self, *, named: bool = False) -> dict:
        row = {"claim": self.claim, "layer": self.layer, "before": str(self.before), "after": str(self.after)}
        return row | {"name": self.name} if named else row


@dataclass
class SettleOutcome:
    claim: Claim
    created: bool = True
    changes: list[PaymentChange] = field(default_factory=list)
    resettled: list[int] = field(default_factory=list)  # other claims of the person-year that changed


@dataclass(frozen=True)
class BillFacts:
    """What a clerk enters for one bill."""

    hospital: Hospital
    visit_type: str
    discharged_on: datetime.date
    total: Decimal
    in_catalog: Decimal
    admitted_on: datetime.date | None = None
    diagnoses: tuple[dict, ...] = ()
    recorded: dict[str, Decimal] = field(default_factory=dict)
    pay_later: bool = False
    referred: bool = False
    admission_number: str = ""
    invoice_number: str = ""


def recorded_layers(
    version: PolicyVersion, visit_type: str, hospital_level: str, by_fund: dict[str, Decimal]
) -> dict[str, Decimal]:
    """Amounts the platform paid per fund, each put on the first layer of that fund (in policy order)
    that applies to the bill's visit type and hospital level (reimbursement.md); refused where none does."""
    recorded, errors = {}, {}
    for fund, amount in by_fund.items():
        layer = next(
            (layer for layer in parsed_policy(version).layers
             if layer.fund == fund and visit_type in layer.visit_types and hospital_level in layer.hospital_levels),
            None,
        )
        if layer is None:
            errors[f"recorded_{fund}"] = f"政策“{version.policy.name}”中没有适用于此类账单的{FUNDS[fund]}层次，无法记录已结算金额。"
        else:
            recorded[layer.code] = amount
    if errors:
        raise ValidationError(errors, code="no_layer_for_fund")
    return recorded


def _key(claim: Claim) -> tuple:
    return (claim.discharged_on, claim.pk)


def lock_person_year(person_id: int, year: int) -> PersonYear:
    PersonYear.objects.get_or_create(beneficiary_id=person_id, year=year)
    return PersonYear.objects.select_for_update().get(beneficiary_id=person_id, year=year)


class PersonYearFacts(YearFacts):
    """The categories and insurances of one person in one year, read once for all its bills."""

    def __init__(self, person: Beneficiary, year: int):
        first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        super().__init__(
            CategoryHolding.objects.filter(beneficiary=person).during(first, last).values_list(
                "category__code", "start", "end"
            ),
            Enrollment.objects.filter(beneficiary=person, year=year, status=Enrollment.Status.ENROLLED).values_list(
                "insurance__code", flat=True
            ),
        )


def policy_version_for(person: Beneficiary, year: int) -> PolicyVersion:
    policy = policy_in_force(person.village_id, year)
    version = current_version(policy) if policy else None
    if version is None:
        raise ValidationError(NO_POLICY.format(year=year, area=person.village.full_name), code="no_policy")
    return version


def claim_input(claim: Claim, facts: YearFacts) -> engine.ClaimInput:
    """The engine's bill: the hospital's code and 县域内 from its record, the person's birth date and
    sex from their ID number, 转诊 from the bill (``selectors.engine_bill``, which the year-wide reader
    of 政策试算 uses too)."""
    person, hospital = claim.beneficiary, claim.hospital
    return engine_bill(
        claim_id=claim.pk, person_id=claim.beneficiary_id, facts=facts, visit_type=claim.visit_type,
        hospital_level=hospital.level, hospital_code=hospital.code, in_county=hospital.in_county,
        diagnoses=claim.diagnoses, day=claim.discharged_on, total=claim.total, in_catalog=claim.in_catalog,
        recorded=claim.recorded, referred=claim.referred, birth_date=person.birth_date, sex=person.sex,
    )


def _check_with_engine(version: PolicyVersion, claim: Claim, facts: PersonYearFacts) -> None:
    """Refuse before writing anything what the engine would refuse (unknown recorded layer, amounts)."""
    issues = engine.check_claim(parsed_policy(version), claim_input(claim, facts))
    if issues:
        raise ValidationError({_form_field(issue.field): issue.message for issue in issues}, code="bad_claim")


def _form_field(engine_field: str) -> str:
    return "recorded" if engine_field.startswith("recorded") else engine_field


def _write_settlement(claim, version, result: engine.ClaimSettlement, facts, reason, user) -> Settlement:
    settlement = Settlement.objects.create(
        claim=claim,
        policy_version=version,
        reason=reason,
        total=result.total,
        personal=result.personal,
        in_catalog_personal=result.in_catalog_personal,
        categories=sorted(facts.categories_on(claim.discharged_on)),
        insurances=sorted(facts.insurances),
        settled_by=user,
        **result.by_fund,
    )
    SettlementPayment.objects.bulk_create(
        SettlementPayment(
            settlement=settlement, position=position, layer=p.layer, name=p.name, fund=p.fund, amount=p.amount,
            base_added=p.base_added, applied=p.applied, recorded=p.recorded, explanation=p.explanation,
        )
        for position, p in enumerate(result.payments)
    )
    return settlement


def _same(old: Settlement, version: PolicyVersion, result: engine.ClaimSettlement) -> bool:
    """Same version, amounts and bases: a reworded explanation alone does not make a new settlement."""
    stored = [(p.layer, p.amount, p.base_added) for p in old.payments.all()]
    computed = [(p.layer, p.amount, p.base_added) for p in result.payments]
    return old.policy_version_id == version.pk and stored == computed


def _person_year_claims(person_id: int, year: int) -> list[Claim]:
    return list(
        Claim.objects.filter(beneficiary_id=person_id, discharged_on__year=year, status=Claim.Status.SETTLED)
        .select_related("hospital", "beneficiary")
        .prefetch_related(
            Prefetch(
                "settlements",
                queryset=Settlement.objects.filter(superseded_at__isnull=True).select_related("policy_version")
                .prefetch_related("payments"),
                to_attr="current",
            )
        )
        .order_by("discharged_on", "id")
    )


def resettle_person_year(
    *,
    person: Beneficiary,
    year: int,
    since: tuple,
    reason: str,
    user: User,
    version_for: Callable[[Claim, Settlement | None], PolicyVersion],
    cause: str,
    locked: PersonYear,
) -> list[PaymentChange]:
    """Settle (again) every bill of the person-year from ``since`` (a (date, id) key) on, in order,
    and announce the person-year's new personal total (``person_years_settled``, for ``cause``).

    Bills before ``since`` keep their settlements and only feed the year-to-date totals. Must run
    inside a transaction holding the person-year lock (``locked``, as ``lock_person_year`` returned it).
    """
    facts = PersonYearFacts(person, year)
    ytd = engine.YearToDate()
    personal = Decimal("0.00")
    changes: list[PaymentChange] = []
    now = timezone.now()
    names: dict[int, dict[str, str]] = {}  # hospital names by policy version, read once for the person-year
    for claim in _person_year_claims(person.pk, year):
        old = claim.current[0] if claim.current else None
        if _key(claim) < since and old is not None:
            ytd = ytd.after(old.payments.all())
            personal += old.personal
            continue
        version = version_for(claim, old)
        policy = parsed_policy(version)
        if version.pk not in names:
            names[version.pk] = hospital_names(policy)
        result, ytd = engine.settle_claim(policy, claim_input(claim, facts), ytd, hospital_names=names[version.pk])
        personal += result.personal
        if old is not None and _same(old, version, result):
            continue
        if old is not None:
            Settlement.objects.filter(pk=old.pk).update(superseded_at=now)
        settlement = _write_settlement(claim, version, result, facts, reason if old else Settlement.Reason.INITIAL,
                                       user)
        if old is not None:
            moved = _moved_payments(claim, old, settlement, result, user)
            changes.extend(moved)
    settled = PersonYearSettled(person.pk, person.village_id, year, personal, facts.held, locked.relief)
    person_years_settled.send(sender=Claim, person_years=[settled], user=user, cause=cause)
    return changes


def person_year_announce(*, person: Beneficiary, year: int, user: User, cause: str, locked: PersonYear) -> None:
    """Announce the person-year as it stands (``person_years_settled``) when something besides its bills
    changed it (a grant's relief): its personal total read from the current settlements, no bill settled
    again. Must run inside a transaction holding the person-year lock (``locked``)."""
    personal = (
        Settlement.objects.current().filter(claim__beneficiary_id=person.pk, claim__discharged_on__year=year)
        .aggregate(total=Sum("personal"))["total"]
    )
    settled = PersonYearSettled(person.pk, person.village_id, year, engine.quantize_money(Decimal(personal or 0)),
                                PersonYearFacts(person, year).held, locked.relief)
    person_years_settled.send(sender=Claim, person_years=[settled], user=user, cause=cause)


def _moved_payments(claim, old: Settlement, new: Settlement, result, user) -> list[PaymentChange]:
    before = {p.layer: p for p in old.payments.all()}
    moved, adjustments = [], []
    for payment in result.payments:
        previous = before[payment.layer].amount if payment.layer in before else Decimal("0.00")
        if previous != payment.amount:
            moved.append(PaymentChange(claim.pk, payment.layer, previous, payment.amount, payment.name))
            if claim.paid_out_on:
                adjustments.append(Adjustment(
                    claim=claim, settlement=new, layer=payment.layer, name=payment.name, fund=payment.fund,
                    before=previous, after=payment.amount, created_by=user,
                    kind=Adjustment.Kind.TOP_UP if payment.amount > previous else Adjustment.Kind.RECOVERY,
                ))
    Adjustment.objects.bulk_create(adjustments)
    return moved


def keep_version(claim: Claim, old: Settlement | None) -> PolicyVersion:
    """Re-settlement after a void or an earlier bill keeps each bill's policy version."""
    return old.policy_version if old is not None else policy_version_for(claim.beneficiary, claim.year)


def claim_duplicates(*, person: Beneficiary, bill: BillFacts) -> list[Claim]:
    return list(
        Claim.objects.filter(
            beneficiary=person, hospital=bill.hospital, admitted_on=bill.admitted_on,
            discharged_on=bill.discharged_on, status=Claim.Status.SETTLED,
        )
    )


def _validate_bill(person: Beneficiary, bill: BillFacts) -> None:
    errors: dict[str, str] = {}
    if bill.in_catalog > bill.total:
        errors["in_catalog"] = "政策范围内费用不能超过总费用。"
    if bill.total < 0 or bill.in_catalog < 0:
        errors["total"] = "金额不能为负数。"
    if bill.admitted_on and bill.admitted_on > bill.discharged_on:
        errors["admitted_on"] = "入院日期不能晚于出院日期。"
    if bill.discharged_on > timezone.localdate():
        errors["discharged_on"] = "出院/就诊日期不能晚于今天。"
    if not person.active_on(bill.discharged_on):
        errors["discharged_on"] = PERSON_INACTIVE.format(
            name=person.name, day=person.status_date, status=person.get_status_display()
        )
    if errors:
        raise ValidationError(errors, code="bad_bill")


@transaction.atomic
def claim_settle(
    *,
    user: User,
    person: Beneficiary,
    bill: BillFacts,
    submission: uuid.UUID | None = None,
    allow_duplicate: bool = False,
    origin: str = Claim.Origin.WINDOW,
) -> SettleOutcome:
    """Enter one bill and settle it through every layer at once (一站式), in one transaction.

    A repeated ``submission`` (a double-clicked button) returns the bill already entered. A bill
    with the same person, hospital and dates as a settled one is refused unless ``allow_duplicate``.
    """
    ensure_permitted(user, "claims.add_claim", "结算账单")
    ensure_in_area(user, person.village_id, person.name)
    year = bill.discharged_on.year
    # Looked for under the person-year's lock: a form sent twice at once (a double click) waits here for the
    # first to commit, then finds its bill instead of entering it again (and failing on the unique submission).
    locked = lock_person_year(person.pk, year)
    if submission is not None:
        existing = Claim.objects.filter(submission=submission).first()
        if existing is not None:
            return SettleOutcome(claim=existing, created=False)
    _validate_bill(person, bill)
    if not allow_duplicate:
        duplicates = claim_duplicates(person=person, bill=bill)
        if duplicates:
            listed = "、".join(f"#{c.pk}" for c in duplicates)
            raise ValidationError(DUPLICATE.format(claims=listed), code="duplicate")
    version = policy_version_for(person, year)
    claim = Claim(
        beneficiary=person, hospital=bill.hospital, visit_type=bill.visit_type, admitted_on=bill.admitted_on,
        discharged_on=bill.discharged_on, diagnoses=list(bill.diagnoses), total=bill.total,
        in_catalog=bill.in_catalog, recorded={k: str(v) for k, v in bill.recorded.items()},
        pay_later=bill.pay_later, referred=bill.referred, admission_number=bill.admission_number,
        invoice_number=bill.invoice_number, submission=submission, entered_by=user, origin=origin,
    )
    _check_with_engine(version, claim, PersonYearFacts(person, year))
    claim._history_user = user
    claim.save()
    try:
        changes = resettle_person_year(
            person=person, year=year, since=_key(claim), reason=Settlement.Reason.EARLIER_BILL, user=user,
            version_for=keep_version, cause=f"结算账单 #{claim.pk}", locked=locked,
        )
    except engine.ClaimError as exc:
        raise ValidationError({_form_field(i.field): i.message for i in exc.errors}, code="bad_claim") from None
    return SettleOutcome(claim=claim, changes=changes, resettled=sorted({c.claim for c in changes} - {claim.pk}))


@transaction.atomic
def claim_void(*, user: User, claim: Claim, reason: str) -> SettleOutcome:
    """Void a bill (kept, with its reason) and re-settle the person's later bills of that year."""
    ensure_permitted(user, "claims.change_claim", "作废账单")
    ensure_in_area(user, claim.beneficiary.village_id, claim.beneficiary.name)
    if not reason.strip():
        raise ValidationError({"reason": "请填写作废原因。"}, code="reason_required")
    locked = lock_person_year(claim.beneficiary_id, claim.year)
    claim.refresh_from_db()
    if claim.status == Claim.Status.VOIDED:
        raise ValidationError("该账单已作废。", code="already_voided")
    claim.status = Claim.Status.VOIDED
    claim.void_reason = reason.strip()
    claim.voided_by = user
    claim.voided_at = timezone.now()
    claim._history_user = user
    claim.save(update_fields=["status", "void_reason", "voided_by", "voided_at"])
    last = claim.settlements.filter(superseded_at__isnull=True).prefetch_related("payments").first()
    if claim.paid_out_on and last is not None:
        Adjustment.objects.bulk_create(
            Adjustment(claim=claim, settlement=last, layer=p.layer, name=p.name, fund=p.fund, before=p.amount,
                       after=Decimal("0.00"), kind=Adjustment.Kind.RECOVERY, created_by=user)
            for p in last.payments.all() if p.amount
        )
    changes = resettle_person_year(
        person=claim.beneficiary, year=claim.year, since=_key(claim), reason=Settlement.Reason.VOID, user=user,
        version_for=keep_version, cause=f"作废账单 #{claim.pk}", locked=locked,
    )
    return SettleOutcome(claim=claim, created=False, changes=changes, resettled=sorted({c.claim for c in changes}))


def resettle_year(*, user: User, year: int, area: str = "") -> tuple[int, list[PaymentChange]]:
    """Re-settle every bill of a year with the current policy versions (after a policy correction).

    Each person-year is its own transaction, so a long run holds no lock for long.
    """
    ensure_permitted(user, "claims.resettle_claims", "重新结算年度账单")
    prefix = area_within(user, area)
    people = (
        Claim.objects.within(prefix).filter(discharged_on__year=year, status=Claim.Status.SETTLED)
        .values_list("beneficiary_id", flat=True).distinct()
    )
    claims = 0
    changes: list[PaymentChange] = []
    for person in Beneficiary.objects.filter(pk__in=list(people)).order_by("pk"):
        with transaction.atomic():
            locked = lock_person_year(person.pk, year)
            version = policy_version_for(person, year)
            claims += Claim.objects.filter(beneficiary=person, discharged_on__year=year,
                                           status=Claim.Status.SETTLED).count()
            changes += resettle_person_year(
                person=person, year=year, since=(datetime.date.min, 0), reason=Settlement.Reason.POLICY, user=user,
                version_for=lambda claim, old: version, cause="政策修订后重算", locked=locked,
            )
    return claims, changes


@transaction.atomic
def hospitals_accept(*, user: User, hospitals: Iterable[Hospital]) -> int:
    """Accept hospitals a clerk's import proposed: from then on every window and import may use them."""
    ensure_permitted(user, "claims.accept_hospital", "确认新的医疗机构")
    proposed = [hospital for hospital in hospitals if hospital.status == Hospital.Status.PROPOSED]
    for hospital in proposed:
        hospital.status = Hospital.Status.ACCEPTED
    bulk_update_with_history(proposed, Hospital, ["status"], default_user=user)
    return len(proposed)
