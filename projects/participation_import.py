"""The participation and labour list (产业参与名单), imported as the health commission's contract list is: upload →
preview (every row classified, nothing written but the batch) → apply (all or nothing) → report.

Townships keep who takes part in which industry project, the poverty office each person's labour capacity; one list
carries both. A row names a person by ID number and name, and gives their 劳动能力, or a project (项目编号, with
参与方式 and 参与日期) they take part in, or both. The preview says of each row: 新参与, 已在项目中 (an open
participation of that person in that project: skipped), 劳动能力变更 (from what to what), 劳动能力相同 (skipped),
both parts for a row doing both, or 错误, each error naming its row, its column and what was expected. Whether a
project takes participants, whether the person lives in its township and whether a date may be used are
projects/rules.py's, so the list refuses what the window refuses.

Like the contract list, it is applied only when no row is in error: a row left out would show as a person with no
project, or with a capacity the township has corrected. Applying reads the stored file again inside one
transaction, holding the people's rows, inserts the participations and updates the capacities set by set, each with
its history rows (reason: the batch)."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Case, QuerySet, Value, When
from django.utils import timezone

from accounts.models import User
from accounts.services import ensure_permitted
from beneficiaries import idnumbers
from beneficiaries.models import Beneficiary, LabourCapacity
from config.bulk import copy_to_history, insert_rows
from projects import rules, selectors
from projects.models import Participation, ParticipationBatch, Project
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

UPLOAD_PERMISSION = "projects.add_participationbatch"  # clerks and administrators (accounts/roles.py)

ALIASES = {
    "id_number": (*ID_ALIASES, "参与人身份证号", "成员身份证号"),
    "name": ("姓名", "参与人姓名", "成员姓名", "人员姓名"),
    "labour_capacity": ("劳动能力", "劳动技能", "劳动力状况", "劳动能力状况"),
    "project": ("项目编号", "项目代码", "项目库编号"),
    "role": ("参与方式", "参与类型", "带贫方式", "利益联结方式"),
    "starts_on": ("参与日期", "参与时间", "加入日期", "开始日期"),
}
REQUIRED = ("id_number", "name")

# The registry's wordings beside the field's own labels (扶贫开发建档立卡信息系统 writes 普通劳动力, 丧失劳动力 …).
CAPACITY_WORDS = {
    **{label: value for value, label in LabourCapacity.choices},
    "普通劳动力": LabourCapacity.ABLE, "技能劳动力": LabourCapacity.ABLE,
    "弱劳动力或半劳动力": LabourCapacity.WEAK, "弱劳动力": LabourCapacity.WEAK, "半劳动力": LabourCapacity.WEAK,
    "丧失劳动力": LabourCapacity.NONE, "无劳动力": LabourCapacity.NONE,
}
ROLE_WORDS = {
    **{label: value for value, label in Participation.Role.choices},
    "务工": Participation.Role.WORKER,
    "种养": Participation.Role.GROWER, "种养户": Participation.Role.GROWER, "自主发展": Participation.Role.GROWER,
    "入股": Participation.Role.SHAREHOLDER, "资产收益": Participation.Role.SHAREHOLDER,
}

NO_CONTENT_COLUMN = "文件“{name}”既没有“劳动能力”列也没有“项目编号”列（在前 20 行中未找到表头），每行应至少填写其中一项。"
EMPTY_ID = "不能为空，应为参与人的 18 位身份证号。"
EMPTY_NAME = "不能为空，应为与登记一致的姓名。"
BAD_ID = "{reason}应为参与人的 18 位身份证号。"
UNKNOWN_ID = "身份证号 {id} 不在登记册中，应为已登记人员的身份证号。"
OUTSIDE_AREA = "身份证号 {id} 的人员（村代码 {village}）不在您的管辖区域内，只能导入本区域的人员。"
NOT_LIVING = "身份证号 {id} 的人员（{name}）状态为“{status}”，只能登记在册人员。"
NAME_MISMATCH = "“{given}”与登记的姓名“{name}”不符，应为身份证号 {id} 的人员在登记册中的姓名。"
NOTHING = "劳动能力和项目编号不能都为空，应至少填写其中一项。"
BAD_CAPACITY = "“{text}”不是劳动能力，应为有劳动能力、弱劳动能力或无劳动能力（也可写普通劳动力、技能劳动力、弱劳动力或半劳动力、丧失劳动力）。"
BAD_ROLE = "“{text}”不是参与方式，应为务工就业、种养户（自主发展）、入股分红（资产收益）、土地流转、公益岗位或其他。"
EMPTY_ROLE = "填写了项目编号时不能为空，应为参与方式（务工就业、种养户、入股分红、土地流转、公益岗位或其他）。"
EMPTY_DATE = "填写了项目编号时不能为空，应为参与日期（年-月-日），如 2026-03-15。"
BAD_DATE = "“{text}”不是有效日期，应为年-月-日，如 2026-03-15。"
WITHOUT_PROJECT = "“{text}”：未填项目编号时本列应为空（只登记劳动能力的行不填参与方式和参与日期）。"
UNKNOWN_PROJECT = "项目编号“{code}”不在项目库中，应为已入库项目的编号。"
OUTSIDE_PROJECT = "项目 {code}（实施地点代码 {area}）不在您的管辖区域内，只能登记本区域的项目。"
DUPLICATE = "与第 {first} 行是同一人同一项目（{code}），一份名单每人每个项目只应有一行。"
OTHER_CAPACITY = "与第 {first} 行是同一人，劳动能力却不同（“{first_text}”与“{text}”），应一致。"


class Outcome(models.TextChoices):
    """What a row does; a row giving both a project and a capacity has one outcome of each."""

    NEW = "new", "新参与"
    ALREADY = "already", "已在项目中"
    CAPACITY_CHANGED = "capacity_changed", "劳动能力变更"
    CAPACITY_SAME = "capacity_same", "劳动能力相同"
    ERROR = "error", "错误"


OUTCOME_LABELS = dict(Outcome.choices)


def outcome_text(codes: Iterable[str]) -> str:
    """A row's outcomes in words, 新参与、劳动能力变更."""
    return "、".join(OUTCOME_LABELS.get(code, code) for code in codes)


def capacity_label(value: str) -> str:
    return LabourCapacity(value).label if value else "未登记"


@dataclass
class ListedParticipation:
    """One row of the list: what it says, the person and project it names and, once compared, its outcomes."""

    row: int
    id_text: str = ""
    name: str = ""
    capacity_text: str = ""
    capacity: str = ""
    project_code: str = ""
    role_text: str = ""
    role: str = ""
    starts_text: str = ""
    starts_on: datetime.date | None = None
    person: Beneficiary | None = None
    project: Project | None = None
    errors: list[RowError] = field(default_factory=list)
    outcomes: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)

    @property
    def joins(self) -> bool:
        return Outcome.NEW in self.outcomes

    @property
    def changes_capacity(self) -> bool:
        return Outcome.CAPACITY_CHANGED in self.outcomes

    def as_dict(self) -> dict:
        return {
            "row": self.row, "id_number": self.id_text, "name": self.name,
            "person_id": self.person.pk if self.person else None,
            "labour_capacity": self.capacity_text, "project": self.project_code,
            "project_name": self.project.name if self.project else "",
            "project_id": self.project.pk if self.project else None,
            "role": self.role_text, "starts_on": self.starts_on.isoformat() if self.starts_on else self.starts_text,
            "outcomes": self.outcomes, "outcome_text": outcome_text(self.outcomes), "message": "；".join(self.messages),
            "errors": [{"column": e.column, "message": e.message} for e in self.errors],
        }


@dataclass
class ParticipationList:
    """A list read and compared with the registry and the library: its rows in file order."""

    file_name: str
    sha256: str
    rows: list[ListedParticipation]

    def summary(self) -> dict[str, int]:
        counts = {outcome.value: 0 for outcome in Outcome}
        for row in self.rows:
            for outcome in row.outcomes:
                counts[outcome] += 1
        return {"rows": len(self.rows), **counts}


# --- Reading -------------------------------------------------------------------------------------------------------


def _table(content: bytes, file_name: str) -> Table:
    try:
        check_file(content, file_name, Limits.from_settings())
        table = read_table(content, file_name, ALIASES, REQUIRED)
    except SpreadsheetError as exc:
        raise ValidationError(str(exc), code="unreadable_file") from None
    if "labour_capacity" not in table.columns and "project" not in table.columns:
        raise ValidationError(NO_CONTENT_COLUMN.format(name=file_name), code="unreadable_file")
    return table


def _column(table: Table, name: str) -> str:
    return table.headers[table.columns[name]] if name in table.columns else ALIASES[name][0]


def _rows(table: Table) -> list[ListedParticipation]:
    """Each row's cells checked one by one (not yet against the registry or the library)."""
    listed = []
    for number, record in table.records():
        row = ListedParticipation(
            row=number, id_text=id_cell(record.get("id_number", "")), name=record.get("name", ""),
            capacity_text=record.get("labour_capacity", ""), project_code=record.get("project", ""),
            role_text=record.get("role", ""), starts_text=record.get("starts_on", ""))

        def fail(name: str, message: str, row=row) -> None:
            row.errors.append(RowError(row.row, _column(table, name), message))

        if not row.id_text:
            fail("id_number", EMPTY_ID)
        if not row.name:
            fail("name", EMPTY_NAME)
        if row.capacity_text:
            row.capacity = CAPACITY_WORDS.get(row.capacity_text, "")
            if not row.capacity:
                fail("labour_capacity", BAD_CAPACITY.format(text=row.capacity_text))
        if row.project_code:
            row.role = ROLE_WORDS.get(row.role_text, "")
            if not row.role_text:
                fail("role", EMPTY_ROLE)
            elif not row.role:
                fail("role", BAD_ROLE.format(text=row.role_text))
            row.starts_on = cell_date(row.starts_text) if row.starts_text else None
            if not row.starts_text:
                fail("starts_on", EMPTY_DATE)
            elif row.starts_on is None:
                fail("starts_on", BAD_DATE.format(text=row.starts_text))
        else:
            for name, text in (("role", row.role_text), ("starts_on", row.starts_text)):
                if text:
                    fail(name, WITHOUT_PROJECT.format(text=text))
            if not row.capacity_text:
                fail("labour_capacity" if "labour_capacity" in table.columns else "project", NOTHING)
        listed.append(row)
    return listed


def _find(table: Table, listed: list[ListedParticipation], user: User, *, lock: bool) -> None:
    """Each row's person (a living person of the registry within the user's area, under the name given) and
    project (in the library, within the user's area), a query a chunk for each; no person and project twice, and
    one capacity a person. With ``lock``, the people's rows are held until the transaction ends."""
    id_column, project_column = _column(table, "id_number"), _column(table, "project")
    parsed: dict[str, str] = {}
    for row in listed:
        if row.id_text:
            try:
                parsed[row.id_text] = idnumbers.parse(row.id_text).number
            except idnumbers.IdNumberError as exc:
                row.errors.append(RowError(row.row, id_column, BAD_ID.format(reason=exc.message.rstrip("。") + "，")))
    people: dict[str, Beneficiary] = {}
    found_people = Beneficiary.objects.select_for_update() if lock else Beneficiary.objects
    for chunk in chunks(sorted(set(parsed.values()))):
        people.update((p.id_number, p) for p in found_people.filter(id_number__in=chunk)
                      .only("id_number", "name", "village_id", "status", "labour_capacity"))
    projects: dict[str, Project] = {}
    for chunk in chunks({row.project_code for row in listed if row.project_code}):
        projects.update((p.code, p) for p in Project.objects.filter(code__in=chunk).select_related("area")
                        .only("code", "name", "status", "area__name"))

    first_pair: dict[tuple[int, int], int] = {}
    first_capacity: dict[int, ListedParticipation] = {}
    for row in listed:
        number = parsed.get(row.id_text)
        person = people.get(number) if number else None
        shown = idnumbers.mask(number) if number else ""
        if number and person is None:
            row.errors.append(RowError(row.row, id_column, UNKNOWN_ID.format(id=shown)))
        elif person is not None and not user.can_see_code(person.village_id):
            row.errors.append(RowError(row.row, id_column, OUTSIDE_AREA.format(id=shown, village=person.village_id)))
            person = None  # neither the name nor the state of someone outside the area is told
        elif person is not None and person.status != Beneficiary.Status.ACTIVE:
            row.errors.append(RowError(row.row, id_column, NOT_LIVING.format(
                id=shown, name=person.name, status=person.get_status_display())))
        elif person is not None and row.name and row.name != person.name:
            row.errors.append(RowError(row.row, _column(table, "name"), NAME_MISMATCH.format(
                given=row.name, name=person.name, id=shown)))
        row.person = person
        if row.project_code:
            project = projects.get(row.project_code)
            if project is None:
                row.errors.append(RowError(row.row, project_column, UNKNOWN_PROJECT.format(code=row.project_code)))
            elif not user.can_see_code(project.area_id):
                row.errors.append(RowError(row.row, project_column, OUTSIDE_PROJECT.format(
                    code=project.code, area=project.area_id)))
            else:
                row.project = project
        if person is None:
            continue
        if row.project is not None:
            pair = (person.pk, row.project.pk)
            if pair in first_pair:
                row.errors.append(RowError(row.row, project_column, DUPLICATE.format(
                    first=first_pair[pair], code=row.project.code)))
            else:
                first_pair[pair] = row.row
        if row.capacity:
            first = first_capacity.setdefault(person.pk, row)
            if first.capacity != row.capacity:
                row.errors.append(RowError(row.row, _column(table, "labour_capacity"), OTHER_CAPACITY.format(
                    first=first.row, first_text=first.capacity_text, text=row.capacity_text)))


def _compare(table: Table, listed: list[ListedParticipation], today: datetime.date) -> None:
    """Each row against the person's open participations and recorded capacity; a new participation checked by the
    window's rules (the project open to participants and of the person's township, the date not after today)."""
    people = {row.person.pk for row in listed if row.person is not None and row.project is not None}
    open_now: dict[tuple[int, int], Participation] = {}
    for chunk in chunks(sorted(people)):
        for participation in (Participation.objects.filter(person_id__in=chunk, ends_on__isnull=True)
                              .only("person_id", "project_id", "role", "starts_on")):
            open_now[(participation.person_id, participation.project_id)] = participation
    first_open = selectors.open_since({row.project.pk for row in listed if row.project is not None})
    for row in listed:
        if not row.errors and row.project is not None:
            current = open_now.get((row.person.pk, row.project.pk))
            if current is not None:
                row.outcomes.append(Outcome.ALREADY)
                row.messages.append(f"已于 {current.starts_on.isoformat()} 以“{current.get_role_display()}”参与"
                                    f"项目 {row.project.code}，跳过。")
            else:
                problems = rules.participation_problems(
                    project_status=row.project.status, project_status_label=row.project.get_status_display(),
                    starts_on=row.starts_on, today=today, already_open=False,
                    open_since=first_open.get(row.project.pk))
                problems.setdefault("project", []).extend(rules.participant_place_problems(
                    person_village=row.person.village_id, project_area=row.project.area_id,
                    project_area_name=row.project.area.name))
                # the rules name their fields as this list's columns are named: project, starts_on
                row.errors += [RowError(row.row, _column(table, name), problem)
                               for name, messages in problems.items() for problem in messages]
                if not row.errors:
                    row.outcomes.append(Outcome.NEW)
        if not row.errors and row.capacity:
            was = row.person.labour_capacity
            if was == row.capacity:
                row.outcomes.append(Outcome.CAPACITY_SAME)
                row.messages.append(f"劳动能力已是“{capacity_label(was)}”，跳过。")
            else:
                row.outcomes.append(Outcome.CAPACITY_CHANGED)
                row.messages.append(f"劳动能力由“{capacity_label(was)}”改为“{capacity_label(row.capacity)}”。")
        if row.errors:
            row.outcomes = [Outcome.ERROR]
            row.messages = [f"“{e.column}”列：{e.message}" for e in row.errors]


def _read(*, user: User, file_name: str, content: bytes, lock: bool = False) -> ParticipationList:
    table = _table(content, file_name)
    listed = _rows(table)
    _find(table, listed, user, lock=lock)
    _compare(table, listed, timezone.localdate())
    return ParticipationList(file_name=file_name, sha256=hashlib.sha256(content).hexdigest(), rows=listed)


# --- The services --------------------------------------------------------------------------------------------------


def participation_list_read(*, user: User, file_name: str, content: bytes) -> ParticipationList:
    """The list read and every row classified; writes nothing."""
    ensure_permitted(user, UPLOAD_PERMISSION, "导入产业参与名单")
    return _read(user=user, file_name=file_name, content=content)


def participation_batches_visible_to(user: User) -> QuerySet[ParticipationBatch]:
    """The batches uploaded within the user's area (those of the system account only to users of no area)."""
    return batches_visible_to(ParticipationBatch.objects.all(), user)


@transaction.atomic
def participation_batch_upload(*, user: User, file_name: str, content: bytes) -> ParticipationBatch:
    """Keep the list as a batch with its preview (rows and summary), errors and all; nothing else is written. A
    file that cannot be read as a whole (format, size, missing columns) is refused and leaves no batch."""
    listed = participation_list_read(user=user, file_name=file_name, content=content)
    return batch_keep(ParticipationBatch, user=user, file_name=file_name, content=content, listed=listed)


@transaction.atomic
def participation_batch_apply(*, user: User, batch: ParticipationBatch) -> ParticipationBatch:
    """Read the stored list again under the people's locks and, when no row is in error, insert its new
    participations and change the capacities it changes, with their history rows (reason: the batch), and mark it
    applied; else refuse, writing nothing."""
    ensure_permitted(user, UPLOAD_PERMISSION, "导入产业参与名单")
    ensure_permitted(user, "projects.add_participation", "登记项目参与")
    ensure_permitted(user, "beneficiaries.change_beneficiary", "登记劳动能力")
    batch = batch_held(participation_batches_visible_to(user), batch, what="参与名单", action="导入")
    listed = _read(user=user, file_name=batch.filename, content=stored_content(batch), lock=True)
    rows = rows_without_errors(batch, listed, what="参与名单")
    reason = f"产业参与名单 #{batch.pk}"
    _insert_participations([row for row in listed.rows if row.joins], batch=batch, user=user, reason=reason)
    _change_capacities([row for row in listed.rows if row.changes_capacity], user=user, reason=reason)
    return batch_applied(batch, user, rows=rows, summary=listed.summary())


def _insert_participations(rows: list[ListedParticipation], *, batch: ParticipationBatch, user: User,
                           reason: str) -> None:
    columns = ("project_id", "person_id", "role", "starts_on", "batch_id", "recorded_by_id")
    written = insert_rows(Participation, columns, (
        (row.project.pk, row.person.pk, row.role, row.starts_on, batch.pk, user.pk) for row in rows
    ), returning=("id",))
    copy_to_history(Participation, sorted(pk for (pk,) in written), user=user, reason=reason)


def _change_capacities(rows: list[ListedParticipation], *, user: User, reason: str) -> None:
    """One UPDATE a chunk of people whatever their new capacities (a CASE by capacity), then their history rows."""
    capacity = {row.person.pk: row.capacity for row in rows}  # a person twice in the list says the same capacity
    for chunk in chunks(sorted(capacity)):
        by_value: dict[str, list[int]] = {}
        for pk in chunk:
            by_value.setdefault(capacity[pk], []).append(pk)
        Beneficiary.objects.filter(pk__in=chunk).update(labour_capacity=Case(
            *(When(pk__in=pks, then=Value(value)) for value, pks in by_value.items())))
    copy_to_history(Beneficiary, sorted(capacity), user=user, reason=reason, history_type="~")


@transaction.atomic
def participation_batch_discard(*, user: User, batch: ParticipationBatch) -> ParticipationBatch:
    """Set a previewed batch aside (a list with errors, or the wrong file): it stays on record, never applied."""
    ensure_permitted(user, UPLOAD_PERMISSION, "放弃产业参与名单")
    return batch_discarded(participation_batches_visible_to(user), batch, user, what="参与名单")


def participation_list_import(*, user: User, file_name: str, content: bytes, apply: bool) -> dict:
    """The command's run: a preview writing nothing, or, with ``apply`` and no row in error, the batch uploaded and
    applied in one transaction. The result of ``spreadsheets.list_batches.batch_result``."""
    return list_import_run(read=participation_list_read, upload=participation_batch_upload, apply=participation_batch_apply, user=user, file_name=file_name,
                           content=content, applying=apply)
