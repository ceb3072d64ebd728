"""The report of a contract list (签约名单导入报告): a summary sheet, then every row of the list with its outcome, for
the health commission to correct its list or file the result."""

from __future__ import annotations

from typing import BinaryIO

from health.contract_import import Outcome
from spreadsheets.list_batches import list_report_write

COLUMNS = ("行号", "身份证号", "户编号", "签约团队", "签约医生", "医生电话", "签约机构", "服务包", "签约日期", "生效日期",
           "到期日期", "结果", "说明")
# only ID numbers are masked: the doctor's phone is the clinic's, published to all
FIELDS = ("id_number", "household", "team", "doctor", "doctor_phone", "clinic", "package", "signed_on", "starts_on",
          "ends_on")
WIDTHS = (8, 22, 22, 24, 12, 16, 24, 12, 12, 12, 12, 14, 80)


def contract_report_write(target: str | BinaryIO, batch, *, mask_ids: bool) -> int:
    """Write the batch's report (as previewed, or as applied); returns the number of rows written."""
    return list_report_write(target, batch, title="签约名单", outcomes=Outcome, columns=COLUMNS, fields=FIELDS,
                             widths=WIDTHS, mask_ids=mask_ids)
