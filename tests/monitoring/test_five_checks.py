"""五查 (monitoring.md): a small county built through the services, and what each check finds in it.

The 酉阳 2017 example policy with an enrollment block: premium 180.00; 特困 全额资助 (180.00), 农村低保 100.00.
Its 基本医保 pays a poor person at a county hospital (in-catalog − 150) × 70 %, anyone else (in-catalog − 300) × 60 %.

Township A (龙潭镇 500242100), village 红花村:
  户 A1 (visited in 2017): 田一 (poor, enrolled, an in-county stay without 先诊疗后付费 → 查服务),
        田二 (低保, enrolled with 50.00 instead of 100.00 → 查缴费),
        田八 (低保 only from April; enrolled with 0.00 in November 2016, before it: passes)
  户 A2 (no visit → 查宣传): 田三 (特困, no enrollment → 查参保), 田四 (poor, 异地参保: passes)
Township B (麻旺镇 500242101), village 青龙村:
  户 B1 (visited in 2016 only → 查宣传): 白五 (poor, enrolled, 先诊疗后付费; the platform paid 5,000.00 of the
        5,495.00 基本医保 → 查待遇), 白六 (低保, enrolled with 100.00; an out-of-county stay; the platform paid
        4,619.99 of 4,620.00: within 0.01)
  no household: 白七 (poor, not enrolled for “其他：外出务工” → 查参保)
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from io import BytesIO, StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import AccessLog
from beneficiaries.models import Category, Enrollment, Insurance
from beneficiaries.services import beneficiary_create, enrollment_record, holding_add, household_save
from claims.models import Hospital
from claims.services import BillFacts, claim_settle
from monitoring.five_checks import five_checks
from monitoring.visits import publicity_visit_record
from tests.conftest import make_id_number

D = datetime.date
YEAR = 2017
JANUARY_1 = D(YEAR, 1, 1)
TOWNSHIP_A, TOWNSHIP_B = "500242100", "500242101"
ENROLLMENT = {"insurance": "resident_basic", "premium": "180.00",
              "subsidies": [{"categories": ["tekun_rural"], "amount": "full"},
                            {"categories": ["dibao_rural"], "amount": "100.00"}]}


class County:
    """What the tests look up by name: people, households, bills."""

    def __init__(self):
        self.people, self.households, self.bills = {}, {}, {}


@pytest.fixture
def county_year(load_vector_policy, county_admin, village_a, village_b):
    load_vector_policy("youyang-2017", enrollment=ENROLLMENT)
    user = county_admin
    built = County()
    resident = Insurance.objects.get(code="resident_basic")
    in_county = Hospital.objects.create(name="酉阳县人民医院", level="county", in_county=True)
    elsewhere = Hospital.objects.create(name="重庆市某医院", level="county", in_county=False)

    def household(number, village):
        built.households[number] = household_save(user=user, number=number, village_code=village.code)
        return built.households[number]

    def person(name, house, village, categories, start=JANUARY_1, end=None):
        p = beneficiary_create(user=user, name=name, id_number=make_id_number(), village_code=village.code,
                               household=house)
        for code in categories:
            holding_add(user=user, person=p, category=Category.objects.get(code=code), start=start, end=end)
        built.people[name] = p
        return p

    def enrol(p, subsidy="0", status="enrolled", reason="", note=""):
        return enrollment_record(user=user, person=p, year=YEAR, insurance=resident, status=status,
                                 subsidy=Decimal(subsidy), reason=reason, note=note)

    def bill(key, p, hospital, day, *, pay_later=False, recorded=None):
        outcome = claim_settle(user=user, person=p, bill=BillFacts(
            hospital=hospital, visit_type="inpatient", admitted_on=day - datetime.timedelta(days=6),
            discharged_on=day, total=Decimal("10000.00"), in_catalog=Decimal("8000.00"), pay_later=pay_later,
            recorded={k: Decimal(v) for k, v in (recorded or {}).items()},
        ))
        built.bills[key] = outcome.claim

    a1, a2 = household("A1", village_a), household("A2", village_a)
    b1 = household("B1", village_b)
    enrol(person("田一", a1, village_a, ["poor"]))
    bill("田一住院", built.people["田一"], in_county, D(YEAR, 5, 10))
    enrol(person("田二", a1, village_a, ["dibao_rural"]), subsidy="50.00")
    eight = enrol(person("田八", a1, village_a, ["dibao_rural"], start=D(YEAR, 4, 1)), subsidy="0")
    Enrollment.objects.filter(pk=eight.pk).update(  # given: recorded in the enrollment period, in November 2016
        recorded_at=datetime.datetime(YEAR - 1, 11, 2, 10, tzinfo=datetime.UTC))
    person("田三", a2, village_a, ["tekun_rural"])
    enrol(person("田四", a2, village_a, ["poor"]), status="not_enrolled", reason="elsewhere")
    enrol(person("白五", b1, village_b, ["poor"]))
    bill("白五住院", built.people["白五"], in_county, D(YEAR, 7, 1), pay_later=True, recorded={"basic": "5000.00"})
    enrol(person("白六", b1, village_b, ["dibao_rural"]), subsidy="100.00")
    bill("白六住院", built.people["白六"], elsewhere, D(YEAR, 8, 1), recorded={"basic": "4619.99"})
    enrol(person("白七", None, village_b, ["poor"]), status="not_enrolled", reason="other", note="外出务工")
    publicity_visit_record(user=user, household=a1, visited_on=D(YEAR, 3, 5), visitor="王干部",
                           items=["policy", "card"])
    publicity_visit_record(user=user, household=b1, visited_on=D(YEAR - 1, 12, 20), visitor="王干部",
                           items=["card"])
    return built


def names(result, check):
    return [f.name for f in result.lists[check]]


def test_each_check_lists_who_fails_and_why(county_year, county_admin):
    # when
    result = five_checks(user=county_admin, year=YEAR)

    # then
    assert result.counts == {"enrollment": 2, "subsidy": 1, "service": 1, "benefits": 1, "publicity": 2}
    assert result.by_township == {
        TOWNSHIP_A: {"enrollment": 1, "subsidy": 1, "service": 1, "benefits": 0, "publicity": 1},
        TOWNSHIP_B: {"enrollment": 1, "subsidy": 0, "service": 0, "benefits": 1, "publicity": 1},
    }
    three, seven = result.lists["enrollment"]
    assert (three.name, three.township) == ("田三", TOWNSHIP_A)
    assert "没有城乡居民基本医疗保险" in three.why and "协助办理参保" in three.todo
    assert (seven.name, seven.township, seven.household) == ("白七", TOWNSHIP_B, "")
    assert "其他：外出务工" in seven.why

    [subsidy] = result.lists["subsidy"]
    assert subsidy.name == "田二"
    assert "50.00 元" in subsidy.why and "应为 100.00 元" in subsidy.why and "补足资助参保资金 50.00 元" in subsidy.todo

    [service] = result.lists["service"]
    assert (service.name, service.claim_id) == ("田一", county_year.bills["田一住院"].pk)
    assert "未实行先诊疗后付费" in service.why

    [benefits] = result.lists["benefits"]
    assert (benefits.name, benefits.claim_id) == ("白五", county_year.bills["白五住院"].pk)
    assert "平台记录支付 5,000.00 元，按政策应支付 5,495.00 元，少 495.00 元" in benefits.why
    assert "补付 495.00 元" in benefits.todo

    assert [(f.household, f.township) for f in result.lists["publicity"]] == [("A2", TOWNSHIP_A), ("B1", TOWNSHIP_B)]
    assert "没有政策宣传或明白卡送达走访记录" in result.lists["publicity"][0].why
    assert any("1 名保障对象未登记家庭户" in note for note in result.notes)


def test_a_township_clerk_sees_only_their_township(county_year, clerk_a):
    # when
    result = five_checks(user=clerk_a, year=YEAR)

    # then
    assert result.counts == {"enrollment": 1, "subsidy": 1, "service": 1, "benefits": 0, "publicity": 1}
    assert set(result.by_township) == {TOWNSHIP_A}
    with pytest.raises(ValidationError) as refused:
        five_checks(user=clerk_a, year=YEAR, area=TOWNSHIP_B)
    assert refused.value.code == "outside_area"


def test_an_area_option_narrows_the_county(county_year, county_admin):
    result = five_checks(user=county_admin, year=YEAR, area=TOWNSHIP_B)
    assert names(result, "enrollment") == ["白七"] and names(result, "benefits") == ["白五"]
    assert result.counts["subsidy"] == 0


def test_fixing_the_records_clears_the_findings(county_year, county_admin):
    # given
    people = county_year.people
    resident = Insurance.objects.get(code="resident_basic")
    enrollment_record(user=county_admin, person=people["田三"], year=YEAR, insurance=resident, status="enrolled",
                      subsidy=Decimal("180.00"))
    enrollment_record(user=county_admin, person=people["田二"], year=YEAR, insurance=resident, status="enrolled",
                      subsidy=Decimal("100.00"))
    publicity_visit_record(user=county_admin, household=county_year.households["A2"], visited_on=D(YEAR, 6, 1),
                           visitor="李干部", items=["policy"])

    # when
    result = five_checks(user=county_admin, year=YEAR)

    # then
    assert result.counts == {"enrollment": 1, "subsidy": 0, "service": 1, "benefits": 1, "publicity": 1}


def test_a_subsidy_above_the_policy_is_listed_too(county_year, county_admin):
    resident = Insurance.objects.get(code="resident_basic")
    enrollment_record(user=county_admin, person=county_year.people["田一"], year=YEAR, insurance=resident,
                      status="enrolled", subsidy=Decimal("30.00"))
    [first, second] = five_checks(user=county_admin, year=YEAR).lists["subsidy"]
    assert (first.name, second.name) == ("田一", "田二")  # same village and household: by name
    assert "应为 0.00 元" in first.why and "核实多记的 30.00 元" in first.todo


def test_benefits_settle_the_persons_year_in_order(county_year, county_admin, village_b):
    # given: a poor person's second stay, whose 大病保险 (a yearly deductible of 7,094.00) the first one opened:
    # in-catalog left after 基本医保 6,105.00 each time, so 12,210.00 − 7,094.00 = 5,116.00 × 50 % = 2,558.00;
    # the platform paid 2,000.00 (judged alone, the bill would owe nothing: 6,105.00 is below the deductible)
    nine = beneficiary_create(user=county_admin, name="白九", id_number=make_id_number(), village_code=village_b.code)
    holding_add(user=county_admin, person=nine, category=Category.objects.get(code="poor"), start=D(YEAR, 1, 1))
    enrollment_record(user=county_admin, person=nine, year=YEAR, insurance=Insurance.objects.get(code="resident_basic"),
                      status="enrolled")
    hospital = Hospital.objects.get(name="酉阳县人民医院")
    for day, recorded in ((D(YEAR, 3, 1), {}), (D(YEAR, 6, 1), {"basic": "13895.00", "critical": "2000.00"})):
        second = claim_settle(user=county_admin, person=nine, bill=BillFacts(
            hospital=hospital, visit_type="inpatient", discharged_on=day, total=Decimal(25000),
            in_catalog=Decimal(20000), pay_later=True, recorded={k: Decimal(v) for k, v in recorded.items()})).claim

    # when
    listed = [f for f in five_checks(user=county_admin, year=YEAR).lists["benefits"] if f.name == "白九"]

    # then: only 大病保险 of the second bill (基本医保 was paid in full)
    assert [f.claim_id for f in listed] == [second.pk]
    assert listed[0].why == "城乡居民大病保险平台记录支付 2,000.00 元，按政策应支付 2,558.00 元，少 558.00 元"


def test_the_checks_read_a_handful_of_queries_whatever_the_number_of_people(county_year, county_admin):
    with CaptureQueriesContext(connection) as first:
        five_checks(user=county_admin, year=YEAR)
    # given: as many people again, with bills
    for name in ("甲", "乙", "丙", "丁", "戊", "己", "庚", "辛"):
        house = household_save(user=county_admin, number=f"X{name}", village_code="500242100201")
        p = beneficiary_create(user=county_admin, name=name, id_number=make_id_number(),
                               village_code="500242100201", household=house)
        holding_add(user=county_admin, person=p, category=Category.objects.get(code="poor"), start=D(YEAR, 1, 1))
        claim_settle(user=county_admin, person=p, bill=BillFacts(
            hospital=Hospital.objects.get(name="酉阳县人民医院"), visit_type="inpatient", discharged_on=D(YEAR, 9, 1),
            total=Decimal(1000), in_catalog=Decimal(800), recorded={"basic": Decimal("1.00")}))
    with CaptureQueriesContext(connection) as second:
        result = five_checks(user=county_admin, year=YEAR)
    assert result.counts["enrollment"] == 10 and result.counts["service"] == 9
    assert len(second) == len(first) <= 16


def test_the_command_prints_the_counts_by_township(county_year):
    out = StringIO()
    call_command("five_checks", "--year", str(YEAR), "--json", stdout=out)
    printed = json.loads(out.getvalue())
    assert {k: printed[k] for k in ("enrollment", "subsidy", "service", "benefits", "publicity")} == {
        "enrollment": 2, "subsidy": 1, "service": 1, "benefits": 1, "publicity": 2}
    assert printed["by_township"][TOWNSHIP_B] == {
        "enrollment": 1, "subsidy": 0, "service": 0, "benefits": 1, "publicity": 1}


def test_the_command_acts_within_the_users_area(county_year, clerk_a):
    out = StringIO()
    call_command("five_checks", "--year", str(YEAR), "--user", clerk_a.username, "--json", stdout=out)
    assert list(json.loads(out.getvalue())["by_township"]) == [TOWNSHIP_A]
    with pytest.raises(CommandError) as refused:
        call_command("five_checks", "--year", str(YEAR), "--user", clerk_a.username, "--area", TOWNSHIP_B)
    assert refused.value.returncode == 2 and "不在您的管辖区域内" in str(refused.value)


def test_the_command_refuses_a_bad_year(county_year):
    with pytest.raises(CommandError) as refused:
        call_command("five_checks", "--year", "20x7")
    assert refused.value.returncode == 2 and "年度“20x7”无效" in str(refused.value)


def test_the_workbook_has_a_summary_and_a_sheet_per_check(county_year, tmp_path):
    # when
    path = tmp_path / "五查.xlsx"
    call_command("five_checks", "--year", str(YEAR), "--out", str(path), stdout=StringIO(), stderr=StringIO())

    # then
    book = load_workbook(path)
    assert book.sheetnames == ["汇总", "查参保", "查缴费", "查服务", "查待遇", "查宣传"]
    summary = list(book["汇总"].iter_rows(values_only=True))
    assert summary[1][:8] == ("乡镇代码", "乡镇", "查参保", "查缴费", "查服务", "查待遇", "查宣传", "合计")
    assert summary[2][:8] == (TOWNSHIP_A, "龙潭镇", 1, 1, 1, 0, 1, 4)
    assert summary[3][:8] == (TOWNSHIP_B, "麻旺镇", 1, 0, 0, 1, 1, 3)
    assert summary[4][:8] == ("合计", None, 2, 1, 1, 1, 2, 7)
    benefits = list(book["查待遇"].iter_rows(values_only=True))
    assert benefits[0][:5] == ("乡镇", "村（社区）代码", "户编号", "姓名", "身份证号")
    assert len(benefits) == 2 and benefits[1][3] == "白五" and "少 495.00 元" in benefits[1][7]
    assert "*" not in benefits[1][4]  # the system account sees whole ID numbers
    assert [row[3] for row in book["查参保"].iter_rows(min_row=2, values_only=True)] == ["田三", "白七"]
    assert AccessLog.objects.filter(action=AccessLog.Action.EXPORT, object_id="five_checks", rows=7).exists()


def test_the_page_links_each_count_to_its_list_and_exports_it(county_year, client, clerk_a):
    # given
    client.force_login(clerk_a)

    # when: the summary
    page = client.get(reverse("monitoring:five_checks"), {"year": YEAR})

    # then
    assert page.status_code == 200
    rows = {row["code"]: row for row in page.context["rows"]}
    assert set(rows) == {TOWNSHIP_A}  # not the other township
    assert dict(rows[TOWNSHIP_A]["cells"]) == {"enrollment": 1, "subsidy": 1, "service": 1, "benefits": 0,
                                               "publicity": 1}
    link = reverse("monitoring:five_checks_list", args=["enrollment"]) + f"?year={YEAR}&amp;area={TOWNSHIP_A}"
    assert link in page.content.decode()

    # when: a list
    listed = client.get(reverse("monitoring:five_checks_list", args=["enrollment"]), {"year": YEAR, "area": TOWNSHIP_A})
    text = listed.content.decode()
    assert "田三" in text and "白七" not in text and "协助办理参保手续" in text
    assert "*" in text  # a clerk sees masked ID numbers

    # when: its export
    export = client.get(reverse("monitoring:five_checks_list", args=["enrollment"]),
                        {"year": YEAR, "area": TOWNSHIP_A, "format": "xlsx"})
    book = load_workbook(BytesIO(export.content))
    assert book.sheetnames == ["汇总", "查参保"]
    assert list(book["汇总"].iter_rows(min_row=2, values_only=True)) == [
        ("乡镇代码", "乡镇", "查参保", "合计"), (TOWNSHIP_A, "龙潭镇", 1, 1), ("合计", None, 1, 1)]
    [row] = list(book["查参保"].iter_rows(min_row=2, values_only=True))
    assert row[3] == "田三" and "*" in row[4]
    log = AccessLog.objects.get(action=AccessLog.Action.EXPORT, object_id="five_checks")
    assert (log.user, log.rows) == (clerk_a, 1)


def test_the_page_refuses_another_township_with_a_message(county_year, client, clerk_a):
    client.force_login(clerk_a)
    page = client.get(reverse("monitoring:five_checks"), {"year": YEAR, "area": TOWNSHIP_B})
    assert page.status_code == 200 and page.context["result"] is None
    assert not AccessLog.objects.exists()


def test_without_an_enrollment_block_subsidies_are_not_checked_and_the_page_says_so(
    load_vector_policy, county_admin, village_a
):
    # given: the policy has no enrollment block
    load_vector_policy("youyang-2017")
    p = beneficiary_create(user=county_admin, name="田十", id_number=make_id_number(), village_code=village_a.code)
    holding_add(user=county_admin, person=p, category=Category.objects.get(code="dibao_rural"), start=JANUARY_1)
    enrollment_record(user=county_admin, person=p, year=YEAR, insurance=Insurance.objects.get(code="resident_basic"),
                      status="enrolled", subsidy=Decimal("50.00"))

    # when
    result = five_checks(user=county_admin, year=YEAR)

    # then
    assert result.counts["subsidy"] == 0 and result.counts["enrollment"] == 0
    assert "红花村（500242100201） 2017 年适用的政策“酉阳自治县健康扶贫（示例）”没有参保资助标准（enrollment），不查缴费。" in (
        result.notes)
