"""What the commands of the apps above the registry (health, employment, projects) share: reading a date or an
amount option, the options a command needs, the household, person or record an option names within the acting
user's area, the area and day of a list or a table, and the Excel file it writes. Refusals exit with status 2."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db.models import QuerySet
from django.utils import timezone

from accounts.cli import option_out, refused
from accounts.services import area_within, ensure_permitted
from beneficiaries import idnumbers
from beneficiaries.models import Beneficiary, Household
from config.figures import CENT
from spreadsheets.writing import replaced_when_done


def option_date(text: str | None, option: str) -> datetime.date:
    """The option's date (today when not given)."""
    if not text:
        return timezone.localdate()
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise refused(f"{option}：“{text}”应为 YYYY-MM-DD。") from None


def option_amount(text: str | None, *, signed: bool = False, required: bool = True,
                  option: str = "--amount") -> Decimal | None:
    """The amount in yuan of ``option``, to the fen. ``signed``: a negative amount corrects an earlier one (the
    message says so; otherwise the services refuse one that is not above zero). Not given: None, unless
    ``required``."""
    if text in (None, "") and not required:
        return None
    try:
        amount = Decimal(text or "")
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount != amount.quantize(CENT):
        correcting = "；冲减填负数" if signed else ""
        raise refused(f"{option}：“{text}”不是金额（元，至多两位小数{correcting}）。")
    return amount.quantize(CENT)


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


def add_area_day(parser) -> None:
    parser.add_argument("--area", default="", help="区域代码前缀；不填为您的管辖区域")
    parser.add_argument("--day", help="统计日期 YYYY-MM-DD，默认今天")
    parser.add_argument("--out", "--output", dest="out", help="另存 Excel（.xlsx）")


def area_day(user, area: str, day: str | None, *, permission: str, doing: str) -> tuple[str, datetime.date]:
    """The area (within the user's) and the day a list or a table reads, once the user may read it
    (``permission``)."""
    ensure_permitted(user, permission, doing)
    return area_within(user, area), option_date(day, "--day")


def write_out(book: io.BytesIO, out: str) -> Path:
    """The workbook written to ``--out`` (whole, or not at all)."""
    path = option_out(out)
    with replaced_when_done(path) as partial:
        partial.write_bytes(book.getvalue())
    return path
