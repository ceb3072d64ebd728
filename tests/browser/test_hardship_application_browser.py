"""A hardship-fund application (卫生医疗困难救助申请, seed 004 附件6) in a real browser, from the township clerk to
the payment: the clerk takes it from the person's page, uploads a 诊断证明, records the township's check and the
clinic's preliminary amount with its publicity; the county administrator (the only one who may convene the
committee) draws the three experts at random, records the committee's decision and the payment; the printed
申请审批表 then carries the decided amount and the signature lines.

Only reference data are written directly, as in tests/assistance/test_applications.py: the county's hardship
fund (2 applications and ¥20,000 per person-year, ¥5,000 per chronic case, ¥10,000 per major case) with its
2017 budget, a pool of 8 experts, and a 建档立卡 poor person of township A with a 100,000 bill at a city
hospital settled in 2017-08 under the shipped 酉阳 policy (which raises her 2017 alert). Every step of the
application goes through the pages.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from browser_support import log_in

from accounts.services import system_user
from assistance.models import CommitteeDraw, Expert, Fund, FundYear, Grant, HardshipApplication
from claims.services import BillFacts, claim_settle
from monitoring.models import Alert
from policies.services import policies_load_shipped
from tests.conftest import PASSWORD

expect = pytest.importorskip("playwright.sync_api", reason="Playwright 未安装：浏览器测试跳过").expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

D = datetime.date
YEAR = 2017
S = HardshipApplication.Status
NAME = "田小红"
FUND = "卫生医疗困难救助基金"
MAJOR = "长期患重大疾病或突发重大疾病"
CLINIC_AMOUNT, DECIDED_AMOUNT = "10000", "9500"
DECIDED_YUAN = "¥9,500.00"
MEMBERS = "民政局李某、社保局王某、财政局张某"
FIELDS = {
    "#id_disease": "慢性肾脏病5期",
    "#id_address": "红花村3组",
    "#id_phone": "13800000000",
    "#id_family": "夫妻二人，儿子在外务工",
    "#id_bank_account": "6230 0000 1111 2222",
    "#id_bank_name": "重庆农村商业银行",
    "#id_account_holder": NAME,
    "#id_reason": "透析费用过重，基本生活陷入困境",
}
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def hardship_fund(db, county) -> Fund:
    fund = Fund.objects.create(code="hardship", name=FUND, kind=Fund.Kind.GRANTS, region=county,
                               grants_per_year=2, amount_per_year=Decimal("20000"),
                               chronic_cap=Decimal("5000"), major_cap=Decimal("10000"))
    FundYear.objects.create(fund=fund, year=YEAR, budget=Decimal("10000000"))
    for i in range(8):
        Expert.objects.create(region=county, name=f"专家{i}", unit="县人民医院", specialty="内科")
    return fund


@pytest.fixture
def applicant(db, make_person, village_a, covered, hospital):
    """A poor person of township A whose 2017 bill (personal share far above the threshold) is settled."""
    policies_load_shipped(user=system_user())
    person = covered(make_person(village_a, name=NAME), YEAR, ["poor"])
    claim_settle(user=system_user(), person=person, bill=BillFacts(
        hospital=hospital("city", name="重庆医科大学附属第一医院"), visit_type="inpatient",
        admitted_on=D(YEAR, 7, 20), discharged_on=D(YEAR, 8, 3), total=Decimal("100000"),
        in_catalog=Decimal("60000")))
    alert = Alert.objects.get(beneficiary=person, year=YEAR)
    assert alert.relief == 0 and alert.burden > Decimal(DECIDED_AMOUNT), (alert.relief, alert.burden)
    return person


def expect_status(page, label: str) -> None:
    expect(page.locator("main h1")).to_have_text(re.compile(rf"^卫生医疗困难救助申请 #\d+：{re.escape(label)}$"))


def post_step(page, action: str) -> None:
    """Submit the step's form and land on the application's page again with 已保存。"""
    form = page.locator("form", has=page.locator(f"input[name=action][value={action}]"))
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.locator("ul.messages")).to_contain_text("已保存。")


def step_headings(page) -> list[str]:
    return [text.strip() for text in page.locator("main form.card h2").all_inner_texts()]


def test_a_hardship_application_goes_from_the_township_clerk_to_payment(
        browser_page, live_server, media, applicant, hardship_fund, clerk_a, county_admin):
    page, person = browser_page, applicant
    burden_before = Alert.objects.get(beneficiary=person, year=YEAR).burden

    # 1. 受理: the township clerk opens the person's page and takes the application.
    log_in(page, live_server, clerk_a.username, PASSWORD)
    page.goto(f"{live_server.url}/people/{person.pk}/")
    with page.expect_navigation():
        page.get_by_role("link", name="受理困难救助申请").click()
    assert page.url.endswith(f"/assistance/people/{person.pk}/applications/new/"), page.url
    expect(page.locator("main h1")).to_contain_text(f"受理卫生医疗困难救助申请：{NAME}")
    page.select_option("#id_fund", label=FUND)
    page.fill("#id_year", str(YEAR))
    page.fill("#id_submitted_on", "2017-09-01")
    page.select_option("#id_case", label=MAJOR)
    for selector, value in FIELDS.items():
        page.fill(selector, value)
    with page.expect_navigation():
        page.get_by_role("button", name="受理", exact=True).click()
    match = re.search(r"/assistance/applications/(\d+)/$", page.url)
    assert match, f"受理后未到申请页：{page.url}\n{page.inner_text('main')}"
    application = HardshipApplication.objects.get(pk=int(match.group(1)))
    expect(page.locator("ul.messages")).to_contain_text(f"已受理申请 #{application.pk}")
    expect_status(page, "已受理，待乡镇审核")
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text(NAME)
    expect(facts).to_contain_text(f"{FUND} {YEAR} 年")
    expect(facts).to_contain_text(f"慢性肾脏病5期（{MAJOR}）")
    # a clerk without the sensitive-data permission sees the account masked, as phone numbers are
    expect(facts).to_contain_text("重庆农村商业银行 623" + "*" * 12 + "2222")
    expect(facts).not_to_contain_text("6230 0000 1111 2222")
    expect(page.locator("main")).to_contain_text("还没有上传材料。")

    # 2. 上传材料: a small PDF as 诊断证明, listed with the application.
    upload = page.locator("form", has=page.locator("input[name=action][value=document]"))
    upload.locator("#id_document-kind").select_option(label="诊断证明")
    upload.locator("#id_document-file").set_input_files(
        files=[{"name": "诊断证明.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    post_step(page, "document")
    expect(page.get_by_role("link", name="诊断证明：诊断证明.pdf")).to_be_visible()
    assert application.documents.get().kind == "diagnosis"

    # 3. 乡镇审核 (同意上报), then 卫生院初核并公示 with a publicity that ended long ago.
    page.select_option("#id_check-passed", label="同意上报")
    page.fill("#id_check-opinion", "情况属实，同意上报")
    post_step(page, "check")
    expect_status(page, "乡镇已审核，待卫生院初核")
    page.fill("#id_publicise-amount", CLINIC_AMOUNT)
    page.fill("#id_publicise-opinion", "建议救助")
    page.fill("#id_publicise-publicity_from", "2017-09-10")
    page.fill("#id_publicise-publicity_to", "2017-09-16")
    post_step(page, "publicise")
    expect_status(page, "初核公示中")
    expect(facts).to_contain_text("¥10,000.00：建议救助")
    expect(facts).to_contain_text("2017-09-10 至 2017-09-16")

    # 4. The clerk may not convene the committee: no 抽取评审专家 form, no 随机抽取 button.
    headings = step_headings(page)
    assert "抽取评审专家" not in headings, headings
    expect(page.get_by_role("button", name="随机抽取")).to_have_count(0)
    with page.expect_navigation():
        page.get_by_role("button", name="退出", exact=True).click()

    # The county administrator finds it among the applications in publicity and draws the committee.
    log_in(page, live_server, county_admin.username, PASSWORD)
    with page.expect_navigation():
        page.locator("header nav").get_by_role("link", name="救助金", exact=True).click()
    with page.expect_navigation():
        page.get_by_role("link", name="卫生医疗困难救助申请").click()
    page.select_option("select[name=status]", label="初核公示中")
    with page.expect_navigation():
        page.get_by_role("button", name="筛选", exact=True).click()
    row = page.locator("main table tbody tr", has_text=NAME)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("初核公示中")
    with page.expect_navigation():
        row.get_by_role("link", name=f"#{application.pk}").click()
    assert page.url.endswith(f"/assistance/applications/{application.pk}/"), page.url
    assert "抽取评审专家" in step_headings(page)
    with page.expect_navigation():
        page.get_by_role("button", name="随机抽取").click()
    expect(page.locator("ul.messages")).to_contain_text("已保存。")
    expect_status(page, "评审中")
    draw = CommitteeDraw.objects.get(application=application)
    drawn = [Expert.objects.get(pk=pk) for pk in draw.drawn]
    assert len({e.pk for e in drawn}) == 3 and len(draw.pool) == 8, (draw.drawn, draw.pool)
    draws = page.locator("table", has=page.locator("th:text-is('随机种子')"))
    draw_row = draws.locator("tbody tr")
    expect(draw_row).to_have_count(1)
    expect(draw_row.locator("code")).to_have_text(draw.seed)
    expect(draw_row).to_contain_text("、".join(f"{e.name}（{e.unit}）" for e in drawn))
    expect(draw_row).to_contain_text("现行")

    # 评审核定: 同意救助 within the major case's cap → 已核准，待支付.
    page.select_option("#id_decide-approved", label="同意救助")
    page.fill("#id_decide-amount", DECIDED_AMOUNT)
    page.fill("#id_decide-members", MEMBERS)
    page.fill("#id_decide-opinion", "同意救助")
    page.fill("#id_decide-decided_on", "2017-09-25")
    post_step(page, "decide")
    expect_status(page, "已核准，待支付")
    expect(facts.locator("dt:text-is('核定救助金额') + dd")).to_have_text(DECIDED_YUAN)

    # 支付 → 已支付.
    page.fill("#id_pay-paid_on", "2017-09-30")
    post_step(page, "pay")
    expect_status(page, "已支付")
    # nothing is left to do but, should the decision prove wrong, cancel it (its grant voided with it)
    assert step_headings(page) == ["核准后撤销"], step_headings(page)

    # 5. The database: paid application, paid grant of the decided amount, the alert's relief.
    application.refresh_from_db()
    assert application.status == S.PAID and application.decided_amount == Decimal(DECIDED_AMOUNT)
    grant = application.grant
    assert (grant.status, grant.amount, grant.paid_on, grant.kind, grant.fund_id, grant.year) == (
        Grant.Status.PAID, Decimal(DECIDED_AMOUNT), D(2017, 9, 30), Grant.Kind.HARDSHIP, hardship_fund.pk,
        YEAR)
    alert = Alert.objects.get(beneficiary=person, year=YEAR)
    assert alert.relief == Decimal(DECIDED_AMOUNT), alert.relief
    assert alert.burden == burden_before - Decimal(DECIDED_AMOUNT), (alert.burden, burden_before)
    assert [s.status_after for s in application.steps.order_by("pk")] == [
        S.SUBMITTED, S.CHECKED, S.PUBLICISED, S.REVIEWING, S.APPROVED, S.PAID]
    assert [s.by.username for s in application.steps.order_by("pk")] == [clerk_a.username] * 3 + [
        county_admin.username] * 3

    # The printable 申请审批表 carries the applicant, the decided amount and the signature line.
    with page.expect_navigation():
        page.get_by_role("link", name="打印申请审批表").click()
    assert page.url.endswith(f"/assistance/applications/{application.pk}/form/"), page.url
    body = page.locator("body")
    expect(page.locator("h1")).to_have_text("酉阳自治县卫生医疗困难救助基金申请审批表")
    expect(body).to_contain_text(NAME)
    expect(body).to_contain_text(f"核定救助金额 {DECIDED_YUAN}")
    expect(body).to_contain_text("评审人签字")
    expect(body).to_contain_text(MEMBERS)
