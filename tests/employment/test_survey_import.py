"""The yearly survey list of poor families' children (摸排表): each row classified in the preview (新增 / 更新 / 相同 /
错误), applied all or nothing with its history, reported, limited to the uploader's area, and the coverage of a
county built through the imports."""

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
from employment.models import ChildSurvey, Placement, SurveyBatch
from employment.selectors import township_table
from employment.survey_import import (
    graduation_year,
    survey_batch_apply,
    survey_batch_discard,
    survey_batch_upload,
    survey_list_import,
)
from rosters import services as roster_services
from tests.conftest import make_id_number

D = datetime.date
HEADER = ["序号", "身份证号", "姓名", "毕业（就读）学校", "学历层次", "专业", "毕业年份", "就业意向", "创业愿望", "创业意向",
          "帮扶需求", "摸排日期", "摸排人"]
SCHOOL = "酉阳县职业教育中心"


def line(person, name=None, *, school=SCHOOL, level="中职", major="汽车运用与维修", graduated="2026", intention="县内企业",
         wish="否", plan="", needs="岗位推荐", on="2026-03-15", by="冉帮扶"):
    """A row of the list for ``person`` (a Beneficiary, or an ID number as written)."""
    id_text = person if isinstance(person, str) else person.id_number
    shown = name if name is not None else ("" if isinstance(person, str) else person.name)
    return [id_text, shown, school, level, major, graduated, intention, wish, plan, needs, on, by]


def xlsx(*rows, header=HEADER) -> bytes:
    """A list as a township sends one: a title, a blank row, the header, numbered rows (IDs as text)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["2026年贫困家庭子女摸排表"])
    sheet.append([])
    sheet.append(header)
    for number, values in enumerate(rows, start=1):
        sheet.append([number, *values])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def outcomes(batch: SurveyBatch) -> list[tuple[int, str]]:
    return [(row["row"], row["outcome"]) for row in batch.rows]


@pytest.fixture
def family(make_person):
    """A household of a village with its head and children born in 2008 (or as given)."""
    counter = iter(range(1, 10_000))

    def make(village, *children, birth=D(2008, 5, 1)) -> list[Beneficiary]:
        household = Household.objects.create(number=f"S{village.code}{next(counter):04d}", village=village)
        head = make_person(village, name=f"{children[0]}之父", birth=D(1975, 1, 1), household=household,
                           relation="head")
        household.head = head
        household.save(update_fields=["head"])
        return [make_person(village, name=name, birth=birth, household=household, relation="child")
                for name in children]

    return make


@pytest.fixture
def children(family, village_a):
    """Three children of township A, in two households."""
    first, second = family(village_a, "田小明", "田小芳")
    [third] = family(village_a, "冉小军")
    return {"ming": first, "fang": second, "jun": third}


@pytest.fixture
def good_list(children):
    c = children
    return xlsx(
        line(c["ming"]),  # row 4
        line(c["fang"], level="高职（专科）", major="护理", graduated="2027.06", wish="有", plan="开网店",
             needs="创业贷款", intention=""),  # row 5
        line(c["jun"], school="重庆大学", level="普通高校", major="土木工程", graduated="2025年6月",
             intention="事业单位", on="2026-04-02", by="田干部"),  # row 6
    )


def test_the_preview_classifies_every_row_and_writes_only_the_batch(clerk_a, children, good_list, media):
    # given
    before = ChildSurvey.objects.count()
    # when
    batch = survey_batch_upload(user=clerk_a, file_name="摸排表.xlsx", content=good_list)
    # then
    assert outcomes(batch) == [(4, "new"), (5, "new"), (6, "new")]
    assert batch.summary == {"rows": 3, "new": 3, "updated": 0, "unchanged": 0, "error": 0}
    assert (batch.status, batch.area_id, batch.created_by) == ("previewed", "500242100", clerk_a)
    assert ChildSurvey.objects.count() == before
    fang = batch.rows[1]
    assert (fang["year"], fang["level"], fang["graduation_year"], fang["wants_business"]) == (
        "2026", "高职（专科）", "2027", "是")
    assert fang["person_id"] == children["fang"].pk
    assert batch.file.read() == good_list
    assert batch.history.get().history_user == clerk_a


def test_apply_writes_exactly_the_rows_with_their_history_and_the_same_list_again_is_all_the_same(
        clerk_a, children, good_list, media):
    # given
    batch = survey_batch_upload(user=clerk_a, file_name="摸排表.xlsx", content=good_list)
    # when
    batch = survey_batch_apply(user=clerk_a, batch=batch)
    # then
    assert (batch.status, batch.applied_by) == ("applied", clerk_a)
    written = {s.person.name: s for s in ChildSurvey.objects.filter(batch=batch).select_related("person")}
    assert {name: (s.year, s.school, s.level, s.major, s.graduation_year, s.intention, s.wants_business,
                   s.business_plan, s.needs, s.surveyed_on, s.surveyed_by, s.recorded_by)
            for name, s in written.items()} == {
        "田小明": (2026, SCHOOL, "secondary_vocational", "汽车运用与维修", 2026, "县内企业", False, "", "岗位推荐",
                D(2026, 3, 15), "冉帮扶", clerk_a),
        "田小芳": (2026, SCHOOL, "higher_vocational", "护理", 2027, "", True, "开网店", "创业贷款", D(2026, 3, 15),
                "冉帮扶", clerk_a),
        "冉小军": (2026, "重庆大学", "university", "土木工程", 2025, "事业单位", False, "", "岗位推荐", D(2026, 4, 2),
                "田干部", clerk_a),
    }
    history = ChildSurvey.history.all()
    assert history.count() == 3
    assert {(h.history_type, h.history_user_id, h.history_change_reason, h.batch_id) for h in history} == {
        ("+", clerk_a.pk, f"贫困家庭子女摸排表 #{batch.pk}", batch.pk)}
    with pytest.raises(ValidationError, match="当前状态为“已导入”，只有待确认的摸排表可以导入"):
        survey_batch_apply(user=clerk_a, batch=batch)
    # the same list again: every row is there already, and applying it writes nothing
    again = survey_batch_upload(user=clerk_a, file_name="摸排表.xlsx", content=good_list)
    assert again.summary == {"rows": 3, "new": 0, "updated": 0, "unchanged": 3, "error": 0}
    assert again.rows[0]["message"] == "2026 年已有相同的摸排记录，跳过。"
    survey_batch_apply(user=clerk_a, batch=again)
    assert (ChildSurvey.objects.count(), ChildSurvey.history.count()) == (3, 3)
    assert ChildSurvey.objects.filter(batch=batch).count() == 3


def test_a_changed_list_updates_the_years_record_and_the_history_keeps_the_old_value(clerk_a, children, good_list,
                                                                                      media):
    # given the list applied, then corrected for one child and extended to 2027's survey of another year
    first = survey_batch_apply(user=clerk_a, batch=survey_batch_upload(user=clerk_a, file_name="a.xlsx",
                                                                      content=good_list))
    c = children
    changed = xlsx(
        line(c["ming"], level="技校", major="数控技术"),  # 4: level and major changed
        line(c["fang"], level="高职（专科）", major="护理", graduated="2027.06", wish="有", plan="开网店",
             needs="创业贷款", intention=""),  # 5: the same
    )
    # when
    batch = survey_batch_upload(user=clerk_a, file_name="b.xlsx", content=changed)
    # then
    assert outcomes(batch) == [(4, "updated"), (5, "unchanged")]
    ming = batch.rows[0]
    assert ming["changes"] == ["专业"]  # 技校 is 中职, as before
    assert ming["message"] == "更新 2026 年的摸排记录：专业由“汽车运用与维修”改为“数控技术”。"
    changed = xlsx(line(c["ming"], level="大专", major="数控技术", graduated="2027"))
    batch = survey_batch_upload(user=clerk_a, file_name="c.xlsx", content=changed)
    assert batch.rows[0]["changes"] == ["学历层次", "专业", "毕业年份"]
    assert "学历层次由“中职”改为“高职（专科）”" in batch.rows[0]["message"]
    survey_batch_apply(user=clerk_a, batch=batch)
    survey = ChildSurvey.objects.get(person=c["ming"])
    assert (survey.level, survey.major, survey.graduation_year, survey.batch_id) == (
        "higher_vocational", "数控技术", 2027, batch.pk)
    assert survey.recorded_by == clerk_a
    old, new = survey.history.order_by("history_id")
    assert (old.history_type, old.level, old.major, old.batch_id) == ("+", "secondary_vocational", "汽车运用与维修",
                                                                      first.pk)
    assert (new.history_type, new.level, new.major, new.history_change_reason) == (
        "~", "higher_vocational", "数控技术", f"贫困家庭子女摸排表 #{batch.pk}")
    assert ChildSurvey.objects.count() == 3 and ChildSurvey.history.count() == 4


def test_each_bad_row_is_refused_naming_its_row_and_column_and_nothing_is_written(
        clerk_a, children, family, village_a, village_b, make_person, media):
    # given
    c = children
    [elsewhere] = family(village_b, "白小东")
    loner = make_person(village_a, name="独居", birth=D(2007, 1, 1))
    [gone] = family(village_a, "冉小故")
    k1, k2, k3, k4, k5 = family(village_a, "甲", "乙", "丙", "丁", "戊")
    Beneficiary.objects.filter(pk=gone.pk).update(status="deceased", status_date=D(2026, 2, 1))
    bad_check = c["ming"].id_number[:17] + ("0" if c["ming"].id_number[17] != "0" else "1")
    tomorrow = (datetime.date.today() + datetime.timedelta(days=1)).isoformat()
    content = xlsx(
        line(bad_check, "田小明"),  # 4
        line(make_id_number(D(2008, 1, 1)), "无名"),  # 5 nobody has it
        line(c["ming"], "田晓明"),  # 6 not the registry's name
        line(c["fang"], level="初中"),  # 7
        line(c["jun"], graduated="2020"),  # 8 before he was 14
        line(k1),  # 9 good
        line(k1),  # 10 the child of row 9 again
        line(k2.id_number, "乙", plan="开网店"),  # 11 a business plan without the wish
        line(elsewhere),  # 12 another township's child
        line(loner),  # 13 in no household
        line(gone),  # 14 dead
        line(k3, on=tomorrow),  # 15 in the future
        line(k4, graduated="明年", wish="可能", school=""),  # 16 three bad cells
        line(k5, on="2026-02-30"),  # 17
    )
    # when
    result = survey_list_import(user=clerk_a, file_name="摸排表.xlsx", content=content, apply=True)
    # then
    found = {(error["row"], error["column"]): error["message"] for error in result["errors"]}
    expected = {
        (4, "身份证号"): "校验位错误",
        (5, "身份证号"): "不在登记册中，应为已登记人员的身份证号",
        (6, "姓名"): "姓名“田晓明”与身份证号 ",
        (7, "学历层次"): "“初中”不是学历层次，应为 普通高校、高职（专科）、中职 或 其他",
        (8, "毕业年份"): "毕业年份 2020 早于本人 14 岁（2008 年出生）",
        (10, "身份证号"): "与第 9 行是同一人",
        (11, "创业意向"): "填写了创业意向，但“有创业愿望”为否",
        (12, "身份证号"): "（村代码 500242101201）不在您的管辖区域内",
        (13, "身份证号"): "（独居）未登记家庭户",
        (14, "身份证号"): "（冉小故）已登记为“死亡”（2026-02-01），不能登记摸排",
        (15, "摸排日期"): f"摸排日期 {tomorrow} 晚于今天",
        (16, "毕业年份"): "“明年”不是毕业年份",
        (16, "创业愿望"): "“可能”应为 是、否、有 或 无",
        (16, "毕业(就读)学校"): "不能为空，应为毕业（就读）学校名称",
        (17, "摸排日期"): "“2026-02-30”不是有效日期",
    }
    for key, words in expected.items():
        assert words in found.get(key, ""), (key, found.get(key))
    assert "登记的姓名“田小明”不符" in found[(6, "姓名")]
    assert {row for row, _column in found} == {row for row, _column in expected}
    assert (result["rows"], result["error"], result["new"], result["batch"], result["applied"]) == (
        14, 13, 1, None, False)
    # nothing half-written: not the batch, not a record, not a history row
    assert not SurveyBatch.objects.exists()
    assert (ChildSurvey.objects.count(), ChildSurvey.history.count()) == (0, 0)


def test_apply_refuses_a_list_with_errors_and_one_that_no_longer_fits_writing_nothing(clerk_a, children, good_list,
                                                                                        media):
    # given a list with one bad row, previewed
    with_error = survey_batch_upload(user=clerk_a, file_name="错.xlsx",
                                     content=xlsx(line(children["ming"]), line(children["fang"], level="初中")))
    assert outcomes(with_error) == [(4, "new"), (5, "error")]
    # when / then
    with pytest.raises(ValidationError, match="有 1 处错误，整份摸排表不能导入") as refusal:
        survey_batch_apply(user=clerk_a, batch=with_error)
    assert "第 5 行“学历层次”列：“初中”不是学历层次" in refusal.value.messages[0]
    survey_batch_discard(user=clerk_a, batch=with_error)
    with_error.refresh_from_db()
    assert with_error.status == "discarded"
    with pytest.raises(ValidationError, match="当前状态为“已放弃”"):
        survey_batch_apply(user=clerk_a, batch=with_error)
    # given a good preview, when a child of it dies before the apply
    batch = survey_batch_upload(user=clerk_a, file_name="摸排表.xlsx", content=good_list)
    assert batch.summary["error"] == 0
    Beneficiary.objects.filter(pk=children["jun"].pk).update(status="deceased", status_date=D(2026, 11, 1))
    # then the apply compares again and writes nothing
    with pytest.raises(ValidationError, match="第 6 行“身份证号”列：.*已登记为“死亡”"):
        survey_batch_apply(user=clerk_a, batch=batch)
    assert (ChildSurvey.objects.count(), ChildSurvey.history.count()) == (0, 0)
    batch.refresh_from_db()
    assert batch.status == "previewed"


def test_graduation_is_a_year_or_a_time_in_it():
    assert [graduation_year(text) for text in ("2026", "2026年", "2026.06", "2026.1", "2026年6月", "2026-06-30",
                                               "2026/6/30", "2026年6月30日")] == [2026] * 8
    assert [graduation_year(text) for text in ("26", "2026.13", "2026-02-30", "六月", "2026-06-30-1")] == [None] * 5


def test_the_year_column_and_the_other_headers_sheets_use(clerk_a, children, media):
    header = ["序号", "身份证号码", "子女姓名", "摸排年度", "毕业院校", "学历", "所学专业", "毕业时间", "就业意愿", "有无创业愿望",
              "创业意向", "帮扶需求", "摸排时间", "摸排人员"]
    content = xlsx(["'" + children["ming"].id_number, "田小明", "2025年", SCHOOL, "职高", "", "2026-07-01", "", "无", "",
                    "", "2025-11-20", "冉帮扶"], header=header)
    result = survey_list_import(user=clerk_a, file_name="摸排表.xlsx", content=content, apply=True)
    assert (result["errors"], result["new"], result["applied"]) == ([], 1, True)
    survey = ChildSurvey.objects.get()
    assert (survey.year, survey.level, survey.graduation_year, survey.surveyed_on) == (
        2025, "secondary_vocational", 2026, D(2025, 11, 20))
    # a year the survey date is not in is the rule's error, under the date's column as the sheet names it
    content = xlsx([children["fang"].id_number, "田小芳", "2026", SCHOOL, "中职", "", "2026", "", "", "", "",
                    "2025-11-20", "冉帮扶"], header=header)
    [error] = survey_list_import(user=clerk_a, file_name="x.xlsx", content=content, apply=False)["errors"]
    assert (error["row"], error["column"]) == (4, "摸排时间")
    assert "不在摸排年度 2026 年内" in error["message"]


def test_a_file_without_a_required_column_is_refused_as_a_whole(clerk_a, children, media):
    content = xlsx(line(children["ming"])[:-1], header=HEADER[:-1])
    with pytest.raises(ValidationError, match="缺少必需的列：“摸排人”"):
        survey_batch_upload(user=clerk_a, file_name="摸排表.xlsx", content=content)
    assert not SurveyBatch.objects.exists()


def test_the_report_lists_every_row_with_its_outcome(client, clerk_a, children, media):
    # given
    content = xlsx(line(children["ming"]), line(children["fang"], level="初中"))
    batch = survey_batch_upload(user=clerk_a, file_name="摸排表.xlsx", content=content)
    client.force_login(clerk_a)
    # when
    response = client.get(reverse("surveys:batch_report", args=[batch.pk]))
    # then
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["汇总", "逐行结果"]
    header, *lines = book["逐行结果"].iter_rows(values_only=True)
    assert header[:4] == ("行号", "身份证号", "姓名", "摸排年度") and header[-2:] == ("结果", "说明")
    assert [(line[0], line[2], line[-2]) for line in lines] == [(4, "田小明", "新增"), (5, "田小芳", "错误")]
    ming_id = children["ming"].id_number
    assert lines[0][1] == ming_id[:4] + "**********" + ming_id[-4:]  # a clerk sees IDs masked
    assert lines[0][header.index("学历层次")] == "中职"
    assert lines[1][-1].startswith("“学历层次”列：“初中”不是学历层次")
    summary = {label: value for label, value, *_ in book["汇总"].iter_rows(values_only=True) if label}
    assert (summary["名单行数"], summary["新增"], summary["错误"]) == (2, 1, 1)
    assert AccessLog.objects.filter(user=clerk_a, object_id=f"survey-batch-{batch.pk}", rows=2).exists()


def test_the_pages_upload_preview_apply_within_the_area(client, clerk_a, clerk_b, county_admin, viewer, children,
                                                        family, village_b, good_list, media):
    # given a clerk of township A uploading in the browser
    client.force_login(clerk_a)
    assert reverse("import_template", args=["surveys"]) in client.get(reverse("surveys:batches")).content.decode()
    upload = io.BytesIO(good_list)
    upload.name = "摸排表.xlsx"
    response = client.post(reverse("surveys:batch_upload"), {"file": upload})
    batch = SurveyBatch.objects.get()
    assert response.url == reverse("surveys:batch", args=[batch.pk])
    page = client.get(response.url).content.decode()
    assert "确认导入" in page and "放弃本批次" in page and "将新增摸排记录 3 人" in page
    assert client.get(reverse("surveys:batches")).content.decode().count(f"#{batch.pk}") == 1
    # then a clerk of township B sees nothing of it and cannot apply it
    client.force_login(clerk_b)
    assert f"#{batch.pk}" not in client.get(reverse("surveys:batches")).content.decode()
    assert client.get(reverse("surveys:batch", args=[batch.pk])).status_code == 404
    assert client.post(reverse("surveys:batch_apply", args=[batch.pk])).status_code == 404
    with pytest.raises(ValidationError, match=f"摸排表 #{batch.pk} 不在您的管辖区域内"):
        survey_batch_apply(user=clerk_b, batch=batch)
    # nor can a clerk of township A list a child of township B
    [elsewhere] = family(village_b, "白小东")
    result = survey_list_import(user=clerk_a, file_name="x.xlsx", content=xlsx(line(elsewhere)), apply=False)
    assert "不在您的管辖区域内" in result["errors"][0]["message"]
    # an official reads it but may not upload or apply
    client.force_login(viewer)
    assert "确认导入" not in client.get(reverse("surveys:batch", args=[batch.pk])).content.decode()
    assert client.get(reverse("surveys:batch_upload")).status_code == 403
    assert client.post(reverse("surveys:batch_apply", args=[batch.pk])).status_code == 403
    with pytest.raises(ValidationError, match="您的角色（查询）不能导入贫困家庭子女摸排表"):
        survey_batch_upload(user=viewer, file_name="摸排表.xlsx", content=good_list)
    with pytest.raises(ValidationError, match="您的角色（查询）不能导入贫困家庭子女摸排表"):
        survey_batch_apply(user=viewer, batch=batch)
    # the county's administrator applies it
    client.force_login(county_admin)
    response = client.post(reverse("surveys:batch_apply", args=[batch.pk]), follow=True)
    assert "已导入：新增 3 人，更新 0 人，相同跳过 0 人" in response.content.decode()
    assert ChildSurvey.objects.filter(batch=batch).count() == 3
    # a list changing one child and erring on another shows both, and offers no apply
    client.force_login(clerk_a)
    upload = io.BytesIO(xlsx(line(children["ming"], major="数控技术"), line(children["fang"], level="初中")))
    upload.name = "更正.xlsx"
    second = client.post(reverse("surveys:batch_upload"), {"file": upload}, follow=True).content.decode()
    assert "摸排表有 1 处错误（1 行），整份摸排表不能导入" in second
    assert "第 5 行“学历层次”列：“初中”不是学历层次" in second and "确认导入" not in second
    corrected = SurveyBatch.objects.exclude(pk=batch.pk).get()
    updated = client.get(reverse("surveys:batch", args=[corrected.pk]), {"outcome": "updated"}).content.decode()
    assert "专业由“汽车运用与维修”改为“数控技术”" in updated


def test_the_command_prints_the_summary_and_exits_by_the_rows(tmp_path, clerk_a, viewer, children, good_list,
                                                            media):
    # given
    good, bad = tmp_path / "good.xlsx", tmp_path / "bad.xlsx"
    good.write_bytes(good_list)
    bad.write_bytes(xlsx(line(children["ming"]), line(make_id_number(), "无名")))
    # a preview: exit 0, nothing written
    out = io.StringIO()
    call_command("survey_import", str(good), "--user", "clerk_a", "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert {key: result[key] for key in ("rows", "new", "updated", "unchanged", "error", "errors", "batch",
                                         "status", "applied")} == {
        "rows": 3, "new": 3, "updated": 0, "unchanged": 0, "error": 0, "errors": [], "batch": None, "status": None,
        "applied": False}
    assert not SurveyBatch.objects.exists()
    # errors in the file: exit 2, the JSON still printed, each error named
    out = io.StringIO()
    with pytest.raises(CommandError, match="第 5 行“身份证号”列") as refused:
        call_command("survey_import", str(bad), "--apply", "--user", "clerk_a", "--json", stdout=out)
    assert refused.value.returncode == 2
    assert [(e["row"], e["column"]) for e in json.loads(out.getvalue())["errors"]] == [(5, "身份证号")]
    assert not SurveyBatch.objects.exists() and not ChildSurvey.objects.exists()
    # usage: a file that is not there, an unknown user, an official
    with pytest.raises(CommandError, match="无法读取文件") as missing:
        call_command("survey_import", str(tmp_path / "none.xlsx"), "--user", "clerk_a")
    assert missing.value.returncode == 2
    with pytest.raises(CommandError, match="用户“nobody”不存在"):
        call_command("survey_import", str(good), "--user", "nobody")
    with pytest.raises(CommandError, match="（查询）不能导入贫困家庭子女摸排表") as official:
        call_command("survey_import", str(good), "--apply", "--user", "viewer")
    assert official.value.returncode == 2
    # applied
    out, err = io.StringIO(), io.StringIO()
    call_command("survey_import", str(good), "--apply", "--user", "clerk_a", "--json", stdout=out)
    result = json.loads(out.getvalue())
    batch = SurveyBatch.objects.get()
    assert (result["batch"], result["applied"], result["new"], batch.status) == (batch.pk, True, 3, "applied")
    assert ChildSurvey.objects.filter(batch=batch).count() == 3
    call_command("survey_import", str(good), "--apply", "--user", "clerk_a", stderr=err)
    assert "新增 0 人，更新 0 人，相同跳过 3 人" in err.getvalue()


def test_reading_and_applying_take_the_same_statements_for_a_longer_list(clerk_a, family, village_a, media):
    def statements(size: int) -> tuple[int, int, int]:
        kids = family(village_a, *(f"子{size}-{n}" for n in range(size)))
        with CaptureQueriesContext(connection) as reading:
            batch = survey_batch_upload(user=clerk_a, file_name="名单.xlsx", content=xlsx(*map(line, kids)))
        with CaptureQueriesContext(connection) as applying:
            survey_batch_apply(user=clerk_a, batch=batch)
        assert ChildSurvey.objects.filter(batch=batch).count() == size
        changed = survey_batch_upload(user=clerk_a, file_name="名单.xlsx",
                                      content=xlsx(*(line(kid, major="数控技术") for kid in kids)))
        with CaptureQueriesContext(connection) as updating:
            survey_batch_apply(user=clerk_a, batch=changed)
        assert ChildSurvey.objects.filter(batch=changed, major="数控技术").count() == size
        return len(reading), len(applying), len(updating)

    statements(1)  # the user's permissions are read once, then cached
    assert statements(3) == statements(30)


def test_the_templates_example_row_is_a_new_survey(county_admin, village_a, make_person, media):
    from config.import_templates import EXAMPLE_ID, TEMPLATES

    household = Household.objects.create(number="Y10000001", village=village_a)
    person = make_person(village_a, name="冉小红", birth=D(2007, 1, 1), household=household, relation="child")
    Beneficiary.objects.filter(pk=person.pk).update(id_number=EXAMPLE_ID)
    result = survey_list_import(user=county_admin, file_name="模板.xlsx",
                                content=TEMPLATES["surveys"].workbook().getvalue(), apply=True)
    assert (result["errors"], result["new"], result["applied"]) == ([], 1, True)
    assert ChildSurvey.objects.get().level == "secondary_vocational"


def roster(*people) -> bytes:
    """A poverty-office list (脱贫户) naming each person's village and head of household."""
    return xlsx(*people, header=["序号", "姓名", "身份证号", "人员类别", "行政区划代码", "户主身份证号", "与户主关系"])


def test_the_coverage_of_a_county_built_through_the_imports(county_admin, village_a, village_b, media):
    # given households created by the poverty office's roster of January 2026: three in township A, two in B, each
    # with a head and a child
    heads = {name: make_id_number(D(1975, 1, 1)) for name in ("A1", "A2", "A3", "B1", "B2")}
    kids = {name: make_id_number(D(2005, 6, 1)) for name in heads}
    people = []
    for name, head in heads.items():
        village = (village_a if name.startswith("A") else village_b).code
        people.append([f"户主{name}", head, "脱贫户", village, head, "本人"])
        people.append([f"子女{name}", kids[name], "脱贫户", village, head, "子"])
    request = roster_services.roster_request(user=county_admin, source="poverty_office", month="2026-01")
    roster_services.roster_apply(user=county_admin, request=request, file_name="脱贫户.xlsx", content=roster(*people))
    assert Household.objects.count() == 5

    def kid(name, **cells):
        return line(kids[name], f"子女{name}", **cells)

    # when A3's child was surveyed in 2025, and the 2026 list surveys A1 (graduated), A2 (at school until 2028)
    # and B1 (graduated), B2 not at all
    last_year = survey_list_import(user=county_admin, file_name="2025.xlsx", apply=True,
                                   content=xlsx(kid("A3", graduated="2025", on="2025-10-08")))
    this_year = survey_list_import(user=county_admin, file_name="2026.xlsx", apply=True, content=xlsx(
        kid("A1", graduated="2025"), kid("A2", graduated="2028", level="普通高校"), kid("B1", graduated="2026.06")))
    assert (last_year["new"], this_year["new"], this_year["applied"]) == (1, 3, True)
    # and A1's child holds a job
    Placement.objects.create(person=Beneficiary.objects.get(id_number=kids["A1"]), kind="enterprise",
                             employer="酉阳县某企业", starts_on=D(2026, 4, 1), recorded_by=county_admin)
    # then by township, on 1 June 2026: surveyed this year; graduated by their latest survey; placed
    table = township_table(county_admin, area_code="500242", day=D(2026, 6, 1))
    keys = ("surveyed", "graduated", "placed", "unplaced", "placement_rate")
    figures = {row.code: tuple(row.values[key] for key in keys) for row in [*table.rows, table.total]}
    assert figures == {
        "500242100": (2, 2, 1, 1, Decimal("0.5000")),  # A1, A2 surveyed; A1 and A3 (2025's survey) graduated
        "500242101": (1, 1, 0, 1, Decimal("0.0000")),
        "all": (3, 3, 1, 2, Decimal("0.3333")),
    }
    # in 2025's year only A3 was surveyed
    earlier = township_table(county_admin, area_code="500242", day=D(2025, 12, 31))
    assert [row.values["surveyed"] for row in earlier.rows] == [1, 0]
