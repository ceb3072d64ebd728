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
                           today: datetime.date, already_open: bool,
                           open_since: datetime.date | None = None) -> dict[str, list[str]]:
    """What is wrong with a person joining a project, by field (an empty dict when nothing is). ``open_since`` is the
    day the project was first open to participants (立项): nobody takes part in a project still in reserve."""
    problems: dict[str, list[str]] = {}
    if project_status not in OPEN_TO_PARTICIPANTS:
        problems.setdefault("project", []).append(f"项目处于“{project_status_label}”状态，不能登记参与。")
    if starts_on > today:
        problems.setdefault("starts_on", []).append(f"参与日期 {starts_on.isoformat()} 晚于今天。")
    elif open_since is not None and starts_on < open_since:
        problems.setdefault("starts_on", []).append(
            f"参与日期 {starts_on.isoformat()} 早于项目立项日期 {open_since.isoformat()}。")
    if already_open:
        problems.setdefault("project", []).append("此人已在该项目中，未退出前不能重复登记。")
    return problems


def planned_dates_problems(planned_start: datetime.date | None, planned_end: datetime.date | None) -> list[str]:
    if planned_start and planned_end and planned_end < planned_start:
        return [f"计划完工日期 {planned_end.isoformat()} 早于计划开工日期 {planned_start.isoformat()}。"]
    return []


def participant_place_problems(*, person_village: str, project_area: str, project_area_name: str) -> list[str]:
    """A person takes part in a project of their own township: every project is placed at a township or one of its
    villages (精准到乡镇、到村), and its participants are counted there."""
    if person_village[:9] != project_area[:9]:
        return [f"参与人不住在项目所在乡镇（{project_area_name}）：只能参与本乡镇的项目。"]
    return []


def correction_problems(*, total: object, amount: object, what: str) -> list[str]:
    """A line of money (funding by source, a participation's income) is never zero, and a negative correction may
    take back at most what is recorded: ``total`` is the sum before the line."""
    if amount == 0:
        return ["金额不能为 0；更正请填写差额（冲减填负数）。"]
    if total + amount < 0:
        return [f"冲减后{what}为 {total + amount:.2f} 元，不能小于 0（现有 {total:.2f} 元）。"]
    return []


def participation_end_problems(*, starts_on: datetime.date, ends_on: datetime.date, today: datetime.date,
                               already_ended: datetime.date | None) -> list[str]:
    problems = []
    if already_ended is not None:
        problems.append(f"该参与已于 {already_ended.isoformat()} 退出。")
    if ends_on < starts_on:
        problems.append(f"退出日期 {ends_on.isoformat()} 早于参与日期 {starts_on.isoformat()}。")
    if ends_on > today:
        problems.append(f"退出日期 {ends_on.isoformat()} 晚于今天。")
    return problems
