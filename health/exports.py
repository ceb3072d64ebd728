"""The households or people a coverage measure misses, as an Excel workbook (the drill-down's download).

Every text is written with ``write_string`` and ``strings_to_formulas`` is off, so a name that begins with ``=``
stays text; ID numbers are text, masked unless the user may see sensitive data. Each export goes to the access
log (``EXPORT``) with its measure, area, day and number of rows."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import BinaryIO

import xlsxwriter

from accounts.models import AccessLog, User
from accounts.services import access_log_record
from beneficiaries.idnumbers import mask
from health.selectors import MEASURES, missing
from regions.models import Region
from spreadsheets.small_books import SAFE_TEXT

HOUSEHOLD_HEADERS = [("乡镇", 12), ("村", 12), ("户编号", 20), ("户主", 10), ("户主身份证号", 21)]
PERSON_HEADERS = [("乡镇", 12), ("村", 12), ("户编号", 20), ("姓名", 10), ("身份证号", 21)]


def _township_names(codes: set[str]) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))


def missing_list_write(*, user: User, area_code: str, day: datetime.date, measure: str,
                       target: str | Path | BinaryIO) -> int:
    """Write who ``measure`` misses on ``day`` in the area (of the user's area) to ``target``; returns the rows."""
    found = list(missing(user, area_code=area_code, day=day, measure=measure))
    households = measure == "contracts"
    people = [household.head for household in found] if households else found
    townships = _township_names({item.village_id[:9] for item in found})
    show_ids = user.sees_sensitive
    path = str(target) if isinstance(target, str | Path) else target
    book = xlsxwriter.Workbook(path, {**SAFE_TEXT, "in_memory": not isinstance(path, str)})
    sheet = book.add_worksheet("未覆盖名单")
    head = book.add_format({"bold": True, "border": 1, "align": "center", "bg_color": "#EEF2F7"})
    text = book.add_format({"border": 1})
    id_text = book.add_format({"border": 1, "num_format": "@"})
    area_name = Region.objects.area_name(area_code)
    sheet.write_string(0, 0, f"{area_name} {day.isoformat()} {MEASURES[measure]}未覆盖的"
                             f"{'贫困户' if households else '贫困人口'}（共 {len(found)} {'户' if households else '人'}）")
    for column, (name, width) in enumerate(HOUSEHOLD_HEADERS if households else PERSON_HEADERS):
        sheet.write_string(1, column, name, head)
        sheet.set_column(column, column, width)
    sheet.freeze_panes(2, 0)
    for number, (item, person) in enumerate(zip(found, people, strict=True), start=2):
        household = item if households else item.household
        id_number = person.id_number if person else ""
        cells = [townships.get(item.village_id[:9], ""), item.village.name, household.number if household else "",
                 person.name if person else ""]
        for column, value in enumerate(cells):
            sheet.write_string(number, column, value, text)
        sheet.write_string(number, len(cells), id_number if show_ids else mask(id_number), id_text)
    book.close()
    access_log_record(user=user, action=AccessLog.Action.EXPORT, object_id=f"health_missing:{measure}",
                      detail=f"健康扶贫未覆盖名单导出（{MEASURES[measure]}）：{area_name} {day.isoformat()}",
                      rows=len(found))
    return len(found)
