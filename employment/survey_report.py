"""The report of a survey list (摸排表导入报告): a summary sheet, then every row of the list with its outcome, for the
township to correct its list or file the result."""

from __future__ import annotations

from typing import BinaryIO

from employment.survey_import import ALIASES, FIELDS, Outcome
from spreadsheets.list_batches import list_report_write

COLUMNS = ("行号", ALIASES["id_number"][0], ALIASES["name"][0], *(ALIASES[name][0] for name in FIELDS), "结果", "说明")
REPORTED = ("id_number", "name", *FIELDS)
WIDTHS = (8, 22, 10, 10, 24, 14, 16, 10, 20, 10, 20, 24, 12, 10, 8, 80)


def survey_report_write(target: str | BinaryIO, batch, *, mask_ids: bool) -> int:
    """Write the batch's report (as previewed, or as applied); returns the number of rows written."""
    return list_report_write(target, batch, title="摸排表", outcomes=Outcome, columns=COLUMNS, fields=REPORTED,
                             widths=WIDTHS, mask_ids=mask_ids)
