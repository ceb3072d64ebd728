"""The comparison on its own: rows and a registry in, outcomes out, no database."""

import datetime

from beneficiaries.idnumbers import check_character
from rosters.comparison import ListedRow, Outcome, RegistryPerson, Vocabulary, compare, person_name

VILLAGE = "500242100201"
OTHER_VILLAGE = "500242101201"
OUTSIDE_VILLAGE = "500241100201"
VOCABULARY = Vocabulary(
    aliases={
        "农村低保": "dibao_rural",
        "特困供养": "tekun_rural",
        "建档立卡": "poor",
        "城镇低保": "dibao_urban",
    },
    category_sources={
        "dibao_rural": "civil_affairs",
        "tekun_rural": "civil_affairs",
        "dibao_urban": "civil_affairs",
        "poor": "poverty_office",
    },
    villages={VILLAGE: "龙潭镇红花村", OTHER_VILLAGE: "麻旺镇白果村", OUTSIDE_VILLAGE: "秀山县中和村"},
    area_prefix="500242",
)


def number(sequence: int) -> str:
    first17 = f"50024219600504{sequence:03d}"
    return first17 + check_character(first17)


def row(line, id_text, name="张三", category="农村低保", village=VILLAGE, **extra) -> ListedRow:
    return ListedRow(
        row=line, id_text=id_text, name=name, category_text=category, village_code=village, **extra
    )


def run(rows, registry=None, **options):
    return compare(
        rows=rows, registry=registry or {}, source="civil_affairs", vocabulary=VOCABULARY, **options
    )


def test_each_person_outcome():
    # given: four registry people and a list naming three of them and one stranger
    registry = {
        number(1): RegistryPerson("甲", VILLAGE, frozenset({"dibao_rural"})),
        number(2): RegistryPerson("乙", VILLAGE, frozenset({"dibao_rural"})),
        number(3): RegistryPerson("丙", VILLAGE),
        number(4): RegistryPerson("丁", VILLAGE, frozenset({"tekun_rural"})),
    }
    rows = [
        row(3, number(1), "甲"),
        row(4, number(2), "乙", "特困供养"),
        row(5, number(3), "丙"),
        row(6, number(5), "戊"),
    ]
    # when
    result = run(rows, registry)
    # then
    outcomes = {finding.id_number: finding.outcome for finding in result.findings}
    assert outcomes == {
        number(1): Outcome.UNCHANGED,
        number(2): Outcome.CHANGED,
        number(3): Outcome.CATEGORY_ADDED,
        number(5): Outcome.NEW,
        number(4): Outcome.EXITED,
    }
    changed = result.of(Outcome.CHANGED)[0]
    assert (changed.before, changed.after, changed.rows) == (
        frozenset({"dibao_rural"}),
        frozenset({"tekun_rural"}),
        (4,),
    )
    assert result.counts() == {
        "new": 1,
        "category_added": 1,
        "changed": 1,
        "exited": 1,
        "mismatch": 0,
        "duplicate": 0,
        "invalid_id": 0,
        "rejected": 0,
        "unchanged": 1,
    }


def test_mismatch_counts_in_no_other_outcome_and_names_the_difference():
    registry = {
        number(1): RegistryPerson("田小红", VILLAGE, frozenset({"dibao_rural"})),
        number(2): RegistryPerson("李四", VILLAGE, frozenset({"dibao_rural"})),
    }
    result = run(
        [row(3, number(1), "田晓红", "特困供养"), row(4, number(2), "李四", village=OTHER_VILLAGE)], registry
    )
    assert result.counts()["mismatch"] == 2 and sum(result.counts().values()) == 2
    first, second = result.of(Outcome.MISMATCH)
    assert "名单为“田晓红”，系统为“田小红”" in first.message
    # villages by name with their codes: the same name recurs in other townships
    assert f"所在村：名单为 麻旺镇白果村（{OTHER_VILLAGE}），系统为 龙潭镇红花村（{VILLAGE}）。" == second.message


def test_names_match_after_full_width_and_padding_spaces_are_folded():
    registry = {number(1): RegistryPerson("张三", VILLAGE, frozenset({"dibao_rural"}))}
    result = run([row(3, number(1), "张\u3000三")], registry)
    assert result.counts()["unchanged"] == 1
    assert person_name("张  三") == "张三" and person_name("Ayi Mu") == "Ayi Mu"


def test_invalid_ids_are_counted_per_row_with_the_reason():
    bad_check = number(1)[:-1] + ("0" if number(1)[-1] != "0" else "1")
    result = run([row(3, bad_check), row(4, "1.10101199001011E+17"), row(5, "12345"), row(6, bad_check)])
    assert result.counts()["invalid_id"] == 4 and result.counts()["new"] == 0
    messages = [finding.message for finding in result.of(Outcome.INVALID_ID)]
    assert "校验位错误" in messages[0] and "Excel" in messages[1] and "18 位" in messages[2]
    assert [finding.rows for finding in result.of(Outcome.INVALID_ID)] == [(3,), (4,), (5,), (6,)]


def test_a_15_digit_id_is_upgraded_before_anything_else():
    legacy = "500242600504001"
    upgraded = "50024219600504001" + check_character("50024219600504001")
    registry = {upgraded: RegistryPerson("甲", VILLAGE, frozenset({"dibao_rural"}))}
    result = run([row(3, legacy, "甲")], registry)
    assert result.counts()["unchanged"] == 1 and result.counts()["exited"] == 0


def test_repeats_are_handled_once_and_counted_as_duplicates_too():
    result = run([row(3, number(1), "甲"), row(9, number(1), "甲"), row(10, number(2), "乙")])
    assert result.counts()["duplicate"] == 1 and result.counts()["new"] == 2
    duplicate = result.of(Outcome.DUPLICATE)[0]
    assert duplicate.rows == (3, 9) and "第 3、9 行" in duplicate.message


def test_one_row_per_category_is_not_a_duplicate_and_categories_are_the_union():
    registry = {number(1): RegistryPerson("甲", VILLAGE, frozenset({"dibao_rural"}))}
    result = run([row(3, number(1), "甲"), row(4, number(1), "甲", "特困供养")], registry)
    assert result.counts()["duplicate"] == 0 and result.counts()["changed"] == 1
    assert result.of(Outcome.CHANGED)[0].after == frozenset({"dibao_rural", "tekun_rural"})


def test_conflicting_rows_get_nothing_and_count_only_as_duplicate():
    registry = {number(1): RegistryPerson("甲", VILLAGE, frozenset({"dibao_rural"}))}
    result = run([row(3, number(1), "甲"), row(4, number(1), "乙", "特困供养")], registry)
    assert result.counts() == {**{outcome.value: 0 for outcome in Outcome}, "duplicate": 1}
    assert "姓名或所在村不一致" in result.of(Outcome.DUPLICATE)[0].message


def test_rejected_rows_say_why_and_count_per_row():
    rows = [
        row(3, number(1), category="低保"),
        row(4, number(2), category="建档立卡"),
        row(5, number(3), village="500242100299"),
        row(6, number(4), village=OUTSIDE_VILLAGE),
        row(7, number(5), village="500242100"),
        row(8, number(6), name=""),
        row(9, number(7), category=""),
        row(10, number(8), head_id_text="123"),
    ]
    result = run(rows)
    assert result.counts()["rejected"] == 8 and sum(result.counts().values()) == 8
    messages = [finding.message for finding in result.of(Outcome.REJECTED)]
    assert "类别“低保”没有对应的身份类别" in messages[0]
    assert "由扶贫/乡村振兴部门认定，不能由民政部门的名单变更" in messages[1]
    assert "不在系统的行政区划中" in messages[2]
    assert messages[3] == f"秀山县中和村（{OUTSIDE_VILLAGE}）不在本次比对的区域内。"
    assert "不是 12 位的村级区划代码" in messages[4]
    assert "“姓名”为空" in messages[5] and "“类别”为空" in messages[6] and "户主身份证号" in messages[7]


def test_a_person_whose_only_row_is_rejected_does_not_exit():
    registry = {number(1): RegistryPerson("甲", VILLAGE, frozenset({"dibao_rural"}))}
    result = run([row(3, number(1), "甲", "农村低保户口")], registry)
    assert result.counts()["rejected"] == 1 and result.counts()["exited"] == 0


def test_a_civil_affairs_list_never_touches_poor():
    # The services pass only civil-affairs holdings; a poverty category on the list is rejected.
    registry = {number(1): RegistryPerson("甲", VILLAGE, frozenset({"dibao_rural"}))}
    result = run([row(3, number(1), "甲", "农村低保、建档立卡")], registry)
    assert result.counts()["rejected"] == 1 and result.counts()["exited"] == 0


def test_several_categories_in_one_cell_and_the_default_category():
    result = run(
        [row(3, number(1), "甲", "农村低保、特困供养"), row(4, number(2), "乙", "")],
        default_category="dibao_rural",
    )
    first, second = result.of(Outcome.NEW)
    assert first.after == frozenset({"dibao_rural", "tekun_rural"}) and second.after == frozenset(
        {"dibao_rural"}
    )


def test_new_people_carry_their_household_details():
    result = run([row(3, number(1), "甲", head_id_text=number(2), relation="之子", phone="13800000000")])
    new = result.of(Outcome.NEW)[0]
    assert (new.head_id_number, new.relation, new.phone) == (number(2), "之子", "13800000000")


def test_findings_follow_the_file_and_the_people_who_left_come_last():
    registry = {number(9): RegistryPerson("壬", VILLAGE, frozenset({"dibao_rural"}))}
    result = run(
        [row(5, number(2), "乙"), row(3, "bad"), row(4, number(1), "甲")],
        registry,
        today=datetime.date(2024, 5, 1),
    )
    assert [finding.rows for finding in result.findings] == [(3,), (4,), (5,), ()]


def test_a_person_registered_outside_the_area_is_not_described_to_the_user():
    # 曾辉丽 lives in another county; a township's list names her ID in the township.
    registry = {number(1): RegistryPerson("曾辉丽", "500243100201")}
    (finding,) = run([row(2, number(1), "张三")], registry).findings
    assert finding.outcome == Outcome.MISMATCH
    assert finding.message == "该身份证号已在本次比对区域之外登记，请联系县级管理员核实。"
    assert (finding.name, finding.village_code) == ("张三", VILLAGE)  # the list's own words only
