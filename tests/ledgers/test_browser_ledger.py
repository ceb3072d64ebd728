"""In a real browser: filter the ledger, export it in the background, download the file and read it."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from browser_support import browser_page, log_in, masked  # noqa: F401  (fixture)
from tests.conftest import PASSWORD
from tests.ledgers.conftest import YEAR

expect = pytest.importorskip("playwright.sync_api", reason="Playwright 未安装：浏览器测试跳过").expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_filter_the_ledger_export_it_and_download_the_file(
    browser_page, live_server, county_2017, clerk_a, media, immediate_tasks, tmp_path  # noqa: F811
):
    page = browser_page
    log_in(page, live_server, clerk_a.username, PASSWORD)
    page.click("header nav >> text=台账")
    page.select_option("#id_area", value="500242100201")
    page.select_option("#id_period", value="year")
    page.fill("#id_year", str(YEAR))
    page.check("input[name=categories][value=poor]")
    with page.expect_navigation():
        page.click("#ledger-filter button[type=submit]")

    table = page.locator("table.ledger")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table.locator("tbody")).to_contain_text("田小红")
    expect(table.locator("tbody")).to_contain_text(masked(county_2017["red"].id_number))
    expect(table.locator("tfoot")).to_contain_text("1 人")
    assert "白明华" not in page.content()

    with page.expect_navigation():
        page.click("#ledger-export button[type=submit]")
    expect(page.locator("#export-status")).to_have_text("已完成")
    expect(page.locator("progress")).to_have_attribute("value", "100")
    with page.expect_download() as download_info:
        page.click("#export-download")
    path = tmp_path / "downloaded.xlsx"
    download_info.value.save_as(path)

    sheet = load_workbook(path).worksheets[0]
    assert sheet["A1"].value.startswith("酉阳土家族苗族自治县龙潭镇红花村")
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=7, max_col=36)]
    assert [row[3] for row in rows] == ["田小红", "1 人"]
    assert rows[0][4] == masked(county_2017["red"].id_number)
    assert rows[0][31] == 60000
