"""The employment pages: the figures by township on a day (each count of a list opening it), the three lists the
clerks work from, and one child's page with the forms that record the survey, the placements, the support and
the visits. Forms follow the record pages' pattern (``beneficiaries.pages.Action``): offered only to a role that
may use them, every write through ``employment.services``, whose refusals are shown on the form they came from."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.http import urlencode

from accounts.models import AccessLog
from accounts.services import access_log_record
from beneficiaries.models import Beneficiary
from beneficiaries.pages import PER_PAGE, Action, actions_page, permitted, xlsx_response
from employment import exports, forms, selectors, services
from employment.models import Placement, Support
from regions.models import Region

VIEW = "employment.view_childsurvey"


@permission_required(VIEW, raise_exception=True)
def overview(request):
    form = forms.AreaDayForm(request.GET, user=request.user, today=timezone.localdate())
    if not form.is_valid():
        return render(request, "employment/overview.html", {"form": form, "refusal": form.refusal()})
    area, day = form.cleaned_data["area"], form.cleaned_data["day"]
    table = selectors.township_table(request.user, area_code=area, day=day)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(exports.table_workbook(table, area_code=area, day=day).getvalue(),
                             f"就业扶贫统计_{area or '全国'}_{day:%Y%m%d}.xlsx")
    context = {"form": form, "table": table, "area": area, "day": day, "area_name": Region.objects.area_name(area),
               "export_query": urlencode({"area": area, "day": day.isoformat(), "format": "xlsx"})}
    return render(request, "employment/overview.html", context)


@permission_required(VIEW, raise_exception=True)
def work_list(request, name: str):
    if name not in exports.LISTS:
        raise Http404("没有这份名单。")
    work = exports.LISTS[name]
    form = forms.AreaDayForm(request.GET, user=request.user, today=timezone.localdate())
    if not form.is_valid():
        return render(request, "employment/list.html", {"form": form, "refusal": form.refusal(), "work": work},
                      status=400)
    area, day = form.cleaned_data["area"], form.cleaned_data["day"]
    if request.GET.get("format") == "xlsx":
        book, _ = exports.list_workbook(request.user, name, area_code=area, day=day)
        return xlsx_response(book.getvalue(), f"{work.title}_{area or '全国'}_{day:%Y%m%d}.xlsx")
    page = Paginator(work.read(request.user, area_code=area, day=day), PER_PAGE).get_page(request.GET.get("page"))
    rows = exports.list_rows(request.user, name, area_code=area, day=day, items=page.object_list)
    access_log_record(user=request.user, action=AccessLog.Action.VIEW_PERSON, object_id=f"employment:{name}",
                      detail=f"{work.title}：{Region.objects.area_name(area)} {day.isoformat()} 第 {page.number} 页",
                      rows=len(rows))
    context = {"form": form, "work": work, "name": name, "area_name": Region.objects.area_name(area), "day": day,
               "page": page, "rows": [(row["person"], [row[key] for key, _ in work.columns]) for row in rows],
               "export_query": urlencode({"area": area, "day": day.isoformat(), "format": "xlsx"}),
               "back_query": urlencode({"area": area, "day": day.isoformat()})}
    return render(request, "employment/list.html", context)


@permission_required(VIEW, raise_exception=True)
def person(request, pk):
    person = get_object_or_404(Beneficiary.objects.visible_to(request.user)
                               .select_related("household", "village"), pk=pk)
    access_log_record(user=request.user, action=AccessLog.Action.VIEW_PERSON, object_id=str(person.pk))
    user, today = request.user, timezone.localdate()
    surveys = list(person.child_surveys.order_by("-year"))
    placements = selectors.person_placements(person, today)
    supports = list(person.employment_supports.order_by("-given_on", "-pk"))
    open_placements = Placement.objects.filter(person=person, ends_on__isnull=True).select_related("person")
    visitable = Placement.objects.filter(person=person).select_related("person")
    valid_supports = Support.objects.filter(person=person, voided_on__isnull=True).select_related("person")
    latest = surveys[0] if surveys else None
    survey_initial = {"year": today.year, "surveyed_on": today} | ({
        name: getattr(latest, name) for name in ("school", "level", "major", "graduation_year", "intention",
                                                 "wants_business", "business_plan", "needs", "surveyed_by")}
        if latest else {})
    actions = permitted(user, {
        "survey": ("employment.add_childsurvey", Action(
            forms.SurveyForm, done="已登记摸排。", initial=survey_initial,
            run=lambda data: services.survey_record(user=user, person=person, **data))),
        "start": ("employment.add_placement", Action(
            forms.PlacementStartForm, done="已登记安置。", offered=bool(surveys), initial={"starts_on": today},
            run=lambda data: services.placement_start(user=user, person=person, **data))),
        "end": ("employment.change_placement", Action(
            forms.PlacementEndForm, done="已登记离岗。", offered=open_placements.exists(), targets=open_placements,
            initial={"ends_on": today},
            run=lambda data: services.placement_end(user=user, placement=data["target"], ends_on=data["ends_on"],
                                                    reason=data["reason"]))),
        "visit": ("employment.add_followupvisit", Action(
            forms.VisitForm, done="已登记回访。", offered=bool(placements), targets=visitable,
            initial={"visited_on": today},
            run=lambda data: services.visit_record(user=user, placement=data.pop("target"), **data))),
        "support": ("employment.add_support", Action(
            forms.SupportForm, done="已登记帮扶措施。", offered=bool(surveys), initial={"given_on": today},
            run=lambda data: services.support_give(user=user, person=person, **data))),
        "void": ("employment.change_support", Action(
            forms.SupportVoidForm, done="帮扶记录已作废。", offered=valid_supports.exists(), targets=valid_supports,
            initial={"voided_on": today},
            run=lambda data: services.support_void(user=user, support=data["target"], voided_on=data["voided_on"],
                                                   reason=data["reason"]))),
    })
    context = {"person": person, "surveys": surveys, "placements": placements, "supports": supports,
               "today": today, "history": selectors.employment_history(person)}
    return actions_page(request, "employment/person.html", context, actions)
