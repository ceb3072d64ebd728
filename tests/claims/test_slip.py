"""The slip's amounts in capitals (大写金额) and its settlement number."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from config.money import amount_in_words

DIGITS = {c: i for i, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
PLACES = {"拾": 10, "佰": 100, "仟": 1000}


def cents_of(words: str) -> int:
    """Reads capitals back (the inverse the tests check against): 元 and what precedes it, then 角 and 分."""
    yuan, _, rest = words.rpartition("元") if "元" in words else ("", "", words)
    total, group, digit = 0, 0, 0
    for char in yuan:
        if char in DIGITS:
            digit = DIGITS[char]
        elif char in PLACES:
            group, digit = group + digit * PLACES[char], 0
        elif char == "万":
            total, group, digit = total + (group + digit) * 10_000, 0, 0
        elif char == "亿":
            total, group, digit = (total + group + digit) * 100_000_000, 0, 0
    cents = (total + group + digit) * 100
    for char, unit in (("角", 10), ("分", 1)):
        if char in rest:
            cents += DIGITS[rest[rest.index(char) - 1]] * unit
    return cents


@pytest.mark.parametrize("amount, words", [
    # The examples of 《正确填写票据和结算凭证的基本规定》.
    ("1409.50", "壹仟肆佰零玖元伍角"),
    ("6007.14", "陆仟零柒元壹角肆分"),
    ("1680.32", "壹仟陆佰捌拾元叁角贰分"),
    ("107000.53", "壹拾万零柒仟元伍角叁分"),
    ("325.04", "叁佰贰拾伍元零肆分"),
    # Whole yuan end in 整; nothing below a yuan has no 元; zeros inside a group and across groups.
    ("60000", "陆万元整"),
    ("0", "零元整"),
    ("0.05", "伍分"),
    ("0.50", "伍角"),
    ("1000001", "壹佰万零壹元整"),
    ("100000000.01", "壹亿元零壹分"),
    ("210000000000", "贰仟壹佰亿元整"),
    ("9269.795", "玖仟贰佰陆拾玖元捌角"),  # half up to the cent first
])
def test_amounts_are_written_in_capitals_as_the_payment_rules_say(amount, words):
    assert amount_in_words(Decimal(amount)) == words


@given(st.integers(min_value=0, max_value=99_999_999_999_999))
def test_capitals_read_back_to_the_same_cents_and_never_double_a_zero(cents):
    words = amount_in_words(Decimal(cents) / 100)
    assert cents_of(words) == cents, words
    assert "零零" not in words and not words.startswith("零" if cents else "-")
    assert words.endswith("整") == (cents % 100 == 0)


def test_the_slip_has_a_settlement_number_and_marks_a_voided_bill(client, clerk_a, load_vector_policy, make_person,
                                                                  village_a, covered, settle):
    load_vector_policy("youyang-2017")
    person = covered(make_person(village_a, name="冉玉梅"), 2017, ["poor"])
    claim = settle(clerk_a, person, day=datetime.date(2017, 8, 3), total="60000", in_catalog="48000",
                   admission_number="ZY001").claim
    settlement = claim.settlements.get()
    assert settlement.number == f"{village_a.code[:6]}-{settlement.settled_at.year}-{settlement.pk:08d}"
    client.force_login(clerk_a)
    slip = client.get(reverse("claim_slip", args=[claim.pk])).content.decode()
    assert settlement.number in slip and "ZY001" in slip and "伍万零柒佰叁拾元贰角" in slip
    assert "不得作为报销" not in slip
    client.post(reverse("claim_void", args=[claim.pk]), {"reason": "医院重复上传"})
    slip = client.get(reverse("claim_slip", args=[claim.pk])).content.decode()
    assert 'class="void-mark"' in slip and "不得作为报销、支付或记账凭证" in slip
    detail = client.get(reverse("claim_detail", args=[claim.pk])).content.decode()
    assert "作废前的结算结果（已不再有效" in detail and "打印结算单" not in detail
