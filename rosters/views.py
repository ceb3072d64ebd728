"""The browser flow for administrators: upload → preview (counts, lists per outcome) → confirm → report."""

from __future__ import annotations

import io
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.models import AccessLog
from accounts.services import access_log_record
from regions.models import Region
from rosters.comparison import Outcome
from rosters.forms import ExitConfirmationForm, RosterUploadForm
from rosters.models import RosterBatch, RosterFindingList
from rosters.report import batch_report_write
from rosters.selectors import (
    CategoryLabels,
    batches_needing_attention,
    batches_visible_to,
    later_applied_batch,
)
from rosters.services import (
    ROSTER_PERMISSION,
    Exits,
    roster_batch_confirm,
    roster_batch_revert,
    roster_batch_upload,
    roster_request,
)
from rosters.tasks import apply_roster_batch, preview_roster_batch

# A list up to this size is compared and applied while the page waits; a larger one goes to the task worker.
INLINE_LIMIT_BYTES = 256 * 1024
RUNNING = {RosterBatch.Status.QUEUED, RosterBatch.Status.PREVIEWING, RosterBatch.Status.APPLYING}


def admin_only(view):
    """The pages of the services that ``ensure_roster_admin`` holds to the same permission."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.has_perm(ROSTER_PERMISSION):
            raise PermissionDenied("只有管理员可以比对名单。")
        return view(request, *args, **kwargs)

    return wrapper


def _batch(request, pk) -> RosterBatch:
    return get_object_or_404(batches_visible_to(request.user), pk=pk)


def _start(job, size: int, *args) -> None:
    if size <= INLINE_LIMIT_BYTES:
        job.call(*args)
    else:
        job.enqueue(*args)


@admin_only
def batch_list(request):
    """Every batch of the area, newest first; ``?status=`` one status, ``?attention=1`` the stale and failed
    ones (``batches_needing_attention``), as the administrator's home page links to them."""
    batches = batches_visible_to(request.user)
    status = request.GET.get("status")
    if status in RosterBatch.Status.values:
        batches = batches.filter(status=status)
    attention = bool(request.GET.get("attention"))
    if attention:
        batches = batches_needing_attention(batches, timezone.now())
    page = Paginator(batches, 20).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "outcomes": list(Outcome),
        "status": RosterBatch.Status(status) if status in RosterBatch.Status.values else None,
        "attention": attention,
    }
    return render(request, "rosters/batch_list.html", context)


@admin_only
def batch_upload(request):
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        try:
            roster = roster_request(
                user=request.user,
                source=data["source"],
                month=data["month"],
                area_code=data["area"],
                category=data["category"],
            )
            batch = roster_batch_upload(
                user=request.user, request=roster, file_name=upload.name, content=upload.read()
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            _start(preview_roster_batch, upload.size, batch.pk)
            return redirect("rosters:batch_detail", pk=batch.pk)
    return render(request, "rosters/upload.html", {"form": form})


@admin_only
def batch_detail(request, pk):
    batch = _batch(request, pk)
    counts = batch.counts or {}
    chosen = request.GET.get("outcome")
    if chosen not in Outcome.values:
        chosen = next((outcome.value for outcome in Outcome if counts.get(outcome.value)), Outcome.NEW.value)
    lines = batch.findings.filter(outcome=chosen).values_list("lines", flat=True).first() or []
    page = Paginator(lines, 50).get_page(request.GET.get("page"))
    region = Region.objects.filter(code=batch.area_code).first() if batch.area_code else None
    exits = Exits.from_counts(counts)
    context = {
        "batch": batch,
        "area": f"{region.name}（{batch.area_code}）" if region else batch.area_code,
        "running": batch.status in RUNNING,
        "tabs": [(outcome, counts.get(outcome.value, 0)) for outcome in Outcome],
        "chosen": Outcome(chosen),
        "page": page,
        "lines": _shown(page),
        "can_apply": batch.status == RosterBatch.Status.PREVIEWED,
        "exits": exits if exits.need_confirmation else None,
        "exit_form": ExitConfirmationForm(),
        "can_revert": batch.status == RosterBatch.Status.APPLIED and later_applied_batch(batch) is None,
    }
    return render(request, "rosters/batch_detail.html", context)


def _shown(lines) -> list[dict[str, str]]:
    labels = CategoryLabels()
    shown = [dict(zip(RosterFindingList.FIELDS, line, strict=True)) for line in lines]
    for line in shown:
        line["before"], line["after"] = labels(line["before"]), labels(line["after"])
    return shown


@admin_only
def batch_progress(request, pk):
    """The progress bar, polled by the page; once the job is done the page reloads to show the result."""
    batch = _batch(request, pk)
    response = render(request, "rosters/_progress.html", {"batch": batch, "running": batch.status in RUNNING})
    if batch.status not in RUNNING:
        response["HX-Refresh"] = "true"
    return response


@admin_only
@require_POST
def batch_apply(request, pk):
    batch = _batch(request, pk)
    form = ExitConfirmationForm(request.POST)
    allow_exits = form.cleaned_data["allow_exits"] if form.is_valid() else None
    try:
        roster_batch_confirm(batch=batch, user=request.user, allow_exits=allow_exits)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        _start(apply_roster_batch, batch.file.size, batch.pk, request.user.pk, allow_exits)
    return redirect("rosters:batch_detail", pk=batch.pk)


@admin_only
@require_POST
def batch_revert(request, pk):
    batch = _batch(request, pk)
    try:
        roster_batch_revert(user=request.user, batch=batch)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"批次 #{batch.pk} 已撤销，登记信息已恢复到应用之前。")
    return redirect("rosters:batch_detail", pk=batch.pk)


@admin_only
def batch_report(request, pk):
    batch = _batch(request, pk)
    buffer = io.BytesIO()
    lines = batch_report_write(buffer, batch, mask_ids=not request.user.sees_sensitive)
    access_log_record(
        user=request.user,
        action=AccessLog.Action.EXPORT,
        object_id=f"roster-batch-{batch.pk}",
        detail=f"名单比对报告：{batch}",
        rows=lines,
    )
    buffer.seek(0)
    return FileResponse(
        buffer, as_attachment=True, filename=f"名单比对报告-{batch.pk}-{batch.month_text}.xlsx"
    )
