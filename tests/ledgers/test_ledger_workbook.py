"""The exported ledger read back with openpyxl: ledger.md's layout, types and totals."""

import datetime
import zipfile
from decimal import Decimal

import pytest
from django.db.models import Count, Sum
from openpyxl import load_workbook

from accounts.models import AccessLog
from beneficiaries.idnumbers import mask
from claims.models import Settlement
from ledgers import workbooks
from ledgers.columns import COLUMNS, VISIT_MEASURES, visit_column
from config.periods import days_period
from ledgers.selectors import LedgerFilter
from ledgers.services import ledger_export_write
from policies.document import VISIT_TYPES
from tests.ledgers.conftest import FORMULA_NAME, YEAR

D = datetime.date


def export(user, ledger_filter, tmp_path, name="ledger.xlsx"):
    path = tmp_path / name
    rows = ledger_export_write(user=user, ledger_filter=ledger_filter, path=path)
    return rows, load_workbook(path)


def column_names(sheet) -> list[str]:
    """The name of each column as the header rows show it (the lowest labelled row above the numbers)."""
    names = []
    for col in range(1, 37):
        names.append(next(sheet.cell(row, col).value for row in (5, 4, 3) if sheet.cell(row, col).value))
    return names


def data_rows(sheet):
    return [[cell.value for cell in row] for row in sheet.iter_rows(min_row=7, max_col=36)]


def test_the_exported_ledger_has_the_layout_of_ledger_md(county_2017, year_filter, county_admin, tmp_path):
    rows, book = export(county_admin, year_filter, tmp_path)
    sheet = book.worksheets[0]
    assert rows == 3
    assert sheet["A1"].value == f"酉阳土家族苗族自治县医疗保障扶贫对象综合管理台账（{YEAR}年）"
    assert sheet["A2"].value == "基本信息及参保情况" and sheet["S2"].value == "待遇保障情况"
    assert [sheet.cell(3, col).value for col in (19, 25, 31)] == ["发生普通门诊费用", "发生门诊特慢病费用", "发生住院费用"]
    assert [sheet.cell(4, col).value for col in (21, 27, 33)] == ["各项制度待遇"] * 3
    assert [sheet.cell(6, col).value for col in range(1, 37)] == list(range(1, 37))
    assert column_names(sheet) == [column.name for column in COLUMNS]
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A1:AJ1", "A2:R2", "S2:AJ2", "A3:A5", "R3:R5", "S3:X3", "S4:S5", "T4:T5", "U4:X4", "AE3:AJ3"} <= merged
    assert sheet.freeze_panes == "F7"


def test_ids_are_text_amounts_are_numbers_and_totals_are_the_database_sums(
    county_2017, year_filter, county_admin, tmp_path
):
    _, book = export(county_admin, year_filter, tmp_path)
    sheet = book.worksheets[0]
    *people, totals = data_rows(sheet)
    red = next(row for row in people if row[3] == "田小红")
    id_cell = sheet.cell(7 + people.index(red), 5)
    assert id_cell.data_type == "s" and id_cell.value == county_2017["red"].id_number
    assert red[:3] == ["酉阳土家族苗族自治县", "500242100201", "红花村"]
    assert red[5:18] == ["是", "否", "是", "否", "否", "否", "否", "否", "否", "是", "是", 180, "是"]
    assert all(isinstance(value, (int, float)) for row in people for value in row[18:])
    assert sheet.cell(7, 20).number_format == "#,##0.00"

    settlements = Settlement.objects.current().filter(claim__discharged_on__year=YEAR)
    assert totals[0] == "合计" and totals[3] == "3 人"
    for visit_type in VISIT_TYPES:
        of_type = settlements.filter(claim__visit_type=visit_type)
        expected = of_type.aggregate(bills=Count("pk"), **{m: Sum(m) for m in VISIT_MEASURES[1:]})
        for measure in VISIT_MEASURES:
            value = totals[visit_column(visit_type, measure).index]
            if measure == "bills":
                assert value == expected["bills"]
            else:
                assert Decimal(str(value)) == (expected[measure] or Decimal(0)).quantize(Decimal("0.01"))
    assert totals[16] == 280  # subsidies of 田小红 and 白明华; 仅参保 is not listed
    assert totals[5] == 1 and totals[7] == 2  # 是 in 建档立卡 and 农村低保


def test_a_voided_bill_and_a_superseded_settlement_are_not_counted(county_2017, year_filter, county_admin, tmp_path):
    _, book = export(county_admin, year_filter, tmp_path)
    red = next(row for row in data_rows(book.worksheets[0]) if row[3] == "田小红")
    inpatient_bills = red[visit_column("inpatient", "bills").index]
    assert inpatient_bills == 1  # the voided 5,000 bill is left out
    assert red[visit_column("inpatient", "total").index] == 60000


def test_cells_that_look_like_formulas_stay_text(county_2017, year_filter, county_admin, tmp_path):
    path = tmp_path / "ledger.xlsx"
    ledger_export_write(user=county_admin, ledger_filter=year_filter, path=path)
    sheet = load_workbook(path).worksheets[0]
    cell = next(row[3] for row in sheet.iter_rows(min_row=7) if row[3].value == FORMULA_NAME)
    assert cell.data_type == "s"
    sheet_xml = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml


def test_a_user_without_the_sensitive_permission_gets_masked_ids(county_2017, year_filter, viewer, tmp_path):
    _, book = export(viewer, year_filter, tmp_path)
    ids = [row[4] for row in data_rows(book.worksheets[0])[:-1]]
    assert mask(county_2017["red"].id_number) in ids
    assert county_2017["red"].id_number not in ids


def test_who_is_listed_follows_the_period_and_the_as_of_day(county_2017, county, county_admin, tmp_path):
    # October: 田小红 holds 建档立卡 (not 低保 any more); 白明华 holds 低保; the formula person has no bill yet.
    october = LedgerFilter(area_code=county.code, period=days_period(D(YEAR, 10, 1), D(YEAR, 10, 31)))
    _, book = export(county_admin, october, tmp_path)
    rows = {row[3]: row for row in data_rows(book.worksheets[0])[:-1]}
    assert set(rows) == {"田小红", "白明华"}
    assert rows["田小红"][7] == "否"
    # For the whole year, but with categories as of 1 July: 田小红 was 低保 that day.
    july = LedgerFilter(area_code=county.code, period=days_period(D(YEAR, 10, 1), D(YEAR, 10, 31)),
                        as_of=D(YEAR, 7, 1))
    _, book = export(county_admin, july, tmp_path, "july.xlsx")
    sheet = book.worksheets[0]
    assert "状态" in sheet["A1"].value
    assert {row[3]: row for row in data_rows(sheet)[:-1]}["田小红"][7] == "是"


def test_past_the_sheet_limit_rows_continue_on_a_new_sheet_with_the_same_headers(
    county_2017, year_filter, county_admin, tmp_path, monkeypatch
):
    monkeypatch.setattr(workbooks, "SHEET_ROWS", workbooks.HEADER_ROWS + 2)
    _, book = export(county_admin, year_filter, tmp_path)
    assert book.sheetnames == ["台账", "台账（续2）"]
    first, second = book.worksheets
    assert len(data_rows(first)) == 2
    assert [c.value for c in second[6]] == list(range(1, 37))
    assert column_names(second) == [column.name for column in COLUMNS]
    assert "续表2" in second["A1"].value
    assert [row[0] for row in data_rows(second)] == ["酉阳土家族苗族自治县", "合计"]


def test_every_export_is_logged_with_its_filter_and_rows(county_2017, year_filter, county_admin, tmp_path):
    export(county_admin, year_filter, tmp_path)
    log = AccessLog.objects.get(action=AccessLog.Action.EXPORT)
    assert log.user == county_admin and log.rows == 3
    assert "酉阳土家族苗族自治县（500242）" in log.detail and f"{YEAR}-01-01" in log.detail


def test_a_failed_export_leaves_no_file(county_2017, year_filter, county_admin, tmp_path, monkeypatch):
    def broken(self, cells):
        raise RuntimeError("disk full")

    monkeypatch.setattr(workbooks.LedgerWorkbook, "write", broken)
    with pytest.raises(RuntimeError):
        ledger_export_write(user=county_admin, ledger_filter=year_filter, path=tmp_path / "ledger.xlsx")
    assert list(tmp_path.iterdir()) == []
