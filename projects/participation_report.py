"""The report of a participation list (产业参与名单导入报告): a summary sheet, then every row of the list with its
outcomes, for the township to correct its list or file the result."""

from __future__ import annotations

from typing import BinaryIO

from projects.participation_import import Outcome
from spreadsheets.list_batches import list_report_write

COLUMNS = ("行号", "身份证号", "姓名", "劳动能力", "项目编号", "项目名称", "参与方式", "参与日期", "结果", "说明")
FIELDS = ("id_number", "name", "labour_capacity", "project", "project_name", "role", "starts_on")
WIDTHS = (8, 22, 12, 14, 18, 30, 16, 12, 24, 80)


def participation_report_write(target: str | BinaryIO, batch, *, mask_ids: bool) -> int:
    """Write the batch's report (as previewed, or as applied); returns the number of rows written."""
    return list_report_write(target, batch, title="参与名单", outcomes=Outcome, columns=COLUMNS, fields=FIELDS,
                             widths=WIDTHS, mask_ids=mask_ids)
