"""``manage.py reconcile`` and ``revert_batch`` on deliberately messy files, as commands.md gives them."""

import io
import json
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from beneficiaries.idnumbers import check_character
from beneficiaries.models import Beneficiary, CategoryHolding
from rosters.models import RosterBatch
from tests.rosters.conftest import MAY, csv_bytes, new_id_number, roster_rows, xlsx_bytes

FILES = Path(__file__).parent / "files"
KEYS = {
    "new",
    "category_added",
    "changed",
    "unchanged",
    "exited",
    "mismatch",
    "invalid_id",
    "duplicate",
    "rejected",
    "batch",
}


def full_width(text: str) -> str:
    return "".join(chr(ord(char) + 0xFEE0) if char.isascii() and char.isalnum() else char for char in text)


def reconcile(path, *options, source="civil_affairs", month="2024-05"):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "reconcile",
        str(path),
        f"--source={source}",
        f"--month={month}",
        "--json",
        *options,
        stdout=out,
        stderr=err,
    )
    return json.loads(out.getvalue())


def refused(path, *options):
    with pytest.raises(CommandError) as info:
        call_command("reconcile", str(path), *options, stdout=io.StringIO(), stderr=io.StringIO())
    assert info.value.returncode == 2
    return str(info.value)


@pytest.fixture
def messy(tmp_path, registry, make_person, village_a, hold):
    """Every outcome in one file, the way lists really arrive."""
    mismatched = make_person(village_a, name="己")
    hold(mismatched, "dibao_rural")
    legacy = "500242770707005"  # a 15-digit ID stored as a number; 戊 is new
    upgraded = "50024219770707005" + check_character("50024219770707005")
    bad_check = new_id_number()[:-1] + "0"
    bad_check = bad_check if check_character(bad_check[:17]) != "0" else bad_check[:-1] + "1"
    conflicted = new_id_number()
    village = village_a.code
    rows = [
        ["序号", "公民身份号码", "姓名", "救助类别", "村代码"],
        [1, full_width(registry["甲"].id_number), "甲 ", "农村低保", full_width(village)],  # row 4 unchanged
        [2, registry["乙"].id_number, "乙", "特困供养", village],  # 5 changed
        [3, registry["丙"].id_number, "丙", "农村低保", int(village)],  # 6 category_added
        [4, int(legacy), "戊", "农村低保", village],  # 7 new
        [5, int(legacy), "戊", "农村低保对象", village],  # 8 repeat of 7
        [6, mismatched.id_number, "己己", "农村低保", village],  # 9 mismatch
        [7, bad_check, "错号", "农村低保", village],  # 10 invalid_id
        [8, 500242197707070032, "舍入", "农村低保", village],  # 11 invalid_id, rounded by Excel
        [9, new_id_number(), "庚", "低保", village],  # 12 rejected: no alias
        [10, new_id_number(), "辛", "建档立卡", village],  # 13 rejected: the other source's category
        [11, conflicted, "壬", "农村低保", village],  # 14 conflict …
        [12, conflicted, "壬壬", "农村低保", village],  # 15 … with row 14
    ]
    path = tmp_path / "2024年5月民政名单.xlsx"
    path.write_bytes(xlsx_bytes(rows))
    return path, upgraded


def test_every_outcome_is_counted_as_reconciliation_md_says(messy):
    path, _upgraded = messy
    result = reconcile(path)
    assert KEYS <= set(result)
    # beside the outcomes: the holdings the list would end and those open in the area (the exit guard)
    assert (result.pop("ending_holdings"), result.pop("open_holdings")) == (2, 4)
    assert result == {
        "new": 1,
        "category_added": 1,
        "changed": 1,
        "unchanged": 1,
        "exited": 1,
        "mismatch": 1,
        "invalid_id": 2,
        "duplicate": 2,
        "rejected": 2,
        "batch": None,
    }


def test_a_preview_writes_nothing(messy):
    before = (Beneficiary.objects.count(), CategoryHolding.objects.count(), RosterBatch.objects.count())
    reconcile(messy[0])
    assert (
        Beneficiary.objects.count(),
        CategoryHolding.objects.count(),
        RosterBatch.objects.count(),
    ) == before


def test_the_report_lists_every_outcome_with_row_numbers(messy, tmp_path):
    path, upgraded = messy
    report = tmp_path / "报告.xlsx"
    reconcile(path, f"--report={report}")
    workbook = openpyxl.load_workbook(report)
    assert workbook.sheetnames == [
        "汇总",
        "新增",
        "新增类别",
        "类别变更",
        "退出",
        "信息不符",
        "名单内重复",
        "身份证号无效",
        "不可用",
        "不变",
    ]

    def lines(sheet):
        return [row for row in workbook[sheet].iter_rows(min_row=2, values_only=True)]

    assert [(row[0], row[1], row[6]) for row in lines("新增")] == [("7、8", upgraded, "农村低保对象")]
    assert [row[0] for row in lines("身份证号无效")] == [10, 11]
    assert "Excel" in lines("身份证号无效")[1][7]
    assert [row[0] for row in lines("不可用")] == [12, 13]
    assert [row[0] for row in lines("名单内重复")] == ["7、8", "14、15"]
    assert [row[0] for row in lines("信息不符")] == [9] and "田" not in lines("信息不符")[0][7]
    assert lines("退出")[0][0] is None and lines("退出")[0][5] == "农村特困人员"
    assert ("新增", 1) in [(row[0], row[1]) for row in workbook["汇总"].iter_rows(values_only=True)]


def test_apply_then_apply_again_then_revert(messy, county_admin):
    path, upgraded = messy
    first = reconcile(path, "--apply", "--user=county_admin")
    batch = RosterBatch.objects.get(pk=first["batch"])
    assert (batch.status, batch.created_by, batch.file_name) == (
        RosterBatch.Status.APPLIED,
        county_admin,
        "2024年5月民政名单.xlsx",
    )
    person = Beneficiary.objects.get(id_number=upgraded)
    assert CategoryHolding.objects.get(beneficiary=person).start == MAY

    second = reconcile(path, "--apply")
    assert (second["new"], second["changed"], second["exited"], second["unchanged"]) == (0, 0, 0, 4)
    assert not RosterBatch.objects.get(pk=second["batch"]).changes.exists()

    err = io.StringIO()
    call_command("revert_batch", str(second["batch"]), stderr=err)
    call_command("revert_batch", str(first["batch"]), stderr=err)
    assert "已撤销" in err.getvalue()
    assert not Beneficiary.objects.filter(id_number=upgraded).exists()


def test_revert_batch_refuses_an_unknown_or_not_latest_batch(messy):
    with pytest.raises(CommandError) as info:
        call_command("revert_batch", "999", stderr=io.StringIO())
    assert info.value.returncode == 2 and "批次 #999 不存在" in str(info.value)
    first = reconcile(messy[0], "--apply")
    reconcile(messy[0], "--apply", month="2024-06")
    with pytest.raises(CommandError) as info:
        call_command("revert_batch", str(first["batch"]), stderr=io.StringIO())
    assert info.value.returncode == 2 and "请先撤销" in str(info.value)


def test_gbk_csv_applies(tmp_path, village_a):
    number = new_id_number()
    path = tmp_path / "扶贫名单.csv"
    path.write_bytes(
        csv_bytes(
            [
                ["2024年5月脱贫人口监测名单"],
                ["证件号码", "姓名", "人员类别", "行政区划代码"],
                [number, "田大", "脱贫户", village_a.code],
                [new_id_number(), "田二", "边缘易致贫户", village_a.code],
            ],
            encoding="gbk",
        )
    )
    result = reconcile(path, "--apply", source="poverty_office")
    assert result["new"] == 2
    assert list(
        CategoryHolding.objects.filter(beneficiary__id_number=number).values_list("category__code", flat=True)
    ) == ["poor"]


def test_xls_applies(village_a):
    result = reconcile(FILES / "civil_affairs_may.xls", "--apply")
    assert (result["new"], result["invalid_id"]) == (2, 1)
    assert Beneficiary.objects.get(id_number="500242197707070016").name == "冉小梅"


def test_a_list_without_categories_takes_the_category_option(tmp_path, village_a):
    path = tmp_path / "特困.xlsx"
    path.write_bytes(
        xlsx_bytes([["身份证号", "姓名", "行政区划代码"], [new_id_number(), "甲", village_a.code]])
    )
    assert "缺少必需的列：“类别”" in refused(path, "--source=civil_affairs", "--month=2024-05")
    assert reconcile(path, "--category=特困供养")["new"] == 1
    assert "不由该名单来源认定" in refused(
        path, "--source=civil_affairs", "--month=2024-05", "--category=poor"
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--month=2024-05"], "请用 --source 指定名单来源"),
        (["--source=civil_affairs"], "请用 --month 指定名单月份"),
        (["--source=civil_affairs", "--month=2024-13"], "月份“2024-13”格式不对"),
        (["--source=health", "--month=2024-05"], "名单来源“health”无效"),
        (["--source=civil_affairs", "--month=2024-05", "--area=5002421"], "区域代码“5002421”"),
        (["--source=civil_affairs", "--month=2024-05", "--user=nobody"], "用户“nobody”不存在"),
        (
            ["--source=civil_affairs", "--month=2024-05", "--user=admin_a", "--area=500242101"],
            "不在您的管辖区域内",
        ),
        (["--source=civil_affairs", "--month=2024-05", "--user=clerk_a"], "您的角色（经办员）不能比对、应用或撤销名单"),
    ],
)
def test_refused_options_exit_2_with_a_chinese_message(tmp_path, admin_a, clerk_a, options, message):
    path = tmp_path / "名单.xlsx"
    path.write_bytes(xlsx_bytes([["身份证号", "姓名", "类别", "村代码"]]))
    assert message in refused(path, *options)


def test_a_missing_or_unreadable_file_is_refused_naming_it(db, tmp_path):
    assert "无法读取文件" in refused(tmp_path / "没有.xlsx", "--source=civil_affairs", "--month=2024-05")
    broken = tmp_path / "坏.xlsx"
    broken.write_bytes(b"not a workbook")
    assert "坏.xlsx" in refused(broken, "--source=civil_affairs", "--month=2024-05")


def test_without_json_a_chinese_summary_goes_to_standard_error(messy):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "reconcile", str(messy[0]), "--source=civil_affairs", "--month=2024-05", stdout=out, stderr=err
    )
    assert out.getvalue() == ""
    assert "新增 1" in err.getvalue() and "仅预览，未写入" in err.getvalue()


def test_a_report_path_that_cannot_be_written_is_refused_before_anything_is_applied(messy, tmp_path):
    message = refused(
        messy[0],
        "--source=civil_affairs",
        "--month=2024-05",
        "--apply",
        f"--report={tmp_path / '没有的目录' / '报告.xlsx'}",
    )
    assert "无法写入报告文件" in message and not RosterBatch.objects.exists()


def test_the_report_keeps_formula_like_text_as_text(tmp_path, registry, village_a):
    path = tmp_path / "名单.csv"  # in a csv, "=…" is the text itself (openpyxl would write a formula)
    path.write_bytes(csv_bytes(roster_rows(
        ["=HYPERLINK(\"http://x\")", new_id_number(), "农村低保", village_a.code],
        ["@SUM(A1)", "+86123", "农村低保", village_a.code],
    )))
    report = tmp_path / "报告.xlsx"
    reconcile(path, f"--report={report}")
    workbook = openpyxl.load_workbook(report)
    new = [row[2] for row in workbook["新增"].iter_rows(min_row=2, values_only=True)]
    invalid = [row[1:3] for row in workbook["身份证号无效"].iter_rows(min_row=2, values_only=True)]
    assert new == ["'=HYPERLINK(\"http://x\")"]
    assert invalid == [("'+86123", "'@SUM(A1)")]
