"""The rules of the employment ledger, as plain functions of the data (no database): each returns the problems
found, in the words shown to the clerk, so that the window, the survey import and the commands refuse alike; and
the dates the follow-up of a placement turns on."""

from __future__ import annotations

import datetime

# The plan promises a 中职 graduate placed in a firm "稳定就业三年".
STABLE_YEARS = 3
# A placement in force is visited at least once a quarter (跟踪回访); one not visited for longer is due.
VISIT_INTERVAL_DAYS = 90
# Children are surveyed from this age (a child still at school is surveyed too, with the year they will graduate).
SURVEY_MIN_AGE = 14
# How far ahead a graduation year may lie: a first-year student of a five-year course.
GRADUATION_YEARS_AHEAD = 6


def survey_problems(*, year: int, graduation_year: int, surveyed_on: datetime.date, birth_date: datetime.date,
                    today: datetime.date, wants_business: bool, business_plan: str) -> dict[str, list[str]]:
    """What is wrong with one child's survey record, by field (an empty dict when nothing is)."""
    problems: dict[str, list[str]] = {}

    def add(field: str, text: str) -> None:
        problems.setdefault(field, []).append(text)

    if surveyed_on > today:
        add("surveyed_on", f"摸排日期 {surveyed_on.isoformat()} 晚于今天。")
    if surveyed_on.year != year:
        add("surveyed_on", f"摸排日期 {surveyed_on.isoformat()} 不在摸排年度 {year} 年内。")
    if year > today.year:
        add("year", f"摸排年度 {year} 晚于今年。")
    if graduation_year > year + GRADUATION_YEARS_AHEAD:
        add("graduation_year", f"毕业年份 {graduation_year} 晚于摸排年度 {GRADUATION_YEARS_AHEAD} 年以上。")
    if graduation_year < birth_date.year + SURVEY_MIN_AGE:
        add("graduation_year", f"毕业年份 {graduation_year} 早于本人 {SURVEY_MIN_AGE} 岁（{birth_date.year} 年出生）。")
    if business_plan.strip() and not wants_business:
        add("business_plan", "填写了创业意向，但“有创业愿望”为否。")
    return problems


def stable_until(starts_on: datetime.date) -> datetime.date:
    """The day a placement begun on ``starts_on`` has lasted the three years (the same day three years on; 29
    February falls to 28 February)."""
    try:
        return starts_on.replace(year=starts_on.year + STABLE_YEARS)
    except ValueError:
        return starts_on.replace(year=starts_on.year + STABLE_YEARS, day=28)


def visit_due_on(starts_on: datetime.date, last_visit: datetime.date | None) -> datetime.date:
    """The day a placement in force is due its next follow-up visit."""
    return (last_visit or starts_on) + datetime.timedelta(days=VISIT_INTERVAL_DAYS)
