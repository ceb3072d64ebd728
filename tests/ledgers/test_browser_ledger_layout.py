"""The ledger and statistics pages at 1366×768 in a real browser: the ledger's header and its 姓名 / 身份证号
columns stay in view while the table scrolls, the period form shows only the fields of the chosen kind, and
all 17 statistics columns fit the screen."""

from __future__ import annotations

import datetime

import pytest

from browser_support import browser_page, log_in  # noqa: F401  (fixture)
from tests.conftest import PASSWORD
from tests.ledgers.conftest import YEAR, hold

expect = pytest.importorskip("playwright.sync_api", reason="Playwright 未安装：浏览器测试跳过").expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SCREEN = {"width": 1366, "height": 768}


def box(locator) -> dict:
    return locator.bounding_box()


def test_the_header_and_the_name_and_id_columns_stay_while_the_ledger_scrolls(
    browser_page, live_server, county_2017, county_admin, make_person, village_a, category  # noqa: F811
):
    for number in range(40):  # more rows than the screen holds
        hold(make_person(village_a, name=f"新增{number}"), category("poor"), datetime.date(YEAR, 1, 1))
    page = browser_page
    page.set_viewport_size(SCREEN)
    log_in(page, live_server, county_admin.username, PASSWORD)
    page.goto(f"{live_server.url}/ledger/?area=500242&period=year&year={YEAR}")

    frame = page.locator(".table-frame")
    frame.evaluate("frame => frame.scrollIntoView()")  # the frame fills the window below its top
    name_heading = page.locator("table.ledger thead th.pin-name").first
    first_id = page.locator("table.ledger tbody tr").first.locator("td.pin-id")
    heading_before, id_before = box(name_heading), box(first_id)
    assert box(frame)["width"] > 1200  # the page's full width, not the 1200 px column of other pages
    assert heading_before["x"] > box(frame)["x"] + 200  # after 统筹地区 and the village's code and name…

    frame.evaluate("frame => frame.scrollBy(2000, 400)")
    page.wait_for_timeout(100)
    heading_after, id_after = box(name_heading), box(first_id)
    assert heading_after["y"] == pytest.approx(heading_before["y"], abs=1)  # the header stayed at the top
    assert heading_after["x"] == pytest.approx(box(frame)["x"], abs=2)  # …then pinned at the frame's left edge
    assert id_after["y"] < id_before["y"] - 300  # the rows did scroll up
    # In the middle of the frame, right of the pinned 姓名, is a row's 身份证号: pinned cells cover what scrolls.
    frame_box = box(frame)
    hit = page.evaluate(
        "([x, y]) => { const cell = document.elementFromPoint(x, y).closest('td, th');"
        " return [cell.className, cell.parentElement.parentElement.tagName]; }",
        [heading_after["x"] + heading_after["width"] + 5, frame_box["y"] + frame_box["height"] / 2],
    )
    assert hit == ["pin-id", "TBODY"]


def test_the_period_form_shows_only_the_fields_of_the_chosen_kind(
    browser_page, live_server, county_2017, county_admin  # noqa: F811
):
    page = browser_page
    log_in(page, live_server, county_admin.username, PASSWORD)
    page.click("header nav >> text=台账")
    shown = {"year": ["#id_year"], "quarter": ["#id_quarter"], "month": ["#id_month"],
             "custom": ["#id_start", "#id_end"]}
    for kind, fields in shown.items():
        page.select_option("#id_period", value=kind)
        for field in ("#id_year", "#id_quarter", "#id_month", "#id_start", "#id_end"):
            (expect(page.locator(field)).to_be_visible if field in fields else expect(page.locator(field)).to_be_hidden)()
    page.select_option("#id_period", value="quarter")
    page.fill("#id_quarter", f"{YEAR}Q3")
    with page.expect_navigation():
        page.click("#ledger-filter button[type=submit]")
    assert "period=quarter" in page.url and "year=" not in page.url  # only what applies is sent
    expect(page.locator(".actions .muted")).to_contain_text(f"{YEAR}年第三季度")
    expect(page.locator("#id_quarter")).to_be_visible()
    expect(page.locator("#id_year")).to_be_hidden()


def test_all_17_statistics_columns_fit_a_1366_screen(browser_page, live_server, county_2017, county_admin):  # noqa: F811
    page = browser_page
    page.set_viewport_size(SCREEN)
    log_in(page, live_server, county_admin.username, PASSWORD)
    page.goto(f"{live_server.url}/ledger/stats/?area=500242&quarter={YEAR}Q3")
    for table in page.locator("table.stats").all()[:2]:
        headings = table.locator("thead th")
        expect(headings).to_have_count(17)
        last = box(headings.nth(16))
        assert last["x"] + last["width"] <= SCREEN["width"], "最后一列（先诊疗后付费）超出屏幕"
        assert table.evaluate("t => t.parentElement.scrollWidth <= t.parentElement.clientWidth")
