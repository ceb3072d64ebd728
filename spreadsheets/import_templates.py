"""Blank forms for the imports: a workbook with the headers an importer reads, one example row, and a sheet
saying what each column takes.

The headers are not written here: each template names the fields of its importer's own alias table (the
first alias of each, the one its error messages use), so a column renamed in the importer is renamed in
its template too.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Font

from spreadsheets.writing import safe_text

WIDTH_PER_CHARACTER = 2.2  # a CJK character is about two of Excel's width units


@dataclass(frozen=True)
class TemplateColumn:
    field: str  # a key of the importer's alias table
    explanation: str
    example: str


@dataclass(frozen=True)
class ImportTemplate:
    """An importer's columns as a blank form: ``aliases`` and ``required`` are the importer's own."""

    name: str  # the download's file name, without the extension
    aliases: Mapping[str, Sequence[str]]
    required: Sequence[str]
    columns: Sequence[TemplateColumn]
    notes: Sequence[str] = ()

    def __post_init__(self):
        unknown = [column.field for column in self.columns if column.field not in self.aliases]
        missing = [field for field in self.required if field not in {column.field for column in self.columns}]
        if unknown or missing:
            raise ValueError(f"模板“{self.name}”的列与导入程序不符：多出 {unknown}，缺少 {missing}。")

    def header(self, column: TemplateColumn) -> str:
        return self.aliases[column.field][0]

    @property
    def headers(self) -> list[str]:
        return [self.header(column) for column in self.columns]

    def workbook(self) -> io.BytesIO:
        """The template: sheet 1 the headers and the example row (all text, as the importers read it),
        sheet 2 each column's meaning, whether it is required and the other headers accepted."""
        book = Workbook()
        sheet = book.active
        sheet.title = "填写"
        sheet.append(self.headers)
        sheet.append([safe_text(column.example) for column in self.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for cell in sheet[2]:
            cell.number_format = "@"  # text: an ID number typed here keeps its 18 digits
        for index, column in enumerate(self.columns, start=1):
            letter = sheet.cell(row=1, column=index).column_letter
            width = max(len(self.header(column)), len(column.example), 6) * WIDTH_PER_CHARACTER
            sheet.column_dimensions[letter].width = min(width, 60)
        sheet.freeze_panes = "A2"

        guide = book.create_sheet("填写说明")
        guide.append(["列名", "是否必填", "填写说明", "示例", "也可写作"])
        for cell in guide[1]:
            cell.font = Font(bold=True)
        for column in self.columns:
            guide.append(
                [
                    self.header(column),
                    "必填" if column.field in self.required else "可选",
                    column.explanation,
                    safe_text(column.example),
                    "、".join(self.aliases[column.field][1:]),
                ]
            )
        for note in self.notes:
            guide.append([])
            guide.append([note])
        for letter, width in zip("ABCDE", (18, 10, 70, 24, 50), strict=True):
            guide.column_dimensions[letter].width = width

        buffer = io.BytesIO()
        book.save(buffer)
        buffer.seek(0)
        return buffer
