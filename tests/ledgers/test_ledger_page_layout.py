"""The ledger and statistics pages as an official reads them: full width, blanks for zeros, only the period
fields that apply, a sentence saying whether an export masks ID numbers, and all 17 statistics columns."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import User
from beneficiaries.idnumbers import mask
from ledgers import services
from ledgers.templatetags.ledger_format import count_or_blank, yuan_or_blank
from tests.ledgers.conftest import FORMULA_NAME, YEAR

YEAR_QUERY = {"period": "year", "year": YEAR}
STATS_COLUMNS = ["覆盖人数", "参保人数", "参保率", "参保财政补助", "结算人次", "费用合计", "基本医保", "大病保险", "医疗救助",
                 "其他保障", "个人负担", "个人负担占比", "平均报销比例", "住院人次", "县域内住院率", "先诊疗后付费"]


def page(client, user, url="ledger", **params) -> str:
    client.force_login(user)
    response = client.get(reverse(url), params)
    assert response.status_code == 200
    return response.content.decode()


def cells_of(html: str, name: str) -> list[str]:
    """The text of each cell of the ledger row whose name links to a person called ``name``."""
    row = next(tr for tr in re.findall(r"<tr>(.*?)</tr>", html, re.S) if f">{name}</a>" in tr)
    return [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


@pytest.mark.parametrize("value, shown", [
    (Decimal("0.00"), ""), (0, ""), (None, ""), (Decimal("1234.5"), "¥1,234.50"), (Decimal("-12.30"), "¥-12.30"),
])
def test_amounts_show_with_two_decimals_and_zeros_as_blanks(value, shown):
    assert yuan_or_blank(value) == shown


def test_counts_show_zeros_as_blanks():
    assert (count_or_blank(0), count_or_blank(3), count_or_blank(None)) == ("", 3, "")


def test_the_ledger_leaves_zero_cells_blank_and_keeps_real_amounts(client, county_2017, county_admin, county):
    html = page(client, county_admin, area=county.code, **YEAR_QUERY)
    table = html[html.index('<table class="ledger">'):html.index("</table>")]
    assert "¥0.00" not in table
    # The formula-named person has one outpatient bill of 800 and no enrollment, subsidy or other visit.
    cells = cells_of(html, FORMULA_NAME.replace('"', "&quot;"))
    assert len(cells) == 36
    assert cells[16] == ""  # 17 参保财政补助标准: none
    assert cells[18:20] == ["1", "¥800.00"]  # 19 就诊次数, 20 费用合计 of 普通门诊
    assert cells[24:26] == ["", ""]  # 25–26 门诊特慢病: no visit, no amount
    red = cells_of(html, "田小红")
    assert red[16] == "¥180.00" and red[31] == "¥60,000.00"


def test_the_ledger_and_the_statistics_use_the_full_width(client, county_2017, county_admin, county):
    for url in ("ledger", "ledger_stats"):
        assert '<main class="wide">' in page(client, county_admin, url)
    assert '<main class="wide">' not in page(client, county_admin, "home")


def test_the_name_and_id_columns_are_pinned_in_header_body_and_totals(client, county_2017, county_admin, county):
    html = page(client, county_admin, area=county.code, **YEAR_QUERY)
    head = html[html.index("<thead>"):html.index("</thead>")]
    assert re.search(r'<th [^>]*class="pin-name"><a [^>]*>姓名', head)
    assert re.search(r'<th [^>]*class="pin-id"><a [^>]*>身份证号', head)
    assert 'class="column-number pin-name">4<' in head and 'class="column-number pin-id">5<' in head
    assert html.count('<td class="pin-name">') == 3 + 1  # three people and the totals row
    assert '<div class="ledger-scroll table-frame">' in html


def test_each_period_field_says_which_kind_of_period_it_belongs_to(client, county_2017, county_admin, county):
    html = page(client, county_admin)
    assert re.search(r'<select name="period"[^>]*data-period-choice', html)
    kinds = re.findall(r'<label data-period-field="(\w+)">[^<]*<input[^>]*name="(\w+)"', html)
    assert kinds == [("month", "month"), ("quarter", "quarter"), ("year", "year"), ("custom", "start"),
                     ("custom", "end")]
    assert "js/period.js" in html
    # Without the script every field is there and works: the server reads those of the chosen kind.
    assert "hidden" not in re.search(r'<label data-period-field="month">.*?</label>', html).group(0)


def test_a_chosen_range_is_filled_back_in_the_form_a_date_input_takes(client, county_2017, county_admin, county):
    html = page(client, county_admin, area=county.code, period="custom", start=f"{YEAR}-08-01", end=f"{YEAR}-08-31")
    assert f'name="start" value="{YEAR}-08-01"' in html and f'name="end" value="{YEAR}-08-31"' in html


def _granted_viewer(viewer) -> User:
    viewer.user_permissions.add(Permission.objects.get(content_type__app_label="accounts", codename="view_sensitive"))
    return User.objects.get(pk=viewer.pk)  # a fresh object: permissions are cached on the old one


@pytest.mark.parametrize("who, whole", [("viewer", False), ("clerk", False), ("admin", True), ("granted", True)])
def test_the_page_says_whether_an_export_masks_id_numbers_and_the_export_does_so(
    client, county_2017, county, viewer, clerk_a, county_admin, year_filter, tmp_path, who, whole
):
    user = {"viewer": viewer, "clerk": clerk_a, "admin": county_admin, "granted": None}[who] or _granted_viewer(viewer)
    area = "500242100" if who == "clerk" else county.code
    html = page(client, user, area=area, **YEAR_QUERY)
    sentence = re.search(r'<p class="export-ids" id="export-ids">(.*?)</p>', html).group(1)
    assert "“查看敏感信息（完整身份证号、电话）”权限" in sentence
    if whole:
        assert sentence.startswith("导出文件中的身份证号为完整号码")
    else:
        assert sentence.startswith("导出文件中的身份证号将隐藏中间 10 位") and "管理员角色自带此权限" in sentence

    # What the sentence says is what the export does.
    path = tmp_path / "ledger.xlsx"
    ledger_filter = year_filter if who != "clerk" else type(year_filter)(area_code=area, period=year_filter.period)
    services.ledger_export_write(user=user, ledger_filter=ledger_filter, path=path)
    sheet = load_workbook(path).worksheets[0]
    ids = {row[3]: row[4] for row in sheet.iter_rows(min_row=7, max_col=5, values_only=True)}
    number = county_2017["red"].id_number
    assert ids["田小红"] == (number if whole else mask(number))


def test_the_statistics_tables_have_all_17_columns(client, county_2017, county_admin, county):
    html = page(client, county_admin, "ledger_stats", area=county.code, quarter=f"{YEAR}Q3")
    for table in re.findall(r'<table class="stats">\s*<thead><tr>(.*?)</tr></thead>', html, re.S)[:2]:
        headings = re.findall(r"<th[^>]*>([^<]*)</th>", table)
        assert headings[1:] == STATS_COLUMNS and len(headings) == 17
    assert "不含身份证号" in html  # the statistics export holds sums only
