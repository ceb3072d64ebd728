"""The participation list in the browser: upload → preview (the batch with every row's outcomes, nothing else
written) → apply or discard → report. The same services as ``manage.py participation_import``."""

from __future__ import annotations

import io

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.models import AccessLog
from accounts.services import access_log_record
from projects.models import ParticipationBatch
from projects.participation_import import (
    UPLOAD_PERMISSION,
    Outcome,
    participation_batch_apply,
    participation_batch_discard,
    participation_batch_upload,
    participation_batches_visible_to,
)
from projects.participation_report import participation_report_write
from spreadsheets.list_batches import batch_result, error_text

VIEW_PERMISSION = "projects.view_participationbatch"
PER_PAGE = 50
# The tab a batch opens on: what needs looking at first.
FIRST_TAB = (Outcome.ERROR, Outcome.NEW, Outcome.CAPACITY_CHANGED, Outcome.ALREADY, Outcome.CAPACITY_SAME)


class ParticipationListForm(forms.Form):
    file = forms.FileField(label="参与名单文件（xlsx / xls / csv）",
                           help_text="列：身份证号、姓名、劳动能力（可选）、项目编号（可选；填写时参与方式和参与日期必填）、"
                                     "参与方式、参与日期。每行至少填写劳动能力或项目编号之一。")


def _batch(request, pk) -> ParticipationBatch:
    return get_object_or_404(participation_batches_visible_to(request.user), pk=pk)


def _done_text(summary: dict) -> str:
    return (f"新参与 {summary.get('new', 0)} 人次，已在项目中跳过 {summary.get('already', 0)} 人次，"
            f"劳动能力变更 {summary.get('capacity_changed', 0)} 人，劳动能力相同跳过 {summary.get('capacity_same', 0)} 人")


@permission_required(VIEW_PERMISSION, raise_exception=True)
def batch_list(request):
    page = Paginator(participation_batches_visible_to(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "projects/list_batches.html", {"page": page, "outcomes": list(Outcome)})


@permission_required(UPLOAD_PERMISSION, raise_exception=True)
def batch_upload(request):
    form = ParticipationListForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = participation_batch_upload(user=request.user, file_name=upload.name, content=upload.read())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("participation_lists:batch", pk=batch.pk)
    return render(request, "projects/list_upload.html", {"form": form})


@permission_required(VIEW_PERMISSION, raise_exception=True)
def batch_detail(request, pk):
    batch = _batch(request, pk)
    summary = batch.summary or {}
    chosen = request.GET.get("outcome")
    if chosen not in Outcome.values:
        chosen = next((outcome.value for outcome in FIRST_TAB if summary.get(outcome.value)), Outcome.NEW.value)
    rows = [row for row in batch.rows if chosen in row["outcomes"]]
    errors = batch_result(summary, batch.rows, batch=batch)["errors"]
    may_change = batch.status == ParticipationBatch.Status.PREVIEWED and request.user.has_perm(UPLOAD_PERMISSION)
    context = {
        "batch": batch,
        "summary": summary,
        "done_text": _done_text(summary),
        "tabs": [(outcome, summary.get(outcome.value, 0)) for outcome in Outcome],
        "chosen": Outcome(chosen),
        "page": Paginator(rows, PER_PAGE).get_page(request.GET.get("page")),
        "errors": [error_text(error) for error in errors],
        "can_apply": may_change and not errors,
        "can_discard": may_change,
        "apply_question": f"确认导入参与名单 #{batch.pk}？将登记{_done_text(summary)}。",
    }
    return render(request, "projects/list_detail.html", context)


@permission_required(UPLOAD_PERMISSION, raise_exception=True)
@require_POST
def batch_apply(request, pk):
    batch = _batch(request, pk)
    try:
        batch = participation_batch_apply(user=request.user, batch=batch)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"参与名单 #{batch.pk} 已导入：{_done_text(batch.summary)}。")
    return redirect("participation_lists:batch", pk=batch.pk)


@permission_required(UPLOAD_PERMISSION, raise_exception=True)
@require_POST
def batch_discard(request, pk):
    batch = _batch(request, pk)
    try:
        participation_batch_discard(user=request.user, batch=batch)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"参与名单 #{batch.pk} 已放弃，未写入任何参与或劳动能力。")
    return redirect("participation_lists:batch", pk=batch.pk)


@permission_required(VIEW_PERMISSION, raise_exception=True)
def batch_report(request, pk):
    batch = _batch(request, pk)
    buffer = io.BytesIO()
    rows = participation_report_write(buffer, batch, mask_ids=not request.user.sees_sensitive)
    access_log_record(user=request.user, action=AccessLog.Action.EXPORT, object_id=f"participation-batch-{batch.pk}",
                      detail=f"产业参与名单导入报告：{batch}", rows=rows)
    buffer.seek(0)
    return FileResponse(buffer, as_attachment=True, filename=f"产业参与名单导入报告-{batch.pk}.xlsx")
