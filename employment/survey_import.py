"""The yearly survey list of poor families' children (贫困家庭子女摸排表), imported as the family-doctor contract list
is: upload → preview (every row classified, nothing written but the batch) → apply (all or nothing) → report.

A row names the child by ID number and name (both checked against the registry: a living person of a household,
within the uploader's area) and gives the school, the level, the major, the graduation year, the wishes and needs,
and who surveyed when. The preview says of each row: 新增 (no record of that year yet), 更新 (the year's record
differs, naming the fields), 相同 (skipped) or 错误, each error naming its row, its column and what was expected.
The record's own rules are ``employment.rules.survey_problems``, so the list refuses what the window refuses.

Applied only when no row is in error (a child left out would show as not surveyed); applying reads the stored file
again inside one transaction, holding the children's rows, and writes new and changed records set by set with their
history rows."""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from accounts.services import ensure_permitted
from beneficiaries import idnumbers
from beneficiaries.models import Beneficiary
from config.bulk import copy_to_history, insert_rows
from employment import rules
from employment.models import ChildSurvey, SchoolLevel, SurveyBatch
from rosters.files import ID_ALIASES, id_cell
from rosters.selectors import chunks
from spreadsheets.errors import RowError, SpreadsheetError
from spreadsheets.formats import check_file
from spreadsheets.limits import Limits
from spreadsheets.list_batches import (
    batch_applied, batch_discarded, batch_held, batch_keep, batches_visible_to, cell_date,
    list_import_run, rows_without_errors, stored_content,
)
from spreadsheets.reading import Table, read_table

UPLOAD_PERMISSION = "employment.add_surveybatch"  # clerks and administrators (accounts/roles.py)

ALIASES = {
    "id_number": (*ID_ALIASES, "子女身份证号", "学生身份证号", "子女身份证号码"),
    "name": ("姓名", "子女姓名", "学生姓名"),
    "year": ("摸排年度", "年度", "摸排年份"),
    "school": ("毕业（就读）学校", "毕业学校", "就读学校", "毕业院校", "就读院校", "学校", "学校名称"),
    "level": ("学历层次", "学历", "文化程度", "学历类别"),
    "major": ("专业", "所学专业", "就读专业"),
    "graduation_year": ("毕业年份", "毕业时间", "毕业年度", "预计毕业时间", "毕业（预计毕业）时间"),
    "intention": ("就业意向", "就业意愿"),
    "wants_business": ("创业愿望", "有无创业愿望", "是否有创业愿望", "创业意愿"),
    "business_plan": ("创业意向", "创业项目意向"),
    "needs": ("帮扶需求", "就业帮扶需求", "需求"),
    "surveyed_on": ("摸排日期", "摸排时间", "调查日期"),
    "surveyed_by": ("摸排人", "摸排人员", "调查人"),
}
REQUIRED = ("id_number", "name", "school", "level", "graduation_year", "surveyed_on", "surveyed_by")
TEXTS = ("school", "major", "intention", "business_plan", "needs", "surveyed_by")
EXPECTED = {"school": "毕业（就读）学校名称", "surveyed_by": "摸排人姓名"}
LIMITS = {name: ChildSurvey._meta.get_field(name).max_length for name in TEXTS}
# What a survey record holds, in the order its changes are named.
FIELDS = ("year", "school", "level", "major", "graduation_year", "intention", "wants_business", "business_plan",
          "needs", "surveyed_on", "surveyed_by")
# The levels as the county's sheets write them (compared after the reader's folding: full-width brackets become
# ASCII ones).
LEVELS = {
    "普通高校": SchoolLevel.UNIVERSITY, "本科": SchoolLevel.UNIVERSITY,
    "高职(专科)": SchoolLevel.HIGHER_VOCATIONAL, "高职": SchoolLevel.HIGHER_VOCATIONAL,
    "高职专": SchoolLevel.HIGHER_VOCATIONAL, "大专": SchoolLevel.HIGHER_VOCATIONAL, "专科": SchoolLevel.HIGHER_VOCATIONAL,
    "中职": SchoolLevel.SECONDARY_VOCATIONAL, "中专": SchoolLevel.SECONDARY_VOCATIONAL,
    "技校": SchoolLevel.SECONDARY_VOCATIONAL, "职高": SchoolLevel.SECONDARY_VOCATIONAL,
    "其他": SchoolLevel.OTHER,
}
WISHES = {"是": True, "有": True, "否": False, "无": False, "": False}
YEAR = re.compile(r"^(\d{4})\s*(?:年度?)?$")
# A graduation year alone, or a month or day of it: 2026, 2026.06, 2026年6月, 2026-06-30 (a date cell).
GRADUATION = re.compile(r"^(\d{4})\s*(?:年度?)?$|^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(?:\s*[-/.]?\s*(\d{1,2})\s*日?)?$")

EMPTY = "不能为空，应为{what}。"
TOO_LONG = "“{text}”超过 {limit} 个字。"
EMPTY_ID = "不能为空，应为子女的 18 位身份证号。"
EMPTY_NAME = "不能为空，应为子女姓名（与登记一致）。"
BAD_ID = "{reason}应为子女的 18 位身份证号。"
UNKNOWN_ID = "身份证号 {id} 不在登记册中，应为已登记人员的身份证号。"
OUTSIDE_AREA = "身份证号 {id} 的人员（村代码 {village}）不在您的管辖区域内，只能导入本区域人员的摸排记录。"
NO_HOUSEHOLD = "身份证号 {id} 的人员（{name}）未登记家庭户，应为贫困家庭的子女，请先在人员登记中归户。"
NOT_LIVING = "身份证号 {id} 的人员（{name}）已登记为“{status}”{since}，不能登记摸排。"
NAME_MISMATCH = "姓名“{text}”与身份证号 {id} 登记的姓名“{name}”不符。"
BAD_LEVEL = "“{text}”不是学历层次，应为 普通高校、高职（专科）、中职 或 其他（也可写 高职、大专、中专、技校、职高）。"
BAD_GRADUATION = "“{text}”不是毕业年份，应为年份（如 2026）或毕业时间（如 2026.06、2026年6月、2026-06-30）。"
BAD_YEAR = "“{text}”不是年度，应为四位年份，如 2026；不填则为摸排日期所在年。"
BAD_WISH = "“{text}”应为 是、否、有 或 无（不填为否）。"
BAD_DATE = "“{text}”不是有效日期，应为年-月-日，如 2026-03-15。"
DUPLICATE = "与第 {first} 行是同一人（身份证号 {id}），一份摸排表每人只应有一行。"


class Outcome(models.TextChoices):
    NEW = "new", "新增"
    UPDATED = "updated", "更新"
    UNCHANGED = "unchanged", "相同"
    ERROR = "error", "错误"


def _shown(name: str, value: object) -> str:
    """A field's value as the pages and the report show it."""
    if value is None:
        return ""
    if name == "level":
        return SchoolLevel(value).label
    if name == "wants_business":
        return "是" if value else "否"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


@dataclass
class SurveyedChild:
    """One row of the list: what it says, the child it names and, once compared, its outcome."""

    row: int
    id_text: str = ""
    name_text: str = ""
    values: dict[str, object] = field(default_factory=dict)  # each field's value, once read without error
    texts: dict[str, str] = field(default_factory=dict)  # each cell as written
    person: Beneficiary | None = None
    errors: list[RowError] = field(default_factory=list)
    outcome: str = ""
    existing: ChildSurvey | None = None
    changes: list[str] = field(default_factory=list)
    message: str = ""

    def as_dict(self) -> dict:
        shown = {name: _shown(name, self.values[name]) if name in self.values else self.texts.get(name, "")
                 for name in FIELDS}
        return {
            "row": self.row, "id_number": self.id_text, "name": self.name_text,
            "person_id": self.person.pk if self.person else None, **shown,
            "outcome": self.outcome, "survey": self.existing.pk if self.existing else None,
            "changes": self.changes, "message": self.message,
            "errors": [{"column": e.column, "message": e.message} for e in self.errors],
        }


@dataclass
class SurveyList:
    """A list read and compared with the registry: its rows in file order."""

    file_name: str
    sha256: str
    rows: list[SurveyedChild]

    def summary(self) -> dict[str, int]:
        counts = {outcome.value: 0 for outcome in Outcome}
        for row in self.rows:
            counts[row.outcome] += 1
        return {"rows": len(self.rows), **counts}


# --- Reading -------------------------------------------------------------------------------------------------------


def _table(content: bytes, file_name: str) -> Table:
    try:
        check_file(content, file_name, Limits.from_settings())
        return read_table(content, file_name, ALIASES, REQUIRED)
    except SpreadsheetError as exc:
        raise ValidationError(str(exc), code="unreadable_file") from None


def _column(table: Table, name: str) -> str:
    return table.headers[table.columns[name]] if name in table.columns else ALIASES[name][0]


def graduation_year(text: str) -> int | None:
    """The year of a 毕业年份 or 毕业时间 cell; None when it is neither."""
    match = GRADUATION.match(text)
    if not match:
        return None
    if match[1]:
        return int(match[1])
    year, month, day = int(match[2]), int(match[3]), match[4]
    try:
        datetime.date(year, month, int(day) if day else 1)
    except ValueError:
        return None
    return year


def _read_cells(row: SurveyedChild, record: dict[str, str], fail: Callable[[str, str], None]) -> None:
    """Each cell of a row read into its field's value, or an error naming what was expected."""
    values = row.values
    for name in TEXTS:
        text = row.texts[name] = record.get(name, "")
        if not text and name in EXPECTED:
            fail(name, EMPTY.format(what=EXPECTED[name]))
        elif len(text) > LIMITS[name]:
            fail(name, TOO_LONG.format(text=text[:20] + "…", limit=LIMITS[name]))
        else:
            values[name] = text
    text = row.texts["level"] = record.get("level", "")
    if not text:
        fail("level", EMPTY.format(what="学历层次（普通高校、高职（专科）、中职 或 其他）"))
    elif (level := LEVELS.get(text.replace(" ", ""))) is None:
        fail("level", BAD_LEVEL.format(text=text))
    else:
        values["level"] = level
    text = row.texts["graduation_year"] = record.get("graduation_year", "")
    if not text:
        fail("graduation_year", EMPTY.format(what="毕业年份，如 2026"))
    elif (year := graduation_year(text)) is None:
        fail("graduation_year", BAD_GRADUATION.format(text=text))
    else:
        values["graduation_year"] = year
    text = row.texts["wants_business"] = record.get("wants_business", "")
    if text not in WISHES:
        fail("wants_business", BAD_WISH.format(text=text))
    else:
        values["wants_business"] = WISHES[text]
    text = row.texts["surveyed_on"] = record.get("surveyed_on", "")
    if not text:
        fail("surveyed_on", EMPTY.format(what="摸排日期（年-月-日），如 2026-03-15"))
    elif (day := cell_date(text)) is None:
        fail("surveyed_on", BAD_DATE.format(text=text))
    else:
        values["surveyed_on"] = day
    text = row.texts["year"] = record.get("year", "")
    if text:
        match = YEAR.match(text)
        if match:
            values["year"] = int(match[1])
        else:
            fail("year", BAD_YEAR.format(text=text))
    elif "surveyed_on" in values:
        values["year"] = values["surveyed_on"].year


def _rows(table: Table) -> list[SurveyedChild]:
    """Each row's cells checked one by one (not yet against the registry)."""
    listed = []
    for number, record in table.records():
        row = SurveyedChild(row=number, id_text=id_cell(record.get("id_number", "")), name_text=record.get("name", ""))

        def fail(name: str, message: str, row=row) -> None:
            row.errors.append(RowError(row.row, _column(table, name), message))

        if not row.id_text:
            fail("id_number", EMPTY_ID)
        if not row.name_text:
            fail("name", EMPTY_NAME)
        _read_cells(row, record, fail)
        listed.append(row)
    return listed


def _find_children(table: Table, listed: list[SurveyedChild], user: User) -> None:
    """Each row's child by ID number (one query for the whole list): a living member of a household, within the
    user's area, under the name the row gives; and no child twice."""
    parsed: dict[str, str] = {}
    id_column, name_column = _column(table, "id_number"), _column(table, "name")
    for row in listed:
        if row.id_text:
            try:
                parsed[row.id_text] = idnumbers.parse(row.id_text).number
            except idnumbers.IdNumberError as exc:
                row.errors.append(RowError(row.row, id_column, BAD_ID.format(reason=exc.message.rstrip("。") + "，")))
    people: dict[str, Beneficiary] = {}
    for chunk in chunks(set(parsed.values())):
        people.update((p.id_number, p) for p in Beneficiary.objects.filter(id_number__in=chunk).only(
            "id_number", "name", "household_id", "village_id", "birth_date", "status", "status_date"))
    first_row: dict[int, int] = {}
    for row in listed:
        if row.id_text not in parsed:
            continue
        person = people.get(parsed[row.id_text])
        shown = idnumbers.mask(parsed[row.id_text])
        if person is None:
            row.errors.append(RowError(row.row, id_column, UNKNOWN_ID.format(id=shown)))
        elif not user.can_see_code(person.village_id):
            row.errors.append(RowError(row.row, id_column, OUTSIDE_AREA.format(id=shown, village=person.village_id)))
        elif person.household_id is None:
            row.errors.append(RowError(row.row, id_column, NO_HOUSEHOLD.format(id=shown, name=person.name)))
        elif person.status != Beneficiary.Status.ACTIVE:
            since = f"（{person.status_date.isoformat()}）" if person.status_date else ""
            row.errors.append(RowError(row.row, id_column, NOT_LIVING.format(
                id=shown, name=person.name, status=person.get_status_display(), since=since)))
        elif row.name_text and row.name_text != person.name:
            row.errors.append(RowError(row.row, name_column, NAME_MISMATCH.format(
                text=row.name_text, id=shown, name=person.name)))
        elif person.pk in first_row:
            row.errors.append(RowError(row.row, id_column, DUPLICATE.format(first=first_row[person.pk], id=shown)))
        else:
            row.person = person
            first_row[person.pk] = row.row


def _check_rules(table: Table, listed: list[SurveyedChild], today: datetime.date) -> None:
    """The record's own rules (the window's), each problem under its field's column."""
    needed = ("year", "graduation_year", "surveyed_on", "wants_business", "business_plan")
    for row in listed:
        if row.person is None or any(name not in row.values for name in needed):
            continue
        values = row.values
        problems = rules.survey_problems(
            year=values["year"], graduation_year=values["graduation_year"], surveyed_on=values["surveyed_on"],
            birth_date=row.person.birth_date, today=today, wants_business=values["wants_business"],
            business_plan=values["business_plan"])
        for name, texts in problems.items():
            row.errors += [RowError(row.row, _column(table, name), text) for text in texts]


def _compare(listed: list[SurveyedChild]) -> None:
    """Each row against the child's record of the same year: none yet, the same, or changed (naming how)."""
    people = {row.person.pk for row in listed if row.person and not row.errors}
    years = {row.values["year"] for row in listed if row.person and not row.errors}
    existing: dict[tuple[int, int], ChildSurvey] = {}
    for chunk in chunks(people):
        for survey in ChildSurvey.objects.filter(person_id__in=chunk, year__in=years):
            existing[(survey.person_id, survey.year)] = survey
    for row in listed:
        if row.errors:
            row.outcome, row.message = Outcome.ERROR, "；".join(f"“{e.column}”列：{e.message}" for e in row.errors)
            continue
        row.existing = existing.get((row.person.pk, row.values["year"]))
        if row.existing is None:
            row.outcome, row.message = Outcome.NEW, ""
            continue
        changed = [name for name in FIELDS if getattr(row.existing, name) != row.values[name]]
        if not changed:
            row.outcome, row.message = Outcome.UNCHANGED, f"{row.values['year']} 年已有相同的摸排记录，跳过。"
            continue
        labels = {name: str(ChildSurvey._meta.get_field(name).verbose_name) for name in changed}
        row.outcome, row.changes = Outcome.UPDATED, [labels[name] for name in changed]
        row.message = f"更新 {row.values['year']} 年的摸排记录：" + "；".join(
            f"{labels[name]}由“{_shown(name, getattr(row.existing, name))}”改为“{_shown(name, row.values[name])}”"
            for name in changed) + "。"


def _read(*, user: User, file_name: str, content: bytes, lock: bool = False) -> SurveyList:
    table = _table(content, file_name)
    listed = _rows(table)
    _find_children(table, listed, user)
    if lock:  # one survey change per child at a time, as the window's service holds the person
        for chunk in chunks(sorted({row.person.pk for row in listed if row.person})):
            list(Beneficiary.objects.select_for_update().filter(pk__in=chunk).values_list("pk", flat=True))
    _check_rules(table, listed, timezone.localdate())
    _compare(listed)
    return SurveyList(file_name=file_name, sha256=hashlib.sha256(content).hexdigest(), rows=listed)


# --- The services --------------------------------------------------------------------------------------------------


def survey_list_read(*, user: User, file_name: str, content: bytes) -> SurveyList:
    """The list read and every row classified; writes nothing."""
    ensure_permitted(user, UPLOAD_PERMISSION, "导入贫困家庭子女摸排表")
    return _read(user=user, file_name=file_name, content=content)


def survey_batches_visible_to(user: User) -> QuerySet[SurveyBatch]:
    """The batches uploaded within the user's area (those of the system account only to users of no area)."""
    return batches_visible_to(SurveyBatch.objects.all(), user)


@transaction.atomic
def survey_batch_upload(*, user: User, file_name: str, content: bytes) -> SurveyBatch:
    """Keep the list as a batch with its preview (rows and summary), errors and all; nothing else is written. A
    file that cannot be read as a whole (format, size, missing columns) is refused and leaves no batch."""
    listed = survey_list_read(user=user, file_name=file_name, content=content)
    return batch_keep(SurveyBatch, user=user, file_name=file_name, content=content, listed=listed)


@transaction.atomic
def survey_batch_apply(*, user: User, batch: SurveyBatch) -> SurveyBatch:
    """Read the stored list again under the children's locks and, when no row is in error, insert the new records
    and change the changed ones, with their history rows (reason: the batch), and mark it applied; else refuse,
    writing nothing."""
    ensure_permitted(user, UPLOAD_PERMISSION, "导入贫困家庭子女摸排表")
    ensure_permitted(user, "employment.add_childsurvey", "登记子女摸排记录")
    ensure_permitted(user, "employment.change_childsurvey", "修改子女摸排记录")
    batch = batch_held(survey_batches_visible_to(user), batch, what="摸排表", action="导入", noun="摸排表")  # a second click waits here, then finds the batch applied
    listed = _read(user=user, file_name=batch.filename, content=stored_content(batch), lock=True)
    rows = rows_without_errors(batch, listed, what="摸排表", noun="摸排表")
    _write(listed.rows, batch=batch, user=user)
    return batch_applied(batch, user, rows=rows, summary=listed.summary())


def _write(rows: list[SurveyedChild], *, batch: SurveyBatch, user: User) -> None:
    """The new records inserted and the changed ones updated, set by set, each with its history row."""
    reason = f"贫困家庭子女摸排表 #{batch.pk}"
    written = insert_rows(ChildSurvey, ("person_id", *FIELDS, "batch_id", "recorded_by_id"), (
        (row.person.pk, *(row.values[name] for name in FIELDS), batch.pk, user.pk)
        for row in rows if row.outcome == Outcome.NEW
    ), returning=("id",))
    copy_to_history(ChildSurvey, sorted(pk for (pk,) in written), user=user, reason=reason)
    changed = [row.existing for row in rows if row.outcome == Outcome.UPDATED]
    for row in rows:
        if row.outcome == Outcome.UPDATED:
            for name in FIELDS:
                setattr(row.existing, name, row.values[name])
            row.existing.batch = batch
    if changed:
        ChildSurvey.objects.bulk_update(changed, [*FIELDS, "batch"])
        copy_to_history(ChildSurvey, sorted(survey.pk for survey in changed), user=user, reason=reason,
                        history_type="~")


@transaction.atomic
def survey_batch_discard(*, user: User, batch: SurveyBatch) -> SurveyBatch:
    """Set a previewed batch aside (a list with errors, or the wrong file): it stays on record, never applied."""
    ensure_permitted(user, UPLOAD_PERMISSION, "放弃贫困家庭子女摸排表")
    return batch_discarded(survey_batches_visible_to(user), batch, user, what="摸排表", noun="摸排表")


def survey_list_import(*, user: User, file_name: str, content: bytes, apply: bool) -> dict:
    """The command's run: a preview writing nothing, or, with ``apply`` and no row in error, the batch uploaded and
    applied in one transaction. The result of ``spreadsheets.list_batches.batch_result``."""
    return list_import_run(read=survey_list_read, upload=survey_batch_upload, apply=survey_batch_apply, user=user, file_name=file_name,
                           content=content, applying=apply)
