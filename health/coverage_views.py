"""The coverage page (健康扶贫覆盖情况): by township, the seeds' rates against their goals on a day or at a
quarter's end, each count of those missed opening the list of them (the drill-down), which exports to Excel.
Reading a list of people goes to the access log."""

from __future__ import annotations

import datetime
import io

from django import forms
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode

from accounts.models import AccessLog, User
from accounts.services import access_log_record
from health import selectors
from health.exports import missing_list_write
from config.periods import PeriodError, parse_quarter
from regions.codes import Level
from regions.models import Region

VIEW = "health.view_doctorcontract"
PER_PAGE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def area_choices(user: User) -> list[tuple[str, str]]:
    """The user's area and the regions inside it down to the townships (those the statistics may link to)."""
    choices = [] if user.area_id else [("", "全国")]
    regions = Region.objects.within(user.area_id or "").exclude(level=Level.VILLAGE)
    if user.area_id:
        regions = regions | Region.objects.filter(code=user.area_id)  # a village user: their village
    indent = {Level.TOWNSHIP: "　"}
    return choices + [(code, f"{indent.get(level, '')}{name}（{code}）")
                      for code, name, level in regions.order_by("code").values_list("code", "name", "level")]


class CoverageForm(forms.Form):
    """Always bound: the user's area and today unless asked otherwise; a quarter, when given, wins over the day."""

    area = forms.ChoiceField(label="区域", required=False)
    day = forms.DateField(label="统计日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    quarter = forms.CharField(label="或季度", required=False, max_length=10,
                              widget=forms.TextInput(attrs={"placeholder": "2026Q3", "size": 8}),
                              help_text="填写季度则按季度最后一天统计，县域内就诊率取该季度的住院账单；"
                                        "只填日期时取当年 1 月 1 日至该日。")

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


@permission_required(VIEW, raise_exception=True)
def coverage_page(request):
    form = CoverageForm(request.GET, user=request.user, today=timezone.localdate())
    context = {"form": form}
    if form.is_valid():
        chosen = form.cleaned_data
        result = selectors.coverage(request.user, area_code=chosen["area"], day=chosen["day"],
                                    since=chosen["since"])
        context |= {
            "coverage": result, "area": chosen["area"],
            "area_name": Region.objects.name_of(chosen["area"]) if chosen["area"] else "全国",
            "columns": selectors.coverage_columns(), "table": result.table(),
        }
    else:
        context["refusal"] = form.refusal()
    return render(request, "health/coverage.html", context)


@permission_required(VIEW, raise_exception=True)
def missing_page(request, measure: str):
    if measure not in selectors.MEASURES:
        raise Http404("没有这项指标。")
    form = CoverageForm(request.GET, user=request.user, today=timezone.localdate())
    if not form.is_valid():
        return render(request, "health/missing.html", {"form": form, "refusal": form.refusal(), "measure": measure,
                                                       "measure_name": selectors.MEASURES[measure]}, status=400)
    area, day = form.cleaned_data["area"], form.cleaned_data["day"]
    area_name = Region.objects.name_of(area) if area else "全国"
    if request.GET.get("format") == "xlsx":
        buffer = io.BytesIO()
        missing_list_write(user=request.user, area_code=area, day=day, measure=measure, target=buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX)
        filename = f"{selectors.MEASURES[measure]}_未覆盖名单_{area or '全国'}_{day:%Y%m%d}.xlsx"
        response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
        return response
    page = Paginator(selectors.missing(request.user, area_code=area, day=day, measure=measure),
                     PER_PAGE).get_page(request.GET.get("page"))
    access_log_record(user=request.user, action=AccessLog.Action.VIEW_PERSON, object_id=f"health_missing:{measure}",
                      detail=f"健康扶贫未覆盖名单（{selectors.MEASURES[measure]}）：{area_name} {day.isoformat()}"
                             f" 第 {page.number} 页", rows=len(page.object_list))
    context = {
        "form": form, "measure": measure, "measure_name": selectors.MEASURES[measure], "area_name": area_name,
        "day": day, "page": page, "households": measure == "contracts",
        "export_query": urlencode({"area": area, "day": day.isoformat(), "format": "xlsx"}),
        "back_query": urlencode({"area": area, **({"quarter": form.cleaned_data["quarter"]}
                                                 if form.cleaned_data["quarter"] else {"day": day.isoformat()})}),
    }
    return render(request, "health/missing.html", context)
