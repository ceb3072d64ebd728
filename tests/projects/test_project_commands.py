"""The project commands: the pages' capabilities from the command line through the same services, with --user
(its role and area), --json, exit status 2 for what is refused, and workbooks read back."""

import datetime
import io
import json

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from accounts.models import AccessLog
from projects.models import Attachment, Participation, Project

D = datetime.date
PDF = b"%PDF-1.4\n%plan\n"


def call(*args) -> dict:
    out = io.StringIO()
    call_command(*args, "--json", stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue())


def refused(*args) -> str:
    with pytest.raises(CommandError) as info:
        call(*args)
    assert info.value.returncode == 2
    return str(info.value)


def test_a_project_through_its_commands(clerk_a, village_a, poor_person, tmp_path, media):
    saved = call("project_save", "--user=clerk_a", "--code=XM-1", "--name=中蜂养殖", "--kind=farming",
                 f"--area={village_a.code}", "--lead-department=县农业农村委", "--on=2026-01-05")
    assert (saved["code"], saved["status"], saved["status_on"]) == ("XM-1", "reserve", "2026-01-05")
    assert call("project_status", "--user=clerk_a", "--code=XM-1", "--status=approved", "--on=2026-02-01")[
        "status"] == "approved"
    assert "不能从“立项”改为“验收”" in refused("project_status", "--user=clerk_a", "--code=XM-1", "--status=accepted")
    funded = call("project_funding", "--user=clerk_a", "--code=XM-1", "--source=central", "--amount=5000.10",
                  "--on=2026-02-02")
    assert (funded["by_source"], funded["total"]) == ({"central": "5000.10"}, "5000.10")
    assert "不是金额" in refused("project_funding", "--user=clerk_a", "--code=XM-1", "--source=central",
                                  "--amount=1.001")
    document = tmp_path / "方案.pdf"
    document.write_bytes(PDF)
    attached = call("project_attachment", "--user=clerk_a", "--code=XM-1", f"--file={document}", "--title=实施方案")
    assert Attachment.objects.get(pk=attached["attachment"]).file_sha256 == attached["sha256"]
    person = poor_person(village_a, "冉秀英", capacity="")
    assert call("labour_capacity", "--user=clerk_a", f"--id-number={person.id_number}", "--capacity=weak")[
        "labour_capacity"] == "weak"
    joined = call("participation", "--user=clerk_a", "--code=XM-1", f"--id-number={person.id_number}",
                  "--role=worker", "--on=2026-03-01")
    assert (joined["starts_on"], joined["ends_on"]) == ("2026-03-01", None)
    income = call("participation_income", "--user=clerk_a", "--code=XM-1", f"--id-number={person.id_number}",
                  "--amount=800.00", "--on=2026-03-31")
    assert income["participation_total"] == "800.00"
    ended = call("participation", "--user=clerk_a", "--code=XM-1", f"--id-number={person.id_number}", "--end",
                 "--reason=外出务工", "--on=2026-06-30")
    assert ended["ends_on"] == "2026-06-30"
    assert Participation.objects.get().end_reason == "外出务工"


def test_refusals_exit_2_and_write_nothing(clerk_a, viewer, village_a, village_b, tmp_path):
    assert "不能添加产业项目" in refused("project_save", "--user=viewer", "--code=XM-1", "--name=x", "--kind=farming",
                                          f"--area={village_a.code}", "--lead-department=y")
    assert "不在您的管辖区域内" in refused("project_save", "--user=clerk_a", "--code=XM-1", "--name=x",
                                           "--kind=farming", f"--area={village_b.code}", "--lead-department=y")
    assert "需要 --name" in refused("project_save", "--user=clerk_a", "--code=XM-1", "--kind=farming")
    assert "项目 XM-9 不存在" in refused("project_status", "--user=clerk_a", "--code=XM-9", "--status=approved")
    assert "不在您的管辖区域内" in refused("project_stats", "--user=clerk_a", "--area=500242101")
    assert "--out" in refused("project_ledger", "--user=clerk_a")
    assert not Project.objects.exists()


def test_no_project_and_stats_and_ledger(clerk_a, village_a, village_b, poor_person, make_project, tmp_path):
    mine = poor_person(village_a, "冉一")
    poor_person(village_a, "冉二")
    poor_person(village_a, "冉三", capacity="")
    poor_person(village_b, "白一")
    project = make_project(clerk_a, village_a, code="XM-A")
    call("participation", "--user=clerk_a", "--code=XM-A", f"--id-number={mine.id_number}", "--role=worker",
         "--on=2026-03-01")
    listed = call("no_project", "--user=clerk_a", "--day=2026-06-30")
    assert set(listed) == {"area", "day", "list", "title", "count", "townships", "people"}
    assert listed["townships"] == [{"code": "500242100", "name": "龙潭镇", "count": 1}]
    assert [(p["name"], p["age"], p["labour_capacity"]) for p in listed["people"]] == [("冉二", 46, "able")]
    assert "*" in listed["people"][0]["id_number"]
    assert AccessLog.objects.filter(user=clerk_a, object_id="projects:no_project").exists()
    assert [p["name"] for p in call("no_project", "--user=clerk_a", "--day=2026-06-30", "--unrecorded")["people"]] \
        == ["冉三"]
    out = tmp_path / "no_project.xlsx"
    call("no_project", "--user=clerk_a", "--day=2026-06-30", "--output", str(out))
    sheet = openpyxl.load_workbook(out).active
    assert [cell.value for cell in sheet[3]][3] == "冉二" and sheet.max_row == 3

    stats = call("project_stats", "--user=clerk_a", "--day=2026-06-30", "--out", str(tmp_path / "stats.xlsx"))
    assert set(stats) == {"area", "day", "participation", "library", "file"}
    total = stats["participation"]["total"]
    assert (total["capable"], total["joined"], total["rate"], total["unrecorded"]) == (2, 1, "0.5000", 1)
    assert [row["code"] for row in stats["library"]["townships"]] == ["500242100"]
    book = openpyxl.load_workbook(tmp_path / "stats.xlsx")
    assert book.sheetnames == ["产业项目参与情况", "产业项目库"]

    ledger = tmp_path / "ledger.xlsx"
    result = call("project_ledger", "--user=clerk_a", "--day=2026-06-30", "--output", str(ledger))
    assert (result["projects"], result["participations"]) == (1, 1)
    book = openpyxl.load_workbook(ledger)
    assert book.sheetnames == ["项目库", "参与台账"]
    library_row = [cell.value for cell in book["项目库"][3]]
    assert library_row[:6] == ["龙潭镇", "红花村", "XM-A", project.name, "种养殖", "实施"]
    assert library_row[-1] == 1
    participant = [cell.value for cell in book["参与台账"][3]]
    assert participant[:4] == ["龙潭镇", "红花村", mine.household.number, "冉一"]
    assert "*" in participant[4] and participant[5:11] == ["有劳动能力", "XM-A", project.name, "务工就业",
                                                          "2026-03-01", None]
