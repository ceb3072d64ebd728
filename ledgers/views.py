from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.views.decorators.http import require_POST

from accounts.models import User
from claims.selectors import IN_COUNTY_GOAL
from health.selectors import coverage_columns
from ledgers import charts, selectors, services
from ledgers.columns import COLUMNS, ledger_header
from ledgers.forms import LedgerFilterForm, ResponsibilityAreaForm, StatsForm, responsibility_line_forms
from ledgers.models import LedgerExport
from config.periods import quarter_code
from policies.document import FUNDS, VISIT_TYPES
from regions.models import Region

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
VIEW_LEDGER = "ledgers.view_ledger"
FUND_COLORS = {"basic": "#0b5394", "critical": "#6fa8dc", "assistance": "#e69138", "other": "#6aa84f",
               "personal": "#b7b7b7"}
SORT_OF_COLUMN = {2: "village", 4: "name", 5: "id_number"} | {n: f"c{n}" for n in selectors.SORTABLE_COLUMNS}
# The columns that stay on the left while the other 34 scroll under them (classes of ledgers.css).
PINNED_COLUMNS = {4: "pin-name", 5: "pin-id"}
SENSITIVE_PERMISSION = dict(User._meta.permissions)["view_sensitive"]


def _header_rows(sort: str) -> list[list[dict]]:
    """The ledger's header rows 2–6 for the page, each name cell with the sort key it toggles."""
    rows: list[list[dict]] = [[] for _ in range(5)]
    for cell in ledger_header(""):
        if cell.row == 0:
            continue
        names_a_column = cell.row in (2, 3, 4) and cell.colspan == 1
        key = SORT_OF_COLUMN.get(cell.col + 1) if names_a_column else None
        active = key is not None and sort.lstrip("-") == key
        rows[cell.row - 1].append({
            "cell": cell, "sort": key, "active": active,
            "classes": " ".join(filter(None, [
                "column-number" if cell.row == 5 else "",
                PINNED_COLUMNS.get(cell.col + 1, "") if cell.colspan == 1 else "",
            ])),
            "next": f"-{key}" if active and not sort.startswith("-") else key,
            "descending": active and sort.startswith("-"),
        })
    return rows


def _export_fields(request, form: LedgerFilterForm) -> list[tuple[str, str]]:
    """The filter shown, as hidden fields of the export button's form (the defaults when none was chosen)."""
    if form.is_bound:
        shown = [(key, values) for key, values in request.GET.lists() if key not in ("page", "sort")]
        return [(key, value) for key, values in shown for value in values]
    return [(name, str(form.initial[name])) for name in ("area", "period", "year")]


def _xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


@permission_required(VIEW_LEDGER, raise_exception=True)
def ledger(request):
    form = LedgerFilterForm(request.GET if "period" in request.GET else None, user=request.user,
                            today=timezone.localdate())
    ledger_filter = form.ledger_filter()
    sort = request.GET.get("sort", "village")
    if sort.lstrip("-") not in selectors.sort_keys():
        sort = "village"
    page = None
    if ledger_filter is not None:
        number = request.GET.get("page", 1)
        page = selectors.ledger_page(request.user, ledger_filter, sort=sort, number=number)
    context = {
        "form": form,
        "ledger_filter": ledger_filter,
        "page": page,
        "rows": [(row.person_id, list(zip(COLUMNS, row.cells))) for row in page.rows] if page else [],
        "totals": list(zip(COLUMNS, page.totals)) if page else [],
        "header_rows": _header_rows(sort),
        "export_fields": _export_fields(request, form),
        "sort": sort,
        "exports": selectors.my_exports(request.user)[:5],
        # ledger_export_write masks the ID numbers of a user without this permission (the admin role has it).
        "export_ids_whole": request.user.sees_sensitive,
        "sensitive_permission": SENSITIVE_PERMISSION,
    }
    return render(request, "ledgers/ledger.html", context)


@require_POST
@permission_required(VIEW_LEDGER, raise_exception=True)
def ledger_export_start(request):
    form = LedgerFilterForm(request.POST, user=request.user, today=timezone.localdate())
    ledger_filter = form.ledger_filter()
    if ledger_filter is None:
        messages.error(request, "筛选条件有误，未能导出：" + "；".join(
            str(error) for errors in form.errors.values() for error in errors))
        return redirect("ledger")
    try:
        export = services.ledger_export_request(user=request.user, ledger_filter=ledger_filter)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("ledger")
    return redirect("ledger_export_detail", pk=export.pk)


def _my_export(request, pk) -> LedgerExport:
    return get_object_or_404(selectors.my_exports(request.user), pk=pk)


@permission_required(VIEW_LEDGER, raise_exception=True)
def ledger_export_detail(request, pk):
    return render(request, "ledgers/export_detail.html", {"export": _my_export(request, pk)})


@permission_required(VIEW_LEDGER, raise_exception=True)
def ledger_export_progress(request, pk):
    return render(request, "ledgers/_export_progress.html", {"export": _my_export(request, pk)})


@permission_required(VIEW_LEDGER, raise_exception=True)
def ledger_export_download(request, pk):
    export = _my_export(request, pk)
    if export.status != LedgerExport.Status.DONE:
        raise Http404("导出尚未完成。")
    path = services.export_path(export)
    if not path.is_file():
        raise Http404("文件已不存在，请重新导出。")
    filename = f"台账_{export.area_code or '全国'}_{export.first:%Y%m%d}-{export.last:%Y%m%d}.xlsx"
    return FileResponse(path.open("rb"), as_attachment=True, filename=filename, content_type=XLSX)


def _stats_charts(stats: selectors.QuarterStats) -> list[charts.Chart]:
    townships = stats.townships or [stats.total]
    fund_series = [
        charts.Series(FUNDS[fund] + "支付", FUND_COLORS[fund], [getattr(r.all_visits, fund) for r in townships])
        for fund in FUNDS
    ] + [charts.Series("个人负担", FUND_COLORS["personal"], [r.all_visits.personal for r in townships])]
    by_township = charts.stacked_bars("各乡镇医疗费用（按资金来源堆叠）", [r.label for r in townships], fund_series)
    months = stats.months
    trend = charts.line_chart(
        "月度趋势（自 1 月起）", [m.label for m in months],
        [charts.Series("费用合计", "#073763", [m.figures.total for m in months]),
         charts.Series("各项制度支付", "#6aa84f", [m.figures.paid for m in months]),
         charts.Series("个人负担", "#b45309", [m.figures.personal for m in months])],
    )
    return [by_township, trend]


@permission_required(VIEW_LEDGER, raise_exception=True)
def stats(request):
    data = request.GET if "quarter" in request.GET else None
    form = StatsForm(data, user=request.user, today=timezone.localdate())
    chosen = form.chosen()
    context = {"form": form, "stats": None, "goal": IN_COUNTY_GOAL}
    if chosen is not None:
        area_code, period = chosen
        quarter = selectors.quarter_stats(request.user, area_code=area_code, period=period)
        context |= {
            "stats": quarter,
            "charts": _stats_charts(quarter),
            "query": urlencode({"area": area_code, "quarter": quarter_code(period)}),
            "visit_rows": [(name, quarter.total.visits[code]) for code, name in VISIT_TYPES.items()],
            "health_area": area_code,
            "health_table": quarter.health.table(selectors.HEALTH_MEASURES),
            "health_columns": coverage_columns(selectors.HEALTH_MEASURES),
        }
    return render(request, "ledgers/stats.html", context)


@permission_required(VIEW_LEDGER, raise_exception=True)
def stats_export(request):
    form = StatsForm(request.GET, user=request.user, today=timezone.localdate())
    chosen = form.chosen()
    if chosen is None:
        messages.error(request, "请先选择区域和季度。")
        return redirect("ledger_stats")
    area_code, period = chosen
    buffer = io.BytesIO()
    services.stats_export_write(user=request.user, area_code=area_code, period=period, target=buffer)
    return _xlsx_response(buffer.getvalue(), f"定期调度统计_{area_code or '全国'}_{quarter_code(period)}.xlsx")


def _responsibility_area(request, data) -> tuple[ResponsibilityAreaForm, Region | None]:
    """The area asked for (the user's own when none was), or None when it is not one of the user's areas."""
    form = ResponsibilityAreaForm(data if "area" in data else None, user=request.user)
    if form.is_bound:
        code = form.cleaned_data["area"] if form.is_valid() else None
    else:
        code = form.initial["area"]
    area = selectors.responsibility_areas(request.user).filter(code=code).first() if code else None
    return form, area


@permission_required(VIEW_LEDGER, raise_exception=True)
def responsibilities(request):
    area_form, area = _responsibility_area(request, request.GET)
    context = {"area_form": area_form, "area": area}
    if area is not None:
        editable = services.responsibilities_editable(request.user, area)
        lines = selectors.responsibility_table(area)
        posted = request.POST if request.method == "POST" else None
        line_forms = responsibility_line_forms(posted, lines=lines)
        if request.method == "POST":
            if not editable:
                raise Http404("您不能填报此区域的责任分工表。")
            if all(form.is_valid() for _, form in line_forms):
                entered = {line.duty: form.cleaned_data for line, form in line_forms}
                try:
                    changed = services.responsibilities_save(user=request.user, area=area, lines=entered)
                except ValidationError as exc:
                    messages.error(request, "；".join(exc.messages))
                else:
                    messages.success(request, f"已保存（{changed} 行有变动）。" if changed else "没有变动。")
                    return redirect(f"{request.path}?area={area.code}")
        context |= {
            "editable": editable, "line_forms": line_forms,
            "history": selectors.responsibility_history(area),
        }
    return render(request, "ledgers/responsibilities.html", context)


@permission_required(VIEW_LEDGER, raise_exception=True)
def responsibilities_export(request):
    _, area = _responsibility_area(request, request.GET)
    if area is None:
        raise Http404("没有这个区域。")
    buffer = io.BytesIO()
    services.responsibility_export_write(user=request.user, area=area, target=buffer)
    return _xlsx_response(buffer.getvalue(), f"医疗保障扶贫责任分工表_{area.name}.xlsx")
