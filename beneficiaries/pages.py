"""What the record pages of the apps above the registry (health, employment, projects) share: the forms a page
offers to the roles that may use them, each run through the services (``Action``, ``permitted``,
``actions_page``); the fields those forms are made of; the area-and-day form of their statistics and lists; and
their Excel answers."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header

from accounts.models import User
from beneficiaries.views import apply_service
from config.periods import PeriodError, parse_quarter
from regions.codes import Level
from regions.models import Region

NOT_YOURS = "您的角色不能办理该事项。"
PER_PAGE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Action:
    """One form of a page: what it runs with the cleaned data and what it says when done. ``offered`` says
    whether the page shows it now (a second record is not offered, a card is revoked only while in use)."""

    form: type
    run: Callable[[dict], object]
    done: str
    offered: bool = True
    initial: dict = field(default_factory=dict)
    targets: object = None

    def make(self, prefix: str, data=None):
        extra = {} if self.targets is None else {"targets": self.targets}
        return self.form(data, prefix=prefix, initial=self.initial, **extra)


def permitted(user, actions: dict[str, tuple[str, Action]]) -> dict[str, Action]:
    """The actions (each named with the permission it needs) that ``user`` may use."""
    return {name: action for name, (permission, action) in actions.items() if user.has_perm(permission)}


def actions_page(request, template: str, context: dict, actions: dict[str, Action]):
    """Show the page with its offered forms; a POST names its form in ``action`` and runs it. A form the user
    may not use is refused outright, whatever was posted."""
    posted = request.POST.get("action", "") if request.method == "POST" else None
    if posted is not None and posted not in actions:
        raise PermissionDenied(NOT_YOURS)
    shown = {}
    for name, action in actions.items():
        if name == posted:
            form = action.make(name, request.POST)
            if form.is_valid() and apply_service(form, lambda: action.run(form.cleaned_data)):
                messages.success(request, action.done)
                return redirect(request.path)
            shown[name] = form
        elif action.offered:
            shown[name] = action.make(name)
    return render(request, template, context | {"forms": shown})


class DateInput(forms.DateInput):
    input_type = "date"


def date_field(label: str, **kwargs) -> forms.DateField:
    return forms.DateField(label=label, widget=DateInput, **kwargs)


def reason_field(label: str) -> forms.CharField:
    return forms.CharField(label=label, max_length=200)


class TargetForm(forms.Form):
    """A form acting on one of the records offered in its ``target`` choice (the page's own, never another's)."""

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = targets


def area_choices(user: User) -> list[tuple[str, str]]:
    """The user's area and the regions inside it down to the townships (those the statistics may link to)."""
    choices = [] if user.area_id else [("", "全国")]
    regions = Region.objects.within(user.area_id or "").exclude(level=Level.VILLAGE)
    if user.area_id:
        regions = regions | Region.objects.filter(code=user.area_id)  # a village user: their village
    indent = {Level.TOWNSHIP: "　"}
    return choices + [(code, f"{indent.get(level, '')}{name}（{code}）")
                      for code, name, level in regions.order_by("code").values_list("code", "name", "level")]


class AreaPeriodForm(forms.Form):
    """The area and the day a statistics page or a list reads. Always bound: the user's area and today unless
    asked otherwise; a quarter, when given, wins over the day (its last day, and ``since`` its first)."""

    area = forms.ChoiceField(label="区域", required=False)
    day = forms.DateField(label="统计日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    quarter = forms.CharField(label="或季度", required=False, max_length=10,
                              widget=forms.TextInput(attrs={"placeholder": "2026Q3", "size": 8}))

    def __init__(self, query, *, user: User, today: datetime.date):
        super().__init__({"area": query.get("area", user.area_id or ""), "day": query.get("day") or today.isoformat(),
                          "quarter": query.get("quarter", "")})
        self.fields["area"].choices = area_choices(user)

    def clean(self):
        data = super().clean()
        data["since"] = None
        if data.get("quarter"):
            try:
                quarter = parse_quarter(data["quarter"])
            except PeriodError as exc:
                self.add_error("quarter", str(exc))
            else:
                data["since"], data["day"] = quarter.first, quarter.last
        return data

    def refusal(self) -> str:
        return "；".join(f"{self.fields[name].label}：{error}" for name, errors in self.errors.items()
                        for error in errors)


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    """A workbook to download as ``filename``."""
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response
