"""The employment commands: the child's survey, placement, support and visits through the same services, with
--user (its role and area), --json, exit status 2 for what is refused; the lists, the figures and the ledger as
JSON and as workbooks read back."""

import datetime
import io
import json
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import AccessLog
from employment import rules
from employment.models import ChildSurvey, FollowUpVisit, Placement, Support
from tests.employment.ledger_county import (  # noqa: F401  (the fixture)
    EXPECTED_A,
    EXPECTED_TOTAL,
    NEW_YEAR,
    TODAY,
    ledger_county,
)

DAY = datetime.timedelta(days=1)


def call(*args) -> dict:
    out = io.StringIO()
    call_command(*args, "--json", stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue())


def refused(*args) -> str:
    with pytest.raises(CommandError) as info:
        call(*args)
    assert info.value.returncode == 2
    return str(info.value)


def test_a_childs_survey_placement_visit_and_support(clerk_a, child_a):
    id_number = f"--id-number={child_a.id_number}"
    survey = call("child_survey", id_number, "--school=酉阳职教中心", "--level=中职", "--major=数控技术",
                  f"--graduation-year={TODAY.year - 1}", "--surveyed-by=冉干部", f"--on={NEW_YEAR}", "--user=clerk_a")
    assert (survey["year"], survey["level"]) == (TODAY.year, "secondary_vocational")
    start = TODAY - 30 * DAY
    placed = call("placement", id_number, "--kind=企业吸纳", "--employer=龙潭食品厂", "--wage=3200.50",
                  f"--on={start}", "--user=clerk_a")
    assert (placed["kind"], placed["starts_on"], placed["ends_on"]) == ("enterprise", str(start), None)
    assert Placement.objects.get(pk=placed["placement"]).monthly_wage == Decimal("3200.50")
    visit = call("follow_up_visit", id_number, "--visitor=冉干部", "--status=不稳定", "--difficulties=工资低",
                 f"--on={TODAY - 2 * DAY}", "--user=clerk_a")
    assert (visit["status"], visit["placement_ended_on"]) == ("unstable", None)
    gone = call("follow_up_visit", id_number, "--visitor=冉干部", "--status=已离岗", "--user=clerk_a")
    assert gone["placement_ended_on"] == str(TODAY)
    assert "没有在岗的安置" in refused("placement", "--end", id_number, "--reason=辞职", "--user=clerk_a")
    loan = call("employment_support", id_number, "--kind=贴息创业贷款", "--amount=50000", "--provider=农商行",
                "--user=clerk_a")
    assert (loan["kind"], loan["amount"]) == ("loan", "50000.00")
    voided = call("employment_support", f"--void={loan['support']}", "--reason=重复登记", "--user=clerk_a")
    assert voided["voided_on"] == str(TODAY)
    assert FollowUpVisit.objects.filter(placement_id=placed["placement"]).count() == 2
    assert Support.objects.get().history.first().history_user == clerk_a


def test_placement_start_and_end_from_the_command_line(clerk_a, child_a, survey):
    survey(child_a)
    id_number = f"--id-number={child_a.id_number}"
    call("placement", id_number, "--kind=public_welfare", "--employer=龙潭镇政府", f"--on={TODAY - 9 * DAY}",
         "--user=clerk_a")
    ended = call("placement", "--end", id_number, "--reason=合同到期", f"--on={TODAY - DAY}", "--user=clerk_a")
    assert ended["ends_on"] == str(TODAY - DAY)


def test_refusals_exit_2_and_write_nothing(clerk_a, clerk_b, viewer, child_a, survey):
    id_number = f"--id-number={child_a.id_number}"
    terms = ["--school=酉阳职教中心", "--level=中职", f"--graduation-year={TODAY.year - 1}", "--surveyed-by=冉干部"]
    assert "不能" in refused("child_survey", id_number, *terms, "--user=viewer")
    assert "不在您的管辖区域内" in refused("child_survey", id_number, *terms, "--user=clerk_b")
    assert "--level：“博士”应为" in refused("child_survey", id_number, *terms, "--level=博士", "--user=clerk_a")
    assert "登记摸排需要 --school" in refused("child_survey", id_number, "--user=clerk_a")
    assert "晚于今天" in refused("child_survey", id_number, *terms, f"--on={TODAY + DAY}", "--user=clerk_a")
    assert not ChildSurvey.objects.exists()
    survey(child_a)
    assert "--amount：“一千”不是金额" in refused("employment_support", id_number, "--kind=subsidy", "--amount=一千",
                                             "--provider=人社局", "--user=clerk_a")
    assert "技能培训和一对一指导不填金额" in refused("employment_support", id_number, "--kind=training",
                                          "--amount=100", "--provider=职教中心", "--user=clerk_a")
    assert "不在您的管辖区域内" in refused("placement", id_number, "--kind=enterprise", "--employer=厂",
                                   "--user=clerk_b")
    assert not Support.objects.exists() and not Placement.objects.exists()


def test_the_lists_as_json_and_as_a_workbook(ledger_county, viewer, clerk_a, tmp_path):
    found = call("employment_lists", "--list=at-risk", "--area=500242", "--user=viewer")
    assert (found["list"], found["count"]) == ("at_risk", 2)
    assert [row["name"] for row in found["rows"]] == ["冉二", "白一"]
    assert set(found["rows"][0]) == {"person", "township", "village", "household", "name", "id_number", "employer",
                                     "starts_on", "stable_until", "ends_on", "last_visit_on", "last_visit_status",
                                     "risks"}
    assert "*" in found["rows"][0]["id_number"]
    own = call("employment_lists", "--list=unplaced", "--user=clerk_a")
    assert [row["name"] for row in own["rows"]] == ["冉三"]
    assert "不在您的管辖区域内" in refused("employment_lists", "--list=unplaced", "--area=500242101",
                                   "--user=clerk_a")
    assert "--list：请指定" in refused("employment_lists", "--list=all", "--user=viewer")
    out = tmp_path / "due.xlsx"
    written = call("employment_lists", "--list=visits-due", "--area=500242", f"--output={out}", "--user=viewer")
    assert written["count"] == 1
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0] == ("乡镇", "村", "户编号", "姓名", "身份证号", "安置方式", "用人单位", "上岗日期", "上次回访",
                       "应回访日期")
    assert rows[1][3] == "冉二" and rows[1][9] == str(TODAY - 110 * DAY)
    assert AccessLog.objects.filter(user=viewer, action=AccessLog.Action.EXPORT, rows=1).exists()


def test_the_figures_as_json_and_as_a_workbook(ledger_county, viewer, clerk_a, tmp_path):
    stats = call("employment_stats", "--area=500242", "--user=viewer")
    total = stats["table"]["total"]
    assert {key: total[key] for key in ("surveyed", "graduated", "placed", "unplaced", "at_risk")} == {
        key: EXPECTED_TOTAL[key] for key in ("surveyed", "graduated", "placed", "unplaced", "at_risk")}
    assert (total["placement_rate"], total["subsidy_amount"], total["loan_amount"]) == (
        "0.6667", "1000.50", "50000.00")
    assert [c["key"] for c in stats["table"]["columns"]][:5] == [
        "surveyed", "graduated", "placed", "placement_rate", "unplaced"]
    own = call("employment_stats", "--user=clerk_a")
    assert [row["code"] for row in own["table"]["townships"]] == ["500242100"]
    assert own["table"]["total"]["placed"] == EXPECTED_A["placed"]
    out = tmp_path / "stats.xlsx"
    call("employment_stats", f"--out={out}", "--user=viewer")
    title, *rows = openpyxl.load_workbook(out).active.iter_rows(values_only=True)
    assert title[0].endswith("贫困家庭子女就业情况（" + timezone.localdate().isoformat() + "）")
    assert [row[0] for row in rows] == ["乡镇（街道）", "龙潭镇", "麻旺镇", "合计"]
    subsidy = rows[0].index("求职创业补助金额")
    assert (rows[1][subsidy], rows[3][subsidy]) == (1000.5, 1000.5)


def test_the_ledger_has_a_row_per_surveyed_child(ledger_county, viewer, county_admin, tmp_path):
    out = tmp_path / "ledger.xlsx"
    result = call("employment_ledger", f"--output={out}", "--area=500242", "--user=viewer")
    assert result["children"] == 7  # the child who died yesterday is not on today's ledger
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    head = rows[0]
    by_name = {row[head.index("姓名")]: dict(zip(head, row, strict=True)) for row in rows[1:]}
    assert sorted(by_name) == ["冉一", "冉三", "冉二", "冉五", "冉四", "白一", "白二"]
    a1 = by_name["冉一"]
    assert (a1["乡镇"], a1["在岗安置方式"], a1["用人单位"], a1["最近回访状态"]) == ("龙潭镇", "企业吸纳", "酉阳某电子厂",
                                                                    "稳定就业")
    assert a1["满三年日期"] == rules.stable_until(TODAY - 200 * DAY).isoformat()
    assert "*" in a1["身份证号"]
    assert (by_name["冉三"]["求职创业补助（元）"], by_name["冉三"]["培训次数"]) == (1000.5, 1)
    assert (by_name["白一"]["创业贷款（元）"], by_name["白一"]["求职创业补助（元）"]) == (50000, 800.25)
    assert by_name["白一"]["在岗安置方式"] is None and by_name["冉五"]["满三年日期"] is None
    call("employment_ledger", f"--out={out}", "--user=county_admin")
    rows = list(openpyxl.load_workbook(out).active.iter_rows(values_only=True))
    assert all("*" not in row[4] for row in rows[1:])  # an administrator sees the numbers
    assert "--out：输出文件“x.csv”应以 .xlsx 结尾" in refused("employment_ledger", "--out=x.csv", "--user=viewer")


def test_an_official_or_another_township_cannot_touch_a_childs_records(ledger_county, viewer, clerk_b):
    a2 = ledger_county["a2"]
    assert "不能" in refused("follow_up_visit", f"--id-number={a2.id_number}", "--visitor=冉", "--status=stable",
                             "--user=viewer")
    assert "不在登记册中（或不在您的管辖区域内）" in refused(
        "follow_up_visit", f"--id-number={a2.id_number}", "--visitor=冉", "--status=stable", "--user=clerk_b")
    support = Support.objects.filter(person=ledger_county["a3"]).first()
    assert "不存在（或不在您的管辖区域内）" in refused("employment_support", f"--void={support.pk}", "--reason=错",
                                           "--user=clerk_b")
    assert not FollowUpVisit.objects.filter(placement__person=a2).exists()


def test_without_json_the_figures_and_lists_are_told_in_words(ledger_county, viewer):
    err = io.StringIO()
    call_command("employment_stats", "--area=500242", "--user=viewer", stdout=io.StringIO(), stderr=err)
    lines = err.getvalue().splitlines()
    assert lines[0] == f"就业扶贫统计（区域 500242，{TODAY}）："
    assert "  合计：摸排子女 7，已毕业 6，已就业 4，就业率 66.67%，未就业 2" in lines[-1]
    assert "求职创业补助金额 ¥1,000.50，创业贷款金额 ¥50,000.00" in lines[-1]
    err = io.StringIO()
    call_command("employment_lists", "--list=unplaced", "--area=500242", "--user=viewer", stdout=io.StringIO(),
                 stderr=err)
    text = err.getvalue()
    assert text.startswith(f"未就业的贫困家庭子女（区域 500242，{TODAY}）：共 2 条")
    assert "冉三" in text and "白一" in text and "会计" in text
