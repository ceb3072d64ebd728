import datetime

import pytest

from beneficiaries.idnumbers import IdNumberError, check_character, mask, mask_phone, parse


@pytest.mark.parametrize(
    "number, birth, sex",
    [
        ("11010519491231002X", datetime.date(1949, 12, 31), "F"),
        ("440524188001010014", datetime.date(1880, 1, 1), "M"),
        ("11011119500101001X", datetime.date(1950, 1, 1), "M"),
    ],
)
def test_valid_numbers_are_accepted_with_birth_date_and_sex(number, birth, sex):
    parsed = parse(number)
    assert (parsed.number, parsed.birth_date, parsed.sex) == (number, birth, sex)


def test_wrong_check_character_is_refused_saying_which_is_expected():
    with pytest.raises(IdNumberError) as info:
        parse("110105194912310021")
    assert info.value.code == "check_character"
    assert "校验位错误" in info.value.message and "应为 X" in info.value.message


def test_31_february_is_refused_as_a_birth_date_that_does_not_exist():
    first17 = "11010519490231002"
    with pytest.raises(IdNumberError) as info:
        parse(first17 + check_character(first17))
    assert info.value.code == "birth_date"
    assert "1949-02-31 不存在" in info.value.message


def test_a_17_character_number_is_refused_for_its_length():
    with pytest.raises(IdNumberError) as info:
        parse("11010519491231002")
    assert info.value.code == "length"
    assert "17 位" in info.value.message


def test_a_15_digit_number_is_upgraded():
    assert parse("110105491231002").number == "11010519491231002X"


def test_the_area_code_is_never_a_reason_to_reject():
    # 999999 is no area at all; the number is still a person's real number.
    first17 = "99999919800101001"
    assert parse(first17 + check_character(first17)).number == first17 + check_character(first17)


def test_full_width_characters_spaces_and_lower_case_x_are_normalised():
    assert parse(" １１０１０５１９４９１２３１００２ｘ ").number == "11010519491231002X"


def test_a_number_excel_rounded_is_refused_as_rounded():
    with pytest.raises(IdNumberError) as info:
        parse("5.00242198001010E+17")
    assert info.value.code == "rounded"


def test_a_future_birth_date_is_refused():
    first17 = "11010520990101001"
    with pytest.raises(IdNumberError) as info:
        parse(first17 + check_character(first17), today=datetime.date(2026, 1, 1))
    assert info.value.code == "birth_date"


def test_masks_keep_four_and_four_characters_and_phone_three_and_four():
    assert mask("500242198001010016") == "5002**********0016"
    assert mask_phone("13812345678") == "138****5678"


@pytest.mark.parametrize(
    "digits",
    [str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"), str.maketrans("0123456789", "०१२३४५६७८९")],
    ids=["arabic-indic", "devanagari"],
)
def test_digits_of_other_scripts_are_refused_even_where_the_check_character_is_x(digits):
    # With X last, Python reads every other character as a digit: the number would pass as another person.
    number = next(
        first17 + "X"
        for sequence in range(1, 1000)
        if check_character(first17 := f"50024219600504{sequence:03d}") == "X"
    )
    assert parse(number).number == number
    with pytest.raises(IdNumberError) as info:
        parse(number.translate(digits))
    assert info.value.code == "script" and "0–9 和 X 以外的字符" in info.value.message


def test_full_width_digits_are_the_same_number():
    number = "11010519491231002X"
    full_width = number.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    assert parse(full_width).number == number
