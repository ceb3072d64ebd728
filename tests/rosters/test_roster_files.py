"""Reading real lists: title rows, header aliases, GBK, full-width characters, IDs stored as numbers, xls."""

from pathlib import Path

import pytest

from rosters.files import read_roster, relation_code
from spreadsheets.reading import SpreadsheetError, read_table
from tests.rosters.conftest import csv_bytes, xlsx_bytes

FILES = Path(__file__).parent / "files"


def test_the_header_is_found_below_title_rows_by_any_alias():
    content = xlsx_bytes(
        [
            [
                "编号",
                "公民身份号码",
                "成员姓名",
                "救助类别",
                "村代码",
                "户主身份证号",
                "与户主关系",
                "联系电话",
            ],
            [
                1,
                "500242197707070016",
                "冉小梅",
                "特困供养",
                "500242100201",
                "500242197707070016",
                "户主",
                "13800000000",
            ],
        ]
    )
    roster = read_roster(content, "名单.xlsx")
    assert roster.header_row == 3
    row = roster.rows[0]
    assert (row.row, row.id_text, row.name, row.category_text, row.village_code) == (
        4,
        "500242197707070016",
        "冉小梅",
        "特困供养",
        "500242100201",
    )
    assert (row.head_id_text, row.relation, row.phone) == ("500242197707070016", "户主", "13800000000")


def test_full_width_digits_letters_and_spaces_are_folded():
    content = xlsx_bytes(
        [
            ["身份证号", "姓名", "类别", "行政区划代码"],
            [
                "５００２４２１９７７０７０７００３ｘ ",
                "　何　大山 ",
                " 农村低保　",
                "５００２４２１００２０１",
            ],
        ]
    )
    row = read_roster(content, "名单.xlsx").rows[0]
    assert (row.id_text, row.name, row.category_text, row.village_code) == (
        "50024219770707003x",
        "何 大山",
        "农村低保",
        "500242100201",
    )


def test_an_id_stored_as_a_number_is_recovered_when_exact_and_flagged_when_rounded():
    content = xlsx_bytes(
        [
            ["身份证号", "姓名", "类别", "区划代码"],
            [500242770707003, "何大山", "农村低保", 500242100201],
            [500242197707070032, "向二妹", "农村低保", 500242100201],
        ]
    )
    first, second = read_roster(content, "名单.xlsx").rows
    assert (first.id_text, first.village_code) == ("500242770707003", "500242100201")
    assert second.id_text == "5.00242197707070E+17"


def test_gbk_csv_with_other_aliases_and_text_guards():
    content = csv_bytes(
        [
            ["2024年5月脱贫人口名单"],
            [],
            ["证件号码", "姓名", "保障类别", "区划代码"],
            ["'500242197707070016", "冉小梅", "脱贫户", "500242100201"],
            ['="500242197707070032"', "向二妹", "建档立卡", "500242100201"],
            ["", "", "", ""],
            ["", "", "制表人：张会计", ""],
        ],
        encoding="gbk",
    )
    roster = read_roster(content, "名单.csv")
    assert [(row.row, row.id_text, row.category_text) for row in roster.rows] == [
        (4, "500242197707070016", "脱贫户"),
        (5, "500242197707070032", "建档立卡"),
    ]


def test_xls_from_an_old_excel():
    roster = read_roster((FILES / "civil_affairs_may.xls").read_bytes(), "civil_affairs_may.xls")
    assert roster.header_row == 3
    assert [(row.row, row.id_text, row.name, row.village_code) for row in roster.rows] == [
        (4, "500242197707070016", "冉 小 梅", "500242100201"),
        (5, "500242770707003", "何大山", "500242100201"),
        (6, "5.00242197707070E+17", "向二妹", "500242100201"),
    ]


def test_a_file_without_a_needed_column_is_refused_naming_it():
    content = xlsx_bytes(
        [["身份证号", "姓名", "行政区划代码"], ["500242197707070016", "冉小梅", "500242100201"]]
    )
    with pytest.raises(SpreadsheetError) as info:
        read_roster(content, "名单.xlsx")
    assert "缺少必需的列：“类别”" in str(info.value)
    assert read_roster(content, "名单.xlsx", category_column_required=False).rows[0].category_text == ""


def test_relations_as_lists_write_them():
    assert [relation_code(text) for text in ["户主", "之子", "妻", "孙女", "侄子", ""]] == [
        "head",
        "child",
        "spouse",
        "grandchild",
        "other",
        "",
    ]


def test_the_reader_keeps_every_column_of_a_row_for_other_callers():
    content = xlsx_bytes(
        [["区划代码", "名称", "备注"], [500242100, "龙潭镇", "  说明　"], [None, " ", "　"]], title=None
    )
    table = read_table(content, "a.xlsx", {"code": ["区划代码"], "name": ["名称"]}, ["code", "name"])
    assert table.rows == [(2, ["500242100", "龙潭镇", "说明"])]
    assert list(table.records()) == [(2, {"code": "500242100", "name": "龙潭镇"})]
