"""Resident identity numbers (公民身份号码, GB 11643-1999).

An 18-character number: 6 digits of the issuing area, 8 of the birth date, 3 of sequence (odd for
men), and a check character by ISO 7064 MOD 11-2 (``0``–``9`` or ``X``). A 15-digit number from
before 1999 is upgraded by inserting ``19`` before the 2-digit year and appending the check
character. The area digits are never checked: they say where the number was issued, not where the
person lives, and codes are abolished and reused over time.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass
from operator import mul

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"
ZERO_WEIGHTED = ord("0") * sum(WEIGHTS)
EARLIEST_BIRTH_YEAR = 1850
# What nearly every cell of a list already is; such text needs no normalising (a county's first list
# is a hundred thousand IDs, each parsed once).
CLEAN = re.compile(r"[0-9]{17}[0-9X]")
WHITESPACE = re.compile(r"\s+")
ROUNDED = re.compile(r"\d(\.\d+)?E\+\d+")
FIFTEEN_DIGITS = re.compile(r"[0-9]{15}")


class IdNumberError(ValueError):
    """An ID number that is not a valid GB 11643 number; ``code`` says why."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class IdNumber:
    number: str
    birth_date: datetime.date
    sex: str  # "M" or "F"


def check_character(first17: str) -> str:
    """The check character of 17 digits. Each digit's byte is 48 more than its value, so the weighted sum
    of the bytes is 48 × the sum of the weights more than the weighted sum of the digits (no int() each)."""
    return CHECK_CHARACTERS[(sum(map(mul, first17.encode("ascii"), WEIGHTS)) - ZERO_WEIGHTED) % 11]


def normalize(raw: object) -> str:
    """Text of an ID as people and spreadsheets write it: full-width forms, spaces and a lower-case x.

    NFKC folds full-width (and other compatibility) digits to ASCII; digits of other scripts (Arabic-
    Indic ٥, Devanagari ५ …) stay as they are, and ``parse`` refuses them: Python would read them as
    numbers, and the same person could be registered a second time under them.
    """
    if type(raw) is str and CLEAN.fullmatch(raw):
        return raw
    text = unicodedata.normalize("NFKC", str(raw if raw is not None else ""))
    return WHITESPACE.sub("", text).upper()


def parse(raw: object, *, today: datetime.date | None = None) -> IdNumber:
    """Validate and upgrade an ID number, or raise IdNumberError with a Chinese message saying why."""
    number = normalize(raw)
    if not CLEAN.fullmatch(number):
        number = _upgraded(number)
    try:
        birth_date = birth_date_of(number)
    except ValueError:
        raise IdNumberError(
            "birth_date", f"身份证号“{number}”中的出生日期 {number[6:10]}-{number[10:12]}-{number[12:14]} 不存在。"
        ) from None
    today = today or datetime.date.today()
    if not EARLIEST_BIRTH_YEAR <= birth_date.year or birth_date > today:
        raise IdNumberError("birth_date", f"身份证号“{number}”中的出生日期 {birth_date.isoformat()} 不在合理范围内。")
    expected = check_character(number[:17])
    if number[17] != expected:
        raise IdNumberError(
            "check_character", f"身份证号“{number}”校验位错误：最后一位应为 {expected}，实际为 {number[17]}。"
        )
    return IdNumber(number=number, birth_date=birth_date, sex=sex_of(number))


def _upgraded(number: str) -> str:
    """A normalised text that is not 17 digits and a check character: the 18-character number of a
    15-digit one, or IdNumberError saying what is wrong with it."""
    if not number:
        raise IdNumberError("empty", "身份证号不能为空。")
    if not number.isascii():
        raise IdNumberError("script", f"身份证号“{number}”含有 0–9 和 X 以外的字符（如其他文字的数字），请用半角数字重新填写。")
    if ROUNDED.fullmatch(number):
        raise IdNumberError("rounded", f"身份证号“{number}”已被 Excel 按数字舍入（科学计数法），无法还原，请按文本重新导出。")
    if len(number) == 15:
        if not FIFTEEN_DIGITS.fullmatch(number):
            raise IdNumberError("format", f"15 位身份证号“{number}”只能由数字组成。")
        first17 = number[:6] + "19" + number[6:]
        number = first17 + check_character(first17)
    elif len(number) != 18:
        raise IdNumberError("length", f"身份证号“{number}”有 {len(number)} 位，应为 18 位（或旧 15 位）。")
    if not CLEAN.fullmatch(number):
        raise IdNumberError("format", f"身份证号“{number}”格式不对：前 17 位应为数字，最后一位为数字或 X。")
    return number


def sex_of(number: str) -> str:
    """``M`` or ``F``, as the sequence digit of a valid number says (odd for men)."""
    return "M" if int(number[16]) % 2 else "F"


def birth_date_of(number: str) -> datetime.date:
    """The birth date a valid 18-character number states."""
    return datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def mask(number: str) -> str:
    """``5002**********0016``: the first four and last four characters stay."""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_phone(phone: str) -> str:
    """``138****1234``: the first three and last four digits stay."""
    if len(phone) <= 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
