"""POST /api/v1/settlements/: the platform's settlements, through the settlement list import, all or nothing,
idempotent on setl_id; a cancelled platform settlement voids its bill."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from api.models import PartnerCall, Scope
from claims.models import Claim, Hospital, Settlement, SettlementPayment
from claims.services import BillFacts, claim_settle
from tests.claims.conftest import vector

PATH = "settlements/"


@pytest.fixture
def one(load_vector_policy, make_person, village_a, covered):
    """The vector's person A: 贫困人口 of township A, enrolled in 2017."""
    load_vector_policy("youyang-2017")
    return covered(make_person(village_a, name="冉一"), 2017, ["poor"])


@pytest.fixture
def partner_a(make_partner, township_a):
    return make_partner(township_a, [Scope.PUSH_SETTLEMENTS])


def inpatient(setl_id, person, *, total, in_catalog, enddate, begndate, hospital="酉阳县人民医院", level="县级", **extra):
    return {"setl_id": setl_id, "psn_no": "50000012345678", "psn_cert_no": person.id_number, "psn_name": person.name,
            "med_type": "21", "fixmedins_code": "", "fixmedins_name": hospital, "level": level,
            "begndate": begndate, "enddate": enddate, "medfee_sumamt": total, "inscp_scp_amt": in_catalog,
            "psn_part_amt": "1.00"} | extra


def vector_batch(person):
    """The youyang-2017 vector's bills A1–A4 of one person, in the platform's names and date forms, listed out of
    date order (A4 first: the import settles in date order, so A4 comes after A1 as in the vector)."""
    return [
        # A4: ISO date-time with zone; the ID number under ``certno``
        {"setl_id": "S-A4", "certno": person.id_number, "psn_name": person.name, "med_type": "21",
         "fixmedins_name": "重庆市中心医院", "level": "市级", "begndate": "2017-11-10",
         "enddate": "2017-11-20T11:00:00+08:00", "medfee_sumamt": "30000.00", "inscp_scp_amt": "26000.00",
         "dise_codg": "C34.900"},
        # A1: what the platform paid sent with it (the vector's own basic and 大病 amounts), numbers as JSON numbers
        inpatient("S-A1", person, total=60000, in_catalog=48000, begndate="2017-07-29 08:00:00",
                  enddate="2017-08-03 16:20:00", hifp_pay=33495, hifmi_pay=3705.5, dise_codg="I63.900"),
        # A2: an outpatient visit dated by its settlement time only
        {"setl_id": "S-A2", "psn_cert_no": person.id_number, "med_type": "11", "fixmedins_name": "龙潭镇卫生院",
         "level": "乡镇", "setl_time": "2017-09-01 09:30:00", "medfee_sumamt": "180", "inscp_scp_amt": "180"},
        {"setl_id": "S-A3", "id_number": person.id_number, "med_type": "普通门诊", "fixmedins_name": "龙潭镇卫生院",
         "enddate": "2017-10-01", "medfee_sumamt": 250, "inscp_scp_amt": 200.0},
    ]


def expected(bill_id):
    return next(result for result in vector("youyang-2017", "expected")["results"] if result["id"] == bill_id)


def written():
    """How many rows every table the push writes holds."""
    return {"claims": Claim.objects.count(), "claim history": Claim.history.count(),
            "settlements": Settlement.objects.count(), "payments": SettlementPayment.objects.count(),
            "hospitals": Hospital.objects.count()}


def test_a_batch_settles_each_bill_to_the_cent_and_answers_in_item_order(one, partner_a, api):
    # given
    partner, key = partner_a
    # when
    status, body, _ = api(key).post(PATH, {"items": vector_batch(one)})
    # then: every layer of every bill as the published vector has it, A4 settled after A1
    assert status == 200, body
    assert [(r["item"], r["setl_id"], r["outcome"], r["status"]) for r in body["results"]] == [
        (1, "S-A4", "settled", "settled"), (2, "S-A1", "settled", "settled"),
        (3, "S-A2", "settled", "settled"), (4, "S-A3", "settled", "settled")]
    for result, bill_id in zip(body["results"], ("A4", "A1", "A2", "A3"), strict=True):
        vector_result = expected(bill_id)
        assert [(p["layer"], p["fund"], p["amount"]) for p in result["payments"]] == [
            (p["layer"], p["fund"], p["amount"]) for p in vector_result["payments"]], bill_id
        assert (result["total"], result["personal"]) == (vector_result["total"], vector_result["personal"])
    a1 = body["results"][1]
    assert {p["layer"]: p["recorded"] for p in a1["payments"]}["basic"] is True
    assert {p["layer"]: p["recorded"] for p in body["results"][0]["payments"]}["basic"] is False
    assert body["counts"] == {"items": 4, "settled": 4, "skipped": 0, "voided": 0}
    # the bills carry the platform's IDs and the number their slips show, entered by the partner's account
    claim = Claim.objects.get(pk=a1["claim"])
    assert (claim.platform_settlement_id, claim.entered_by, claim.origin) == ("S-A1", partner.account, "import")
    assert claim.admitted_on == datetime.date(2017, 7, 29) and claim.discharged_on == datetime.date(2017, 8, 3)
    assert a1["number"] == claim.settlements.get(superseded_at__isnull=True).number
    assert Claim.objects.get(platform_settlement_id="S-A2").discharged_on == datetime.date(2017, 9, 1)
    call = PartnerCall.objects.get()
    assert (call.endpoint, call.status, call.outcome, call.area, call.counts) == (
        "/api/v1/settlements/", 200, "ok", one.village_id, body["counts"])


def test_pushing_the_same_batch_twice_changes_nothing_and_answers_with_the_same_bills(one, partner_a, api):
    _, key = partner_a
    first_status, first, _ = api(key).post(PATH, {"items": vector_batch(one)})
    assert first_status == 200, first
    before = written()
    status, again, _ = api(key).post(PATH, {"items": vector_batch(one)})
    assert status == 200, again
    assert written() == before
    assert [r["outcome"] for r in again["results"]] == ["skipped"] * 4
    assert again["counts"] == {"items": 4, "settled": 0, "skipped": 4, "voided": 0}
    strip = [{k: v for k, v in r.items() if k != "outcome"} for r in first["results"]]
    assert [{k: v for k, v in r.items() if k != "outcome"} for r in again["results"]] == strip


def test_one_bad_item_writes_nothing_and_names_the_item_and_the_platforms_field(one, partner_a, api):
    _, key = partner_a
    items = vector_batch(one)
    items[2]["medfee_sumamt"] = "一百八"
    items[3]["psn_cert_no"], items[3]["id_number"] = "500242199901010000", None
    status, body, response = api(key).post(PATH, {"items": items})
    assert status == 400 and response["Content-Type"] == "application/problem+json"
    assert [(e["item"], e["field"]) for e in body["errors"]] == [(3, "medfee_sumamt"), (4, "psn_cert_no")]
    assert "不是金额" in body["errors"][0]["message"] and "未写入任何数据" in body["detail"]
    assert written() == {"claims": 0, "claim history": 0, "settlements": 0, "payments": 0, "hospitals": 0}
    call = PartnerCall.objects.get()
    assert (call.outcome, call.counts) == ("refused", {"items": 4, "errors": 2})


def test_amounts_and_dates_no_bill_can_hold_are_item_errors(one, partner_a, api):
    _, key = partner_a
    items = [inpatient("S-1", one, total="NaN", in_catalog="1e30", begndate="上周", enddate="2017-08-03"),
             inpatient("S-2", one, total=1e300, in_catalog="Infinity", begndate="2017-02-30", enddate="2017-08-03")]
    status, body, _ = api(key).post(PATH, {"items": items})
    assert status == 400
    assert [(e["item"], e["field"]) for e in body["errors"]] == [
        (1, "begndate"), (1, "medfee_sumamt"), (1, "inscp_scp_amt"),
        (2, "begndate"), (2, "medfee_sumamt"), (2, "inscp_scp_amt")]
    assert not Claim.objects.exists()


def test_a_settlement_the_services_refuse_is_named_too(one, partner_a, api):
    # given: a stay admitted after its discharge, which the settling service refuses (the reader does not)
    _, key = partner_a
    items = [inpatient("S-1", one, total="100", in_catalog="50", begndate="2017-07-29", enddate="2017-08-03"),
             inpatient("S-2", one, total="100", in_catalog="50", begndate="2017-08-05", enddate="2017-08-03")]
    # when
    status, body, _ = api(key).post(PATH, {"items": items})
    # then
    assert status == 400
    assert body["errors"] == [{"item": 2, "field": "begndate", "message": "入院日期不能晚于出院日期。"}]
    assert not Claim.objects.exists()


def test_a_setl_id_twice_in_one_batch_names_the_second_item(one, partner_a, api):
    _, key = partner_a
    items = vector_batch(one)
    items[3]["setl_id"] = "S-A4"
    status, body, _ = api(key).post(PATH, {"items": items})
    assert status == 400
    assert [(e["item"], e["field"]) for e in body["errors"]] == [(4, "setl_id")]
    assert "已出现过" in body["errors"][0]["message"] and not Claim.objects.exists()


def test_a_setl_id_already_another_persons_bill_is_refused(one, partner_a, api, make_person, village_a, covered):
    _, key = partner_a
    other = covered(make_person(village_a, name="冉二"), 2017, ["poor"])
    assert api(key).post(PATH, {"items": vector_batch(one)[1:2]})[0] == 200
    status, body, _ = api(key).post(PATH, {"items": [inpatient(
        "S-A1", other, total=100, in_catalog=50, begndate="2017-07-29", enddate="2017-08-03")]})
    assert status == 400 and body["errors"][0]["field"] == "setl_id" and "其他人员" in body["errors"][0]["message"]
    assert Claim.objects.count() == 1


def test_a_cancelled_platform_settlement_voids_the_bill_and_settles_the_later_ones_again(one, partner_a, api):
    # given: A1 (August) and A4 (November) settled; A4's 大病 after A1 is 5,290.00
    _, key = partner_a
    batch = vector_batch(one)
    assert api(key).post(PATH, {"items": batch[:2]})[0] == 200
    a4 = Claim.objects.get(platform_settlement_id="S-A4")
    # when: the platform cancels A1 (only its ID and the flag)
    status, body, _ = api(key).post(PATH, {"items": [{"setl_id": "S-A1", "refd_setl_flag": "1"}]})
    # then
    assert status == 200, body
    (result,) = body["results"]
    assert (result["outcome"], result["status"], result["number"], result["payments"]) == (
        "voided", "voided", None, [])
    a1 = Claim.objects.get(platform_settlement_id="S-A1")
    assert a1.status == Claim.Status.VOIDED and a1.void_reason == "医保平台撤销结算 S-A1"
    # A4 alone: 大病 on the 10,580 left after basic: (10,580 − 7,094) × 50% = 1,743.00 (as tests/claims say)
    current = a4.settlements.get(superseded_at__isnull=True)
    assert current.reason == Settlement.Reason.VOID
    assert current.payments.get(layer="critical").amount == Decimal("1743.00")
    # and the same cancellation again (this time as ``cancelled``) changes nothing
    before = written()
    status, body, _ = api(key).post(PATH, {"items": [{"setl_id": "S-A1", "cancelled": True}]})
    assert status == 200 and body["results"][0]["outcome"] == "skipped" and written() == before


def test_two_pushes_of_one_settlement_at_once_enter_one_bill(one, clerk_a, hospital):
    # given: a push that found no bill with its setl_id before another push of it settled one
    bill = BillFacts(hospital=hospital(), visit_type="outpatient", discharged_on=datetime.date(2017, 9, 1),
                     total=Decimal("180"), in_catalog=Decimal("180"), platform_settlement_id="S-RACE")
    first = claim_settle(user=clerk_a, person=one, bill=bill, allow_duplicate=True)
    # when: it settles under the person-year's lock
    second = claim_settle(user=clerk_a, person=one, bill=bill, allow_duplicate=True)
    # then: it finds the bill entered meanwhile
    assert (second.created, second.claim) == (False, first.claim) and Claim.objects.count() == 1


def test_cancelling_an_unknown_setl_id_is_an_item_error(one, partner_a, api):
    _, key = partner_a
    items = [vector_batch(one)[1], {"setl_id": "S-NONE", "refd_setl_flag": "1"}]
    status, body, _ = api(key).post(PATH, {"items": items})
    assert status == 400
    assert [(e["item"], e["field"]) for e in body["errors"]] == [(2, "setl_id")]
    assert "没有对应的账单" in body["errors"][0]["message"] and not Claim.objects.exists()


def test_a_partner_of_township_a_cannot_settle_or_cancel_for_township_b(
        load_vector_policy, make_partner, township_a, township_b, make_person, village_b, covered, api):
    load_vector_policy("youyang-2017")
    person_b = covered(make_person(village_b, name="白一"), 2017, ["poor"])
    _, key_a = make_partner(township_a, [Scope.PUSH_SETTLEMENTS])
    _, key_b = make_partner(township_b, [Scope.PUSH_SETTLEMENTS])
    bill = inpatient("S-B1", person_b, total=60000, in_catalog=48000, begndate="2017-07-29", enddate="2017-08-03")
    status, body, _ = api(key_a).post(PATH, {"items": [bill]})
    assert status == 400 and body["errors"][0]["field"] == "psn_cert_no"
    assert "不在登记册中（或不在您的管辖区域内）" in body["errors"][0]["message"]
    assert not Claim.objects.exists()
    # township B's own partner settles it; A can neither void it nor learn of it
    assert api(key_b).post(PATH, {"items": [bill]})[0] == 200
    status, body, _ = api(key_a).post(PATH, {"items": [{"setl_id": "S-B1", "refd_setl_flag": "1"}]})
    assert status == 400 and "没有对应的账单（或不在您的管辖区域内）" in body["errors"][0]["message"]
    assert Claim.objects.get().status == Claim.Status.SETTLED


def test_a_partner_without_the_scope_is_refused(one, make_partner, township_a, api):
    _, key = make_partner(township_a, [Scope.READ_PEOPLE, Scope.READ_LEDGER])
    status, body, _ = api(key).post(PATH, {"items": vector_batch(one)})
    assert status == 403 and "推送结算" in body["detail"]
    assert not Claim.objects.exists()


@pytest.mark.parametrize("body, field", [
    ({"items": []}, "items"),
    ({}, "items"),
    ({"items": [{"psn_cert_no": "500242198001010016"}]}, "setl_id"),
])
def test_the_batch_itself_must_be_a_list_of_settlements(partner_a, api, body, field):
    _, key = partner_a
    status, answer, _ = api(key).post(PATH, body)
    assert status == 400 and answer["errors"][0]["field"] == field


def test_a_batch_is_at_most_a_thousand_items(one, partner_a, api):
    _, key = partner_a
    status, body, _ = api(key).post(PATH, {"items": [{"setl_id": f"S{n}"} for n in range(1001)]})
    assert status == 400 and body["errors"] == [{"field": "items", "message": "一个批次 1 至 1000 项；更多请分批推送。"}]


def import_claims(path):
    out = StringIO()
    call_command("import_claims", str(path), "--json", "--apply", stdout=out)
    return json.loads(out.getvalue())


def test_the_file_import_with_a_settlement_id_column_is_idempotent_on_it(one, tmp_path):
    # given: two visits alike in all but their platform settlement IDs, which makes them two bills
    path = tmp_path / "platform.csv"
    path.write_text(
        "身份证号,姓名,就诊类型,医疗机构,医疗机构等级,就诊日期,总费用,政策范围内费用,结算ID\n"
        f"{one.id_number},冉一,普通门诊,龙潭镇卫生院,乡镇,2017-09-01,180,180,S-0901-1\n"
        f"{one.id_number},冉一,普通门诊,龙潭镇卫生院,乡镇,2017-09-01,180,180,S-0901-2\n", encoding="utf-8")
    # when
    first = import_claims(path)
    before = written()
    again = import_claims(path)
    # then
    assert (first["settled"], first["skipped"]) == (2, 0)
    assert (again["settled"], again["skipped"]) == (0, 2) and written() == before
    assert set(Claim.objects.values_list("platform_settlement_id", flat=True)) == {"S-0901-1", "S-0901-2"}
    # a platform list's cancellation row (the list's other cells empty) voids the bill of its ID
    path.write_text(
        "身份证号,姓名,就诊类型,医疗机构,总费用,政策范围内费用,结算ID,退费结算标志\n,,,,,,S-0901-2,1\n", encoding="utf-8")
    assert import_claims(path)["voided"] == 1
    assert Claim.objects.get(platform_settlement_id="S-0901-2").status == Claim.Status.VOIDED
