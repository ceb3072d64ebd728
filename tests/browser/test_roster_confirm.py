"""确认应用 in a real browser: it asks first, naming what will happen; declined, nothing is written; accepted,
the batch is applied and the page sums up what it wrote."""

from __future__ import annotations

import datetime
import re

import pytest

from beneficiaries.models import Category, CategoryHolding
from browser_support import log_in
from rosters.models import RosterBatch
from rosters.services import roster_batch_preview, roster_batch_upload, roster_request
from tests.conftest import PASSWORD, make_id_number

expect = pytest.importorskip("playwright.sync_api", reason="Playwright 未安装：浏览器测试跳过").expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def previewed(media, county_admin, make_person, village_a):
    """A civil-affairs list keeping 甲 on 农村低保, ending 乙's, and bringing one newcomer."""
    dibao = Category.objects.get(code="dibao_rural")
    kept, left = make_person(village_a, name="甲"), make_person(village_a, name="乙")
    for person in (kept, left):
        CategoryHolding.objects.create(
            beneficiary=person, category=dibao, source=dibao.source, start=datetime.date(2023, 1, 1)
        )
    rows = ["身份证号,姓名,类别,村代码", f"{kept.id_number},甲,农村低保,{village_a.code}",
            f"{make_id_number(datetime.date(1990, 2, 3))},新人,农村低保,{village_a.code}"]
    request = roster_request(user=county_admin, source="civil_affairs", month="2024-05")
    batch = roster_batch_upload(
        user=county_admin, request=request, file_name="名单.csv", content="\n".join(rows).encode()
    )
    return roster_batch_preview(batch=batch)


def test_apply_asks_before_acting_and_sums_up_after(browser_page, live_server, settings, previewed):
    settings.ROSTER_EXIT_CONFIRM_SHARE = 1.0  # one exit of two holdings: no typed-back number needed here
    page = browser_page
    log_in(page, live_server, "county_admin", PASSWORD)
    page.goto(f"{live_server.url}/rosters/{previewed.pk}/")
    asked = []

    # declined: the question names the counts, and nothing happens
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="确认应用").click()
    page.wait_for_timeout(300)
    assert len(asked) == 1
    assert "新增 1 人" in asked[0] and "退出 1 人" in asked[0] and "共结束 1 项类别认定" in asked[0]
    previewed.refresh_from_db()
    assert previewed.status == RosterBatch.Status.PREVIEWED

    # accepted: applied, with a summary on the page it comes back to
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.get_by_role("button", name="确认应用").click()
    previewed.refresh_from_db()
    assert previewed.status == RosterBatch.Status.APPLIED
    expect(page.locator("#summary")).to_contain_text("已应用")
    expect(page.locator("#summary")).to_contain_text("新建人员 1 名")
    expect(page.locator("#summary")).to_contain_text("结束类别认定 1 项")
    revert = page.get_by_role("button", name="撤销本批次")
    expect(revert).to_have_attribute("data-confirm", re.compile(r"将恢复本批次结束的 1 项类别认定.*1 名人员"))
