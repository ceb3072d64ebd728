"""What the employment commands share beyond health's (dates, required options, the person an ID number names):
the placement in force of the person an ID number names, an amount, the area and day of a list or a table, and
the Excel file to write (``--out``, or ``--output``)."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal, InvalidOperation
from pathlib import Path

from accounts.cli import option_out, refused
from accounts.services import area_within, ensure_permitted
from employment.models import Placement
from health.cli import option_date, person_of
from spreadsheets.writing import replaced_when_done

VIEW = "employment.view_childsurvey"


def open_placement(user, id_number: str) -> Placement:
    """The placement in force of the person ``id_number`` names (a child holds one at a time)."""
    person = person_of(user, id_number)
    found = Placement.objects.filter(person=person, ends_on__isnull=True).first()
    if found is None:
        raise refused(f"{person.name} 没有在岗的安置。")
    return found


def option_amount(text: str | None) -> Decimal | None:
    """The ``--amount`` in yuan (None when not given)."""
    if text in (None, ""):
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        raise refused(f"--amount：“{text}”不是金额（元，至多两位小数）。")
    return amount.quantize(Decimal("0.01"))


def add_area_day(parser) -> None:
    parser.add_argument("--area", default="", help="区域代码前缀；不填为您的管辖区域")
    parser.add_argument("--day", help="统计日期 YYYY-MM-DD，默认今天")
    parser.add_argument("--out", "--output", dest="out", help="另存 Excel（.xlsx）")


def area_day(user, area: str, day: str | None, *, doing: str) -> tuple[str, datetime.date]:
    """The area (within the user's) and the day a list or a table reads, once the user may read the ledger."""
    ensure_permitted(user, VIEW, doing)
    return area_within(user, area), option_date(day, "--day")


def write_out(book: io.BytesIO, out: str) -> Path:
    """The workbook written to ``--out`` (whole, or not at all)."""
    path = option_out(out)
    with replaced_when_done(path) as partial:
        partial.write_bytes(book.getvalue())
    return path

