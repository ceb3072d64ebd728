"""The month's payables and the statement a finance office signs: one hospital's month equals the sum of
its bills' fund shares, to the cent."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from accounts.models import AccessLog
from config.periods import month_period
from payments.exports import HEADERS, rmb_capitals, statement_write
from payments.selectors import payables_for, payables_of_month
from policies.document import FUNDS
from tests.payments.conftest import owed

D = datetime.date
DECEMBER = month_period(2017, 12)
FUND_COLUMNS = [HEADERS.index(name) for name in FUNDS.values()]


def cents(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def test_a_hospitals_month_equals_the_sum_of_its_bills_fund_shares(december, county_hospital, county_admin):
    # given: December's window bills at the county hospital, of both townships
    listed = [december[name] for name in ("a_inpatient", "a_outpatient", "b_inpatient", "b_recorded")]
    expected = {fund: sum((owed(claim)[fund] for claim in listed), Decimal("0.00")) for fund in FUNDS}

    # when
    payables = payables_for(user=county_admin, period=DECEMBER, hospital=county_hospital)

    # then: November's, the voided, the imported and the city hospital's bills are not on it
    [payable] = payables.hospitals
    assert sorted(bill.claim_id for bill in payable.bills) == sorted(claim.pk for claim in listed)
    assert payable.by_fund == expected
    assert payable.total == sum(expected.values())
    assert payable.total == sum(bill.owed for bill in payable.bills)
    # the platform settled the recorded bill's basic share: the fund owes the rest only
    recorded = next(bill for bill in payable.bills if bill.claim_id == december["b_recorded"].pk)
    assert recorded.by_fund["basic"] == owed(december["b_recorded"])["basic"]
    assert recorded.by_fund["basic"] < december["b_recorded"].settlements.get(superseded_at__isnull=True).basic


def test_the_statement_workbook_adds_up_to_the_cent_and_is_signed(december, county_hospital, county_admin):
    # given
    payables = payables_for(user=county_admin, period=DECEMBER, hospital=county_hospital)
    buffer = io.BytesIO()

    # when
    written = statement_write(user=county_admin, payables=payables, path=buffer)

    # then
    assert written == 4
    sheet = load_workbook(io.BytesIO(buffer.getvalue())).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "county 医院 2017年12月 医疗保障扶贫结算应付款对账单"
    header = rows.index(HEADERS)
    bills = rows[header + 1:header + 5]
    totals = rows[header + 5]
    assert totals[0] == "合计（4 张账单）"
    for column, fund in zip(FUND_COLUMNS, FUNDS, strict=True):
        assert cents(totals[column]) == payables.hospitals[0].by_fund[fund]
        assert sum(cents(row[column]) for row in bills) == cents(totals[column])
    assert cents(totals[-1]) == payables.total
    texts = [value for row in rows for value in row if isinstance(value, str)]
    assert f"应付合计（大写）：人民币{rmb_capitals(payables.total)}" in texts
    for label in ("经办人：", "审核人：", "医院财务负责人："):
        assert label in texts
    log = AccessLog.objects.get(user=county_admin, action=AccessLog.Action.EXPORT, object_id="payables")
    assert log.rows == 4 and "2017-12" in log.detail


def test_id_numbers_are_masked_for_a_user_without_the_sensitive_permission(december, county_hospital, viewer,
                                                                           county_admin):
    number = december["a_inpatient"].beneficiary.id_number
    for user, shown in ((viewer, number[:4] + "*" * 10 + number[-4:]), (county_admin, number)):
        buffer = io.BytesIO()
        statement_write(user=user, payables=payables_for(user=user, period=DECEMBER), path=buffer)
        book = load_workbook(io.BytesIO(buffer.getvalue()))
        texts = {cell.value for sheet in book for row in sheet.iter_rows() for cell in row}
        assert shown in texts
        if user is viewer:
            assert number not in texts


def test_without_a_hospital_there_is_one_sheet_per_hospital(december, county_admin):
    buffer = io.BytesIO()
    payables = payables_for(user=county_admin, period=DECEMBER)
    statement_write(user=county_admin, payables=payables, path=buffer)
    book = load_workbook(io.BytesIO(buffer.getvalue()))
    assert book.sheetnames == ["city 医院", "county 医院"]


def test_a_formula_like_name_stays_text(policy, make_person, village_a, covered, settle, clerk_a, county_admin):
    person = covered(make_person(village_a, name="=HYPERLINK(\"http://x\")"), 2017, ["poor"])
    settle(clerk_a, person, day=D(2017, 12, 4), total="1000", in_catalog="800")
    buffer = io.BytesIO()
    statement_write(user=county_admin, payables=payables_for(user=county_admin, period=DECEMBER), path=buffer)
    sheet = load_workbook(io.BytesIO(buffer.getvalue())).active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value == "=HYPERLINK(\"http://x\")"]
    assert cells and all(cell.data_type == "s" for cell in cells)


def test_a_township_sees_only_its_own_peoples_bills(december, county_hospital, admin_a):
    payables = payables_for(user=admin_a, period=DECEMBER, hospital=county_hospital)
    assert {bill.name for bill in payables.hospitals[0].bills} == {"田小红"}


def test_the_area_of_another_township_is_refused(december, admin_b, township_a):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as info:
        payables_for(user=admin_b, period=DECEMBER, area=township_a.code)
    assert info.value.code == "outside_area"


def test_a_month_without_bills_owes_nothing(december, county_hospital, county_admin):
    payables = payables_of_month(prefix="", period=month_period(2018, 1), hospital=county_hospital)
    assert payables.total == Decimal("0.00") and payables.hospitals[0].bills == []


@pytest.mark.parametrize(("amount", "capitals"), [
    ("1234.50", "壹仟贰佰叁拾肆元伍角整"),
    ("0.05", "伍分"),
    ("10.05", "壹拾元零伍分"),
    ("100010.00", "壹拾万零壹拾元整"),
    ("1005.30", "壹仟零伍元叁角整"),
    ("200000000.01", "贰亿元零壹分"),
    ("0", "零元整"),
    ("-86.00", "负捌拾陆元整"),
    ("120300.78", "壹拾贰万零叁佰元柒角捌分"),
])
def test_amounts_in_capitals(amount, capitals):
    assert rmb_capitals(Decimal(amount)) == capitals
