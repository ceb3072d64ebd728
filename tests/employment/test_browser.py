"""A clerk records a child's survey, a placement and a follow-up visit in a real browser, and sees the lists move:
the child is first unplaced, then placed and due a visit (at risk under the three-year rule), then visited."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from browser_support import browser_page, log_in  # noqa: F401  (the fixture)
from employment.models import FollowUpVisit, Placement
from tests.conftest import PASSWORD

expect = pytest.importorskip("playwright.sync_api", reason="Playwright 未安装：浏览器测试跳过").expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def cell(page, township: str, column: str):
    return page.locator(f'tr[data-township="{township}"] td[data-column="{column}"]')


def test_a_clerk_records_a_survey_a_placement_and_a_visit(browser_page, live_server, clerk_a, township_a,  # noqa: F811
                                                          child_a):
    page = browser_page
    today = timezone.localdate()
    log_in(page, live_server, "clerk_a", PASSWORD)

    page.goto(f"{live_server.url}/employment/people/{child_a.pk}/")
    expect(page.locator("#surveys")).to_contain_text("尚未摸排")
    page.fill("#id_survey-school", "酉阳职教中心")
    page.select_option("#id_survey-level", label="中职")
    page.fill("#id_survey-major", "数控技术")
    page.fill("#id_survey-graduation_year", str(today.year - 1))
    page.fill("#id_survey-surveyed_by", "冉干部")
    with page.expect_navigation():
        page.click("button[name=action][value=survey]")
    expect(page.locator("ul.messages")).to_contain_text("已登记摸排")

    page.goto(f"{live_server.url}/employment/")
    expect(cell(page, township_a.code, "unplaced")).to_have_text("1")
    with page.expect_navigation():
        cell(page, township_a.code, "unplaced").locator("a").click()
    expect(page.locator("main")).to_contain_text("冉小军")
    with page.expect_navigation():
        page.locator("tr", has_text="冉小军").locator("a:text-is('就业档案')").click()

    start = today - datetime.timedelta(days=100)
    page.select_option("#id_start-kind", label="企业吸纳")
    page.fill("#id_start-employer", "龙潭食品厂")
    page.fill("#id_start-starts_on", start.isoformat())
    with page.expect_navigation():
        page.click("button[name=action][value=start]")
    expect(page.locator("ul.messages")).to_contain_text("已登记安置")
    expect(page.locator("[data-stable-until]")).to_contain_text("满三年")
    assert Placement.objects.get().starts_on == start

    page.goto(f"{live_server.url}/employment/")
    expect(cell(page, township_a.code, "placed")).to_have_text("1")
    expect(cell(page, township_a.code, "unplaced")).to_have_text("0")
    expect(cell(page, township_a.code, "visits_due")).to_have_text("1")
    expect(cell(page, township_a.code, "at_risk")).to_have_text("1")
    with page.expect_navigation():
        cell(page, township_a.code, "visits_due").locator("a").click()
    with page.expect_navigation():
        page.locator("tr", has_text="冉小军").locator("a:text-is('就业档案')").click()

    page.select_option("#id_visit-target", index=1)
    page.fill("#id_visit-visitor", "冉干部")
    page.select_option("#id_visit-status", label="稳定就业")
    page.fill("#id_visit-difficulties", "通勤远")
    with page.expect_navigation():
        page.click("button[name=action][value=visit]")
    expect(page.locator("ul.messages")).to_contain_text("已登记回访")
    expect(page.locator(".visits")).to_contain_text("通勤远")
    assert FollowUpVisit.objects.get().recorded_by == clerk_a

    page.goto(f"{live_server.url}/employment/")
    expect(cell(page, township_a.code, "visits_due")).to_have_text("0")
    expect(cell(page, township_a.code, "at_risk")).to_have_text("0")
