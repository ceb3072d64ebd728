"""What the lists imported as a whole share — the health commission's contract list, the children's survey, the
participation list: the batch kept with its file and preview, found within the uploader's area, held and checked
before it is applied or discarded; the result the commands print and the pages count; a date cell as the lists
write it; and the summary sheet of a list's report."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

from django.core.exceptions import ValidationError
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from accounts.services import save_as
from beneficiaries.idnumbers import mask
from spreadsheets.writing import safe_text

class ListBatch(models.Model):
    """One list uploaded as a file, compared, and applied as a whole (or set aside): the file and its digest, the
    uploader's area, every row with its outcome, the summary, who uploaded and who applied it. Each list's batch
    model adds its file's folder, its history table and its names."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", "待确认"
        APPLIED = "applied", "已导入"
        DISCARDED = "discarded", "已放弃"

    filename = models.CharField("文件名", max_length=200)
    file = models.FileField("名单文件", blank=True)
    file_sha256 = models.CharField("文件校验值", max_length=64, blank=True)
    # the uploader's area; empty for the built-in system account of the commands, which has none
    area = models.ForeignKey("regions.Region", verbose_name="范围", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PREVIEWED)
    rows = models.JSONField("逐行结果", default=list)
    summary = models.JSONField("汇总", default=dict)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="导入人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    applied_at = models.DateTimeField("导入时间", null=True, blank=True)

    class Meta:
        abstract = True


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


def batch_keep(model, *, user, file_name: str, content: bytes, listed):
    """A new batch of ``model`` holding the file and the preview of ``listed`` (its ``sha256``, ``rows`` and
    ``summary()``), in the uploader's area."""
    batch = model(filename=file_name[:200], area_id=user.area_id, created_by=user, file_sha256=listed.sha256,
                  rows=[row.as_dict() for row in listed.rows], summary=listed.summary())
    batch.file.save(Path(file_name).name, ContentFile(content), save=False)
    return save_as(batch, user)


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


def list_report_write(target, batch, *, title: str, outcomes, columns, fields, widths, mask_ids: bool) -> int:
    """A list's report (as previewed, or as applied): the summary sheet, then every row — its number, ``fields``
    under ``columns``, its outcome in words and its message — for the office to correct its list or file the result.
    ID numbers are masked when ``mask_ids``. Returns the rows written."""
    labels = dict(outcomes.choices)
    book = Workbook(write_only=True)
    batch_summary_sheet(book, batch, title=title, outcomes=outcomes)
    sheet = book.create_sheet("逐行结果")
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.append(list(columns))
    for row in batch.rows:
        values = {name: str(row.get(name) or "") for name in fields}
        if mask_ids and values.get("id_number"):
            values["id_number"] = mask(values["id_number"])
        # a row doing two things at once (the participation list) keeps its outcomes in words
        outcome = row["outcome_text"] if "outcome_text" in row else labels.get(row["outcome"], "")
        sheet.append([row["row"], *(safe_text(values[name]) for name in fields), outcome, safe_text(row["message"])])
    book.save(target)
    return len(batch.rows)


def stored_content(batch) -> bytes:
    """The file the batch keeps, read again at apply (the list as uploaded, whatever happened since)."""
    with batch.file.open("rb") as handle:
        return handle.read()


def rows_without_errors(batch, listed, *, what: str, noun: str = "名单") -> list[dict]:
    """The list's rows as they are kept, once none is in error; else refused, naming the first twenty errors."""
    rows = [row.as_dict() for row in listed.rows]
    errors = batch_result(listed.summary(), rows, batch=None)["errors"]
    if errors:
        lines = "\n".join(error_text(error) for error in errors[:20])
        raise ValidationError(f"{what} #{batch.pk} 有 {len(errors)} 处错误，整份{noun}不能导入，未写入任何数据；"
                              f"请更正文件后重新上传：\n{lines}", code="rows_in_error")
    return rows


def batch_applied(batch, user, *, rows: list[dict], summary: dict):
    """The batch marked applied by ``user`` now, keeping the rows and summary of the reading that was applied."""
    batch.rows, batch.summary = rows, summary
    batch.status, batch.applied_by, batch.applied_at = "applied", user, timezone.now()
    return save_as(batch, user, update_fields=["rows", "summary", "status", "applied_by", "applied_at"])


def batch_discarded(batches: QuerySet, batch, user, *, what: str, noun: str = "名单"):
    """A previewed batch set aside (a list with errors, or the wrong file): it stays on record, never applied."""
    batch = batch_held(batches, batch, what=what, action="放弃", noun=noun)
    batch.status = "discarded"
    return save_as(batch, user, update_fields=["status"])


def list_import_run(*, read, upload, apply, user, file_name: str, content: bytes, applying: bool) -> dict:
    """A list import's command run: a preview writing nothing (``read``), or, when ``applying`` and no row is in
    error, the batch uploaded and applied in one transaction. The result of ``batch_result``."""
    listed = read(user=user, file_name=file_name, content=content)
    rows = [row.as_dict() for row in listed.rows]
    if not applying or any(row.errors for row in listed.rows):
        return batch_result(listed.summary(), rows, batch=None)
    batch = None
    try:
        with transaction.atomic():
            batch = upload(user=user, file_name=file_name, content=content)
            batch = apply(user=user, batch=batch)
    except ValidationError:
        if batch is not None:
            batch.file.delete(save=False)  # the batch row went with the transaction; its file would stay behind
        raise
    return batch_result(batch.summary, batch.rows, batch=batch)
