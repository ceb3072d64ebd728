"""The coverage page (健康扶贫覆盖情况): by township, the seeds' rates against their goals on a day or at a
quarter's end, each count of those missed opening the list of them (the drill-down), which exports to Excel.
Reading a list of people goes to the access log."""

from __future__ import annotations

import io

from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode

from accounts.models import AccessLog
from accounts.services import access_log_record
from beneficiaries.pages import PER_PAGE, AreaPeriodForm, xlsx_response
from health import selectors
from health.exports import missing_list_write
from regions.models import Region

VIEW = "health.view_doctorcontract"


@permission_required(VIEW, raise_exception=True)
def coverage_page(request):
    form = AreaPeriodForm(request.GET, user=request.user, today=timezone.localdate())
    context = {"form": form}
    if form.is_valid():
        chosen = form.cleaned_data
        result = selectors.coverage(request.user, area_code=chosen["area"], day=chosen["day"],
                                    since=chosen["since"])
        context |= {
            "coverage": result, "area": chosen["area"],
            "area_name": Region.objects.area_name(chosen["area"]),
            "columns": selectors.coverage_columns(), "table": result.table(),
        }
    else:
        context["refusal"] = form.refusal()
    return render(request, "health/coverage.html", context)


@permission_required(VIEW, raise_exception=True)
def missing_page(request, measure: str):
    if measure not in selectors.MEASURES:
        raise Http404("没有这项指标。")
    form = AreaPeriodForm(request.GET, user=request.user, today=timezone.localdate())
    if not form.is_valid():
        return render(request, "health/missing.html", {"form": form, "refusal": form.refusal(), "measure": measure,
                                                       "measure_name": selectors.MEASURES[measure]}, status=400)
    area, day = form.cleaned_data["area"], form.cleaned_data["day"]
    area_name = Region.objects.area_name(area)
    if request.GET.get("format") == "xlsx":
        buffer = io.BytesIO()
        missing_list_write(user=request.user, area_code=area, day=day, measure=measure, target=buffer)
        return xlsx_response(buffer.getvalue(),
                             f"{selectors.MEASURES[measure]}_未覆盖名单_{area or '全国'}_{day:%Y%m%d}.xlsx")
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
