"""The project pages: the library, one project (status, money, documents, who takes part), one person (labour
capacity, participations, income), the list of the working-age poor with no project yet, and the statistics. Each
form is offered only to a role that may use it (``beneficiaries.pages.Action``); every write goes through the
services, whose refusals are shown on the form they came from."""

from __future__ import annotations

import io
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.db.models.functions import Left
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from accounts.models import AccessLog
from accounts.services import access_log_record
from beneficiaries.models import Beneficiary
from beneficiaries.pages import PER_PAGE, Action, AreaPeriodForm, actions_page, permitted, xlsx_response
from beneficiaries.services import labour_capacity_set
from beneficiaries.views import apply_service
from policies.document import age_on
from projects import forms, selectors, services
from projects.exports import PEOPLE_LISTS, people_list_write, stats_write
from projects.models import Attachment, Funding, Participation, Project
from projects.rules import OPEN_TO_PARTICIPANTS
from regions.models import Region

VIEW = "projects.view_project"


def _person_of(user, id_number: str) -> Beneficiary:
    person = Beneficiary.objects.visible_to(user).filter(id_number=id_number).first()
    if person is None:
        raise ValidationError({"id_number": f"{id_number} 不在登记册中（或不在您的管辖区域内）。"})
    return person


@permission_required(VIEW, raise_exception=True)
def library(request):
    user, today = request.user, timezone.localdate()
    chosen = forms.LibraryFilterForm(request.GET, user=user)
    data = chosen.cleaned_data if chosen.is_valid() else {}
    area = data["area"].code if data.get("area") else (user.area_id or "")
    projects = selectors.library(user, area_code=area, kind=data.get("kind"), status=data.get("status"))
    counts = dict(projects.values("status").annotate(n=Count("pk")).values_list("status", "n").order_by())
    actions = permitted(user, {"add": ("projects.add_project", Action(
        _with_user(forms.NewProjectForm, user), done="已添加项目（储备）。", initial={"status_on": today},
        run=lambda data: services.project_save(user=user, **data)))})
    context = {"filters": chosen, "page": Paginator(projects, PER_PAGE).get_page(request.GET.get("page")),
               "counts": [(value, label, counts.get(value, 0)) for value, label in Project.Status.choices],
               "total": sum(counts.values()), "funding": projects.aggregate(total=Sum("funding_total"))["total"],
               "today": today}
    return actions_page(request, "projects/library.html", context, actions)


def _with_user(form_class, user):
    """``form_class`` bound to ``user`` (whose area limits its places), as the Action pattern makes forms."""
    return lambda *args, **kwargs: form_class(*args, user=user, **kwargs)


@permission_required(VIEW, raise_exception=True)
def project(request, pk):
    user, today = request.user, timezone.localdate()
    project = get_object_or_404(Project.objects.visible_to(user).select_related("area", "recorded_by"), pk=pk)
    fundings = list(project.fundings.select_related("recorded_by").order_by("arrived_on", "pk"))
    by_source = selectors.funding_total_by_source(project)
    participations = (Participation.objects.visible_to(user).filter(project=project)
                      .select_related("person", "person__village").annotate(income=Sum("incomes__amount"))
                      .order_by("ends_on", "person__village_id", "person__name"))
    open_ones = Participation.objects.visible_to(user).filter(project=project, ends_on__isnull=True).select_related(
        "person")
    edit_initial = {name: getattr(project, name) for name in forms.ProjectForm.base_fields if name != "area"}
    actions = permitted(user, {
        "edit": ("projects.change_project", Action(
            _with_user(forms.ProjectForm, user), done="已保存项目信息。", initial=edit_initial | {"area": project.area},
            run=lambda data: services.project_save(user=user, project=project, **data))),
        "move": ("projects.change_project", Action(
            forms.MoveForm, done="项目状态已更新。", initial={"on": today},
            run=lambda data: services.project_move(user=user, project=project, **data))),
        "funding": ("projects.add_funding", Action(
            forms.FundingForm, done="已登记项目资金。", initial={"arrived_on": today},
            run=lambda data: services.funding_add(user=user, project=project, **data))),
        "join": ("projects.add_participation", Action(
            forms.JoinForm, done="已登记参与。", initial={"starts_on": today},
            offered=project.status in OPEN_TO_PARTICIPANTS,
            run=lambda data: services.participation_start(
                user=user, project=project, person=_person_of(user, data["id_number"]), role=data["role"],
                starts_on=data["starts_on"]))),
        "end": ("projects.change_participation", Action(
            forms.EndForm, done="已登记退出。", initial={"ends_on": today}, targets=open_ones,
            offered=open_ones.exists(),
            run=lambda data: services.participation_end(user=user, participation=data["target"],
                                                        ends_on=data["ends_on"], reason=data["reason"]))),
        "income": ("projects.add_income", Action(
            forms.IncomeForm, done="已登记收入。", initial={"received_on": today},
            targets=Participation.objects.visible_to(user).filter(project=project).select_related("person"),
            offered=bool(participations),
            run=lambda data: services.income_add(user=user, participation=data["target"],
                                                 received_on=data["received_on"], amount=data["amount"],
                                                 note=data["note"]))),
    })
    context = {
        "project": project, "moves": selectors.project_history(project), "fundings": fundings,
        "by_source": [(label, by_source[value]) for value, label in Funding.Source.choices if value in by_source],
        "funding_total": sum(by_source.values()), "attachments": project.attachments.select_related("uploaded_by"),
        "participations": participations, "today": today,
        "attachment_form": forms.AttachmentForm() if user.has_perm("projects.add_attachment") else None,
    }
    return actions_page(request, "projects/project.html", context, actions)


@require_POST
@permission_required("projects.add_attachment", raise_exception=True)
def attachment_upload(request, pk):
    project = get_object_or_404(Project.objects.visible_to(request.user), pk=pk)
    form = forms.AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        if apply_service(form, lambda: services.attachment_add(
                user=request.user, project=project, title=form.cleaned_data["title"], file_name=upload.name,
                content=upload.read())):
            messages.success(request, "已上传附件。")
            return redirect("projects:project", pk=project.pk)
    messages.error(request, "附件未上传：" + "；".join(e for errors in form.errors.values() for e in errors))
    return redirect("projects:project", pk=project.pk)


@permission_required(VIEW, raise_exception=True)
def attachment_download(request, pk):
    """A project's document, only to a user who may see the project (never a public media URL)."""
    attachment = get_object_or_404(Attachment.objects.visible_to(request.user), pk=pk)
    filename = f"{attachment.title}{Path(attachment.file.name).suffix}"
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=filename)


@permission_required(VIEW, raise_exception=True)
def person(request, pk):
    user = request.user
    person = get_object_or_404(Beneficiary.objects.visible_to(user).select_related("household", "village"), pk=pk)
    access_log_record(user=user, action=AccessLog.Action.VIEW_PERSON, object_id=str(person.pk))
    participations = list(person.project_participations.select_related("project", "project__area")
                          .prefetch_related("incomes").order_by("-starts_on", "-pk"))
    actions = permitted(user, {"capacity": ("beneficiaries.change_beneficiary", Action(
        forms.CapacityForm, done="已登记劳动能力。", initial={"capacity": person.labour_capacity},
        run=lambda data: labour_capacity_set(user=user, person=person, capacity=data["capacity"])))})
    context = {"person": person, "participations": participations,
               "age": age_on(person.birth_date, timezone.localdate()),
               "income_total": sum(i.amount for p in participations for i in p.incomes.all())}
    return actions_page(request, "projects/person.html", context, actions)


@permission_required(VIEW, raise_exception=True)
def people_list(request, which: str = "no_project"):
    title, select = PEOPLE_LISTS[which]
    form = AreaPeriodForm(request.GET, user=request.user, today=timezone.localdate())
    if not form.is_valid():
        return render(request, "projects/people_list.html", {"form": form, "refusal": form.refusal(),
                                                             "title": title, "which": which}, status=400)
    area, day = form.cleaned_data["area"], form.cleaned_data["day"]
    area_name = Region.objects.area_name(area)
    if request.GET.get("format") == "xlsx":
        buffer = io.BytesIO()
        people_list_write(user=request.user, area_code=area, day=day, which=which, target=buffer)
        return xlsx_response(buffer.getvalue(), f"{title}_{area or '全国'}_{day:%Y%m%d}.xlsx")
    people = select(request.user, area_code=area, day=day)
    names = dict(Region.objects.filter(level="township").values_list("code", "name"))
    townships = [(names.get(row["township"], row["township"]), row["township"], row["n"]) for row in
                 people.annotate(township=Left("village_id", 9)).values("township").annotate(n=Count("pk"))
                 .order_by("township")]
    page = Paginator(people, PER_PAGE).get_page(request.GET.get("page"))
    for item in page.object_list:
        item.age = age_on(item.birth_date, day)
    access_log_record(user=request.user, action=AccessLog.Action.VIEW_PERSON, object_id=f"projects:{which}",
                      detail=f"{title}：{area_name} {day.isoformat()} 第 {page.number} 页", rows=len(page.object_list))
    context = {"form": form, "title": title, "which": which, "area_name": area_name, "day": day, "page": page,
               "townships": townships, "export_query": urlencode({"area": area, "day": day.isoformat(),
                                                                   "format": "xlsx"})}
    return render(request, "projects/people_list.html", context)


@permission_required(VIEW, raise_exception=True)
def stats(request):
    form = AreaPeriodForm(request.GET, user=request.user, today=timezone.localdate())
    context = {"form": form}
    if not form.is_valid():
        return render(request, "projects/stats.html", context | {"refusal": form.refusal()}, status=400)
    area, day = form.cleaned_data["area"], form.cleaned_data["day"]
    if request.GET.get("format") == "xlsx":
        buffer = io.BytesIO()
        stats_write(user=request.user, area_code=area, day=day, target=buffer)
        return xlsx_response(buffer.getvalue(), f"产业扶贫统计_{area or '全国'}_{day:%Y%m%d}.xlsx")
    context |= {"area": area, "day": day, "area_name": Region.objects.area_name(area),
                "tables": [selectors.participation_table(request.user, area_code=area, day=day),
                           selectors.library_table(request.user, area_code=area, day=day)],
                "export_query": urlencode({"area": area, "day": day.isoformat(), "format": "xlsx"})}
    return render(request, "projects/stats.html", context)

