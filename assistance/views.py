"""Grants and funds in the browser: the funds' year (balances, warnings), the grants of the user's area,
deciding a grant for a person, paying and voiding it. Every write goes through ``assistance.services``."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from accounts.services import area_within
from assistance import selectors, services
from assistance.models import Fund, Grant
from beneficiaries.models import Beneficiary
from beneficiaries.views import apply_service

VIEW = "assistance.view_grant"
DECIDE = "assistance.decide_grant"
PER_PAGE = 50


class GrantForm(forms.Form):
    year = forms.IntegerField(label="救助年度", min_value=2000, max_value=2100,
                              help_text="救助所针对的医疗费用年度，计入该年度的个人负担")
    kind = forms.ChoiceField(label="救助类型", help_text="卫生医疗困难救助须受理申请，经公示和评审委员会评审",
                             choices=[(k, label) for k, label in Grant.Kind.choices if k != Grant.Kind.HARDSHIP])
    fund = forms.ModelChoiceField(label="支出基金", queryset=Fund.objects.none(), required=False,
                                  help_text="慈善救助不选")
    case = forms.ChoiceField(label="救助情形", choices=[("", "—")] + Grant.Case.choices, required=False,
                             help_text="支出基金设有每次限额时按此核对")
    organisation = forms.CharField(label="慈善组织", max_length=100, required=False)
    amount = forms.DecimalField(label="救助金额（元）", max_digits=14, decimal_places=2, min_value=0)
    decided_on = forms.DateField(label="核定日期", widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label="救助理由与评审意见", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, person: Beneficiary, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fund"].queryset = Fund.objects.filter(
            kind=Fund.Kind.GRANTS, region_id=person.village_id[:6]).order_by("code")


class PayForm(forms.Form):
    paid_on = forms.DateField(label="支付日期", widget=forms.DateInput(attrs={"type": "date"}))


class VoidForm(forms.Form):
    reason = forms.CharField(label="撤销原因", max_length=200)


def _year(request) -> int:
    text = request.GET.get("year", "")
    return int(text) if text.isdigit() and 2000 <= int(text) <= 2100 else timezone.localdate().year


@permission_required("assistance.view_fund", raise_exception=True)
def fund_list(request):
    year = _year(request)
    balances = selectors.fund_balances(selectors.funds_of_area(area_within(request.user, "")), year)
    return render(request, "assistance/fund_list.html", {"year": year, "balances": balances})


@permission_required(VIEW, raise_exception=True)
def grant_list(request):
    grants = selectors.grants_visible(request.user)
    year, kind, status = request.GET.get("year", ""), request.GET.get("kind", ""), request.GET.get("status", "")
    if year.isdigit():
        grants = grants.filter(year=int(year))
    if kind in Grant.Kind.values:
        grants = grants.filter(kind=kind)
    if status in Grant.Status.values:
        grants = grants.filter(status=status)
    page = Paginator(grants, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "assistance/grant_list.html", {
        "page": page, "year": year, "kind": kind, "status": status,
        "kinds": Grant.Kind.choices, "statuses": Grant.Status.choices})


@permission_required(DECIDE, raise_exception=True)
def grant_create(request, person_pk):
    person = get_object_or_404(Beneficiary.objects.visible_to(request.user).select_related("village"), pk=person_pk)
    today = timezone.localdate()
    form = GrantForm(request.POST or None, person=person, initial={"year": today.year, "decided_on": today})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        grant = apply_service(form, lambda: services.grant_decide(
            user=request.user, person=person, year=data["year"], kind=data["kind"], fund=data["fund"],
            case=data["case"], organisation=data["organisation"], amount=data["amount"],
            decided_on=data["decided_on"], reason=data["reason"]))
        if grant:
            messages.success(request, f"已核定{grant.get_kind_display()} ¥{grant.amount:,.2f}，待支付。")
            return redirect("assistance:grant_detail", pk=grant.pk)
    return render(request, "assistance/grant_form.html", {"form": form, "person": person})


@permission_required(VIEW, raise_exception=True)
def grant_detail(request, pk):
    grant = get_object_or_404(selectors.grants_visible(request.user).select_related("application"), pk=pk)
    can_decide = request.user.has_perm(DECIDE) and not hasattr(grant, "application")
    pay_form = PayForm(initial={"paid_on": timezone.localdate()}, prefix="pay")
    void_form = VoidForm(prefix="void")
    if request.method == "POST":
        if hasattr(grant, "application"):
            raise PermissionDenied(f"该救助金由卫生医疗困难救助申请 #{grant.application.pk} 核定，请在申请页面办理。")
        if not can_decide:
            raise PermissionDenied("您不能支付或撤销救助金。")
        if "pay" in request.POST:
            pay_form = PayForm(request.POST, prefix="pay")
            if pay_form.is_valid() and apply_service(pay_form, lambda: services.grant_pay(
                    user=request.user, grant=grant, paid_on=pay_form.cleaned_data["paid_on"])):
                messages.success(request, "已记录支付；该年度个人负担和预警已随之更新。")
                return redirect("assistance:grant_detail", pk=grant.pk)
        else:
            void_form = VoidForm(request.POST, prefix="void")
            if void_form.is_valid() and apply_service(void_form, lambda: services.grant_void(
                    user=request.user, grant=grant, reason=void_form.cleaned_data["reason"])):
                messages.success(request, "救助金已撤销。")
                return redirect("assistance:grant_detail", pk=grant.pk)
    return render(request, "assistance/grant_detail.html", {
        "grant": grant, "can_decide": can_decide, "pay_form": pay_form, "void_form": void_form,
        "history": grant.history.select_related("history_user").order_by("history_date")})
