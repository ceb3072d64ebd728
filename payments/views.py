"""Payables and payment batches in the browser: the month's payables by hospital with each statement to
download, the batches of the user's area, and a new batch: preview (nothing written) → confirm. Every read
and write goes through ``payments.selectors`` and ``payments.services``."""

from __future__ import annotations

import datetime
import io

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import BadRequest, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from beneficiaries.views import apply_service
from config.periods import Period, PeriodError, month_period, parse_month
from payments import selectors, services
from payments.exports import statement_write
from payments.forms import BatchConfirmForm, BatchForm
from payments.models import BatchLine
from policies.document import FUNDS

VIEW = selectors.VIEW_PERMISSION
PAY = services.PERMISSION
PER_PAGE = 50


def _previous_month(today: datetime.date) -> Period:
    last = today.replace(day=1) - datetime.timedelta(days=1)
    return month_period(last.year, last.month)


def _period(request) -> Period:
    text = request.GET.get("month", "")
    if not text:
        return _previous_month(timezone.localdate())
    try:
        return parse_month(text)
    except PeriodError as exc:
        raise BadRequest(str(exc)) from None


def _fund_rows(items):
    """Each item with its amounts in the order of the funds' columns (templates cannot index a dict)."""
    return [(item, [item.by_fund[fund] for fund in FUNDS]) for item in items]


@permission_required(VIEW, raise_exception=True)
def payables(request):
    period = _period(request)
    data = selectors.payables_for(user=request.user, period=period)
    return render(request, "payments/payables.html", {
        "payables": data, "rows": _fund_rows(data.hospitals), "totals": [data.by_fund[f] for f in FUNDS],
        "funds": FUNDS.values(), "month": data.month, "can_pay": request.user.has_perm(PAY),
    })


@permission_required(VIEW, raise_exception=True)
def statement(request):
    """The statement workbook of the month: one hospital's (``?hospital=`` code or name) or every hospital's."""
    period = _period(request)
    key = request.GET.get("hospital", "")
    hospital = None
    if key:
        try:
            hospital = selectors.hospital_find(key)
        except ValidationError as exc:
            raise Http404("；".join(exc.messages)) from None
    data = selectors.payables_for(user=request.user, period=period, hospital=hospital)
    buffer = io.BytesIO()
    statement_write(user=request.user, payables=data, path=buffer)
    buffer.seek(0)
    who = hospital.name if hospital is not None else "全部医疗机构"
    return FileResponse(buffer, as_attachment=True, filename=f"应付款对账单-{data.month}-{who}.xlsx")


@permission_required(VIEW, raise_exception=True)
def batch_list(request):
    page = Paginator(selectors.batches_visible(request.user), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "payments/batch_list.html", {"page": page, "can_pay": request.user.has_perm(PAY)})


@permission_required(VIEW, raise_exception=True)
def batch_detail(request, pk):
    batch = get_object_or_404(selectors.batches_visible(request.user), pk=pk)
    lines = selectors.batch_lines_visible(request.user, batch)
    summary = selectors.batch_summary(lines)
    page = Paginator(lines, PER_PAGE).get_page(request.GET.get("page"))
    whole = batch.area_code.startswith(request.user.area_prefix)
    return render(request, "payments/batch_detail.html", {
        "batch": batch, "page": page, "summary": _fund_rows(summary), "funds": FUNDS.values(),
        "totals": [sum((row.by_fund[f] for row in summary), selectors.ZERO) for f in FUNDS],
        "total": sum((row.total for row in summary), selectors.ZERO), "whole": whole,
    })


def _plan_context(plan: services.BatchPlan) -> dict:
    summary = selectors.summary_rows((line.hospital_id, line.fund, line.kind, line.amount) for line in plan.lines)
    kinds = [(label, plan.count_of(kind), plan.amount_of(kind)) for kind, label in BatchLine.Kind.choices]
    return {"plan": plan, "summary": _fund_rows(summary), "kinds": kinds, "funds": FUNDS.values()}


@permission_required(PAY, raise_exception=True)
def batch_new(request):
    """Preview a batch (what it would pay, nothing written), then confirm it; a plan that changed between the
    two is refused and shown again as it now stands, to be confirmed anew."""
    today = timezone.localdate()
    form = BatchForm(request.POST or None, initial={"through": _previous_month(today).last, "paid_on": today})
    context: dict = {"form": form}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        preview = True
        if request.POST.get("confirm"):
            confirm = BatchConfirmForm(request.POST)
            if not confirm.is_valid():
                form.add_error(None, "确认的内容不完整，请重新预览。")
            else:
                try:
                    batch = services.batch_create(
                        user=request.user, through=data["through"], paid_on=data["paid_on"], area=data["area"],
                        hospital=data["hospital"], note=data["note"],
                        expected=(confirm.cleaned_data["expected_lines"], confirm.cleaned_data["expected_total"]))
                except ValidationError as exc:
                    form.add_error(None, exc)
                    preview = exc.code in ("plan_changed", "concurrent_batch")
                else:
                    if batch is None:
                        messages.info(request, "没有待拨付的账单，也没有待结算的补付/追回，未生成批次。")
                        return redirect("payments:batch_list")
                    messages.success(request, f"已生成拨付批次 {batch.number}：拨付 {batch.bills} 张账单，"
                                              f"合计 ¥{batch.total:,.2f}。")
                    return redirect("payments:batch_detail", pk=batch.pk)
        if preview:
            plan = apply_service(form, lambda: services.batch_plan(
                user=request.user, through=data["through"], area=data["area"], hospital=data["hospital"],
                paid_on=data["paid_on"]))
            if plan is not None:
                context.update(_plan_context(plan))
    return render(request, "payments/batch_new.html", context)
