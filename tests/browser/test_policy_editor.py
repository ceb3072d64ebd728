"""An administrator changes a layer's ratio through the policy editor in a real browser: the check shows the
document's own message at a bad value's field, the save makes a new version, and the comparison shows the
change side by side."""

from __future__ import annotations

import pytest

from browser_support import log_in
from policies.models import PolicyVersion
from tests.conftest import PASSWORD

expect = pytest.importorskip("playwright.sync_api", reason="Playwright 未安装：浏览器测试跳过").expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

EDITOR_PNG = "/tmp/policy-editor.png"  # the editor showing a bad value at its field, to look at
RATIO_FIELD = "#id_layer-3-band-0-ratio"  # 民政医疗救助（住院）, the fourth layer: one band


def test_an_administrator_changes_a_ratio_through_the_form(browser_page, live_server, load_vector_policy,
                                                           county_admin):
    page = browser_page
    policy = load_vector_policy("youyang-2017").policy
    log_in(page, live_server, "county_admin", PASSWORD)

    # From the menu to the policy and its editor.
    page.click("header.top nav a:text-is('政策')")
    page.click("main a:text-is('酉阳自治县健康扶贫（示例）')")
    expect(page.locator("h1")).to_have_text("酉阳自治县健康扶贫（示例）")
    page.click("a.button:text-is('修订（保存为新版本）')")
    layer = page.locator("details.layer", has_text="民政医疗救助（住院）").first
    layer.locator(":scope > summary").click()
    expect(page.locator(RATIO_FIELD)).to_have_value("0.6")

    # A ratio above 1: the document's own message at the field, nothing saved.
    page.fill(RATIO_FIELD, "6.5")
    page.fill("#id_note", "救助比例提高")
    with page.expect_navigation():
        page.click("button:text-is('保存为新版本')")
    expect(page.locator("#id_layer-3-band-0-ratio_error")).to_contain_text("必须是 0 到 1 之间的比例")
    expect(page.locator("#problems")).to_contain_text("assist_inpatient")
    assert PolicyVersion.objects.filter(policy=policy).count() == 1
    page.screenshot(path=EDITOR_PNG, full_page=True)

    # The right value: saved as version 2, and the comparison shows 60% → 65% for that layer.
    page.fill(RATIO_FIELD, "0.65")
    with page.expect_navigation():
        page.click("button:text-is('保存为新版本')")
    expect(page.locator("h1")).to_contain_text("第 1 版与第 2 版对照")
    changed = page.locator("section.layer-diff[data-layer=assist_inpatient]")
    expect(changed.locator(".tag")).to_have_text("修改")
    row = changed.locator("tr", has=page.locator("th:text-is('报销比例（分段）')"))
    expect(row.locator("td.old")).to_have_text("60%")
    expect(row.locator("td.new")).to_have_text("65%")
    expect(page.locator("section.layer-diff[data-layer=basic] .tag")).to_have_text("未变")
    page.screenshot(path=EDITOR_PNG.replace("editor", "compare"))
    version = PolicyVersion.objects.get(policy=policy, number=2)
    assert version.note == "救助比例提高" and version.created_by_id == county_admin.pk
    assert version.document["layers"][3]["bands"] == [{"upto": None, "ratio": "0.65"}]
