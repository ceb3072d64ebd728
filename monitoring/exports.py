"""The alert list (预警名单) as an Excel workbook in the shape the civil-affairs (民政) and rural-revitalization
(乡村振兴) offices use: one row per alerted person with their household head and size, the year's bills by
fund, the burden against the threshold, the level and the status.

Every text is written with ``write_string`` and ``strings_to_formulas`` is off, so a name that begins with
``=`` stays text. ID numbers are masked unless the user may see sensitive data. Each export is written to
the access log (``EXPORT``, ``alerts``) with its filter and number of rows.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

import xlsxwriter
from django.utils import timezone

from accounts.models import AccessLog, User
from accounts.services import access_log_record, area_within
from beneficiaries.idnumbers import mask
from monitoring.selectors import DEFAULT_SORT, AlertFilter, alert_export_rows, alerts_filtered
from regions.models import Region
from spreadsheets.small_books import SAFE_TEXT

HEADERS = ["户主", "家庭人口", "姓名", "身份证号", "乡镇", "村", "医疗总费用", "基本医保", "大病保险", "医疗救助",
           "其他保障", "个人负担", "监测标准", "监测类别", "预警等级", "状态"]
WIDTHS = [10, 8, 10, 21, 12, 12, 13, 13, 13, 13, 13, 13, 12, 14, 9, 18]
MONEY_FORMAT = "#,##0.00"
TITLE_ROW, HEADER_ROW = 0, 1


def _area_name(user: User, alert_filter: AlertFilter) -> str:
    code = alert_filter.township or area_within(user, alert_filter.area)
    region = Region.objects.filter(code=code).first() if code else None
    return region.name if region else ""


def alert_list_write(
    *,
    user: User,
    year: int,
    area: str = "",
    path: str | Path | BinaryIO,
    township: str = "",
    level: str = "",
    label: str = "",
    status: str = "",
    query: str = "",
    sort: str = DEFAULT_SORT,
) -> int:
    """Write the user's alert list of ``year`` in ``area`` (narrowed as the list page narrows it) to
    ``path`` (a file name or a binary stream); returns the number of people written."""
    alert_filter = AlertFilter(year=year, area=area, township=township, level=level, label=label, status=status,
                               query=query)
    rows = alert_export_rows(alerts_filtered(user, alert_filter, sort=sort), year)
    target = str(path) if isinstance(path, str | Path) else path
    book = xlsxwriter.Workbook(target, {**SAFE_TEXT, "in_memory": not isinstance(target, str)})
    sheet = book.add_worksheet("预警名单")
    border = {"border": 1, "valign": "vcenter"}
    formats = {
        "title": book.add_format({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"}),
        "head": book.add_format(
            {**border, "bold": True, "align": "center", "text_wrap": True, "bg_color": "#EEF2F7"}),
        "text": book.add_format(border),
        "id": book.add_format({**border, "num_format": "@"}),
        "count": book.add_format({**border, "num_format": "0"}),
        "money": book.add_format({**border, "num_format": MONEY_FORMAT}),
    }
    title = f"{_area_name(user, alert_filter)}{year} 年因病返贫致贫预警名单（导出于 {timezone.localdate():%Y-%m-%d}）"
    sheet.merge_range(TITLE_ROW, 0, TITLE_ROW, len(HEADERS) - 1, "", formats["title"])
    sheet.write_string(TITLE_ROW, 0, title, formats["title"])
    sheet.set_row(TITLE_ROW, 28)
    for column, (header, width) in enumerate(zip(HEADERS, WIDTHS, strict=True)):
        sheet.write_string(HEADER_ROW, column, header, formats["head"])
        sheet.set_column(column, column, width)
    sheet.freeze_panes(HEADER_ROW + 1, 0)
    show_ids = user.sees_sensitive
    for number, row in enumerate(rows, start=HEADER_ROW + 1):
        alert, person = row.alert, row.alert.beneficiary
        cells: list[tuple[object, str]] = [
            (row.head, "text"), (row.household_size, "count"), (person.name, "text"),
            (person.id_number if show_ids else mask(person.id_number), "id"), (row.township, "text"),
            (row.village, "text"),
            *[(row.sums[name], "money") for name in ("total", "basic", "critical", "assistance", "other")],
            (alert.burden, "money"), (alert.threshold, "money"), (alert.label, "text"),
            (alert.get_level_display(), "text"), (alert.get_status_display(), "text"),
        ]
        for column, (value, kind) in enumerate(cells):
            if value is None:
                sheet.write_blank(number, column, None, formats[kind])
            elif isinstance(value, str):
                sheet.write_string(number, column, value, formats[kind])
            else:
                sheet.write_number(number, column, float(value) if isinstance(value, Decimal) else value,
                                   formats[kind])
    book.close()
    access_log_record(user=user, action=AccessLog.Action.EXPORT, object_id="alerts",
                      detail=f"预警名单导出：{alert_filter.describe()}", rows=len(rows))
    return len(rows)
