"""The hardship fund's applications (卫生医疗困难救助, seed 004 附件6), step by step:

受理 (the township 民政办 takes the application with its 申请审批表 fields and scanned documents) → 乡镇审核 →
卫生院初核并公示 (a preliminary amount and the publicity dates) → 评审 (after the publicity: three experts drawn
at random from the county's pool, with the 民政 / 社保 / 财政 members; a declared conflict excludes an expert and
the draw is repeated, both recorded) → 核准 (the decision and amount: a grant decided within the fund's limits)
or 未通过 → 支付 (the grant paid into the bank account: the burden falls and the alert moves). An approval found
wrong is cancelled (核准后撤销), its grant voided with it.

Every step is one transaction on the locked application that checks the status it starts from, so of two
officials acting at once one wins and the other is told who did what; each step is an ``ApplicationStep``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import ensure_in_area, ensure_permitted
from assistance import committee
from assistance.models import (
    ApplicationDocument,
    ApplicationStep,
    CommitteeDraw,
    Expert,
    Fund,
    Grant,
    HardshipApplication,
)
from assistance.services import grant_decide, grant_pay, grant_void, yuan_text
from beneficiaries.models import Beneficiary
from claims.services import lock_person_year

S = HardshipApplication.Status
SUBMIT = "assistance.add_hardshipapplication"
WORK = "assistance.change_hardshipapplication"
REVIEW = "assistance.review_application"
OPEN = (S.SUBMITTED, S.CHECKED, S.PUBLICISED, S.REVIEWING)
DOCUMENT_TYPES = {b"%PDF": "PDF", b"\xff\xd8\xff": "JPEG", b"\x89PNG": "PNG"}
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024


def _step(application: HardshipApplication, user: User, before: str, note: str) -> ApplicationStep:
    application._history_user = user
    application.save()
    return ApplicationStep.objects.create(application=application, status_before=before,
                                          status_after=application.status, note=note.strip(), by=user)


def _locked(application: HardshipApplication, user: User, permission: str, action: str,
            expected: tuple[str, ...]) -> HardshipApplication:
    """The application locked for this step, refused unless the user may and it stands where the step starts."""
    ensure_permitted(user, permission, action)
    ensure_in_area(user, application.beneficiary.village_id, application.beneficiary.name)
    locked = HardshipApplication.objects.select_for_update().select_related("beneficiary", "fund").get(
        pk=application.pk)
    if locked.status not in expected:
        last = locked.steps.select_related("by").last()
        who = f"（{last.by.get_full_name() or last.by.username} 于 {timezone.localtime(last.at):%Y-%m-%d %H:%M}）" \
            if last else ""
        raise ValidationError(f"申请 #{locked.pk} 当前为“{locked.get_status_display()}”{who}，不能{action}。",
                              code="wrong_status")
    return locked


def _required(**texts: str) -> None:
    missing = {name: "不能为空。" for name, text in texts.items() if not str(text or "").strip()}
    if missing:
        raise ValidationError(missing, code="required")


@transaction.atomic
def application_submit(*, user: User, person: Beneficiary, fund: Fund, year: int, submitted_on: datetime.date,
                       address: str, phone: str, disease: str, case: str, family: str, bank_account: str,
                       bank_name: str, account_holder: str, reason: str) -> HardshipApplication:
    """受理: the township takes an application; at most the fund's number of applications per person-year."""
    ensure_permitted(user, SUBMIT, "受理卫生医疗困难救助申请")
    ensure_in_area(user, person.village_id, person.name)
    _required(address=address, phone=phone, disease=disease, family=family, bank_account=bank_account,
              bank_name=bank_name, account_holder=account_holder, reason=reason)
    errors: dict[str, list[str]] = {}
    if case not in Grant.Case.values:
        errors["case"] = [f"请选择救助情形：{'、'.join(Grant.Case.labels)}。"]
    if fund.kind != Fund.Kind.GRANTS or not person.village_id.startswith(fund.region_id):
        errors["fund"] = [f"“{fund.name}”不受理 {person.name} 的申请（应为本区县的救助金基金）。"]
    if not person.active_on(submitted_on):
        errors["submitted_on"] = [
            f"{person.name}已于 {person.status_date:%Y-%m-%d} {person.get_status_display()}，不能申请救助。"]
    if errors:
        raise ValidationError(errors, code="bad_application")
    lock_person_year(person.pk, year)  # the count below holds until this transaction ends
    earlier = list(HardshipApplication.objects.filter(beneficiary=person, fund=fund, year=year)
                   .exclude(status=S.WITHDRAWN).values_list("pk", flat=True))
    if fund.grants_per_year is not None and len(earlier) >= fund.grants_per_year:
        listed = "、".join(f"#{pk}" for pk in earlier)
        raise ValidationError(f"每人每年申报不得超过 {fund.grants_per_year} 次：{person.name} {year} 年已申报 "
                              f"{len(earlier)} 次（{listed}）。", code="too_many_applications")
    application = HardshipApplication(
        beneficiary=person, fund=fund, year=year, submitted_on=submitted_on, address=address.strip(),
        phone=phone.strip(), disease=disease.strip(), case=case, family=family.strip(),
        bank_account=bank_account.strip(), bank_name=bank_name.strip(), account_holder=account_holder.strip(),
        reason=reason.strip(), created_by=user)
    _step(application, user, "", "乡镇民政办受理申请")
    return application


@transaction.atomic
def document_add(*, user: User, application: HardshipApplication, kind: str, upload: UploadedFile
                 ) -> ApplicationDocument:
    """Keep a scanned document with the application: PDF, JPEG or PNG, at most 10 MB."""
    _locked(application, user, SUBMIT, "上传申请材料", (*OPEN, S.APPROVED))
    if kind not in ApplicationDocument.Kind.values:
        raise ValidationError({"kind": "请选择材料类型。"}, code="bad_kind")
    if upload.size > DOCUMENT_MAX_BYTES:
        raise ValidationError({"file": f"“{upload.name}”超过 10 MB，请压缩后上传。"}, code="too_large")
    head = upload.read(4)
    upload.seek(0)
    if not any(head.startswith(magic) for magic in DOCUMENT_TYPES):
        raise ValidationError({"file": f"“{upload.name}”不是 PDF、JPEG 或 PNG 文件。"}, code="bad_type")
    return ApplicationDocument.objects.create(application=application, kind=kind, file=upload,
                                              name=upload.name[:200], uploaded_by=user)


@transaction.atomic
def application_check(*, user: User, application: HardshipApplication, passed: bool, opinion: str
                      ) -> HardshipApplication:
    """乡镇审核: the township's opinion; passed on to the clinic, or not passed."""
    _required(opinion=opinion)
    application = _locked(application, user, WORK, "乡镇审核", (S.SUBMITTED,))
    before = application.status
    application.township_opinion = opinion.strip()
    application.status = S.CHECKED if passed else S.REJECTED
    _step(application, user, before, f"乡镇审核{'通过' if passed else '未通过'}：{opinion}")
    return application


@transaction.atomic
def application_publicise(*, user: User, application: HardshipApplication, amount: Decimal, opinion: str,
                          publicity_from: datetime.date, publicity_to: datetime.date) -> HardshipApplication:
    """卫生院初核并公示: the preliminary amount (within the case's cap) and the publicity period."""
    _required(opinion=opinion)
    application = _locked(application, user, WORK, "初核公示", (S.CHECKED,))
    fund, errors = application.fund, {}
    cap = fund.cap_for(application.case)
    if amount is None or amount <= 0:
        errors["amount"] = ["初核金额应大于 0。"]
    elif cap is not None and amount > cap:
        errors["amount"] = [f"“{application.get_case_display()}”每次救助不超过 {yuan_text(cap)}。"]
    if publicity_to < publicity_from:
        errors["publicity_to"] = ["公示结束日期不能早于开始日期。"]
    if publicity_from < application.submitted_on:
        errors["publicity_from"] = [f"公示不能早于申请日期 {application.submitted_on:%Y-%m-%d}。"]
    if errors:
        raise ValidationError(errors, code="bad_publicity")
    before = application.status
    application.clinic_amount, application.clinic_opinion = amount, opinion.strip()
    application.publicity_from, application.publicity_to = publicity_from, publicity_to
    application.status = S.PUBLICISED
    _step(application, user, before, f"初核 {yuan_text(amount)}，公示 {publicity_from:%Y-%m-%d} 至 {publicity_to:%Y-%m-%d}："
                                     f"{opinion}")
    return application


def _pool(application: HardshipApplication, excluded: list[dict]) -> list[int]:
    out = {entry["expert"] for entry in excluded}
    return [pk for pk in Expert.objects.filter(region=application.fund.region, active=True).order_by("pk")
            .values_list("pk", flat=True) if pk not in out]


def _draw(application: HardshipApplication, user: User, excluded: list[dict], seed: str | None) -> CommitteeDraw:
    pool = _pool(application, excluded)
    seed = seed or committee.new_seed()
    try:
        drawn = committee.draw(pool, seed)
    except committee.PoolTooSmall as exc:
        raise ValidationError(str(exc), code="pool_too_small") from None
    return CommitteeDraw.objects.create(application=application, seed=seed, pool=pool, excluded=excluded,
                                        drawn=drawn, by=user)


def _names(ids: list[int]) -> str:
    experts = Expert.objects.in_bulk(ids)
    return "、".join(experts[pk].name for pk in ids)


@transaction.atomic
def committee_draw(*, user: User, application: HardshipApplication, today: datetime.date,
                   seed: str | None = None) -> CommitteeDraw:
    """评审: after the publicity, draw three experts at random from the county's pool (the seed recorded)."""
    application = _locked(application, user, REVIEW, "抽取评审专家", (S.PUBLICISED,))
    if today <= application.publicity_to:
        raise ValidationError(f"公示期至 {application.publicity_to:%Y-%m-%d}，公示结束后才能评审。",
                              code="publicity_running")
    draw = _draw(application, user, [], seed)
    before = application.status
    application.status = S.REVIEWING
    _step(application, user, before, f"随机抽取评审专家：{_names(draw.drawn)}（种子 {draw.seed}）")
    return draw


@transaction.atomic
def committee_conflict(*, user: User, application: HardshipApplication, expert: Expert, reason: str
                       ) -> CommitteeDraw:
    """A drawn expert declares a conflict (the applicant's relative …): excluded, and the draw is repeated with a
    new seed; the earlier draw is kept, marked replaced."""
    _required(reason=reason)
    application = _locked(application, user, REVIEW, "登记专家回避", (S.REVIEWING,))
    current = application.draws.filter(replaced=False).last()
    if current is None or expert.pk not in current.drawn:
        raise ValidationError(f"{expert.name}不在本次抽中的专家中。", code="not_drawn")
    current.replaced = True
    current.save(update_fields=["replaced"])
    draw = _draw(application, user, [*current.excluded, {"expert": expert.pk, "reason": reason.strip()}], None)
    _step(application, user, application.status,
          f"{expert.name}回避（{reason.strip()}），重新抽取：{_names(draw.drawn)}（种子 {draw.seed}）")
    return draw


@transaction.atomic
def application_decide(*, user: User, application: HardshipApplication, approved: bool, amount: Decimal | None,
                       opinion: str, members: str, decided_on: datetime.date) -> HardshipApplication:
    """核准 or 未通过: the committee's opinion; an approval decides the grant within the fund's limits
    (``grant_decide``: per person-year times and amount, the case's cap, the fund's remaining total)."""
    _required(opinion=opinion, members=members)
    application = _locked(application, user, REVIEW, "评审核定", (S.REVIEWING,))
    before = application.status
    application.committee_opinion, application.members = opinion.strip(), members.strip()
    application.decided_on = decided_on
    if approved:
        if amount is None:
            raise ValidationError({"amount": "请填写核定救助金额。"}, code="required")
        application.grant = grant_decide(
            user=user, person=application.beneficiary, year=application.year, kind=Grant.Kind.HARDSHIP,
            fund=application.fund, case=application.case, amount=amount, decided_on=decided_on,
            reason=f"卫生医疗困难救助申请 #{application.pk}：{opinion.strip()}", by_committee=True)
        application.decided_amount, application.status = amount, S.APPROVED
        note = f"评审核准救助 {yuan_text(amount)}：{opinion}"
    else:
        application.status = S.REJECTED
        note = f"评审未通过：{opinion}"
    _step(application, user, before, note)
    return application


@transaction.atomic
def application_pay(*, user: User, application: HardshipApplication, paid_on: datetime.date
                    ) -> HardshipApplication:
    """支付: the grant paid into the applicant's bank account."""
    application = _locked(application, user, REVIEW, "支付救助金", (S.APPROVED,))
    grant_pay(user=user, grant=application.grant, paid_on=paid_on, for_application=True)
    before = application.status
    application.status = S.PAID
    _step(application, user, before, f"已打入 {application.bank_name} {application.bank_account}"
                                     f"（{application.account_holder}），{yuan_text(application.decided_amount)}")
    return application


@transaction.atomic
def application_withdraw(*, user: User, application: HardshipApplication, reason: str) -> HardshipApplication:
    """撤回 before the decision (the applicant withdraws, or the person died): it no longer counts."""
    _required(reason=reason)
    application = _locked(application, user, WORK, "撤回申请", OPEN)
    before = application.status
    application.status = S.WITHDRAWN
    _step(application, user, before, f"撤回：{reason}")
    return application


@transaction.atomic
def application_cancel(*, user: User, application: HardshipApplication, reason: str) -> HardshipApplication:
    """核准后撤销: the decision found wrong, or the applicant died before payment: the grant is voided with the
    same reason (a paid one lowers the year's relief again: money to recover) in the same transaction."""
    _required(reason=reason)
    application = _locked(application, user, REVIEW, "撤销核准", (S.APPROVED, S.PAID))
    grant_void(user=user, grant=application.grant, reason=f"申请 #{application.pk} 核准后撤销：{reason.strip()}",
               for_application=True)
    before = application.status
    application.status = S.CANCELLED
    _step(application, user, before, f"核准后撤销：{reason}")
    return application
