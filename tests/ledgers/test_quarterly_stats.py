"""定期调度统计: by township and category, ratios, the in-county inpatient rate, charts and the workbook."""

import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import AccessLog
from config.periods import parse_quarter
from ledgers.selectors import quarter_stats
from ledgers.services import stats_export_write
from tests.ledgers.conftest import YEAR, hold

D = datetime.date
Q3 = parse_quarter(f"{YEAR}Q3")


def by_code(rows):
    return {row.code: row for row in rows}


def test_the_third_quarter_by_township_and_category(county_2017, county_admin, county, category):
    # 白明华's 低保 is recorded twice in the quarter: she still counts once in that category.
    hold(county_2017["white"], category("dibao_rural"), D(YEAR, 8, 15))
    stats = quarter_stats(county_admin, area_code=county.code, period=Q3)
    total = stats.total
    assert (total.people, total.enrolled, total.subsidy) == (2, 2, Decimal("280.00"))
    inpatient, outpatient = total.visits["inpatient"], total.visits["outpatient"]
    assert (inpatient.bills, inpatient.total, inpatient.basic, inpatient.critical, inpatient.assistance,
            inpatient.other, inpatient.personal) == (1, Decimal("60000.00"), Decimal("33495.00"), Decimal("3705.50"),
                                                     Decimal("6479.70"), Decimal("7050.00"), Decimal("9269.80"))
    assert (outpatient.bills, outpatient.total) == (1, Decimal("180.00"))  # the voided July bill is not counted
    assert total.all_visits.paid == Decimal("50910.20")
    assert total.reimbursement_ratio == Decimal("0.8460")  # 50,910.20 ÷ 60,180
    assert total.personal_share == Decimal("0.1540")
    assert total.in_county_rate == Decimal("1.0000") and total.pay_later == 1
    assert total.enrolled_share == Decimal("1.0000")

    townships = by_code(stats.townships)
    assert set(townships) == {"500242100", "500242101"}
    assert (townships["500242100"].people, townships["500242100"].all_visits.bills) == (1, 2)
    assert (townships["500242101"].people, townships["500242101"].all_visits.bills) == (1, 0)
    assert townships["500242101"].subsidy == Decimal("100.00")

    categories = by_code(stats.categories)
    assert categories["poor"].people == 1 and categories["poor"].all_visits.bills == 2
    dibao = categories["dibao_rural"]
    assert (dibao.people, dibao.enrolled, dibao.subsidy, dibao.all_visits.bills) == (2, 2, Decimal("280.00"), 2)
    assert dibao.all_visits.total == Decimal("60180.00")
    assert categories["tekun_rural"].people == 0 and categories["tekun_rural"].reimbursement_ratio is None

    months = {m.month: m.figures for m in stats.months}
    assert list(months) == list(range(1, 10))
    assert months[7].total == 0 and months[8].total == Decimal("60000.00") and months[9].total == Decimal("180.00")


def test_the_in_county_inpatient_rate_counts_bills_outside_the_county(county_2017, county_admin, county):
    stats = quarter_stats(county_admin, area_code=county.code, period=parse_quarter(f"{YEAR}Q4"))
    assert stats.total.visits["inpatient"].bills == 1  # 白明华 at a city hospital outside the county
    assert stats.total.in_county_rate == Decimal("0.0000")
    assert stats.total.visits["special_outpatient"].bills == 1
    # the December bill of the person without a category is not in the statistics
    assert stats.total.visits["outpatient"].bills == 0


def test_a_bill_counts_only_in_the_categories_held_in_the_quarter(county_2017, county_admin, county):
    stats = quarter_stats(county_admin, area_code=county.code, period=parse_quarter(f"{YEAR}Q4"))
    categories = by_code(stats.categories)
    # 田小红's October bill: 建档立卡 only (her 低保 ended in September); 白明华's November stay: 低保
    assert (categories["poor"].people, categories["poor"].all_visits.bills) == (1, 1)
    assert categories["poor"].visits["special_outpatient"].total == Decimal("3000.00")
    assert (categories["dibao_rural"].people, categories["dibao_rural"].all_visits.bills) == (1, 1)
    assert categories["dibao_rural"].visits["inpatient"].total == Decimal("30000.00")
    townships = by_code(stats.townships)
    assert stats.total.all_visits == townships["500242100"].all_visits + townships["500242101"].all_visits
    assert stats.total.people == 2 and stats.total.subsidy == Decimal("280.00")


def test_a_township_clerk_gets_only_the_township(county_2017, clerk_a):
    stats = quarter_stats(clerk_a, area_code="500242", period=Q3)
    assert [row.code for row in stats.townships] == ["500242100"]
    assert stats.total.people == 1 and stats.total.visits["inpatient"].bills == 1


def test_the_statistics_take_a_fixed_number_of_queries(county_2017, county_admin, county, make_person, village_a,
                                                       category, django_assert_max_num_queries):
    for number in range(30):
        hold(make_person(village_a, name=f"新增{number}"), category("poor"), D(YEAR, 1, 1))
    # 9, the health coverage (townships, people, households, bills), and seed 000's other two plans: the children
    # (9 at most: employment.selectors.township_table) and the projects (participation and library: 6)
    with django_assert_max_num_queries(28):
        quarter_stats(county_admin, area_code=county.code, period=Q3)


def test_the_statistics_page_takes_the_same_queries_for_many_people(
    client, county_2017, county_admin, county, make_person, village_a, category, settle, clerk_a
):
    client.force_login(county_admin)
    url = reverse("ledger_stats")
    params = {"area": county.code, "quarter": f"{YEAR}Q3"}
    client.get(url, params)  # the first request fills the process's caches
    with CaptureQueriesContext(connection) as few:
        client.get(url, params)
    for number in range(30):
        person = make_person(village_a, name=f"新增{number}")
        hold(person, category("poor"), D(YEAR, 1, 1))
        if number % 3 == 0:
            settle(clerk_a, person, day=D(YEAR, 8, 1 + number // 3), total="900", in_catalog="800",
                   visit_type="outpatient", level="township")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url, params)
    assert '<div class="n">32</div><div class="l">覆盖人数</div>' in response.content.decode()
    # session, user, permissions, the area's name and the form's areas, the townships, the categories, two
    # grouped queries for each kind of row (townships, categories; the totals add the townships up) and the
    # monthly trend, the health coverage (townships, people, households, bills), and the three tables of the
    # children and the projects (15)
    assert len(few) == len(many) <= 34


def test_the_workbook_has_townships_categories_and_months(county_2017, county_admin, county, tmp_path):
    path = tmp_path / "stats.xlsx"
    stats_export_write(user=county_admin, area_code=county.code, period=Q3, target=path)
    book = load_workbook(path)
    assert book.sheetnames == ["按乡镇", "按身份类别", "月度趋势", "健康扶贫覆盖", "就业扶贫", "产业扶贫参与", "产业项目库"]
    sheet = book["按乡镇"]
    assert sheet["A1"].value == f"酉阳土家族苗族自治县医疗保障扶贫定期调度统计（{YEAR}年第三季度）"
    rows = {row[0]: row for row in sheet.iter_rows(min_row=4, values_only=True)}
    assert rows["合计"][1] == 2 and rows["龙潭镇"][1] == 1
    headers = [cell.value for cell in sheet[3]]
    assert rows["合计"][headers.index("县域内住院率")] == 1
    assert rows["合计"][headers.index("平均报销比例")] == pytest.approx(0.846)
    categories = {row[0]: row for row in book["按身份类别"].iter_rows(min_row=4, values_only=True)}
    assert categories["农村低保对象"][1] == 2 and categories["合计（每人只计一次）"][1] == 2
    months = list(book["月度趋势"].iter_rows(min_row=3, values_only=True))
    assert months[7][0] == f"{YEAR}年8月" and months[7][2] == 60000
    assert AccessLog.objects.get(action=AccessLog.Action.EXPORT).detail.startswith("定期调度统计导出")


def test_the_page_draws_its_charts_without_the_internet(client, county_2017, county_admin, county):
    client.force_login(county_admin)
    response = client.get(reverse("ledger_stats"), {"area": county.code, "quarter": f"{YEAR}Q3"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<svg") == 2 and "<rect" in html and "<polyline" in html
    assert "http://" not in html and "https://" not in html
    assert "龙潭镇" in html and "农村低保对象" in html and "84.60%" in html
    export = client.get(reverse("ledger_stats_export"), {"area": county.code, "quarter": f"{YEAR}Q3"})
    assert load_workbook(io.BytesIO(export.content)).sheetnames[0] == "按乡镇"


def test_the_page_of_a_township_clerk_leaves_other_townships_out(client, county_2017, clerk_a):
    client.force_login(clerk_a)
    html = client.get(reverse("ledger_stats"), {"area": "500242100", "quarter": f"{YEAR}Q3"}).content.decode()
    assert "龙潭镇" in html and "麻旺镇" not in html
    refused = client.get(reverse("ledger_stats"), {"area": "500242", "quarter": f"{YEAR}Q3"}).content.decode()
    assert "麻旺镇" not in refused
