"""政策试算 as an Excel workbook: the page's tables, one sheet each, and every person whose payment moved.

Written with xlsxwriter in constant-memory mode (rows go to a temporary file as they are written), every
text with ``write_string`` and ``strings_to_formulas`` off, so a name beginning with ``=`` stays text.
ID numbers are masked unless the requester may see them.
"""

from __future__ import annotations

from decimal import Decimal

import xlsxwriter

from beneficiaries.idnumbers import mask
from claims.simulation import LEVELS, Simulation
from policies.document import FUNDS
from policies.simulation import Change, GroupRow, PersonChange
from spreadsheets.small_books import SAFE_TEXT

MONEY_FORMAT = "#,##0.00"
BORDER = {"border": 1, "valign": "vcenter"}


class _Sheet:
    def __init__(self, book, formats, name: str, title: str, headers: list[str],
                 widths: dict[int, int] | None = None):
        self.sheet = book.add_worksheet(name)
        self.formats = formats
        self.row = 0
        self.sheet.merge_range(0, 0, 0, max(len(headers) - 1, 1), "", None)
        self.sheet.write_string(0, 0, title, formats["title"])
        for col, header in enumerate(headers):
            self.sheet.write_string(1, col, header, formats["head"])
        self.sheet.set_row(1, 32)
        self.sheet.set_column(0, len(headers) - 1, 14)
        for col, width in (widths or {}).items():
            self.sheet.set_column(col, col, width)
        self.sheet.freeze_panes(2, 0)
        self.row = 2

    def put(self, values: list) -> None:
        for col, value in enumerate(values):
            if value is None:
                self.sheet.write_blank(self.row, col, None, self.formats["text"])
            elif isinstance(value, str):
                self.sheet.write_string(self.row, col, value, self.formats["text"])
            elif isinstance(value, Decimal):
                self.sheet.write_number(self.row, col, float(value), self.formats["money"])
            else:
                self.sheet.write_number(self.row, col, value, self.formats["count"])
        self.row += 1


def _change(change: Change) -> list:
    return [change.current, change.draft, change.change]


def _group_sheet(book, formats, name: str, title: str, first: str, rows: list[GroupRow],
                 names: dict[str, str]) -> None:
    sheet = _Sheet(book, formats, name, title, [
        first, "代码", "账单数", "人数", "医疗总费用", "现行支付合计", "草案支付合计", "支付变化", "现行个人自付", "草案个人自付",
        "个人自付变化", "多付人数", "少付人数",
    ], {0: 20})
    for row in rows:
        sheet.put([names.get(row.key, row.key), row.key, row.bills, row.people, row.total, *_change(row.paid),
                   *_change(row.personal), row.people_up, row.people_down])


PERSON_HEADERS = ["姓名", "身份证号", "乡镇", "村（区划代码）", "账单数", "医疗总费用", "现行个人自付", "草案个人自付", "变化",
                  "现行负担", "草案负担", "监测类型", "现行监测标准", "草案监测标准", "现行等级", "草案等级"]


def _person_sheet(book, formats, name: str, title: str, rows: list[PersonChange], simulation: Simulation,
                  mask_ids: bool) -> int:
    sheet = _Sheet(book, formats, name, title, PERSON_HEADERS, {0: 10, 1: 21})
    for person in rows:
        who, id_number, village = simulation.people.get(person.person, ("", "", ""))
        threshold = person.draft_threshold or person.current_threshold
        sheet.put([
            who, mask(id_number) if mask_ids else id_number,
            simulation.township_names.get(person.township, person.township), village, person.bills,
            person.total, *_change(person.personal), person.burden.current, person.burden.draft,
            threshold.label if threshold else "",
            person.current_threshold.amount if person.current_threshold else None,
            person.draft_threshold.amount if person.draft_threshold else None,
            LEVELS[person.current_level], LEVELS[person.draft_level],
        ])
    return len(rows)


def simulation_workbook_write(target: str, simulation: Simulation, *, mask_ids: bool) -> int:
    """Write the workbook; returns the number of person rows it holds (for the access log)."""
    report, draft = simulation.report, simulation.draft
    book = xlsxwriter.Workbook(target, {"constant_memory": True, **SAFE_TEXT})
    formats = {
        "title": book.add_format({"bold": True, "font_size": 13, "valign": "vcenter"}),
        "head": book.add_format({**BORDER, "bold": True, "align": "center", "text_wrap": True,
                                 "bg_color": "#EEF2F7"}),
        "text": book.add_format({**BORDER, "text_wrap": True}),
        "count": book.add_format({**BORDER, "num_format": "0"}),
        "money": book.add_format({**BORDER, "num_format": MONEY_FORMAT}),
    }
    heading = f"{simulation.area_name}政策试算：{draft.name}（{draft.code}），{simulation.year} 年账单"

    summary = _Sheet(book, formats, "总览", heading, ["项目", "现行", "草案", "变化"], {0: 28})
    summary.put(["账单数（张）", report.bills, None, None])
    summary.put(["人数", report.people, None, None])
    summary.put(["医疗总费用", report.total, None, None])
    for fund, name in FUNDS.items():
        summary.put([f"{name}支付", *_change(report.by_fund[fund])])
    summary.put(["各项制度支付合计", *_change(report.paid)])
    summary.put(["个人自付", *_change(report.personal)])
    summary.put(["个人自付增加的人数", None, report.burden_up, None])
    summary.put(["其增加合计", None, report.up_amount, None])
    summary.put(["个人自付减少的人数", None, report.burden_down, None])
    summary.put(["其减少合计", None, report.down_amount, None])
    summary.put(["个人自付不变的人数", None, report.unchanged, None])
    summary.put(["监测对象（人）", report.monitored.current, report.monitored.draft, report.monitored.change])
    summary.put(["超过监测标准（人）", report.over.current, report.over.draft, report.over.change])
    summary.put(["达到预警线（人）", report.warning.current, report.warning.draft, report.warning.change])
    summary.put(["草案新增超标（人）", None, len(report.newly_over), None])
    summary.put(["草案新增预警（人）", None, len(report.newly_warning), None])
    summary.put(["草案下不再超标（人）", None, len(report.no_longer_over), None])
    summary.put(["未能试算的账单（张）", len(report.excluded), None, None])
    for note in simulation.notes:
        summary.put([note, None, None, None])

    layers = _Sheet(book, formats, "按保障层次", heading, ["层次代码", "层次名称", "资金", "现行", "草案", "变化", "说明"],
                    {1: 26, 6: 20})
    for row in report.layers:
        note = "" if row.in_draft else "草案中没有此层"
        layers.put([row.code, row.name, FUNDS[row.fund], *_change(row.amount), note])

    _group_sheet(book, formats, "按乡镇", heading, "乡镇（街道）", report.townships, simulation.township_names)
    _group_sheet(book, formats, "按身份类别", heading + "（一人持有多个类别时各计一次）", "身份类别", report.categories,
                 simulation.category_names)

    spread = _Sheet(book, formats, "个人自付变化分布", heading, ["个人年度自付变化", "人数"], {0: 24})
    for item in report.distribution:
        spread.put([item.label, item.people])
    spread.put(["不变", report.unchanged])

    rows = _person_sheet(book, formats, "新增超标", heading + "：草案下新增超过监测标准的人员", report.newly_over,
                         simulation, mask_ids)
    rows += _person_sheet(book, formats, "新增预警", heading + "：草案下新增达到预警线的人员", report.newly_warning,
                          simulation, mask_ids)
    rows += _person_sheet(book, formats, "不再超标", heading + "：草案下不再超过监测标准的人员", report.no_longer_over,
                          simulation, mask_ids)
    rows += _person_sheet(book, formats, "逐人变化", heading + "：个人年度自付有变化的全部人员（变化大的在前）",
                          report.changes, simulation, mask_ids)

    excluded = _Sheet(book, formats, "未能试算的账单", heading, ["账单编号", "人员编号", "姓名", "原因"], {3: 80})
    for item in report.excluded:
        excluded.put([item.claim, item.person, simulation.people.get(item.person, ("",))[0], item.reason])
    book.close()
    return rows
