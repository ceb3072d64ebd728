"""The report of a contract list (签约名单导入报告): a summary sheet, then every row of the list with its outcome, for
the health commission to correct its list or file the result."""

from __future__ import annotations

from typing import BinaryIO

from openpyxl import Workbook

from beneficiaries.idnumbers import mask
from health.contract_import import Outcome
from health.models import ContractBatch
from spreadsheets.list_batches import batch_summary_sheet
from spreadsheets.writing import safe_text

COLUMNS = ("行号", "身份证号", "户编号", "签约团队", "签约医生", "医生电话", "签约机构", "服务包", "签约日期", "生效日期",
           "到期日期", "结果", "说明")
FIELDS = ("id_number", "household", "team", "doctor", "doctor_phone", "clinic", "package", "signed_on", "starts_on",
          "ends_on")
WIDTHS = (8, 22, 22, 24, 12, 16, 24, 12, 12, 12, 12, 14, 80)


def contract_report_write(target: str | BinaryIO, batch: ContractBatch, *, mask_ids: bool) -> int:
    """Write the batch's report (as previewed, or as applied); returns the number of rows written."""
    labels = dict(Outcome.choices)
    book = Workbook(write_only=True)
    batch_summary_sheet(book, batch, title="签约名单", outcomes=Outcome)

    sheet = book.create_sheet("逐行结果")
    for index, width in enumerate(WIDTHS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.append(list(COLUMNS))
    for row in batch.rows:
        values = {name: row.get(name) or "" for name in FIELDS}
        if mask_ids and values["id_number"]:
            values["id_number"] = mask(values["id_number"])  # the doctor's phone is the clinic's, published to all
        sheet.append([row["row"], *(safe_text(values[name]) for name in FIELDS), labels.get(row["outcome"], ""),
                      safe_text(row["message"])])
    book.save(target)
    return len(batch.rows)
