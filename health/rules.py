"""The rules of the health records, as plain functions of the data (no database): each returns the problems
found, in the words shown to the clerk, so that the window, the list import and the commands refuse alike."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

CASE_MOVES = {  # 分类救治: where a case may go from each status
    "pending": {"treating", "treated", "closed"},
    "treating": {"treated", "closed"},
    "treated": {"treating", "closed"},  # a relapse reopens the case
    "closed": set(),
}


@dataclass(frozen=True)
class Period:
    """A contract's days: from ``first`` through ``last`` (a contract ended before it started has none)."""

    first: datetime.date
    last: datetime.date

    def overlaps(self, other: Period) -> bool:
        return self.first <= other.last and other.first <= self.last and self.first <= self.last \
            and other.first <= other.last


def contract_dates(signed_on: datetime.date, starts_on: datetime.date, ends_on: datetime.date,
                   today: datetime.date) -> list[str]:
    problems = []
    if signed_on > today:
        problems.append(f"签约日期 {signed_on.isoformat()} 晚于今天。")
    if starts_on < signed_on:
        problems.append(f"生效日期 {starts_on.isoformat()} 早于签约日期 {signed_on.isoformat()}。")
    if ends_on < starts_on:
        problems.append(f"到期日期 {ends_on.isoformat()} 早于生效日期 {starts_on.isoformat()}。")
    return problems


def contract_overlap(new: Period, existing: list[tuple[str, Period]]) -> list[str]:
    """One contract in force per household at a time: ``existing`` are the household's other contracts, each
    with a description naming it (a renewal shares its doctor and clinic: the period tells them apart)."""
    return [f"该户在 {period.first.isoformat()} 至 {period.last.isoformat()} 已有签约（{name}），"
            f"同一时间只能有一份有效签约；续签请从原签约到期后开始，或先解约。"
            for name, period in existing if new.overlaps(period)]


def contract_end(period: Period, ended_on: datetime.date, already_ended: datetime.date | None,
                 reason: str) -> list[str]:
    problems = []
    if already_ended is not None:
        problems.append(f"该签约已于 {already_ended.isoformat()} 解约。")
    if ended_on < period.first - datetime.timedelta(days=1) or ended_on > period.last:
        problems.append(f"解约日期应在 {period.first.isoformat()} 至 {period.last.isoformat()} 之间"
                        f"（生效前撤回填生效日期前一天）。")
    if not reason.strip():
        problems.append("请填写解约原因。")
    return problems


def not_after_today(label: str, day: datetime.date, today: datetime.date) -> list[str]:
    return [f"{label} {day.isoformat()} 晚于今天。"] if day > today else []


def case_move(current: str, target: str, current_on: datetime.date, on: datetime.date, labels: dict) -> list[str]:
    problems = []
    if target not in CASE_MOVES[current]:
        allowed = "、".join(labels[status] for status in CASE_MOVES[current]) or "无（已终止的救治不能再变更）"
        problems.append(f"“{labels[current]}”的救治不能改为“{labels[target]}”；可改为：{allowed}。")
    if on < current_on:
        problems.append(f"状态日期 {on.isoformat()} 早于上次变更的 {current_on.isoformat()}。")
    return problems
