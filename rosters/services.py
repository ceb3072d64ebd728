"""Comparing, applying and reverting rosters, and recording the enrollment list (reconciliation.md).

A preview reads the file and the registry and writes nothing. Applying compares again inside one
transaction and writes everything or nothing: people, households and holdings go in with bulk
inserts and updates, their history rows written alongside by django-simple-history's bulk helpers
with the acting user, and every write is kept as a RosterChange so the batch can be reverted.
"""

from __future__ import annotations

import datetime
import gc
import hashlib
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import OuterRef, ProtectedError, RestrictedError, Subquery
from django.db.models.deletion import Collector
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts.models import User
from accounts.services import area_within, ensure_permitted
from beneficiaries.idnumbers import birth_date_of, mask, parse, sex_of
from beneficiaries.models import (
    Beneficiary,
    Category,
    CategoryHolding,
    Enrollment,
    Household,
    Insurance,
    Relation,
)
from config.bulk import copy_to_history, insert_rows
from policies.selectors import enrollment_block
from rosters.comparison import Comparison, Finding, Outcome, RegistryPerson, compare, match_key, rows_text
from rosters.enrollment import CoverageCheck, Interpretation, check_covered, interpret, reconcile_records
from rosters.files import read_enrollment_list, read_roster, relation_code
from rosters.models import (
    ROSTER_SOURCES,
    EnrollmentUpload,
    RosterBatch,
    RosterChange,
    RosterCreation,
    RosterFindingList,
)
from rosters.selectors import (
    category_codes_by_key,
    chunks,
    covered_people,
    enrollment_states,
    holdings_to_end,
    households_by_head,
    insurance_codes_by_key,
    later_applied_batch,
    registry_holders,
    registry_ids_within,
    registry_people,
    roster_vocabulary,
)
from spreadsheets.errors import SpreadsheetError
from spreadsheets.formats import check_file
from spreadsheets.limits import Limits

ROSTER_PERMISSION = "rosters.add_rosterbatch"  # administrators only (accounts/roles.py)
BAD_SOURCE = "名单来源“{source}”无效：应为 civil_affairs（民政部门）或 poverty_office（扶贫/乡村振兴部门）。"
BAD_MONTH = "月份“{month}”格式不对，应为 YYYY-MM，例如 2024-05。"
OUTSIDE_AREA = "比对区域 {area} 不在您的管辖区域内。"
UNKNOWN_CATEGORY = "类别“{category}”不存在。"
WRONG_SOURCE_CATEGORY = "类别“{category}”不由该名单来源认定。"
NOT_PREVIEWED = "批次 #{batch} 当前状态为“{status}”，不能应用。"
NOT_APPLIED = "批次 #{batch} 当前状态为“{status}”，只有已应用的批次可以撤销。"
NOT_LATEST = "批次 #{batch} 之后，同一来源、区域重叠的批次 #{later} 也已应用：请先撤销批次 #{later}。"
CHANGED_SINCE = "{person}的类别认定在批次 #{batch} 之后已被修改，无法自动撤销，请先核对。"
IN_USE_SINCE = "{what}在批次 #{batch} 之后已有其他记录，不能删除，无法撤销该批次。"
BAD_YEAR = "年度 {year} 不在 {first}–{last} 之间。"
EXITS_WARNING = (
    "本名单将结束 {holdings} 项类别认定（其中 {people} 人退出，其余为类别变更），"
    "占该来源在本区域在册认定（{open} 项）的 {share}，超过 {limit}。"
)
EXITS_HOW = (
    "请核对名单是否完整、区域和类别是否选对；确认无误时输入将结束的认定数 {holdings} 后再应用"
    "（命令行加 --allow-exits {holdings}）。"
)
EXITS_MISMATCH = "确认的认定数 {given} 与本次比对的结果不符。"
NO_USABLE_ROWS = "名单中没有一行可用（身份证号无效 {invalid} 行，不可用 {rejected} 行），未写入任何数据：请对照比对报告更正后重新导入。"
UNUSABLE = frozenset({Outcome.INVALID_ID, Outcome.REJECTED, Outcome.EXITED})
NOTHING_IN_AREA = "名单中没有您管辖区域内登记的人员（共 {rows} 行）：请确认文件和区域。"
MIN_YEAR, MAX_YEAR = 2000, 2100

Progress = Callable[[int, str], None]


def _ignore_progress(percent: int, stage: str) -> None:
    """The progress callback of runs nobody watches."""


def ensure_roster_admin(user: User) -> None:
    ensure_permitted(user, ROSTER_PERMISSION, "比对、应用或撤销名单")


def month_first_day(text: str) -> datetime.date:
    """``2024-05`` → 2024-05-01."""
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValidationError(BAD_MONTH.format(month=text), code="bad_month")
    return datetime.date(int(match.group(1)), int(match.group(2)), 1)


def roster_default_category(*, source: str, text: str | None) -> str | None:
    """The category code meant by ``--category`` (a code, a name or an alias), confirmed by ``source``."""
    if not text:
        return None
    code = category_codes_by_key().get(match_key(text))
    if code is None:
        raise ValidationError(UNKNOWN_CATEGORY.format(category=text), code="unknown_category")
    if Category.objects.get(code=code).source != source:
        raise ValidationError(WRONG_SOURCE_CATEGORY.format(category=text), code="wrong_source_category")
    return code


def _check_source(source: str) -> None:
    if source not in dict(ROSTER_SOURCES):
        raise ValidationError(BAD_SOURCE.format(source=source), code="bad_source")


@contextmanager
def _collection_paused() -> Iterator[None]:
    """A list becomes about a million small objects at once; the cyclic collector only slows that down."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass(frozen=True)
class RosterRequest:
    """What to compare: one list of one source for one month, within an area (a code prefix)."""

    source: str
    month: datetime.date
    area_prefix: str
    default_category: str | None = None


@dataclass(frozen=True)
class Exits:
    """How much of its source's cover in the area a list would end: the holdings it ends (of the people
    who leave, and the categories changed away), the people who leave, and the holdings of the source
    open in the area on the month's first day.

    A list that would end more than ``ROSTER_EXIT_CONFIRM_SHARE`` of them (a list with headers only,
    the wrong township's, one read with the wrong category) is applied only when the number of
    holdings it ends is typed back.
    """

    holdings: int
    people: int
    open_holdings: int

    @classmethod
    def of(cls, comparison: Comparison, registry: dict[str, RegistryPerson]) -> Exits:
        ending = [f for f in comparison.findings if f.outcome in (Outcome.EXITED, Outcome.CHANGED)]
        return cls(
            holdings=sum(len(finding.before - finding.after) for finding in ending),
            people=sum(finding.outcome == Outcome.EXITED for finding in ending),
            open_holdings=sum(len(person.held) for person in registry.values()),
        )

    @classmethod
    def from_counts(cls, counts: dict) -> Exits:
        return cls(counts.get("ending_holdings", 0), counts.get(Outcome.EXITED, 0), counts.get("open_holdings", 0))

    def counts(self) -> dict[str, int]:
        return {"ending_holdings": self.holdings, "open_holdings": self.open_holdings}

    @property
    def need_confirmation(self) -> bool:
        return self.holdings > 0 and self.holdings > self.open_holdings * settings.ROSTER_EXIT_CONFIRM_SHARE

    def warning(self) -> str:
        share = self.holdings / self.open_holdings if self.open_holdings else 1
        return EXITS_WARNING.format(
            holdings=self.holdings,
            people=self.people,
            open=self.open_holdings,
            share=f"{share:.0%}",
            limit=f"{settings.ROSTER_EXIT_CONFIRM_SHARE:.0%}",
        )

    def ensure_confirmed(self, allow_exits: int | None) -> None:
        """Refuse unless the list ends few holdings, or ``allow_exits`` is exactly how many it ends."""
        if self.need_confirmation and allow_exits != self.holdings:
            confirmation = EXITS_MISMATCH.format(given=allow_exits) if allow_exits is not None else ""
            raise ValidationError(
                confirmation + self.warning() + EXITS_HOW.format(holdings=self.holdings), code="exits_unconfirmed"
            )


@dataclass
class RosterPreview:
    request: RosterRequest
    file_name: str
    sha256: str
    comparison: Comparison
    exits: Exits

    def counts(self) -> dict[str, int]:
        return self.comparison.counts() | self.exits.counts()


def roster_request(
    *,
    user: User,
    source: str,
    month: str | datetime.date,
    area_code: str | None = None,
    category: str | None = None,
) -> RosterRequest:
    """Check the options of a comparison for ``user`` and turn them into a request."""
    ensure_roster_admin(user)
    _check_source(source)
    first_day = month if isinstance(month, datetime.date) else month_first_day(month)
    return RosterRequest(
        source=source,
        month=first_day.replace(day=1),
        area_prefix=area_within(user, area_code),
        default_category=roster_default_category(source=source, text=category),
    )


def roster_preview(*, request: RosterRequest, file_name: str, content: bytes) -> RosterPreview:
    """Read the file and the registry and compare; writes nothing.

    The file is read in a second thread while this one reads the registry: python-calamine lets go
    of the interpreter while it parses, and the database works in its own process, so the two
    overlap on a machine with two cores. Only the file is read there; the database is read here, in
    whatever transaction the caller holds.
    """
    with _collection_paused(), ThreadPoolExecutor(max_workers=1, thread_name_prefix="roster-file") as reader:
        reading = reader.submit(
            read_roster, content, file_name, category_column_required=request.default_category is None
        )
        registry = registry_holders(
            source=request.source, first_day=request.month, area_prefix=request.area_prefix
        )
        try:
            roster = reading.result()
        except SpreadsheetError as exc:
            raise ValidationError(str(exc), code="unreadable_file") from None
        parsed = _parsed_ids(row.id_text for row in roster.rows if row.id_text not in registry)
        registry.update(registry_people(number for number in parsed.values() if number not in registry))
        vocabulary = roster_vocabulary(
            village_codes=itertools.chain(
                (row.village_code for row in roster.rows), (person.village_code for person in registry.values())
            ),
            area_prefix=request.area_prefix,
        )
        comparison = compare(
            rows=roster.rows,
            registry=registry,
            source=request.source,
            vocabulary=vocabulary,
            default_category=request.default_category,
            parsed=parsed,
        )
    return RosterPreview(
        request=request,
        file_name=file_name,
        sha256=hashlib.sha256(content).hexdigest(),
        comparison=comparison,
        exits=Exits.of(comparison, registry),
    )


def _parsed_ids(texts: Iterable[str]) -> dict[str, str]:
    """The valid IDs among these texts, each text to its upgraded number; the invalid ones are the
    comparison's to report."""
    today = datetime.date.today()
    numbers = {}
    for text in texts:
        try:
            numbers[text] = parse(text, today=today).number
        except ValueError:
            continue
    return numbers


def roster_apply(
    *,
    user: User,
    request: RosterRequest,
    file_name: str,
    content: bytes,
    batch: RosterBatch | None = None,
    progress: Progress = _ignore_progress,
    allow_exits: int | None = None,
) -> RosterBatch:
    """Compare and apply in one transaction; a new batch unless an uploaded one is given.

    The registry is read again inside the transaction, so what is applied is what the registry is at
    that moment, whatever a preview showed earlier. A list that would end many people's cover is
    refused unless ``allow_exits`` is the number of people it ends (``Exits``).
    """
    ensure_roster_admin(user)
    progress(10, "读取名单，比对并写入数据库（全部成功或全部不写入）")
    with transaction.atomic():
        _lock_source(request.source)
        preview = roster_preview(request=request, file_name=file_name, content=content)
        _ensure_usable(preview.comparison)
        preview.exits.ensure_confirmed(allow_exits)
        if batch is None:
            batch = RosterBatch(
                source=request.source,
                month=request.month,
                area_code=request.area_prefix,
                default_category=_category(request.default_category),
                file_name=file_name[:255],
                file_sha256=preview.sha256,
                created_by=user,
            )
        batch.status = RosterBatch.Status.APPLIED
        batch.counts = preview.counts()
        batch.applied_by = user
        batch.applied_at = timezone.now()
        batch.progress = 100
        batch.stage = ""
        batch.error = ""
        batch.full_clean(exclude=["file"])
        batch.save()
        _write_changes(batch=batch, preview=preview, user=user)
        roster_findings_store(batch=batch, comparison=preview.comparison)
    return batch


def _ensure_usable(comparison: Comparison) -> None:
    """A list none of whose rows can be used lists nobody: applying it would only end people's cover."""
    counts = comparison.counts()
    unusable = counts[Outcome.INVALID_ID] + counts[Outcome.REJECTED]
    if unusable and all(finding.outcome in UNUSABLE for finding in comparison.findings):
        raise ValidationError(
            NO_USABLE_ROWS.format(invalid=counts[Outcome.INVALID_ID], rejected=counts[Outcome.REJECTED]),
            code="no_usable_rows",
        )


def _lock_source(source: str) -> None:
    """Applying and reverting lists of one source take turns: each holds the source's category rows.

    (PostgreSQL row locks; SQLite's write transactions already take turns.)
    """
    list(Category.objects.select_for_update().filter(source=source).values_list("pk", flat=True))


def _category(code: str | None) -> Category | None:
    return Category.objects.get(code=code) if code else None


def roster_batch_upload(*, user: User, request: RosterRequest, file_name: str, content: bytes) -> RosterBatch:
    """Keep an uploaded list as a batch waiting for its preview; a file over the reading limits is refused
    first, leaving no batch behind."""
    try:
        check_file(content, file_name, Limits.from_settings())
    except SpreadsheetError as exc:
        raise ValidationError(str(exc), code="unreadable_file") from None
    batch = RosterBatch(
        source=request.source,
        month=request.month,
        area_code=request.area_prefix,
        default_category=_category(request.default_category),
        file_name=file_name[:255],
        file_sha256=hashlib.sha256(content).hexdigest(),
        created_by=user,
        stage="等待比对",
    )
    batch.file.save(file_name, ContentFile(content), save=False)
    batch.full_clean()
    batch.save()
    return batch


def batch_request(batch: RosterBatch) -> RosterRequest:
    return RosterRequest(
        source=batch.source,
        month=batch.month,
        area_prefix=batch.area_code,
        default_category=batch.default_category.code if batch.default_category_id else None,
    )


def _batch_progress(batch: RosterBatch) -> Progress:
    def report(percent: int, stage: str) -> None:
        RosterBatch.objects.filter(pk=batch.pk).update(progress=percent, stage=stage)

    return report


IN_PROGRESS = (RosterBatch.Status.QUEUED, RosterBatch.Status.PREVIEWING, RosterBatch.Status.APPLYING)


def roster_batch_fail(*, batch_id: int, message: str) -> bool:
    """Say why a preview or an apply in the background failed (nothing of it was written). Only a batch
    still queued or being processed changes (a late report never undoes a finished one); returns whether
    it did."""
    return bool(
        RosterBatch.objects.filter(pk=batch_id, status__in=IN_PROGRESS).update(
            status=RosterBatch.Status.FAILED, error=message, stage=""
        )
    )


def roster_batch_preview(*, batch: RosterBatch) -> RosterBatch:
    """Compare an uploaded list and keep the findings for the browser; changes nothing in the registry."""
    report = _batch_progress(batch)
    RosterBatch.objects.filter(pk=batch.pk).update(status=RosterBatch.Status.PREVIEWING)
    report(10, "读取名单并与登记信息比对")
    preview = roster_preview(
        request=batch_request(batch), file_name=batch.file_name, content=_batch_content(batch)
    )
    report(80, "保存比对结果")
    with transaction.atomic():
        roster_findings_store(batch=batch, comparison=preview.comparison)
        RosterBatch.objects.filter(pk=batch.pk).update(
            status=RosterBatch.Status.PREVIEWED, counts=preview.counts(), progress=100, stage=""
        )
    batch.refresh_from_db()
    return batch


def _batch_content(batch: RosterBatch) -> bytes:
    with batch.file.open("rb") as handle:
        return handle.read()


def roster_batch_apply(*, batch: RosterBatch, user: User, allow_exits: int | None = None) -> RosterBatch:
    """Apply a confirmed upload; a failure writes nothing (the task then marks the batch failed)."""
    ensure_roster_admin(user)
    batch.refresh_from_db()
    if batch.status != RosterBatch.Status.APPLYING:
        raise ValidationError(
            NOT_PREVIEWED.format(batch=batch.pk, status=batch.get_status_display()), code="not_previewed"
        )
    roster_apply(
        user=user,
        request=batch_request(batch),
        file_name=batch.file_name,
        content=_batch_content(batch),
        batch=batch,
        progress=_batch_progress(batch),
        allow_exits=allow_exits,
    )
    batch.refresh_from_db()
    return batch


def roster_batch_confirm(*, batch: RosterBatch, user: User, allow_exits: int | None = None) -> RosterBatch:
    """Mark a previewed batch as being applied, so that a second click cannot apply it twice; a batch
    whose preview ends many people's cover needs the number of people leaving typed back (``Exits``)."""
    ensure_roster_admin(user)
    Exits.from_counts(batch.counts or {}).ensure_confirmed(allow_exits)
    claimed = RosterBatch.objects.filter(pk=batch.pk, status=RosterBatch.Status.PREVIEWED).update(
        status=RosterBatch.Status.APPLYING, progress=0, stage="等待应用"
    )
    batch.refresh_from_db()
    if not claimed:
        raise ValidationError(
            NOT_PREVIEWED.format(batch=batch.pk, status=batch.get_status_display()), code="not_previewed"
        )
    return batch


def finding_lines(comparison: Comparison) -> dict[str, list[list[str]]]:
    """Every outcome's report lines in file order, each in the order of ``RosterFindingList.COLUMNS``.

    Categories are kept as their codes (``CategoryLabels`` names them when shown): a county's list
    makes a hundred thousand lines, and codes keep the stored report small.
    """
    codes_texts: dict[frozenset[str], str] = {}

    def codes_text(codes: frozenset[str]) -> str:
        if codes not in codes_texts:
            codes_texts[codes] = ",".join(sorted(codes))
        return codes_texts[codes]

    lines: dict[str, list[list[str]]] = {outcome.value: [] for outcome in Outcome}
    with _collection_paused():
        for finding in comparison.findings:
            lines[finding.outcome].append(
                [
                    rows_text(finding.rows),
                    finding.id_number,
                    finding.name,
                    finding.village_code,
                    codes_text(finding.before),
                    codes_text(finding.after),
                    finding.message,
                ]
            )
    return lines


def roster_findings_store(*, batch: RosterBatch, comparison: Comparison) -> None:
    """Replace the batch's report lines with the comparison's, one list per outcome."""
    batch.findings.all().delete()
    RosterFindingList.objects.bulk_create(
        [
            RosterFindingList(batch=batch, outcome=outcome, lines=lines)
            for outcome, lines in finding_lines(comparison).items()
        ]
    )


CHANGE_COLUMNS = ("batch_id", "action", "id_number", "household_id", "beneficiary_id", "holding_id", "before", "after")


def _write_changes(*, batch: RosterBatch, preview: RosterPreview, user: User) -> None:
    """Create people, households and holdings and end holdings as the findings say: what it created kept by
    kind (RosterCreation), each holding it ended as a RosterChange. Set-based: rows per statement, their
    history rows copied from them in the database."""
    first_day = batch.month
    last_day_before = first_day - datetime.timedelta(days=1)
    reason = f"名单比对批次 #{batch.pk}"
    category_ids = dict(Category.objects.values_list("code", "pk"))
    findings = preview.comparison.findings
    known = (Outcome.CATEGORY_ADDED, Outcome.CHANGED, Outcome.EXITED)
    person_ids = registry_ids_within(
        id_numbers=(finding.id_number for finding in findings if finding.outcome in known), area_prefix=""
    )
    new = preview.comparison.of(Outcome.NEW)
    creations = _create_people(new=new, person_ids=person_ids, user=user, reason=reason)

    starts: list[tuple[str, str]] = []
    ends: dict[int, frozenset[str]] = {}
    for finding in findings:
        if finding.outcome in (Outcome.NEW, Outcome.CATEGORY_ADDED, Outcome.CHANGED):
            starts += [(finding.id_number, code) for code in sorted(finding.after - finding.before)]
        if finding.outcome in (Outcome.CHANGED, Outcome.EXITED):
            ends[person_ids[finding.id_number]] = finding.before - finding.after

    note = f"{batch.get_source_display()} {batch.month_text} 名单（{reason}）"
    started = insert_rows(
        CategoryHolding,
        ("beneficiary_id", "category_id", "source", "start", "recorded_by_id", "note"),
        ((person_ids[number], category_ids[code], batch.source, first_day, user.pk, note) for number, code in starts),
        returning=("id", "beneficiary_id", "category_id"),
    )
    creations[RosterCreation.Kind.HOLDING] = sorted(pk for pk, _person, _category in started)
    copy_to_history(CategoryHolding, creations[RosterCreation.Kind.HOLDING], user=user, reason=reason)
    RosterCreation.objects.bulk_create(
        [RosterCreation(batch=batch, kind=kind, keys=keys) for kind, keys in creations.items() if keys]
    )

    changes: list[tuple] = []
    ended = holdings_to_end(source=batch.source, first_day=first_day, codes_by_person=ends)
    for holding in ended:
        before = _holding_state(holding.category.code, holding)
        holding.end = last_day_before
        after = _holding_state(holding.category.code, holding)
        changes.append(
            (
                batch.pk,
                RosterChange.Action.HOLDING_ENDED,
                holding.beneficiary.id_number,
                None,
                holding.beneficiary_id,
                holding.pk,
                before,
                after,
            )
        )
    bulk_update_with_history(
        ended, CategoryHolding, ["end"], batch_size=500, default_user=user, default_change_reason=reason
    )
    insert_rows(RosterChange, CHANGE_COLUMNS, changes)


def _holding_state(code: str, holding: CategoryHolding) -> dict:
    return {
        "category": code,
        "start": holding.start.isoformat(),
        "end": holding.end.isoformat() if holding.end else None,
    }


def _create_people(
    *, new: list[Finding], person_ids: dict[str, int], user: User, reason: str
) -> dict[str, list[int]]:
    """New people in their row's village, each in the household of the head the row names; the keys of the
    households and people created.

    A head's household is the one the head already belongs to, or one numbered with the head's ID;
    failing both, a household is created with that number in the village of the head's row (or of
    the first member listed), led by the head once the head is in the registry.
    """
    heads = {finding.head_id_number for finding in new if finding.head_id_number}
    head_person_ids, household_ids = households_by_head(heads)
    by_number = {finding.id_number: finding for finding in new}
    villages: dict[str, str] = {}
    for finding in new:
        if finding.head_id_number:
            villages.setdefault(finding.head_id_number, finding.village_code)
    created = sorted(heads - set(household_ids))
    inserted = insert_rows(
        Household,
        ("number", "village_id", "head_id"),
        (
            (head, by_number[head].village_code if head in by_number else villages[head], head_person_ids.get(head))
            for head in created
        ),
        returning=("number", "id"),
    )
    created_ids = dict(inserted)
    household_ids.update(created_ids)

    people = []
    for finding in new:
        number = finding.id_number  # parsed by the comparison
        if not finding.head_id_number:
            relation = ""
        elif finding.id_number == finding.head_id_number:
            relation = Relation.HEAD
        else:
            relation = relation_code(finding.relation)
        people.append(
            (
                finding.name[:50],
                number,
                sex_of(number),
                birth_date_of(number),
                finding.village_code,
                household_ids.get(finding.head_id_number),
                relation,
                finding.phone[:30],
            )
        )
    inserted = insert_rows(
        Beneficiary,
        ("name", "id_number", "sex", "birth_date", "village_id", "household_id", "relation", "phone"),
        people,
        returning=("id_number", "id"),
    )
    person_ids.update(inserted)
    copy_to_history(Beneficiary, (person_ids[number] for number in by_number), user=user, reason=reason)

    # A household whose head came with this list is led by the head now that the head is registered.
    for chunk in chunks(created_ids.values()):
        Household.objects.filter(pk__in=chunk, head__isnull=True).update(
            head_id=Subquery(Beneficiary.objects.filter(id_number=OuterRef("number")).values("pk")[:1])
        )
    copy_to_history(Household, created_ids.values(), user=user, reason=reason)

    return {
        RosterCreation.Kind.HOUSEHOLD: sorted(created_ids.values()),
        RosterCreation.Kind.PERSON: sorted(pk for _number, pk in inserted),
    }


def _delete_with_history(model, pks, *, user: User, reason: str) -> int | None:
    """Delete these rows, each history row naming the acting user; or the key of a row something else uses.

    Collected a chunk at a time, as ``Model.delete()`` collects one row: the rows handed to the
    collector are the ones the history signal sees, so each carries the user and the reason.
    """
    for chunk in chunks(pks):
        rows = list(model.objects.filter(pk__in=chunk))
        for row in rows:
            row._history_user = user
            row._change_reason = reason
        collector = Collector(using=model.objects.db, origin=rows)
        try:
            collector.collect(rows)
        except (ProtectedError, RestrictedError) as exc:
            used = exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
            return next(_referenced_keys(used, model, set(chunk)))
        collector.delete()
    return None


def _created_label(model, pk: int) -> str:
    """Whom a row a batch created is about, masked: the person's ID, or the household's number."""
    if model is Household:
        number = Household.objects.filter(pk=pk).values_list("number", flat=True).first()
    elif model is Beneficiary:
        number = Beneficiary.objects.filter(pk=pk).values_list("id_number", flat=True).first()
    else:
        number = CategoryHolding.objects.filter(pk=pk).values_list("beneficiary__id_number", flat=True).first()
    return mask(number) if number else f"#{pk}"


def _referenced_keys(objects, model, keys: set[int]) -> Iterator[int]:
    """The keys among ``keys`` that these objects point to through a foreign key to ``model``."""
    for obj in objects:
        for field in obj._meta.concrete_fields:
            if field.is_relation and field.related_model is model and getattr(obj, field.attname) in keys:
                yield getattr(obj, field.attname)


@transaction.atomic
def roster_batch_revert(*, user: User, batch: RosterBatch) -> RosterBatch:
    """Undo an applied batch as a whole: ended holdings run on again, created rows are deleted.

    Refused unless it is the latest applied batch of its source among batches whose areas overlap,
    and refused if anything it wrote was changed or used since, naming the person.
    """
    ensure_roster_admin(user)
    _lock_source(batch.source)
    batch = RosterBatch.objects.select_for_update().get(pk=batch.pk)
    if not batch.area_code.startswith(user.area_prefix):
        raise ValidationError(OUTSIDE_AREA.format(area=batch.area_code or "全国"), code="outside_area")
    if batch.status != RosterBatch.Status.APPLIED:
        raise ValidationError(
            NOT_APPLIED.format(batch=batch.pk, status=batch.get_status_display()), code="not_applied"
        )
    later = later_applied_batch(batch)
    if later is not None:
        raise ValidationError(NOT_LATEST.format(batch=batch.pk, later=later.pk), code="not_latest")

    changes = list(batch.changes.all())
    created = dict(batch.creations.values_list("kind", "keys"))
    created_holdings = created.get(RosterCreation.Kind.HOLDING, [])
    holdings = {}
    for chunk in chunks([*(change.holding_id for change in changes if change.holding_id), *created_holdings]):
        holdings.update(CategoryHolding.objects.in_bulk(chunk))
    history = {"default_user": user, "default_change_reason": f"撤销名单比对批次 #{batch.pk}"}

    restored = []
    for change in changes:
        holding = holdings.get(change.holding_id)
        if holding is None or _holding_state(change.after["category"], holding) != change.after:
            raise ValidationError(
                CHANGED_SINCE.format(person=mask(change.id_number), batch=batch.pk), code="changed_since"
            )
        holding.end = datetime.date.fromisoformat(change.before["end"]) if change.before["end"] else None
        restored.append(holding)
    for pk in created_holdings:
        holding = holdings.get(pk)
        if holding is None or holding.start != batch.month or holding.end is not None:
            raise ValidationError(
                CHANGED_SINCE.format(person=_created_label(CategoryHolding, pk), batch=batch.pk),
                code="changed_since",
            )
    bulk_update_with_history(restored, CategoryHolding, ["end"], batch_size=500, **history)

    deletions = [
        (RosterCreation.Kind.HOLDING, CategoryHolding, "类别认定"),
        (RosterCreation.Kind.PERSON, Beneficiary, "人员"),
        (RosterCreation.Kind.HOUSEHOLD, Household, "家庭户"),
    ]
    for kind, model, what in deletions:
        blocked = _delete_with_history(model, created.get(kind, []), user=user, reason=history["default_change_reason"])
        if blocked is not None:
            raise ValidationError(
                IN_USE_SINCE.format(what=f"{what}（{_created_label(model, blocked)}）", batch=batch.pk),
                code="in_use_since",
            )

    batch.status = RosterBatch.Status.REVERTED
    batch.reverted_by = user
    batch.reverted_at = timezone.now()
    batch.save(update_fields=["status", "reverted_by", "reverted_at"])
    return batch


@dataclass
class EnrollmentImport:
    """The outcome of reading (and, when applied, recording) one year's enrollment list."""

    year: int
    rows: int
    interpretation: Interpretation
    check: CoverageCheck
    created: int = 0
    updated: int = 0
    removed: int = 0
    applied: bool = False

    def as_dict(self, *, mask_ids: bool) -> dict:
        def person(covered) -> dict:
            number = mask(covered.id_number) if mask_ids else covered.id_number
            return {
                "id_number": number,
                "name": covered.name,
                "village": covered.village_code,
                "rows": self.interpretation.rows.get(covered.id_number, []),
            }

        found = self.interpretation
        return {
            "rows": self.rows,
            "enrolled": found.enrolled,
            "not_enrolled": found.not_enrolled,
            "not_in_registry": found.not_in_registry,
            "uncovered": len(self.check.uncovered),
            "duplicate": len(self.check.duplicate),
            "subsidy_mismatch": len(self.check.subsidy_mismatch),
            "errors": [error.as_dict() for error in found.errors],
            "applied": self.applied,
            "created": self.created,
            "updated": self.updated,
            "removed": self.removed,
            "uncovered_people": [
                {**person(covered), "reason": reason} for covered, reason in self.check.uncovered
            ],
            "duplicate_people": [person(covered) for covered in self.check.duplicate],
            "subsidy_mismatches": [
                {**person(item.person), "expected": str(item.expected), "recorded": str(item.recorded)}
                for item in self.check.subsidy_mismatch
            ],
        }


def enrollment_import(
    *, user: User, year: int, file_name: str, content: bytes, apply: bool = False
) -> EnrollmentImport:
    """Compare a year's enrollment list with the covered people of the user's area; record it when ``apply``.

    Recording makes each listed person's records of each listed insurance say exactly what the list
    says (reconcile_records), so a second import of the same list changes nothing. Only people of the
    registry inside the user's area are recorded; the rest of the list is counted, not stored. All or
    nothing: a list with a row that cannot be read records nothing (``applied`` stays false), and a
    list naming nobody of the user's area is refused.
    """
    ensure_roster_admin(user)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError(BAD_YEAR.format(year=year, first=MIN_YEAR, last=MAX_YEAR), code="bad_year")
    try:
        rows = read_enrollment_list(content, file_name)
    except SpreadsheetError as exc:
        raise ValidationError(str(exc), code="unreadable_file") from None
    area = user.area_prefix
    with transaction.atomic():
        known = registry_ids_within(
            id_numbers=_parsed_ids(row.id_text for row in rows).values(), area_prefix=area
        )
        if not known:
            raise ValidationError(NOTHING_IN_AREA.format(rows=len(rows)), code="nothing_in_area")
        found = interpret(rows, known_ids=known, insurances=insurance_codes_by_key())
        stored = enrollment_states(year=year, area_prefix=area)
        plans = {
            (number, insurance): reconcile_records(
                [(pk, state) for pk, state in stored.get(number, []) if state.insurance == insurance],
                [state for state in listed if state.insurance == insurance],
            )
            for number, listed in found.states.items()
            for insurance in {state.insurance for state in listed}
        }
        merged = {number: [state for _pk, state in records] for number, records in stored.items()}
        for number, listed in found.states.items():
            merged[number] = [
                state
                for state in merged.get(number, [])
                if state.insurance not in {listed_state.insurance for listed_state in listed}
            ] + listed
        blocks: dict[str, dict | None] = {}

        def block_for(village_code: str) -> dict | None:
            if village_code not in blocks:
                blocks[village_code] = enrollment_block(village_code, year)
            return blocks[village_code]

        check = check_covered(
            covered_people(year=year, area_prefix=area),
            merged,
            block_for=block_for,
            reason_labels=dict(Enrollment.Reason.choices),
        )
        result = EnrollmentImport(
            year=year, rows=len(rows), interpretation=found, check=check, applied=apply and not found.errors
        )
        if result.applied:
            _record_enrollments(result=result, plans=plans, person_ids=known, user=user)
    return result


def _record_enrollments(
    *, result: EnrollmentImport, plans: dict, person_ids: dict[str, int], user: User
) -> None:
    history = {"default_user": user, "default_change_reason": f"导入 {result.year} 年参保名单"}
    insurance_ids = dict(Insurance.objects.values_list("code", "pk"))
    created = [
        Enrollment(
            beneficiary_id=person_ids[number],
            year=result.year,
            insurance_id=insurance_ids[state.insurance],
            status=state.status,
            subsidy=state.subsidy,
            reason=state.reason,
            note=state.note,
            recorded_by=user,
        )
        for (number, _insurance), plan in plans.items()
        for state in plan.add
    ]
    bulk_create_with_history(created, Enrollment, batch_size=500, **history)
    changes = {pk: state for plan in plans.values() for pk, state in plan.change}
    changed = []
    for chunk in chunks(changes):
        for record in Enrollment.objects.filter(pk__in=chunk):
            state = changes[record.pk]
            record.status, record.subsidy, record.reason = state.status, state.subsidy, state.reason
            if state.reason == Enrollment.Reason.OTHER:
                record.note = state.note
            record.recorded_by = user
            changed.append(record)
    bulk_update_with_history(
        changed, Enrollment, ["status", "subsidy", "reason", "note", "recorded_by"], batch_size=500, **history
    )
    removed = [pk for plan in plans.values() for pk in plan.remove]
    for record in Enrollment.objects.filter(pk__in=removed):
        record._history_user = user
        record._change_reason = history["default_change_reason"]
        record.delete()
    result.created, result.updated, result.removed = len(created), len(changed), len(removed)


ENROLLMENT_NOT_PREVIEWED = "参保名单 #{upload} 当前状态为“{status}”，不能再确认。"
ENROLLMENT_OTHER_AREA = "参保名单 #{upload} 是按区域 {area} 比对的，只能由管辖区域相同的管理员确认：请重新上传。"
ENROLLMENT_ROWS_REFUSED = "名单有 {count} 处无法识别，未写入任何数据：请更正后重新上传。"


def enrollment_upload_preview(
    *, user: User, year: int, file_name: str, content: bytes
) -> tuple[EnrollmentImport, EnrollmentUpload | None]:
    """Preview a list uploaded in the browser (``enrollment_import``, nothing recorded) and keep it for
    the confirmation, unless a row could not be read: such a list is refused and nothing is kept."""
    try:
        check_file(content, file_name, Limits.from_settings())
    except SpreadsheetError as exc:
        raise ValidationError(str(exc), code="unreadable_file") from None
    result = enrollment_import(user=user, year=year, file_name=file_name, content=content)
    if result.interpretation.errors:
        return result, None
    upload = EnrollmentUpload(
        year=year,
        area_code=user.area_prefix,
        file_name=file_name[:255],
        file_sha256=hashlib.sha256(content).hexdigest(),
        report=result.as_dict(mask_ids=False),
        created_by=user,
    )
    upload.file.save(file_name, ContentFile(content), save=False)
    upload.full_clean()
    upload.save()
    return result, upload


def enrollment_upload_apply(*, upload: EnrollmentUpload, user: User) -> EnrollmentImport:
    """Record a previewed list: the service reads the kept file again and records it in one transaction,
    all or nothing. A second confirmation (a double click, another tab) is refused."""
    ensure_roster_admin(user)
    if user.area_prefix != upload.area_code:
        raise ValidationError(
            ENROLLMENT_OTHER_AREA.format(upload=upload.pk, area=upload.area_code or "全国"), code="other_area"
        )
    claimed = EnrollmentUpload.objects.filter(pk=upload.pk, status=EnrollmentUpload.Status.PREVIEWED).update(
        status=EnrollmentUpload.Status.APPLYING
    )
    if not claimed:
        upload.refresh_from_db()
        raise ValidationError(
            ENROLLMENT_NOT_PREVIEWED.format(upload=upload.pk, status=upload.get_status_display()),
            code="not_previewed",
        )
    try:
        with upload.file.open("rb") as handle:
            content = handle.read()
        with transaction.atomic():
            result = enrollment_import(
                user=user, year=upload.year, file_name=upload.file_name, content=content, apply=True
            )
            if not result.applied:
                refusal = ENROLLMENT_ROWS_REFUSED.format(count=len(result.interpretation.errors))
                raise ValidationError(refusal, code="rows_refused")
            EnrollmentUpload.objects.filter(pk=upload.pk).update(
                status=EnrollmentUpload.Status.APPLIED,
                report=result.as_dict(mask_ids=False),
                applied_by=user,
                applied_at=timezone.now(),
            )
    except BaseException:
        EnrollmentUpload.objects.filter(pk=upload.pk).update(status=EnrollmentUpload.Status.PREVIEWED)
        raise
    upload.refresh_from_db()
    return result
