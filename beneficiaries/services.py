"""Every change to people, households, category holdings and enrollment goes through these functions.

Each runs in one transaction, checks that the acting user may act in the person's area, and
records the acting user on the history row (django-simple-history) so that the person page can
say who changed what, when, from what to what.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from accounts.models import User
from accounts.services import ensure_in_area, ensure_permitted, save_as
from beneficiaries import idnumbers
from beneficiaries.models import (
    Beneficiary,
    Category,
    CategoryHolding,
    Enrollment,
    Household,
    Insurance,
    LabourCapacity,
)
from regions.models import Region

ID_TAKEN = "身份证号 {number} 已登记为{name}，不能重复登记。"
ID_TAKEN_ELSEWHERE = "该身份证号无法在您的区域登记，请联系县级管理员。"


def _village(code: str, user: User) -> Region:
    try:
        village = Region.objects.get(code=code)
    except Region.DoesNotExist:
        raise ValidationError({"village": f"区划代码 {code} 不存在。"}, code="unknown_village") from None
    if village.level != "village":
        raise ValidationError({"village": f"{village} 不是村（社区），请选择村级区划。"}, code="not_village")
    ensure_in_area(user, village.code, f"{village.name}")
    return village


def _parse_id(raw: str) -> idnumbers.IdNumber:
    try:
        return idnumbers.parse(raw)
    except idnumbers.IdNumberError as exc:
        raise ValidationError({"id_number": exc.message}, code=exc.code) from None


def ensure_id_free(number: str, user: User, exclude_pk: int | None = None) -> None:
    """Refuse an ID number already registered; naming the person only to a user who may see them."""
    other = Beneficiary.objects.filter(id_number=number).exclude(pk=exclude_pk).first()
    if other is None:
        return
    if user.can_see_code(other.village_id):
        raise ValidationError({"id_number": ID_TAKEN.format(number=number, name=other.name)}, code="id_taken")
    raise ValidationError({"id_number": ID_TAKEN_ELSEWHERE}, code="id_taken")


@transaction.atomic
def household_save(
    *,
    user: User,
    household: Household | None = None,
    number: str,
    village_code: str,
    address: str = "",
    poverty_cause: str = "",
    phone: str = "",
) -> Household:
    if household is None:
        ensure_permitted(user, "beneficiaries.add_household", "登记家庭户")
    else:
        ensure_permitted(user, "beneficiaries.change_household", "修改家庭户")
        ensure_in_area(user, household.village_id, f"户 {household.number}")
    household = household or Household()
    household.number = number.strip()
    household.village = _village(village_code, user)
    household.address = address.strip()
    household.poverty_cause = poverty_cause
    household.phone = phone.strip()
    household.full_clean(exclude=["head"])
    return save_as(household, user)


@transaction.atomic
def beneficiary_create(
    *,
    user: User,
    name: str,
    id_number: str,
    village_code: str,
    household: Household | None = None,
    relation: str = "",
    phone: str = "",
) -> Beneficiary:
    ensure_permitted(user, "beneficiaries.add_beneficiary", "登记保障对象")
    parsed = _parse_id(id_number)
    ensure_id_free(parsed.number, user)
    person = Beneficiary(
        name=name.strip(),
        id_number=parsed.number,
        sex=parsed.sex,
        birth_date=parsed.birth_date,
        village=_village(village_code, user),
        household=household,
        relation=relation,
        phone=phone.strip(),
    )
    if household is not None:
        ensure_in_area(user, household.village_id, f"户 {household.number}")
    person.full_clean()
    save_as(person, user)
    _sync_head(person, user)
    return person


@transaction.atomic
def beneficiary_update(
    *,
    user: User,
    person: Beneficiary,
    name: str,
    village_code: str,
    household: Household | None = None,
    relation: str = "",
    phone: str = "",
) -> Beneficiary:
    """Change a person's details; the ID number is changed only by ``beneficiary_correct_id``."""
    ensure_permitted(user, "beneficiaries.change_beneficiary", "修改人员信息")
    ensure_in_area(user, person.village_id, person.name)
    if household is not None:
        ensure_in_area(user, household.village_id, f"户 {household.number}")
    person.name = name.strip()
    person.village = _village(village_code, user)
    person.household = household
    person.relation = relation
    person.phone = phone.strip()
    person.full_clean()
    save_as(person, user)
    _sync_head(person, user)
    return person


def _sync_head(person: Beneficiary, user: User) -> None:
    """The household's head is the member whose relation is 户主."""
    household = person.household
    if household is not None and person.relation == "head" and household.head_id != person.pk:
        household.head = person
        save_as(household, user, update_fields=["head"])


@transaction.atomic
def beneficiary_correct_id(*, user: User, person: Beneficiary, id_number: str, reason: str) -> Beneficiary:
    """Replace a wrongly recorded ID number (administrators only); the old one stays in the history."""
    ensure_permitted(user, "beneficiaries.correct_id_number", "更正身份证号")
    ensure_in_area(user, person.village_id, person.name)
    if not reason.strip():
        raise ValidationError({"reason": "请填写更正原因。"}, code="reason_required")
    parsed = _parse_id(id_number)
    if parsed.number == person.id_number:
        raise ValidationError({"id_number": "新身份证号与原号码相同。"}, code="unchanged")
    ensure_id_free(parsed.number, user, exclude_pk=person.pk)
    person.id_number = parsed.number
    person.sex = parsed.sex
    person.birth_date = parsed.birth_date
    person._change_reason = f"更正身份证号：{reason.strip()}"
    return save_as(person, user)


@transaction.atomic
def beneficiary_set_status(*, user: User, person: Beneficiary, status: str, day: datetime.date) -> Beneficiary:
    """Record death or moving away; the person's holdings end that day and later bills are refused."""
    ensure_permitted(user, "beneficiaries.change_beneficiary", "修改人员状态")
    ensure_in_area(user, person.village_id, person.name)
    if status not in Beneficiary.Status.values:
        raise ValidationError({"status": "未知的人员状态。"}, code="unknown_status")
    person.status = status
    person.status_date = None if status == Beneficiary.Status.ACTIVE else day
    person.full_clean()
    save_as(person, user)
    if status != Beneficiary.Status.ACTIVE:
        for holding in person.holdings.filter(Q(end__isnull=True) | Q(end__gt=day)):
            # A holding that would only have started later is withdrawn: it ends the day before it starts.
            holding.end = day if holding.start <= day else holding.start - datetime.timedelta(days=1)
            holding._change_reason = f"人员{person.get_status_display()}"
            save_as(holding, user, update_fields=["end"])
    return person


@transaction.atomic
def holding_add(
    *,
    user: User,
    person: Beneficiary,
    category: Category,
    start: datetime.date,
    end: datetime.date | None = None,
    source: str | None = None,
    note: str = "",
) -> CategoryHolding:
    ensure_permitted(user, "beneficiaries.add_categoryholding", "添加类别认定")
    ensure_in_area(user, person.village_id, person.name)
    if end is not None and end < start:
        raise ValidationError({"end": "终止日期不能早于起始日期。"}, code="end_before_start")
    overlapping = person.holdings.filter(category=category).during(start, end or datetime.date.max)
    if overlapping.exists():
        raise ValidationError(
            {"category": f"该人员在这段时间已有“{category.name}”认定，请先结束原认定。"}, code="overlap"
        )
    holding = CategoryHolding(
        beneficiary=person,
        category=category,
        source=source or category.source,
        start=start,
        end=end,
        recorded_by=user,
        note=note,
    )
    holding.full_clean()
    return save_as(holding, user)


@transaction.atomic
def holding_end(*, user: User, holding: CategoryHolding, end: datetime.date, note: str = "") -> CategoryHolding:
    ensure_permitted(user, "beneficiaries.change_categoryholding", "终止类别认定")
    ensure_in_area(user, holding.beneficiary.village_id, holding.beneficiary.name)
    if end < holding.start - datetime.timedelta(days=1):
        raise ValidationError({"end": "终止日期不能早于起始日期。"}, code="end_before_start")
    holding.end = end
    if note:
        holding.note = note
    return save_as(holding, user, update_fields=["end", "note"])


@transaction.atomic
def enrollment_record(
    *,
    user: User,
    person: Beneficiary,
    year: int,
    insurance: Insurance,
    status: str,
    subsidy: Decimal = Decimal("0"),
    reason: str = "",
    note: str = "",
) -> Enrollment:
    """Record (or change) the person's enrollment in one insurance for one year."""
    ensure_permitted(user, "beneficiaries.add_enrollment", "登记参保")
    ensure_in_area(user, person.village_id, person.name)
    enrollment = person.enrollments.filter(year=year, insurance=insurance).first() or Enrollment(
        beneficiary=person, year=year, insurance=insurance
    )
    enrollment.status = status
    enrollment.subsidy = subsidy
    enrollment.reason = "" if status == Enrollment.Status.ENROLLED else reason
    enrollment.note = note
    enrollment.recorded_by = user
    enrollment.full_clean()
    return save_as(enrollment, user)


@transaction.atomic
def labour_capacity_set(*, user: User, person: Beneficiary, capacity: str) -> Beneficiary:
    """Record the person's labour capacity (有劳动能力 / 弱劳动能力 / 无劳动能力; empty: not recorded), which decides
    whether the industry projects' list of those with no project yet counts them."""
    ensure_permitted(user, "beneficiaries.change_beneficiary", "登记劳动能力")
    ensure_in_area(user, person.village_id, person.name)
    if capacity not in LabourCapacity.values and capacity != "":
        raise ValidationError({"capacity": "劳动能力应为“有劳动能力”“弱劳动能力”或“无劳动能力”。"},
                              code="unknown_capacity")
    person = Beneficiary.objects.select_for_update().get(pk=person.pk)
    if person.status != Beneficiary.Status.ACTIVE:  # as the participation list refuses it
        raise ValidationError(f"{person.name} 状态为“{person.get_status_display()}”，只能登记在册人员的劳动能力。",
                              code="not_living")
    person.labour_capacity = capacity
    return save_as(person, user, update_fields=["labour_capacity"])
