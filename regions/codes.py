"""Administrative division codes and the area prefixes that scope everything (commands.md, "Area codes").

Counties, cities and provinces have 6-digit codes (GB/T 2260), townships 9 digits and villages 12.
An area is a code prefix: trailing ``00`` pairs of a 6-digit code are dropped (``500000`` → ``50``,
``500200`` → ``5002``) and a 12-digit code ending in ``000`` is its township's 9 digits.
"""

from __future__ import annotations

import re


class Level:
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"

    CHOICES = [
        (PROVINCE, "省级"),
        (CITY, "地市级"),
        (COUNTY, "县级"),
        (TOWNSHIP, "乡镇级"),
        (VILLAGE, "村级"),
    ]


class AreaCodeError(ValueError):
    pass


def canonical(code: object) -> str:
    """The stored form of a region's code: 6 digits for counties and above, 9 for townships, 12 for villages."""
    text = str(code if code is not None else "").strip()
    if not re.fullmatch(r"[0-9]{6}|[0-9]{9}|[0-9]{12}", text):
        raise AreaCodeError(f"区划代码“{text}”应为 6 位（县级及以上）、9 位（乡镇）或 12 位（村）数字。")
    if len(text) == 12 and text.endswith("000"):
        return text[:9]
    return text


def area_prefix(code: object) -> str:
    """The prefix that every code inside the area starts with; an empty code means the whole country."""
    text = str(code if code is not None else "").strip()
    if text == "":
        return ""
    if not re.fullmatch(r"[0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12}", text):
        raise AreaCodeError(f"区域代码“{text}”应为 2、4、6、9 或 12 位数字。")
    if len(text) == 12 and text.endswith("000"):
        return text[:9]
    if len(text) == 6:
        while text.endswith("00") and len(text) > 2:
            text = text[:-2]
    return text


def level_of(code: str) -> str:
    if len(code) == 12:
        return Level.VILLAGE
    if len(code) == 9:
        return Level.TOWNSHIP
    if code.endswith("0000"):
        return Level.PROVINCE
    if code.endswith("00"):
        return Level.CITY
    return Level.COUNTY


def parent_candidates(code: str) -> list[str]:
    """Codes that may be this region's parent, nearest first (a county may sit directly under a province)."""
    if len(code) == 12:
        return [code[:9]]
    if len(code) == 9:
        return [code[:6]]
    level = level_of(code)
    if level == Level.COUNTY:
        return [code[:4] + "00", code[:2] + "0000"]
    if level == Level.CITY:
        return [code[:2] + "0000"]
    return []
