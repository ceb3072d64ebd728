"""An administrator creates a clerk in the product's user page, and the clerk then logs in."""

from __future__ import annotations

import pytest

from accounts.models import User
from browser_support import log_in
from tests.conftest import PASSWORD

expect = pytest.importorskip("playwright.sync_api", reason="Playwright 未安装：浏览器测试跳过").expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CLERK_PASSWORD = "Longtan-2026"


def test_an_administrator_creates_a_clerk_who_then_logs_in(browser_page, live_server, county_admin, township_a):
    page = browser_page
    log_in(page, live_server, "county_admin", PASSWORD)

    page.click("header.top nav a:text-is('用户')")
    expect(page.locator("h1")).to_have_text("用户")
    page.click("a.button:text-is('新建用户')")
    page.fill("#id_name", "冉晓梅")
    page.fill("#id_username", "ranxm")
    page.select_option("#id_role", label="经办员")
    page.select_option("#id_area", value="500242100")
    page.fill("#id_unit", "龙潭镇便民服务中心")
    page.fill("#id_password", CLERK_PASSWORD)
    page.fill("#id_password_again", CLERK_PASSWORD)
    with page.expect_navigation():
        page.click("main form.stack button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("已新建用户 冉晓梅（ranxm）")
    expect(page.locator("main table")).to_contain_text("新建用户")  # the history's first entry
    user = User.objects.get(username="ranxm")
    assert (user.first_name, user.last_name, user.role, user.area_id) == ("冉晓梅", "", "clerk", "500242100")

    # The new clerk logs in and works in their township.
    with page.expect_navigation():
        page.click("header.top button:text-is('退出')")
    log_in(page, live_server, "ranxm", CLERK_PASSWORD)
    expect(page.locator("header.top .who")).to_contain_text("冉晓梅 · 经办员 · 龙潭镇")
    expect(page.locator("header.top nav")).not_to_contain_text("用户")
