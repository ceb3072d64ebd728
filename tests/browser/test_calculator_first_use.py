"""明白卡 on first use, in a real browser: a clerk opens it, types the two amounts, and the result shows without
the date being touched (it used to be filled as 2017/12/02, which a date input shows as blank)."""

from __future__ import annotations

import pytest

from browser_support import log_in
from claims.calculator_views import _same_day_in
from tests.conftest import PASSWORD

expect = pytest.importorskip("playwright.sync_api", reason="Playwright 未安装：浏览器测试跳过").expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_clerk_gets_a_result_without_touching_the_date(browser_page, live_server, load_vector_policy, clerk_a):
    load_vector_policy("youyang-2017")
    page = browser_page
    log_in(page, live_server, clerk_a.username, PASSWORD)
    with page.expect_navigation(wait_until="load"):  # htmx binds the form once the page has loaded
        page.click("header nav >> text=明白卡")

    expect(page.locator("#id_date")).to_have_value(_same_day_in(2017).isoformat())
    expect(page.locator("#id_version option")).to_have_text(["酉阳自治县健康扶贫（示例） · 2017 年 · 第 1 版 · 酉阳土家族苗族自治县"])
    page.check("input[name=categories][value=poor]")
    page.fill("#id_total", "60000")
    expect(page.locator("#calculator-reasons")).to_contain_text("政策范围内费用（元）：请填写金额。")
    page.fill("#id_in_catalog", "48000")

    result = page.locator("#calculator-result table.settlement")
    expect(result).to_contain_text("¥33,495.00")  # 城乡居民基本医保（住院）
    expect(result.locator("tfoot")).to_contain_text("¥9,269.80")  # 个人自付
    expect(page.locator("#calculator-reasons")).to_have_count(0)
