"""The monthly statement of payables (应付款对账单) as the finance office signs it: per hospital, one row per
bill with what each fund owes for it, a totals row, the totals by fund with the amount in capitals, and the
signature lines. One sheet per hospital.

Every text is written with ``write_string`` and ``strings_to_formulas`` is off, so a name that begins with
``=`` stays text; amounts are numbers (computed exactly, not Excel formulas). ID numbers are masked unless the
user may see sensitive data. Each export is written to the access log (``EXPORT``, ``payables``) with the
month, area, hospital and number of bills.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import BinaryIO

import xlsxwriter
from django.utils import timezone

from accounts.models import AccessLog, User
from accounts.services import access_log_record
from beneficiaries.idnumbers import mask
from payments.selectors import HospitalPayables, Payables
from policies.document import FUNDS
from regions.models import Region
from spreadsheets.small_books import SAFE_TEXT

HEADERS = ["序号", "账单号", "结算号", "姓名", "身份证号", "入院日期", "出院/就诊日期", "总费用",
           *FUNDS.values(), "合计"]
WIDTHS = [6, 9, 9, 10, 21, 12, 13, 13, 13, 13, 13, 13, 14]
FIRST_MONEY = HEADERS.index("总费用")
MONEY_FORMAT = "#,##0.00"
SIGNATURES = [(0, 2, "经办人："), (3, 5, "审核人："), (6, 9, "医院财务负责人："), (10, 12, "日期：      年    月    日")]
TITLE = "{hospital} {month} 医疗保障扶贫结算应付款对账单"
NOTE = ("仅含在窗口“一站式”结算、未作废的账单，按出院/就诊日期归属月份；医保平台已结算的部分不在其内。"
        "拨付后发生的变动以补付/追回在后续拨付批次中结算。金额单位：元。")

DIGITS = "零壹贰叁肆伍陆柒捌玖"
SMALL_UNITS = ["", "拾", "佰", "仟"]
LARGE_UNITS = ["", "万", "亿", "万亿"]


def _four_digits(number: int) -> str:
    """0 < number < 10000 in capitals, zeros inside spoken once (1010 → 壹仟零壹拾)."""
    text, zero = "", False
    for position in range(3, -1, -1):
        digit = number // 10 ** position % 10
        if digit == 0:
            zero = bool(text)
        else:
            text += ("零" if zero else "") + DIGITS[digit] + SMALL_UNITS[position]
            zero = False
    return text


def rmb_capitals(amount: Decimal) -> str:
    """An amount in yuan as written on a finance form: ``1234.50`` → 壹仟贰佰叁拾肆元伍角整."""
    amount = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "负" if amount < 0 else ""
    amount = abs(amount)
    yuan = int(amount)
    jiao, fen = divmod(int((amount - yuan) * 100), 10)
    groups = []
    while yuan:
        groups.append(yuan % 10000)
        yuan //= 10000
    integer, gap = "", False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            gap = bool(integer)
            continue
        if integer and (gap or group < 1000):
            integer += "零"
        integer += _four_digits(group) + LARGE_UNITS[index]
        gap = False
    text = integer + "元" if integer else ""
    if jiao:
        text += DIGITS[jiao] + "角"
    elif fen and integer:
        text += "零"
    if fen:
        text += DIGITS[fen] + "分"
    return sign + (text or "零元") + ("" if fen else "整")


def _sheet_name(name: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "", name).strip("'")[:31] or "对账单"
    candidate, number = base, 2
    while candidate in used:
        suffix = f"({number})"
        candidate, number = base[:31 - len(suffix)] + suffix, number + 1
    used.add(candidate)
    return candidate


def _area_name(code: str) -> str:
    if not code:
        return "全部区域"
    region = Region.objects.filter(code=code).first()
    return f"{region.name}（{code}）" if region is not None else code


class _Sheet:
    def __init__(self, book, formats: dict, payables: Payables, payable: HospitalPayables, used: set[str],
                 show_ids: bool):
        self.book, self.formats, self.payables, self.payable = book, formats, payables, payable
        self.sheet = book.add_worksheet(_sheet_name(payable.hospital.name, used))
        self.show_ids = show_ids
        self.last_column = len(HEADERS) - 1

    def text(self, row: int, column: int, value: str, kind: str = "text") -> None:
        self.sheet.write_string(row, column, value, self.formats[kind])

    def money(self, row: int, column: int, value: Decimal, kind: str = "money") -> None:
        self.sheet.write_number(row, column, float(value), self.formats[kind])

    def banner(self, row: int, value: str, kind: str, height: int | None = None) -> None:
        self.sheet.merge_range(row, 0, row, self.last_column, "", self.formats[kind])
        self.text(row, 0, value, kind)
        if height:
            self.sheet.set_row(row, height)

    def write(self) -> None:
        hospital = self.payable.hospital
        self.sheet.set_paper(9)  # A4
        self.sheet.set_landscape()
        self.sheet.fit_to_pages(1, 0)
        self.banner(0, TITLE.format(hospital=hospital.name, month=self.payables.period.label), "title", 30)
        code = f"（机构编码 {hospital.code}）" if hospital.code else ""
        self.banner(1, f"医疗机构：{hospital.name}{code}　区域：{_area_name(self.payables.area)}　"
                       f"结算月份：{self.payables.period.label}　制表日期：{timezone.localdate():%Y-%m-%d}", "info")
        self.banner(2, NOTE, "note", 30)
        header_row = 3
        for column, (header, width) in enumerate(zip(HEADERS, WIDTHS, strict=True)):
            self.text(header_row, column, header, "head")
            self.sheet.set_column(column, column, width)
        self.sheet.repeat_rows(header_row)
        self.sheet.freeze_panes(header_row + 1, 0)
        row = header_row + 1
        for number, bill in enumerate(self.payable.bills, start=1):
            self.sheet.write_number(row, 0, number, self.formats["count"])
            self.sheet.write_number(row, 1, bill.claim_id, self.formats["count"])
            if bill.settlement_id is None:
                self.sheet.write_blank(row, 2, None, self.formats["count"])
            else:
                self.sheet.write_number(row, 2, bill.settlement_id, self.formats["count"])
            self.text(row, 3, bill.name)
            self.text(row, 4, bill.id_number if self.show_ids else mask(bill.id_number), "id")
            self.text(row, 5, f"{bill.admitted_on:%Y-%m-%d}" if bill.admitted_on else "")
            self.text(row, 6, f"{bill.discharged_on:%Y-%m-%d}")
            self.money(row, FIRST_MONEY, bill.total)
            for offset, fund in enumerate(FUNDS, start=FIRST_MONEY + 1):
                self.money(row, offset, bill.by_fund[fund])
            self.money(row, self.last_column, bill.owed)
            row += 1
        self.sheet.merge_range(row, 0, row, FIRST_MONEY - 1, "", self.formats["total_text"])
        self.text(row, 0, f"合计（{len(self.payable.bills)} 张账单）", "total_text")
        self.money(row, FIRST_MONEY, self.payable.bills_total, "total_money")
        by_fund = self.payable.by_fund
        for offset, fund in enumerate(FUNDS, start=FIRST_MONEY + 1):
            self.money(row, offset, by_fund[fund], "total_money")
        self.money(row, self.last_column, self.payable.total, "total_money")
        self.funds(row + 2, by_fund)

    def funds(self, row: int, by_fund: dict[str, Decimal]) -> None:
        self.text(row, 0, "分基金汇总", "section")
        row += 1
        self.sheet.merge_range(row, 1, row, 2, "", self.formats["head"])
        for column, header in ((1, "资金"), (3, "账单数"), (4, "应付金额")):
            self.text(row, column, header, "head")
        for fund, name in FUNDS.items():
            row += 1
            self.sheet.merge_range(row, 1, row, 2, "", self.formats["text"])
            self.text(row, 1, name)
            self.sheet.write_number(row, 3, sum(1 for b in self.payable.bills if b.by_fund[fund]),
                                    self.formats["count"])
            self.money(row, 4, by_fund[fund])
        row += 1
        self.sheet.merge_range(row, 1, row, 3, "", self.formats["total_text"])
        self.text(row, 1, "应付合计", "total_text")
        self.money(row, 4, self.payable.total, "total_money")
        row += 1
        self.sheet.merge_range(row, 1, row, self.last_column, "", self.formats["text"])
        self.text(row, 1, f"应付合计（大写）：人民币{rmb_capitals(self.payable.total)}")
        row += 3
        for first, last, label in SIGNATURES:
            self.sheet.merge_range(row, first, row, last, "", self.formats["sign"])
            self.text(row, first, label, "sign")
        self.sheet.set_row(row, 36)


def statement_write(*, user: User, payables: Payables, path: str | Path | BinaryIO) -> int:
    """Write the statement of ``payables`` (one sheet per hospital) to ``path`` (a file name or a binary
    stream) and log the export; returns the number of bills written."""
    target = str(path) if isinstance(path, str | Path) else path
    book = xlsxwriter.Workbook(target, {**SAFE_TEXT, "in_memory": not isinstance(target, str)})
    border = {"border": 1, "valign": "vcenter"}
    formats = {
        "title": book.add_format({"bold": True, "font_size": 15, "align": "center", "valign": "vcenter"}),
        "info": book.add_format({"align": "left", "valign": "vcenter"}),
        "note": book.add_format({"align": "left", "valign": "top", "text_wrap": True, "font_color": "#555555"}),
        "head": book.add_format({**border, "bold": True, "align": "center", "text_wrap": True,
                                 "bg_color": "#EEF2F7"}),
        "text": book.add_format(border),
        "id": book.add_format({**border, "num_format": "@"}),
        "count": book.add_format({**border, "num_format": "0"}),
        "money": book.add_format({**border, "num_format": MONEY_FORMAT}),
        "total_text": book.add_format({**border, "bold": True, "align": "center"}),
        "total_money": book.add_format({**border, "bold": True, "num_format": MONEY_FORMAT}),
        "section": book.add_format({"bold": True, "font_size": 12}),
        "sign": book.add_format({"valign": "bottom"}),
    }
    used: set[str] = set()
    for payable in payables.hospitals:
        _Sheet(book, formats, payables, payable, used, user.sees_sensitive).write()
    if not payables.hospitals:
        sheet = book.add_worksheet("应付款")
        sheet.set_column(0, 0, 60)
        sheet.write_string(0, 0, f"{payables.period.label} {_area_name(payables.area)} 没有窗口结算的应付款。",
                           formats["title"])
    book.close()
    hospital = payables.hospital.name if payables.hospital is not None else "全部医疗机构"
    access_log_record(user=user, action=AccessLog.Action.EXPORT, object_id="payables",
                      detail=f"应付款对账单：{payables.month}，{_area_name(payables.area)}，{hospital}",
                      rows=payables.bills)
    return payables.bills
