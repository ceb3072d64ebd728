"""政策试算: a draft policy over a real year, writing nothing.

The policy in force gives no change and equals what is stored; a draft gives what settling the year
afresh under it gives; the database is the same afterwards; the bulk reader builds the same bills as the
window; areas, refusals, the platform amounts a draft no longer has a layer for, monitoring thresholds,
and the page (upload → progress → report → Excel) with its owner-only download.
"""

from __future__ import annotations

import datetime
import io
import json
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import DatabaseError, transaction
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import AccessLog, Role, User
from accounts.services import system_user
from claims import selectors, simulation
from claims.models import Claim, Hospital, PolicySimulation, Settlement, SettlementPayment
from claims.services import claim_input, claim_void, person_year_facts
from policies import engine
from policies.document import FUNDS, LEVEL_OVER, parse_policy
from policies.services import policy_load
from policies.simulation import (
    RECORDED_WITHOUT_LAYER, Change, Comparison, LayerAmount, PersonFacts, distribution_bins, draft_claim,
)
from tests.conftest import PASSWORD

D = datetime.date
YEAR = 2017
# The shipped 酉阳 2017 policy as it stood when these tests were written (kept here so that later edits of
# the shipped numbers do not move the figures the tests expect).
SHIPPED = Path(__file__).resolve().parents[1] / "data" / "simulation" / "youyang-2017.policy.json"
ZERO = Decimal("0.00")


def shipped() -> dict:
    return json.loads(SHIPPED.read_text(encoding="utf-8"))


def layer(document: dict, code: str) -> dict:
    return next(item for item in document["layers"] if item["code"] == code)


@pytest.fixture
def year_2017(county_admin, village_a, village_b, make_person, covered, settle, hospital):
    """Five people in two townships, eleven bills of 2017 (one voided, one re-settled by an earlier bill),
    platform amounts on the outpatient ones, a hospital with a code, a bill on referral."""
    policy_load(user=system_user(), document=shipped())
    county_hospital = Hospital.objects.create(name="酉阳县人民医院", code="500242-RMYY", level="county",
                                              in_county=True)
    a1 = covered(make_person(village_a, name="田小红", birth=D(1950, 3, 1)), YEAR, ["poor", "dibao_rural"],
                 ["resident_basic", "supplementary"])
    a2 = covered(make_person(village_a, name="冉光明", birth=D(2012, 7, 9)), YEAR, ["marginal"])
    a3 = covered(make_person(village_a, name="=HYPERLINK(1)"), YEAR, ["tekun_rural"])
    b1 = covered(make_person(village_b, name="白明华"), YEAR, ["dibao_rural"])
    b2 = covered(make_person(village_b, name="何无类"), YEAR, [])
    user = county_admin
    # Entered out of order: the March bill re-settles the June one (year-scoped 大病保险).
    settle(user, a1, day=D(YEAR, 6, 1), total="30000", in_catalog="26000", level="city")
    from claims.services import BillFacts, claim_settle

    claim_settle(user=user, person=a1, bill=BillFacts(
        hospital=county_hospital, visit_type="inpatient", admitted_on=D(YEAR, 2, 20),
        discharged_on=D(YEAR, 3, 1), total=Decimal("60000"), in_catalog=Decimal("48000"), referred=True,
        diagnoses=({"code": "C34.900", "name": "肺癌"},)))
    settle(user, a1, day=D(YEAR, 2, 1), total="300", in_catalog="250", visit_type="outpatient",
           level="village", recorded={"basic_outpatient": "100"})
    settle(user, a2, day=D(YEAR, 4, 5), total="20000", in_catalog="15000")
    settle(user, a2, day=D(YEAR, 9, 5), total="1800", in_catalog="1500", visit_type="special_outpatient",
           level="county", recorded={"basic_special": "600"})
    settle(user, a3, day=D(YEAR, 5, 5), total="8000", in_catalog="7000", level="township")
    voided = settle(user, b1, day=D(YEAR, 1, 10), total="5000", in_catalog="4000").claim
    claim_void(user=user, claim=voided, reason="重复录入")
    settle(user, b1, day=D(YEAR, 7, 7), total="45000", in_catalog="40000")
    settle(user, b1, day=D(YEAR, 8, 8), total="400", in_catalog="300", visit_type="outpatient",
           level="township", recorded={"basic_outpatient": "150"})
    settle(user, b2, day=D(YEAR, 10, 1), total="12000", in_catalog="9000")
    return {"a1": a1, "a2": a2, "a3": a3, "b1": b1, "b2": b2}


def run(*args, user: str | None = None) -> dict:
    out, err = io.StringIO(), io.StringIO()
    options = ["--json"] + (["--user", user] if user else [])
    call_command("simulate_policy", *args, *options, stdout=out, stderr=err)
    return json.loads(out.getvalue())


def refused(*args, user: str | None = None) -> str:
    with pytest.raises(CommandError) as caught:
        run(*args, user=user)
    assert caught.value.returncode == 2
    return str(caught.value)


def draft_file(tmp_path, document: dict, name: str = "draft.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return str(path)


def stored_current() -> list[Settlement]:
    return list(Settlement.objects.current().filter(claim__discharged_on__year=YEAR))


def money(text: str) -> Decimal:
    return Decimal(text)


# --- The policy in force, a draft, and nothing written ---------------------------------------------------


def test_the_policy_in_force_changes_nothing_and_equals_the_stored_settlements(year_2017, tmp_path):
    result = run(draft_file(tmp_path, shipped()), "--year", str(YEAR))
    current = stored_current()
    assert (result["bills"], result["people"]) == (len(current), 5) == (9, 5)
    for fund in FUNDS:
        stored = sum((getattr(s, fund) for s in current), ZERO)
        assert result["by_fund"][fund] == {"current": str(stored), "draft": str(stored), "change": "0.00"}
    personal = sum((s.personal for s in current), ZERO)
    assert result["personal"] == {"current": str(personal), "draft": str(personal), "change": "0.00"}
    payments = SettlementPayment.objects.filter(settlement__in=current)
    for row in result["layers"]:
        stored = sum((p.amount for p in payments if p.layer == row["code"]), ZERO)
        assert (money(row["current"]), money(row["draft"]), row["change"]) == (stored, stored, "0.00"), row
    moved = (result["burden_up"], result["burden_down"], result["newly_over"], result["excluded"])
    assert moved == (0, 0, 0, 0)
    assert result["largest"] == [] and all(b["people"] == 0 for b in result["distribution"])
    assert sum(t["bills"] for t in result["townships"]) == 9


def generous_cut() -> dict:
    """A draft that clears out an over-generous layer and tightens two others (seed 003's advice)."""
    draft = shipped()
    draft["code"] = "youyang-2017-draft"
    draft["name"] = "酉阳 2017 草案"
    draft["layers"] = [item for item in draft["layers"] if item["code"] != "jzfp_insurance"]
    assist = layer(draft, "assist_inpatient")
    assist["bands"] = [{"upto": None, "ratio": "0.3"}]
    assist.pop("rules", None)
    assist["categories"] = [*assist["categories"], "marginal"]  # while widening who it covers
    layer(draft, "civil_fund")["min_base"] = "8000.00"
    return draft


def afresh(document: dict, leaving_out=()) -> dict[str, engine.ClaimSettlement]:
    """Every current bill of the year settled under ``document`` by the engine directly, person by person,
    in the database's order, from the bills as the window builds them."""
    policy = parse_policy(document)
    claims = (Claim.objects.filter(status="settled", discharged_on__year=YEAR).exclude(pk__in=leaving_out)
              .select_related("hospital", "beneficiary").order_by("beneficiary_id", "discharged_on", "id"))
    inputs = [claim_input(claim, person_year_facts(claim.beneficiary, YEAR)) for claim in claims]
    return {s.claim_id: s for s in engine.settle_claims(policy, inputs)}


def test_a_draft_equals_settling_the_year_afresh_under_it(year_2017, tmp_path):
    document = generous_cut()
    result = run(draft_file(tmp_path, document), "--year", str(YEAR))
    expected = afresh(document)
    assert result["bills"] == len(expected) == 9
    for fund in FUNDS:
        paid = sum((s.by_fund[fund] for s in expected.values()), ZERO)
        assert money(result["by_fund"][fund]["draft"]) == paid
    assert money(result["personal"]["draft"]) == sum((s.personal for s in expected.values()), ZERO)
    by_layer = {row["code"]: row for row in result["layers"]}
    for code in {item["code"] for item in document["layers"]}:
        paid = sum((p.amount for s in expected.values() for p in s.payments if p.layer == code), ZERO)
        assert money(by_layer[code]["draft"]) == paid
    # The layer the draft drops still shows what it pays today.
    assert by_layer["jzfp_insurance"]["in_draft"] is False and money(by_layer["jzfp_insurance"]["draft"]) == 0
    assert money(by_layer["jzfp_insurance"]["current"]) == Decimal("2100.00")
    # Person by person: each one's yearly personal payment, now and under the draft.
    current = {}
    for s in stored_current():
        current[s.claim.beneficiary_id] = current.get(s.claim.beneficiary_id, ZERO) + s.personal
    drafted = {}
    for claim_id, s in expected.items():
        person = Claim.objects.get(pk=claim_id).beneficiary_id
        drafted[person] = drafted.get(person, ZERO) + s.personal
    moved = {p: drafted[p] - current[p] for p in current if drafted[p] != current[p]}
    assert result["burden_up"] == sum(1 for d in moved.values() if d > 0) > 0
    assert result["burden_down"] == sum(1 for d in moved.values() if d < 0) > 0
    assert {row["person"]: money(row["personal"]["change"]) for row in result["largest"]} == moved
    assert money(result["burden_up_amount"]) == sum(d for d in moved.values() if d > 0)
    assert sum(b["people"] for b in result["distribution"]) == len(moved)


def database_rows() -> dict:
    """Every row of every table the claims, beneficiaries and policies apps hold (history included)."""
    dump = {}
    for label in ("claims", "beneficiaries", "policies", "regions"):
        for model in apps.get_app_config(label).get_models():
            fields = [f.attname for f in model._meta.concrete_fields]
            dump[model._meta.db_table] = sorted(map(repr, model.objects.values_list(*fields)))
    return dump


def test_the_database_is_the_same_afterwards(year_2017, tmp_path):
    before = database_rows()
    assert before["claims_settlement"] and before["claims_historicalclaim"]
    run(draft_file(tmp_path, generous_cut()), "--year", str(YEAR), "--out", str(tmp_path / "report.xlsx"))
    run(draft_file(tmp_path, shipped()), "--year", str(YEAR))
    assert database_rows() == before
    # Only the export is written down, as every export is.
    log = AccessLog.objects.get(action=AccessLog.Action.EXPORT)
    assert log.object_id == "policy_simulation" and log.rows > 0


def test_the_bulk_reader_builds_every_bill_as_the_window_does(year_2017):
    read = {bill.claim.id: bill for person in selectors.billed_people("500242", YEAR) for bill in person.bills}
    claims = Claim.objects.filter(status="settled").select_related("hospital", "beneficiary")
    assert set(read) == {str(claim.pk) for claim in claims}
    for claim in claims:
        assert read[claim.pk.__str__()].claim == claim_input(claim, person_year_facts(claim.beneficiary, YEAR))
    stored = {str(s.claim_id): s for s in stored_current()}
    for claim_id, bill in read.items():
        current = stored[claim_id]
        assert (bill.personal, bill.version_id) == (current.personal, current.policy_version_id)
    # The conditions' keys come through: the hospital's code, referral, birth date, sex, diagnoses.
    referred = next(bill.claim for bill in read.values() if bill.claim.referred)
    assert (referred.hospital, referred.in_county, referred.diseases) == ("500242-RMYY", True, ("C34.900",))
    # Birth date and sex as the ID number states them (17th digit odd: male), not as the reader maps them.
    number = Claim.objects.get(pk=int(referred.id)).beneficiary.id_number
    assert referred.birth_date == D(1950, 3, 1) == D(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    assert referred.sex == ("male" if int(number[16]) % 2 else "female")


def test_the_bulk_reader_reads_a_year_in_a_few_queries(year_2017, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):  # holdings, enrollments, hospitals, bills
        people = list(selectors.billed_people("500242", YEAR))
    assert sum(len(p.bills) for p in people) == 9


def test_a_year_without_bills_is_all_zeros(year_2017, tmp_path):
    result = run(draft_file(tmp_path, shipped()), "--year", "2016")
    assert (result["bills"], result["people"], result["burden_up"], result["newly_over"]) == (0, 0, 0, 0)
    assert result["personal"] == {"current": "0.00", "draft": "0.00", "change": "0.00"}
    assert any("2016" in note for note in result["notes"])


# --- Areas and refusals ------------------------------------------------------------------------------


@pytest.fixture
def township_official(township_a):
    user = User(username="official_a", role=Role.VIEWER, area=township_a)
    user.set_password(PASSWORD)
    user.save()
    return user


def test_a_township_official_simulates_only_the_township(year_2017, township_official, tmp_path):
    file = draft_file(tmp_path, generous_cut())
    result = run(file, "--year", str(YEAR), user="official_a")
    assert result["area"] == "500242100"
    assert (result["bills"], result["people"]) == (6, 3)
    assert {t["code"] for t in result["townships"]} == {"500242100"}
    assert "白明华" not in json.dumps(result, ensure_ascii=False)
    message = refused(file, "--year", str(YEAR), "--area", "500242101", user="official_a")
    assert "不在您的管辖区域内" in message
    # An official's report masks ID numbers.
    assert all("*" in person["id_number"] for person in result["largest"])


def test_the_area_must_lie_inside_the_drafts_region(year_2017, tmp_path):
    document = generous_cut() | {"region_code": "500242100"}
    assert simulation.OUTSIDE_DRAFT.split("{")[0] in refused(draft_file(tmp_path, document), "--year", str(YEAR),
                                                             "--area", "500242")
    # Without --area the system account simulates the draft's own region.
    assert run(draft_file(tmp_path, document), "--year", str(YEAR))["area"] == "500242100"


@pytest.mark.parametrize("content, args, expected", [
    ("{not json", ["--year", "2017"], "不是有效的 UTF-8 JSON"),
    (json.dumps({"code": "x"}), ["--year", "2017"], "缺少必填字段"),
    ("[1, 2]", ["--year", "2017"], "政策文件必须是一个 JSON 对象"),
    (None, [], "--year"),
    (None, ["--year", "二〇一七"], simulation.BAD_YEAR),
    (None, ["--year", "2017", "--area", "5002421"], "区域代码"),
    (None, ["--year", "2017", "--out", "report.csv"], ".xlsx"),
    (None, ["--year", "2017", "--out", "/nonexistent/dir/report.xlsx"], "不存在"),
])
def test_refused_input_exits_2_and_writes_nothing(year_2017, tmp_path, content, args, expected):
    file = draft_file(tmp_path, shipped()) if content is None else str(tmp_path / "bad.json")
    if content is not None:
        Path(file).write_text(content, encoding="utf-8")
    before = database_rows()
    assert expected in refused(file, *args)
    assert database_rows() == before and not AccessLog.objects.exists()


def test_a_missing_file_or_one_nested_past_the_limit_exits_2(db, tmp_path):
    from tests import hostile_files

    assert "无法读取文件" in refused(str(tmp_path / "missing.json"), "--year", "2017")
    nested = tmp_path / "nested.json"
    nested.write_bytes(hostile_files.nested_json())
    assert "的 JSON 嵌套超过" in refused(str(nested), "--year", "2017")


# --- Platform amounts and monitoring ---------------------------------------------------------------


def test_a_platform_amount_moves_by_fund_to_the_drafts_layer(year_2017, tmp_path):
    document = shipped()
    outpatient = layer(document, "basic_outpatient")
    outpatient["code"] = "basic_clinic"  # renamed: the platform's 基本医保 amounts now land here
    result = run(draft_file(tmp_path, document), "--year", str(YEAR))
    assert result["excluded"] == 0
    by_layer = {row["code"]: row for row in result["layers"]}
    assert by_layer["basic_clinic"]["draft"] == by_layer["basic_outpatient"]["current"] == "250.00"
    assert result["by_fund"]["basic"]["change"] == "0.00"


def test_a_bill_whose_platform_amount_has_no_layer_in_the_draft_is_left_out_saying_why(year_2017, tmp_path):
    document = shipped()
    document["layers"] = [item for item in document["layers"] if item["code"] != "basic_outpatient"]
    result = run(draft_file(tmp_path, document), "--year", str(YEAR))
    assert result["excluded"] == 2 and result["bills"] == 7
    reasons = {row["reason"] for row in result["excluded_bills"]}
    assert all("基本医保" in reason and "basic_outpatient" in reason for reason in reasons)
    # Left out of both sides: no change on the bills that remain.
    assert result["personal"]["change"] == "0.00" and result["by_fund"]["basic"]["change"] == "0.00"
    assert any("2 张账单" in note for note in result["notes"])


def test_a_platform_amount_above_what_the_draft_leaves_is_left_out_saying_why(year_2017, tmp_path):
    document = shipped()
    # A new first layer pays the whole in-catalog pool of outpatient bills: nothing is left for the platform's.
    document["layers"].insert(0, {"code": "free_clinic", "name": "门诊全免", "fund": "other",
                                  "visit_types": ["outpatient"], "base": "in_catalog"})
    result = run(draft_file(tmp_path, document), "--year", str(YEAR))
    assert result["excluded"] == 2 and result["bills"] == 7
    assert all("recorded.basic_outpatient" in row["reason"] for row in result["excluded_bills"])
    # The rest is what settling the year afresh without those bills gives.
    expected = afresh(document, leaving_out=[row["claim"] for row in result["excluded_bills"]])
    assert money(result["personal"]["draft"]) == sum((s.personal for s in expected.values()), ZERO)
    for fund in FUNDS:
        paid = sum((s.by_fund[fund] for s in expected.values()), ZERO)
        assert money(result["by_fund"][fund]["draft"]) == paid


def test_bills_the_engine_refuses_are_left_out_one_by_one_and_the_rest_settle_as_without_them():
    policy = parse_policy(shipped())

    def bill(number: int, person: str, recorded: str) -> engine.ClaimInput:
        return engine.ClaimInput(
            id=str(number), person=person, categories=frozenset({"poor"}),
            insurances=frozenset({"resident_basic"}), visit_type="outpatient", hospital_level="village",
            date=D(YEAR, 1, number), total=Decimal("300.00"), in_catalog=Decimal("200.00"),
            recorded={"basic_outpatient": Decimal(recorded)})

    # Above the pool: "250" (only 200 in the catalogue). Person a: ok, bad, ok, bad, ok; b: bad, ok; c: ok.
    claims = [bill(1, "a", "100"), bill(2, "a", "250"), bill(3, "a", "100"), bill(4, "a", "250"),
              bill(5, "a", "50"), bill(6, "b", "250"), bill(7, "b", "100"), bill(8, "c", "100")]
    refused = []
    settled = simulation._settled(policy, claims, lambda index, reason: refused.append(index))
    assert refused == [1, 3, 5] and sorted(settled) == [0, 2, 4, 6, 7]
    kept = [claims[index] for index in sorted(settled)]
    assert [settled[index] for index in sorted(settled)] == engine.settle_claims(policy, kept)


def test_the_draft_would_put_people_over_their_threshold(year_2017, tmp_path):
    document = generous_cut()
    # A stricter reading of seed 003: a lower reference income and warnings from half the threshold.
    document["monitoring"] = dict(document["monitoring"], reference_income="3000.00", warn_at="0.5")
    result = run(draft_file(tmp_path, document), "--year", str(YEAR))
    assert result["newly_over"] == len(result["newly_over_people"]) > 0
    for person in result["newly_over_people"]:
        assert person["level"]["draft"] == LEVEL_OVER and person["level"]["current"] != LEVEL_OVER
        assert money(person["burden"]["draft"]) > money(person["threshold"]["draft"])
    names = {person["name"] for person in result["newly_over_people"]}
    assert "何无类" not in names  # held no category: not monitored
    assert result["monitored"]["current"] == result["monitored"]["draft"] == 4


# --- The pure comparison -----------------------------------------------------------------------------


def test_the_distribution_bins_cover_every_change_once():
    bins = distribution_bins()
    assert [label for label, *_ in bins][:2] == ["少付 1万元以上", "少付 5,000–1万元"]
    assert bins[5][0] == "多付 100元以内" and bins[-1][0] == "多付 1万元以上"
    from policies.simulation import _bin_index

    for change, label in [(Decimal("0.01"), "多付 100元以内"), (Decimal("100"), "多付 100元以内"),
                          (Decimal("100.01"), "多付 100–1,000元"), (Decimal("-10000"), "少付 5,000–1万元"),
                          (Decimal("-10000.01"), "少付 1万元以上")]:
        assert bins[_bin_index(change, bins)][0] == label


def test_a_platform_amount_kept_when_the_draft_keeps_its_layer():
    policy = parse_policy(shipped())
    claim = engine.ClaimInput(id="1", person="p", categories=frozenset(), insurances=frozenset(),
                              visit_type="outpatient", hospital_level="village", date=D(YEAR, 1, 1),
                              total=Decimal("10"), in_catalog=Decimal("10"),
                              recorded={"basic_outpatient": Decimal("5"), "gone": Decimal("1")})
    moved = draft_claim(policy, claim, {"gone": "basic", "basic_outpatient": "basic"})
    assert moved.recorded == {"basic_outpatient": Decimal("6")}
    assert draft_claim(policy, claim, {"gone": "critical"}) == RECORDED_WITHOUT_LAYER.format(
        fund="大病保险", amount=Decimal("1"), layer="gone")


def test_burden_is_personal_less_relief_never_below_zero():
    policy = parse_policy(shipped())
    comparison = Comparison(policy)
    settled = engine.ClaimSettlement(claim_id="1", total=Decimal("100.00"), payments=(),
                                     by_fund=dict.fromkeys(FUNDS, ZERO), personal=Decimal("100.00"),
                                     in_catalog_personal=ZERO)
    facts = PersonFacts("7", "500242100", frozenset({"dibao_rural"}), policy.monitoring, policy.monitoring,
                        relief=Decimal("150.00"))
    comparison.add_person(facts, [(settled, Decimal("40.00"))])
    report = comparison.report([LayerAmount("civil_fund", "民政扶贫济困医疗基金", "other", Decimal("60.00"))])
    (person,) = report.changes
    assert person.personal == Change(Decimal("40.00"), Decimal("100.00"))
    assert person.burden == Change(ZERO, ZERO)
    assert report.burden_up == 1 and report.up_amount == Decimal("60.00")
    assert report.by_fund["other"] == Change(Decimal("60.00"), ZERO)


# --- The page ------------------------------------------------------------------------------------------


def upload(document: dict, name: str = "草案.json"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    content = json.dumps(document, ensure_ascii=False).encode()
    return SimpleUploadedFile(name, content, content_type="application/json")


def start(client, document: dict, **fields):
    """The form posted with an uploaded draft (for the year 2017, the whole area unless ``area`` is given)."""
    data = {"source": "upload", "file": upload(document), "year": str(YEAR), "area": ""} | fields
    return client.post(reverse("simulation"), data)


def test_an_official_uploads_a_draft_watches_it_run_reads_the_report_and_downloads_it(
    client, year_2017, viewer, media, immediate_tasks
):
    client.force_login(viewer)
    page = client.get(reverse("simulation")).content.decode()
    assert "政策试算" in page and 'enctype="multipart/form-data"' in page
    response = start(client, generous_cut())
    run = PolicySimulation.objects.get()
    assert response.url == reverse("simulation_detail", args=[run.pk])
    assert (run.status, run.requested_by, run.area_code, run.source) == ("done", viewer, "500242", "upload")
    assert (run.bills_total, run.bills_done, run.percent) == (9, 9, 100)
    progress = client.get(reverse("simulation_progress", args=[run.pk]), headers={"HX-Request": "true"})
    assert progress["HX-Refresh"] == "true" and "hx-get" not in progress.content.decode()
    report = client.get(response.url).content.decode()
    for heading in ("按资金", "按保障层次", "按乡镇（街道）", "按身份类别", "个人自付变化最大的人员", "新增超过监测标准"):
        assert heading in report
    assert "<svg" in report and "个人年度自付变化的人数分布" in report and "hx-get" not in report
    assert "龙潭镇" in report and "麻旺镇" in report and "草案中没有此层" in report
    assert "5002**********" in report and "田小红" in report
    assert "&lt;" not in run.summary["largest"][0]["name"]
    download = client.get(reverse("simulation_download", args=[run.pk]))
    assert download["Content-Disposition"].startswith("attachment")
    book = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert book.sheetnames == ["总览", "按保障层次", "按乡镇", "按身份类别", "个人自付变化分布", "新增超标", "新增预警",
                               "不再超标", "逐人变化", "未能试算的账单"]
    people = [row[0].value for row in book["逐人变化"].iter_rows(min_row=3)]
    assert len(people) == run.summary["burden_up"] + run.summary["burden_down"]
    assert "=HYPERLINK(1)" in people  # text, never a formula
    assert book["逐人变化"].cell(3, 2).value.startswith("5002****")  # masked for an official
    log = AccessLog.objects.get(action=AccessLog.Action.EXPORT)
    assert (log.user, log.object_id) == (viewer, "policy_simulation")


def test_nobody_else_sees_or_downloads_a_run(client, year_2017, viewer, county_admin, media, immediate_tasks):
    client.force_login(viewer)
    start(client, shipped())
    run = PolicySimulation.objects.get()
    client.force_login(county_admin)
    for name in ("simulation_detail", "simulation_progress", "simulation_download"):
        assert client.get(reverse(name, args=[run.pk])).status_code == 404
    assert f"#{run.pk}" not in client.get(reverse("simulation")).content.decode()


def test_a_stored_version_can_be_tried_and_the_one_in_force_changes_nothing(
    client, year_2017, viewer, media, immediate_tasks
):
    from policies.models import PolicyVersion

    version = PolicyVersion.objects.get(policy__code="youyang-2017")
    client.force_login(viewer)
    page = client.get(reverse("simulation")).content.decode()
    assert "第 1 版 · 现行" in page
    client.post(reverse("simulation"), {"source": "version", "version": str(version.pk), "year": str(YEAR),
                                        "area": "500242101"})
    run = PolicySimulation.objects.get()
    assert (run.source, run.policy_version, run.area_code) == ("version", version, "500242101")
    summary = run.summary
    assert summary["bills"] == 3 and summary["personal"]["change"] == "0.00"
    assert all(row["change"] == "0.00" for row in summary["layers"])


def test_a_clerk_cannot_simulate_another_township_and_a_bad_draft_is_named(
    client, year_2017, clerk_a, media, immediate_tasks
):
    client.force_login(clerk_a)
    response = start(client, shipped(), area="500242101")
    assert response.status_code == 200 and not PolicySimulation.objects.exists()
    bad = shipped()
    bad["layers"][0]["bands"] = [{"upto": None, "ratio": "1.5"}]
    page = start(client, bad).content.decode()
    assert "basic_inpatient" in page and "bands" in page and not PolicySimulation.objects.exists()


def test_a_failed_run_says_why_and_leaves_no_file(client, year_2017, viewer, media, immediate_tasks, monkeypatch):
    from claims import simulation_workbook

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(simulation_workbook, "simulation_workbook_write", broken)
    client.force_login(viewer)
    start(client, shipped())
    run = PolicySimulation.objects.get()
    assert run.status == "failed" and "磁盘空间不足" in run.error and run.file == ""
    assert not any(path.is_file() for path in media.rglob("*"))
    page = client.get(reverse("simulation_detail", args=[run.pk])).content.decode()
    assert "试算失败" in page
    assert client.get(reverse("simulation_download", args=[run.pk])).status_code == 404


# The worker closes connections that are inside a transaction, as a test's would be: let the test commit.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_with_the_database_queue_the_run_waits_for_the_worker(client, year_2017, viewer, media, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    client.force_login(viewer)
    response = start(client, shipped())
    run = PolicySimulation.objects.get()
    assert run.status == "queued"
    page = client.get(response.url).content.decode()
    assert "排队中" in page and "hx-get" in page and "<progress" in page
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")
    run.refresh_from_db()
    assert run.status == "done" and run.bills_done == 9 and run.summary["personal"]["change"] == "0.00"
    assert "按资金" in client.get(response.url).content.decode()
    # Outside a test's transaction the layer totals are summed on a second connection while the bills are read.
    payments = SettlementPayment.objects.filter(settlement__in=stored_current())
    for row in run.summary["layers"]:
        stored = sum((p.amount for p in payments if p.layer == row["code"]), ZERO)
        assert money(row["current"]) == money(row["draft"]) == stored


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_outside_a_transaction_the_bills_are_read_ahead_and_the_reading_ends_with_its_caller(
    year_2017, monkeypatch
):
    def readers() -> list[threading.Thread]:
        return [thread for thread in threading.enumerate() if thread.name == "simulation-rows"]

    # A thread of its own reads the bills (a small chunk: several chunks), and gives what reading here gives.
    monkeypatch.setattr(selectors, "STREAM_CHUNK", 2)
    ahead = [(p.id, [(b.claim, b.personal, b.version_id) for b in p.bills])
             for p in selectors.billed_people("500242", YEAR)]
    with transaction.atomic():
        here = [(p.id, [(b.claim, b.personal, b.version_id) for b in p.bills])
                for p in selectors.billed_people("500242", YEAR)]
    assert ahead == here and sum(len(bills) for _, bills in ahead) == 9
    assert not readers()
    # A caller that stops early ends the thread; a failure of the read reaches the caller.
    reader = selectors.billed_people("500242", YEAR)
    next(reader)
    reader.close()
    assert not readers()

    def broken():
        yield ("第一行",)
        raise DatabaseError("连接中断")

    rows = selectors._RowsAhead(broken(), 1)
    with pytest.raises(DatabaseError, match="连接中断"):
        list(rows)
    rows.close()
    assert not readers()
