"""The alert list (预警名单), an alert's page and workflow, its referral letter and Excel export, and the burden
panels of the person and household pages.

The county of 2017 under the shipped 酉阳 policy (poor: threshold 11,549.00, warning from 9,239.20; 低保:
5,774.50, warning from 4,619.60):

- 田小红 (A, poor): 100,000 at a city hospital → over, the largest burden; head of a household with her
  husband (a bill, and a voided bill) and a son who moved away (a bill: not counted).
- 冉春花 (A, poor): 50,000 at a city hospital → warning.
- 白明华 (B, 低保): 30,000 at a city hospital → over, a smaller burden than 田小红's but a larger share.
"""

from __future__ import annotations

import datetime
import io
import re
from decimal import Decimal
from io import StringIO

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessLog
from accounts.services import system_user
from beneficiaries.idnumbers import mask
from beneficiaries.models import Beneficiary, Household
from beneficiaries.services import beneficiary_set_status
from beneficiaries.templatetags.display import yuan
from claims.models import Settlement
from claims.services import claim_void
from monitoring import selectors
from monitoring.exports import HEADERS
from monitoring.models import Alert, AlertStep, Level
from policies.services import policies_load_shipped
from tests.test_headers import inline_code

D = datetime.date
YEAR = 2017
LIST = reverse("monitoring:alert_list")


def personal(person) -> Decimal:
    """Σ personal of the person's current settlements of settled 2017 bills, from the records."""
    rows = Settlement.objects.current().filter(claim__beneficiary=person, claim__discharged_on__year=YEAR)
    return sum((s.personal for s in rows), Decimal("0.00"))


@pytest.fixture
def records(db, make_person, village_a, village_b, covered, settle, clerk_a, clerk_b):
    policies_load_shipped(user=system_user())
    red = covered(make_person(village_a, name="田小红"), YEAR, ["poor"])
    settle(clerk_a, red, day=D(YEAR, 8, 3), total="100000", in_catalog="60000", level="city")
    spring = covered(make_person(village_a, name="冉春花"), YEAR, ["poor"])
    settle(clerk_a, spring, day=D(YEAR, 6, 2), total="50000", in_catalog="30000", level="city")
    white = covered(make_person(village_b, name="白明华"), YEAR, ["dibao_rural"])
    settle(clerk_b, white, day=D(YEAR, 5, 2), total="30000", in_catalog="20000", level="city")

    household = Household.objects.create(number="5002421002010001", village=village_a, head=red)
    husband = covered(make_person(village_a, name="冉大山"), YEAR)  # enrolled, no category: not monitored
    son = covered(make_person(village_a, name="冉小军", birth=D(1990, 2, 3)), YEAR)
    for member, relation in ((red, "head"), (husband, "spouse"), (son, "child")):
        Beneficiary.objects.filter(pk=member.pk).update(household=household, relation=relation)
    settle(clerk_a, husband, day=D(YEAR, 3, 9), total="8000", in_catalog="6000")
    mistake = settle(clerk_a, husband, day=D(YEAR, 4, 1), total="9000", in_catalog="7000").claim
    claim_void(user=clerk_a, claim=mistake, reason="重复录入")
    settle(clerk_a, son, day=D(YEAR, 2, 1), total="6000", in_catalog="5000")
    beneficiary_set_status(user=clerk_a, person=Beneficiary.objects.get(pk=son.pk), status="moved_away",
                           day=D(YEAR, 10, 1))
    people = {p.name: p for p in Beneficiary.objects.select_related("village").all()}
    return people


def alert_of(name: str) -> Alert:
    return Alert.objects.get(beneficiary__name=name, year=YEAR)


def names(response) -> list[str]:
    """The names in the list's rows, in order (the links to the alerts)."""
    html = response.content.decode()
    return re.findall(r'<td><a href="/monitoring/alerts/\d+/">([^<]+)</a></td>', html)


def listed(client, user, **params) -> list[str]:
    client.force_login(user)
    response = client.get(LIST, {"year": YEAR, **params})
    assert response.status_code == 200
    return names(response)


# --- who sees what ------------------------------------------------------------------------------------------


def test_a_clerk_sees_their_townships_alerts_and_an_official_the_countys(client, records, clerk_a, clerk_b, viewer):
    assert set(listed(client, clerk_a)) == {"田小红", "冉春花"}
    assert set(listed(client, clerk_b)) == {"白明华"}
    assert set(listed(client, viewer)) == {"田小红", "冉春花", "白明华"}


def test_a_clerk_cannot_open_or_work_another_townships_alert(client, records, clerk_a):
    white = alert_of("白明华")
    client.force_login(clerk_a)
    assert client.get(reverse("monitoring:alert_detail", args=[white.pk])).status_code == 404
    assert client.get(reverse("monitoring:alert_referral", args=[white.pk])).status_code == 404
    posted = client.post(reverse("monitoring:alert_detail", args=[white.pk]), {"to": "verified", "note": "越权"})
    assert posted.status_code == 404 and not AlertStep.objects.exists()
    # nor reach it through the township filter
    response = client.get(LIST, {"year": YEAR, "township": "500242101"})
    assert names(response) == [] and "乡镇：" in response.content.decode()


def test_the_nav_links_the_list_for_who_may_see_it(client, records, clerk_a):
    client.force_login(clerk_a)
    html = client.get(reverse("home")).content.decode()
    assert f'href="{LIST}">预警名单</a>' in html


# --- filters and sorting -------------------------------------------------------------------------------------


@pytest.mark.parametrize("params, expected", [
    ({}, {"田小红", "冉春花", "白明华"}),
    ({"level": "over"}, {"田小红", "白明华"}),
    ({"level": "warning"}, {"冉春花"}),
    ({"level": "none"}, set()),
    ({"township": "500242101"}, {"白明华"}),
    ({"township": "500242100"}, {"田小红", "冉春花"}),
    ({"label": "因病返贫监测"}, {"白明华"}),
    ({"label": "因病致贫监测"}, {"田小红", "冉春花"}),
    ({"q": "冉春"}, {"冉春花"}),
    ({"year": "2018"}, set()),
])
def test_filters_change_the_rows(client, records, viewer, params, expected):
    assert set(listed(client, viewer, **params)) == expected


def test_the_list_counts_each_level_and_its_queries_do_not_grow_with_the_rows(client, records, viewer):
    client.force_login(viewer)
    with CaptureQueriesContext(connection) as one:
        narrow = client.get(LIST, {"year": YEAR, "q": "冉春"})
    with CaptureQueriesContext(connection) as three:
        wide = client.get(LIST, {"year": YEAR, "level": "over"})
    assert (len(names(narrow)), len(names(wide))) == (1, 2)
    assert len(one) == len(three)
    # the counts ignore the level asked for, so the other levels stay in sight
    assert "超标 2 人 · 预警 1 人 · 已回落 0 人" in wide.content.decode()


def test_searching_by_the_last_digits_of_an_id_number(client, records, viewer):
    assert listed(client, viewer, q=records["白明华"].id_number[-6:]) == ["白明华"]


def test_the_status_filter_follows_the_workflow(client, records, viewer):
    client.force_login(viewer)
    client.post(reverse("monitoring:alert_detail", args=[alert_of("冉春花").pk]), {"to": "verified", "note": "属实"})
    assert listed(client, viewer, status="verified") == ["冉春花"]
    assert set(listed(client, viewer, status="new")) == {"田小红", "白明华"}


def test_a_bad_year_is_explained_in_chinese_and_lists_nobody(client, records, viewer):
    client.force_login(viewer)
    response = client.get(LIST, {"year": "abc"})
    assert response.status_code == 200 and names(response) == []
    assert "年度：" in response.content.decode()


def test_sorting_by_burden_share_and_township(client, records, viewer):
    burdens = {name: alert_of(name).burden for name in ("田小红", "冉春花", "白明华")}
    assert burdens["田小红"] > burdens["冉春花"] > burdens["白明华"]  # the data this test relies on
    by_burden = listed(client, viewer, sort="-burden")
    by_share = listed(client, viewer, sort="-share")
    assert by_burden == ["田小红", "冉春花", "白明华"]
    assert by_share == ["白明华", "田小红", "冉春花"]  # 8,772.00 of 5,774.50 is more than 16,978.36 of 11,549.00
    assert listed(client, viewer) == by_share  # the default: the largest share first
    assert listed(client, viewer, sort="burden") == list(reversed(by_burden))
    assert listed(client, viewer, sort="township") == ["冉春花", "田小红", "白明华"]  # A before B, then by name


# --- the household's burden ----------------------------------------------------------------------------------


def test_the_household_burden_sums_the_members_to_the_cent(client, records, viewer):
    red, husband, son = records["田小红"], records["冉大山"], records["冉小军"]
    expected = personal(red) + personal(husband)  # the voided bill and the son who moved away do not count
    assert personal(husband) > 0 and personal(son) > 0
    assert expected != personal(red) + personal(husband) + personal(son)

    # the selector, six queries for every row shown (the members of the end of 2017, the bills, the grants)
    alerts = list(selectors.alerts_visible(viewer).filter(year=YEAR))
    with CaptureQueriesContext(connection) as queries:
        rows = {row.person.name: row.household_burden for row in selectors.alert_rows(alerts, YEAR)}
    assert len(queries) == 6
    assert rows == {"田小红": expected, "冉春花": alert_of("冉春花").burden, "白明华": alert_of("白明华").burden}

    # the page's column
    client.force_login(viewer)
    html = client.get(LIST, {"year": YEAR, "q": "田小红"}).content.decode()
    assert f'<td class="num">{yuan(expected)}</td>' in html

    # the household page, member by member
    page = client.get(reverse("household_detail", args=[red.household_id])).content.decode()
    section = page.split("<h3>2017 年</h3>")[1]
    for member in (red, husband, son):
        assert yuan(personal(member)) in section
    assert "已迁出，不计入家庭负担" in section
    assert re.search(r"家庭负担合计</td><td class=\"num\">" + re.escape(yuan(expected)), section)


def test_a_person_page_shows_the_years_burden_as_a_bar_against_the_threshold(client, records, clerk_a):
    red = records["田小红"]
    alert = alert_of("田小红")
    client.force_login(clerk_a)
    html = client.get(reverse("person_detail", args=[red.pk])).content.decode()
    panel = html.split("医疗负担监测")[1]
    assert '<svg class="burden-bar"' in panel
    assert yuan(alert.burden) in panel and "¥11,549.00" in panel and "因病致贫监测" in panel
    assert "超标" in panel and f'href="/monitoring/alerts/{alert.pk}/"' in panel
    assert f"红花村 {timezone.localdate().year} 年没有适用的报销政策" in panel  # this year: no policy in force
    assert not inline_code(html)


# --- person_year_burden ----------------------------------------------------------------------------------------


def test_person_year_burden_says_why_there_is_no_threshold(records, make_person, village_a, load_vector_policy):
    husband = records["冉大山"]
    figures = selectors.person_year_burden(husband, YEAR)
    assert (figures.burden, figures.threshold, figures.note) == (personal(husband), None, "未纳入监测")
    white = selectors.person_year_burden(records["白明华"], YEAR)
    assert (white.threshold, white.label, white.level) == (Decimal("5774.50"), "因病返贫监测", Level.OVER)
    assert "没有适用的报销政策" in selectors.person_year_burden(husband, 2016).note


def test_person_year_burden_when_the_policy_has_no_monitoring_block(db, make_person, village_a, covered,
                                                                   load_vector_policy):
    load_vector_policy("youyang-2017")
    person = covered(Beneficiary.objects.select_related("village").get(pk=make_person(village_a).pk), YEAR, ["poor"])
    assert "没有监测标准" in selectors.person_year_burden(person, YEAR).note


# --- the workflow through the pages ------------------------------------------------------------------------------


def test_the_workflow_through_the_page_records_each_step(client, records, clerk_a):
    alert = alert_of("田小红")
    url = reverse("monitoring:alert_detail", args=[alert.pk])
    client.force_login(clerk_a)
    page = client.get(url).content.decode()
    options = re.search(r'<select name="to"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert re.findall(r'value="(\w+)"', options) == ["verified", "excluded"]

    assert client.post(url, {"to": "verified", "note": "入户核实属实"}).status_code == 302
    assert client.post(url, {"to": "referred", "note": "推送民政", "office": "civil_affairs",
                             "referred_on": "2017-09-01"}).status_code == 302

    alert.refresh_from_db()
    assert (alert.status, alert.office, alert.referred_on) == (Alert.Status.REFERRED, "civil_affairs", D(2017, 9, 1))
    steps = list(alert.steps.all())
    assert [(s.status_before, s.status_after, s.note, s.by) for s in steps] == [
        ("new", "verified", "入户核实属实", clerk_a), ("verified", "referred", "推送民政", clerk_a)]
    page = client.get(url).content.decode()
    assert "已核实 → 已推送民政/乡村振兴" in page and "民政部门" in page and "2017-09-01" in page
    assert "结算账单 #" in page  # the change that raised the alert, with its cause


def test_a_wrong_step_or_a_missing_note_is_refused_in_chinese(client, records, viewer):
    alert = alert_of("冉春花")
    url = reverse("monitoring:alert_detail", args=[alert.pk])
    client.force_login(viewer)

    wrong = client.post(url, {"to": "monitored", "note": "直接纳入"})
    assert wrong.status_code == 200
    assert "预警当前为“待核实”，只能改为：已核实、已排除。" in wrong.content.decode()

    client.post(url, {"to": "verified", "note": "属实"})
    missing = client.post(url, {"to": "referred", "note": "  "}).content.decode()
    assert "请填写说明（核实情况、推送内容或排除理由）。" in missing and "请选择推送部门（民政 / 乡村振兴）。" in missing

    alert.refresh_from_db()
    assert alert.status == Alert.Status.VERIFIED and alert.steps.count() == 1


# --- the referral letter ------------------------------------------------------------------------------------------


def test_the_referral_letter_lists_the_bills_and_what_each_layer_paid(client, records, clerk_a):
    alert = alert_of("田小红")
    client.force_login(clerk_a)
    client.post(reverse("monitoring:alert_detail", args=[alert.pk]), {"to": "verified", "note": "家中两人长期住院"})
    response = client.get(reverse("monitoring:alert_referral", args=[alert.pk]))
    html = response.content.decode()
    settlement = Settlement.objects.current().get(claim__beneficiary=records["田小红"])
    for text in ("因病返贫致贫风险人员推送函", "css/referral.css", "city 医院", yuan(settlement.basic),
                 yuan(settlement.critical), yuan(settlement.personal), "¥11,549.00", "家中两人长期住院",
                 "冉大山", "已迁出，不计入", mask(records["田小红"].id_number)):
        assert text in html, text
    assert records["田小红"].id_number not in html
    assert any(p.name in html for p in settlement.payments.all() if p.amount)
    assert not inline_code(html)
    log = AccessLog.objects.get(action=AccessLog.Action.VIEW_PERSON, detail__contains="推送函")
    assert (log.user, log.object_id) == (clerk_a, str(records["田小红"].pk))


# --- masking -------------------------------------------------------------------------------------------------------


def test_id_numbers_are_masked_unless_the_user_may_see_them(client, records, viewer):
    number = records["白明华"].id_number
    client.force_login(viewer)
    html = client.get(LIST, {"year": YEAR}).content.decode()
    assert mask(number) in html and number not in html

    viewer.user_permissions.add(Permission.objects.get(codename="view_sensitive"))
    html = client.get(LIST, {"year": YEAR}).content.decode()
    assert number in html


# --- the Excel export ---------------------------------------------------------------------------------------------


def workbook_rows(content: bytes) -> list[tuple]:
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).active
    return list(sheet.iter_rows(values_only=True))


def test_the_excel_export_has_the_offices_columns_and_the_filtered_rows(client, records, clerk_a):
    client.force_login(clerk_a)
    response = client.get(reverse("monitoring:alert_export"), {"year": YEAR, "level": "over"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = workbook_rows(response.content)
    assert "2017 年因病返贫致贫预警名单" in rows[0][0]
    assert list(rows[1]) == HEADERS == [
        "户主", "家庭人口", "姓名", "身份证号", "乡镇", "村", "医疗总费用", "基本医保", "大病保险", "医疗救助",
        "其他保障", "个人负担", "监测标准", "监测类别", "预警等级", "状态"]
    data = rows[2:]
    assert [r[2] for r in data] == ["田小红"]  # township A only, and only the level asked for
    red = records["田小红"]
    settlement = Settlement.objects.current().get(claim__beneficiary=red)
    row = dict(zip(HEADERS, data[0], strict=True))
    assert (row["户主"], row["家庭人口"], row["身份证号"], row["乡镇"], row["村"]) == (
        "田小红", 2, mask(red.id_number), "龙潭镇", "红花村")  # the son who moved away is not counted
    money = {name: Decimal(str(row[name])).quantize(Decimal("0.01")) for name in HEADERS[6:13]}
    assert money == {"医疗总费用": settlement.total, "基本医保": settlement.basic, "大病保险": settlement.critical,
                     "医疗救助": settlement.assistance, "其他保障": settlement.other,
                     "个人负担": alert_of("田小红").burden, "监测标准": Decimal("11549.00")}
    assert (row["监测类别"], row["预警等级"], row["状态"]) == ("因病致贫监测", "超标", "待核实")

    log = AccessLog.objects.get(action=AccessLog.Action.EXPORT)
    assert (log.user, log.object_id, log.rows) == (clerk_a, "alerts", 1)
    assert "2017 年" in log.detail and "超标" in log.detail


def test_the_export_shows_full_numbers_to_who_may_see_them(client, records, county_admin):
    client.force_login(county_admin)
    rows = workbook_rows(client.get(reverse("monitoring:alert_export"), {"year": YEAR}).content)[2:]
    assert {r[3] for r in rows} == {records[n].id_number for n in ("田小红", "冉春花", "白明华")}


def test_a_bad_filter_exports_nothing_and_says_why(client, records, clerk_a):
    client.force_login(clerk_a)
    response = client.get(reverse("monitoring:alert_export"), {"year": "abc"}, follow=True)
    assert "未能导出" in response.content.decode() and not AccessLog.objects.filter(action="export").exists()


def test_monitor_out_writes_the_same_list(records, tmp_path):
    path = tmp_path / "alerts.xlsx"
    call_command("monitor", "--year", str(YEAR), "--area", "500242", "--out", str(path), "--json", stdout=StringIO())
    rows = workbook_rows(path.read_bytes())
    assert list(rows[1]) == HEADERS
    assert {r[2] for r in rows[2:]} == {"田小红", "冉春花", "白明华"}
    assert AccessLog.objects.get(action=AccessLog.Action.EXPORT).rows == 3


# --- the pages keep to the Content-Security-Policy ------------------------------------------------------------------


def test_the_pages_have_no_inline_code(client, records, viewer):
    client.force_login(viewer)
    alert = alert_of("田小红")
    for url in (LIST + "?year=2017", reverse("monitoring:alert_detail", args=[alert.pk]),
                reverse("household_detail", args=[records["田小红"].household_id])):
        response = client.get(url)
        assert response.status_code == 200 and not inline_code(response.content.decode()), url
