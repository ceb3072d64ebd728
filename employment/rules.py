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


# The values of the models' choices the rules turn on (the models import Django; these functions take plain data).
ENTERPRISE = "enterprise"  # Placement.Kind.ENTERPRISE
SECONDARY_VOCATIONAL = "secondary_vocational"  # SchoolLevel.SECONDARY_VOCATIONAL
RISKY_STATUSES = {"unstable": "回访为不稳定", "left": "回访为已离岗"}  # FollowUpVisit.Status
WITH_AMOUNT = ("subsidy", "loan")  # Support.Kind: money given; training and guidance are not counted in money
# An ended placement still counts against the promise of three years for this long after it ended: the clerk is
# to find the child another firm, and after a year the case is no longer followed.
BROKEN_FOLLOWED_DAYS = 365
LEFT_ON_VISIT = "回访确认已离岗"  # the end reason of a placement ended by a visit that found the child gone


def not_after_today(label: str, day: datetime.date, today: datetime.date) -> list[str]:
    return [f"{label} {day.isoformat()} 晚于今天。"] if day > today else []


def placement_start_problems(*, starts_on: datetime.date, today: datetime.date, monthly_wage,
                             overlapping: list[tuple[str, datetime.date, datetime.date | None]]) -> list[str]:
    """A new placement from ``starts_on``; ``overlapping`` are the person's placements still in force on or after
    that day (employer, start, end): a child holds one placement at a time, so the old one is ended first."""
    problems = not_after_today("上岗日期", starts_on, today)
    if monthly_wage is not None and monthly_wage <= 0:
        problems.append("月工资应大于 0（不清楚可不填）。")
    for employer, first, last in overlapping:
        until = f"至 {last.isoformat()}" if last else "至今"
        problems.append(f"{first.isoformat()} {until}已在“{employer}”安置，同一时间只能有一个安置；"
                        f"换岗请先登记原安置离岗。")
    return problems


def placement_end_problems(*, starts_on: datetime.date, ends_on: datetime.date, already_ended: datetime.date | None,
                           reason: str, today: datetime.date, last_visit_on: datetime.date | None = None) -> list[str]:
    """``ends_on`` is the last day at work: not before the start, nor before a visit that found the child there."""
    problems = []
    if already_ended is not None:
        problems.append(f"该安置已于 {already_ended.isoformat()} 离岗。")
    if ends_on < starts_on:
        problems.append(f"离岗日期 {ends_on.isoformat()} 早于上岗日期 {starts_on.isoformat()}。")
    elif last_visit_on is not None and ends_on < last_visit_on:
        problems.append(f"离岗日期 {ends_on.isoformat()} 早于 {last_visit_on.isoformat()} 的回访。")
    problems += not_after_today("离岗日期", ends_on, today)
    if not reason.strip():
        problems.append("请填写离岗原因。")
    return problems


def visit_problems(*, starts_on: datetime.date, ends_on: datetime.date | None, visited_on: datetime.date,
                   today: datetime.date) -> list[str]:
    problems = not_after_today("回访日期", visited_on, today)
    if visited_on < starts_on:
        problems.append(f"回访日期 {visited_on.isoformat()} 早于上岗日期 {starts_on.isoformat()}。")
    if ends_on is not None and visited_on > ends_on:
        problems.append(f"该安置已于 {ends_on.isoformat()} 离岗，离岗后不再回访；如已重新就业请登记新的安置。")
    return problems


def support_problems(*, kind: str, amount, provider: str, given_on: datetime.date,
                     today: datetime.date) -> dict[str, list[str]]:
    """A subsidy or a loan has its amount; training and guidance have none (their cost is not the child's money,
    and the statistics count them in people, not yuan); each names who gave it."""
    problems: dict[str, list[str]] = {}
    if kind in WITH_AMOUNT and amount is None:
        problems["amount"] = ["补助和贷款请填写金额。"]
    elif kind in WITH_AMOUNT and amount <= 0:
        problems["amount"] = ["金额应大于 0。"]
    elif kind not in WITH_AMOUNT and amount is not None:
        problems["amount"] = ["技能培训和一对一指导不填金额。"]
    if not provider.strip():
        problems["provider"] = ["请填写经办单位或指导人。"]
    if given_on > today:
        problems["given_on"] = not_after_today("日期", given_on, today)
    return problems


def support_void_problems(*, given_on: datetime.date, voided_on: datetime.date,
                          already_voided: datetime.date | None, reason: str, today: datetime.date) -> list[str]:
    problems = []
    if already_voided is not None:
        problems.append(f"该记录已于 {already_voided.isoformat()} 作废。")
    if voided_on < given_on:
        problems.append(f"作废日期 {voided_on.isoformat()} 早于发放日期 {given_on.isoformat()}。")
    problems += not_after_today("作废日期", voided_on, today)
    if not reason.strip():
        problems.append("请填写作废原因。")
    return problems


def three_years_apply(kind: str, level: str | None) -> bool:
    """The promise of three stable years is made for a 中职 graduate placed in a firm (企业吸纳)."""
    return kind == ENTERPRISE and level == SECONDARY_VOCATIONAL


def stable_progress(starts_on: datetime.date, day: datetime.date) -> tuple[int, int]:
    """(days worked by ``day``, days the three years hold): a placement begun later than ``day`` has none."""
    total = (stable_until(starts_on) - starts_on).days
    return min(max((day - starts_on).days, 0), total), total


def risks(*, starts_on: datetime.date, ends_on: datetime.date | None, last_visit_on: datetime.date | None,
          last_visit_status: str | None, day: datetime.date) -> list[str]:
    """Why a placement under the three-year rule is at risk on ``day`` (nothing when it is not): only within its
    three years; then because it ended before them, within the last year (the promise broken and the child to
    be placed again), or its latest visit found the child unsettled or gone, or its visit is overdue. The visit
    facts are those of visits made by ``day``."""
    if not starts_on <= day < stable_until(starts_on):
        return []
    if ends_on is not None and ends_on < day:  # the day it ends is still a day of work
        if (day - ends_on).days <= BROKEN_FOLLOWED_DAYS:
            return [f"未满三年于 {ends_on.isoformat()} 离岗"]
        return []
    found = []
    if last_visit_status in RISKY_STATUSES:
        found.append(f"{RISKY_STATUSES[last_visit_status]}（{last_visit_on.isoformat()}）")
    due = visit_due_on(starts_on, last_visit_on)
    if due < day:
        found.append(f"逾期未回访（应于 {due.isoformat()} 前回访）")
    return found
