"""The year's enrollment list (参保名单) against the covered people, without the database (reconciliation.md).

``interpret`` reads each row's texts into an enrollment state for the people the registry knows
(rows of anyone else are only counted); ``reconcile_records`` says which stored records to keep,
change, add or remove so that the list is recorded exactly once; ``check_covered`` finds 应保未保,
重复参保 and subsidies that differ from what the year's policy gives the categories held.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from beneficiaries.idnumbers import IdNumberError, parse
from rosters.comparison import match_key
from spreadsheets.errors import RowError

ENROLLED = "enrolled"
NOT_ENROLLED = "not_enrolled"
STATUSES = {
    "已参保": ENROLLED,
    "参保": ENROLLED,
    "正常参保": ENROLLED,
    "正常": ENROLLED,
    "未参保": NOT_ENROLLED,
    "不参保": NOT_ENROLLED,
    "停保": NOT_ENROLLED,
    "暂停参保": NOT_ENROLLED,
}
INSURANCE_ALIASES = {
    "城乡居民基本医疗保险": "resident_basic",
    "城乡居民医保": "resident_basic",
    "城乡居民基本医保": "resident_basic",
    "居民医保": "resident_basic",
    "城乡居民医疗保险": "resident_basic",
    "商业补充医疗保险": "supplementary",
    "医疗补充保险": "supplementary",
    "补充医疗保险": "supplementary",
    "商业补充保险": "supplementary",
}
REASONS = {
    "异地参保": "elsewhere",
    "外地参保": "elsewhere",
    "参加职工医保": "employee",
    "职工医保": "employee",
    "参加城镇职工医保": "employee",
    "城镇职工医保": "employee",
    "死亡": "deceased",
    "已死亡": "deceased",
}
MONEY = re.compile(r"\d+(\.\d{1,2})?")


@dataclass(frozen=True, slots=True)
class EnrollmentRow:
    row: int
    id_text: str
    name: str
    insurance_text: str
    status_text: str
    subsidy_text: str
    reason_text: str


@dataclass(frozen=True, slots=True)
class EnrollmentState:
    """What one record says: insurance code, status, subsidy (yuan), reason and note when not enrolled."""

    insurance: str
    status: str
    subsidy: Decimal
    reason: str = ""
    note: str = ""


@dataclass
class Interpretation:
    states: dict[str, list[EnrollmentState]] = field(default_factory=dict)
    enrolled: int = 0
    not_enrolled: int = 0
    not_in_registry: int = 0
    errors: list[RowError] = field(default_factory=list)
    rows: dict[str, list[int]] = field(default_factory=dict)  # ID number → the list's rows naming them


def _state(row: EnrollmentRow, insurances: Mapping[str, str]) -> EnrollmentState | RowError:
    insurance = insurances.get(match_key(row.insurance_text))
    if insurance is None:
        return RowError(row.row, "险种", f"险种“{row.insurance_text}”无法识别。")
    status = STATUSES.get(match_key(row.status_text))
    if status is None:
        return RowError(row.row, "参保状态", f"参保状态“{row.status_text}”应为“已参保”或“未参保”。")
    amount = row.subsidy_text.replace(",", "").replace("元", "").strip() or "0"
    if not MONEY.fullmatch(amount):
        return RowError(
            row.row, "财政补助金额", f"财政补助金额“{row.subsidy_text}”应为不小于 0、至多两位小数的金额。"
        )
    subsidy = Decimal(amount).quantize(Decimal("0.01"))
    if status == ENROLLED or not row.reason_text:
        return EnrollmentState(insurance, status, subsidy)
    reason = REASONS.get(match_key(row.reason_text))
    if reason is None:
        return EnrollmentState(insurance, status, subsidy, "other", row.reason_text[:200])
    return EnrollmentState(insurance, status, subsidy, reason)


def interpret(
    rows: Sequence[EnrollmentRow], *, known_ids: Container[str], insurances: Mapping[str, str]
) -> Interpretation:
    """The states the list gives each registry person; ``insurances`` maps ``match_key`` texts to codes.

    A row whose ID is not in ``known_ids`` is counted in ``not_in_registry`` and read no further: the
    list names everyone insured in the area. Any other unreadable cell is an error naming row and column.
    """
    result = Interpretation()
    for row in rows:
        try:
            number = row.id_text if row.id_text in known_ids else parse(row.id_text).number
        except IdNumberError as exc:
            result.errors.append(RowError(row.row, "身份证号", exc.message))
            continue
        if number not in known_ids:
            result.not_in_registry += 1
            continue
        result.rows.setdefault(number, []).append(row.row)
        state = _state(row, insurances)
        if isinstance(state, RowError):
            result.errors.append(state)
            continue
        result.states.setdefault(number, []).append(state)
        if state.status == ENROLLED:
            result.enrolled += 1
        else:
            result.not_enrolled += 1
    return result


@dataclass
class RecordPlan:
    """How to make the stored records of one person-insurance say what the list says."""

    keep: list = field(default_factory=list)
    change: list[tuple[object, EnrollmentState]] = field(default_factory=list)
    add: list[EnrollmentState] = field(default_factory=list)
    remove: list = field(default_factory=list)


def reconcile_records(
    stored: Sequence[tuple[object, EnrollmentState]], listed: Sequence[EnrollmentState]
) -> RecordPlan:
    """Pair stored records (``(record, state)``, oldest first) with the listed states.

    Equal states are kept as they are, so importing the same list again changes nothing; the other
    records take the remaining states in order; what is left over is added or removed.
    """
    plan = RecordPlan()
    remaining = list(listed)
    unmatched = []
    for record, state in stored:
        if state in remaining:
            remaining.remove(state)
            plan.keep.append(record)
        else:
            unmatched.append(record)
    for record, state in zip(unmatched, remaining, strict=False):
        plan.change.append((record, state))
    plan.add = remaining[len(unmatched) :]
    plan.remove = unmatched[len(remaining) :]
    return plan


@dataclass(frozen=True, slots=True)
class CoveredPerson:
    id_number: str
    name: str
    village_code: str
    categories: frozenset[str]


@dataclass(frozen=True, slots=True)
class SubsidyMismatch:
    person: CoveredPerson
    expected: Decimal
    recorded: Decimal


@dataclass
class CoverageCheck:
    uncovered: list[tuple[CoveredPerson, str]] = field(default_factory=list)
    duplicate: list[CoveredPerson] = field(default_factory=list)
    subsidy_mismatch: list[SubsidyMismatch] = field(default_factory=list)


def expected_subsidy(block: Mapping, categories: frozenset[str]) -> Decimal:
    """The largest subsidy the ``enrollment`` block gives any of the categories (``full``: the premium)."""
    amounts = [Decimal("0")]
    for subsidy in block.get("subsidies", []):
        if categories & set(subsidy.get("categories", [])):
            amount = subsidy.get("amount")
            amounts.append(Decimal(str(block.get("premium", "0")) if amount == "full" else str(amount)))
    return max(amounts).quantize(Decimal("0.01"))


def check_covered(
    covered: Sequence[CoveredPerson],
    states: Mapping[str, Sequence[EnrollmentState]],
    *,
    block_for: Callable[[str], Mapping | None],
    reason_labels: Mapping[str, str],
) -> CoverageCheck:
    """应保未保, 重复参保 and subsidy mismatches among the covered people, from their records of the year.

    ``block_for(village_code)`` gives the policy's ``enrollment`` block for the person's area, or None:
    without one, subsidies are not checked.
    """
    check = CoverageCheck()
    for person in covered:
        records = states.get(person.id_number, ())
        enrolled = [state for state in records if state.status == ENROLLED]
        if not any(state.insurance == "resident_basic" for state in enrolled):
            reasons = [
                reason_labels.get(state.reason, state.reason) + (f"：{state.note}" if state.note else "")
                for state in records
                if state.insurance == "resident_basic" and state.reason
            ]
            check.uncovered.append((person, "；".join(reasons)))
        insurances = [state.insurance for state in enrolled]
        if len(insurances) != len(set(insurances)):
            check.duplicate.append(person)
        block = block_for(person.village_code)
        if block is None:
            continue
        subsidised = [
            state for state in enrolled if state.insurance == block.get("insurance", "resident_basic")
        ]
        if subsidised:
            expected = expected_subsidy(block, person.categories)
            differing = next((state for state in subsidised if state.subsidy != expected), None)
            if differing is not None:
                check.subsidy_mismatch.append(SubsidyMismatch(person, expected, differing.subsidy))
    return check
