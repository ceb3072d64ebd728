"""The monthly comparison of a roster with the registry (reconciliation.md), without the database.

``compare`` takes the rows as read from the file, the registry's people for the IDs involved (with
the categories of the list's source each held at the start of the month) and the vocabulary
(category aliases, which source confirms each category, the villages that exist and their names), and says
what happens to every person and every unusable row. It writes nothing and reads nothing: the
services feed it and apply its findings, the tests call it directly.

Counting follows reconciliation.md: ``invalid_id`` and ``rejected`` count rows, every other outcome
counts people. A person all of whose rows were rejected is still on the list, so nothing of theirs
ends; their rows are listed and they count in no person outcome.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import TextChoices

from beneficiaries.idnumbers import IdNumberError, parse
from spreadsheets.reading import clean_text

CATEGORY_SEPARATORS = re.compile(r"[、,，;；]+")
VILLAGE_CODE = re.compile(r"[0-9]{9}(?!000)[0-9]{3}")
REGISTERED_ELSEWHERE = "该身份证号已在本次比对区域之外登记，请联系县级管理员核实"
SOURCE_NAMES = {"poverty_office": "扶贫/乡村振兴部门", "civil_affairs": "民政部门", "other": "其他部门"}


class Outcome(TextChoices):
    NEW = "new", "新增"
    CATEGORY_ADDED = "category_added", "新增类别"
    CHANGED = "changed", "类别变更"
    EXITED = "exited", "退出"
    MISMATCH = "mismatch", "信息不符"
    DUPLICATE = "duplicate", "名单内重复"
    INVALID_ID = "invalid_id", "身份证号无效"
    REJECTED = "rejected", "不可用"
    UNCHANGED = "unchanged", "不变"


class ListedRow(NamedTuple):
    """One data row of a roster as read from the file (cells already normalised to text).

    Named tuples rather than dataclasses here and below: a list makes a hundred thousand of each,
    and a tuple is the cheapest immutable record Python builds.
    """

    row: int
    id_text: str
    name: str
    category_text: str
    village_code: str
    head_id_text: str = ""
    relation: str = ""
    phone: str = ""


class RegistryPerson(NamedTuple):
    """A person the registry knows, with the categories of the list's source held on the month's first day."""

    name: str
    village_code: str
    held: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Vocabulary:
    """What a row's texts may mean.

    ``aliases`` maps an alias key (``match_key``) to a category code; ``category_sources`` maps
    every category code to the department that confirms it; ``villages`` maps the codes of the
    villages that exist in the registry's regions (at least those the list and the registry's people
    name) to their names as a report shows them (``龙潭镇红花村``); ``area_prefix`` is the area the
    comparison covers.
    """

    aliases: Mapping[str, str]
    category_sources: Mapping[str, str]
    villages: Mapping[str, str]
    area_prefix: str = ""

    def village(self, code: str) -> str:
        """A village as messages name it: its name with its code, or the bare code of one not looked up."""
        name = self.villages.get(code)
        return f"{name}（{code}）" if name else code


class Finding(NamedTuple):
    """One line of the report: a person's outcome, or an unusable row."""

    outcome: Outcome
    rows: tuple[int, ...]
    id_number: str
    name: str = ""
    village_code: str = ""
    before: frozenset[str] = frozenset()
    after: frozenset[str] = frozenset()
    message: str = ""
    head_id_number: str = ""
    relation: str = ""
    phone: str = ""


@dataclass
class Comparison:
    findings: list[Finding] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        tally = Counter(finding.outcome for finding in self.findings)
        return {outcome.value: tally[outcome] for outcome in Outcome}

    def of(self, outcome: Outcome) -> list[Finding]:
        return [finding for finding in self.findings if finding.outcome == outcome]


def match_key(text: str) -> str:
    """Names and aliases match after full-width folding with every space removed (``张　三`` is ``张三``)."""
    return clean_text(text).replace(" ", "")


NAME_PADDING = re.compile(r"(?<=[^\x00-\x7f]) +| +(?=[^\x00-\x7f])")


def person_name(text: str) -> str:
    """A name as stored: spaces that pad Chinese names to a width go, a space between Latin words stays."""
    text = clean_text(text)
    return NAME_PADDING.sub("", text) if " " in text else text


def rows_text(rows: Sequence[int]) -> str:
    return str(rows[0]) if len(rows) == 1 else "、".join(str(number) for number in rows)


class _RowChecker:
    """Whether a row can be used and what it lists. Villages and category texts repeat down a list, so
    their verdicts are remembered: a hundred thousand rows name a few hundred villages."""

    def __init__(self, source: str, vocabulary: Vocabulary, default_category: str | None, number_of):
        self.source = source
        self.vocabulary = vocabulary
        self.default_category = default_category
        self.number_of = number_of
        self.village_problems: dict[str, str] = {}
        self.category_verdicts: dict[str, tuple[frozenset[str], str]] = {}

    def __call__(self, row: ListedRow) -> tuple[frozenset[str], str, str]:
        """``(categories, head ID, reason)``; a non-empty reason means the row is rejected."""
        if not row.name:
            return frozenset(), "", "“姓名”为空。"
        problem = self.village_problems.get(row.village_code)
        if problem is None:
            problem = self.village_problems[row.village_code] = self._village_problem(row.village_code)
        if problem:
            return frozenset(), "", problem
        verdict = self.category_verdicts.get(row.category_text)
        if verdict is None:
            verdict = self.category_verdicts[row.category_text] = self._categories(row.category_text)
        categories, problem = verdict
        if problem:
            return frozenset(), "", problem
        head = ""
        if row.head_id_text:
            try:
                head = self.number_of(row.head_id_text)
            except IdNumberError as exc:
                return frozenset(), "", f"“户主身份证号”无效：{exc.message}"
        return categories, head, ""

    def _village_problem(self, code: str) -> str:
        if not code:
            return "“村代码”为空。"
        if not VILLAGE_CODE.fullmatch(code):
            return f"“{code}”不是 12 位的村级区划代码。"
        if code not in self.vocabulary.villages:
            return f"村代码 {code} 不在系统的行政区划中。"
        if not code.startswith(self.vocabulary.area_prefix):
            return f"{self.vocabulary.village(code)}不在本次比对的区域内。"
        return ""

    def _categories(self, text: str) -> tuple[frozenset[str], str]:
        parts = [part.strip() for part in CATEGORY_SEPARATORS.split(text) if part.strip()]
        if not parts:
            if self.default_category:
                return frozenset([self.default_category]), ""
            return frozenset(), "“类别”为空。"
        codes = set()
        for part in parts:
            code = self.vocabulary.aliases.get(match_key(part))
            if code is None:
                return frozenset(), f"类别“{part}”没有对应的身份类别（可在后台“类别别名”中添加）。"
            confirmed_by = self.vocabulary.category_sources.get(code, "other")
            if confirmed_by != self.source:
                return frozenset(), (
                    f"类别“{part}”由{SOURCE_NAMES.get(confirmed_by, confirmed_by)}认定，"
                    f"不能由{SOURCE_NAMES[self.source]}的名单变更。"
                )
            codes.add(code)
        return frozenset(codes), ""


def compare(
    *,
    rows: Sequence[ListedRow],
    registry: Mapping[str, RegistryPerson],
    source: str,
    vocabulary: Vocabulary,
    default_category: str | None = None,
    today: datetime.date | None = None,
    parsed: Mapping[str, str] | None = None,
) -> Comparison:
    """Every person's outcome and every unusable row by their first row, then the people who left.

    ``registry`` must hold every listed ID the registry knows and every person holding a category of
    ``source`` inside the area at the start of the month; ``held`` counts only holdings inside the area.
    ``parsed`` may give the numbers of ID texts the caller has already parsed (text → number).
    """
    comparison = Comparison()
    findings = comparison.findings
    today = today or datetime.date.today()
    parsed = parsed or {}

    def number_of(text: str) -> str:
        # An ID the registry holds was checked when it was stored, and one parsed before need not be
        # parsed again: only the others are.
        if text in registry:
            return text
        return parsed.get(text) or parse(text, today=today).number
    # ID → its usable rows as (row, categories, head ID): one such triple, or a list of them once repeated.
    usable: dict[str, tuple | list[tuple]] = {}
    on_list: set[str] = set()
    check = _RowChecker(source, vocabulary, default_category, number_of)
    for row in rows:
        try:
            number = number_of(row.id_text)
        except IdNumberError as exc:
            findings.append(
                Finding(
                    Outcome.INVALID_ID,
                    (row.row,),
                    row.id_text,
                    row.name,
                    row.village_code,
                    message=exc.message,
                )
            )
            continue
        on_list.add(number)
        categories, head, problem = check(row)
        if problem:
            findings.append(
                Finding(Outcome.REJECTED, (row.row,), number, row.name, row.village_code, message=problem)
            )
            continue
        entry = (row, categories, head)
        earlier = usable.get(number)
        if earlier is None:
            usable[number] = entry
        elif type(earlier) is list:
            earlier.append(entry)
        else:
            usable[number] = [earlier, entry]

    for number, entries in usable.items():
        entries = entries if type(entries) is list else [entries]
        _add_person_findings(findings, number, entries, registry.get(number), vocabulary)

    findings.sort(key=lambda finding: finding.rows[0])
    for number, person in registry.items():
        if person.held and number not in on_list:
            findings.append(
                Finding(Outcome.EXITED, (), number, person.name, person.village_code, before=person.held)
            )
    return comparison


def _add_person_findings(
    findings: list[Finding], number: str, entries, person: RegistryPerson | None, vocabulary: Vocabulary
) -> None:
    """Append one person's findings: their outcome, after a duplicate finding when their rows repeat."""
    first, listed, _head = entries[0]
    rows = (first.row,)
    repeats = False
    if len(entries) > 1:
        rows = tuple(row.row for row, _categories, _head in entries)
        names = {match_key(row.name) for row, _categories, _head in entries}
        villages = {row.village_code for row, _categories, _head in entries}
        if len(names) > 1 or len(villages) > 1:
            findings.append(
                Finding(
                    Outcome.DUPLICATE,
                    rows,
                    number,
                    first.name,
                    first.village_code,
                    message=f"同一身份证号出现在第 {rows_text(rows)} 行，姓名或所在村不一致，请核实。",
                )
            )
            return
        repeated = Counter(code for _row, categories, _head in entries for code in categories)
        repeats = any(count > 1 for count in repeated.values())
        listed = frozenset(code for _row, categories, _head in entries for code in categories)
    village = first.village_code
    if person is not None:
        differences = []
        if not person.village_code.startswith(vocabulary.area_prefix):
            # Who the registry holds outside the area is not the user's to read.
            differences.append(REGISTERED_ELSEWHERE)
        else:
            if person.name != first.name and match_key(person.name) != match_key(first.name):
                differences.append(f"姓名：名单为“{first.name}”，系统为“{person.name}”")
            if person.village_code != village:
                differences.append(
                    f"所在村：名单为 {vocabulary.village(village)}，系统为 {vocabulary.village(person.village_code)}"
                )
        if differences:
            # A mismatch counts in no other outcome, not even as a repeat (reconciliation.md).
            findings.append(
                Finding(
                    Outcome.MISMATCH,
                    rows,
                    number,
                    first.name,
                    village,
                    before=person.held,
                    after=listed,
                    message="；".join(differences) + "。",
                )
            )
            return
    if repeats:
        findings.append(
            Finding(
                Outcome.DUPLICATE,
                rows,
                number,
                first.name,
                village,
                message=f"第 {rows_text(rows)} 行重复列出同一类别，按一人处理。",
            )
        )
    if person is None:
        if len(entries) == 1:  # nearly everyone on a first list
            head, relation, phone = entries[0][2], first.relation, first.phone
        else:
            head = next((head for _row, _c, head in entries if head), "")
            relation = next((row.relation for row, _c, _h in entries if row.relation), "")
            phone = next((row.phone for row, _c, _h in entries if row.phone), "")
        findings.append(
            Finding(
                Outcome.NEW,
                rows,
                number,
                person_name(first.name),
                village,
                after=listed,
                head_id_number=head,
                relation=relation,
                phone=phone,
            )
        )
    elif not person.held:
        findings.append(Finding(Outcome.CATEGORY_ADDED, rows, number, person.name, village, after=listed))
    else:
        outcome = Outcome.UNCHANGED if person.held == listed else Outcome.CHANGED
        findings.append(
            Finding(outcome, rows, number, person.name, village, before=person.held, after=listed)
        )
