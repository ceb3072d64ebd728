from __future__ import annotations

import datetime
import io

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import BadRequest, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from accounts.models import AccessLog
from accounts.services import access_log_record
from beneficiaries.selectors import beneficiaries_visible
from beneficiaries.views import apply_service
from claims import exports, selectors, services
from claims.bill_search import BillSearchForm, DayTallyForm
from claims.forms import AdjustmentPeriodForm, ClaimForm, HospitalPlacesForm, ImportForm, VoidForm
from claims.imports import claims_import
from claims.models import Claim
from claims.uploads import ImportUpload
from policies import engine
from policies.selectors import parsed_policy
from spreadsheets.errors import SpreadsheetError


def _bill(form: ClaimForm, version) -> services.BillFacts:
    cleaned = form.cleaned_data
    hospital = cleaned["hospital"]
    return services.BillFacts(
        hospital=hospital, visit_type=cleaned["visit_type"], admitted_on=cleaned["admitted_on"],
        discharged_on=cleaned["discharged_on"], total=cleaned["total"], in_catalog=cleaned["in_catalog"],
        diagnoses=cleaned["diagnoses"], pay_later=cleaned["pay_later"], referred=cleaned["referred"],
        admission_number=cleaned["admission_number"].strip(), invoice_number=cleaned["invoice_number"].strip(),
        recorded=services.recorded_layers(version, cleaned["visit_type"], hospital.level, form.recorded_by_fund()),
    )


def _preview(person, form: ClaimForm) -> dict:
    """Everything the form shows beside the amounts: the person's facts on the bill's date and the settlement."""
    valid = form.is_bound and form.is_valid()
    day = form.cleaned_data.get("discharged_on") if form.is_bound else None
    context = {"day": day, "facts": None, "settlement": None, "error": None, "duplicates": []}
    if day is None:
        return context
    facts = services.person_year_facts(person, day.year)
    context["facts"] = {"categories": sorted(facts.categories_on(day)), "insurances": sorted(facts.insurances)}
    if not valid:
        # Say why nothing is computed, unless the clerk has not reached the amounts yet.
        if form.cleaned_data.get("hospital") and "total" in form.data and form.data.get("total"):
            context["error"] = [f"{form.fields[name].label}：{message}" if name in form.fields else message
                                for name, messages_ in form.errors.items() for message in messages_]
        return context
    try:
        version = services.policy_version_for(person, day.year)
        bill = _bill(form, version)
        claim = Claim(beneficiary=person, hospital=bill.hospital, visit_type=bill.visit_type, discharged_on=day,
                      diagnoses=list(bill.diagnoses), total=bill.total, in_catalog=bill.in_catalog,
                      referred=bill.referred, recorded={k: str(v) for k, v in bill.recorded.items()})
        policy = parsed_policy(version)
        context["settlement"], _ = engine.settle_claim(
            policy, services.claim_input(claim, facts), selectors.year_to_date_before(person, day),
            hospital_names=selectors.hospital_names(policy),
        )
        context["version"] = version
        context["duplicates"] = services.claim_duplicates(person=person, bill=bill)
    except ValidationError as exc:
        context["error"] = exc.messages
    except engine.ClaimError as exc:
        context["error"] = [issue.message for issue in exc.errors]
    return context


@permission_required("claims.add_claim", raise_exception=True)
def claim_create(request, person_pk):
    person = get_object_or_404(beneficiaries_visible(request.user), pk=person_pk)
    form = ClaimForm(request.POST or None, initial=ClaimForm.initial_for(request.user, timezone.localdate()))
    if request.headers.get("HX-Request"):
        return render(request, "claims/_preview.html", {"person": person, **_preview(person, form)})
    if request.method == "POST" and form.is_valid():
        def settle():
            version = services.policy_version_for(person, form.cleaned_data["discharged_on"].year)
            return services.claim_settle(
                user=request.user, person=person, bill=_bill(form, version),
                submission=form.cleaned_data["submission"], allow_duplicate=form.cleaned_data["allow_duplicate"],
            )

        outcome = apply_service(form, settle)
        if outcome:
            if outcome.resettled:
                messages.warning(request, f"该人员同年度后续 {len(outcome.resettled)} 张账单已按顺序重新结算，见下方变动。")
            request.session["last_changes"] = [
                c.as_dict(named=True) for c in outcome.changes if c.claim != outcome.claim.pk
            ]
            return redirect("claim_detail", pk=outcome.claim.pk)
    context = {"person": person, "form": form, **_preview(person, form)}
    return render(request, "claims/claim_form.html", context)


def claim_detail(request, pk):
    claim = get_object_or_404(selectors.claims_visible(request.user), pk=pk)
    settlements = claim.settlements.select_related("policy_version__policy", "settled_by").prefetch_related("payments")
    current = next((s for s in settlements if s.superseded_at is None), None)
    context = {
        "claim": claim,
        "settlement": current,
        "history": [s for s in settlements if s.superseded_at is not None],
        "adjustments": claim.adjustments.all(),
        "changes": request.session.pop("last_changes", []),
        "void_form": VoidForm(),
    }
    return render(request, "claims/claim_detail.html", context)


def claim_slip(request, pk):
    """一单制结算单: the printable settlement slip."""
    claim = get_object_or_404(
        selectors.claims_visible(request.user).select_related("beneficiary__village", "hospital", "entered_by"), pk=pk
    )
    settlement = claim.settlements.filter(superseded_at__isnull=True).select_related(
        "policy_version__policy").prefetch_related("payments").first()
    payments = list(settlement.payments.all()) if settlement else []
    paper = request.GET.get("paper") if request.GET.get("paper") in ("A4", "A5") else "A4"
    return render(request, "claims/slip.html", {
        "claim": claim, "settlement": settlement, "paper": paper, "printed_at": timezone.localtime(),
        "paid": [p for p in payments if p.amount], "unpaid": [p for p in payments if not p.amount],
    })


@permission_required("claims.change_claim", raise_exception=True)
def claim_void(request, pk):
    claim = get_object_or_404(selectors.claims_visible(request.user), pk=pk)
    form = VoidForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcome = apply_service(
            form, lambda: services.claim_void(user=request.user, claim=claim, reason=form.cleaned_data["reason"])
        )
        if outcome:
            messages.success(request, f"账单已作废；同年度后续 {len(outcome.resettled)} 张账单已重新结算。")
            request.session["last_changes"] = [c.as_dict(named=True) for c in outcome.changes]
            return redirect("claim_detail", pk=claim.pk)
    return render(request, "claims/claim_void.html", {"claim": claim, "form": form})


def adjustment_list(request):
    period = AdjustmentPeriodForm(request.GET)
    if not period.is_valid():
        raise BadRequest(period.refusal())
    first, last = period.cleaned_data["first"], period.cleaned_data["last"]
    adjustments = selectors.adjustments_visible(request.user)
    if first:
        adjustments = adjustments.filter(created_at__date__gte=first)
    if last:
        adjustments = adjustments.filter(created_at__date__lte=last)
    if request.GET.get("format") == "xlsx":
        rows = list(adjustments)
        access_log_record(user=request.user, action=AccessLog.Action.EXPORT,
                          detail=f"补付/追回清单 {first or ''}~{last or ''}", rows=len(rows))
        return FileResponse(exports.adjustments_workbook(rows, request.user), as_attachment=True,
                            filename=f"补付追回清单-{datetime.date.today():%Y%m%d}.xlsx")
    page = Paginator(adjustments, 50).get_page(request.GET.get("page"))
    context = {"page": page, "first": first.isoformat() if first else "", "last": last.isoformat() if last else ""}
    return render(request, "claims/adjustment_list.html", context)


@permission_required("claims.add_claim", raise_exception=True)
def claim_import(request):
    """Upload a settlement list → preview (nothing written) → confirm, which applies the same file."""
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and request.POST.get("confirm"):
        upload = ImportUpload.take(request)
        if upload is None:
            messages.error(request, "预览已过期，请重新上传文件。")
            return redirect("claim_import")
        report = apply_import(request, upload, apply=True)
        if report and report.applied:
            voided = f"作废医保平台撤销结算的账单 {report.voided} 张，" if report.voided else ""
            created = (f"新建医疗机构 {len(report.hospitals_created)} 家，待管理员分类（县域内/县域外），"
                       "分类前按县域外结算。" if report.hospitals_created else "")
            messages.success(request, f"已导入并结算 {report.settled} 张账单，{voided}"
                                      f"跳过已导入 {report.skipped} 张。{created}")
            return redirect("claim_import")
    elif request.method == "POST" and form.is_valid():
        upload = ImportUpload.read(form.cleaned_data["file"])
        report = apply_import(request, upload, apply=False)
        if report is not None and not report.errors:
            upload.keep(request)  # for the confirmation
    return render(request, "claims/import.html", {"form": form, "report": report})


@permission_required("claims.accept_hospital", raise_exception=True)
def hospital_classify(request):
    """待分类医疗机构: the hospitals first named in an import, each given its place (县域内 / 县域外) by an
    administrator in one form; a change of 县域内 settles the hospital's bills again (services.hospital_classify)."""
    user = request.user
    form = HospitalPlacesForm(request.POST or None, hospitals=selectors.hospitals_unclassified(user),
                              townships=selectors.township_choices(user))
    if request.method == "POST" and form.is_valid():
        done = apply_service(form, lambda: services.hospitals_classify(user=user, places=form.places()))
        if done:
            moved = [outcome for outcome in done if outcome.moved]
            resettled = (f"其中 {len(moved)} 家改为县域内，其账单已重新结算："
                         f"{sum(o.person_years for o in moved)} 个人员年度，"
                         f"{sum(len(o.changes) for o in moved)} 笔支付变动。" if moved else "")
            messages.success(request, f"已分类 {len(done)} 家医疗机构。{resettled}")
            return redirect("hospital_classify")
    return render(request, "claims/hospital_classify.html", {"form": form})


def apply_import(request, upload, apply: bool):
    try:
        return claims_import(user=request.user, content=upload.content, filename=upload.name, apply=apply)
    except SpreadsheetError as exc:
        messages.error(request, str(exc))
        return None


@permission_required("claims.view_claim", raise_exception=True)
def bill_list(request):
    """账单: the area's bills by date (entered, by default today's: 今日账单), hospital, township, status,
    person and clerk, each with its slip to print again."""
    form = BillSearchForm(request.GET, request.user)
    if not form.is_valid():
        raise BadRequest(form.refusal())
    bills = selectors.bills_found(request.user, form.bill_filter())
    page = Paginator(bills, 50).get_page(request.GET.get("page"))
    return render(request, "claims/bill_list.html", {
        "form": form, "page": page, "sums": selectors.bill_sums(bills), "today_only": form.today_only,
        "today": timezone.localdate(),
    })


def _day_tally(request) -> tuple[selectors.DayTally, str, DayTallyForm]:
    form = DayTallyForm(request.GET, request.user)
    if not form.is_valid():
        raise BadRequest(form.refusal())
    township = form.cleaned_data["township"]
    tally = selectors.day_tally(request.user, day=form.cleaned_data["date"], area=township,
                                clerk=form.cleaned_data["clerk"])
    return tally, selectors.area_name(request.user, township), form


@permission_required("claims.view_claim", raise_exception=True)
def day_tally(request):
    """日结: a day's bills of the area per clerk, with totals by fund; ``format=xlsx`` downloads it."""
    tally, area_name, form = _day_tally(request)
    if request.GET.get("format") == "xlsx":
        buffer = io.BytesIO()
        exports.day_tally_write(user=request.user, tally=tally, area_name=area_name, target=buffer)
        buffer.seek(0)
        return FileResponse(buffer, as_attachment=True, filename=f"日结-{area_name}-{tally.day:%Y%m%d}.xlsx")
    return render(request, "claims/day_tally.html", {"tally": tally, "area_name": area_name, "form": form})


@permission_required("claims.view_claim", raise_exception=True)
def day_tally_print(request):
    """The 日结 as printed for signing (A4)."""
    tally, area_name, _form = _day_tally(request)
    return render(request, "claims/day_tally_print.html", {
        "tally": tally, "area_name": area_name, "printed_at": timezone.localtime(),
    })
