"""What the lists imported as a whole share — the health commission's contract list, the children's survey, the
participation list: the batch kept with its file and preview, found within the uploader's area, held and checked
before it is applied or discarded; the result the commands print and the pages count; a date cell as the lists
write it; and the summary sheet of a list's report."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db.models import QuerySet
from django.utils import timezone

from spreadsheets.writing import safe_text

DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$|^(\d{4})(\d{2})(\d{2})$")


def cell_date(text: str) -> datetime.date | None:
    """A list's date (2026-03-15, 2026/3/15, 2026.3.15, 2026年3月15日, 20260315; a time after it ignored), or None."""
    match = DATE.match(text.split(" ")[0])
    if not match:
        return None
    parts = match.groups()[:3] if match[1] else match.groups()[3:]
    try:
        return datetime.date(*(int(part) for part in parts))
    except ValueError:
        return None


def batch_result(summary: dict, rows: list[dict], *, batch) -> dict:
    """What the command prints and the pages count: the summary, every error with its row and column, the batch."""
    errors = [{"row": row["row"], **error} for row in rows for error in row["errors"]]
    return {**summary, "errors": errors, "batch": batch.pk if batch else None,
            "status": batch.status if batch else None, "applied": bool(batch and batch.status == "applied")}


def error_text(error: dict) -> str:
    return f"第 {error['row']} 行“{error['column']}”列：{error['message']}"


def batches_visible_to(batches: QuerySet, user) -> QuerySet:
    """The batches uploaded within the user's area (those of the system account only to users of no area)."""
    batches = batches.select_related("area", "created_by", "applied_by")
    return batches.filter(area__code__startswith=user.area_prefix) if user.area_prefix else batches


def save_batch(batch, user, **kwargs):
    """Save the batch as done by ``user``, in its history."""
    batch._history_user = user
    batch.save(**kwargs)
    return batch


def batch_keep(model, *, user, file_name: str, content: bytes, listed):
    """A new batch of ``model`` holding the file and the preview of ``listed`` (its ``sha256``, ``rows`` and
    ``summary()``), in the uploader's area."""
    batch = model(filename=file_name[:200], area_id=user.area_id, created_by=user, file_sha256=listed.sha256,
                  rows=[row.as_dict() for row in listed.rows], summary=listed.summary())
    batch.file.save(Path(file_name).name, ContentFile(content), save=False)
    return save_batch(batch, user)


def batch_held(batches: QuerySet, batch, *, what: str, action: str, noun: str = "名单"):
    """The batch's row held (a second click waits here), refused outside the user's area (``batches`` are those
    the user sees) or once applied or discarded. ``what`` names the list (签约名单), ``action`` what was asked."""
    held = batches.select_for_update(of=("self",)).filter(pk=batch.pk).first()
    if held is None:
        raise ValidationError(f"{what} #{batch.pk} 不在您的管辖区域内。", code="outside_area")
    if held.status != "previewed":
        raise ValidationError(f"{what} #{held.pk} 当前状态为“{held.get_status_display()}”，只有待确认的{noun}可以{action}。",
                              code="not_previewed")
    return held


def batch_summary_sheet(book, batch, *, title: str, outcomes) -> None:
    """The 汇总 sheet of a list's report (an openpyxl write-only ``book``): what the batch is, who uploaded and
    applied it, and its rows by outcome (``outcomes``, the list's TextChoices)."""
    summary = book.create_sheet("汇总")
    summary.column_dimensions["A"].width = 16
    summary.column_dimensions["B"].width = 60
    facts = [
        (title, f"#{batch.pk}"),
        ("文件名", batch.filename),
        ("文件 SHA-256", batch.file_sha256),
        ("范围", f"{batch.area.name}（{batch.area_id}）" if batch.area_id else "不限"),
        ("状态", batch.get_status_display()),
        ("上传", f"{batch.created_by}，{timezone.localtime(batch.created_at):%Y-%m-%d %H:%M}"),
        ("导入", f"{batch.applied_by}，{timezone.localtime(batch.applied_at):%Y-%m-%d %H:%M}" if batch.applied_at
         else "未导入"),
        ("报告生成时间", f"{timezone.localtime():%Y-%m-%d %H:%M}"),
    ]
    for label, value in facts:
        summary.append([label, safe_text(value)])
    summary.append([])
    summary.append(["结果", "行数"])
    summary.append(["名单行数", batch.summary.get("rows", 0)])
    for outcome in outcomes:
        summary.append([outcome.label, batch.summary.get(outcome.value, 0)])
