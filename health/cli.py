"""What the health commands share: reading a date option, and finding the household, person or record an
option names within the acting user's area (refused, exit 2, when there is none)."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet
from django.utils import timezone

from accounts.cli import refused
from beneficiaries import idnumbers
from beneficiaries.models import Beneficiary, Household


def option_date(text: str | None, option: str) -> datetime.date:
    """The option's date (today when not given)."""
    if not text:
        return timezone.localdate()
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise refused(f"{option}：“{text}”应为 YYYY-MM-DD。") from None


def required(options: dict, *names: str, doing: str) -> None:
    missing = [f"--{name.replace('_', '-')}" for name in names if options.get(name) in (None, "")]
    if missing:
        raise refused(f"{doing}需要 {'、'.join(missing)}。")


def person_of(user, id_number: str) -> Beneficiary:
    try:
        number = idnumbers.parse(id_number).number
    except idnumbers.IdNumberError as exc:
        raise refused(f"--id-number：{exc.message}") from None
    person = Beneficiary.objects.visible_to(user).filter(id_number=number).first()
    if person is None:
        raise refused(f"{number} 不在登记册中（或不在您的管辖区域内）。")
    return person


def household_of(user, number: str) -> Household:
    household = Household.objects.visible_to(user).filter(number=number.strip()).first()
    if household is None:
        raise refused(f"户编号 {number} 不存在（或不在您的管辖区域内）。")
    return household


def one_of(rows: QuerySet, what: str, **lookup):
    """The row of ``rows`` (already limited to the user's area) that ``lookup`` names."""
    found = rows.filter(**lookup).first()
    if found is None:
        shown = "、".join(str(value) for value in lookup.values())
        raise refused(f"{what} {shown} 不存在（或不在您的管辖区域内）。")
    return found
