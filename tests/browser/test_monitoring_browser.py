"""An official works an alert (预警) in a real browser: from the home page's count to the alert list, then the
alert's page, through 已核实, 已推送民政/乡村振兴 and 已纳入监测, each step shown on the page with who did it and why.

The data come through the services: the shipped 酉阳 2017 policy (因病致贫监测 for 建档立卡 poor people: threshold
1.0 × 11,549.00), a poor person of township A, and a 100,000 bill (60,000 in the catalog) at a city hospital,
settled at the window in 2017-08, which raises her alert at 超标 at once (its personal share is far above 11,549).

The home page shows the alerts of the current calendar year, so the test makes the home page's "today" a day of
December 2017 (only the home page's: the other pages read the year from their links).
"""

from __future__ import annotations

import datetime
import re
import types
from decimal import Decimal

import pytest
from browser_support import log_in
from django.utils import timezone

from accounts.services import system_user
from claims.models import Settlement
from claims.services import BillFacts, claim_settle
from monitoring import home_views
from monitoring.models import Alert, AlertStep, Level
from policies.services import policies_load_shipped
from tests.conftest import PASSWORD

expect = pytest.importorskip("playwright.sync_api", reason="Playwright 未安装：浏览器测试跳过").expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

D = datetime.date
OFFICIAL = "周卫国"
VERIFY_NOTE = "入户核实：两次住院，家中无其他收入"
REFER_NOTE = "推送民政部门，申请临时救助"
MONITOR_NOTE = "民政已回复：纳入防返贫监测"


@pytest.fixture
def in_december_2017(monkeypatch):
    """The home page's "today" (and so its year) is 2017-12-20; every other page keeps the real clock."""
    clock = types.SimpleNamespace(localdate=lambda *args: D(2017, 12, 20), now=timezone.now)
    monkeypatch.setattr(home_views, "timezone", clock)


@pytest.fixture
def an_alert(db, make_person, village_a, covered, hospital, viewer, in_december_2017) -> Alert:
    viewer.first_name = OFFICIAL
    viewer.save(update_fields=["first_name"])
    policies_load_shipped(user=system_user())
    person = covered(make_person(village_a, name="冉玉梅"), 2017, ["poor"])
    claim_settle(user=system_user(), person=person, bill=BillFacts(
        hospital=hospital("city", name="重庆医科大学附属第一医院"), visit_type="inpatient",
        admitted_on=D(2017, 7, 20), discharged_on=D(2017, 8, 3), total=Decimal("100000"),
        in_catalog=Decimal("60000")))
    alert = Alert.objects.get(beneficiary=person, year=2017)
    personal = Settlement.objects.current().get(claim__beneficiary=person).personal
    # what this test relies on: the signal raised a new alert at 超标 with the bill's personal share
    assert (alert.level, alert.status, alert.burden, alert.threshold, alert.label) == (
        Level.OVER, Alert.Status.NEW, personal, Decimal("11549.00"), "因病致贫监测")
    return alert


def header_status(page) -> str:
    return page.locator("h1 span.muted").inner_text().strip()


def step_rows(page) -> list[list[str]]:
    """The cells of the 处理记录 table: time, who, from → to, note, office, date."""
    table = page.locator("table", has=page.locator("th:text-is('状态变化')"))
    return [[cell.strip() for cell in row.locator("td").all_inner_texts()] for row in table.locator("tbody tr").all()]


def submit_step(page, to: str, note: str, **referral) -> None:
    form = page.locator("form.alert-step")
    form.locator("select[name=to]").select_option(label=to)
    form.locator("textarea[name=note]").fill(note)
    if "office" in referral:
        form.locator("select[name=office]").select_option(label=referral["office"])
    if "referred_on" in referral:
        form.locator("input[name=referred_on]").fill(referral["referred_on"])
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.locator("ul.messages")).to_contain_text(f"预警已改为“{to}”。")


def test_an_official_takes_an_alert_from_the_home_page_to_monitoring(browser_page, live_server, an_alert):
    page, alert = browser_page, an_alert
    detail_path = f"/monitoring/alerts/{alert.pk}/"

    # The home page counts the new alert at 超标; the count opens the list, holding her.
    log_in(page, live_server, "viewer", PASSWORD)
    section = page.locator("section#alerts")
    expect(section.locator("h2")).to_have_text("2017 年因病返贫致贫预警")
    count = section.locator("a.card.stat", has_text="待核实 · 超标")
    expect(count.locator(".n")).to_have_text("1")
    with page.expect_navigation():
        count.click()
    assert "/monitoring/alerts/?" in page.url and "year=2017" in page.url, page.url
    rows = page.locator("table.alerts tbody tr")
    expect(rows).to_have_count(1)
    row = rows.first
    expect(row).to_contain_text("龙潭镇/红花村")
    expect(row).to_contain_text("因病致贫监测")
    expect(row.locator("td.level-over")).to_have_text("超标")
    expect(row).to_contain_text("待核实")

    # The row opens the alert: 超标, 待核实, nothing done yet; only 已核实 or 已排除 can come next.
    with page.expect_navigation():
        row.get_by_role("link", name="冉玉梅").click()
    assert page.url.endswith(detail_path), page.url
    expect(page.locator("h1")).to_contain_text("2017 年预警：冉玉梅")
    expect(page.locator("h1 span.level-over")).to_have_text("超标")
    assert header_status(page) == "待核实"
    expect(page.locator("main")).to_contain_text("尚未办理（待核实）。")
    options = page.locator("form.alert-step select[name=to] option").all_inner_texts()
    assert options == ["已核实", "已排除"], options

    # 已核实, with what was found.
    submit_step(page, "已核实", VERIFY_NOTE)
    assert page.url.endswith(detail_path), page.url
    assert header_status(page) == "已核实"
    steps = step_rows(page)
    assert [s[1:4] for s in steps] == [[OFFICIAL, "待核实 → 已核实", VERIFY_NOTE]], steps

    # 推送 to 民政 on a date, with a note: the page shows the office and the date, in the header and the step.
    submit_step(page, "已推送民政/乡村振兴", REFER_NOTE, office="民政部门", referred_on="2017-12-18")
    assert header_status(page) == "已推送民政/乡村振兴"
    facts = page.locator("dl.facts")
    expect(facts.locator("dt:text-is('推送') + dd")).to_have_text("民政部门 · 2017-12-18")
    steps = step_rows(page)
    assert [s[1:] for s in steps] == [
        [OFFICIAL, "待核实 → 已核实", VERIFY_NOTE, "", ""],
        [OFFICIAL, "已核实 → 已推送民政/乡村振兴", REFER_NOTE, "民政部门", "2017-12-18"],
    ], steps
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", s[0]) for s in steps), steps

    # 已纳入监测.
    submit_step(page, "已纳入监测", MONITOR_NOTE)
    assert header_status(page) == "已纳入监测"
    steps = step_rows(page)
    assert [s[1:4] for s in steps] == [
        [OFFICIAL, "待核实 → 已核实", VERIFY_NOTE],
        [OFFICIAL, "已核实 → 已推送民政/乡村振兴", REFER_NOTE],
        [OFFICIAL, "已推送民政/乡村振兴 → 已纳入监测", MONITOR_NOTE],
    ], steps
    # 已纳入监测 may be reopened (back to 已核实) when the family's situation changes; nothing else is offered.
    options = page.locator("form.alert-step select[name=to] option").all_inner_texts()
    assert options == ["已核实"], options

    # The database holds the three steps, by the official, and the alert's final state.
    alert.refresh_from_db()
    assert (alert.status, alert.office, alert.referred_on, alert.level) == (
        Alert.Status.MONITORED, Alert.Office.CIVIL_AFFAIRS, D(2017, 12, 18), Level.OVER)
    steps = list(AlertStep.objects.filter(alert=alert).order_by("pk"))
    assert [(s.status_before, s.status_after, s.note, s.by.username, s.office, s.referred_on) for s in steps] == [
        ("new", "verified", VERIFY_NOTE, "viewer", "", None),
        ("verified", "referred", REFER_NOTE, "viewer", "civil_affairs", D(2017, 12, 18)),
        ("referred", "monitored", MONITOR_NOTE, "viewer", "", None),
    ]
