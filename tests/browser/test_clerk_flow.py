"""The clerk's whole flow in a real browser: log in, find, enter, live preview, save, print, void.

The amounts are the engine's for a 2017 inpatient bill at a county hospital (total 60000, in-catalog 48000)
of a 建档立卡 poor person under the 酉阳 2017 vector policy — the same as tests/claims/test_views.py.
"""

from __future__ import annotations

import re

import pytest

from browser_support import log_in, masked
from claims.models import Claim
from tests.conftest import PASSWORD

expect = pytest.importorskip("playwright.sync_api", reason="Playwright 未安装：浏览器测试跳过").expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PREVIEW_PNG = "/tmp/clerk-preview.png"

# Layer name → amount, as the engine pays the first bill.
FIRST_BILL = {
    "城乡居民基本医保（住院）": "¥33,495.00",
    "城乡居民大病保险": "¥3,705.50",
    "民政医疗救助（住院）": "¥6,479.70",
    "精准脱贫保": "¥2,100.00",
    "民政扶贫济困医疗基金": "¥4,950.00",
}
FIRST_PERSONAL = "¥9,269.80"
# The second bill (2017-11, total 30000, in-catalog 26000): its personal share behind the first bill, and once
# the first is voided, when it is settled again as the year's only bill.
SECOND_PERSONAL_AFTER_FIRST = "¥3,581.00"
SECOND_PERSONAL_ALONE = "¥4,999.80"


@pytest.fixture
def ready(load_vector_policy, make_person, village_a, covered, hospital, clerk_a):
    load_vector_policy("youyang-2017")
    hospital("township", name="龙潭镇卫生院")  # a second choice, so that the select really has to be chosen
    person = covered(make_person(village_a, name="冉玉梅"), 2017, ["poor"])
    return person, hospital("county", name="酉阳县人民医院")


def settlement_amounts(scope) -> dict[str, str]:
    """Layer name → paid amount from a settlement table (policies/_settlement.html) inside ``scope``."""
    rows = scope.locator("table.settlement tbody tr")
    return {row.locator("td").nth(0).inner_text().strip(): row.locator("td.num").inner_text().strip()
            for row in rows.all()}


def personal_amount(scope) -> str:
    return scope.locator("table.settlement tfoot tr", has_text="个人自付").locator("td.num").inner_text().strip()


def fill_bill(page, *, hospital: str, admitted: str, discharged: str, diagnosis: str, total: str,
              in_catalog: str) -> None:
    page.select_option("#id_hospital", label=hospital)
    page.select_option("#id_visit_type", value="inpatient")
    page.fill("#id_admitted_on", admitted)
    page.fill("#id_discharged_on", discharged)
    page.fill("#id_diagnoses", diagnosis)
    page.fill("#id_total", total)
    page.fill("#id_in_catalog", in_catalog)


def wait_for_preview(page, personal: str | None = None) -> None:
    """Wait until htmx has swapped in a settlement preview (and, if given, the expected personal amount)."""
    preview = page.locator("#preview")
    expect(preview.locator("table.settlement")).to_be_visible()
    if personal:
        expect(preview.locator("table.settlement tfoot")).to_contain_text(personal)
    expect(page.locator(".htmx-request")).to_have_count(0)


def save(page) -> int:
    with page.expect_navigation():
        page.click("#claim-form button[type=submit]")
    match = re.search(r"/claims/(\d+)/$", page.url)
    assert match, f"保存后没有到账单页：{page.url}\n{page.inner_text('main')}"
    return int(match.group(1))


def test_a_clerk_enters_previews_saves_prints_and_voids_a_bill(browser_page, live_server, ready):
    page, (person, county_hospital) = browser_page, ready

    # Log in through the form.
    log_in(page, live_server, "clerk_a", PASSWORD)
    expect(page.locator("header.top .who")).to_contain_text("clerk_a")

    # Find the person by ID number from the home page's search: a unique hit opens the person.
    page.fill("main form.searchbar input[name=q]", person.id_number)
    with page.expect_navigation():
        page.click("main form.searchbar button[type=submit]")
    assert page.url.endswith(f"/people/{person.pk}/"), page.url
    expect(page.locator("h1")).to_contain_text("冉玉梅")
    expect(page.locator("main")).to_contain_text("暂无账单")

    # Enter a bill; the preview on the right settles it live, without reloading the page.
    page.click("a.button:text-is('录入账单')")
    expect(page.locator("h1")).to_contain_text("录入账单")
    expect(page.locator("#preview")).to_contain_text("即时显示")
    page.evaluate("window.__samePage = true")
    fill_bill(page, hospital="酉阳县人民医院", admitted="2017-07-29", discharged="2017-08-03",
              diagnosis="I63.900 脑梗死", total="60000", in_catalog="48000")
    wait_for_preview(page, FIRST_PERSONAL)
    preview = page.locator("#preview")
    assert page.evaluate("window.__samePage") is True, "预览时页面被重新加载了"
    expect(preview).to_contain_text("2017年8月3日 的保障身份")
    expect(preview).to_contain_text("建档立卡")
    assert settlement_amounts(preview).items() >= FIRST_BILL.items(), settlement_amounts(preview)
    assert personal_amount(preview) == FIRST_PERSONAL
    expect(preview.locator("table.settlement tfoot")).to_contain_text("¥60,000.00")
    assert not Claim.objects.exists(), "预览不应保存账单"
    page.screenshot(path=PREVIEW_PNG, full_page=True)

    # Save: the claim page shows the same amounts.
    first = save(page)
    first_url = page.url
    expect(page.locator("h1")).to_contain_text(f"账单 #{first}")
    expect(page.locator("h1")).to_contain_text("已结算")
    expect(page.locator("main")).to_contain_text("酉阳县人民医院（县级医疗机构）")
    expect(page.locator("main")).to_contain_text("I63.900 脑梗死")
    expect(page.locator("main")).to_contain_text("2017-07-29 入院，2017-08-03 出院")
    assert settlement_amounts(page).items() >= FIRST_BILL.items(), settlement_amounts(page)
    assert personal_amount(page) == FIRST_PERSONAL
    assert Claim.objects.get().pk == first

    # The print view opens in a new tab: the slip with the amounts and the masked ID number.
    with page.expect_popup() as opened:
        page.click("a:text-is('打印结算单')")
    slip = opened.value
    slip.wait_for_load_state()
    assert slip.url.endswith(f"/claims/{first}/slip/"), slip.url
    text = slip.inner_text("body")
    assert masked(person.id_number) in text and person.id_number not in text
    for name, amount in FIRST_BILL.items():
        row = slip.locator("tr", has=slip.locator(f"td:text-is('{name}')"))
        expect(row.locator("td.num")).to_have_text(amount)
    personal_row = slip.locator("tr", has=slip.locator("th:text-is('个人自付')"))
    expect(personal_row.locator("td.num")).to_have_text(FIRST_PERSONAL)
    for words in ("冉玉梅", "酉阳县人民医院", "I63.900 脑梗死", "¥60,000.00", "建档立卡", "患者（家属）签字"):
        assert words in text, words
    assert "作废" not in text
    slip.close()

    # A second bill later in the year, entered from the claim page.
    page.click("a.button:text-is('再录一张')")
    fill_bill(page, hospital="酉阳县人民医院", admitted="2017-11-10", discharged="2017-11-20",
              diagnosis="I63.900 脑梗死", total="30000", in_catalog="26000")
    wait_for_preview(page)
    expect(page.locator("#preview")).to_contain_text("¥30,000.00")
    second = save(page)
    assert second != first
    assert personal_amount(page) == SECOND_PERSONAL_AFTER_FIRST

    # Void the first bill with a reason: it is 已作废 and the second is settled again, listed on the page.
    page.goto(first_url)
    page.click("a.button:text-is('作废')")
    expect(page.locator("h1")).to_contain_text(f"作废账单 #{first}")
    page.fill("#id_reason", "医院重复上传")
    with page.expect_navigation():
        page.click("button:text-is('确认作废')")
    assert page.url == first_url, page.url
    expect(page.locator("h1")).to_contain_text("已作废")
    expect(page.locator("main")).to_contain_text("医院重复上传")
    expect(page.locator(".messages")).to_contain_text("同年度后续 1 张账单已重新结算")
    changes = page.locator(".card", has=page.locator("h2:text-is('本次操作引起的重算')"))
    expect(changes.locator(f"a:text-is('#{second}')").first).to_be_visible()
    expect(page.locator("a.button:text-is('作废')")).to_have_count(0)
    assert Claim.objects.get(pk=first).status == Claim.Status.VOIDED

    # The second bill now carries a new settlement and keeps the old one as history.
    page.click(f"a:text-is('#{second}')")
    expect(page.locator("h1")).to_contain_text(f"账单 #{second}")
    expect(page.locator("main")).to_contain_text("历次结算（已被重算）")
    current = page.locator("main > .card", has=page.locator("h2", has_text="结算结果"))
    assert personal_amount(current) == SECOND_PERSONAL_ALONE

    # The voided bill's slip says so.
    page.goto(f"{live_server.url}/claims/{first}/slip/")
    expect(page.locator(".void-mark")).to_have_text("作废")
    expect(page.locator(".void-note")).to_contain_text("医院重复上传")
