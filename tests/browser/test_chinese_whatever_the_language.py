"""A browser that asks for English (an English Windows, a borrowed laptop) still gets the product in Chinese:
the login page, Django's own form messages, the admin's own words and app names, the 404 page."""

from __future__ import annotations

import pytest

from browser_support import log_in
from tests.conftest import PASSWORD

expect = pytest.importorskip("playwright.sync_api", reason="Playwright 未安装：浏览器测试跳过").expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.browser_context(locale="en-US", extra_http_headers={"Accept-Language": "en-US,en;q=0.9"}),
]


def test_an_english_browser_gets_every_page_in_chinese(browser_page, live_server, county_admin):
    # Without an area limit, as the one who sees every app of the admin (the background tasks among them).
    county_admin.is_superuser, county_admin.area = True, None
    county_admin.save()
    page = browser_page
    assert page.evaluate("navigator.language") == "en-US"  # the browser really asks for English

    # The login page, and Django's own refusal of a wrong password.
    page.goto(f"{live_server.url}/login/")
    expect(page.locator("form button[type=submit]")).to_have_text("登录")
    page.fill("#id_username", "county_admin")
    page.fill("#id_password", "not-the-password")
    with page.expect_navigation():
        page.click("form button[type=submit]")
    expect(page.locator("main")).to_contain_text("请输入一个正确的")
    expect(page.locator("main")).not_to_contain_text("Please enter")

    log_in(page, live_server, "county_admin", PASSWORD)

    # A required field left empty on Django's own form (the password change): its own message, in Chinese.
    page.goto(f"{live_server.url}/password/")
    page.eval_on_selector("main form", "form => form.noValidate = true")  # let the server answer, not the browser
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    expect(page.locator("main .errorlist").first).to_have_text("这个字段是必填项。")
    expect(page.locator("main")).not_to_contain_text("This field is required")

    # The admin: its own words and the third-party apps' names.
    page.goto(f"{live_server.url}/admin/")
    admin_text = page.inner_text("body")
    for chinese in ("登录防护", "后台任务", "增加", "修改"):
        assert chinese in admin_text, f"后台首页没有“{chinese}”"
    for english in ("Axes", "Access attempts", "Tasks Database Backend", "Task results", "Add", "Change",
                    "Site administration", "Log out"):
        assert english not in admin_text, f"后台首页出现英文“{english}”"

    # A page that does not exist: the product's own 404 page, with a way back.
    response = page.goto(f"{live_server.url}/no-such-page/")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("页面不存在")
    expect(page.locator("main")).to_contain_text("返回首页")
    expect(page.locator("body")).not_to_contain_text("Not Found")
