"""A bill entered with the keyboard alone: after opening the form nothing is clicked. The hospital is found
by its pinyin initials, Enter moves from field to field and saves from the last one.

The amounts are those of tests/browser/test_clerk_flow.py (a 2017 inpatient bill at a county hospital,
total 60000, in-catalog 48000, of a 建档立卡 poor person under the 酉阳 2017 vector policy)."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest

from beneficiaries import services
from beneficiaries.models import Beneficiary
from browser_support import log_in
from claims.models import Claim
from regions.models import Region
from tests.conftest import PASSWORD, make_id_number

expect = pytest.importorskip("playwright.sync_api", reason="Playwright 未安装：浏览器测试跳过").expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def ready(load_vector_policy, make_person, village_a, covered, hospital, clerk_a):
    load_vector_policy("youyang-2017")
    hospital("township", name="龙潭镇中心卫生院")
    hospital("city", name="重庆市黔江中心医院", in_county=False)
    person = covered(make_person(village_a, name="冉玉梅"), 2017, ["poor"])
    return person, hospital("county", name="酉阳土家族苗族自治县人民医院")


def type_and_enter(page, text: str) -> None:
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def test_a_bill_is_entered_and_saved_with_the_keyboard_alone(browser_page, live_server, ready):
    page, (person, county_hospital) = browser_page, ready
    log_in(page, live_server, "clerk_a", PASSWORD)
    page.goto(f"{live_server.url}/claims/new/{person.pk}/")

    # The hospital's box has the focus: no Tab through the menu.
    picker = page.locator("#id_hospital-picker")
    expect(picker).to_be_focused()
    page.keyboard.type("ytrm")  # 酉阳土家族苗族自治县人民医院 by the initials of 酉…土…人民
    listed = page.locator("#id_hospital-list li[role=option]")
    expect(listed).to_have_count(1)
    expect(listed.first).to_have_text("酉阳土家族苗族自治县人民医院")
    page.keyboard.press("Enter")  # takes it and moves on
    expect(picker).to_have_value("酉阳土家族苗族自治县人民医院")
    expect(page.locator("#id_visit_type")).to_be_focused()

    page.keyboard.press("Enter")  # 住院, as proposed
    expect(page.locator("#id_admitted_on")).to_be_focused()
    type_and_enter(page, "20170729")  # as the bill prints it, whatever the browser's language
    expect(page.locator("#id_discharged_on")).to_be_focused()
    type_and_enter(page, "2017-08-03")  # over today's date, proposed (and selected on entering)
    type_and_enter(page, "ZY2017-0815")
    type_and_enter(page, "FP00012345")
    expect(page.locator("#id_diagnoses")).to_be_focused()
    type_and_enter(page, "I63.900 脑梗死")  # a new line for a second diagnosis…
    type_and_enter(page, "I10.x00 高血压")
    page.keyboard.press("Enter")  # …and Enter on the empty line moves on
    expect(page.locator("#id_total")).to_be_focused()
    type_and_enter(page, "60000")
    type_and_enter(page, "48000")
    expect(page.locator("#id_pay_later")).to_be_focused()

    # The preview puts the personal share first; no duplicate, so no box to confirm one.
    summary = page.locator("#preview .preview-summary")
    expect(summary.locator(".personal")).to_contain_text("¥9,269.80")
    box = summary.locator(".personal").bounding_box()
    assert box["y"] + box["height"] < 768 - 100, box  # above the fold of a 1366×768 screen, browser bars aside
    expect(page.locator("#id_allow_duplicate")).to_be_hidden()
    assert not Claim.objects.exists()

    page.keyboard.press("Enter")  # 先诊疗后付费: left as it is
    expect(page.locator("#id_referred")).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")  # the last field: saves
    match = re.search(r"/claims/(\d+)/$", page.url)
    assert match, f"保存后没有到账单页：{page.url}\n{page.inner_text('main')}"

    claim = Claim.objects.get()
    assert claim.pk == int(match.group(1))
    assert (claim.admitted_on, claim.discharged_on) == (datetime.date(2017, 7, 29), datetime.date(2017, 8, 3))
    assert (claim.hospital, claim.admission_number, claim.invoice_number) == (
        county_hospital, "ZY2017-0815", "FP00012345")
    assert claim.diagnoses == [{"code": "I63.900", "name": "脑梗死"}, {"code": "I10.x00", "name": "高血压"}]
    assert (claim.total, claim.in_catalog, claim.pay_later, claim.referred) == (
        Decimal("60000.00"), Decimal("48000.00"), False, False)
    assert claim.settlements.get().personal == Decimal("9269.80")
    expect(page.locator("h1")).to_contain_text("已结算")

    # The next bill starts at the same hospital.
    page.goto(f"{live_server.url}/claims/new/{person.pk}/")
    expect(page.locator("#id_hospital-picker")).to_have_value("酉阳土家族苗族自治县人民医院")
    expect(page.locator("#id_hospital-picker")).to_be_focused()


def test_registration_picks_the_village_by_pinyin_and_the_household_by_its_heads_name(
        browser_page, live_server, clerk_a, village_a, village_b, township_a):
    Region.objects.create(code="500242100202", name="龙凤村", level="village", parent=township_a)
    household = services.household_save(user=clerk_a, number="Y00100001", village_code=village_a.code)
    services.beneficiary_create(user=clerk_a, name="田小红", id_number=make_id_number(), village_code=village_a.code,
                                household=household, relation="head")
    page = browser_page
    log_in(page, live_server, "clerk_a", PASSWORD)
    page.goto(f"{live_server.url}/people/new/")
    number = make_id_number()
    page.fill("#id_name", "田小兵")
    page.fill("#id_id_number", number)

    page.focus("#id_village_code-picker")
    page.keyboard.type("hhc")  # 红花村 by its initials
    expect(page.locator("#id_village_code-list li[role=option]")).to_have_text(["龙潭镇 / 红花村"])
    page.keyboard.press("Enter")  # takes it; the form is not sent
    expect(page.locator("#id_village_code-picker")).to_have_value("龙潭镇 / 红花村")
    assert page.url.endswith("/people/new/")

    page.focus("#id_household-picker")
    page.keyboard.type("田小")  # asked of the server: the head's name
    label = "田小红（户主） · 龙潭镇 红花村 · 户编号 Y00100001"
    expect(page.locator("#id_household-list li[role=option]")).to_have_text([label])
    page.keyboard.press("Enter")
    expect(page.locator("#id_household-picker")).to_have_value(label)
    page.select_option("#id_relation", value="child")
    with page.expect_navigation():
        page.click("form.stack button[type=submit]")

    person = Beneficiary.objects.get(id_number=number)
    assert (person.village_id, person.household_id) == (village_a.code, household.pk)
