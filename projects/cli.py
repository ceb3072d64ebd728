"""What the project commands share beyond health's (dates, required options, the person an ID number names): the
project a ``--code`` names within the user's area, an amount, the area and day of a list or a table, and the
Excel file to write (``--out``, or ``--output`` as the ledger's callers name it)."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from accounts.cli import refused
from accounts.services import area_within, ensure_permitted
from health.cli import one_of, option_date
from projects.models import Project

VIEW = "projects.view_project"


def project_of(user, code: str | None) -> Project:
    if not code:
        raise refused("请用 --code 指定项目编号。")
    return one_of(Project.objects.visible_to(user), "项目", code=code.strip())


def option_amount(text: str | None) -> Decimal:
    try:
        amount = Decimal(text or "")
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        raise refused(f"--amount：“{text}”不是金额（元，至多两位小数；冲减填负数）。")
    return amount


def add_area_day(parser) -> None:
    parser.add_argument("--area", default="", help="区域代码前缀；不填为您的管辖区域")
    parser.add_argument("--day", help="统计日期 YYYY-MM-DD，默认今天")
    parser.add_argument("--out", "--output", dest="out", help="另存 Excel（.xlsx）")


def area_day(user, area: str, day: str | None, *, doing: str) -> tuple[str, datetime.date]:
    """The area (within the user's) and the day an area-and-day command reads, once the user may read projects."""
    ensure_permitted(user, VIEW, doing)
    return area_within(user, area), option_date(day, "--day")
