"""The rules of the project library and of taking part, as plain functions of the data (no database): each
returns the problems found, in the words shown to the clerk, so that the window, the participation import and the
commands refuse alike."""

from __future__ import annotations

import datetime

# Where a project may go from each status: forward one step at a time, or 终止 before it is accepted.
STATUS_MOVES = {
    "reserve": {"approved", "cancelled"},
    "approved": {"implementing", "cancelled"},
    "implementing": {"completed", "cancelled"},
    "completed": {"accepted", "implementing"},  # failed acceptance sends it back to work
    "accepted": set(),
    "cancelled": set(),
}
# People may join a project once it is approved, and until it ends.
OPEN_TO_PARTICIPANTS = {"approved", "implementing", "completed", "accepted"}

# 劳动年龄: the poverty registry counts people from 16 through 60 as of working age.
WORKING_AGE_FIRST = 16
WORKING_AGE_LAST = 60


def working_age_born_between(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The birth dates (first, last) of people aged 16 through 60 on ``day``."""
    def years_before(years: int) -> datetime.date:
        try:
            return day.replace(year=day.year - years)
        except ValueError:  # 29 February
            return day.replace(year=day.year - years, day=28)

    earliest = years_before(WORKING_AGE_LAST + 1) + datetime.timedelta(days=1)
    return earliest, years_before(WORKING_AGE_FIRST)


def status_move_problems(current: str, new: str, on: datetime.date, last_on: datetime.date,
                         today: datetime.date, labels: dict[str, str]) -> list[str]:
    problems = []
    if new not in STATUS_MOVES.get(current, set()):
        problems.append(f"项目状态不能从“{labels.get(current, current)}”改为“{labels.get(new, new)}”。")
    if on > today:
        problems.append(f"状态日期 {on.isoformat()} 晚于今天。")
    if on < last_on:
        problems.append(f"状态日期 {on.isoformat()} 早于上一状态的日期 {last_on.isoformat()}。")
    return problems


def participation_problems(*, project_status: str, project_status_label: str, starts_on: datetime.date,
                           today: datetime.date, already_open: bool) -> dict[str, list[str]]:
    """What is wrong with a person joining a project, by field (an empty dict when nothing is)."""
    problems: dict[str, list[str]] = {}
    if project_status not in OPEN_TO_PARTICIPANTS:
        problems.setdefault("project", []).append(f"项目处于“{project_status_label}”状态，不能登记参与。")
    if starts_on > today:
        problems.setdefault("starts_on", []).append(f"参与日期 {starts_on.isoformat()} 晚于今天。")
    if already_open:
        problems.setdefault("project", []).append("此人已在该项目中，未退出前不能重复登记。")
    return problems
