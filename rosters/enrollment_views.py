"""The enrollment list in the browser, for administrators: upload → preview (nothing recorded) → confirm.

The same service as ``manage.py import_enrollment`` (``enrollment_import``) reads, checks and records
the list; the upload is kept between the preview and the confirmation as the roster page keeps its
batches (a file and a row), and a list with rows that cannot be read is refused at once, naming them.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from regions.models import Region
from rosters.forms import EnrollmentUploadForm
from rosters.models import EnrollmentUpload
from rosters.selectors import (
    enrollment_uploads_visible_to,
    people_by_id_number,
    region_names,
    uploads_needing_attention,
)
from rosters.services import enrollment_upload_apply, enrollment_upload_preview
from rosters.views import admin_only, named_areas

# The lists a preview shows: (key of the tab, label, key of the report's count, key of its list).
LISTS = [
    ("uncovered", "应保未保", "uncovered", "uncovered_people"),
    ("duplicate", "重复参保", "duplicate", "duplicate_people"),
    ("subsidy", "资助金额不符", "subsidy_mismatch", "subsidy_mismatches"),
]
PER_PAGE = 50


@admin_only
def enrollment_upload(request):
    form = EnrollmentUploadForm(
        request.POST or None, request.FILES or None, initial={"year": timezone.localdate().year}
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result, kept = enrollment_upload_preview(
                user=request.user,
                year=form.cleaned_data["year"],
                file_name=upload.name,
                content=upload.read(),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if kept is not None:
                return redirect("rosters:enrollment_detail", pk=kept.pk)
            context = _report_context(request, result.as_dict(mask_ids=False))
            context.update(upload=None, year=result.year, file_name=upload.name)
            return render(request, "rosters/enrollment_detail.html", context)
    uploads = enrollment_uploads_visible_to(request.user)
    status = request.GET.get("status")
    if status in EnrollmentUpload.Status.values:
        uploads = uploads.filter(status=status)
    attention = bool(request.GET.get("attention"))
    if attention:
        uploads = uploads_needing_attention(uploads, timezone.now())
    context = {
        "form": form,
        "page": named_areas(Paginator(uploads, 20).get_page(request.GET.get("page"))),
        "status": EnrollmentUpload.Status(status) if status in EnrollmentUpload.Status.values else None,
        "attention": attention,
    }
    return render(request, "rosters/enrollment_list.html", context)


@admin_only
def enrollment_detail(request, pk):
    upload = get_object_or_404(enrollment_uploads_visible_to(request.user), pk=pk)
    context = _report_context(request, upload.report)
    can_apply = upload.status == EnrollmentUpload.Status.PREVIEWED
    context.update(
        upload=upload,
        year=upload.year,
        file_name=upload.file_name,
        area=region_names([upload.area_code]).get(upload.area_code, ""),
        can_apply=can_apply,
        apply_question=apply_question(upload) if can_apply else "",
    )
    return render(request, "rosters/enrollment_detail.html", context)


def apply_question(upload: EnrollmentUpload) -> str:
    """What the confirmation dialog of 确认记录参保信息 asks, with the preview's counts."""
    report = upload.report
    return (
        f"确认记录 {upload.year} 年参保名单 #{upload.pk}？名单 {report.get('rows', 0)} 行中，"
        f"本系统人员已参保 {report.get('enrolled', 0)} 行、未参保 {report.get('not_enrolled', 0)} 行将记录，"
        f"不在本系统的 {report.get('not_in_registry', 0)} 行不记录。"
    )


@admin_only
@require_POST
def enrollment_apply(request, pk):
    upload = get_object_or_404(enrollment_uploads_visible_to(request.user), pk=pk)
    try:
        result = enrollment_upload_apply(upload=upload, user=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(
            request,
            f"已记录 {result.year} 年参保信息：新增 {result.created} 条，更新 {result.updated} 条，"
            f"删除 {result.removed} 条。",
        )
    return redirect("rosters:enrollment_detail", pk=upload.pk)


def _report_context(request, report: dict) -> dict:
    """The counts, the tabs and one page of the chosen list of a report (``EnrollmentImport.as_dict``)."""
    tabs = [(key, label, report.get(count, 0)) for key, label, count, _list in LISTS]
    chosen = request.GET.get("list")
    if chosen not in {key for key, *_rest in LISTS}:
        chosen = next((key for key, _label, count in tabs if count), LISTS[0][0])
    key, label, _count, list_key = next(item for item in LISTS if item[0] == chosen)
    page = Paginator(report.get(list_key, []), PER_PAGE).get_page(request.GET.get("page"))
    villages = dict(
        Region.objects.filter(code__in={item["village"] for item in page}).values_list("code", "name")
    )
    people = people_by_id_number(request.user, (item["id_number"] for item in page))
    lines = [
        {
            **item,
            "village_name": villages.get(item["village"], ""),
            "explanation": _explanation(key, item),
            "person": people.get(item["id_number"]),
        }
        for item in page
    ]
    return {
        "report": report,
        "tabs": tabs,
        "chosen": key,
        "chosen_label": label,
        "page": page,
        "lines": lines,
    }


def _explanation(key: str, item: dict) -> str:
    if key == "uncovered":
        if item.get("reason"):
            return f"已记录未参保原因：{item['reason']}（仍计入应保未保）"
        if item.get("rows"):
            return "名单中没有其城乡居民医保的已参保记录"
        return "名单中没有此人，也没有本年度的参保记录"
    if key == "duplicate":
        return "同一险种有两条及以上已参保记录"
    return f"按所持类别应资助 {item['expected']} 元，记录为 {item['recorded']} 元"
