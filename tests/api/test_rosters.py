"""Rosters pushed through the API: the same comparison and application as the roster upload, the Exits rule,
row errors by item and field, areas, scopes and the findings paged by cursor."""

import datetime
import io

import openpyxl
import pytest
from django.db import transaction
from django.urls import reverse

from api.models import PartnerCall, Scope
from api.rosters import ROWS_REFUSED
from beneficiaries.models import Beneficiary, Category, CategoryHolding, Household
from rosters.models import RosterBatch
from rosters.services import roster_batch_preview, roster_batch_upload, roster_request
from tests.rosters.conftest import new_id_number

pytestmark = pytest.mark.usefixtures("media", "immediate_tasks")

MONTH = "2024-05"
APRIL_30 = datetime.date(2024, 4, 30)
ROSTERS = [Scope.PUSH_ROSTERS]


def hold(person, code, start=datetime.date(2023, 1, 1)):
    category = Category.objects.get(code=code)
    return CategoryHolding.objects.create(beneficiary=person, category=category, source=category.source, start=start)


def push_body(rows, **options):
    return {"source": "civil_affairs", "month": MONTH, "rows": rows, **options}


def row(person_or_name, id_number=None, category="农村低保", village="500242100201", **more):
    if isinstance(person_or_name, Beneficiary):
        person_or_name, id_number = person_or_name.name, person_or_name.id_number
    return {"id_number": id_number, "name": person_or_name, "category": category, "village": village, **more}


@pytest.fixture
def registry(make_person, village_a):
    """Township A's civil-affairs holdings: 甲 and 乙 on 农村低保, 丁 on 农村特困; 丙 holds nothing."""
    people = {name: make_person(village_a, name=name) for name in "甲乙丙丁"}
    hold(people["甲"], "dibao_rural")
    hold(people["乙"], "dibao_rural")
    hold(people["丁"], "tekun_rural")
    return people


@pytest.fixture
def monthly_list(registry):
    """甲 stays, 乙 changes to 特困, 丙 is added, 丁 leaves; a household of two newcomers; a bad ID; a category
    nobody knows; a village not in the registry; a bad head's ID."""
    head, spouse = new_id_number(), new_id_number()
    return [
        row(registry["甲"]),
        row(registry["乙"], category="农村特困人员"),
        row(registry["丙"]),
        row("新户主", head, head_id_number=head, relation="本人", phone="13800000001"),
        row("新成员", spouse, head_id_number=head, relation="妻"),
        row("坏号", "500242198808080000"),
        row("怪类别", new_id_number(), category="不存在的类别"),
        row("外镇人", new_id_number(), village="500242101201"),
        row("坏户主", new_id_number(), head_id_number="123"),
    ]


def registry_state() -> dict:
    """What a roster writes, without who wrote it or which batch's note it carries."""
    return {
        "people": sorted(Beneficiary.objects.values_list(
            "id_number", "name", "village_id", "household__number", "relation", "phone")),
        "households": sorted(Household.objects.values_list("number", "village_id", "head__id_number")),
        "holdings": sorted(CategoryHolding.objects.values_list(
            "beneficiary__id_number", "category__code", "source", "start", "end")),
    }


def as_file(rows) -> bytes:
    """The same list as a spreadsheet an office would send, under other ways of naming the columns."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["2024年5月民政困难群众名单"])
    sheet.append(["公民身份号码", "人员姓名", "救助类别", "村代码", "户主身份证号码", "与户主关系", "手机号码"])
    for item in rows:
        sheet.append([item.get(field, "") for field in
                      ("id_number", "name", "category", "village", "head_id_number", "relation", "phone")])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_pushed_list_previews_and_applies_as_the_uploaded_file_does(
        make_partner, api, township_a, admin_a, client, monthly_list):
    partner, key = make_partner(township_a, ROSTERS)
    before = registry_state()
    with transaction.atomic():
        # pushed: compared at once, nothing written yet
        status, body, response = api(key).post("rosters/", push_body(monthly_list))
        assert status == 201, body
        assert response["Location"] == f"/api/v1/rosters/{body['id']}/"
        assert body["status"] == "previewed"
        assert body["counts"] == {"new": 2, "category_added": 1, "changed": 1, "exited": 1, "mismatch": 0,
                                       "duplicate": 0, "invalid_id": 1, "rejected": 3, "unchanged": 1}
        assert body["exits"] == {"holdings": 2, "people": 1, "open_holdings": 3, "need_confirmation": True}
        assert registry_state() == before
        found = {(f["outcome"], tuple(f["items"]), f["field"]) for f in body["findings"]}
        assert {("invalid_id", (6,), "id_number"), ("rejected", (7,), "category"), ("rejected", (8,), "village"),
                ("rejected", (9,), "head_id_number"), ("exited", (), None), ("new", (4,), None)} <= found
        call = PartnerCall.objects.get(endpoint="/api/v1/rosters/")
        assert (call.area, call.counts["rows"], call.counts["new"], call.outcome) == ("500242100", 9, 2, "ok")

        status, applied, _ = api(key).post(f"rosters/{body['id']}/apply/", {"allow_exits": 2})
        assert status == 200, applied
        assert applied["status"] == "applied"
        assert applied["effect"] == {"people": 2, "households": 1, "holdings": 4, "ended": 2}
        pushed = registry_state()
        pushed_counts = RosterBatch.objects.get().counts
        transaction.set_rollback(True)

    assert registry_state() == before
    # uploaded as a file by the township's administrator, through the roster pages
    client.force_login(admin_a)
    upload = io.BytesIO(as_file(monthly_list))
    upload.name = "民政名单.xlsx"
    client.post(reverse("rosters:batch_upload"),
                {"source": "civil_affairs", "month": MONTH, "area": "", "category": "", "file": upload})
    batch = RosterBatch.objects.get()
    client.post(reverse("rosters:batch_apply", args=[batch.pk]), {"confirm_exits": "on", "allow_exits": 2})
    batch.refresh_from_db()
    assert batch.status == RosterBatch.Status.APPLIED
    assert batch.counts == pushed_counts
    assert registry_state() == pushed
    assert registry_state() != before


def test_a_list_ending_most_holdings_needs_allow_exits(make_partner, api, township_a, registry, settings):
    settings.ROSTER_EXIT_CONFIRM_SHARE = 0.10
    _, key = make_partner(township_a, ROSTERS)
    status, body, _ = api(key).post("rosters/", push_body([row(registry["甲"])]))
    assert status == 201 and body["exits"]["holdings"] == 2 and body["exits"]["need_confirmation"]
    path = f"rosters/{body['id']}/apply/"

    status, refused, response = api(key).post(path, {})
    assert status == 400 and response["Content-Type"] == "application/problem+json"
    assert refused["errors"][0]["field"] == "allow_exits"
    assert "输入将结束的认定数 2" in refused["detail"]
    status, refused, _ = api(key).post(path, {"allow_exits": 1})
    assert status == 400 and "确认的认定数 1 与本次比对的结果不符" in refused["detail"]
    assert RosterBatch.objects.get().status == RosterBatch.Status.PREVIEWED
    assert not CategoryHolding.objects.filter(end__isnull=False).exists()

    status, applied, _ = api(key).post(path, {"allow_exits": 2})
    assert status == 200 and applied["status"] == "applied", applied
    assert sorted(CategoryHolding.objects.filter(end=APRIL_30).values_list("beneficiary__name", flat=True)) == [
        "丁", "乙"]
    status, again, _ = api(key).post(path, {"allow_exits": 2})
    assert status == 400 and "已应用" in again["detail"]


def test_a_malformed_row_refuses_the_list_naming_item_and_field(make_partner, api, township_a, registry):
    _, key = make_partner(township_a, ROSTERS)
    rows = [row(registry["甲"]), {"name": "无号", "village": "500242100201"}, row(registry["乙"], village=""), "甲"]
    status, body, response = api(key).post("rosters/", push_body(rows))
    assert status == 400 and response["Content-Type"] == "application/problem+json"
    assert body["detail"] == ROWS_REFUSED.format(count=3)
    assert [(error["item"], error["field"]) for error in body["errors"]] == [
        (2, "id_number"), (3, "village"), (4, None)]
    assert not RosterBatch.objects.exists()

    status, body, _ = api(key).post("rosters/", push_body([row(registry["甲"])], month="2024-13"))
    assert status == 400 and body["errors"] == [{"field": "month", "message": "月份“2024-13”格式不对，应为 YYYY-MM，例如 2024-05。"}]
    status, body, _ = api(key).post("rosters/", push_body([row(registry["甲"])], category="最低生活保障户口本"))
    assert status == 400 and body["errors"][0]["field"] == "category"
    assert not RosterBatch.objects.exists()


def test_township_a_cannot_push_for_b_nor_read_or_apply_others_batches(
        make_partner, api, township_a, township_b, village_b, registry, admin_a):
    _, key_a = make_partner(township_a, ROSTERS)
    _, key_b = make_partner(township_b, ROSTERS)
    status, body, _ = api(key_a).post("rosters/", push_body([row("乙镇人", new_id_number(), village="500242101201")],
                                                             area=township_b.code))
    assert status == 403 and "不在您的管辖区域内" in body["detail"]
    assert not RosterBatch.objects.exists()

    status, of_b, _ = api(key_b).post("rosters/", push_body([row("乙镇人", new_id_number(), village="500242101201")]))
    assert status == 201 and of_b["area"] == "500242101"
    uploaded = roster_batch_upload(user=admin_a, request=roster_request(user=admin_a, source="civil_affairs",
                                                                        month=MONTH),
                                   file_name="名单.xlsx", content=as_file([row(registry["甲"])]))
    roster_batch_preview(batch=uploaded)
    for batch_id in (of_b["id"], uploaded.pk):
        status, body, _ = api(key_a).get(f"rosters/{batch_id}/")
        assert status == 404 and f"#{batch_id}" in body["detail"]
        status, body, _ = api(key_a).post(f"rosters/{batch_id}/apply/", {"allow_exits": 3})
        assert status == 404
    assert set(RosterBatch.objects.values_list("status", flat=True)) == {"previewed"}


def test_a_partner_without_the_roster_scope_is_refused(make_partner, api, township_a, registry):
    _, pusher = make_partner(township_a, ROSTERS)
    _, reader = make_partner(township_a, [Scope.READ_LEDGER, Scope.READ_ALERTS, Scope.READ_PEOPLE])
    _, body, _ = api(pusher).post("rosters/", push_body([row(registry["甲"])]))
    for status, body, _ in (api(reader).post("rosters/", push_body([row(registry["甲"])])),
                            api(reader).get(f"rosters/{body['id']}/"),
                            api(reader).post(f"rosters/{body['id']}/apply/", {})):
        assert status == 403 and "推送名单" in body["detail"]
    assert RosterBatch.objects.count() == 1


def test_findings_page_by_cursor_each_once(make_partner, api, township_a, registry):
    _, key = make_partner(township_a, ROSTERS)
    rows = [row(registry["甲"])] + [row(f"新人{i}", new_id_number()) for i in range(5)] + [
        row("坏号一", "123"), row("坏号二", "500242198808080000")]
    status, first, _ = api(key).post("rosters/", push_body(rows))
    assert status == 201
    seen, cursor, pages = [], None, 0
    while True:
        params = {"page_size": 3} | ({"cursor": cursor} if cursor else {})
        status, body, _ = api(key).get(f"rosters/{first['id']}/", params)
        assert status == 200, body
        seen += [(f["outcome"], tuple(f["items"]), f["name"]) for f in body["findings"]]
        pages += 1
        cursor = body["findings_next_cursor"]
        if not cursor:
            break
    notable = first["counts"]["new"] + first["counts"]["exited"] + first["counts"]["invalid_id"]
    assert (notable, pages) == (9, 3)  # 5 new, 乙 and 丁 leave, 2 bad numbers; 甲 unchanged is not listed
    assert len(seen) == len(set(seen)) == notable
    assert [name for outcome, _, name in seen if outcome == "new"] == [f"新人{i}" for i in range(5)]
    status, body, _ = api(key).get(f"rosters/{first['id']}/", {"outcome": "unchanged"})
    assert [(f["name"], f["items"]) for f in body["findings"]] == [("甲", [1])]
    status, body, _ = api(key).get(f"rosters/{first['id']}/", {"cursor": "bm90IGEgY3Vyc29y"})
    assert status == 400 and body["errors"][0]["field"] == "cursor"
