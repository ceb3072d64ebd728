"""The ledger, the quarterly statistics and the responsibility table as Excel workbooks.

The ledger is written with xlsxwriter in constant-memory mode (chosen by measurement: docs/ledger.md):
each row goes to a temporary file as soon as the next one begins, so memory stays flat for a
million rows. In that mode a row cannot be touched again once a later row is written, so the
merged header cells are registered first (``merge_range`` with no value and no format writes
nothing) and every header cell is then written row by row.

Every text is written with ``write_string`` and ``strings_to_formulas`` is off: a name that begins
with ``=``, ``+``, ``-`` or ``@`` stays text and Excel never runs it.
"""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal
from typing import BinaryIO

import xlsxwriter

from beneficiaries.idnumbers import mask
from ledgers.columns import COLUMNS, VISIT_GROUPS, HeaderCell, Kind, ledger_header
from health.selectors import coverage_columns
from ledgers.selectors import (
    FIGURE_FIELDS, HEALTH_MEASURES, RESPONSIBILITY_FIELDS, QuarterStats, ResponsibilityLine, StatsRow,
)
from policies.document import FUNDS, VISIT_TYPES
from spreadsheets.small_books import (
    BORDER, HEAD_FORMAT, MONEY_FORMAT, SAFE_TEXT, SheetWriter, small_book_formats, township_table_sheet,
)

SHEET_ROWS = 1_048_576  # Excel's limit; a longer ledger continues on the next sheet
HEADER_ROWS = 6
LEDGER_SHEET = "台账"


def _header_grid(cells: list[HeaderCell]) -> dict[tuple[int, int], HeaderCell | None]:
    """Every header position: the cell that starts there, or None where a merged cell covers it."""
    grid: dict[tuple[int, int], HeaderCell | None] = {}
    for cell in cells:
        for row in range(cell.row, cell.end_row + 1):
            for col in range(cell.col, cell.end_col + 1):
                grid[(row, col)] = cell if (row, col) == (cell.row, cell.col) else None
    return grid


LEDGER_WIDTHS = {1: 14, 2: 14, 3: 12, 4: 9, 5: 21, 17: 11}
HEADER_HEIGHTS = {0: 30, 2: 40, 3: 30, 4: 46}


class LedgerWorkbook:
    """Writes ledger rows as they come; ``close`` adds the totals row and finishes the file.

    ``target`` is a file path: xlsxwriter keeps constant memory only when writing to a file.
    """

    def __init__(self, target: str, *, title: str, mask_ids: bool):
        self.book = xlsxwriter.Workbook(target, {"constant_memory": True, **SAFE_TEXT})
        self.title = title
        self.mask_ids = mask_ids
        self.header = ledger_header(title)
        self.sheets = 0
        self.sheet = None
        self.row = SHEET_ROWS
        book = self.book
        self.formats = {
            "title": book.add_format({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"}),
            "head": book.add_format(HEAD_FORMAT),
            "text": book.add_format(BORDER),
            "flag": book.add_format({**BORDER, "align": "center"}),
            "id_number": book.add_format({**BORDER, "num_format": "@"}),
            "count": book.add_format({**BORDER, "num_format": "0"}),
            "money": book.add_format({**BORDER, "num_format": MONEY_FORMAT}),
        }
        for name, number_format in (("text", "@"), ("count", "0"), ("money", MONEY_FORMAT)):
            total_format = {**BORDER, "bold": True, "num_format": number_format}
            self.formats[f"total_{name}"] = book.add_format(total_format)
        kinds = {column.index: column.kind for column in COLUMNS}
        self.text_columns = [(i, self.formats["flag" if k == Kind.FLAG else "text"]) for i, k in kinds.items()
                             if k in (Kind.TEXT, Kind.FLAG)]
        self.id_column = next(i for i, k in kinds.items() if k == Kind.ID_NUMBER)
        self.count_columns = [i for i, k in kinds.items() if k == Kind.COUNT]
        self.money_columns = [i for i, k in kinds.items() if k == Kind.MONEY]

    def _new_sheet(self) -> None:
        self.sheets += 1
        name = LEDGER_SHEET if self.sheets == 1 else f"{LEDGER_SHEET}（续{self.sheets}）"
        sheet = self.book.add_worksheet(name)
        for column in COLUMNS:
            width = LEDGER_WIDTHS.get(column.number, 10 if column.number > 18 else 8)
            sheet.set_column(column.index, column.index, width)
        for row, height in HEADER_HEIGHTS.items():
            sheet.set_row(row, height)
        sheet.freeze_panes(HEADER_ROWS, 5)
        sheet.set_landscape()
        sheet.repeat_rows(1, HEADER_ROWS - 1)
        sheet.fit_to_pages(1, 0)
        title = self.title if self.sheets == 1 else f"{self.title}（续表{self.sheets}）"
        for cell in self.header:
            if cell.merged:
                sheet.merge_range(cell.row, cell.col, cell.end_row, cell.end_col, "", None)
        for (row, col), cell in sorted(_header_grid(self.header).items()):
            cell_format = self.formats["title" if row == 0 else "head"]
            if cell is None:
                sheet.write_blank(row, col, None, cell_format)
            elif isinstance(cell.value, int):
                sheet.write_number(row, col, cell.value, cell_format)
            else:
                sheet.write_string(row, col, title if row == 0 else cell.value, cell_format)
        self.sheet = sheet
        self.row = HEADER_ROWS

    def write(self, cells: list) -> None:
        if self.row >= SHEET_ROWS:
            self._new_sheet()
        row, sheet = self.row, self.sheet
        write_string, write_number = sheet.write_string, sheet.write_number
        for index, cell_format in self.text_columns:
            write_string(row, index, cells[index], cell_format)
        id_number = cells[self.id_column]
        if self.mask_ids:
            id_number = mask(id_number)
        write_string(row, self.id_column, id_number, self.formats["id_number"])
        count_format, money_format = self.formats["count"], self.formats["money"]
        for index in self.count_columns:
            write_number(row, index, cells[index], count_format)
        for index in self.money_columns:
            write_number(row, index, float(cells[index]), money_format)
        self.row += 1

    def close(self, totals: list) -> None:
        """Write the totals row (values, not formulas) and finish the file."""
        if self.row >= SHEET_ROWS:
            self._new_sheet()
        row, formats = self.row, self.formats
        for index, value in enumerate(totals):
            if isinstance(value, str):
                self.sheet.write_string(row, index, value, formats["total_text"])
            elif isinstance(value, Decimal):
                self.sheet.write_number(row, index, float(value), formats["total_money"])
            else:
                self.sheet.write_number(row, index, value, formats["total_count"])
        self.book.close()


# --- Quarterly statistics -------------------------------------------------------------------------

STATS_PERSON_COLUMNS = ["覆盖人数", "城乡居民医保参保人数", "参保率", "参保财政补助 (元)"]
STATS_VISIT_COLUMNS = ["人次", "费用合计 (元)", *[f"{name}支付 (元)" for name in FUNDS.values()], "个人负担 (元)"]
STATS_ALL_COLUMNS = ["人次", "费用合计 (元)", "各项制度支付合计 (元)", "个人负担 (元)", "个人负担占比", "平均报销比例"]
STATS_TAIL_COLUMNS = ["县域内住院人次", "县域内住院率", "先诊疗后付费结算人次"]


def _stats_values(row: StatsRow) -> list[tuple[object, str]]:
    values: list[tuple[object, str]] = [
        (row.label, "text"), (row.people, "count"), (row.enrolled, "count"), (row.enrolled_share, "percent"),
        (row.subsidy, "money"),
    ]
    for visit_type in VISIT_TYPES:
        figures = row.visits[visit_type]
        values.append((figures.bills, "count"))
        values += [(getattr(figures, name), "money") for name in FIGURE_FIELDS[1:]]
    figures = row.all_visits
    values += [(figures.bills, "count"), (figures.total, "money"), (figures.paid, "money"),
               (figures.personal, "money"), (row.personal_share, "percent"),
               (row.reimbursement_ratio, "percent")]
    values += [(row.inpatient_in_county, "count"), (row.in_county_rate, "percent"), (row.pay_later, "count")]
    return values


def _stats_sheet(
    book, formats, name: str, title: str, first_header: str, rows: list[StatsRow], total: StatsRow
) -> None:
    sheet = book.add_worksheet(name)
    writer = SheetWriter(book, sheet, formats)
    groups = [("基本情况", [first_header, *STATS_PERSON_COLUMNS])]
    groups += [(label, STATS_VISIT_COLUMNS) for label in VISIT_GROUPS.values()]
    groups += [("合计", STATS_ALL_COLUMNS), ("县域内住院与先诊疗后付费", STATS_TAIL_COLUMNS)]
    width = sum(len(columns) for _, columns in groups)
    writer.merged(0, 0, width - 1, title, "title")
    col = 0
    for group, columns in groups:
        writer.merged(1, col, col + len(columns) - 1, group)
        for offset, column in enumerate(columns):
            writer.put(2, col + offset, column, "head")
        col += len(columns)
    sheet.set_row(2, 46)
    sheet.set_column(0, 0, 20)
    sheet.set_column(1, width - 1, 12)
    sheet.freeze_panes(3, 1)
    for index, row in enumerate([*rows, total], start=3):
        for col, (value, kind) in enumerate(_stats_values(row)):
            writer.put(index, col, value, kind)


def _health_sheet(book, formats, stats: QuarterStats) -> None:
    """健康扶贫覆盖情况 on the quarter's last day: per township each measure's whole, done, missed and rate, and
    the measures under their goals named in words."""
    sheet = book.add_worksheet("健康扶贫覆盖")
    writer = SheetWriter(book, sheet, formats)
    columns = coverage_columns(HEALTH_MEASURES)
    width = 2 + 4 * len(columns)
    writer.merged(0, 0, width - 1, f"{stats.area_name}健康扶贫覆盖情况（{stats.period.last:%Y-%m-%d}）", "title")
    writer.put(1, 0, "", "head")
    for index, column in enumerate(columns):
        writer.merged(1, 1 + 4 * index, 4 * index + 4, f"{column['name']}（目标 {column['goal']:.0%}）")
        for offset, name in enumerate([*column["counts"], "比率"]):
            writer.put(2, 1 + 4 * index + offset, name, "head")
    writer.put(1, width - 1, "", "head")
    writer.put(2, 0, "乡镇（街道）", "head")
    writer.put(2, width - 1, "未达标", "head")
    sheet.set_column(0, 0, 20)
    sheet.set_column(1, width - 1, 11)
    sheet.freeze_panes(3, 1)
    for index, (row, cells) in enumerate(stats.health.table(HEALTH_MEASURES), start=3):
        writer.put(index, 0, row.label)
        for number, cell in enumerate(cells):
            for offset, (value, kind) in enumerate([(cell.whole, "count"), (cell.done, "count"),
                                                    (cell.missing, "count"), (cell.rate, "percent")]):
                writer.put(index, 1 + 4 * number + offset, value, kind)
        writer.put(index, width - 1, "、".join(column["name"] for column, cell in zip(columns, cells, strict=True)
                                               if cell.below))


def stats_workbook_write(target: str | BinaryIO, stats: QuarterStats) -> int:
    """Seven sheets: by township, by category (a person counts in each category held), month by month, the
    health coverage by township on the quarter's last day, and on that day the poor families' children at work, the
    working-age poor in industry projects and the project library."""
    book = xlsxwriter.Workbook(target, {"in_memory": True, **SAFE_TEXT})
    formats = small_book_formats(book)
    heading = f"{stats.area_name}医疗保障扶贫定期调度统计（{stats.period.label}）"
    _stats_sheet(book, formats, "按乡镇", heading, "乡镇（街道）", stats.townships, stats.total)
    category_total = dataclasses.replace(stats.total, label="合计（每人只计一次）")
    _stats_sheet(book, formats, "按身份类别", heading, "身份类别", stats.categories, category_total)
    sheet = book.add_worksheet("月度趋势")
    writer = SheetWriter(book, sheet, formats)
    names = ["月份", "人次", "费用合计 (元)", *[f"{name}支付 (元)" for name in FUNDS.values()], "个人负担 (元)"]
    writer.merged(0, 0, len(names) - 1, f"{stats.area_name}月度结算情况（{stats.period.last.year}年1月起）", "title")
    for col, name in enumerate(names):
        writer.put(1, col, name, "head")
    sheet.set_column(0, len(names) - 1, 14)
    for index, month in enumerate(stats.months, start=2):
        writer.put(index, 0, f"{month.year}年{month.month}月")
        writer.put(index, 1, month.figures.bills, "count")
        for col, name in enumerate(FIGURE_FIELDS[1:], start=2):
            writer.put(index, col, getattr(month.figures, name), "money")
    _health_sheet(book, formats, stats)
    day = f"{stats.period.last:%Y-%m-%d}"
    relief_rows = sum(
        township_table_sheet(book, formats, table, sheet_name=name, title=f"{stats.area_name}{title}（{day}）")
        for table, name, title in ((stats.employment, "就业扶贫", "贫困家庭子女就业情况"),
                                   (stats.participation, "产业扶贫参与", "劳动年龄贫困人口参与产业项目情况"),
                                   (stats.projects, "产业项目库", "产业扶贫项目库情况")))
    book.close()
    return len(stats.townships) + len(stats.categories) + len(stats.months) + 2 + relief_rows


# --- The responsibility table ----------------------------------------------------------------------

RESPONSIBILITY_COLUMNS = ["责任分工", "姓名", "单位及部门", "职务", "联系电话"]
RESPONSIBILITY_NOTES = [
    "说明：1. 直接负责人应填报行政部门和经办机构责任处（科）室或内设部门负责人；",
    "2. 具体工作责任人可根据需要加行填报。",
]


def responsibility_workbook_write(
    target: str | BinaryIO, *, unit: str, filled_on: datetime.date, lines: list[ResponsibilityLine]
) -> int:
    """附件2 医疗保障扶贫责任分工表 in the seed's layout."""
    book = xlsxwriter.Workbook(target, {"in_memory": True, **SAFE_TEXT})
    formats = small_book_formats(book)
    sheet = book.add_worksheet("责任分工表")
    writer = SheetWriter(book, sheet, formats)
    sheet.set_column(0, 0, 30)
    sheet.set_column(1, 1, 12)
    sheet.set_column(2, 2, 30)
    sheet.set_column(3, 4, 16)
    sheet.set_row(1, 32)
    writer.put(0, 0, "附件2", "note")
    writer.merged(1, 0, 4, "医疗保障扶贫责任分工表", "title")
    writer.merged(2, 0, 2, f"填报单位（盖章）：{unit}", "note")
    writer.merged(2, 3, 4, f"填报时间：{filled_on.year}年{filled_on.month}月{filled_on.day}日", "note")
    for col, name in enumerate(RESPONSIBILITY_COLUMNS):
        writer.put(3, col, name, "head")
    for row, line in enumerate(lines, start=4):
        record = line.record
        values = [line.label, *(getattr(record, name) if record else "" for name in RESPONSIBILITY_FIELDS)]
        for col, value in enumerate(values):
            writer.put(row, col, value)
    for offset, note in enumerate(RESPONSIBILITY_NOTES):
        writer.merged(4 + len(lines) + offset, 0, 4, note, "note")
    book.close()
    return len(lines)

