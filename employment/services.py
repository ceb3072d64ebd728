"""Writing the employment ledger: each service checks the role and the area, applies the rules of
employment/rules.py and writes in a transaction, the history table recording who changed what.

Two choices where the plan is silent: a child holds one placement at a time (a change of job ends the old one
first, so that 已就业 and the three years follow one job); and a visit that finds the child gone (已离岗) from a
placement still open ends the placement in the same transaction, on the visit's day, with the reason
``rules.LEFT_ON_VISIT`` — the visit is the clerk's evidence, and a second step would only be forgotten."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from accounts.services import ensure_in_area, ensure_permitted, refuse, save_as
from beneficiaries.models import Beneficiary
from employment import rules
from employment.models import ChildSurvey, FollowUpVisit, Placement, Support

NOT_IN_REGISTRY = "{name} 不属于登记册中的家庭户，不能登记为贫困家庭子女。"
NOT_LIVING = "{name} 已{status}，不能登记。"
NOT_SURVEYED = "{name} 尚无摸排记录：请先登记摸排，再登记安置或帮扶。"


def _check_person(user: User, person: Beneficiary, permission: str, action: str) -> Beneficiary:
    """The person, locked for this change, once the user may do ``action`` on them."""
    ensure_permitted(user, permission, action)
    ensure_in_area(user, person.village_id, person.name)
    person = Beneficiary.objects.select_for_update().get(pk=person.pk)
    if person.household_id is None:
        raise ValidationError(NOT_IN_REGISTRY.format(name=person.name), code="not_in_registry")
    if person.status != Beneficiary.Status.ACTIVE:
        raise ValidationError(NOT_LIVING.format(name=person.name, status=person.get_status_display()),
                              code="not_living")
    return person


def _ensure_surveyed(person: Beneficiary) -> None:
    if not ChildSurvey.objects.filter(person=person).exists():
        raise ValidationError(NOT_SURVEYED.format(name=person.name), code="not_surveyed")


@transaction.atomic
def survey_record(*, user: User, person: Beneficiary, year: int, school: str, level: str, major: str,
                  graduation_year: int, intention: str, wants_business: bool, business_plan: str, needs: str,
                  surveyed_on: datetime.date, surveyed_by: str) -> ChildSurvey:
    """The child's record of ``year``'s survey: created, or changed when the year's record exists (one per
    person and year; the history keeps what it said before)."""
    person = _check_person(user, person, "employment.add_childsurvey", "登记子女摸排")
    refuse(rules.survey_problems(year=year, graduation_year=graduation_year, surveyed_on=surveyed_on,
                                  birth_date=person.birth_date, today=timezone.localdate(),
                                  wants_business=wants_business, business_plan=business_plan))
    survey = ChildSurvey.objects.filter(person=person, year=year).first() or ChildSurvey(
        person=person, year=year, recorded_by=user)
    if survey.pk is not None:
        ensure_permitted(user, "employment.change_childsurvey", "修改子女摸排")
    for name, value in {"school": school.strip(), "level": level, "major": major.strip(),
                        "graduation_year": graduation_year, "intention": intention.strip(),
                        "wants_business": wants_business, "business_plan": business_plan.strip(),
                        "needs": needs.strip(), "surveyed_on": surveyed_on, "surveyed_by": surveyed_by.strip()}.items():
        setattr(survey, name, value)
    survey.full_clean(validate_constraints=False)  # one per year is ensured above, under the person's lock
    return save_as(survey, user)


@transaction.atomic
def placement_start(*, user: User, person: Beneficiary, kind: str, employer: str, starts_on: datetime.date,
                    position: str = "", place: str = "", monthly_wage: Decimal | None = None) -> Placement:
    """The child placed in a job from ``starts_on``; refused while another placement is in force then."""
    person = _check_person(user, person, "employment.add_placement", "登记就业安置")
    _ensure_surveyed(person)
    overlapping = Placement.objects.filter(person=person).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=starts_on))
    refuse(rules.placement_start_problems(
        starts_on=starts_on, today=timezone.localdate(), monthly_wage=monthly_wage,
        overlapping=[(p.employer, p.starts_on, p.ends_on) for p in overlapping]), "starts_on")
    placement = Placement(person=person, kind=kind, employer=employer.strip(), position=position.strip(),
                          place=place.strip(), monthly_wage=monthly_wage, starts_on=starts_on, recorded_by=user)
    placement.full_clean()
    return save_as(placement, user)


def _end(placement: Placement, user: User, ends_on: datetime.date, reason: str) -> Placement:
    last_visit = placement.visits.order_by("-visited_on").values_list("visited_on", flat=True).first()
    refuse(rules.placement_end_problems(starts_on=placement.starts_on, ends_on=ends_on,
                                         already_ended=placement.ends_on, reason=reason,
                                         today=timezone.localdate(), last_visit_on=last_visit), "ends_on")
    placement.ends_on, placement.end_reason = ends_on, reason.strip()
    return save_as(placement, user, update_fields=["ends_on", "end_reason"])


@transaction.atomic
def placement_end(*, user: User, placement: Placement, ends_on: datetime.date, reason: str) -> Placement:
    """The child left the job on ``ends_on`` (their last day at work): not before the start, not in the
    future, once."""
    ensure_permitted(user, "employment.change_placement", "登记安置离岗")
    ensure_in_area(user, placement.person.village_id, placement.person.name)
    placement = Placement.objects.select_for_update().get(pk=placement.pk)
    return _end(placement, user, ends_on, reason)


@transaction.atomic
def support_give(*, user: User, person: Beneficiary, kind: str, given_on: datetime.date, provider: str,
                 amount: Decimal | None = None, detail: str = "") -> Support:
    """Help given to the child: a subsidy or a loan with its amount, a training course or a guide without."""
    person = _check_person(user, person, "employment.add_support", "登记就业帮扶")
    _ensure_surveyed(person)
    refuse(rules.support_problems(kind=kind, amount=amount, provider=provider, given_on=given_on,
                                   today=timezone.localdate()))
    support = Support(person=person, kind=kind, given_on=given_on, amount=amount, provider=provider.strip(),
                      detail=detail.strip(), recorded_by=user)
    support.full_clean()
    return save_as(support, user)


@transaction.atomic
def support_void(*, user: User, support: Support, voided_on: datetime.date, reason: str) -> Support:
    """A support record found wrong is voided with its day and reason (never deleted)."""
    ensure_permitted(user, "employment.change_support", "作废就业帮扶记录")
    ensure_in_area(user, support.person.village_id, support.person.name)
    support = Support.objects.select_for_update().get(pk=support.pk)
    refuse(rules.support_void_problems(given_on=support.given_on, voided_on=voided_on,
                                        already_voided=support.voided_on, reason=reason,
                                        today=timezone.localdate()), "voided_on")
    support.voided_on, support.void_reason = voided_on, reason.strip()
    return save_as(support, user, update_fields=["voided_on", "void_reason"])


@transaction.atomic
def visit_record(*, user: User, placement: Placement, visited_on: datetime.date, visitor: str, status: str,
                 difficulties: str = "", action: str = "") -> FollowUpVisit:
    """A follow-up visit to a placement, made while it was in force. A visit finding the child gone (已离岗)
    from a placement still open ends it on the visit's day (see the module's note)."""
    ensure_permitted(user, "employment.add_followupvisit", "登记跟踪回访")
    ensure_in_area(user, placement.person.village_id, placement.person.name)
    placement = Placement.objects.select_for_update().get(pk=placement.pk)
    refuse(rules.visit_problems(starts_on=placement.starts_on, ends_on=placement.ends_on, visited_on=visited_on,
                                 today=timezone.localdate()), "visited_on")
    if not visitor.strip():
        raise ValidationError({"visitor": ["请填写回访人。"]})
    visit = FollowUpVisit(placement=placement, visited_on=visited_on, visitor=visitor.strip(), status=status,
                          difficulties=difficulties.strip(), action=action.strip(), recorded_by=user)
    visit.full_clean()
    save_as(visit, user)
    if status == FollowUpVisit.Status.LEFT and placement.ends_on is None:
        ensure_permitted(user, "employment.change_placement", "登记安置离岗")
        _end(placement, user, visited_on, rules.LEFT_ON_VISIT)
    return visit
