"""The contract list in the browser: upload → preview (the batch with every row's outcome, nothing else written) →
apply or discard → report. The same services as ``manage.py contract_import``."""

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
from health.contract_import import (
    UPLOAD_PERMISSION,
    Outcome,
    contract_batch_apply,
    contract_batch_discard,
    contract_batch_upload,
    contract_batches_visible_to,
)
from health.contract_report import contract_report_write
from health.models import ContractBatch
from spreadsheets.list_batches import batch_result, error_text

VIEW_PERMISSION = "health.view_contractbatch"
PER_PAGE = 50


class ContractListForm(forms.Form):
    file = forms.FileField(label="签约名单文件（xlsx / xls / csv）",
                           help_text="列：身份证号（户中任一成员，或户编号）、签约团队、签约医生、医生电话（可选）、签约机构、"
                                     "服务包、签约日期、生效日期（空为签约日期）、到期日期（空为生效后一年）。")


def _batch(request, pk) -> ContractBatch:
    return get_object_or_404(contract_batches_visible_to(request.user), pk=pk)


@permission_required(VIEW_PERMISSION, raise_exception=True)
def batch_list(request):
    page = Paginator(contract_batches_visible_to(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "health/batch_list.html", {"page": page, "outcomes": list(Outcome)})


@permission_required(UPLOAD_PERMISSION, raise_exception=True)
def batch_upload(request):
    form = ContractListForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = contract_batch_upload(user=request.user, file_name=upload.name, content=upload.read())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("health:batch", pk=batch.pk)
    return render(request, "health/batch_upload.html", {"form": form})


@permission_required(VIEW_PERMISSION, raise_exception=True)
def batch_detail(request, pk):
    batch = _batch(request, pk)
    summary = batch.summary or {}
    chosen = request.GET.get("outcome")
    if chosen not in Outcome.values:
        chosen = next((outcome.value for outcome in (Outcome.ERROR, Outcome.NEW, Outcome.RENEWAL, Outcome.UNCHANGED)
                       if summary.get(outcome.value)), Outcome.NEW.value)
    rows = [row for row in batch.rows if row["outcome"] == chosen]
    errors = batch_result(summary, batch.rows, batch=batch)["errors"]
    previewed = batch.status == ContractBatch.Status.PREVIEWED
    may_change = previewed and request.user.has_perm(UPLOAD_PERMISSION)
    context = {
        "batch": batch,
        "summary": summary,
        "tabs": [(outcome, summary.get(outcome.value, 0)) for outcome in Outcome],
        "chosen": Outcome(chosen),
        "page": Paginator(rows, PER_PAGE).get_page(request.GET.get("page")),
        "errors": [error_text(error) for error in errors],
        "can_apply": may_change and not errors,
        "can_discard": may_change,
        "apply_question": (f"确认导入签约名单 #{batch.pk}？将登记新签约 {summary.get('new', 0)} 户、"
                           f"续签 {summary.get('renewal', 0)} 户，已有相同签约的 {summary.get('unchanged', 0)} 户跳过。"),
    }
    return render(request, "health/batch_detail.html", context)


@permission_required(UPLOAD_PERMISSION, raise_exception=True)
@require_POST
def batch_apply(request, pk):
    batch = _batch(request, pk)
    try:
        batch = contract_batch_apply(user=request.user, batch=batch)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"签约名单 #{batch.pk} 已导入：新签约 {batch.summary['new']} 户，"
                                  f"续签 {batch.summary['renewal']} 户，已有相同签约跳过 {batch.summary['unchanged']} 户。")
    return redirect("health:batch", pk=batch.pk)


@permission_required(UPLOAD_PERMISSION, raise_exception=True)
@require_POST
def batch_discard(request, pk):
    batch = _batch(request, pk)
    try:
        contract_batch_discard(user=request.user, batch=batch)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"签约名单 #{batch.pk} 已放弃，未写入任何签约。")
    return redirect("health:batch", pk=batch.pk)


@permission_required(VIEW_PERMISSION, raise_exception=True)
def batch_report(request, pk):
    batch = _batch(request, pk)
    buffer = io.BytesIO()
    rows = contract_report_write(buffer, batch, mask_ids=not request.user.sees_sensitive)
    access_log_record(user=request.user, action=AccessLog.Action.EXPORT, object_id=f"contract-batch-{batch.pk}",
                      detail=f"签约名单导入报告：{batch}", rows=rows)
    buffer.seek(0)
    return FileResponse(buffer, as_attachment=True, filename=f"签约名单导入报告-{batch.pk}.xlsx")
