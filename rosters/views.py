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
from rosters.comparison import Outcome
from rosters.forms import ExitConfirmationForm, RosterUploadForm
from rosters.models import RosterBatch, RosterFindingList
from rosters.report import batch_report_write
from rosters.selectors import (
    CategoryLabels,
    batch_effect,
    batches_needing_attention,
    batches_visible_to,
    later_applied_batch,
    open_holdings_of,
    people_by_id_number,
    region_names,
    village_labels,
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
    page = named_areas(Paginator(batches, 20).get_page(request.GET.get("page")))
    context = {
        "page": page,
        "outcomes": list(Outcome),
        "status": RosterBatch.Status(status) if status in RosterBatch.Status.values else None,
        "attention": attention,
    }
    return render(request, "rosters/batch_list.html", context)


def named_areas(page):
    """The page's batches or uploads, each with ``area_name`` (its area's name) beside its ``area_code``."""
    page.object_list = list(page.object_list)
    names = region_names(item.area_code for item in page.object_list)
    for item in page.object_list:
        item.area_name = names.get(item.area_code, "")
    return page


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
    exits = Exits.from_counts(counts)
    can_apply = batch.status == RosterBatch.Status.PREVIEWED
    can_revert = batch.status == RosterBatch.Status.APPLIED and later_applied_batch(batch) is None
    applied = batch.status in (RosterBatch.Status.APPLIED, RosterBatch.Status.REVERTED)
    effect = batch_effect(batch) if applied or can_revert else None
    context = {
        "batch": batch,
        "area": region_names([batch.area_code]).get(batch.area_code, ""),
        "running": batch.status in RUNNING,
        "tabs": [(outcome, counts.get(outcome.value, 0)) for outcome in Outcome],
        "chosen": Outcome(chosen),
        "page": page,
        "lines": _shown(request.user, batch, page, ends_by_hand=can_apply and chosen == Outcome.EXITED),
        "can_apply": can_apply,
        "apply_question": apply_question(batch) if can_apply else "",
        "exits": exits if exits.need_confirmation else None,
        "exit_form": ExitConfirmationForm(),
        "can_revert": can_revert,
        "revert_question": revert_question(batch, effect) if can_revert else "",
        "effect": effect if applied else None,
        "outcome_summary": outcome_summary(counts),
    }
    return render(request, "rosters/batch_detail.html", context)


# The outcomes an application writes, in the order a summary names them.
WRITTEN = (Outcome.NEW, Outcome.CATEGORY_ADDED, Outcome.CHANGED, Outcome.EXITED)
NOT_WRITTEN = (Outcome.MISMATCH, Outcome.DUPLICATE, Outcome.INVALID_ID, Outcome.REJECTED)


def outcome_summary(counts: dict) -> str:
    """``新增 3 人，新增类别 1 人，类别变更 2 人，退出 4 人`` (the outcomes that change the registry)."""
    return "，".join(f"{outcome.label} {counts.get(outcome.value, 0)} 人" for outcome in WRITTEN)


def apply_question(batch: RosterBatch) -> str:
    """What the confirmation dialog of 确认应用 asks, with the preview's counts."""
    counts = batch.counts or {}
    skipped = "、".join(
        f"{outcome.label} {counts[outcome.value]} {'行' if outcome in (Outcome.INVALID_ID, Outcome.REJECTED) else '人'}"
        for outcome in NOT_WRITTEN
        if counts.get(outcome.value)
    )
    return (
        f"确认应用批次 #{batch.pk}（{batch.get_source_display()} {batch.month_text}）？"
        f"将写入：{outcome_summary(counts)}，共结束 {counts.get('ending_holdings', 0)} 项类别认定。"
        + (f"{skipped}不会写入。" if skipped else "")
        + "应用后可以撤销。"
    )


def revert_question(batch: RosterBatch, effect) -> str:
    return (
        f"确认撤销批次 #{batch.pk}？将恢复本批次结束的 {effect.ended} 项类别认定，"
        f"删除本批次新建的 {effect.holdings} 项类别认定、{effect.people} 名人员、{effect.households} 个家庭户。"
    )


def effect_summary(effect, *, reverted: bool) -> str:
    if reverted:
        return (
            f"恢复类别认定 {effect.ended} 项，删除新建的类别认定 {effect.holdings} 项、"
            f"人员 {effect.people} 名、家庭户 {effect.households} 个"
        )
    return (
        f"新建人员 {effect.people} 名、家庭户 {effect.households} 个、类别认定 {effect.holdings} 项，"
        f"结束类别认定 {effect.ended} 项"
    )


def _shown(user, batch: RosterBatch, lines, *, ends_by_hand: bool) -> list[dict]:
    """One page's report lines with category names, the village's name, the person of the user's area
    with that ID (``person``, None for none) and, on a previewed batch's exits when the user may end
    holdings, the holdings of the list's source still open (``to_end``)."""
    labels = CategoryLabels()
    shown = [dict(zip(RosterFindingList.FIELDS, line, strict=True)) for line in lines]
    people = people_by_id_number(user, (line["id_number"] for line in shown))
    villages = village_labels(line["village_code"] for line in shown)
    open_holdings = {}
    if ends_by_hand and user.has_perm("beneficiaries.change_categoryholding"):
        open_holdings = open_holdings_of(source=batch.source, person_ids=people.values())
    for line in shown:
        line["before"], line["after"] = labels(line["before"]), labels(line["after"])
        line["person"] = people.get(line["id_number"])
        line["village_name"] = villages.get(line["village_code"], "")
        line["to_end"] = open_holdings.get(line["person"], [])
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
        batch.refresh_from_db()
        if batch.status == RosterBatch.Status.APPLIED:
            messages.success(
                request,
                f"批次 #{batch.pk} 已应用：{outcome_summary(batch.counts)}；"
                f"{effect_summary(batch_effect(batch), reverted=False)}。",
            )
        elif batch.status in RUNNING:
            messages.info(request, f"批次 #{batch.pk} 正在后台应用，完成后本页显示结果。")
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
        messages.success(
            request,
            f"批次 #{batch.pk} 已撤销，登记信息已恢复到应用之前："
            f"{effect_summary(batch_effect(batch), reverted=True)}。",
        )
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
