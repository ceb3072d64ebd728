"""The settlement slip printed by Debian's Chromium with the CJK fonts a county's PC has: one page on A4 and on
A5, the paid layers with the amounts in capitals, the signatures on the same page; a voided slip says so."""

from __future__ import annotations

import datetime
import os
import re

import pytest

from browser_support import log_in
from claims.models import Claim
from claims.services import claim_void
from tests.conftest import PASSWORD

expect = pytest.importorskip("playwright.sync_api", reason="Playwright 未安装：浏览器测试跳过").expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CJK_FONTS = "/usr/share/fonts/opentype/noto"


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


@pytest.fixture
def bills(load_vector_policy, make_person, village_a, covered, settle, clerk_a):
    if not os.path.isdir(CJK_FONTS):
        pytest.skip(f"中文字体 fonts-noto-cjk 未安装（{CJK_FONTS}）：结算单打印测试跳过")
    load_vector_policy("youyang-2017")
    person = covered(make_person(village_a, name="冉玉梅"), 2017, ["poor"])
    diagnoses = ({"code": "I63.900", "name": "脑梗死"}, {"code": "I10.x00", "name": "高血压"},
                 {"code": "E11.900", "name": "2型糖尿病不伴有并发症"})
    kept = settle(clerk_a, person, day=datetime.date(2017, 8, 3), total="60000", in_catalog="48000",
                  diagnoses=diagnoses, admission_number="ZY2017080012", invoice_number="50024217000123").claim
    voided = settle(clerk_a, person, day=datetime.date(2017, 11, 20), total="30000", in_catalog="26000").claim
    claim_void(user=clerk_a, claim=voided, reason="医院重复上传")
    return kept, voided


@pytest.mark.parametrize("paper", ["A4", "A5"])
def test_the_slip_prints_on_one_page_with_its_amounts_in_capitals(browser_page, live_server, bills, paper):
    page, (kept, _voided) = browser_page, bills
    log_in(page, live_server, "clerk_a", PASSWORD)
    page.goto(f"{live_server.url}/claims/{kept.pk}/slip/?paper={paper}")
    settlement = kept.settlements.get(superseded_at__isnull=True)
    sub = page.locator("p.sub")
    expect(sub).to_contain_text(f"结算单号 {settlement.number}")
    expect(sub).to_contain_text("结算日期 ")
    text = page.inner_text("body")
    for words in ("ZY2017080012", "50024217000123", "I10.x00 高血压", "城乡居民大病保险", "¥3,705.50",
                  "大写：玖仟贰佰陆拾玖元捌角", "患者（家属）签字"):
        assert words in text, words
    # Only the layers that paid are rows; those that did not are one line with their reasons.
    rows = page.locator("table.payments tr:not(.total) td:first-child").all_inner_texts()
    assert rows and all(row != "" for row in rows)
    assert page.locator("table.payments td.num", has_text="¥0.00").count() == 0
    expect(page.locator("p.unpaid")).to_contain_text("未支付的保障层次：")
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    assert pdf_pages(pdf) == 1, f"{paper} 结算单打印为 {pdf_pages(pdf)} 页"


def test_a_voided_slip_is_marked_across_the_page_and_refused_as_a_payment_document(browser_page, live_server,
                                                                                     bills):
    page, (_kept, voided) = browser_page, bills
    assert Claim.objects.get(pk=voided.pk).status == Claim.Status.VOIDED
    log_in(page, live_server, "clerk_a", PASSWORD)
    page.goto(f"{live_server.url}/claims/{voided.pk}/slip/?paper=A5")
    expect(page.locator(".void-mark")).to_have_text("作废")
    expect(page.locator(".void-note")).to_contain_text("医院重复上传")
    expect(page.locator(".void-note")).to_contain_text("不得作为报销、支付或记账凭证")
    assert pdf_pages(page.pdf(prefer_css_page_size=True, print_background=True)) == 1
