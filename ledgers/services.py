"""Writing: ledger exports (at once or as a background job), statistics and responsibility-table exports,
and edits of the responsibility table. Every export is written to the access log with its filter and rows.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.jobs import job_failure_reason, retry_database
from accounts.models import AccessLog, User
from accounts.services import access_log_record
from ledgers.models import Duty, LedgerExport, Responsibility
from config.periods import Period
from ledgers.selectors import (
    RESPONSIBILITY_FIELDS, LedgerFilter, LedgerTotals, area_region, area_title, ledger_people, ledger_rows,
    quarter_stats, responsibility_table,
)
from ledgers.workbooks import LedgerWorkbook, responsibility_workbook_write, stats_workbook_write
from regions.codes import AreaCodeError, area_prefix
from regions.models import Region
from spreadsheets.writing import replaced_when_done

EXPORT_DIR = "ledger_exports"
PROGRESS_EVERY = 2000
OUTSIDE_AREA = "区域“{area}”不在您的管辖区域内。"
UNKNOWN_AREA = "没有区划代码为“{area}”的区域。"
NOT_EDITOR = "只有本区域的管理员和经办员可以填报责任分工表。"


def area_check(user: User, area_code: str, *, field: str = "area") -> Region | None:
    """The region an area code names, refused when unknown or outside the user's area."""
    try:
        prefix = area_prefix(area_code)
    except AreaCodeError as exc:
        raise ValidationError({field: str(exc)}, code="bad_area") from None
    if not prefix.startswith(user.area_prefix):
        raise ValidationError({field: OUTSIDE_AREA.format(area=area_code)}, code="outside_area")
    region = area_region(prefix)
    if prefix and region is None:
        raise ValidationError({field: UNKNOWN_AREA.format(area=area_code)}, code="unknown_area")
    return region


def ledger_title(ledger_filter: LedgerFilter) -> str:
    title = f"{area_title(area_region(ledger_filter.area_code))}医疗保障扶贫对象综合管理台账（{ledger_filter.period.label}"
    if ledger_filter.as_of:
        title += f"，身份类别为 {ledger_filter.as_of.isoformat()} 状态"
    return title + "）"


def ledger_export_write(
    *,
    user: User,
    ledger_filter: LedgerFilter,
    path: str | Path,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the whole ledger for the filter to ``path`` (xlsx), streamed; returns the number of rows.

    ID numbers are masked unless the user may see sensitive data. ``progress`` hears the rows written so far.
    """
    area_check(user, ledger_filter.area_code)
    rows = 0
    totals = LedgerTotals()
    with replaced_when_done(Path(path)) as partial:
        workbook = LedgerWorkbook(
            str(partial), title=ledger_title(ledger_filter), mask_ids=not user.sees_sensitive
        )
        for row in ledger_rows(user, ledger_filter):
            totals.add(row.cells)
            workbook.write(row.cells)
            rows += 1
            if progress is not None and rows % PROGRESS_EVERY == 0:
                progress(rows)
        workbook.close(totals.cells())
    access_log_record(user=user, action=AccessLog.Action.EXPORT, object_id="ledger",
                      detail=f"台账导出：{ledger_filter.describe()}", rows=rows)
    return rows


def ledger_export_request(*, user: User, ledger_filter: LedgerFilter) -> LedgerExport:
    """Queue a browser export as a background job; only ``user`` will be able to download the file."""
    from ledgers.tasks import ledger_export_task  # the task module imports this one

    area_check(user, ledger_filter.area_code)
    export = LedgerExport.objects.create(
        requested_by=user, area_code=ledger_filter.area_code, first=ledger_filter.period.first,
        last=ledger_filter.period.last, period_label=ledger_filter.period.label, as_of=ledger_filter.as_of,
        categories=list(ledger_filter.categories), enrolled=ledger_filter.enrolled,
        description=ledger_filter.describe(),
    )
    ledger_export_task.enqueue(export.pk)
    export.refresh_from_db()
    return export


def export_filter(export: LedgerExport) -> LedgerFilter:
    return LedgerFilter(
        area_code=export.area_code, period=Period(export.first, export.last, export.period_label),
        as_of=export.as_of, categories=tuple(export.categories), enrolled=export.enrolled,
    )


def export_path(export: LedgerExport) -> Path:
    return Path(settings.MEDIA_ROOT) / export.file


def ledger_export_run(*, export_id: int) -> LedgerExport:
    """Run a queued export (the background task's body); a failure is recorded on the job, then raised."""
    export = LedgerExport.objects.select_related("requested_by").get(pk=export_id)
    if export.status != LedgerExport.Status.QUEUED:
        return export
    jobs = LedgerExport.objects.filter(pk=export.pk)
    try:
        user, ledger_filter = export.requested_by, export_filter(export)
        export.status = LedgerExport.Status.RUNNING
        export.rows_total = ledger_people(user, ledger_filter).count()
        export.file = f"{EXPORT_DIR}/ledger-{export.pk}-{secrets.token_hex(8)}.xlsx"
        export.save(update_fields=["status", "rows_total", "file"])
        path = export_path(export)
        path.parent.mkdir(parents=True, exist_ok=True)
        rows = ledger_export_write(user=user, ledger_filter=ledger_filter, path=path,
                                   progress=lambda written: jobs.update(rows_written=written))
        jobs.update(status=LedgerExport.Status.DONE, rows_written=rows, finished_at=timezone.now())
    except Exception as exc:
        reason = job_failure_reason(exc)
        retry_database(lambda: ledger_export_fail(export_id=export.pk, message=reason),
                       what=f"记录台账导出 #{export.pk} 失败")
        raise
    export.refresh_from_db()
    return export


def ledger_export_fail(*, export_id: int, message: str) -> bool:
    """Record why a background export failed and remove any file it wrote. Only a queued or running export
    changes (a late report never undoes a finished one); returns whether it did."""
    unfinished = LedgerExport.objects.filter(
        pk=export_id, status__in=(LedgerExport.Status.QUEUED, LedgerExport.Status.RUNNING)
    )
    for export in unfinished.exclude(file=""):
        with contextlib.suppress(OSError):  # a file left behind must not keep the failure from being recorded
            export_path(export).unlink(missing_ok=True)
    return bool(unfinished.update(status=LedgerExport.Status.FAILED, error=message,
                                  finished_at=timezone.now(), file=""))


def stats_export_write(*, user: User, area_code: str, period: Period, target: str | Path | BinaryIO):
    """The quarterly statistics workbook; returns the statistics it holds."""
    area_check(user, area_code)
    stats = quarter_stats(user, area_code=area_code, period=period)
    rows = stats_workbook_write(str(target) if isinstance(target, Path) else target, stats)
    access_log_record(user=user, action=AccessLog.Action.EXPORT, object_id="stats",
                      detail=f"定期调度统计导出：区域 {area_code or '全国'}，{period.label}", rows=rows)
    return stats


def responsibilities_editable(user: User, area: Region) -> bool:
    """Administrators and clerks fill in the table of their own area and the areas below it."""
    return user.has_perm("ledgers.change_responsibility") and user.can_see_code(area.code)


@transaction.atomic
def responsibilities_save(*, user: User, area: Region, lines: dict[str, dict[str, str]]) -> int:
    """Save the table's lines (``{duty: {name, unit, post, phone}}``); returns how many changed.

    Unchanged lines are not written, so the history holds only real changes, each with its author.
    """
    if not responsibilities_editable(user, area):
        raise ValidationError(NOT_EDITOR, code="not_editor")
    existing = {r.duty: r for r in Responsibility.objects.select_for_update().filter(area=area)}
    changed = 0
    for duty, values in lines.items():
        if duty not in Duty.values:
            raise ValidationError(f"未知的责任分工“{duty}”。", code="unknown_duty")
        record = existing.get(duty) or Responsibility(area=area, duty=duty)
        cleaned = {name: (values.get(name) or "").strip() for name in RESPONSIBILITY_FIELDS}
        if record.pk is None and not any(cleaned.values()):
            continue
        if record.pk is not None and all(getattr(record, name) == value for name, value in cleaned.items()):
            continue
        for name, value in cleaned.items():
            setattr(record, name, value)
        record.updated_by = user
        record.full_clean()
        record._history_user = user
        record.save()
        changed += 1
    return changed


def responsibility_export_write(*, user: User, area: Region, target: str | BinaryIO) -> int:
    if not user.can_see_code(area.code):
        raise ValidationError(OUTSIDE_AREA.format(area=area.code), code="outside_area")
    lines = responsibility_table(area)
    changes = [line.record.updated_at for line in lines if line.record]
    filled_on = timezone.localtime(max(changes)).date() if changes else timezone.localdate()
    rows = responsibility_workbook_write(target, unit=area_title(area), filled_on=filled_on, lines=lines)
    access_log_record(user=user, action=AccessLog.Action.EXPORT, object_id="responsibilities",
                      detail=f"责任分工表导出：{area.name}（{area.code}）", rows=rows)
    return rows

