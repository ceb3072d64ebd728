"""The health commission's list of family-doctor contracts (家庭医生签约名单), imported as the rosters are: upload →
preview (every row classified, nothing written but the batch) → apply (all or nothing) → report.

A row names its household by the ID number of any member (or by 户编号) and gives the team, the doctor, the clinic,
the package and the dates. The preview says of each row: 新签约, 续签 (the household's current contract ends the day
before the row starts, or the same team signs again after it), 已有相同签约 (skipped) or 错误, each error naming its
row, its column and what was expected. The dates and the one-contract-at-a-time rule are health/rules.py's, so the
list refuses what the window refuses.

Unlike a roster, whose unusable rows are skipped, a contract list is applied only when no row is in error: each row
is one household's doctor, and a row left out would show as a household without one. The clerk corrects the file,
uploads it again and discards the batch with errors. Applying reads the stored file again inside one transaction,
holding the households' rows (as signing in the window does), and inserts the contracts and their history rows set
by set."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from accounts.services import ensure_permitted
from beneficiaries import idnumbers
from beneficiaries.models import Beneficiary, Household
from config.bulk import copy_to_history, insert_rows
from health import rules
from health.models import ContractBatch, DoctorContract
from health.services import contract_overlaps
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

UPLOAD_PERMISSION = "health.add_contractbatch"  # clerks and administrators (accounts/roles.py)

ALIASES = {
    "id_number": (*ID_ALIASES, "成员身份证号", "签约居民身份证号", "户主身份证号", "户主身份证号码"),
    "household": ("户编号", "户号", "家庭户编号", "户编码"),
    "team": ("签约团队", "家庭医生团队", "签约团队名称", "团队名称", "服务团队"),
    "doctor": ("签约医生", "家庭医生", "签约医生姓名", "医生姓名", "责任医生"),
    "doctor_phone": ("医生电话", "医生联系电话", "家庭医生电话", "签约医生电话"),
    "clinic": ("签约机构", "签约医疗机构", "签约机构名称", "医疗机构", "机构名称"),
    "package": ("服务包", "签约服务包", "服务包名称", "服务包类型"),
    "signed_on": ("签约日期", "签约时间"),
    "starts_on": ("生效日期", "服务开始日期", "开始日期", "起始日期"),
    "ends_on": ("到期日期", "服务结束日期", "结束日期", "截止日期", "有效期至"),
}
REQUIRED = ("team", "doctor", "clinic", "package", "signed_on")
TERMS = ("team", "doctor", "doctor_phone", "clinic", "package")
EXPECTED = {"team": "签约团队名称", "doctor": "签约医生姓名", "clinic": "签约机构名称（乡镇卫生院、村卫生室等）",
            "package": "服务包名称（如基础包、慢病包）"}
LIMITS = {name: DoctorContract._meta.get_field(name).max_length for name in TERMS}
# The column each of rules.contract_dates's problems is about, by the label it starts with.
DATE_LABELS = {"签约日期": "signed_on", "生效日期": "starts_on", "到期日期": "ends_on"}

NO_HOUSEHOLD_COLUMN = "文件“{name}”缺少“身份证号”或“户编号”列（在前 20 行中未找到表头）。"
NO_WHO = "身份证号和户编号不能都为空，应填写户中任一成员的身份证号（或户编号）。"
BAD_ID = "{reason}应为户中任一成员的 18 位身份证号。"
UNKNOWN_ID = "身份证号 {id} 不在登记册中，应为已登记人员（户中任一成员）的身份证号。"
NO_HOUSEHOLD = "身份证号 {id} 的人员（{name}）未登记家庭户，请先在人员登记中归户。"
UNKNOWN_HOUSEHOLD = "户编号“{number}”不在登记册中，应为已登记家庭户的户编号。"
OTHER_HOUSEHOLD = "身份证号 {id} 的人员属于户 {found}，与户编号“{number}”不符。"
OUTSIDE_AREA = "户 {number}（村代码 {village}）不在您的管辖区域内，只能导入本区域家庭户的签约。"
EMPTY = "不能为空，应为{what}。"
TOO_LONG = "“{text}”超过 {limit} 个字。"
BAD_DATE = "“{text}”不是有效日期，应为年-月-日，如 2026-03-15。"
EMPTY_DATE = "不能为空，应为签约日期（年-月-日），如 2026-03-15。"
DUPLICATE = "与第 {first} 行是同一户（户编号 {number}），一份名单每户只应有一行。"


class Outcome(models.TextChoices):
    NEW = "new", "新签约"
    RENEWAL = "renewal", "续签"
    UNCHANGED = "unchanged", "已有相同签约"
    ERROR = "error", "错误"


@dataclass
class ListedContract:
    """One row of the list: what it says, the household it names and, once compared, its outcome."""

    row: int
    id_text: str = ""
    household_text: str = ""
    terms: dict[str, str] = field(default_factory=dict)
    dates: dict[str, datetime.date | None] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)  # the date cells as written
    household: Household | None = None
    errors: list[RowError] = field(default_factory=list)
    outcome: str = ""
    renews: DoctorContract | None = None
    message: str = ""

    @property
    def period(self) -> rules.Period:
        return rules.Period(self.dates["starts_on"], self.dates["ends_on"])

    def same_as(self, contract: DoctorContract) -> bool:
        return all(self.terms[name] == getattr(contract, name) for name in ("team", "doctor", "clinic", "package")) \
            and all(self.dates[name] == getattr(contract, name) for name in ("signed_on", "starts_on", "ends_on"))

    def as_dict(self) -> dict:
        def day(name):
            value = self.dates.get(name)
            return value.isoformat() if value else self.texts.get(name, "")

        return {
            "row": self.row, "id_number": self.id_text,
            "household": self.household.number if self.household else self.household_text,
            "household_id": self.household.pk if self.household else None,
            **{name: self.terms.get(name, "") for name in TERMS},
            **{name: day(name) for name in DATE_LABELS.values()},
            "outcome": self.outcome, "renews": self.renews.pk if self.renews else None, "message": self.message,
            "errors": [{"column": e.column, "message": e.message} for e in self.errors],
        }


@dataclass
class ContractList:
    """A list read and compared with the registry: its rows in file order."""

    file_name: str
    sha256: str
    rows: list[ListedContract]

    def errors(self) -> list[RowError]:
        return [error for row in self.rows for error in row.errors]

    def summary(self) -> dict[str, int]:
        counts = {outcome.value: 0 for outcome in Outcome}
        for row in self.rows:
            counts[row.outcome] += 1
        return {"rows": len(self.rows), **counts}


# --- Reading -------------------------------------------------------------------------------------------------------


def _table(content: bytes, file_name: str) -> Table:
    try:
        check_file(content, file_name, Limits.from_settings())
        table = read_table(content, file_name, ALIASES, REQUIRED)
    except SpreadsheetError as exc:
        raise ValidationError(str(exc), code="unreadable_file") from None
    if "id_number" not in table.columns and "household" not in table.columns:
        raise ValidationError(NO_HOUSEHOLD_COLUMN.format(name=file_name), code="unreadable_file")
    return table


def _column(table: Table, name: str) -> str:
    return table.headers[table.columns[name]] if name in table.columns else ALIASES[name][0]


def year_less_a_day(first: datetime.date) -> datetime.date:
    """The default end of a contract: one year from its first day, less a day (29 February → 28 February)."""
    try:
        return first.replace(year=first.year + 1) - datetime.timedelta(days=1)
    except ValueError:
        return datetime.date(first.year + 1, 2, 28)


def _rows(table: Table, today: datetime.date) -> list[ListedContract]:
    """Each row's cells checked one by one (not yet against the registry)."""
    listed = []
    for number, record in table.records():
        row = ListedContract(row=number, id_text=id_cell(record.get("id_number", "")),
                             household_text=record.get("household", ""))

        def fail(name: str, message: str, row=row) -> None:
            row.errors.append(RowError(row.row, _column(table, name), message))

        for name in TERMS:
            text = record.get(name, "")
            if not text and name in EXPECTED:
                fail(name, EMPTY.format(what=EXPECTED[name]))
            elif len(text) > LIMITS[name]:
                fail(name, TOO_LONG.format(text=text[:20] + "…", limit=LIMITS[name]))
            row.terms[name] = text
        for name in DATE_LABELS.values():
            text = row.texts[name] = record.get(name, "")
            row.dates[name] = cell_date(text) if text else None
            if text and row.dates[name] is None:
                fail(name, BAD_DATE.format(text=text))
            elif not text and name == "signed_on":
                fail(name, EMPTY_DATE)
        if not row.id_text and not row.household_text:
            fail("id_number" if "id_number" in table.columns else "household", NO_WHO)
        if not row.errors:
            dates = row.dates
            dates["starts_on"] = dates["starts_on"] or dates["signed_on"]
            dates["ends_on"] = dates["ends_on"] or year_less_a_day(dates["starts_on"])
            for problem in rules.contract_dates(dates["signed_on"], dates["starts_on"], dates["ends_on"], today):
                fail(next(name for label, name in DATE_LABELS.items() if problem.startswith(label)), problem)
        listed.append(row)
    return listed


def _find_households(table: Table, listed: list[ListedContract], user: User) -> None:
    """Each row's household, by the ID number of a member or by 户编号 (three queries for the whole list), within
    the user's area; and no household twice."""
    parsed: dict[str, str] = {}
    for row in listed:
        if row.id_text:
            try:
                parsed[row.id_text] = idnumbers.parse(row.id_text).number
            except idnumbers.IdNumberError as exc:
                row.errors.append(RowError(row.row, _column(table, "id_number"),
                                           BAD_ID.format(reason=exc.message.rstrip("。") + "，")))
    people: dict[str, Beneficiary] = {}
    for chunk in chunks(set(parsed.values())):
        people.update((p.id_number, p) for p in Beneficiary.objects.filter(id_number__in=chunk)
                      .only("id_number", "name", "household_id"))
    wanted_numbers = {row.household_text for row in listed if row.household_text}
    wanted_ids = {p.household_id for p in people.values() if p.household_id}
    households: dict[int, Household] = {}
    for chunk in chunks(wanted_ids):
        households.update((h.pk, h) for h in Household.objects.filter(pk__in=chunk).only("number", "village_id"))
    by_number = {h.number: h for h in households.values()}
    for chunk in chunks(wanted_numbers - set(by_number)):
        by_number.update((h.number, h) for h in Household.objects.filter(number__in=chunk).only("number", "village_id"))

    first_row: dict[int, int] = {}
    id_column, household_column = _column(table, "id_number"), _column(table, "household")
    for row in listed:
        found, problems = None, []
        if row.household_text:
            found = by_number.get(row.household_text)
            if found is None:
                problems.append(RowError(row.row, household_column, UNKNOWN_HOUSEHOLD.format(number=row.household_text)))
        if row.id_text in parsed:
            number = parsed[row.id_text]
            person = people.get(number)
            shown = idnumbers.mask(number)
            if person is None:
                problems.append(RowError(row.row, id_column, UNKNOWN_ID.format(id=shown)))
            elif person.household_id is None:
                problems.append(RowError(row.row, id_column, NO_HOUSEHOLD.format(id=shown, name=person.name)))
            elif found is not None and found.pk != person.household_id:
                problems.append(RowError(row.row, id_column, OTHER_HOUSEHOLD.format(
                    id=shown, found=households[person.household_id].number, number=row.household_text)))
            else:
                found = households[person.household_id]
        row.errors += problems
        if found is None or problems:
            continue
        if not user.can_see_code(found.village_id):
            row.errors.append(RowError(row.row, household_column if row.household_text else id_column,
                                       OUTSIDE_AREA.format(number=found.number, village=found.village_id)))
            continue
        row.household = found
        if found.pk in first_row:
            row.errors.append(RowError(row.row, household_column if row.household_text else id_column,
                                       DUPLICATE.format(first=first_row[found.pk], number=found.number)))
        else:
            first_row[found.pk] = row.row


def _compare(listed: list[ListedContract], starts_column: str) -> None:
    """Each row against its household's contracts: the same one already there, a renewal, a new contract, or an
    overlap with one in force (the window's rule, named under the 生效日期 column)."""
    ids = {row.household.pk for row in listed if row.household and not row.errors}
    contracts: dict[int, list[DoctorContract]] = {}
    for chunk in chunks(ids):
        for contract in DoctorContract.objects.filter(household_id__in=chunk).order_by("starts_on", "pk"):
            contracts.setdefault(contract.household_id, []).append(contract)
    for row in listed:
        if row.errors:
            row.outcome, row.message = Outcome.ERROR, "；".join(f"“{e.column}”列：{e.message}" for e in row.errors)
            continue
        existing = contracts.get(row.household.pk, [])
        same = next((contract for contract in existing if row.same_as(contract)), None)
        if same is not None:
            row.outcome = Outcome.UNCHANGED
            row.message = f"该户已有相同签约（{same.starts_on.isoformat()} 至 {same.last_day.isoformat()}），跳过。"
            continue
        problems = contract_overlaps(row.period, existing)
        if problems:
            row.errors += [RowError(row.row, starts_column, problem) for problem in problems]
            row.outcome, row.message = Outcome.ERROR, "；".join(f"“{starts_column}”列：{problem}" for problem in problems)
            continue
        renewed = {contract.renews_id for contract in existing}
        latest = existing[-1] if existing else None
        if (latest is not None and latest.ended_on is None and latest.pk not in renewed
                and latest.ends_on < row.dates["starts_on"]
                and (latest.ends_on + datetime.timedelta(days=1) == row.dates["starts_on"]
                     or latest.team == row.terms["team"])):
            row.outcome, row.renews = Outcome.RENEWAL, latest
            row.message = (f"续签 {latest.doctor}（{latest.clinic}）{latest.starts_on.isoformat()} 至 "
                           f"{latest.ends_on.isoformat()} 的签约。")
        else:
            row.outcome, row.message = Outcome.NEW, ""


def _read(*, user: User, file_name: str, content: bytes, lock: bool = False) -> ContractList:
    table = _table(content, file_name)
    listed = _rows(table, timezone.localdate())
    _find_households(table, listed, user)
    if lock:  # one signing per household at a time, as contract_sign holds it
        for chunk in chunks(sorted({row.household.pk for row in listed if row.household})):
            list(Household.objects.select_for_update().filter(pk__in=chunk).values_list("pk", flat=True))
    _compare(listed, _column(table, "starts_on"))
    return ContractList(file_name=file_name, sha256=hashlib.sha256(content).hexdigest(), rows=listed)


# --- The services --------------------------------------------------------------------------------------------------


def contract_list_read(*, user: User, file_name: str, content: bytes) -> ContractList:
    """The list read and every row classified; writes nothing."""
    ensure_permitted(user, UPLOAD_PERMISSION, "导入家庭医生签约名单")
    return _read(user=user, file_name=file_name, content=content)


def contract_batches_visible_to(user: User) -> QuerySet[ContractBatch]:
    """The batches uploaded within the user's area (those of the system account only to users of no area)."""
    return batches_visible_to(ContractBatch.objects.all(), user)


@transaction.atomic
def contract_batch_upload(*, user: User, file_name: str, content: bytes) -> ContractBatch:
    """Keep the list as a batch with its preview (rows and summary), errors and all; nothing else is written. A
    file that cannot be read as a whole (format, size, missing columns) is refused and leaves no batch."""
    listed = contract_list_read(user=user, file_name=file_name, content=content)
    return batch_keep(ContractBatch, user=user, file_name=file_name, content=content, listed=listed)


@transaction.atomic
def contract_batch_apply(*, user: User, batch: ContractBatch) -> ContractBatch:
    """Read the stored list again under the households' locks and, when no row is in error, insert its new contracts
    and renewals with their history rows (reason: the batch) and mark it applied; else refuse, writing nothing."""
    ensure_permitted(user, UPLOAD_PERMISSION, "导入家庭医生签约名单")
    ensure_permitted(user, "health.add_doctorcontract", "登记家庭医生签约")
    batch = batch_held(contract_batches_visible_to(user), batch, what="签约名单", action="导入")
    listed = _read(user=user, file_name=batch.filename, content=stored_content(batch), lock=True)
    rows = rows_without_errors(batch, listed, what="签约名单")
    _insert(listed.rows, batch=batch, user=user)
    return batch_applied(batch, user, rows=rows, summary=listed.summary())


def _insert(rows: Iterable[ListedContract], *, batch: ContractBatch, user: User) -> None:
    columns = ("household_id", *TERMS, "signed_on", "starts_on", "ends_on", "renews_id", "batch_id", "recorded_by_id")
    written = insert_rows(DoctorContract, columns, (
        (row.household.pk, *(row.terms[name] for name in TERMS), row.dates["signed_on"], row.dates["starts_on"],
         row.dates["ends_on"], row.renews.pk if row.renews else None, batch.pk, user.pk)
        for row in rows if row.outcome in (Outcome.NEW, Outcome.RENEWAL)
    ), returning=("id",))
    copy_to_history(DoctorContract, sorted(pk for (pk,) in written), user=user, reason=f"家庭医生签约名单 #{batch.pk}")


@transaction.atomic
def contract_batch_discard(*, user: User, batch: ContractBatch) -> ContractBatch:
    """Set a previewed batch aside (a list with errors, or the wrong file): it stays on record, never applied."""
    ensure_permitted(user, UPLOAD_PERMISSION, "放弃家庭医生签约名单")
    return batch_discarded(contract_batches_visible_to(user), batch, user, what="签约名单")


def contract_list_import(*, user: User, file_name: str, content: bytes, apply: bool) -> dict:
    """The command's run: a preview writing nothing, or, with ``apply`` and no row in error, the batch uploaded and
    applied in one transaction. The result of ``batch_result``."""
    return list_import_run(read=contract_list_read, upload=contract_batch_upload, apply=contract_batch_apply, user=user, file_name=file_name,
                           content=content, applying=apply)
