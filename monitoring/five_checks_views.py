"""五查 pages: the five counts per township for a year and an area, each count opening its list, each
list (and the whole) exportable to Excel, the export recorded in the access log."""

from __future__ import annotations

import io

from django import forms
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header

from accounts.models import User
from monitoring.five_checks import CHECKS, FiveChecks, five_checks, five_checks_export_write
from regions.codes import Level
from regions.models import Region

VIEW = "monitoring.view_alert"
PER_PAGE = 100
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def area_choices(user: User) -> list[tuple[str, str]]:
    """The user's area and the townships inside it (a village user: their village)."""
    own = user.area
    choices = [(own.code, f"{own.name}（{own.code}）")] if own else [("", "全国")]
    if own is None or own.level not in (Level.TOWNSHIP, Level.VILLAGE):
        townships = Region.objects.within(user.area_id or "").filter(level=Level.TOWNSHIP)
        choices += [(code, f"　{name}（{code}）") for code, name in townships.values_list("code", "name")]
    return choices


class FiveChecksForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=1990, max_value=2100)
    area = forms.ChoiceField(label="区域", required=False)

    def __init__(self, query, *, user: User, today):
        data = {"year": query.get("year") or str(today.year), "area": query.get("area", user.area_id or "")}
        super().__init__(data)
        self.fields["area"].choices = area_choices(user)

    def refusal(self) -> str:
        return "；".join(f"{self.fields[name].label}：{error}" for name, errors in self.errors.items()
                        for error in errors)


def _checks(request, only=None) -> tuple[FiveChecksForm, FiveChecks | None, str]:
    form = FiveChecksForm(request.GET, user=request.user, today=timezone.localdate())
    if not form.is_valid():
        return form, None, form.refusal()
    try:
        result = five_checks(user=request.user, year=form.cleaned_data["year"], area=form.cleaned_data["area"],
                             only=only)
    except ValidationError as exc:
        return form, None, "；".join(exc.messages)
    return form, result, ""


def _township_rows(result: FiveChecks) -> list[dict]:
    """Every township of the area (those without a finding show zeros), then the total."""
    counted = result.by_township
    codes = set(counted) | set(
        Region.objects.within(result.area).filter(level=Level.TOWNSHIP).values_list("code", flat=True)
    )
    if len(result.area) >= 9:
        codes = {code for code in codes if code.startswith(result.area[:9])}
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    rows = []
    for code in sorted(codes):
        counts = counted.get(code, dict.fromkeys(CHECKS, 0))
        rows.append({"code": code, "name": names.get(code, code),
                     "cells": [(check, counts[check]) for check in CHECKS], "total": sum(counts.values())})
    return rows


def _workbook_response(result: FiveChecks, user: User, checks: list[str]) -> HttpResponse:
    buffer = io.BytesIO()
    five_checks_export_write(user=user, result=result, target=buffer, checks=checks)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    label = CHECKS[checks[0]] if len(checks) == 1 else "五查"
    filename = f"{label}_{result.area or '全国'}_{result.year}.xlsx"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


@permission_required(VIEW, raise_exception=True)
def five_checks_summary(request):
    form, result, error = _checks(request)
    if result is not None and request.GET.get("format") == "xlsx":
        return _workbook_response(result, request.user, list(CHECKS))
    context = {"form": form, "result": result, "error": error, "checks": CHECKS}
    if result is not None:
        totals = result.counts
        context |= {"rows": _township_rows(result), "totals": [(c, totals[c]) for c in CHECKS],
                    "total": sum(totals.values())}
    return render(request, "monitoring/five_checks.html", context)


@permission_required(VIEW, raise_exception=True)
def five_checks_list(request, check):
    if check not in CHECKS:
        raise Http404("没有这一项检查。")
    form, result, error = _checks(request, only=[check])
    if result is not None and request.GET.get("format") == "xlsx":
        return _workbook_response(result, request.user, [check])
    context = {"form": form, "result": result, "error": error, "check": check, "check_name": CHECKS[check],
               "checks": CHECKS}
    if result is not None:
        page = Paginator(result.lists[check], PER_PAGE).get_page(request.GET.get("page"))
        names = result.township_names
        context |= {"page": page, "count": len(result.lists[check]),
                    "rows": [(finding, names.get(finding.township, finding.township)) for finding in page]}
    return render(request, "monitoring/five_checks_list.html", context)
