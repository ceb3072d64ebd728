"""A clerk signs a family-doctor contract in a real browser and sees the township's 签约率 move on the coverage
page: two poor households in township A, none signed (0.00%); one signed through the household's form (50.00%)."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from browser_support import log_in
from health.models import DoctorContract
from tests.conftest import PASSWORD
from tests.health.conftest import poor_household  # noqa: F401  (the fixture)

expect = pytest.importorskip("playwright.sync_api", reason="Playwright 未安装：浏览器测试跳过").expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def contract_rate(page, township: str) -> str:
    cell = page.locator(f'tr[data-township="{township}"] td[data-measure="contracts"]')
    return re.search(r"\d+\.\d\d%", cell.inner_text()).group(0)


def test_a_clerk_signs_a_contract_and_sees_the_townships_rate_go_up(browser_page, live_server, clerk_a, village_a,
                                                                   township_a, poor_household):  # noqa: F811
    page = browser_page
    first = poor_household(village_a, ["冉一"])
    poor_household(village_a, ["冉二"])
    today = timezone.localdate()

    log_in(page, live_server, "clerk_a", PASSWORD)
    with page.expect_navigation():
        page.click("header.top nav a:text-is('健康管理')")
    assert contract_rate(page, township_a.code) == "0.00%"

    # The count of households without a contract opens their list; one of them is signed from its page.
    with page.expect_navigation():
        page.click(f'tr[data-township="{township_a.code}"] a[data-missing="contracts"]')
    expect(page.locator("main")).to_contain_text("冉二")
    with page.expect_navigation():
        page.locator("tr", has_text="冉一").locator("a:text-is('签约')").click()
    assert page.url.endswith(f"/health/households/{first.pk}/"), page.url
    expect(page.locator("#contracts")).to_contain_text("该户尚未签约家庭医生")
    page.fill("#id_sign-team", "龙潭镇卫生院第一团队")
    page.fill("#id_sign-doctor", "冉平")
    page.fill("#id_sign-clinic", "龙潭镇卫生院")
    page.fill("#id_sign-package", "基础包")
    with page.expect_navigation():
        page.click("button[name=action][value=sign]")
    expect(page.locator("ul.messages")).to_contain_text("已登记家庭医生签约")
    expect(page.locator("#contracts")).to_contain_text("冉平")
    contract = DoctorContract.objects.get()
    assert (contract.household_id, contract.starts_on, contract.recorded_by) == (first.pk, today, clerk_a)

    with page.expect_navigation():
        page.click("header.top nav a:text-is('健康管理')")
    assert contract_rate(page, township_a.code) == "50.00%"
