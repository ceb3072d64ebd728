"""The report of a participation list (产业参与名单导入报告): a summary sheet, then every row of the list with its
outcomes, for the township to correct its list or file the result."""

from __future__ import annotations

from typing import BinaryIO

from openpyxl import Workbook

from beneficiaries.idnumbers import mask
from projects.models import ParticipationBatch
from projects.participation_import import Outcome
from spreadsheets.list_batches import batch_summary_sheet
from spreadsheets.writing import safe_text

COLUMNS = ("行号", "身份证号", "姓名", "劳动能力", "项目编号", "项目名称", "参与方式", "参与日期", "结果", "说明")
FIELDS = ("id_number", "name", "labour_capacity", "project", "project_name", "role", "starts_on")
WIDTHS = (8, 22, 12, 14, 18, 30, 16, 12, 24, 80)


def participation_report_write(target: str | BinaryIO, batch: ParticipationBatch, *, mask_ids: bool) -> int:
    """Write the batch's report (as previewed, or as applied); returns the number of rows written."""
    book = Workbook(write_only=True)
    batch_summary_sheet(book, batch, title="参与名单", outcomes=Outcome)

    sheet = book.create_sheet("逐行结果")
    for index, width in enumerate(WIDTHS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.append(list(COLUMNS))
    for row in batch.rows:
        values = {name: row.get(name) or "" for name in FIELDS}
        if mask_ids and values["id_number"]:
            values["id_number"] = mask(values["id_number"])
        sheet.append([row["row"], *(safe_text(values[name]) for name in FIELDS), row["outcome_text"],
                      safe_text(row["message"])])
    book.save(target)
    return len(batch.rows)
