from pathlib import Path
from typing import BinaryIO

import xlsxwriter
from django.utils import timezone

from accounts.models import AccessLog
from accounts.services import access_log_record
from beneficiaries.idnumbers import mask
from claims.models import Claim
from claims.selectors import DayTally
from config.money import amount_in_words
from spreadsheets.small_books import SAFE_TEXT
from policies.document import FUNDS
from spreadsheets.writing import MONEY_FORMAT, simple_workbook

ADJUSTMENT_HEADERS = ["时间", "类型", "姓名", "身份证号", "医疗机构", "出院/就诊日期", "账单号", "保障层次", "资金",
                      "原支付", "新支付", "差额", "操作人"]


def adjustments_workbook(adjustments, user):
    """补付/追回清单 for the finance office; ID numbers masked unless the user may see them."""
    show = user.sees_sensitive
    rows = (
        [a.created_at.strftime("%Y-%m-%d %H:%M"), a.get_kind_display(), a.claim.beneficiary.name,
         a.claim.beneficiary.id_number if show else mask(a.claim.beneficiary.id_number), a.claim.hospital.name,
         a.claim.discharged_on.isoformat(), str(a.claim_id), a.name, a.get_fund_display(), a.before, a.after,
         a.difference, str(a.created_by)]
        for a in adjustments
    )
    return simple_workbook("补付追回清单", ADJUSTMENT_HEADERS, rows)


DAY_HEADERS = ["录入人", "账单数", "其中已作废", "总费用", *FUNDS.values(), "各项保障合计", "个人自付"]
DAY_BILL_HEADERS = ["序号", "账单号", "结算单号", "录入时间", "录入人", "姓名", "身份证号", "医疗机构", "就诊类型",
                    "出院/就诊日期", "状态", "总费用", *FUNDS.values(), "各项保障合计", "个人自付"]
DAY_SIGNATURES = "经办人：　　　　　　复核人：　　　　　　经办机构（盖章）："


def clerk_name(clerk) -> str:
    return clerk.get_full_name() or clerk.username


def day_tally_write(*, user, tally: DayTally, area_name: str, target: str | Path | BinaryIO) -> int:
    """The 日结 workbook: a summary sheet (per clerk, the day's totals, the amounts in capitals, the signature
    line) and the day's bills, one row each (a voided bill named, its amounts left out). ID numbers are masked
    unless the user may see them; the export is written to the access log. Returns the number of bills."""
    book = xlsxwriter.Workbook(str(target) if isinstance(target, str | Path) else target,
                               {**SAFE_TEXT, "in_memory": not isinstance(target, str | Path)})
    money = book.add_format({"num_format": MONEY_FORMAT, "border": 1})
    total_money = book.add_format({"num_format": MONEY_FORMAT, "border": 1, "bold": True})
    text = book.add_format({"border": 1})
    bold = book.add_format({"border": 1, "bold": True})
    head = book.add_format({"border": 1, "bold": True, "bg_color": "#EEF2F7", "text_wrap": True})
    title = book.add_format({"bold": True, "font_size": 14})

    summary = book.add_worksheet("日结汇总")
    summary.set_paper(9)  # A4
    summary.fit_to_pages(1, 0)
    summary.write_string(0, 0, f"{area_name} {tally.day:%Y-%m-%d} 日结", title)
    summary.write_string(1, 0, f"录入人：{clerk_name(tally.clerk) if tally.clerk else '全部'}　"
                               f"制表时间：{timezone.localtime():%Y-%m-%d %H:%M}　金额单位：元")
    summary.set_column(0, len(DAY_HEADERS) - 1, 13)
    for column, header in enumerate(DAY_HEADERS):
        summary.write_string(3, column, header, head)

    def line(row: int, label: str, part, label_format, money_format) -> None:
        summary.write_string(row, 0, label, label_format)
        summary.write_number(row, 1, len(part.bills), label_format)
        summary.write_number(row, 2, part.voided, label_format)
        amounts = [part.total, *part.by_fund.values(), part.paid, part.personal]
        for column, amount in enumerate(amounts, start=3):
            summary.write_number(row, column, float(amount), money_format)

    row = 4
    for part in tally.clerks:
        line(row, clerk_name(part.clerk), part, text, money)
        row += 1
    whole = tally.all
    line(row, "合计", whole, bold, total_money)
    summary.write_string(row + 1, 0, f"各项保障合计（大写）：人民币{amount_in_words(whole.paid)}　"
                                     f"个人自付（大写）：人民币{amount_in_words(whole.personal)}")
    summary.write_string(row + 2, 0, "已作废的账单只计入“其中已作废”，不计入金额。")
    summary.write_string(row + 4, 0, DAY_SIGNATURES)

    bills = book.add_worksheet("账单明细")
    bills.freeze_panes(1, 0)
    bills.set_column(0, len(DAY_BILL_HEADERS) - 1, 12)
    bills.set_column(6, 6, 21)
    bills.set_column(7, 7, 20)
    for column, header in enumerate(DAY_BILL_HEADERS):
        bills.write_string(0, column, header, head)
    show_ids = user.sees_sensitive
    for number, claim in enumerate(whole.bills, start=1):
        settlement = claim.current[0] if claim.current else None
        person = claim.beneficiary
        cells = [str(claim.pk), settlement.number if settlement else "",
                 f"{timezone.localtime(claim.entered_at):%Y-%m-%d %H:%M}", clerk_name(claim.entered_by), person.name,
                 person.id_number if show_ids else mask(person.id_number), claim.hospital.name,
                 claim.get_visit_type_display(), f"{claim.discharged_on:%Y-%m-%d}", claim.get_status_display()]
        bills.write_number(number, 0, number, text)
        for column, value in enumerate(cells, start=1):
            bills.write_string(number, column, value, text)
        if settlement is not None and claim.status == Claim.Status.SETTLED:
            amounts = [settlement.total, *settlement.by_fund.values(), settlement.total - settlement.personal,
                       settlement.personal]
            for column, amount in enumerate(amounts, start=len(cells) + 1):
                bills.write_number(number, column, float(amount), money)
    book.close()
    access_log_record(user=user, action=AccessLog.Action.EXPORT, object_id="day_tally",
                      detail=f"日结导出：{area_name} {tally.day:%Y-%m-%d}"
                             + (f"，录入人 {tally.clerk.username}" if tally.clerk else ""),
                      rows=len(whole.bills))
    return len(whole.bills)
