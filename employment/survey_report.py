"""The report of a survey list (摸排表导入报告): a summary sheet, then every row of the list with its outcome, for the
township to correct its list or file the result."""

from __future__ import annotations

from typing import BinaryIO

from openpyxl import Workbook

from beneficiaries.idnumbers import mask
from employment.models import SurveyBatch
from employment.survey_import import ALIASES, FIELDS, Outcome
from spreadsheets.list_batches import batch_summary_sheet
from spreadsheets.writing import safe_text

COLUMNS = ("行号", ALIASES["id_number"][0], ALIASES["name"][0], *(ALIASES[name][0] for name in FIELDS), "结果", "说明")
WIDTHS = (8, 22, 10, 10, 24, 14, 16, 10, 20, 10, 20, 24, 12, 10, 8, 80)


def survey_report_write(target: str | BinaryIO, batch: SurveyBatch, *, mask_ids: bool) -> int:
    """Write the batch's report (as previewed, or as applied); returns the number of rows written."""
    labels = dict(Outcome.choices)
    book = Workbook(write_only=True)
    batch_summary_sheet(book, batch, title="摸排表", outcomes=Outcome)

    sheet = book.create_sheet("逐行结果")
    for index, width in enumerate(WIDTHS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.append(list(COLUMNS))
    for row in batch.rows:
        id_number = row["id_number"]
        if mask_ids and id_number:
            id_number = mask(id_number)
        sheet.append([row["row"], safe_text(id_number), safe_text(row["name"]),
                      *(safe_text(str(row.get(name) or "")) for name in FIELDS),
                      labels.get(row["outcome"], ""), safe_text(row["message"])])
    book.save(target)
    return len(batch.rows)
