"""The participation and labour list (产业参与名单): each row classified in the preview, refused with its row and
column, applied all or nothing with history, reported, limited to the uploader's area, and the "no project yet"
figures of a county built through the imports."""

import datetime
import io
import json

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AccessLog
from beneficiaries.models import Beneficiary
from config.import_templates import EXAMPLE_ID, TEMPLATES
from projects import services
from projects.models import Participation, ParticipationBatch
from projects.participation_import import (
    participation_batch_apply,
    participation_batch_discard,
    participation_batch_upload,
    participation_list_import,
)
from projects.selectors import no_project, participation_table
from rosters import services as roster_services
from tests.conftest import make_id_number

D = datetime.date
HEADER = ["序号", "身份证号", "姓名", "劳动能力", "项目编号", "参与方式", "参与日期"]


def row(person=None, *, id_number="", name="", capacity="", project="", role=None, starts=None):
    """A row naming ``person`` (or ``id_number`` and ``name`` as written); a project row is 务工 from 1 March unless
    told otherwise."""
    if project:
        role, starts = "务工" if role is None else role, "2026-03-01" if starts is None else starts
    return [id_number or person.id_number, name or person.name, capacity, project, role or "", starts or ""]


def xlsx(*rows, header=HEADER) -> bytes:
    """A list as a township sends one: a title, a blank row, the header, numbered rows (IDs as text)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["2026年产业扶贫项目参与名单"])
    sheet.append([])
    sheet.append(header)
    for number, values in enumerate(rows, start=1):
        sheet.append([number, *values])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def outcomes(batch) -> list[tuple[int, list[str]]]:
    return [(line["row"], line["outcomes"]) for line in batch.rows]


def capacities(*people) -> list[str]:
    return [Beneficiary.objects.get(pk=person.pk).labour_capacity for person in people]


@pytest.fixture
def library(county_admin, village_a, township_a, village_b, make_project):
    """Township A's bee farm (实施) and its reserve project (储备); township B's workshop (实施)."""
    return {
        "bees": make_project(county_admin, village_a, code="LT001", name="中蜂养殖"),
        "reserve": make_project(county_admin, township_a, code="LT002", name="茶叶基地", status="reserve"),
        "workshop": make_project(county_admin, village_b, code="MW001", name="扶贫车间", kind="workshop"),
    }


@pytest.fixture
def people(village_a, poor_person, library, clerk_a):
    """Five poor people of township A: one weak, one able, one not yet recorded, one already in the bee farm."""
    found = {
        "weak": poor_person(village_a, "田弱", capacity="weak"),
        "able": poor_person(village_a, "田强", capacity="able"),
        "unrecorded": poor_person(village_a, "田未", capacity=""),
        "member": poor_person(village_a, "田员"),
        "fresh": poor_person(village_a, "田新"),
    }
    services.participation_start(user=clerk_a, project=library["bees"], person=found["member"], role="shareholder",
                                 starts_on=D(2026, 2, 1))
    return found


@pytest.fixture
def good_list(people):
    p = people
    return xlsx(
        row(p["weak"], capacity="有劳动能力", project="LT001"),  # row 4: both parts
        row(p["able"], capacity="普通劳动力"),  # the registry's word for 有劳动能力, as recorded
        row(p["unrecorded"], capacity="弱劳动力或半劳动力"),
        row(p["member"], project="LT001", role="入股分红", starts="2026-02-01"),  # already in it
        row(p["fresh"], project="LT001", role="种养户", starts="2026-01-20"),
    )


def test_the_preview_classifies_every_row_and_writes_only_the_batch(clerk_a, people, good_list, media):
    # given
    before = (Participation.objects.count(), Beneficiary.history.count())
    # when
    batch = participation_batch_upload(user=clerk_a, file_name="参与名单.xlsx", content=good_list)
    # then
    assert outcomes(batch) == [(4, ["new", "capacity_changed"]), (5, ["capacity_same"]), (6, ["capacity_changed"]),
                               (7, ["already"]), (8, ["new"])]
    assert batch.summary == {"rows": 5, "new": 2, "already": 1, "capacity_changed": 2, "capacity_same": 1, "error": 0}
    assert (batch.status, batch.area_id, batch.created_by) == ("previewed", "500242100", clerk_a)
    both, same, unrecorded, member, _fresh = batch.rows
    assert both["outcome_text"] == "新参与、劳动能力变更"
    assert both["message"] == "劳动能力由“弱劳动能力”改为“有劳动能力”。"
    assert same["message"] == "劳动能力已是“有劳动能力”，跳过。"
    assert unrecorded["message"] == "劳动能力由“未登记”改为“弱劳动能力”。"
    assert member["message"] == "已于 2026-02-01 以“入股分红”参与项目 LT001，跳过。"
    assert (both["project_name"], both["person_id"]) == ("中蜂养殖", people["weak"].pk)
    assert (Participation.objects.count(), Beneficiary.history.count()) == before
    assert capacities(people["weak"], people["unrecorded"]) == ["weak", ""]
    assert batch.file.read() == good_list


@pytest.fixture
def bad_list(people, library, village_a, village_b, poor_person):
    """Every kind of bad row, each after a good one so that nothing is refused for want of a first row."""
    p = people
    tomorrow = (datetime.date.today() + datetime.timedelta(days=1)).isoformat()
    elsewhere = poor_person(village_b, "外乡人")
    dead = poor_person(village_a, "田故")
    Beneficiary.objects.filter(pk=dead.pk).update(status="deceased", status_date=D(2026, 2, 1))
    bad_check = p["fresh"].id_number[:17] + ("0" if p["fresh"].id_number[17] != "0" else "1")
    return xlsx(
        row(p["fresh"], capacity="有劳动能力"),  # 4 good
        row(id_number=make_id_number(), name="无名", capacity="有劳动能力"),  # 5 nobody has it
        row(p["weak"], name="田弱弱", capacity="有劳动能力"),  # 6 not the registry's name
        row(p["able"], project="LT999"),  # 7 not in the library
        row(p["able"], project="LT002"),  # 8 in reserve
        row(elsewhere, capacity="有劳动能力"),  # 9 another township's person
        row(p["unrecorded"], project="LT001", role="打工"),  # 10 not a role
        row(p["unrecorded"], capacity="很强"),  # 11 not a capacity
        row(p["weak"], project="LT001", role="务工", starts=""),  # 12 no date
        row(p["fresh"], project="LT001"),  # 13 good
        row(p["fresh"], project="LT001", role="入股"),  # 14 the pair of row 13 again
        row(p["able"], project="LT001", starts=tomorrow),  # 15 a future date
        row(id_number=bad_check, name="田新", capacity="有劳动能力"),  # 16 a bad check digit
        row(dead, capacity="无劳动能力"),  # 17 dead
        row(p["able"]),  # 18 neither capacity nor project
        row(p["able"], project="MW001"),  # 19 township B's project
        row(p["able"], role="务工"),  # 20 a role without a project
        row(p["fresh"], capacity="弱劳动能力"),  # 21 not what row 4 says of the same person
        row(p["member"], project="LT001", starts="2026-02-30"),  # 22 no such day
    ), tomorrow, elsewhere


def test_each_error_names_its_row_its_column_and_what_was_expected(clerk_a, bad_list, media):
    # given
    content, tomorrow, elsewhere = bad_list
    participations, history = Participation.objects.count(), Beneficiary.history.count()
    # when
    result = participation_list_import(user=clerk_a, file_name="名单.xlsx", content=content, apply=True)
    # then
    found = {(error["row"], error["column"]): error["message"] for error in result["errors"]}
    expected = {
        (5, "身份证号"): "不在登记册中，应为已登记人员的身份证号",
        (6, "姓名"): "“田弱弱”与登记的姓名“田弱”不符，应为身份证号",
        (7, "项目编号"): "项目编号“LT999”不在项目库中，应为已入库项目的编号",
        (8, "项目编号"): "项目处于“储备”状态，不能登记参与",
        (9, "身份证号"): f"（村代码 {elsewhere.village_id}）不在您的管辖区域内，只能导入本区域的人员",
        (10, "参与方式"): "“打工”不是参与方式，应为务工就业、种养户（自主发展）",
        (11, "劳动能力"): "“很强”不是劳动能力，应为有劳动能力、弱劳动能力或无劳动能力",
        (12, "参与日期"): "填写了项目编号时不能为空，应为参与日期（年-月-日）",
        (14, "项目编号"): "与第 13 行是同一人同一项目（LT001），一份名单每人每个项目只应有一行",
        (15, "参与日期"): f"参与日期 {tomorrow} 晚于今天",
        (16, "身份证号"): "校验位错误",
        (17, "身份证号"): "（田故）状态为“死亡”，只能登记在册人员",
        (18, "劳动能力"): "劳动能力和项目编号不能都为空，应至少填写其中一项",
        (19, "项目编号"): "项目 MW001（实施地点代码 500242101201）不在您的管辖区域内",
        (20, "参与方式"): "“务工”：未填项目编号时本列应为空",
        (20, "劳动能力"): "劳动能力和项目编号不能都为空",
        (21, "劳动能力"): "与第 4 行是同一人，劳动能力却不同（“有劳动能力”与“弱劳动能力”）",
        (22, "参与日期"): "“2026-02-30”不是有效日期，应为年-月-日",
    }
    for key, words in expected.items():
        assert words in found.get(key, ""), (key, found.get(key))
    assert len(found) == len(expected)
    assert "外乡人" not in found[(9, "身份证号")]  # nothing of a person outside the area is told
    assert (result["error"], result["rows"], result["batch"], result["applied"]) == (17, 19, None, False)
    # refused with --apply: nothing written, not even the batch
    assert not ParticipationBatch.objects.exists()
    assert (Participation.objects.count(), Beneficiary.history.count()) == (participations, history)


def test_a_person_takes_part_only_in_their_own_townships_project(county_admin, people, library, media):
    content = xlsx(row(people["fresh"], project="MW001"))
    [error] = participation_list_import(user=county_admin, file_name="名单.xlsx", content=content,
                                        apply=False)["errors"]
    assert (error["row"], error["column"]) == (4, "项目编号")
    assert "参与人不住在项目所在乡镇（青龙村）" in error["message"]


def test_a_batch_with_errors_is_never_applied_and_writes_nothing(clerk_a, people, bad_list, media):
    # given
    content, _tomorrow, _elsewhere = bad_list
    batch = participation_batch_upload(user=clerk_a, file_name="名单.xlsx", content=content)
    assert batch.summary["error"] == 17
    everyone = list(Beneficiary.objects.all())
    before = (Participation.objects.count(), Participation.history.count(), Beneficiary.history.count(),
              capacities(*everyone))
    # when / then
    with pytest.raises(ValidationError, match="有 18 处错误，整份名单不能导入") as refusal:
        participation_batch_apply(user=clerk_a, batch=batch)
    assert "第 5 行“身份证号”列：身份证号" in refusal.value.messages[0]
    assert (Participation.objects.count(), Participation.history.count(), Beneficiary.history.count(),
            capacities(*everyone)) == before
    batch.refresh_from_db()
    assert batch.status == "previewed"
    participation_batch_discard(user=clerk_a, batch=batch)
    batch.refresh_from_db()
    assert batch.status == "discarded"
    with pytest.raises(ValidationError, match="当前状态为“已放弃”"):
        participation_batch_apply(user=clerk_a, batch=batch)
    assert [record.status for record in batch.history.order_by("history_date")] == ["previewed", "discarded"]


def test_apply_writes_exactly_what_the_list_says_with_history_and_only_once(clerk_a, people, library, good_list,
                                                                           media):
    # given
    p = people
    batch = participation_batch_upload(user=clerk_a, file_name="参与名单.xlsx", content=good_list)
    history_before = Beneficiary.history.count()
    # when
    batch = participation_batch_apply(user=clerk_a, batch=batch)
    # then
    assert (batch.status, batch.applied_by) == ("applied", clerk_a)
    written = Participation.objects.filter(batch=batch)
    assert sorted((w.person_id, w.project_id, w.role, w.starts_on, w.ends_on, w.recorded_by_id) for w in written) == \
        sorted([(p["weak"].pk, library["bees"].pk, "worker", D(2026, 3, 1), None, clerk_a.pk),
                (p["fresh"].pk, library["bees"].pk, "grower", D(2026, 1, 20), None, clerk_a.pk)])
    history = Participation.history.filter(id__in=[w.pk for w in written])
    assert {(h.history_type, h.history_user_id, h.history_change_reason, h.batch_id) for h in history} == {
        ("+", clerk_a.pk, f"产业参与名单 #{batch.pk}", batch.pk)}
    assert history.count() == 2
    assert capacities(p["weak"], p["able"], p["unrecorded"], p["member"]) == ["able", "able", "weak", "able"]
    changed = Beneficiary.history.filter(history_change_reason=f"产业参与名单 #{batch.pk}")
    assert sorted((h.id, h.labour_capacity, h.history_type, h.history_user_id) for h in changed) == sorted([
        (p["weak"].pk, "able", "~", clerk_a.pk), (p["unrecorded"].pk, "weak", "~", clerk_a.pk)])
    assert Beneficiary.history.count() == history_before + 2
    # applying twice changes nothing the second time
    with pytest.raises(ValidationError, match="当前状态为“已导入”，只有待确认的名单可以导入"):
        participation_batch_apply(user=clerk_a, batch=batch)
    state = (Participation.objects.count(), Participation.history.count(), Beneficiary.history.count())
    again = participation_batch_upload(user=clerk_a, file_name="参与名单.xlsx", content=good_list)
    assert again.summary == {"rows": 5, "new": 0, "already": 3, "capacity_changed": 0, "capacity_same": 3,
                             "error": 0}
    participation_batch_apply(user=clerk_a, batch=again)
    assert (Participation.objects.count(), Participation.history.count(), Beneficiary.history.count()) == state


def test_apply_compares_again_and_writes_nothing_when_a_row_no_longer_fits(clerk_a, people, good_list, media):
    # given a preview without errors
    batch = participation_batch_upload(user=clerk_a, file_name="参与名单.xlsx", content=good_list)
    assert batch.summary["error"] == 0
    before = (Participation.objects.count(), Beneficiary.history.count())
    # when one of its people dies meanwhile
    Beneficiary.objects.filter(pk=people["fresh"].pk).update(status="deceased", status_date=D(2026, 4, 1))
    # then
    with pytest.raises(ValidationError, match="第 8 行“身份证号”列：.*状态为“死亡”"):
        participation_batch_apply(user=clerk_a, batch=batch)
    assert (Participation.objects.count(), Beneficiary.history.count()) == before
    assert capacities(people["weak"]) == ["weak"]
    batch.refresh_from_db()
    assert (batch.status, Participation.objects.filter(batch=batch).exists()) == ("previewed", False)


def test_the_report_lists_every_row_with_its_outcomes(client, clerk_a, people, good_list, media):
    # given
    batch = participation_batch_upload(user=clerk_a, file_name="参与名单.xlsx", content=good_list)
    client.force_login(clerk_a)
    # when
    response = client.get(reverse("participation_lists:batch_report", args=[batch.pk]))
    # then
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["汇总", "逐行结果"]
    header, *lines = book["逐行结果"].iter_rows(values_only=True)
    assert header == ("行号", "身份证号", "姓名", "劳动能力", "项目编号", "项目名称", "参与方式", "参与日期", "结果", "说明")
    assert [(line[0], line[-2]) for line in lines] == [
        (4, "新参与、劳动能力变更"), (5, "劳动能力相同"), (6, "劳动能力变更"), (7, "已在项目中"), (8, "新参与")]
    weak_id = people["weak"].id_number
    assert lines[0][1:8] == (weak_id[:4] + "**********" + weak_id[-4:], "田弱", "有劳动能力", "LT001", "中蜂养殖",
                             "务工", "2026-03-01")
    summary = {label: value for label, value, *_ in book["汇总"].iter_rows(values_only=True) if label}
    assert (summary["名单行数"], summary["新参与"], summary["已在项目中"], summary["劳动能力变更"],
            summary["劳动能力相同"], summary["错误"]) == (5, 2, 1, 2, 1, 0)
    assert AccessLog.objects.filter(user=clerk_a, object_id=f"participation-batch-{batch.pk}", rows=5).exists()


def test_the_pages_upload_preview_apply_within_the_area(client, clerk_a, clerk_b, county_admin, viewer, people,
                                                        good_list, media):
    # given a clerk of township A uploading in the browser
    client.force_login(clerk_a)
    upload = io.BytesIO(good_list)
    upload.name = "参与名单.xlsx"
    assert reverse("import_template", args=["participation"]) in client.get(
        reverse("participation_lists:batch_upload")).content.decode()
    response = client.post(reverse("participation_lists:batch_upload"), {"file": upload})
    batch = ParticipationBatch.objects.get()
    assert response.url == reverse("participation_lists:batch", args=[batch.pk])
    page = client.get(response.url).content.decode()
    assert "确认导入" in page and "放弃本批次" in page
    assert "新参与 2 人次，已在项目中跳过 1 人次，劳动能力变更 2 人，劳动能力相同跳过 1 人" in page
    errors_tab = client.get(response.url, {"outcome": "capacity_changed"}).content.decode()
    assert "劳动能力由“未登记”改为“弱劳动能力”" in errors_tab and "田新" not in errors_tab
    assert client.get(reverse("participation_lists:batches")).content.decode().count(f"#{batch.pk}") == 1
    # then a clerk of township B sees nothing of it and cannot apply it
    client.force_login(clerk_b)
    assert f"#{batch.pk}" not in client.get(reverse("participation_lists:batches")).content.decode()
    assert client.get(reverse("participation_lists:batch", args=[batch.pk])).status_code == 404
    assert client.post(reverse("participation_lists:batch_apply", args=[batch.pk])).status_code == 404
    with pytest.raises(ValidationError, match=f"参与名单 #{batch.pk} 不在您的管辖区域内"):
        participation_batch_apply(user=clerk_b, batch=batch)
    # an official reads it but may not upload or apply
    client.force_login(viewer)
    assert "确认导入" not in client.get(reverse("participation_lists:batch", args=[batch.pk])).content.decode()
    assert client.get(reverse("participation_lists:batch_upload")).status_code == 403
    assert client.post(reverse("participation_lists:batch_apply", args=[batch.pk])).status_code == 403
    with pytest.raises(ValidationError, match="（查询）不能导入产业参与名单"):
        participation_batch_apply(user=viewer, batch=batch)
    # the county's administrator applies it
    client.force_login(county_admin)
    response = client.post(reverse("participation_lists:batch_apply", args=[batch.pk]), follow=True)
    assert "已导入：新参与 2 人次" in response.content.decode()
    assert Participation.objects.filter(batch=batch).count() == 2


def test_the_command_prints_the_summary_and_exits_by_the_rows(tmp_path, clerk_a, viewer, people, good_list, media):
    # given
    good, bad = tmp_path / "good.xlsx", tmp_path / "bad.xlsx"
    good.write_bytes(good_list)
    bad.write_bytes(xlsx(row(people["fresh"], capacity="有劳动能力"), row(id_number=make_id_number(), name="无名",
                                                                      capacity="有劳动能力")))
    # a preview: exit 0, nothing written
    out = io.StringIO()
    call_command("participation_import", str(good), "--user", "clerk_a", "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert {key: result[key] for key in ("rows", "new", "already", "capacity_changed", "capacity_same", "error",
                                         "errors", "batch", "applied")} == {
        "rows": 5, "new": 2, "already": 1, "capacity_changed": 2, "capacity_same": 1, "error": 0, "errors": [],
        "batch": None, "applied": False}
    assert not ParticipationBatch.objects.exists()
    err = io.StringIO()
    call_command("participation_import", str(good), "--user", "clerk_a", stderr=err)
    assert "预览（未写入；加 --apply 确认导入）：共 5 行，新参与 2 人次" in err.getvalue()
    # errors in the file: exit 2, the JSON still printed, each error named
    out = io.StringIO()
    with pytest.raises(CommandError, match="第 5 行“身份证号”列") as refused:
        call_command("participation_import", str(bad), "--apply", "--user", "clerk_a", "--json", stdout=out)
    assert refused.value.returncode == 2
    assert [(e["row"], e["column"]) for e in json.loads(out.getvalue())["errors"]] == [(5, "身份证号")]
    assert not ParticipationBatch.objects.exists()
    assert capacities(people["fresh"]) == ["able"]
    # usage: a file that is not there, an unknown user, an official
    with pytest.raises(CommandError, match="无法读取文件") as missing:
        call_command("participation_import", str(tmp_path / "none.xlsx"), "--user", "clerk_a")
    assert missing.value.returncode == 2
    with pytest.raises(CommandError, match="用户“nobody”不存在"):
        call_command("participation_import", str(good), "--user", "nobody")
    with pytest.raises(CommandError, match="（查询）不能导入产业参与名单") as official:
        call_command("participation_import", str(good), "--apply", "--user", "viewer")
    assert official.value.returncode == 2
    # a file with neither a capacity nor a project column
    useless = tmp_path / "useless.xlsx"
    useless.write_bytes(xlsx(row(people["fresh"])[:2], header=HEADER[:3]))
    with pytest.raises(CommandError, match="既没有“劳动能力”列也没有“项目编号”列") as unusable:
        call_command("participation_import", str(useless), "--user", "clerk_a")
    assert unusable.value.returncode == 2
    # applied
    out = io.StringIO()
    call_command("participation_import", str(good), "--apply", "--user", "clerk_a", "--json", stdout=out)
    result = json.loads(out.getvalue())
    batch = ParticipationBatch.objects.get()
    assert (result["batch"], result["applied"], result["new"], batch.status) == (batch.pk, True, 2, "applied")
    assert Participation.objects.filter(batch=batch).count() == 2


def test_reading_and_applying_take_the_same_statements_for_a_longer_list(clerk_a, village_a, poor_person, library,
                                                                         media):
    def statements(size: int) -> tuple[int, int]:
        people = [poor_person(village_a, f"田{size}-{n}", capacity="") for n in range(size)]
        words = ("有劳动能力", "弱劳动力", "丧失劳动力")  # every capacity, so the update meets all three
        content = xlsx(*(row(person, capacity=words[n % 3], project="LT001") for n, person in enumerate(people)))
        with CaptureQueriesContext(connection) as reading:
            batch = participation_batch_upload(user=clerk_a, file_name="名单.xlsx", content=content)
        with CaptureQueriesContext(connection) as applying:
            participation_batch_apply(user=clerk_a, batch=batch)
        assert Participation.objects.filter(batch=batch).count() == size
        assert sorted(capacities(*people)) == sorted(["able", "weak", "none"][n % 3] for n in range(size))
        return len(reading), len(applying)

    statements(1)  # the user's permissions are read once, then cached
    assert statements(3) == statements(30)


def test_the_templates_example_row_is_a_new_participation(county_admin, village_a, make_project, poor_person,
                                                           media):
    person = poor_person(village_a, "冉小红", capacity="")
    Beneficiary.objects.filter(pk=person.pk).update(id_number=EXAMPLE_ID)
    project = make_project(county_admin, village_a, code="LT2026001")
    result = participation_list_import(user=county_admin, file_name="模板.xlsx",
                                       content=TEMPLATES["participation"].workbook().getvalue(), apply=True)
    assert (result["errors"], result["new"], result["capacity_changed"], result["applied"]) == ([], 1, 1, True)
    assert (Participation.objects.get().project, capacities(person)) == (project, ["able"])


def roster(*people) -> bytes:
    """A poverty-office list (脱贫户) naming each person's village and head of household."""
    return xlsx(*people, header=["序号", "姓名", "身份证号", "人员类别", "行政区划代码", "户主身份证号", "与户主关系"])


def test_no_project_yet_of_a_county_built_through_the_imports(county_admin, village_a, village_b, make_project,
                                                                media):
    # given the poverty office's roster of January 2026: in each of A and B a household of a working-age head, a
    # working-age child and a grandparent past 60; and a child of 10 in A
    names = {f"{place}{who}": make_id_number(birth) for place in "AB"
             for who, birth in (("户主", D(1975, 1, 1)), ("子女", D(2000, 1, 1)), ("老人", D(1950, 1, 1)))}
    names["A幼童"] = make_id_number(D(2016, 1, 1))
    people = []
    for name, number in names.items():
        village = (village_a if name.startswith("A") else village_b).code
        relation = {"户主": "本人", "子女": "子", "老人": "父亲", "幼童": "孙子"}[name[1:]]
        people.append([name, number, "脱贫户", village, names[f"{name[0]}户主"], relation])
    request = roster_services.roster_request(user=county_admin, source="poverty_office", month="2026-01")
    roster_services.roster_apply(user=county_admin, request=request, file_name="脱贫户.xlsx", content=roster(*people))
    assert Beneficiary.objects.count() == 7
    make_project(county_admin, village_a, code="LT001")
    make_project(county_admin, village_b, code="MW001", kind="workshop")

    def person(name):
        return [names[name], name]

    # when the list records every working-age capacity and puts A's head and B's child in projects
    content = xlsx(
        [*person("A户主"), "普通劳动力", "LT001", "务工", "2026-03-01"],
        [*person("A子女"), "半劳动力", "", "", ""],  # weak: counted, and without a project
        [*person("A老人"), "丧失劳动力", "", "", ""],  # past 60: never counted
        [*person("B户主"), "无劳动力", "", "", ""],  # no capacity: not counted
        [*person("B子女"), "技能劳动力", "MW001", "公益岗位", "2026-04-01"],
    )
    result = participation_list_import(user=county_admin, file_name="参与.xlsx", content=content, apply=True)
    assert (result["new"], result["capacity_changed"], result["applied"]) == (2, 5, True)
    # then on 1 June: A has two capable, one in a project; B one, in a project
    table = participation_table(county_admin, area_code="500242", day=D(2026, 6, 1))
    figures = {line.code: {key: line.values[key] for key in ("capable", "joined", "not_joined", "unrecorded")}
               for line in table.rows}
    assert figures == {"500242100": {"capable": 2, "joined": 1, "not_joined": 1, "unrecorded": 0},
                       "500242101": {"capable": 1, "joined": 1, "not_joined": 0, "unrecorded": 0}}
    assert [p.name for p in no_project(county_admin, area_code="500242", day=D(2026, 6, 1))] == ["A子女"]
    # before B's child joined (1 April), B has one capable person without a project
    assert [p.name for p in no_project(county_admin, area_code="500242101", day=D(2026, 3, 15))] == ["B子女"]
    # a township's clerk-level view: A's list only
    assert [p.name for p in no_project(county_admin, area_code="500242100", day=D(2026, 2, 1))] == ["A户主", "A子女"]


def test_a_start_before_the_project_was_approved_is_refused_as_in_the_window(clerk_a, people, media):
    content = xlsx(row(people["fresh"], project="LT001", starts="2026-01-02"))
    result = participation_list_import(user=clerk_a, file_name="名单.xlsx", content=content, apply=True)
    assert [(error["row"], error["column"], error["message"]) for error in result["errors"]] == \
        [(4, "参与日期", "参与日期 2026-01-02 早于项目立项日期 2026-01-05。")]
    assert not Participation.objects.filter(person=people["fresh"]).exists()
