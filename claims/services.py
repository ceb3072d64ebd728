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

import dataclasses
import datetime
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, Sum
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts.adminscope import covers_county
from accounts.models import User
from accounts.services import area_within, ensure_in_area, ensure_permitted
from beneficiaries.models import Beneficiary, CategoryHolding, Enrollment
from claims.models import Adjustment, Claim, Hospital, PersonYear, Settlement, SettlementPayment
from claims.selectors import YearFacts, engine_bill, hospital_names
from claims.signals import PersonYearSettled, person_years_settled
from config.bulk import insert_rows
from policies import engine
from policies.document import FUNDS
from policies.models import PolicyVersion
from policies.selectors import parsed_policy, versions_in_force
from regions.codes import Level
from regions.models import Region

NO_POLICY = "{year} 年没有适用于 {area} 的报销政策，请先载入政策。"
PERSON_INACTIVE = "{name} 已于 {day} {status}，此后的账单不能结算。"
DUPLICATE = "该人员在同一医疗机构、同样日期已有账单（{claims}），请核对是否重复录入。"
CLASSIFY_COUNTY_WIDE = "医疗机构的县域内/县域外分类会改变全县的结算，只有县级及以上管辖区域的管理员可以分类。"
TOWNSHIP_OUT_OF_COUNTY = "只有县域内的医疗机构填写所在乡镇。"
TOWNSHIP_LEVEL = "所在乡镇应为乡镇（街道），“{region}”不是。"
BATCH = 1000  # rows per INSERT of the bulk paths
PAYMENT_COLUMNS = ("settlement_id", "position", "layer", "name", "fund", "amount", "base_added", "applied",
                   "recorded", "explanation")


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
    platform_settlement_id: str = ""  # the platform's setl_id, when the platform settled the bill
    submission: uuid.UUID | None = None  # the window's form, so that a form sent twice enters one bill


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
    return lock_person_years([(person_id, year)])[(person_id, year)]


def lock_person_years(pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], PersonYear]:
    """Lock these (person id, year) rows, made first where missing, in key order: two batches that share
    person-years then wait for each other instead of deadlocking (SQLite serialises writers by itself)."""
    pairs = set(pairs)
    PersonYear.objects.bulk_create([PersonYear(beneficiary_id=person, year=year) for person, year in pairs],
                                   ignore_conflicts=True, batch_size=BATCH)
    rows = PersonYear.objects.select_for_update().filter(
        beneficiary_id__in={person for person, _ in pairs}, year__in={year for _, year in pairs}).order_by("pk")
    return {(row.beneficiary_id, row.year): row for row in rows if (row.beneficiary_id, row.year) in pairs}


def person_years_facts(pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], YearFacts]:
    """The categories held on some day of the year and the insurances enrolled in, of each (person id, year):
    two queries whatever their number."""
    pairs = set(pairs)
    if not pairs:
        return {}
    people, years = {person for person, _ in pairs}, {year for _, year in pairs}
    holdings: dict[int, list] = defaultdict(list)
    for person, code, start, end in (
        CategoryHolding.objects.filter(beneficiary_id__in=people)
        .during(datetime.date(min(years), 1, 1), datetime.date(max(years), 12, 31))
        .values_list("beneficiary_id", "category__code", "start", "end")
    ):
        holdings[person].append((code, start, end))
    insurances: dict[tuple[int, int], list[str]] = defaultdict(list)
    for person, year, code in Enrollment.objects.filter(
        beneficiary_id__in=people, year__in=years, status=Enrollment.Status.ENROLLED
    ).values_list("beneficiary_id", "year", "insurance__code"):
        insurances[(person, year)].append(code)
    return {
        # In force on some day of the year, as ``HoldingQuerySet.during`` reads it for one year.
        (person, year): YearFacts(
            [(code, start, end) for code, start, end in holdings[person]
             if start <= datetime.date(year, 12, 31) and (end is None or end >= max(start, datetime.date(year, 1, 1)))],
            insurances[(person, year)],
        )
        for person, year in pairs
    }


def person_year_facts(person: Beneficiary, year: int) -> YearFacts:
    return person_years_facts([(person.pk, year)])[(person.pk, year)]


def policy_version_for(person: Beneficiary, year: int) -> PolicyVersion:
    return version_in_force(versions_in_force([(person.village_id, year)]), person, year)


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


def _check_with_engine(version: PolicyVersion, claim: Claim, facts: YearFacts) -> None:
    """Refuse before writing anything what the engine would refuse (unknown recorded layer, amounts)."""
    issues = engine.check_claim(parsed_policy(version), claim_input(claim, facts))
    if issues:
        raise ValidationError({_form_field(issue.field): issue.message for issue in issues}, code="bad_claim")


def _form_field(engine_field: str) -> str:
    return "recorded" if engine_field.startswith("recorded") else engine_field


def _settlement(claim, version, result: engine.ClaimSettlement, facts, reason, user) -> Settlement:
    return Settlement(
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


def _same(old: Settlement, version: PolicyVersion, result: engine.ClaimSettlement) -> bool:
    """Same version, amounts and bases: a reworded explanation alone does not make a new settlement."""
    stored = [(p.layer, p.amount, p.base_added) for p in old.payments.all()]
    computed = [(p.layer, p.amount, p.base_added) for p in result.payments]
    return old.policy_version_id == version.pk and stored == computed


def _person_years_claims(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], list[Claim]]:
    """The settled bills of these (person id, year)s in date order, then entry order, each with its current
    settlement and that settlement's payments (``claim.current``): three queries."""
    found: dict[tuple[int, int], list[Claim]] = {pair: [] for pair in pairs}
    if not pairs:
        return found
    years = {year for _, year in pairs}
    claims = (
        Claim.objects.filter(beneficiary_id__in={person for person, _ in pairs}, status=Claim.Status.SETTLED,
                             discharged_on__gte=datetime.date(min(years), 1, 1),
                             discharged_on__lte=datetime.date(max(years), 12, 31))
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
    for claim in claims:
        bills = found.get((claim.beneficiary_id, claim.discharged_on.year))
        if bills is not None:
            bills.append(claim)
    return found


@dataclass(frozen=True)
class PersonYearWork:
    """A person-year to settle again from ``since`` (a (date, id) key) on, under its lock (``locked``)."""

    person: Beneficiary
    year: int
    since: tuple
    locked: PersonYear


def resettle_person_years(
    works: list[PersonYearWork],
    *,
    reason: str,
    user: User,
    version_for: Callable[[Claim, Settlement | None], PolicyVersion],
    cause: str,
    facts: dict[tuple[int, int], YearFacts] | None = None,
) -> list[PaymentChange]:
    """Settle (again) every bill of each person-year from its ``since`` on, in order, and announce the
    person-years' new personal totals (``person_years_settled``, for ``cause``).

    Bills before ``since`` keep their settlements and only feed the year-to-date totals. Reads and writes take
    a few statements whatever the number of person-years (an import, a push of the platform's settlements).
    Must run inside a transaction holding the person-years' locks.
    """
    pairs = {(work.person.pk, work.year) for work in works}
    # ``facts``: the person-years' categories and enrollment when the caller has read them already (a batch
    # checks its bills with them under the same locks).
    facts_of = facts if facts is not None else person_years_facts(pairs)
    claims_of = _person_years_claims(pairs)
    now = timezone.now()
    names: dict[int, dict[str, str]] = {}  # hospital names by policy version, read once
    written: list[tuple[Settlement, engine.ClaimSettlement]] = []
    replaced: list[tuple[Claim, Settlement, Settlement, engine.ClaimSettlement]] = []
    announced = []
    for work in works:
        facts = facts_of[(work.person.pk, work.year)]
        ytd = engine.YearToDate()
        personal = Decimal("0.00")
        for claim in claims_of[(work.person.pk, work.year)]:
            old = claim.current[0] if claim.current else None
            if _key(claim) < work.since and old is not None:
                ytd = ytd.after(old.payments.all())
                personal += old.personal
                continue
            version = version_for(claim, old)
            policy = parsed_policy(version)
            if version.pk not in names:
                names[version.pk] = hospital_names(policy)
            result, ytd = engine.settle_claim(policy, claim_input(claim, facts), ytd,
                                              hospital_names=names[version.pk])
            personal += result.personal
            if old is not None and _same(old, version, result):
                continue
            settlement = _settlement(claim, version, result, facts,
                                     reason if old else Settlement.Reason.INITIAL, user)
            written.append((settlement, result))
            if old is not None:
                replaced.append((claim, old, settlement, result))
        announced.append(PersonYearSettled(work.person.pk, work.person.village_id, work.year, personal, facts.held,
                                           work.locked.relief))
    # The old settlements step down before the new ones are written: a bill has one current settlement.
    Settlement.objects.filter(pk__in=[old.pk for _, old, _, _ in replaced]).update(superseded_at=now)
    Settlement.objects.bulk_create([settlement for settlement, _ in written], batch_size=BATCH)
    # Ten payment rows a bill: written as tuples (config.bulk), not model objects, the most rows of a batch.
    insert_rows(SettlementPayment, PAYMENT_COLUMNS, (
        (settlement.pk, position, p.layer, p.name, p.fund, p.amount, p.base_added, p.applied, p.recorded,
         p.explanation)
        for settlement, result in written for position, p in enumerate(result.payments)
    ))
    changes, adjustments = [], []
    for claim, old, new, result in replaced:
        moved, owed = _moved_payments(claim, old, new, result, user)
        changes += moved
        adjustments += owed
    Adjustment.objects.bulk_create(adjustments, batch_size=BATCH)
    person_years_settled.send(sender=Claim, person_years=announced, user=user, cause=cause)
    return changes


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
    """``resettle_person_years`` for one person-year (``locked`` as ``lock_person_year`` returned it)."""
    return resettle_person_years([PersonYearWork(person, year, since, locked)], reason=reason, user=user,
                                 version_for=version_for, cause=cause)


def person_year_announce(*, person: Beneficiary, year: int, user: User, cause: str, locked: PersonYear) -> None:
    """Announce the person-year as it stands (``person_years_settled``) when something besides its bills
    changed it (a grant's relief): its personal total read from the current settlements, no bill settled
    again. Must run inside a transaction holding the person-year lock (``locked``)."""
    personal = (
        Settlement.objects.current().filter(claim__beneficiary_id=person.pk, claim__discharged_on__year=year)
        .aggregate(total=Sum("personal"))["total"]
    )
    settled = PersonYearSettled(person.pk, person.village_id, year, engine.quantize_money(Decimal(personal or 0)),
                                person_year_facts(person, year).held, locked.relief)
    person_years_settled.send(sender=Claim, person_years=[settled], user=user, cause=cause)


def _moved_payments(claim, old: Settlement, new: Settlement, result, user) -> tuple[list[PaymentChange],
                                                                                list[Adjustment]]:
    """The payments that moved from ``old`` to ``new``, and the 补付 / 追回 they owe on a bill already paid out."""
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
    return moved, adjustments


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


def _entered_before(bills: list[BillFacts]) -> dict[int, Claim]:
    """The bills entered already (position in ``bills`` → bill): a form sent twice (its ``submission``) or a
    settlement the platform sends again (its ID). Read under the person-years' locks, so a copy sent at the same
    moment waits for the first to commit and then finds its bill."""
    found = {}
    for name in ("submission", "platform_settlement_id"):
        keys = {getattr(bill, name): index for index, bill in enumerate(bills) if getattr(bill, name)}
        if keys:
            for claim in Claim.objects.filter(**{f"{name}__in": keys}):
                found.setdefault(keys[getattr(claim, name)], claim)
    return found


def version_in_force(versions: dict, person: Beneficiary, year: int) -> PolicyVersion:
    """The person's version from ``versions_in_force``'s answer, refused when there is none."""
    version = versions.get((person.village_id, year))
    if version is None:
        raise ValidationError(NO_POLICY.format(year=year, area=person.village.full_name), code="no_policy")
    return version


@dataclass
class BatchOutcome:
    claims: list[Claim]  # the bill of each bill given, in order: new, or entered before
    created: list[bool]
    changes: list[PaymentChange]  # payments that moved on bills settled before


class BillsRefused(Exception):
    """Bills of a batch refused before anything was written: each one's position in the batch → why."""

    def __init__(self, errors: dict[int, ValidationError]):
        super().__init__(errors)
        self.errors = errors


def _new_claim(person: Beneficiary, bill: BillFacts, user: User, origin: str) -> Claim:
    return Claim(
        beneficiary=person, hospital=bill.hospital, visit_type=bill.visit_type, admitted_on=bill.admitted_on,
        discharged_on=bill.discharged_on, diagnoses=list(bill.diagnoses), total=bill.total,
        in_catalog=bill.in_catalog, recorded={k: str(v) for k, v in bill.recorded.items()},
        pay_later=bill.pay_later, referred=bill.referred, admission_number=bill.admission_number,
        invoice_number=bill.invoice_number, platform_settlement_id=bill.platform_settlement_id,
        submission=bill.submission, entered_by=user, origin=origin,
    )


@transaction.atomic
def claims_settle_batch(
    *, user: User, bills: list[tuple[Beneficiary, BillFacts]], origin: str, allow_duplicate: bool = True,
) -> BatchOutcome:
    """Enter bills and settle each through every layer (一站式); a bill entered before (``_entered_before``) is
    answered with its bill and not entered again.

    One way for one bill at the window and for a thousand of an import or the platform's push: the checks run
    bill by bill, but reading and writing take a few statements for the whole batch. All or nothing: refused
    bills raise ``BillsRefused`` naming each of them before anything is written. A bill with the same person,
    hospital and dates as a settled one is refused unless ``allow_duplicate``.
    """
    ensure_permitted(user, "claims.add_claim", "结算账单")
    errors: dict[int, ValidationError] = {}
    pairs = {(person.pk, bill.discharged_on.year) for person, bill in bills}
    # Under the person-years' locks from here: a bill entered at the same moment waits, then is seen.
    locks = lock_person_years(pairs)
    entered = _entered_before([bill for _, bill in bills])
    versions = versions_in_force({(person.village_id, bill.discharged_on.year) for person, bill in bills})
    facts = person_years_facts(pairs)
    answered: list[Claim] = []
    claims = []
    for index, (person, bill) in enumerate(bills):
        year = bill.discharged_on.year
        try:
            ensure_in_area(user, person.village_id, person.name)
            if index in entered:
                answered.append(entered[index])
                continue
            _validate_bill(person, bill)
            if not allow_duplicate and (duplicates := claim_duplicates(person=person, bill=bill)):
                raise ValidationError(DUPLICATE.format(claims="、".join(f"#{c.pk}" for c in duplicates)),
                                      code="duplicate")
            claim = _new_claim(person, bill, user, origin)
            _check_with_engine(version_in_force(versions, person, year), claim, facts[(person.pk, year)])
            claims.append(claim)
            answered.append(claim)
        except ValidationError as exc:
            errors[index] = exc
    if errors:
        raise BillsRefused(errors)
    created = [index not in entered for index in range(len(bills))]
    if not claims:
        return BatchOutcome(answered, created, [])
    bulk_create_with_history(claims, Claim, batch_size=BATCH, default_user=user)
    since: dict[tuple[int, int], tuple] = {}
    for claim in claims:
        pair = (claim.beneficiary_id, claim.year)
        since[pair] = min(since.get(pair, _key(claim)), _key(claim))
    people = {person.pk: person for person, _ in bills}
    works = [PersonYearWork(people[person], year, first, locks[(person, year)])
             for (person, year), first in since.items()]
    cause = f"结算账单 #{claims[0].pk}" if len(claims) == 1 else \
        f"{Claim.Origin(origin).label}结算 {len(claims)} 张账单（#{claims[0].pk} 起）"
    try:
        changes = resettle_person_years(
            works, reason=Settlement.Reason.EARLIER_BILL, user=user, cause=cause, facts=facts,
            # A bill keeps its version when settled again; a new one takes the version in force, read above.
            version_for=lambda claim, old: old.policy_version if old is not None else versions[
                (claim.beneficiary.village_id, claim.year)],
        )
    except engine.ClaimError as exc:
        raise ValidationError({_form_field(i.field): i.message for i in exc.errors}, code="bad_claim") from None
    return BatchOutcome(answered, created, changes)


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

    A repeated ``submission`` (a double-clicked button) or a platform settlement ID already entered (the platform
    sending it again) returns the bill already entered. A bill with the same person, hospital and dates as a
    settled one is refused unless ``allow_duplicate``.
    """
    try:
        outcome = claims_settle_batch(user=user, bills=[(person, dataclasses.replace(bill, submission=submission))],
                                      origin=origin, allow_duplicate=allow_duplicate)
    except BillsRefused as refused:
        raise refused.errors[0] from None
    claim = outcome.claims[0]
    if not outcome.created[0]:
        return SettleOutcome(claim=claim, created=False)
    changes = outcome.changes
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


@dataclass(frozen=True)
class HospitalClassified:
    hospital: Hospital
    moved: bool  # its 县域内 changed, so its bills were settled again
    person_years: int  # the person-years settled again
    changes: list[PaymentChange]


@transaction.atomic
def hospital_classify(*, user: User, hospital: Hospital, in_county: bool,
                      township: Region | None = None) -> HospitalClassified:
    """An administrator's word on where a hospital lies: 县域内 (with its township, if given) or 县域外. From then on
    it counts by that place in the in-county rate; a proposed one is accepted too. Its level and grade are not
    touched. When its 县域内 changes, the engine reads a new fact, so every bill at it of the user's area is
    settled again, each person-year from its first bill at the hospital on (补付 / 追回 on bills paid out)."""
    ensure_permitted(user, "claims.accept_hospital", "为医疗机构分类（县域内/县域外）")
    if not covers_county(user):
        raise ValidationError(CLASSIFY_COUNTY_WIDE, code="not_county_wide")
    if township is not None:
        if not in_county:
            raise ValidationError({"township": TOWNSHIP_OUT_OF_COUNTY}, code="township_out_of_county")
        if township.level != Level.TOWNSHIP:
            raise ValidationError({"township": TOWNSHIP_LEVEL.format(region=township)}, code="not_township")
        ensure_in_area(user, township.code, f"乡镇“{township.name}”")
    locked = Hospital.objects.select_for_update().get(pk=hospital.pk)
    moved = locked.in_county != in_county
    locked.in_county, locked.township = in_county, township
    locked.place_confirmed_by, locked.place_confirmed_at = user, timezone.now()
    locked.status = Hospital.Status.ACCEPTED
    place = f"县域内（{township.name}）" if township else "县域内" if in_county else "县域外"
    locked._history_user = user
    locked._change_reason = f"管理员分类为{place}"
    locked.save(update_fields=["in_county", "township", "place_confirmed_by", "place_confirmed_at", "status"])
    person_years, changes = (_resettle_hospital_bills(user, locked, f"医疗机构“{locked.name}”分类为{place}")
                             if moved else (0, []))
    return HospitalClassified(locked, moved, person_years, changes)


def _resettle_hospital_bills(user: User, hospital: Hospital, cause: str) -> tuple[int, list[PaymentChange]]:
    """Settle again the person-years of the user's area with a bill at ``hospital``, each from its first bill
    there on (the bills before it do not read the hospital), keeping each bill's policy version; inside the
    caller's transaction, ``BATCH`` person-years a round."""
    since: dict[tuple[int, int], tuple] = {}
    for person, day, pk in (Claim.objects.within(user.area_prefix)
                            .filter(hospital=hospital, status=Claim.Status.SETTLED)
                            .values_list("beneficiary_id", "discharged_on", "pk")):
        pair = (person, day.year)
        since[pair] = min(since.get(pair, (day, pk)), (day, pk))
    if not since:
        return 0, []
    locks = lock_person_years(since)
    people = Beneficiary.objects.in_bulk({person for person, _ in since})
    works = [PersonYearWork(people[person], year, first, locks[(person, year)])
             for (person, year), first in sorted(since.items())]
    changes: list[PaymentChange] = []
    for start in range(0, len(works), BATCH):
        changes += resettle_person_years(works[start:start + BATCH], reason=Settlement.Reason.HOSPITAL, user=user,
                                         version_for=keep_version, cause=cause)
    return len(works), changes


@transaction.atomic
def hospitals_classify(*, user: User, places: list[tuple[Hospital, bool, Region | None]]) -> list[HospitalClassified]:
    """Several hospitals classified at once (the page of 待分类 hospitals): all or none."""
    return [hospital_classify(user=user, hospital=hospital, in_county=in_county, township=township)
            for hospital, in_county, township in places]
