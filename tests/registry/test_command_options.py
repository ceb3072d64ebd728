"""The amount option the commands above the registry share (beneficiaries/cli.py): employment's support, where an
amount may be left out, and the project money, where a negative amount corrects an earlier one."""

from decimal import Decimal

import pytest
from django.core.management.base import CommandError

from beneficiaries.cli import option_amount


def test_an_amount_is_read_to_the_fen():
    assert option_amount("12.5") == Decimal("12.50")
    assert str(option_amount("800")) == "800.00"


def test_an_optional_amount_left_out_is_none_and_a_required_one_is_refused():
    assert option_amount(None, required=False) is None
    assert option_amount("", required=False) is None
    with pytest.raises(CommandError) as refused:
        option_amount(None)
    assert refused.value.returncode == 2


@pytest.mark.parametrize("text", ["1.001", "一千", "nan", "Infinity"])
def test_what_is_not_yuan_and_fen_is_refused_naming_the_option(text):
    with pytest.raises(CommandError) as refused:
        option_amount(text)
    assert str(refused.value) == f"--amount：“{text}”不是金额（元，至多两位小数）。"
    with pytest.raises(CommandError) as correcting:
        option_amount(text, signed=True)
    assert str(correcting.value) == f"--amount：“{text}”不是金额（元，至多两位小数；冲减填负数）。"


def test_a_correction_keeps_its_sign():
    assert option_amount("-300.10", signed=True) == Decimal("-300.10")


def test_a_wage_is_refused_naming_its_own_option():
    with pytest.raises(CommandError) as refused:
        option_amount("三千", required=False, option="--wage")
    assert str(refused.value) == "--wage：“三千”不是金额（元，至多两位小数）。"
