"""The hardship fund's applications in the browser: the list, taking one (from the person page), its page with
the step the user may take next, its documents, the printable approval form (申请审批表) and publicity list
(公示名单). Every write goes through ``assistance.applications``."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from accounts.models import AccessLog
from accounts.services import access_log_record
from assistance import applications as flow
from assistance.models import ApplicationDocument, Expert, Fund, Grant, HardshipApplication
from assistance.views import PayForm
from beneficiaries.models import Beneficiary
from beneficiaries.views import apply_service

S = HardshipApplication.Status
VIEW = "assistance.view_hardshipapplication"
PER_PAGE = 50
DATE = {"widget": forms.DateInput(attrs={"type": "date"})}
TEXT = {"widget": forms.Textarea(attrs={"rows": 3})}


class ApplicationForm(forms.Form):
    fund = forms.ModelChoiceField(label="基金", queryset=Fund.objects.none())
    year = forms.IntegerField(label="申请年度", min_value=2000, max_value=2100)
    submitted_on = forms.DateField(label="申请日期", **DATE)
    case = forms.ChoiceField(label="救助情形", choices=Grant.Case.choices)
    disease = forms.CharField(label="所患病种", max_length=100)
    address = forms.CharField(label="家庭住址", max_length=200)
    phone = forms.CharField(label="联系电话", max_length=30)
    family = forms.CharField(label="家庭成员情况", **TEXT)
    bank_account = forms.CharField(label="银行账号", max_length=40)
    bank_name = forms.CharField(label="开户银行名称", max_length=100)
    account_holder = forms.CharField(label="开户人姓名", max_length=50)
    reason = forms.CharField(label="申请救助理由", **TEXT)

    def __init__(self, *args, person: Beneficiary, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fund"].queryset = Fund.objects.filter(kind=Fund.Kind.GRANTS, region_id=person.village_id[:6])


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label="材料", choices=ApplicationDocument.Kind.choices)
    file = forms.FileField(label="扫描件（PDF / JPEG / PNG，10 MB 以内）")


class CheckForm(forms.Form):
    passed = forms.TypedChoiceField(label="审核结论", choices=[("1", "同意上报"), ("0", "不同意")], coerce=lambda v: v == "1")
    opinion = forms.CharField(label="乡镇民政办审核意见", **TEXT)


class PublicityForm(forms.Form):
    amount = forms.DecimalField(label="初核金额（元）", max_digits=14, decimal_places=2)
    opinion = forms.CharField(label="卫生院初核意见", **TEXT)
    publicity_from = forms.DateField(label="公示开始", **DATE)
    publicity_to = forms.DateField(label="公示结束", **DATE)


class ConflictForm(forms.Form):
    expert = forms.ModelChoiceField(label="回避的专家", queryset=Expert.objects.none())
    reason = forms.CharField(label="回避原因", max_length=200, help_text="如：申请人亲属")

    def __init__(self, *args, drawn: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expert"].queryset = Expert.objects.filter(pk__in=drawn)


class DecideForm(forms.Form):
    approved = forms.TypedChoiceField(label="评审结论", choices=[("1", "同意救助"), ("0", "不予救助")],
                                      coerce=lambda v: v == "1")
    amount = forms.DecimalField(label="核定救助金额（元）", max_digits=14, decimal_places=2, required=False)
    members = forms.CharField(label="部门成员", max_length=200, help_text="县民政局、县社会保险局、县财政局参加评审的人员")
    opinion = forms.CharField(label="评审委员会意见", **TEXT)
    decided_on = forms.DateField(label="评审日期", **DATE)


class WithdrawForm(forms.Form):
    reason = forms.CharField(label="撤回原因", max_length=200)


class CancelForm(forms.Form):
    reason = forms.CharField(label="撤销原因", max_length=200, help_text="已支付的，撤销后应追回救助金")


def _visible(user):
    return HardshipApplication.objects.visible_to(user).select_related("beneficiary__village__parent", "fund", "grant")


@permission_required(VIEW, raise_exception=True)
def application_list(request):
    applications = _visible(request.user)
    status = request.GET.get("status", "")
    if status in S.values:
        applications = applications.filter(status=status)
    page = Paginator(applications, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "assistance/application_list.html",
                  {"page": page, "status": status, "statuses": S.choices})


@permission_required(flow.SUBMIT, raise_exception=True)
def application_create(request, person_pk):
    person = get_object_or_404(Beneficiary.objects.visible_to(request.user).select_related("village"), pk=person_pk)
    today = timezone.localdate()
    household = person.household
    form = ApplicationForm(request.POST or None, person=person, initial={
        "year": today.year, "submitted_on": today, "phone": person.phone, "account_holder": person.name,
        "address": household.address if household else "", "fund": ApplicationForm(person=person)
        .fields["fund"].queryset.first()})
    if request.method == "POST" and form.is_valid():
        application = apply_service(form, lambda: flow.application_submit(user=request.user, person=person,
                                                                          **form.cleaned_data))
        if application:
            messages.success(request, f"已受理申请 #{application.pk}，请上传户口本、身份证、诊断证明、贫困证明等材料。")
            return redirect("assistance:application_detail", pk=application.pk)
    return render(request, "assistance/application_form.html", {"form": form, "person": person})


def _forms(application: HardshipApplication, user, data=None, files=None) -> dict:
    """The forms of the steps the user may take now (bound to ``data`` for the one posted)."""
    today = timezone.localdate()
    status, found = application.status, {}
    current = application.draws.filter(replaced=False).last()
    if user.has_perm(flow.SUBMIT) and status in (*flow.OPEN, S.APPROVED):
        found["document"] = DocumentForm(data, files, prefix="document")
    if user.has_perm(flow.WORK):
        if status == S.SUBMITTED:
            found["check"] = CheckForm(data, prefix="check")
        if status == S.CHECKED:
            found["publicise"] = PublicityForm(data, prefix="publicise", initial={
                "publicity_from": today, "publicity_to": today + datetime.timedelta(days=6)})
        if status in flow.OPEN:
            found["withdraw"] = WithdrawForm(data, prefix="withdraw")
    if user.has_perm(flow.REVIEW):
        if status == S.PUBLICISED:
            found["draw"] = forms.Form(data, prefix="draw")
        if status == S.REVIEWING and current:
            found["conflict"] = ConflictForm(data, prefix="conflict", drawn=current.drawn)
            found["decide"] = DecideForm(data, prefix="decide", initial={
                "decided_on": today, "amount": application.clinic_amount})
        if status == S.APPROVED:
            found["pay"] = PayForm(data, prefix="pay", initial={"paid_on": today})
        if status in (S.APPROVED, S.PAID):
            found["cancel"] = CancelForm(data, prefix="cancel")
    return found


def _act(request, application, action: str, form) -> object | None:
    data, user = form.cleaned_data, request.user
    today = timezone.localdate()
    calls = {
        "document": lambda: flow.document_add(user=user, application=application, kind=data["kind"],
                                              upload=data["file"]),
        "check": lambda: flow.application_check(user=user, application=application, **data),
        "publicise": lambda: flow.application_publicise(user=user, application=application, **data),
        "withdraw": lambda: flow.application_withdraw(user=user, application=application, **data),
        "draw": lambda: flow.committee_draw(user=user, application=application, today=today),
        "conflict": lambda: flow.committee_conflict(user=user, application=application, **data),
        "decide": lambda: flow.application_decide(user=user, application=application, **data),
        "pay": lambda: flow.application_pay(user=user, application=application, **data),
        "cancel": lambda: flow.application_cancel(user=user, application=application, **data),
    }
    return apply_service(form, calls[action])


@permission_required(VIEW, raise_exception=True)
def application_detail(request, pk):
    application = get_object_or_404(_visible(request.user), pk=pk)
    if request.method == "POST":
        action = request.POST.get("action", "")
        posted = _forms(application, request.user, request.POST, request.FILES)
        if action not in posted:
            raise PermissionDenied("该申请当前不能办理这一步，或您没有相应权限。")
        form = posted[action]
        if form.is_valid() and _act(request, application, action, form):
            messages.success(request, "已保存。")
            return redirect("assistance:application_detail", pk=application.pk)
        step_forms = {**_forms(application, request.user), action: form}
    else:
        step_forms = _forms(application, request.user)
    draws = list(application.draws.all())
    experts = Expert.objects.in_bulk({pk for draw in draws for pk in [*draw.drawn, *(e["expert"] for e in draw.excluded)]})
    return render(request, "assistance/application_detail.html", {
        "application": application, "forms": step_forms, "steps": application.steps.select_related("by"),
        "documents": application.documents.all(), "experts": experts,
        "draws": [{"draw": d, "drawn": [experts[pk] for pk in d.drawn],
                   "excluded": [(experts[e["expert"]], e["reason"]) for e in d.excluded]} for d in draws],
    })


@permission_required(VIEW, raise_exception=True)
def application_document(request, pk, document_pk):
    """A scanned document, for who works applications or may see sensitive data (the scans show ID numbers
    and bank cards)."""
    if not any(request.user.has_perm(p) for p in (flow.SUBMIT, flow.REVIEW, "accounts.view_sensitive")):
        raise PermissionDenied("您不能查看申请材料的扫描件。")
    application = get_object_or_404(_visible(request.user), pk=pk)
    document = get_object_or_404(application.documents, pk=document_pk)
    access_log_record(user=request.user, action=AccessLog.Action.VIEW_PERSON, object_id=str(application.beneficiary_id),
                      detail=f"查看困难救助申请 #{application.pk} 材料：{document.get_kind_display()}")
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404("文件已不存在。") from None
    return FileResponse(handle, as_attachment=True, filename=document.name)


@permission_required(VIEW, raise_exception=True)
def application_print(request, pk):
    """The 申请审批表 in the seed's layout, every opinion and signature line."""
    application = get_object_or_404(_visible(request.user), pk=pk)
    access_log_record(user=request.user, action=AccessLog.Action.VIEW_PERSON, object_id=str(application.beneficiary_id),
                      detail=f"打印困难救助申请审批表 #{application.pk}")
    draw = application.draws.filter(replaced=False).last()
    experts = Expert.objects.in_bulk(draw.drawn) if draw else {}
    return render(request, "assistance/application_print.html", {
        "application": application, "person": application.beneficiary,
        "experts": [experts[pk] for pk in draw.drawn] if draw else [], "printed_at": timezone.localtime()})


@permission_required(VIEW, raise_exception=True)
def publicity_list(request):
    """公示名单: the applications in publicity (or publicised in a date range), for the township notice board."""
    applications = _visible(request.user).filter(publicity_from__isnull=False).exclude(status=S.WITHDRAWN)
    day = request.GET.get("on", "")
    try:
        on = datetime.date.fromisoformat(day) if day else timezone.localdate()
    except ValueError:
        on = timezone.localdate()
    applications = applications.filter(publicity_from__lte=on, publicity_to__gte=on).order_by(
        "beneficiary__village_id", "pk")
    return render(request, "assistance/publicity_list.html", {"applications": applications, "on": on})
