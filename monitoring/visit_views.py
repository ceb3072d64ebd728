"""Publicity visits in the browser: recent visits, recording one (from the household page or by 户编号),
and importing a list (upload → preview, nothing written → confirm, which applies the same file)."""

from __future__ import annotations

import re
import time
import uuid
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone

from beneficiaries.models import Household
from beneficiaries.views import apply_service
from monitoring.models import PublicityVisit
from monitoring.visits import publicity_visit_record, visits_import, visits_visible
from spreadsheets.errors import SpreadsheetError

ADD = "monitoring.add_publicityvisit"
VIEW = "monitoring.view_publicityvisit"
PER_PAGE = 50


class VisitForm(forms.Form):
    household = forms.CharField(label="户编号", max_length=40)
    visited_on = forms.DateField(label="走访日期", widget=forms.DateInput(attrs={"type": "date"}))
    visitor = forms.CharField(label="走访人", max_length=50)
    items = forms.MultipleChoiceField(label="宣传内容", choices=PublicityVisit.Item.choices,
                                      widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_household(self) -> Household:
        number = self.cleaned_data["household"].strip()
        household = Household.objects.visible_to(self.user).filter(number=number).first()
        if household is None:
            raise forms.ValidationError(f"户编号“{number}”不在登记册中（或不在您的管辖区域内）。")
        return household


class VisitImportForm(forms.Form):
    file = forms.FileField(label="走访记录文件（xlsx / xls / csv）")


@permission_required(VIEW, raise_exception=True)
def visit_list(request):
    visits = visits_visible(request.user)
    query = request.GET.get("q", "").strip()
    if query:
        visits = visits.filter(household__number__icontains=query)
    page = Paginator(visits, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "monitoring/visit_list.html", {"page": page, "query": query})


@permission_required(ADD, raise_exception=True)
def visit_create(request):
    initial = {"visited_on": timezone.localdate(), "visitor": request.user.get_full_name(),
               "items": [PublicityVisit.Item.POLICY, PublicityVisit.Item.CARD]}
    household, wanted = None, request.GET.get("household", "")
    if wanted.isdigit():
        household = Household.objects.visible_to(request.user).filter(pk=wanted).first()
    if household is not None:
        initial["household"] = household.number
    form = VisitForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        visit = apply_service(form, lambda: publicity_visit_record(
            user=request.user, household=data["household"], visited_on=data["visited_on"],
            visitor=data["visitor"], items=data["items"], note=data["note"],
        ))
        if visit:
            messages.success(request, f"已登记户 {visit.household.number} {visit.visited_on:%Y-%m-%d} 的走访。")
            if request.POST.get("back") == "household":
                return redirect("household_detail", pk=visit.household_id)
            return redirect("monitoring:visit_list")
    return render(request, "monitoring/visit_form.html", {"form": form, "household": household})


# --- The import: the file waits between preview and confirmation -----------------------------------

SESSION_KEY = "visit_import_upload"
FOLDER = "visit_imports"
ABANDONED_AFTER = 24 * 3600  # seconds


def _folder() -> Path:
    folder = Path(settings.MEDIA_ROOT) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _keep(request, name: str, content: bytes) -> None:
    folder = _folder()
    for old in folder.iterdir():
        if old.stat().st_mtime < time.time() - ABANDONED_AFTER:
            old.unlink(missing_ok=True)
    key = uuid.uuid4().hex
    (folder / key).write_bytes(content)
    request.session[SESSION_KEY] = {"name": name, "key": key}


def _take(request) -> tuple[str, bytes] | None:
    kept = request.session.pop(SESSION_KEY, None)
    if not kept or not re.fullmatch(r"[0-9a-f]{32}", kept.get("key", "")):
        return None
    path = _folder() / kept["key"]
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        return None
    path.unlink(missing_ok=True)
    return kept["name"], content


def _run(request, name: str, content: bytes, *, apply: bool):
    try:
        return visits_import(user=request.user, content=content, filename=name, apply=apply)
    except SpreadsheetError as exc:
        messages.error(request, str(exc))
        return None


@permission_required(ADD, raise_exception=True)
def visit_import(request):
    form = VisitImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and request.POST.get("confirm"):
        kept = _take(request)
        if kept is None:
            messages.error(request, "预览已过期，请重新上传文件。")
            return redirect("monitoring:visit_import")
        report = _run(request, *kept, apply=True)
        if report and report.applied:
            messages.success(request, f"已登记走访 {report.recorded} 条，跳过已登记 {report.skipped} 条。")
            return redirect("monitoring:visit_list")
    elif request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read()
        report = _run(request, upload.name, content, apply=False)
        if report is not None and not report.errors:
            _keep(request, upload.name, content)
    return render(request, "monitoring/visit_import.html", {"form": form, "report": report})
