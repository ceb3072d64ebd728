"""Writing the health records: each service checks the role and the area, applies the rules of health/rules.py
and writes in a transaction, the history table recording who changed what."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import ensure_in_area, ensure_permitted, refuse, save_as
from beneficiaries.models import Beneficiary, Category, Household, Source
from beneficiaries.services import holding_add, holding_end
from health import rules
from health.models import (
    Disease,
    DoctorContract,
    HealthCard,
    HealthRecord,
    TreatmentCase,
    TwoDiseaseRecognition,
    TwoDiseases,
)


def contract_period(contract: DoctorContract) -> rules.Period:
    return rules.Period(contract.starts_on, contract.last_day)


def contract_overlaps(period: rules.Period, contracts) -> list[str]:
    """``rules.contract_overlap`` against a household's ``contracts``."""
    return rules.contract_overlap(period, [(f"{c.doctor}，{c.clinic}", contract_period(c)) for c in contracts])


def _contract_problems(household: Household, signed_on, starts_on, ends_on) -> list[str]:
    problems = rules.contract_dates(signed_on, starts_on, ends_on, timezone.localdate())
    if problems:
        return problems
    return contract_overlaps(rules.Period(starts_on, ends_on), DoctorContract.objects.filter(household=household))


@transaction.atomic
def contract_sign(*, user: User, household: Household, team: str, doctor: str, clinic: str, package: str,
                  signed_on: datetime.date, starts_on: datetime.date, ends_on: datetime.date,
                  doctor_phone: str = "", renews: DoctorContract | None = None) -> DoctorContract:
    """A household signs with a family-doctor team; refused while another contract covers any of its days."""
    ensure_permitted(user, "health.add_doctorcontract", "登记家庭医生签约")
    ensure_in_area(user, household.village_id, str(household))
    Household.objects.select_for_update().filter(pk=household.pk).first()  # one signing per household at a time
    refuse(_contract_problems(household, signed_on, starts_on, ends_on))
    contract = DoctorContract(household=household, team=team.strip(), doctor=doctor.strip(), clinic=clinic.strip(),
                              package=package.strip(), doctor_phone=doctor_phone.strip(), signed_on=signed_on,
                              starts_on=starts_on, ends_on=ends_on, renews=renews, recorded_by=user)
    contract.full_clean()
    return save_as(contract, user)


def contract_renew(*, user: User, contract: DoctorContract, signed_on: datetime.date, ends_on: datetime.date,
                   **changes) -> DoctorContract:
    """The contract renewed (续签): a new contract from the day after it expires, the same team, doctor,
    clinic and package unless ``changes`` say otherwise."""
    if contract.ended_on is not None:
        raise ValidationError(f"该签约已于 {contract.ended_on.isoformat()} 解约，不能续签；请重新签约。")
    if DoctorContract.objects.filter(renews=contract).exists():
        raise ValidationError("该签约已经续签过。")
    terms = {name: getattr(contract, name) for name in ("team", "doctor", "clinic", "package", "doctor_phone")}
    return contract_sign(user=user, household=contract.household, signed_on=signed_on,
                         starts_on=contract.ends_on + datetime.timedelta(days=1), ends_on=ends_on, renews=contract,
                         **(terms | changes))


@transaction.atomic
def contract_end(*, user: User, contract: DoctorContract, ended_on: datetime.date, reason: str) -> DoctorContract:
    """The contract ended early (解约): it stays on record with the day and the reason."""
    ensure_permitted(user, "health.change_doctorcontract", "解除家庭医生签约")
    ensure_in_area(user, contract.household.village_id, str(contract.household))
    contract = DoctorContract.objects.select_for_update().get(pk=contract.pk)
    refuse(rules.contract_end(contract_period(contract), ended_on, contract.ended_on, reason), "ended_on")
    contract.ended_on, contract.end_reason = ended_on, reason.strip()
    return save_as(contract, user, update_fields=["ended_on", "end_reason"])


@transaction.atomic
def record_establish(*, user: User, person: Beneficiary, number: str, established_on: datetime.date,
                     institution: str = "") -> HealthRecord:
    """The person's electronic health record (建档), once."""
    ensure_permitted(user, "health.add_healthrecord", "登记健康档案")
    ensure_in_area(user, person.village_id, person.name)
    number = number.strip()
    problems = rules.not_after_today("建档日期", established_on, timezone.localdate())
    existing = HealthRecord.objects.filter(person=person).first()
    if existing is not None:
        problems.append(f"{person.name} 已于 {existing.established_on.isoformat()} 建档（档案编号 {existing.number}）。")
    if HealthRecord.objects.filter(number=number).exclude(person=person).exists():
        problems.append(f"档案编号 {number} 已用于其他人员。")
    refuse(problems)
    record = HealthRecord(person=person, number=number, established_on=established_on,
                          institution=institution.strip(), recorded_by=user)
    record.full_clean()
    return save_as(record, user)


@transaction.atomic
def card_issue(*, user: User, person: Beneficiary, number: str, issued_on: datetime.date,
               handed_over_by: str) -> HealthCard:
    """A health card handed to the person: refused while they hold one in use, or when the number was ever
    issued before."""
    ensure_permitted(user, "health.add_healthcard", "发放健康卡")
    ensure_in_area(user, person.village_id, person.name)
    Beneficiary.objects.select_for_update().filter(pk=person.pk).first()
    number = number.strip()
    problems = rules.not_after_today("发放日期", issued_on, timezone.localdate())
    in_use = HealthCard.objects.filter(person=person, revoked_on__isnull=True).first()
    if in_use is not None:
        problems.append(f"{person.name} 已于 {in_use.issued_on.isoformat()} 领取健康卡 {in_use.number}；"
                        f"遗失或损坏请先作废原卡再补发。")
    issued = HealthCard.objects.filter(number=number).select_related("person").first()
    if issued is not None:
        problems.append(f"卡号 {number} 已于 {issued.issued_on.isoformat()} 发放给 {issued.person.name}，不能重复发放。")
    if not handed_over_by.strip():
        problems.append("请填写发放人。")
    refuse(problems)
    card = HealthCard(person=person, number=number, issued_on=issued_on, handed_over_by=handed_over_by.strip(),
                      recorded_by=user)
    card.full_clean(validate_constraints=False)  # the checks above say it in words
    return save_as(card, user)


@transaction.atomic
def card_revoke(*, user: User, card: HealthCard, revoked_on: datetime.date, reason: str) -> HealthCard:
    ensure_permitted(user, "health.change_healthcard", "作废健康卡")
    ensure_in_area(user, card.person.village_id, card.person.name)
    card = HealthCard.objects.select_for_update().get(pk=card.pk)
    problems = rules.not_after_today("作废日期", revoked_on, timezone.localdate())
    if card.revoked_on is not None:
        problems.append(f"健康卡 {card.number} 已于 {card.revoked_on.isoformat()} 作废。")
    if revoked_on < card.issued_on:
        problems.append(f"作废日期早于发放日期 {card.issued_on.isoformat()}。")
    if not reason.strip():
        problems.append("请填写作废原因（遗失、损坏……）。")
    refuse(problems, "revoked_on")
    card.revoked_on, card.revoke_reason = revoked_on, reason.strip()
    return save_as(card, user, update_fields=["revoked_on", "revoke_reason"])


@transaction.atomic
def treatment_register(*, user: User, person: Beneficiary, disease: Disease, treatment_class: str, institution: str,
                       registered_on: datetime.date, note: str = "") -> TreatmentCase:
    """A patient enters classified treatment (分类救治) for a disease: one open case per disease."""
    ensure_permitted(user, "health.add_treatmentcase", "登记分类救治")
    ensure_in_area(user, person.village_id, person.name)
    Beneficiary.objects.select_for_update().filter(pk=person.pk).first()
    problems = rules.not_after_today("登记日期", registered_on, timezone.localdate())
    if not disease.active:
        problems.append(f"病种“{disease.name}”已停用。")
    open_case = TreatmentCase.objects.filter(
        person=person, disease=disease, status__in=[TreatmentCase.Status.PENDING, TreatmentCase.Status.TREATING]
    ).first()
    if open_case is not None:
        problems.append(f"{person.name} 的“{disease.name}”已在救治名单中（{open_case.get_status_display()}，"
                        f"{open_case.registered_on.isoformat()} 登记）。")
    refuse(problems)
    case = TreatmentCase(person=person, disease=disease, treatment_class=treatment_class,
                         institution=institution.strip(), registered_on=registered_on, status_on=registered_on,
                         note=note.strip(), recorded_by=user)
    case.full_clean(validate_constraints=False)
    return save_as(case, user)


@transaction.atomic
def treatment_set_status(*, user: User, case: TreatmentCase, status: str, on: datetime.date, note: str = "",
                         institution: str = "") -> TreatmentCase:
    """The case moves on (救治中、已救治、已终止); each move is a row of its history with the day and the note."""
    ensure_permitted(user, "health.change_treatmentcase", "更新分类救治状态")
    ensure_in_area(user, case.person.village_id, case.person.name)
    case = TreatmentCase.objects.select_for_update().get(pk=case.pk)
    labels = dict(TreatmentCase.Status.choices)
    problems = rules.case_move(case.status, status, case.status_on, on, labels)
    problems += rules.not_after_today("状态日期", on, timezone.localdate())
    if status == TreatmentCase.Status.TREATING and case.status == TreatmentCase.Status.TREATED and (
            TreatmentCase.objects.filter(person=case.person, disease=case.disease,
                                         status__in=[TreatmentCase.Status.PENDING, TreatmentCase.Status.TREATING])
            .exists()):
        problems.append("该病种已有另一条未结束的救治。")
    refuse(problems, "status")
    case.status, case.status_on, case.note = status, on, note.strip()
    if institution.strip():
        case.institution = institution.strip()
    return save_as(case, user, update_fields=["status", "status_on", "note", "institution"])


@transaction.atomic
def two_disease_recognise(*, user: User, person: Beneficiary, disease: str, recognised_on: datetime.date,
                          recognised_by: str, evidence: str) -> TwoDiseaseRecognition:
    """A 两病 patient recognised (简化认定): the person holds the disease's category from that day on, which the
    policy's ``categories`` test like any other."""
    ensure_permitted(user, "health.add_twodiseaserecognition", "登记两病认定")
    ensure_in_area(user, person.village_id, person.name)
    Beneficiary.objects.select_for_update().filter(pk=person.pk).first()
    label = TwoDiseases(disease).label
    problems = rules.not_after_today("认定日期", recognised_on, timezone.localdate())
    if TwoDiseaseRecognition.objects.filter(person=person, disease=disease, withdrawn_on__isnull=True).exists():
        problems.append(f"{person.name} 已认定为{label}患者。")
    if not recognised_by.strip():
        problems.append("请填写认定医生或机构。")
    if not evidence.strip():
        problems.append("请填写认定依据。")
    refuse(problems)
    holding = holding_add(user=user, person=person, category=Category.objects.get(code=disease),
                          start=recognised_on, source=Source.HEALTH, note=f"两病认定：{recognised_by.strip()}")
    recognition = TwoDiseaseRecognition(person=person, disease=disease, recognised_on=recognised_on,
                                        recognised_by=recognised_by.strip(), evidence=evidence.strip(),
                                        holding=holding, recorded_by=user)
    return save_as(recognition, user)


@transaction.atomic
def two_disease_withdraw(*, user: User, recognition: TwoDiseaseRecognition, withdrawn_on: datetime.date,
                         reason: str) -> TwoDiseaseRecognition:
    """A recognition withdrawn (撤销): the category ends that day, the recognition stays on record."""
    ensure_permitted(user, "health.change_twodiseaserecognition", "撤销两病认定")
    person = recognition.person
    ensure_in_area(user, person.village_id, person.name)
    recognition = TwoDiseaseRecognition.objects.select_for_update().get(pk=recognition.pk)
    problems = []
    if recognition.withdrawn_on is not None:
        problems.append(f"该认定已于 {recognition.withdrawn_on.isoformat()} 撤销。")
    if withdrawn_on < recognition.recognised_on - datetime.timedelta(days=1):
        problems.append(f"撤销日期早于认定日期 {recognition.recognised_on.isoformat()}。")
    if not reason.strip():
        problems.append("请填写撤销原因。")
    refuse(problems, "withdrawn_on")
    holding_end(user=user, holding=recognition.holding, end=withdrawn_on, note=f"两病认定撤销：{reason.strip()}")
    recognition.withdrawn_on, recognition.withdraw_reason = withdrawn_on, reason.strip()
    return save_as(recognition, user, update_fields=["withdrawn_on", "withdraw_reason"])


@transaction.atomic
def disease_save(*, user: User, disease: Disease | None = None, code: str, name: str, kind: str, special: bool,
                 icd_codes: str = "", active: bool = True, order: int = 100) -> Disease:
    """The county's list of diseases treated by class: an administrator adds one or changes it (a disease in use
    is stopped — 停用 — rather than removed, since its cases name it)."""
    if disease is None:
        ensure_permitted(user, "health.add_disease", "添加救治病种")
        disease = Disease()
    else:
        ensure_permitted(user, "health.change_disease", "修改救治病种")
        disease = Disease.objects.select_for_update().get(pk=disease.pk)
    disease.code, disease.name, disease.kind = code.strip(), name.strip(), kind
    disease.special, disease.icd_codes, disease.active, disease.order = special, " ".join(icd_codes.split()), active, order
    disease.full_clean()
    return save_as(disease, user)
