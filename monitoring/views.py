"""The alert list (预警名单), an alert's page with its workflow, its printable referral and the Excel export."""

from __future__ import annotations

import dataclasses
import io

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header

from accounts.models import AccessLog
from accounts.services import access_log_record
from beneficiaries.views import apply_service
from monitoring import selectors, services
from monitoring.exports import alert_list_write
from monitoring.forms import AlertFilterForm, AlertStepForm
from monitoring.models import Alert

VIEW = "monitoring.view_alert"
REFER = "monitoring.refer_alert"
PER_PAGE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sort(request) -> str:
    sort = request.GET.get("sort", selectors.DEFAULT_SORT)
    return sort if sort.lstrip("-") in selectors.SORTS else selectors.DEFAULT_SORT


def _headers(sort: str) -> dict[str, dict]:
    """Each sort key (a sortable column) with the sort its link asks for: the other way round when it is the
    current one, else the largest (the latest) first, and townships in code order."""
    headers = {}
    for key in selectors.SORTS:
        active = sort.lstrip("-") == key
        descending = sort.startswith("-")
        if active:
            following = key if descending else f"-{key}"
        else:
            following = key if key == "township" else f"-{key}"
        headers[key] = {"active": active, "descending": active and descending, "next": following}
    return headers


@permission_required(VIEW, raise_exception=True)
def alert_list(request):
    form = AlertFilterForm(request.GET, user=request.user, today=timezone.localdate())
    alert_filter = form.alert_filter()
    sort = _sort(request)
    context = {"form": form, "alert_filter": alert_filter, "sort": sort, "headers": _headers(sort)}
    if alert_filter is not None:
        page = Paginator(selectors.alerts_filtered(request.user, alert_filter, sort=sort), PER_PAGE).get_page(
            request.GET.get("page"))
        context |= {
            "page": page,
            "rows": selectors.alert_rows(page.object_list, alert_filter.year),
            "counts": selectors.alert_level_counts(request.user, alert_filter),
        }
    return render(request, "monitoring/alert_list.html", context)


@permission_required(VIEW, raise_exception=True)
def alert_export(request):
    form = AlertFilterForm(request.GET, user=request.user, today=timezone.localdate())
    alert_filter = form.alert_filter()
    if alert_filter is None:
        messages.error(request, "筛选条件有误，未能导出：" + "；".join(
            f"{form.fields[name].label}：{error}" if name in form.fields else str(error)
            for name, errors in form.errors.items() for error in errors))
        return redirect("monitoring:alert_list")
    buffer = io.BytesIO()
    alert_list_write(user=request.user, path=buffer, sort=_sort(request), **dataclasses.asdict(alert_filter))
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    filename = f"预警名单_{alert_filter.township or request.user.area_id or '全国'}_{alert_filter.year}.xlsx"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


def _alert(request, pk) -> Alert:
    return get_object_or_404(selectors.alerts_visible(request.user), pk=pk)


@permission_required(VIEW, raise_exception=True)
def alert_detail(request, pk):
    alert = _alert(request, pk)
    today = timezone.localdate()
    can_refer = request.user.has_perm(REFER)
    if request.method == "POST" and not can_refer:
        raise PermissionDenied("您不能办理预警。")
    form = AlertStepForm(request.POST or None, alert=alert, today=today) if can_refer else None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        step = apply_service(form, lambda: services.alert_advance(
            user=request.user, alert=alert, to=data["to"], note=data["note"], office=data["office"],
            referred_on=data["referred_on"]))
        if step:
            messages.success(request, f"预警已改为“{step.get_status_after_display()}”。")
            return redirect("monitoring:alert_detail", pk=alert.pk)
    context = {
        "alert": alert,
        "share": selectors.share_percent(alert.burden, alert.threshold),
        "warn_line": selectors.alert_warn_line(alert),
        "household_burden": selectors.household_burdens([alert.beneficiary], alert.year)[alert.beneficiary_id],
        "changes": selectors.alert_changes(alert),
        "steps": selectors.alert_steps(alert),
        "form": form,
        "finished": not services.NEXT_STATUSES.get(alert.status),
    }
    return render(request, "monitoring/alert_detail.html", context)


@permission_required(VIEW, raise_exception=True)
def alert_referral(request, pk):
    """推送函: the printable letter that hands the person to 民政 / 乡村振兴."""
    alert = _alert(request, pk)
    person = alert.beneficiary
    access_log_record(user=request.user, action=AccessLog.Action.VIEW_PERSON, object_id=str(person.pk),
                      detail=f"打印预警推送函 #{alert.pk}")
    bills = selectors.year_bills(person, alert.year)
    household = selectors.household_year_burden(person.household, alert.year) if person.household else None
    steps = list(selectors.alert_steps(alert))
    referral = next((s for s in reversed(steps) if s.status_after == Alert.Status.REFERRED), None)
    context = {
        "alert": alert,
        "person": person,
        "share": selectors.share_percent(alert.burden, alert.threshold),
        "bills": bills,
        "totals": selectors.bill_totals(bills),
        "household": household,
        "note_step": referral or (steps[-1] if steps else None),
        "office": alert.get_office_display() if alert.office else "民政部门、乡村振兴部门",
        "printed_at": timezone.localtime(),
    }
    return render(request, "monitoring/referral.html", context)
