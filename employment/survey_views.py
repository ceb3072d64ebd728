"""The survey list in the browser: upload → preview (the batch with every row's outcome, nothing else written) →
apply or discard → report. The same services as ``manage.py survey_import``."""

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
from employment.models import SurveyBatch
from employment.survey_import import (
    UPLOAD_PERMISSION,
    Outcome,
    survey_batch_apply,
    survey_batch_discard,
    survey_batch_upload,
    survey_batches_visible_to,
)
from employment.survey_report import survey_report_write
from spreadsheets.list_batches import batch_result, error_text

VIEW_PERMISSION = "employment.view_surveybatch"
PER_PAGE = 50


class SurveyListForm(forms.Form):
    file = forms.FileField(label="摸排表文件（xlsx / xls / csv）",
                           help_text="列：身份证号、姓名、摸排年度（可选，空为摸排日期所在年）、毕业（就读）学校、学历层次、专业、"
                                     "毕业年份（或毕业时间）、就业意向、创业愿望（是/否）、创业意向、帮扶需求、摸排日期、摸排人。")


def _batch(request, pk) -> SurveyBatch:
    return get_object_or_404(survey_batches_visible_to(request.user), pk=pk)


@permission_required(VIEW_PERMISSION, raise_exception=True)
def batch_list(request):
    page = Paginator(survey_batches_visible_to(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "employment/survey_batch_list.html", {"page": page, "outcomes": list(Outcome)})


@permission_required(UPLOAD_PERMISSION, raise_exception=True)
def batch_upload(request):
    form = SurveyListForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = survey_batch_upload(user=request.user, file_name=upload.name, content=upload.read())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("surveys:batch", pk=batch.pk)
    return render(request, "employment/survey_batch_upload.html", {"form": form})


@permission_required(VIEW_PERMISSION, raise_exception=True)
def batch_detail(request, pk):
    batch = _batch(request, pk)
    summary = batch.summary or {}
    chosen = request.GET.get("outcome")
    if chosen not in Outcome.values:
        chosen = next((outcome.value for outcome in (Outcome.ERROR, Outcome.NEW, Outcome.UPDATED, Outcome.UNCHANGED)
                       if summary.get(outcome.value)), Outcome.NEW.value)
    rows = [row for row in batch.rows if row["outcome"] == chosen]
    errors = batch_result(summary, batch.rows, batch=batch)["errors"]
    may_change = batch.status == SurveyBatch.Status.PREVIEWED and request.user.has_perm(UPLOAD_PERMISSION)
    context = {
        "batch": batch,
        "summary": summary,
        "tabs": [(outcome, summary.get(outcome.value, 0)) for outcome in Outcome],
        "chosen": Outcome(chosen),
        "page": Paginator(rows, PER_PAGE).get_page(request.GET.get("page")),
        "errors": [error_text(error) for error in errors],
        "can_apply": may_change and not errors,
        "can_discard": may_change,
        "apply_question": (f"确认导入摸排表 #{batch.pk}？将新增摸排记录 {summary.get('new', 0)} 人、"
                           f"更新 {summary.get('updated', 0)} 人，相同的 {summary.get('unchanged', 0)} 人跳过。"),
    }
    return render(request, "employment/survey_batch_detail.html", context)


@permission_required(UPLOAD_PERMISSION, raise_exception=True)
@require_POST
def batch_apply(request, pk):
    batch = _batch(request, pk)
    try:
        batch = survey_batch_apply(user=request.user, batch=batch)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"摸排表 #{batch.pk} 已导入：新增 {batch.summary['new']} 人，"
                                  f"更新 {batch.summary['updated']} 人，相同跳过 {batch.summary['unchanged']} 人。")
    return redirect("surveys:batch", pk=batch.pk)


@permission_required(UPLOAD_PERMISSION, raise_exception=True)
@require_POST
def batch_discard(request, pk):
    batch = _batch(request, pk)
    try:
        survey_batch_discard(user=request.user, batch=batch)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"摸排表 #{batch.pk} 已放弃，未写入任何摸排记录。")
    return redirect("surveys:batch", pk=batch.pk)


@permission_required(VIEW_PERMISSION, raise_exception=True)
def batch_report(request, pk):
    batch = _batch(request, pk)
    buffer = io.BytesIO()
    rows = survey_report_write(buffer, batch, mask_ids=not request.user.sees_sensitive)
    access_log_record(user=request.user, action=AccessLog.Action.EXPORT, object_id=f"survey-batch-{batch.pk}",
                      detail=f"摸排表导入报告：{batch}", rows=rows)
    buffer.seek(0)
    return FileResponse(buffer, as_attachment=True, filename=f"摸排表导入报告-{batch.pk}.xlsx")
