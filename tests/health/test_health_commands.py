"""The health commands: each capability of the health pages from the command line, through the same services,
with --user (its role and area), --json, and exit status 2 for what is refused, writing nothing."""

import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from beneficiaries.models import CategoryHolding
from health.models import DoctorContract, HealthCard, HealthRecord, TreatmentCase, TwoDiseaseRecognition

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
START = TODAY - 60 * DAY


def call(*args) -> dict:
    out = io.StringIO()
    call_command(*args, "--json", stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue())


def refused(*args) -> str:
    with pytest.raises(CommandError) as info:
        call(*args)
    assert info.value.returncode == 2
    return str(info.value)


@pytest.fixture
def household(village_a, poor_household):
    return poor_household(village_a, ["冉一"])


def test_sign_renew_and_end_a_contract(clerk_a, household):
    signed = call("contract_sign", f"--household={household.number}", "--team=第一团队", "--doctor=冉医生",
                  "--clinic=龙潭镇卫生院", "--package=基础包", f"--signed-on={START}", f"--ends-on={START + 364 * DAY}",
                  "--user=clerk_a")
    assert (signed["household"], signed["starts_on"], signed["renews"]) == (household.number, str(START), None)
    renewed = call("contract_sign", f"--renew={signed['contract']}", f"--ends-on={START + 729 * DAY}",
                   "--doctor=田医生", "--user=clerk_a")
    assert (renewed["starts_on"], renewed["doctor"], renewed["renews"]) == (
        str(START + 365 * DAY), "田医生", signed["contract"])
    ended = call("contract_end", str(signed["contract"]), "--reason=迁往外县", "--user=clerk_a")
    assert ended["ended_on"] == str(TODAY)
    contract = DoctorContract.objects.get(pk=signed["contract"])
    assert (contract.end_reason, contract.history.first().history_user) == ("迁往外县", clerk_a)


def test_refusals_exit_2_name_the_problem_and_write_nothing(clerk_a, viewer, clerk_b, household):
    terms = ["--team=第一团队", "--doctor=冉医生", "--clinic=龙潭镇卫生院", "--package=基础包"]
    assert "签约需要 --household、--ends-on" in refused("contract_sign", *terms, "--user=clerk_a")
    assert f"到期日期 {START - DAY} 早于生效日期 {START}" in refused(
        "contract_sign", f"--household={household.number}", *terms, f"--signed-on={START}",
        f"--ends-on={START - DAY}", "--user=clerk_a")
    assert "--signed-on：“昨天”应为 YYYY-MM-DD" in refused(
        "contract_sign", f"--household={household.number}", *terms, "--signed-on=昨天", "--ends-on=2027-01-01")
    assert "您的角色（查询）不能登记家庭医生签约" in refused(
        "contract_sign", f"--household={household.number}", *terms, f"--ends-on={TODAY}", "--user=viewer")
    assert "不在您的管辖区域内" in refused(
        "contract_sign", f"--household={household.number}", *terms, f"--ends-on={TODAY}", "--user=clerk_b")
    assert "不在您的管辖区域内" in refused("health_record", f"--id-number={household.head.id_number}",
                                           "--number=DA1", "--user=clerk_b")
    assert not DoctorContract.objects.exists() and not HealthRecord.objects.exists()


def test_record_and_card(clerk_a, household):
    person = household.head
    record = call("health_record", f"--id-number={person.id_number}", "--number=DA001", f"--on={START}",
                  "--institution=龙潭镇卫生院", "--user=clerk_a")
    assert record["number"] == "DA001" and HealthRecord.objects.get(person=person).established_on == START
    assert "已于" in refused("health_record", f"--id-number={person.id_number}", "--number=DA002", "--user=clerk_a")
    issued = call("health_card", f"--id-number={person.id_number}", "--number=HC001", "--handed-over-by=冉平",
                  f"--on={START}", "--user=clerk_a")
    assert issued["revoked_on"] is None
    assert "作废健康卡需要 --reason" in refused("health_card", "--revoke=HC001", "--user=clerk_a")
    revoked = call("health_card", "--revoke=HC001", "--reason=遗失", "--user=clerk_a")
    assert revoked["revoked_on"] == str(TODAY)
    assert HealthCard.objects.get(number="HC001").revoke_reason == "遗失"


def test_treatment_case_registered_and_moved(clerk_a, household):
    person = household.head
    case = call("treatment_case", f"--id-number={person.id_number}", "--disease=end_stage_renal",
                "--class=inpatient_maintenance", "--institution=酉阳县人民医院", f"--on={START}", "--user=clerk_a")
    assert (case["status"], case["status_on"]) == ("pending", str(START))
    moved = call("treatment_case", f"--case={case['case']}", "--status=treating", "--note=开始透析", "--user=clerk_a")
    assert moved["status"] == "treating"
    assert "不能改为“待救治”" in refused("treatment_case", f"--case={case['case']}", "--status=pending",
                                        "--user=clerk_a")
    assert "病种 no_such 不存在" in refused("treatment_case", f"--id-number={person.id_number}", "--disease=no_such",
                                          "--class=cure_once", "--institution=医院", "--user=clerk_a")
    assert [h.status for h in TreatmentCase.objects.get(pk=case["case"]).history.order_by("history_date")] == [
        "pending", "treating"]


def test_two_disease_recognised_and_withdrawn(clerk_a, household):
    person = household.head
    recognised = call("two_disease", f"--id-number={person.id_number}", "--disease=diabetes", "--by=龙潭镇卫生院",
                      "--evidence=检验报告", f"--on={START}", "--user=clerk_a")
    holding = CategoryHolding.objects.get(beneficiary=person, category__code="diabetes")
    assert (holding.start, holding.end) == (START, None)
    call("two_disease", f"--withdraw={recognised['recognition']}", "--reason=复核不符", "--user=clerk_a")
    holding.refresh_from_db()
    assert holding.end == TODAY
    assert TwoDiseaseRecognition.objects.get().withdraw_reason == "复核不符"
