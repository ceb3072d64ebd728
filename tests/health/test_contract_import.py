"""The family-doctor contract list (签约名单): each row classified in the preview, applied all or nothing, reported,
limited to the uploader's area, and the 签约率 of a county built through the imports."""

import datetime
import io
import json
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AccessLog
from beneficiaries.models import Beneficiary, Household
from config.import_templates import EXAMPLE_HEAD_ID, TEMPLATES
from health import services
from health.contract_import import (
    contract_batch_apply,
    contract_batch_discard,
    contract_batch_upload,
    contract_list_import,
)
from health.models import ContractBatch, DoctorContract
from health.selectors import coverage
from rosters import services as roster_services
from tests.conftest import make_id_number

D = datetime.date
HEADER = ["序号", "身份证号", "户编号", "签约团队", "签约医生", "医生电话", "签约机构", "服务包", "签约日期", "生效日期",
          "到期日期"]
TEAM = "龙潭镇卫生院第一团队"
TERMS = {"team": TEAM, "doctor": "冉医生", "clinic": "龙潭镇卫生院", "package": "基础包"}


def row(id_number="", household="", *, team=TEAM, doctor="冉医生", phone="", clinic="龙潭镇卫生院", package="基础包",
        signed="2026-01-05", starts="", ends=""):
    return [id_number, household, team, doctor, phone, clinic, package, signed, starts, ends]


def xlsx(*rows, header=HEADER) -> bytes:
    """A list as the health commission sends one: a title, a blank row, the header, numbered rows (IDs as text)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["2026年家庭医生签约名单"])
    sheet.append([])
    sheet.append(header)
    for number, values in enumerate(rows, start=1):
        sheet.append([number, *values])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def sign(user, household, first, last, **changes):
    return services.contract_sign(user=user, household=household, signed_on=first, starts_on=first, ends_on=last,
                                  **(TERMS | changes))


def head_id(household: Household) -> str:
    return household.head.id_number


def outcomes(batch: ContractBatch) -> list[tuple[int, str]]:
    return [(row["row"], row["outcome"]) for row in batch.rows]


@pytest.fixture
def households(clerk_a, village_a, poor_household):
    """Five households of township A: one without a contract, and four with one ending at various points."""
    fresh, day_after, same_team, same, other_team = (poor_household(village_a, [name]) for name in "甲乙丙丁戊")
    sign(clerk_a, day_after, D(2025, 1, 1), D(2025, 12, 31), doctor="田医生")
    sign(clerk_a, same_team, D(2025, 3, 1), D(2026, 2, 28))
    sign(clerk_a, same, D(2026, 1, 5), D(2027, 1, 4))
    sign(clerk_a, other_team, D(2025, 1, 1), D(2025, 12, 31), team="麻旺镇卫生院团队")
    return {"fresh": fresh, "day_after": day_after, "same_team": same_team, "same": same, "other_team": other_team}


@pytest.fixture
def good_list(households):
    h = households
    return xlsx(
        row(head_id(h["fresh"]), phone="13800000001"),  # row 4: 新签约, a year less a day from 2026-01-05
        row(head_id(h["day_after"]), team="另一团队", signed="2025-12-20", starts="2026-01-01", ends="2026-12-31"),
        row("", h["same_team"].number, signed="2026-03-20", starts="2026-04-01"),  # the same team after a gap
        row(head_id(h["same"]), ends="2027-01-04"),  # exactly the contract it has
        row(head_id(h["other_team"]), signed="2026-03-01"),  # another team after a gap: a new contract
    )


def test_the_preview_classifies_every_row_and_writes_only_the_batch(clerk_a, households, good_list, media):
    # given
    before = DoctorContract.objects.count()
    # when
    batch = contract_batch_upload(user=clerk_a, file_name="签约名单.xlsx", content=good_list)
    # then
    assert outcomes(batch) == [(4, "new"), (5, "renewal"), (6, "renewal"), (7, "unchanged"), (8, "new")]
    assert batch.summary == {"rows": 5, "new": 2, "renewal": 2, "unchanged": 1, "error": 0}
    assert (batch.status, batch.area_id, batch.created_by) == ("previewed", "500242100", clerk_a)
    assert DoctorContract.objects.count() == before
    first, renewal, gap_renewal, unchanged, _other = batch.rows
    assert (first["starts_on"], first["ends_on"], first["doctor_phone"]) == ("2026-01-05", "2027-01-04", "13800000001")
    assert renewal["renews"] == households["day_after"].doctor_contracts.get().pk
    assert renewal["message"].startswith("续签 田医生（龙潭镇卫生院）2025-01-01 至 2025-12-31")
    assert gap_renewal["renews"] == households["same_team"].doctor_contracts.get().pk
    assert gap_renewal["household"] == households["same_team"].number
    assert "已有相同签约" in unchanged["message"]
    assert batch.file.read() == good_list
    assert batch.history.get().history_user == clerk_a


def test_each_error_names_its_row_its_column_and_what_was_expected(clerk_a, households, village_a, village_b,
                                                                   make_person, poor_household, media):
    # given
    h = households
    loner = make_person(village_a, name="独居")
    elsewhere = poor_household(village_b, ["外乡"])
    tomorrow = (datetime.date.today() + datetime.timedelta(days=1)).isoformat()
    bad_check = head_id(h["fresh"])[:17] + ("0" if head_id(h["fresh"])[17] != "0" else "1")
    content = xlsx(
        row(bad_check),  # 4
        row(make_id_number()),  # 5 nobody has it
        row(loner.id_number),  # 6 in no household
        row(head_id(elsewhere)),  # 7 another township's
        row(head_id(h["fresh"]), starts="2026-03-01", ends="2026-02-01"),  # 8
        row(head_id(h["day_after"]), signed="2026-02-01", starts="2026-01-15"),  # 9
        row(head_id(h["other_team"]), signed=tomorrow),  # 10
        row(head_id(h["same_team"]), signed="2026-13-01"),  # 11
        row(head_id(h["same"]), signed="2026-06-01"),  # 12 overlaps the contract in force
        row(head_id(h["fresh"]), signed="2026-06-01"),  # 13 the household of row 8 again
        row("", "Y99999999"),  # 14 no such household
        row(head_id(h["fresh"]), h["same"].number),  # 15 the ID and the number disagree
        row("", "", doctor=""),  # 16 no household named, no doctor
    )
    # when
    result = contract_list_import(user=clerk_a, file_name="名单.xlsx", content=content, apply=True)
    # then
    found = {(error["row"], error["column"]): error["message"] for error in result["errors"]}
    expected = {
        (4, "身份证号"): "校验位错误",
        (5, "身份证号"): "不在登记册中，应为已登记人员（户中任一成员）的身份证号",
        (6, "身份证号"): "（独居）未登记家庭户",
        (7, "身份证号"): f"户 {elsewhere.number}（村代码 500242101201）不在您的管辖区域内",
        (8, "到期日期"): "到期日期 2026-02-01 早于生效日期 2026-03-01",
        (9, "生效日期"): "生效日期 2026-01-15 早于签约日期 2026-02-01",
        (10, "签约日期"): f"签约日期 {tomorrow} 晚于今天",
        (11, "签约日期"): "“2026-13-01”不是有效日期，应为年-月-日",
        (12, "生效日期"): "同一时间只能有一份有效签约",
        (13, "身份证号"): f"与第 8 行是同一户（户编号 {h['fresh'].number}），一份名单每户只应有一行",
        (14, "户编号"): "户编号“Y99999999”不在登记册中，应为已登记家庭户的户编号",
        (15, "身份证号"): f"属于户 {h['fresh'].number}，与户编号“{h['same'].number}”不符",
        (16, "身份证号"): "身份证号和户编号不能都为空",
        (16, "签约医生"): "不能为空，应为签约医生姓名",
    }
    for key, words in expected.items():
        assert words in found.get(key, ""), (key, found.get(key))
    assert "应为户中任一成员的 18 位身份证号" in found[(4, "身份证号")]
    assert len(found) == len(expected)
    assert (result["error"], result["new"], result["batch"], result["applied"]) == (13, 0, None, False)
    assert not ContractBatch.objects.exists()  # refused with --apply: nothing written, not even the batch


def test_an_overlap_with_any_earlier_contract_is_found(clerk_a, village_a, poor_household, media):
    # given a contract and its renewal, with the same doctor at the same clinic
    household = poor_household(village_a)
    first = sign(clerk_a, household, D(2025, 1, 1), D(2025, 12, 31))
    services.contract_renew(user=clerk_a, contract=first, signed_on=D(2025, 12, 1), ends_on=D(2026, 12, 31))
    # when the list has a contract over the first one's last months
    content = xlsx(row(head_id(household), signed="2025-06-01", starts="2025-06-01", ends="2025-09-30"))
    result = contract_list_import(user=clerk_a, file_name="名单.xlsx", content=content, apply=False)
    # then
    [error] = result["errors"]
    assert (error["row"], error["column"]) == (4, "生效日期")
    assert "该户在 2025-01-01 至 2025-12-31 已有签约（冉医生，龙潭镇卫生院）" in error["message"]


def test_a_batch_with_errors_is_never_applied_and_may_be_discarded(clerk_a, households, media):
    # given
    content = xlsx(row(head_id(households["fresh"])), row(make_id_number()))
    batch = contract_batch_upload(user=clerk_a, file_name="名单.xlsx", content=content)
    assert outcomes(batch) == [(4, "new"), (5, "error")]
    # when / then
    with pytest.raises(ValidationError, match="有 1 处错误，整份名单不能导入") as refusal:
        contract_batch_apply(user=clerk_a, batch=batch)
    assert "第 5 行“身份证号”列：身份证号" in refusal.value.messages[0]
    assert not DoctorContract.objects.filter(batch=batch).exists()
    contract_batch_discard(user=clerk_a, batch=batch)
    batch.refresh_from_db()
    assert batch.status == "discarded"
    with pytest.raises(ValidationError, match="当前状态为“已放弃”"):
        contract_batch_apply(user=clerk_a, batch=batch)
    assert [record.status for record in batch.history.order_by("history_date")] == ["previewed", "discarded"]


def test_apply_writes_every_contract_with_its_history_and_only_once(clerk_a, households, good_list, media):
    # given
    batch = contract_batch_upload(user=clerk_a, file_name="签约名单.xlsx", content=good_list)
    # when
    batch = contract_batch_apply(user=clerk_a, batch=batch)
    # then
    assert (batch.status, batch.applied_by) == ("applied", clerk_a)
    written = DoctorContract.objects.filter(batch=batch).select_related("household", "renews")
    assert sorted((c.household.number, c.starts_on, c.ends_on) for c in written) == sorted([
        (households["fresh"].number, D(2026, 1, 5), D(2027, 1, 4)),
        (households["day_after"].number, D(2026, 1, 1), D(2026, 12, 31)),
        (households["same_team"].number, D(2026, 4, 1), D(2027, 3, 31)),
        (households["other_team"].number, D(2026, 3, 1), D(2027, 2, 28)),
    ])
    renewal = written.get(household=households["day_after"])
    assert (renewal.renews.doctor, renewal.team, renewal.recorded_by) == ("田医生", "另一团队", clerk_a)
    history = DoctorContract.history.filter(id__in=[c.pk for c in written])
    assert history.count() == 4
    assert {(h.history_type, h.history_user_id, h.history_change_reason) for h in history} == {
        ("+", clerk_a.pk, f"家庭医生签约名单 #{batch.pk}")}
    with pytest.raises(ValidationError, match="当前状态为“已导入”，只有待确认的名单可以导入"):
        contract_batch_apply(user=clerk_a, batch=batch)
    assert DoctorContract.objects.filter(batch=batch).count() == 4
    # the same list again: every row is already there
    again = contract_batch_upload(user=clerk_a, file_name="签约名单.xlsx", content=good_list)
    assert again.summary == {"rows": 5, "new": 0, "renewal": 0, "unchanged": 5, "error": 0}


def test_apply_compares_again_and_writes_nothing_when_a_row_no_longer_fits(clerk_a, households, good_list, media):
    # given a preview without errors
    batch = contract_batch_upload(user=clerk_a, file_name="签约名单.xlsx", content=good_list)
    assert batch.summary["error"] == 0
    before = sorted(DoctorContract.objects.values_list("pk", flat=True))
    # when a clerk signs one of its households in the window meanwhile
    sign(clerk_a, households["other_team"], D(2026, 2, 1), D(2027, 1, 31), doctor="窗口医生")
    # then
    with pytest.raises(ValidationError, match="第 8 行“生效日期”列：该户在 2026-02-01 至 2027-01-31 已有签约"):
        contract_batch_apply(user=clerk_a, batch=batch)
    assert DoctorContract.objects.count() == len(before) + 1  # only the window's
    batch.refresh_from_db()
    assert (batch.status, DoctorContract.objects.filter(batch=batch).exists()) == ("previewed", False)


def test_the_report_lists_every_row_with_its_outcome(client, clerk_a, households, good_list, media):
    # given
    batch = contract_batch_upload(user=clerk_a, file_name="签约名单.xlsx", content=good_list)
    client.force_login(clerk_a)
    # when
    response = client.get(reverse("health:batch_report", args=[batch.pk]))
    # then
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["汇总", "逐行结果"]
    header, *lines = book["逐行结果"].iter_rows(values_only=True)
    assert header[:3] == ("行号", "身份证号", "户编号") and header[-2:] == ("结果", "说明")
    assert [(line[0], line[-2]) for line in lines] == [
        (4, "新签约"), (5, "续签"), (6, "续签"), (7, "已有相同签约"), (8, "新签约")]
    fresh_id = head_id(households["fresh"])
    assert lines[0][1] == fresh_id[:4] + "**********" + fresh_id[-4:]  # a clerk sees IDs masked
    assert lines[0][2] == households["fresh"].number
    summary = {label: value for label, value, *_ in book["汇总"].iter_rows(values_only=True) if label}
    assert (summary["名单行数"], summary["新签约"], summary["续签"], summary["已有相同签约"]) == (5, 2, 2, 1)
    assert AccessLog.objects.filter(user=clerk_a, object_id=f"contract-batch-{batch.pk}", rows=5).exists()


def test_the_pages_upload_preview_apply_within_the_area(client, clerk_a, clerk_b, county_admin, viewer, households,
                                                        good_list, media):
    # given a clerk of township A uploading in the browser
    client.force_login(clerk_a)
    upload = io.BytesIO(good_list)
    upload.name = "签约名单.xlsx"
    response = client.post(reverse("health:batch_upload"), {"file": upload})
    batch = ContractBatch.objects.get()
    assert response.url == reverse("health:batch", args=[batch.pk])
    page = client.get(response.url).content.decode()
    assert "确认导入" in page and "放弃本批次" in page
    assert client.get(reverse("health:batches")).content.decode().count(f"#{batch.pk}") == 1
    # then a clerk of township B sees nothing of it and cannot apply it
    client.force_login(clerk_b)
    assert client.get(reverse("health:batch", args=[batch.pk])).status_code == 404
    assert client.post(reverse("health:batch_apply", args=[batch.pk])).status_code == 404
    with pytest.raises(ValidationError, match=f"签约名单 #{batch.pk} 不在您的管辖区域内"):
        contract_batch_apply(user=clerk_b, batch=batch)
    # an official reads it but may not upload or apply
    client.force_login(viewer)
    assert "确认导入" not in client.get(reverse("health:batch", args=[batch.pk])).content.decode()
    assert client.get(reverse("health:batch_upload")).status_code == 403
    assert client.post(reverse("health:batch_apply", args=[batch.pk])).status_code == 403
    # the county's administrator applies it
    client.force_login(county_admin)
    response = client.post(reverse("health:batch_apply", args=[batch.pk]), follow=True)
    assert "已导入：新签约 2 户，续签 2 户，已有相同签约跳过 1 户" in response.content.decode()
    assert DoctorContract.objects.filter(batch=batch).count() == 4


def test_the_command_prints_the_summary_and_exits_by_the_rows(tmp_path, clerk_a, viewer, households, good_list,
                                                            media):
    # given
    good, bad = tmp_path / "good.xlsx", tmp_path / "bad.xlsx"
    good.write_bytes(good_list)
    bad.write_bytes(xlsx(row(head_id(households["fresh"])), row(make_id_number())))
    # a preview: exit 0, nothing written
    out = io.StringIO()
    call_command("contract_import", str(good), "--user", "clerk_a", "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert {key: result[key] for key in ("rows", "new", "renewal", "unchanged", "error", "errors", "batch")} == {
        "rows": 5, "new": 2, "renewal": 2, "unchanged": 1, "error": 0, "errors": [], "batch": None}
    assert not ContractBatch.objects.exists()
    # errors in the file: exit 2, the JSON still printed, each error named
    out = io.StringIO()
    with pytest.raises(CommandError, match="第 5 行“身份证号”列") as refused:
        call_command("contract_import", str(bad), "--apply", "--user", "clerk_a", "--json", stdout=out)
    assert refused.value.returncode == 2
    assert [(e["row"], e["column"]) for e in json.loads(out.getvalue())["errors"]] == [(5, "身份证号")]
    assert not ContractBatch.objects.exists()
    # usage: a file that is not there, an unknown user
    with pytest.raises(CommandError, match="无法读取文件") as missing:
        call_command("contract_import", str(tmp_path / "none.xlsx"), "--user", "clerk_a")
    assert missing.value.returncode == 2
    with pytest.raises(CommandError, match="用户“nobody”不存在"):
        call_command("contract_import", str(good), "--user", "nobody")
    with pytest.raises(CommandError, match="（查询）不能导入家庭医生签约名单") as official:
        call_command("contract_import", str(good), "--apply", "--user", "viewer")
    assert official.value.returncode == 2
    # applied
    out = io.StringIO()
    call_command("contract_import", str(good), "--apply", "--user", "clerk_a", "--json", stdout=out)
    result = json.loads(out.getvalue())
    batch = ContractBatch.objects.get()
    assert (result["batch"], result["applied"], result["new"], batch.status) == (batch.pk, True, 2, "applied")
    assert DoctorContract.objects.filter(batch=batch).count() == 4


def test_reading_and_applying_take_the_same_statements_for_a_longer_list(clerk_a, village_a, poor_household, media):
    def statements(size: int) -> tuple[int, int]:
        content = xlsx(*(row(head_id(poor_household(village_a, [f"户{size}-{n}"]))) for n in range(size)))
        with CaptureQueriesContext(connection) as reading:
            batch = contract_batch_upload(user=clerk_a, file_name="名单.xlsx", content=content)
        with CaptureQueriesContext(connection) as applying:
            contract_batch_apply(user=clerk_a, batch=batch)
        assert DoctorContract.objects.filter(batch=batch).count() == size
        return len(reading), len(applying)

    statements(1)  # the user's permissions are read once, then cached
    assert statements(3) == statements(30)


def test_the_templates_example_row_is_a_new_contract(county_admin, village_a, make_person, media):
    person = make_person(village_a, name="冉户主")
    Beneficiary.objects.filter(pk=person.pk).update(id_number=EXAMPLE_HEAD_ID)
    Household.objects.create(number="Y10000001", village=village_a, head=person)
    Beneficiary.objects.filter(pk=person.pk).update(household=Household.objects.get())
    result = contract_list_import(user=county_admin, file_name="模板.xlsx",
                                  content=TEMPLATES["contracts"].workbook().getvalue(), apply=True)
    assert (result["errors"], result["new"], result["applied"]) == ([], 1, True)
    assert DoctorContract.objects.get().doctor == "冉医生"


def roster(*people) -> bytes:
    """A poverty-office list (脱贫户) naming each person's village and head of household."""
    return xlsx(*people, header=["序号", "姓名", "身份证号", "人员类别", "行政区划代码", "户主身份证号", "与户主关系"])


def test_the_coverage_of_a_county_built_through_the_imports(county_admin, village_a, village_b, media):
    # given households created by the poverty office's roster of January 2026: three in township A, two in B
    heads = {name: make_id_number(D(1970, 1, 1)) for name in ("A1", "A2", "A3", "B1", "B2")}
    members = {name: make_id_number(D(2000, 1, 1)) for name in heads}
    people = []
    for name, head in heads.items():
        village = (village_a if name.startswith("A") else village_b).code
        people.append([f"户主{name}", head, "脱贫户", village, head, "本人"])
        people.append([f"子女{name}", members[name], "脱贫户", village, head, "子"])
    request = roster_services.roster_request(user=county_admin, source="poverty_office", month="2026-01")
    roster_services.roster_apply(user=county_admin, request=request, file_name="脱贫户.xlsx", content=roster(*people))
    assert Household.objects.count() == 5
    # when the health commission's list contracts A1 and A2 (one by a child's ID) and B1
    contracts = xlsx(row(heads["A1"], signed="2026-02-01"), row(members["A2"], signed="2026-03-01"),
                     row(heads["B1"], team="麻旺镇卫生院团队", clinic="麻旺镇卫生院", signed="2026-02-15"))
    result = contract_list_import(user=county_admin, file_name="签约.xlsx", content=contracts, apply=True)
    assert (result["new"], result["applied"]) == (3, True)
    # then 签约率 by township
    figures = coverage(county_admin, area_code="500242", day=D(2026, 6, 1))
    rates = {row.code: (row.contracted, row.households, row.rate("contracts")) for row in figures.townships}
    assert rates == {"500242100": (2, 3, Decimal("0.6667")), "500242101": (1, 2, Decimal("0.5000"))}
    assert figures.total.rate("contracts") == Decimal("0.6000")
    # before the contracts start, and after they expire, none is counted
    assert coverage(county_admin, area_code="500242", day=D(2026, 1, 31)).total.contracted == 0
    assert coverage(county_admin, area_code="500242", day=D(2027, 3, 1)).total.contracted == 0
