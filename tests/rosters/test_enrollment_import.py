"""The enrollment list: 应保未保, 重复参保, subsidies against the policy, recorded once however often read."""

import datetime
import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from beneficiaries.models import Enrollment
from policies.models import Policy, PolicyVersion
from rosters.enrollment import (
    CoveredPerson,
    EnrollmentRow,
    EnrollmentState,
    check_covered,
    expected_subsidy,
    interpret,
    reconcile_records,
)
from tests.rosters.conftest import new_id_number, xlsx_bytes

KEYS = {"rows", "enrolled", "not_enrolled", "not_in_registry", "uncovered", "duplicate", "subsidy_mismatch"}
BLOCK = {
    "insurance": "resident_basic",
    "premium": "250.00",
    "subsidies": [
        {"categories": ["tekun_rural", "tekun_urban"], "amount": "full"},
        {"categories": ["dibao_rural", "dibao_urban"], "amount": "150.00"},
    ],
}
HEADER = ["身份证号", "姓名", "险种", "参保状态", "财政补助金额", "未参保原因"]


# --- the pure part ----------------------------------------------------------------------


def test_expected_subsidy_is_the_largest_for_any_category_held():
    assert expected_subsidy(BLOCK, frozenset({"dibao_rural", "tekun_rural"})) == Decimal("250.00")
    assert expected_subsidy(BLOCK, frozenset({"dibao_rural", "poor"})) == Decimal("150.00")
    assert expected_subsidy(BLOCK, frozenset({"poor"})) == Decimal("0.00")


def test_interpret_counts_rows_and_names_row_and_column_of_each_error():
    known = {"500242197707070016"}
    rows = [
        EnrollmentRow(2, "500242197707070016", "甲", "城乡居民基本医疗保险", "已参保", "150", ""),
        EnrollmentRow(3, "500242197707070016", "甲", "医疗补充保险", "未参保", "", "其他原因"),
        EnrollmentRow(4, "500242197707070032", "路人", "城乡居民基本医疗保险", "已参保", "0", ""),
        EnrollmentRow(5, "123", "错", "城乡居民基本医疗保险", "已参保", "0", ""),
        EnrollmentRow(6, "500242197707070016", "甲", "养老保险", "已参保", "0", ""),
        EnrollmentRow(7, "500242197707070016", "甲", "城乡居民基本医疗保险", "在保", "0", ""),
        EnrollmentRow(8, "500242197707070016", "甲", "城乡居民基本医疗保险", "已参保", "-5", ""),
    ]
    result = interpret(
        rows,
        known_ids=known,
        insurances={"城乡居民基本医疗保险": "resident_basic", "医疗补充保险": "supplementary"},
    )
    assert (result.enrolled, result.not_enrolled, result.not_in_registry) == (1, 1, 1)
    assert [(error.row, error.column) for error in result.errors] == [
        (5, "身份证号"),
        (6, "险种"),
        (7, "参保状态"),
        (8, "财政补助金额"),
    ]
    assert result.states["500242197707070016"] == [
        EnrollmentState("resident_basic", "enrolled", Decimal("150.00")),
        EnrollmentState("supplementary", "not_enrolled", Decimal("0.00"), "other", "其他原因"),
    ]


def test_reconcile_records_keeps_equal_records_and_changes_adds_or_removes_the_rest():
    enrolled = EnrollmentState("resident_basic", "enrolled", Decimal("150.00"))
    corrected = EnrollmentState("resident_basic", "enrolled", Decimal("250.00"))
    plan = reconcile_records([(1, enrolled), (2, enrolled)], [enrolled])
    assert (plan.keep, plan.change, plan.add, plan.remove) == ([1], [], [], [2])
    plan = reconcile_records([(1, enrolled)], [corrected, enrolled])
    assert (plan.keep, plan.change, plan.add, plan.remove) == ([1], [], [corrected], [])
    plan = reconcile_records([(1, enrolled)], [corrected])
    assert (plan.keep, plan.change, plan.add, plan.remove) == ([], [(1, corrected)], [], [])


def test_check_covered_finds_uncovered_duplicates_and_subsidy_mismatches():
    people = [
        CoveredPerson(str(index), name, "500242100201", frozenset({"dibao_rural"}))
        for index, name in enumerate("甲乙丙丁")
    ]
    states = {
        "0": [EnrollmentState("resident_basic", "enrolled", Decimal("150.00"))],
        "1": [EnrollmentState("resident_basic", "not_enrolled", Decimal("0"), "elsewhere")],
        "2": [EnrollmentState("resident_basic", "enrolled", Decimal("150.00"))] * 2,
        "3": [EnrollmentState("resident_basic", "enrolled", Decimal("100.00"))],
    }
    check = check_covered(
        people, states, block_for=lambda village: BLOCK, reason_labels={"elsewhere": "异地参保"}
    )
    assert [(person.name, reason) for person, reason in check.uncovered] == [("乙", "异地参保")]
    assert [person.name for person in check.duplicate] == ["丙"]
    assert [(item.person.name, item.expected, item.recorded) for item in check.subsidy_mismatch] == [
        ("丁", Decimal("150.00"), Decimal("100.00"))
    ]
    assert (
        check_covered(people, states, block_for=lambda village: None, reason_labels={}).subsidy_mismatch == []
    )


# --- the command ------------------------------------------------------------------------


def import_enrollment(path, *options, year=2024):
    out = io.StringIO()
    call_command(
        "import_enrollment", str(path), f"--year={year}", "--json", *options, stdout=out, stderr=io.StringIO()
    )
    return json.loads(out.getvalue())


@pytest.fixture
def policy(county):
    policy = Policy.objects.create(code="youyang-2024", name="酉阳 2024", region_code="500242", year=2024)
    PolicyVersion.objects.create(
        policy=policy, number=1, digest="test", document={"code": "youyang-2024", "enrollment": BLOCK}
    )
    return policy


@pytest.fixture
def year_rows(registry, make_person, village_a, hold):
    """甲 enrolled right, 乙 enrolled twice, 丙 not enrolled (异地参保), 丁 subsidised wrongly, 戊 absent;
    the last row's ID cannot be read."""
    absent = make_person(village_a, name="戊")
    hold(absent, "dibao_rural", start=datetime.date(2024, 3, 1), end=datetime.date(2024, 6, 30))
    hold(registry["丙"], "marginal", start=datetime.date(2024, 1, 1))
    withdrawn = make_person(village_a, name="撤")
    hold(withdrawn, "dibao_rural", start=datetime.date(2024, 3, 1), end=datetime.date(2024, 2, 29))
    rows = [
        HEADER,
        [registry["甲"].id_number, "甲", "城乡居民基本医疗保险", "已参保", "150.00", ""],
        [registry["乙"].id_number, "乙", "城乡居民基本医疗保险", "已参保", "150", ""],
        [registry["乙"].id_number, "乙", "城乡居民基本医疗保险", "已参保", "150", ""],
        [registry["丙"].id_number, "丙", "城乡居民基本医疗保险", "未参保", "", "异地参保"],
        [registry["丁"].id_number, "丁", "城乡居民基本医疗保险", "已参保", "150.00", ""],
        [registry["丁"].id_number, "丁", "商业补充医疗保险", "已参保", "0", ""],
        [new_id_number(), "路人", "城乡居民基本医疗保险", "已参保", "0", ""],
        ["12345", "错号", "城乡居民基本医疗保险", "已参保", "0", ""],
    ]
    return rows


@pytest.fixture
def year_list(tmp_path, year_rows):
    path = tmp_path / "参保名单.xlsx"
    path.write_bytes(xlsx_bytes(year_rows))
    return path


@pytest.fixture
def valid_year_list(tmp_path, year_rows):
    """The year's list without its unreadable row."""
    path = tmp_path / "参保名单（已更正）.xlsx"
    path.write_bytes(xlsx_bytes(year_rows[:-1]))
    return path


def test_the_list_is_counted_as_reconciliation_md_says(year_list, policy):
    result = import_enrollment(year_list)
    assert KEYS <= set(result)
    assert {key: result[key] for key in KEYS} == {
        "rows": 8,
        "enrolled": 5,
        "not_enrolled": 1,
        "not_in_registry": 1,
        "uncovered": 2,
        "duplicate": 1,
        "subsidy_mismatch": 1,
    }
    assert result["errors"] == [
        {"row": 11, "column": "身份证号", "message": "身份证号“12345”有 5 位，应为 18 位（或旧 15 位）。"}
    ]
    assert [(item["name"], item["reason"]) for item in result["uncovered_people"]] == [
        ("丙", "异地参保"),
        ("戊", ""),
    ]
    assert [(item["name"], item["expected"], item["recorded"]) for item in result["subsidy_mismatches"]] == [
        ("丁", "250.00", "150.00")
    ]
    assert not Enrollment.objects.exists()


def test_without_the_policy_block_subsidies_are_not_checked(year_list):
    assert import_enrollment(year_list)["subsidy_mismatch"] == 0


def test_a_list_with_an_unreadable_row_records_nothing_and_exits_2(year_list, policy, county_admin):
    out = io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command(
            "import_enrollment", str(year_list), "--year=2024", "--apply", "--json", "--user=county_admin",
            stdout=out, stderr=io.StringIO(),
        )
    assert info.value.returncode == 2
    assert "第 11 行“身份证号”列" in str(info.value) and "未写入任何数据" in str(info.value)
    report = json.loads(out.getvalue())
    assert report["applied"] is False and report["created"] == 0 and len(report["errors"]) == 1
    assert not Enrollment.objects.exists()


def test_applying_records_once_however_often_the_list_is_imported(
    valid_year_list, policy, county_admin, registry
):
    year_list = valid_year_list
    first = import_enrollment(year_list, "--apply", "--user=county_admin")
    assert (first["created"], first["updated"], first["removed"]) == (6, 0, 0)
    record = Enrollment.objects.get(beneficiary=registry["丙"])
    assert (record.status, record.reason, record.recorded_by) == ("not_enrolled", "elsewhere", county_admin)
    assert record.history.get().history_user == county_admin
    before = sorted(Enrollment.objects.values_list("pk", "status", "subsidy", "reason"))
    second = import_enrollment(year_list, "--apply", "--user=county_admin")
    assert (second["created"], second["updated"], second["removed"]) == (0, 0, 0)
    assert sorted(Enrollment.objects.values_list("pk", "status", "subsidy", "reason")) == before
    assert second["duplicate"] == 1 and second["uncovered"] == 2


def test_a_corrected_list_updates_the_records(valid_year_list, policy, tmp_path, registry):
    import_enrollment(valid_year_list, "--apply")
    corrected = tmp_path / "更正.xlsx"
    corrected.write_bytes(
        xlsx_bytes(
            [
                HEADER,
                [registry["乙"].id_number, "乙", "城乡居民基本医疗保险", "已参保", "150", ""],
                [registry["丁"].id_number, "丁", "城乡居民基本医疗保险", "已参保", "250", ""],
            ]
        )
    )
    result = import_enrollment(corrected, "--apply")
    assert (result["created"], result["updated"], result["removed"]) == (0, 1, 1)
    assert (result["duplicate"], result["subsidy_mismatch"]) == (0, 0)
    assert Enrollment.objects.filter(beneficiary=registry["乙"]).count() == 1


def test_people_outside_the_users_area_are_not_in_its_registry(
    year_list, admin_a, make_person, village_b, tmp_path
):
    outsider = make_person(village_b, name="外乡")
    path = tmp_path / "外乡.xlsx"
    path.write_bytes(
        xlsx_bytes([HEADER, [outsider.id_number, "外乡", "城乡居民基本医疗保险", "已参保", "0", ""]])
    )
    with pytest.raises(CommandError) as info:
        import_enrollment(path, "--apply", "--user=admin_a")
    assert info.value.returncode == 2 and "名单中没有您管辖区域内登记的人员" in str(info.value)
    assert "外乡" not in str(info.value)
    assert not Enrollment.objects.exists()


@pytest.mark.parametrize(
    ("options", "message"), [([], "请用 --year 指定参保年度"), (["--year=1899"], "不在 2000–2100 之间")]
)
def test_refused_options_exit_2(db, tmp_path, options, message):
    path = tmp_path / "参保.xlsx"
    path.write_bytes(xlsx_bytes([HEADER]))
    with pytest.raises(CommandError) as info:
        call_command("import_enrollment", str(path), *options, stderr=io.StringIO())
    assert info.value.returncode == 2 and message in str(info.value)


def test_a_list_without_the_status_column_is_refused(db, tmp_path):
    path = tmp_path / "参保.xlsx"
    path.write_bytes(xlsx_bytes([["身份证号", "姓名", "险种"]]))
    with pytest.raises(CommandError) as info:
        call_command("import_enrollment", str(path), "--year=2024", stderr=io.StringIO())
    assert "缺少必需的列：“参保状态”" in str(info.value)
