"""Reporting periods: a month, a quarter, a year or any span of days, each with its label for reports."""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass

QUARTER_NAMES = {1: "第一季度", 2: "第二季度", 3: "第三季度", 4: "第四季度"}


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    """The days ``first`` to ``last``, both included."""

    first: datetime.date
    last: datetime.date
    label: str

    @property
    def years(self) -> range:
        return range(self.first.year, self.last.year + 1)


def days_period(first: datetime.date, last: datetime.date) -> Period:
    if first > last:
        raise PeriodError(f"起始日期 {first.isoformat()} 晚于截止日期 {last.isoformat()}。")
    return Period(first, last, f"{first.isoformat()} 至 {last.isoformat()}")


def month_period(year: int, month: int) -> Period:
    last_day = calendar.monthrange(year, month)[1]
    return Period(datetime.date(year, month, 1), datetime.date(year, month, last_day), f"{year}年{month}月")


def quarter_period(year: int, quarter: int) -> Period:
    first_month = 3 * (quarter - 1) + 1
    last = month_period(year, first_month + 2).last
    return Period(datetime.date(year, first_month, 1), last, f"{year}年{QUARTER_NAMES[quarter]}")


def year_period(year: int) -> Period:
    return Period(datetime.date(year, 1, 1), datetime.date(year, 12, 31), f"{year}年")


def quarter_code(period: Period) -> str:
    """``2024Q3`` for the quarter that starts the period."""
    return f"{period.first.year}Q{(period.first.month - 1) // 3 + 1}"


def parse_quarter(text: str) -> Period:
    """``2024Q3`` (or ``2024q3``) → the third quarter of 2024."""
    match = re.fullmatch(r"(\d{4})[Qq]([1-4])", text.strip())
    if not match:
        raise PeriodError(f"季度“{text}”应写作 年份Q季度，例如 2024Q3（2024 年第三季度）。")
    return quarter_period(int(match[1]), int(match[2]))


def parse_month(text: str) -> Period:
    match = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
    if not match or not 1 <= int(match[2]) <= 12:
        raise PeriodError(f"月份“{text}”应写作 YYYY-MM，例如 2024-05。")
    return month_period(int(match[1]), int(match[2]))


def parse_day(text: str) -> datetime.date:
    text = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return datetime.date.fromisoformat(text)
        except ValueError:
            pass
    raise PeriodError(f"日期“{text}”应写作 YYYY-MM-DD，例如 2024-03-31。")
