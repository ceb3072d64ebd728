"""The health pages of one household (family-doctor contracts) and one person (health record, cards, classified
treatment, 两病 recognitions), and the county's list of diseases. Each form is offered only to a role that may use
it; every write goes through ``health.services``, whose refusals are shown on the form they came from."""

from __future__ import annotations

import datetime

from django.contrib.auth.decorators import permission_required
from django.db.models import OuterRef, Subquery
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import AccessLog
from accounts.services import access_log_record
from beneficiaries.models import Beneficiary, Household
from beneficiaries.pages import Action, actions_page, permitted
from health import forms, selectors, services
from health.models import Disease, DoctorContract, HealthCard, TreatmentCase, TwoDiseaseRecognition


def _a_year_from(day: datetime.date) -> datetime.date:
    """The last day of a one-year contract starting ``day``."""
    try:
        return day.replace(year=day.year + 1) - datetime.timedelta(days=1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


@permission_required("health.view_doctorcontract", raise_exception=True)
def household(request, pk):
    household = get_object_or_404(Household.objects.visible_to(request.user).select_related("head", "village"), pk=pk)
    user, today = request.user, timezone.localdate()
    contracts = selectors.household_contracts(household)
    for contract in contracts:
        contract.state = selectors.contract_state(contract, today)
    open_contracts = DoctorContract.objects.filter(household=household, ended_on__isnull=True)
    renewable, endable = open_contracts.filter(renewal__isnull=True), open_contracts.filter(ends_on__gte=today)
    card_in_use = HealthCard.objects.filter(person=OuterRef("pk"), revoked_on__isnull=True).values("number")[:1]
    members = (household.members.select_related("health_record").annotate(card=Subquery(card_in_use))
               .order_by("pk"))
    actions = permitted(user, {
        "sign": ("health.add_doctorcontract", Action(
            forms.ContractSignForm, done="已登记家庭医生签约。",
            initial={"signed_on": today, "starts_on": today, "ends_on": _a_year_from(today)},
            run=lambda data: services.contract_sign(user=user, household=household, **data))),
        "renew": ("health.add_doctorcontract", Action(
            forms.ContractRenewForm, done="已续签。", initial={"signed_on": today},
            targets=renewable, offered=renewable.exists(),
            run=lambda data: services.contract_renew(user=user, contract=data["target"], signed_on=data["signed_on"],
                                                     ends_on=data["ends_on"]))),
        "end": ("health.change_doctorcontract", Action(
            forms.ContractEndForm, done="已解约。", initial={"ended_on": today},
            targets=endable, offered=endable.exists(),
            run=lambda data: services.contract_end(user=user, contract=data["target"], ended_on=data["ended_on"],
                                                   reason=data["reason"]))),
    })
    context = {"household": household, "contracts": contracts, "members": members, "today": today,
               "history": selectors.health_history(household=household)}
    return actions_page(request, "health/household.html", context, actions)


@permission_required("health.view_healthrecord", raise_exception=True)
def person(request, pk):
    person = get_object_or_404(Beneficiary.objects.visible_to(request.user).select_related("household", "village"),
                               pk=pk)
    access_log_record(user=request.user, action=AccessLog.Action.VIEW_PERSON, object_id=str(person.pk))
    user, today = request.user, timezone.localdate()
    record = person.health_record if hasattr(person, "health_record") else None
    cards = list(person.health_cards.select_related("recorded_by").order_by("-issued_on", "-pk"))
    cases = list(person.treatment_cases.select_related("disease").order_by("-registered_on", "-pk"))
    histories = selectors.case_histories(cases)
    for case in cases:
        case.moves = histories[case.pk]
    recognitions = list(person.two_disease_recognitions.order_by("-recognised_on", "-pk"))
    in_use = [card for card in cards if card.revoked_on is None]
    actions = permitted(user, {
        "record": ("health.add_healthrecord", Action(
            forms.RecordForm, done="已建档。", offered=record is None, initial={"established_on": today},
            run=lambda data: services.record_establish(user=user, person=person, **data))),
        "card": ("health.add_healthcard", Action(
            forms.CardIssueForm, done="已发放健康卡。", offered=not in_use, initial={"issued_on": today},
            run=lambda data: services.card_issue(user=user, person=person, **data))),
        "revoke": ("health.change_healthcard", Action(
            forms.CardRevokeForm, done="健康卡已作废。", offered=bool(in_use), initial={"revoked_on": today},
            targets=HealthCard.objects.filter(person=person, revoked_on__isnull=True),
            run=lambda data: services.card_revoke(user=user, card=data["target"], revoked_on=data["revoked_on"],
                                                  reason=data["reason"]))),
        "case": ("health.add_treatmentcase", Action(
            forms.CaseRegisterForm, done="已登记分类救治。", initial={"registered_on": today},
            run=lambda data: services.treatment_register(user=user, person=person, **data))),
        "status": ("health.change_treatmentcase", Action(
            forms.CaseStatusForm, done="救治状态已更新。", initial={"on": today},
            offered=any(case.status != TreatmentCase.Status.CLOSED for case in cases),
            targets=TreatmentCase.objects.filter(person=person).exclude(status=TreatmentCase.Status.CLOSED)
            .select_related("person", "disease"),
            run=lambda data: services.treatment_set_status(
                user=user, case=data["target"], status=data["status"], on=data["on"], note=data["note"],
                institution=data["institution"]))),
        "recognise": ("health.add_twodiseaserecognition", Action(
            forms.RecogniseForm, done="已登记两病认定。", initial={"recognised_on": today},
            run=lambda data: services.two_disease_recognise(user=user, person=person, **data))),
        "withdraw": ("health.change_twodiseaserecognition", Action(
            forms.WithdrawForm, done="两病认定已撤销。", initial={"withdrawn_on": today},
            offered=any(r.withdrawn_on is None for r in recognitions),
            targets=TwoDiseaseRecognition.objects.filter(person=person, withdrawn_on__isnull=True)
            .select_related("person"),
            run=lambda data: services.two_disease_withdraw(
                user=user, recognition=data["target"], withdrawn_on=data["withdrawn_on"], reason=data["reason"]))),
    })
    context = {"person": person, "record": record, "cards": cards, "cases": cases, "recognitions": recognitions,
               "today": today, "history": selectors.health_history(person=person)}
    return actions_page(request, "health/person.html", context, actions)


@permission_required("health.view_disease", raise_exception=True)
def diseases(request):
    user = request.user
    chosen = (request.POST if request.method == "POST" else request.GET).get("edit", "")
    editing = get_object_or_404(Disease, pk=chosen) if chosen.isdigit() else None
    permission = "health.change_disease" if editing else "health.add_disease"
    initial = {name: getattr(editing, name) for name in forms.DiseaseForm.base_fields} if editing else {}
    actions = permitted(user, {"save": (permission, Action(
        forms.DiseaseForm, done="已保存病种。", initial=initial,
        run=lambda data: services.disease_save(user=user, disease=editing, **data)))})
    context = {"diseases": Disease.objects.all(), "editing": editing}
    return actions_page(request, "health/diseases.html", context, actions)
