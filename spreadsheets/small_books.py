"""Small report workbooks written with xlsxwriter (statistics, lists): typed, formula-safe cells with the
borders and number formats the reports share, and the sheet of a township table."""

from __future__ import annotations

from decimal import Decimal
from typing import BinaryIO

import xlsxwriter

from config.figures import TownshipTable

# Text is written as text: a name beginning with "=" is not a formula, a long ID number not a number.
SAFE_TEXT = {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
MONEY_FORMAT = "#,##0.00"
BORDER = {"border": 1, "valign": "vcenter"}
HEAD_FORMAT = {**BORDER, "bold": True, "align": "center", "text_wrap": True, "bg_color": "#EEF2F7"}
# A township table's column kinds (config.figures.Column.kind) as cell formats.
KIND_FORMATS = {"count": "count", "money": "money", "rate": "percent"}


class SheetWriter:
    """Typed, formula-safe cell writing on one small worksheet."""

    def __init__(self, book, sheet, formats):
        self.sheet, self.formats, self.book = sheet, formats, book

    def put(self, row: int, col: int, value, kind: str = "text") -> None:
        cell_format = self.formats[kind]
        if value is None:
            self.sheet.write_blank(row, col, None, cell_format)
        elif isinstance(value, str):
            self.sheet.write_string(row, col, value, cell_format)
        else:
            number = float(value) if isinstance(value, Decimal) else value
            self.sheet.write_number(row, col, number, cell_format)

    def merged(self, row: int, first_col: int, last_col: int, text: str, kind: str = "head") -> None:
        if first_col == last_col:
            self.put(row, first_col, text, kind)
        else:
            self.sheet.merge_range(row, first_col, row, last_col, "", None)
            self.sheet.write_string(row, first_col, text, self.formats[kind])
            for col in range(first_col + 1, last_col + 1):
                self.sheet.write_blank(row, col, None, self.formats[kind])


def small_book_formats(book) -> dict:
    return {
        "title": book.add_format({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"}),
        "note": book.add_format({"valign": "vcenter"}),
        "head": book.add_format(HEAD_FORMAT),
        "text": book.add_format({**BORDER, "text_wrap": True}),
        "count": book.add_format({**BORDER, "num_format": "0"}),
        "money": book.add_format({**BORDER, "num_format": MONEY_FORMAT}),
        "percent": book.add_format({**BORDER, "num_format": "0.00%"}),
    }


def township_table_sheet(book, formats: dict, table: TownshipTable, *, sheet_name: str, title: str) -> int:
    """A sheet of ``table``: its title, one heading row, a row per township and the total; returns the rows."""
    sheet = book.add_worksheet(sheet_name[:31])
    writer = SheetWriter(book, sheet, formats)
    width = 1 + len(table.columns)
    writer.merged(0, 0, width - 1, title, "title")
    writer.put(1, 0, "乡镇（街道）", "head")
    for col, column in enumerate(table.columns, start=1):
        writer.put(1, col, column.label, "head")
    sheet.set_row(1, 46)
    sheet.set_column(0, 0, 20)
    sheet.set_column(1, width - 1, 12)
    sheet.freeze_panes(2, 1)
    rows = [*table.rows, table.total]
    for index, row in enumerate(rows, start=2):
        writer.put(index, 0, row.name)
        for col, column in enumerate(table.columns, start=1):
            writer.put(index, col, row.values.get(column.key), KIND_FORMATS[column.kind])
    return len(rows)


def township_tables_write(target: str | BinaryIO, tables: list[tuple[TownshipTable, str]]) -> int:
    """A workbook of one sheet per (table, title), as the statistics downloads and commands write them; returns
    the rows written."""
    book = xlsxwriter.Workbook(target, {"in_memory": True, **SAFE_TEXT})
    formats = small_book_formats(book)
    written = sum(township_table_sheet(book, formats, table, sheet_name=table.title, title=title)
                  for table, title in tables)
    book.close()
    return written
