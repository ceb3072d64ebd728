"""The clerk's day in Debian's Chromium: 今日账单 from the menu lists the day's bills, the 日结 adds them up per
clerk, its print view is one A4 page, and a slip is printed again from the list."""

from __future__ import annotations

import datetime
import os

import pytest

from browser_support import log_in
from tests.browser.test_slip_print import CJK_FONTS, pdf_pages
from tests.conftest import PASSWORD

expect = pytest.importorskip("playwright.sync_api", reason="Playwright 未安装：浏览器测试跳过").expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def bills(load_vector_policy, make_person, village_a, village_b, covered, settle, clerk_a, clerk_b):
    if not os.path.isdir(CJK_FONTS):
        pytest.skip(f"中文字体 fonts-noto-cjk 未安装（{CJK_FONTS}）：日结打印测试跳过")
    load_vector_policy("youyang-2017")
    person = covered(make_person(village_a, name="冉玉梅"), 2017, ["poor"])
    first = settle(clerk_a, person, day=datetime.date(2017, 8, 3), total="60000", in_catalog="48000").claim
    second = settle(clerk_a, person, day=datetime.date(2017, 11, 20), total="30000", in_catalog="26000").claim
    other = covered(make_person(village_b, name="白明华"), 2017, ["poor"])
    settle(clerk_b, other, day=datetime.date(2017, 8, 10), total="20000", in_catalog="16000")  # not clerk_a's area
    return first, second


def test_a_clerk_lists_todays_bills_tallies_the_day_prints_it_and_reprints_a_slip(browser_page, live_server, bills):
    page, (first, second) = browser_page, bills
    log_in(page, live_server, "clerk_a", PASSWORD)
    page.click("header.top nav >> text=今日账单")
    expect(page.locator("h1")).to_contain_text("今日账单")
    rows = page.locator("table.bill-list tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text(f"#{second.pk}")  # the latest entered first
    expect(rows.last).to_contain_text(f"#{first.pk}")
    expect(page.locator("table.bill-list")).not_to_contain_text("白明华")
    expect(page.locator("p.bill-count")).to_contain_text("共 2 张账单")
    expect(page.locator("p.bill-count")).to_contain_text("个人自付 ¥12,850.80")

    page.click("form.bill-search >> text=日结")
    expect(page.locator("h1")).to_contain_text("日结")
    total = page.locator("table.day-tally tfoot tr")
    expect(total).to_contain_text("¥90,000.00")
    expect(total).to_contain_text("¥12,850.80")
    page.click("text=打印")
    expect(page.locator("h1")).to_contain_text("日结单")
    expect(page.locator(".toolbar button[data-print]")).to_be_visible()
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    assert pdf_pages(pdf) == 1, f"日结打印为 {pdf_pages(pdf)} 页"
    assert page.locator(".toolbar").evaluate("e => getComputedStyle(e).display") != "none"
    page.emulate_media(media="print")
    assert page.locator(".toolbar").evaluate("e => getComputedStyle(e).display") == "none"
    page.emulate_media(media="screen")

    page.goto(f"{live_server.url}/claims/")
    row = page.locator("table.bill-list tbody tr", has_text=f"#{second.pk}")
    row.locator("text=打印结算单").click()
    settlement = second.settlements.get(superseded_at__isnull=True)
    expect(page.locator("p.sub")).to_contain_text(f"结算单号 {settlement.number}")
    expect(page.locator("body")).to_contain_text("冉玉梅")
