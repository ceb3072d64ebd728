from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessLog
from accounts.services import access_log_record
from beneficiaries import forms, selectors, services
from beneficiaries.models import Beneficiary, CategoryHolding, Household
from config.pickers import picker_results


def apply_service(form, call) -> object | None:
    """Run a service with the form's data; its ValidationError becomes the form's errors."""
    try:
        return call()
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc)
        return None


def form_page(request, form, *, title: str, save, done, success: str):
    """Show ``form``; on a valid POST run ``save`` (a service call) and redirect to ``done(result)``."""
    if request.method == "POST" and form.is_valid():
        result = apply_service(form, save)
        if result:
            messages.success(request, success)
            return redirect(done(result))
    return render(request, "beneficiaries/form.html", {"form": form, "title": title})


def _person(request, pk) -> Beneficiary:
    return get_object_or_404(selectors.beneficiaries_visible(request.user), pk=pk)


def _household(request, pk) -> Household:
    return get_object_or_404(Household.objects.visible_to(request.user), pk=pk)


def search(request):
    query = request.GET.get("q", "").strip()
    page = (
        selectors.beneficiary_search_page(user=request.user, query=query, number=request.GET.get("page"))
        if query
        else None
    )
    if page and page.paginator.count == 1 and request.GET.get("go"):
        return redirect("person_detail", pk=page[0].pk)
    return render(request, "beneficiaries/search.html", {"query": query, "page": page})


def person_detail(request, pk):
    person = _person(request, pk)
    access_log_record(user=request.user, action=AccessLog.Action.VIEW_PERSON, object_id=str(person.pk))
    today = timezone.localdate()
    context = {
        "person": person,
        "members": person.household.members.select_related("village") if person.household else [],
        "holdings": person.holdings.select_related("category", "recorded_by").order_by("-start"),
        "categories_today": selectors.categories_on(person, today),
        "enrollments": person.enrollments.select_related("insurance").order_by("-year", "insurance_id"),
        "history": selectors.person_history(person),
        "today": today,
    }
    return render(request, "beneficiaries/person_detail.html", context)


@permission_required("beneficiaries.add_beneficiary", raise_exception=True)
def person_create(request):
    form = forms.BeneficiaryForm(request.POST or None, user=request.user)
    return form_page(
        request, form, title="登记保障对象", success="已登记。",
        save=lambda: services.beneficiary_create(user=request.user, **form.cleaned_data),
        done=lambda person: reverse("person_detail", args=[person.pk]),
    )


@permission_required("beneficiaries.change_beneficiary", raise_exception=True)
def person_edit(request, pk):
    person = _person(request, pk)
    initial = {"name": person.name, "village_code": person.village_id, "household": person.household,
               "relation": person.relation, "phone": person.phone}
    form = forms.BeneficiaryForm(request.POST or None, initial=initial, user=request.user, editing=True)
    return form_page(
        request, form, title=f"修改 {person.name} 的信息", success="已保存。",
        save=lambda: services.beneficiary_update(user=request.user, person=person, **form.cleaned_data),
        done=lambda _: reverse("person_detail", args=[person.pk]),
    )


@permission_required("beneficiaries.correct_id_number", raise_exception=True)
def person_correct_id(request, pk):
    person = _person(request, pk)
    form = forms.CorrectIdForm(request.POST or None)
    return form_page(
        request, form, title=f"更正 {person.name} 的身份证号", success="身份证号已更正，原号码保留在变更记录中。",
        save=lambda: services.beneficiary_correct_id(user=request.user, person=person, **form.cleaned_data),
        done=lambda _: reverse("person_detail", args=[person.pk]),
    )


@permission_required("beneficiaries.change_beneficiary", raise_exception=True)
def person_status(request, pk):
    person = _person(request, pk)
    form = forms.StatusForm(request.POST or None, initial={"status": person.status, "day": person.status_date})
    return form_page(
        request, form, title=f"{person.name}：人员状态", success="人员状态已更新。",
        save=lambda: services.beneficiary_set_status(user=request.user, person=person, **form.cleaned_data),
        done=lambda _: reverse("person_detail", args=[person.pk]),
    )


@permission_required("beneficiaries.add_categoryholding", raise_exception=True)
def holding_add(request, pk):
    person = _person(request, pk)
    form = forms.HoldingForm(request.POST or None)
    return form_page(
        request, form, title=f"{person.name}：添加类别认定", success="已添加类别认定。",
        save=lambda: services.holding_add(user=request.user, person=person, **form.cleaned_data),
        done=lambda _: reverse("person_detail", args=[person.pk]),
    )


@permission_required("beneficiaries.change_categoryholding", raise_exception=True)
def holding_end(request, pk):
    holding = get_object_or_404(CategoryHolding.objects.visible_to(request.user).select_related("beneficiary"), pk=pk)
    form = forms.HoldingEndForm(request.POST or None)
    return form_page(
        request, form, title=f"终止认定：{holding}", success="类别认定已终止。",
        save=lambda: services.holding_end(user=request.user, holding=holding, **form.cleaned_data),
        done=lambda _: reverse("person_detail", args=[holding.beneficiary_id]),
    )


@permission_required("beneficiaries.add_enrollment", raise_exception=True)
def enrollment_add(request, pk):
    person = _person(request, pk)
    form = forms.EnrollmentForm(request.POST or None, person=person, today=timezone.localdate())
    return form_page(
        request, form, title=f"{person.name}：参保登记", success="参保登记已保存。",
        save=lambda: services.enrollment_record(user=request.user, person=person, **form.cleaned_data),
        done=lambda _: reverse("person_detail", args=[person.pk]),
    )


def household_pick(request):
    """The households a registration form's picker offers for what was typed (JSON, at most 20)."""
    found = selectors.household_pick(user=request.user, query=request.GET.get("q", ""))
    return JsonResponse(picker_results((h.pk, selectors.household_label(h)) for h in found))


def household_detail(request, pk):
    household = _household(request, pk)
    members = household.members.select_related("village")
    return render(request, "beneficiaries/household_detail.html", {"household": household, "members": members})


@permission_required("beneficiaries.add_household", raise_exception=True)
def household_create(request):
    form = forms.HouseholdForm(request.POST or None, user=request.user)
    return form_page(
        request, form, title="登记家庭户", success="已登记家庭户。",
        save=lambda: services.household_save(user=request.user, **form.cleaned_data),
        done=lambda household: reverse("household_detail", args=[household.pk]),
    )


@permission_required("beneficiaries.change_household", raise_exception=True)
def household_edit(request, pk):
    household = _household(request, pk)
    initial = {"number": household.number, "village_code": household.village_id, "address": household.address,
               "poverty_cause": household.poverty_cause, "phone": household.phone}
    form = forms.HouseholdForm(request.POST or None, initial=initial, user=request.user)
    return form_page(
        request, form, title=f"修改户 {household.number}", success="已保存。",
        save=lambda: services.household_save(user=request.user, household=household, **form.cleaned_data),
        done=lambda _: reverse("household_detail", args=[household.pk]),
    )
