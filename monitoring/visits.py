"""Publicity visits (政策宣传 / 明白卡送达): recorded one at a time or imported from a township's list.

查宣传 (``monitoring.five_checks``) reads these. Both ways in check the role
(``monitoring.add_publicityvisit``) and that the household lies in the user's area. The import is all or
nothing: every row is read and checked first, each bad cell named by its row, its column and what was
expected; a preview runs the same and writes nothing. A row already recorded (same household, date and
visitor) is skipped, so importing a list twice records it once.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from accounts.services import ensure_in_area, ensure_permitted
from beneficiaries import idnumbers
from beneficiaries.models import Beneficiary, Household
from monitoring.models import PublicityVisit
from spreadsheets.errors import RowError, SpreadsheetError
from spreadsheets.reading import Table, read_table

Item = PublicityVisit.Item
ITEM_ALIASES = {
    "政策宣传": Item.POLICY, "宣传政策": Item.POLICY, "政策宣讲": Item.POLICY, "宣传": Item.POLICY, "policy": Item.POLICY,
    "明白卡送达": Item.CARD, "明白卡": Item.CARD, "送达明白卡": Item.CARD, "发放明白卡": Item.CARD, "card": Item.CARD,
}
ITEMS_EXPECTED = "应为“政策宣传”和/或“明白卡送达”（多项用顿号分隔）"
VISITOR_MAX = PublicityVisit._meta.get_field("visitor").max_length
NOTE_MAX = PublicityVisit._meta.get_field("note").max_length

NO_ITEMS = "请选择宣传内容：政策宣传、明白卡送达（至少一项）。"
UNKNOWN_ITEM = "未知的宣传内容“{item}”，" + ITEMS_EXPECTED + "。"
NO_VISITOR = "请填写走访人。"
VISITOR_TOO_LONG = f"走访人最多 {VISITOR_MAX} 个字。"
NOTE_TOO_LONG = f"备注最多 {NOTE_MAX} 个字。"
FUTURE_DATE = "走访日期不能晚于今天。"


def _today() -> datetime.date:
    return timezone.localdate()


def visits_visible(user: User) -> QuerySet[PublicityVisit]:
    """The visits to households of the user's area, newest first."""
    return PublicityVisit.objects.visible_to(user).select_related("household__village", "household__head",
                                                                   "recorded_by")


def visit_items(values: Iterable[str]) -> list[str]:
    """Item codes in the order of ``Item``, refusing unknown ones."""
    chosen = set(values)
    unknown = chosen - set(Item.values)
    if unknown:
        raise ValidationError({"items": UNKNOWN_ITEM.format(item="、".join(sorted(unknown)))}, code="unknown_item")
    if not chosen:
        raise ValidationError({"items": NO_ITEMS}, code="no_items")
    return [code for code in Item.values if code in chosen]


@transaction.atomic
def publicity_visit_record(
    *,
    user: User,
    household: Household,
    visited_on: datetime.date,
    visitor: str,
    items: Iterable[str],
    note: str = "",
) -> PublicityVisit:
    """Record one visit to a household of the user's area."""
    ensure_permitted(user, "monitoring.add_publicityvisit", "登记政策宣传走访")
    ensure_in_area(user, household.village_id, f"户 {household.number}")
    errors: dict[str, str] = {}
    visitor, note = visitor.strip(), note.strip()
    if not visitor:
        errors["visitor"] = NO_VISITOR
    elif len(visitor) > VISITOR_MAX:
        errors["visitor"] = VISITOR_TOO_LONG
    if len(note) > NOTE_MAX:
        errors["note"] = NOTE_TOO_LONG
    if visited_on > _today():
        errors["visited_on"] = FUTURE_DATE
    try:
        codes = visit_items(items)
    except ValidationError as exc:
        errors.update({name: messages[0] for name, messages in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors, code="bad_visit")
    visit = PublicityVisit(household=household, visited_on=visited_on, visitor=visitor, items=codes, note=note,
                           recorded_by=user)
    visit.full_clean()
    visit.save()
    return visit


# --- The import ------------------------------------------------------------------------------------

ALIASES = {
    "household": ("户编号", "户号", "家庭户编号", "户编码"),
    "head_id": ("户主身份证号", "户主身份证号码", "户主证件号码", "身份证号", "身份证号码", "公民身份号码"),
    "visited_on": ("走访日期", "日期", "入户日期", "宣传日期"),
    "visitor": ("走访人", "走访人员", "宣传人", "帮扶责任人"),
    "items": ("宣传内容", "走访内容", "内容"),
    "note": ("备注", "说明"),
}
REQUIRED = ("visited_on", "visitor", "items")
NO_HOUSEHOLD_COLUMN = "文件“{name}”缺少“户编号”或“户主身份证号”列（在前 20 行中未找到表头）。"
DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$|^(\d{4})(\d{2})(\d{2})$")


@dataclass
class VisitImportReport:
    rows: int = 0
    recorded: int = 0  # visits written (or, in a preview, that would be)
    skipped: int = 0  # already recorded, or repeated in the file
    errors: list[RowError] = field(default_factory=list)
    applied: bool = False

    def as_dict(self) -> dict:
        return {"rows": self.rows, "recorded": self.recorded, "skipped": self.skipped,
                "errors": [e.as_dict() for e in self.errors], "applied": self.applied}


class _Row:
    def __init__(self, table: Table, number: int, record: dict[str, str], report: VisitImportReport):
        self.table, self.number, self.record, self.report = table, number, record, report
        self.ok = True

    def text(self, name: str) -> str:
        return self.record.get(name, "").strip()

    def fail(self, name: str, message: str) -> None:
        column = (self.table.headers[self.table.columns[name]] if name in self.table.columns
                  else ALIASES[name][0])
        self.report.errors.append(RowError(self.number, column, message))
        self.ok = False

    def date(self, name: str) -> datetime.date | None:
        text = self.text(name)
        if not text:
            self.fail(name, "不能为空，应为日期，如 2024-03-15。")
            return None
        match = DATE.match(text.split(" ")[0])
        try:
            if match:
                parts = match.groups()[:3] if match[1] else match.groups()[3:]
                day = datetime.date(*(int(part) for part in parts))
                if day > _today():
                    self.fail(name, f"“{text}”晚于今天，走访日期不能是将来的日期。")
                    return None
                return day
        except ValueError:
            pass
        self.fail(name, f"“{text}”不是有效日期，应为 YYYY-MM-DD，如 2024-03-15。")
        return None

    def items(self) -> list[str]:
        text = self.text("items")
        if not text:
            self.fail("items", f"不能为空，{ITEMS_EXPECTED}。")
            return []
        codes = []
        for part in re.split(r"[、,，;；/\s]+", text):
            if not part:
                continue
            code = ITEM_ALIASES.get(part.lower())
            if code is None:
                self.fail("items", f"“{part}”无法识别，{ITEMS_EXPECTED}。")
                return []
            codes.append(code)
        return [code for code in Item.values if code in codes]


@dataclass(frozen=True)
class _Visit:
    number: int
    household: Household
    visited_on: datetime.date
    visitor: str
    items: list[str]
    note: str


def _households(table: Table, records: list[tuple[int, dict[str, str]]], user: User):
    """The households the rows name, in two queries: by number, and by the ID number of a member (户主)."""
    numbers = {record.get("household", "").strip() for _, record in records} - {""}
    ids = set()
    for _, record in records:
        try:
            ids.add(idnumbers.parse(record.get("head_id", "")).number)
        except idnumbers.IdNumberError:
            pass
    visible = Household.objects.visible_to(user)
    by_number = {h.number: h for h in visible.filter(number__in=numbers)} if numbers else {}
    by_id: dict[str, Household | None] = {}
    if ids:
        people = Beneficiary.objects.filter(id_number__in=ids).select_related("household")
        for person in people:
            household = person.household
            by_id[person.id_number] = household if household and user.can_see_code(household.village_id) else None
    return by_number, by_id


def _read(table: Table, user: User, report: VisitImportReport) -> list[_Visit]:
    records = list(table.records())
    report.rows = len(records)
    by_number, by_id = _households(table, records, user)
    visits = []
    for number, record in records:
        row = _Row(table, number, record, report)
        household = None
        household_text, id_text = row.text("household"), row.text("head_id")
        if household_text:
            household = by_number.get(household_text)
            if household is None:
                row.fail("household", f"户编号“{household_text}”不在登记册中（或不在您的管辖区域内），应为已登记家庭户的户编号。")
        if id_text:
            try:
                id_number = idnumbers.parse(id_text).number
            except idnumbers.IdNumberError as exc:
                row.fail("head_id", f"{exc.message}，应为户主的 18 位身份证号。")
            else:
                if id_number not in by_id:
                    row.fail("head_id", f"身份证号 {idnumbers.mask(id_number)} 不在登记册中（或不在您的管辖区域内）。")
                elif by_id[id_number] is None:
                    row.fail("head_id", f"身份证号 {idnumbers.mask(id_number)} 的人员未登记家庭户（或其户不在您的管辖区域内）。")
                elif household is not None and by_id[id_number].pk != household.pk:
                    row.fail("head_id", f"该身份证号属于户 {by_id[id_number].number}，与户编号“{household_text}”不符。")
                elif household is None and row.ok:
                    household = by_id[id_number]
        if not household_text and not id_text:
            row.fail("household" if "household" in table.columns else "head_id", "户编号和户主身份证号不能都为空。")
        visited_on = row.date("visited_on")
        visitor = row.text("visitor")
        if not visitor:
            row.fail("visitor", "不能为空，应为走访人姓名。")
        elif len(visitor) > VISITOR_MAX:
            row.fail("visitor", f"“{visitor[:20]}…”过长，{VISITOR_TOO_LONG}")
        items = row.items()
        note = row.text("note")
        if len(note) > NOTE_MAX:
            row.fail("note", f"过长，{NOTE_TOO_LONG}")
        if row.ok:
            visits.append(_Visit(number, household, visited_on, visitor, items, note))
    return visits


def visits_import(*, user: User, content: bytes, filename: str, apply: bool) -> VisitImportReport:
    """Read a list of visits; with ``apply`` and no bad row, record them all in one transaction."""
    ensure_permitted(user, "monitoring.add_publicityvisit", "导入政策宣传走访记录")
    table = read_table(content, filename, ALIASES, REQUIRED)
    if "household" not in table.columns and "head_id" not in table.columns:
        raise SpreadsheetError(NO_HOUSEHOLD_COLUMN.format(name=filename))
    report = VisitImportReport()
    visits = _read(table, user, report)
    if report.errors:
        return report
    households = {visit.household.pk for visit in visits}
    with transaction.atomic():
        existing = set(
            PublicityVisit.objects.select_for_update().filter(household_id__in=households)
            .values_list("household_id", "visited_on", "visitor")
        ) if households else set()
        new = []
        for visit in visits:
            key = (visit.household.pk, visit.visited_on, visit.visitor)
            if key in existing:
                report.skipped += 1
                continue
            existing.add(key)
            new.append(PublicityVisit(household=visit.household, visited_on=visit.visited_on, visitor=visit.visitor,
                                      items=visit.items, note=visit.note, recorded_by=user))
        report.recorded = len(new)
        if apply:
            PublicityVisit.objects.bulk_create(new, batch_size=1000)
            report.applied = True
    return report
