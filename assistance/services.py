"""Deciding, paying and voiding grants, and setting a fund's yearly total.

A grant is decided (核定: its fund's year committed to it), then paid (支付: the person's relief of the year
grows), or voided with a reason (撤销; a paid grant voided is money recovered). Paying and voiding change
the year's relief on the person-year kept by claims, under its lock, and announce the person-year so the
monitoring alert moves in the same transaction (monitoring.md). The limits of seed 004 附件6 are the
fund's own (``Fund``): times and amount per person per year, the cap per grant of each case, and never
more than what remains of the fund's year.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from accounts.models import User
from accounts.services import ensure_in_area, ensure_permitted, save_as
from assistance.models import Fund, FundYear, Grant
from assistance.selectors import fund_balance, relief_of_year
from beneficiaries.models import Beneficiary
from claims.services import lock_person_year, person_year_announce

CENT = Decimal("0.01")


def yuan_text(amount: Decimal) -> str:
    return f"¥{amount:,.2f}"


def _check_limits(fund: Fund, person: Beneficiary, year: int, case: str, amount: Decimal) -> None:
    """The fund's limits for one more grant of ``amount`` to the person-year; the fund's year is locked."""
    errors = []
    earlier = (
        Grant.objects.filter(fund=fund, beneficiary=person, year=year).exclude(status=Grant.Status.VOIDED)
        .aggregate(n=Count("pk"), total=Sum("amount"))
    )
    count, total = earlier["n"], earlier["total"] or Decimal("0.00")
    if fund.grants_per_year is not None and count + 1 > fund.grants_per_year:
        errors.append(f"{fund.name}每人每年不得超过 {fund.grants_per_year} 次：{person.name} {year} 年已核定 {count} 次。")
    if fund.amount_per_year is not None and total + amount > fund.amount_per_year:
        left = max(Decimal("0.00"), fund.amount_per_year - total)
        errors.append(f"{fund.name}每人每年救助总额不超过 {yuan_text(fund.amount_per_year)}：{person.name} {year} 年已核定 "
                      f"{yuan_text(total)}，本次最多 {yuan_text(left)}。")
    cap = fund.cap_for(case)
    if cap is not None and amount > cap:
        errors.append(f"“{Grant.Case(case).label}”每次救助不超过 {yuan_text(cap)}。")
    balance = fund_balance(fund, year)
    if balance.budget is None:
        errors.append(f"{fund.name} {year} 年尚未设定年度总额，请管理员先设定。")
    else:
        # With carry-over, a grant also lowers every later year's total: none may go below zero.
        later = [] if not fund.carries_over else sorted(
            FundYear.objects.filter(fund=fund, year__gt=year).values_list("year", flat=True))
        for each in [balance, *(fund_balance(fund, y) for y in later)]:
            if amount > each.balance:
                errors.append(f"超过{fund.name} {each.year} 年剩余总额 {yuan_text(max(each.balance, Decimal('0.00')))}"
                              f"（可用总额 {yuan_text(each.available)}，含上年结转 {yuan_text(each.carried_over)}；"
                              f"已支付 {yuan_text(each.paid)}，已核定待支付 {yuan_text(each.committed)}）。")
                break
    if errors:
        raise ValidationError({"amount": errors}, code="over_limit")


@transaction.atomic
def grant_decide(
    *,
    user: User,
    person: Beneficiary,
    year: int,
    kind: str,
    amount: Decimal,
    reason: str,
    decided_on: datetime.date,
    fund: Fund | None = None,
    case: str = "",
    organisation: str = "",
    by_committee: bool = False,
) -> Grant:
    """Decide a grant for the person's medical burden of ``year`` (核定), within the fund's limits. A 卫生医疗困难
    救助 is decided only by its application's committee (``by_committee``, from ``application_decide``)."""
    ensure_permitted(user, "assistance.decide_grant", "核定救助金")
    ensure_in_area(user, person.village_id, person.name)
    errors: dict[str, list[str]] = {}
    if kind not in Grant.Kind.values:
        errors.setdefault("kind", []).append(f"“{kind}”不是救助类型，应为 {'、'.join(Grant.Kind.labels)}。")
    if amount is None or not amount.is_finite() or amount <= 0 or amount.as_tuple().exponent < -2 \
            or amount >= Decimal("1e12"):
        errors.setdefault("amount", []).append("救助金额应为大于 0、最多两位小数的金额（元）。")
    if not reason.strip():
        errors.setdefault("reason", []).append("请填写救助理由。")
    if kind == Grant.Kind.CHARITY and not organisation.strip():
        errors.setdefault("organisation", []).append("慈善救助请填写慈善组织。")
    if kind == Grant.Kind.HARDSHIP and not by_committee:
        errors.setdefault("kind", []).append(
            "卫生医疗困难救助须经申请、乡镇审核、公示和评审委员会评审，请受理申请后在申请页面办理。")
    if kind == Grant.Kind.HARDSHIP and case not in Grant.Case.values:
        errors.setdefault("case", []).append(f"卫生医疗困难救助请选择救助情形：{'、'.join(Grant.Case.labels)}。")
    if fund is None and kind == Grant.Kind.HARDSHIP:
        errors.setdefault("fund", []).append("卫生医疗困难救助请选择支出基金。")
    if fund is not None and (fund.kind != Fund.Kind.GRANTS or not person.village_id.startswith(fund.region_id)):
        errors.setdefault("fund", []).append(f"“{fund.name}”不能支付 {person.name} 的救助金（应为本区县的救助金基金）。")
    if not person.active_on(decided_on):
        errors.setdefault("decided_on", []).append(
            f"{person.name}已于 {person.status_date:%Y-%m-%d} {person.get_status_display()}，不能核定救助。")
    if decided_on > timezone.localdate():
        errors.setdefault("decided_on", []).append(f"核定日期 {decided_on:%Y-%m-%d} 晚于今天。")
    if not 2000 <= year <= decided_on.year:
        errors.setdefault("year", []).append(f"救助年度 {year} 应不晚于核定日期所在年度。")
    if errors:
        raise ValidationError(errors, code="bad_grant")
    lock_person_year(person.pk, year)  # one decision at a time per person-year: the limits count the others
    if fund is not None:
        Fund.objects.select_for_update().get(pk=fund.pk)  # and per fund: carry-over ties its years together
        _check_limits(fund, person, year, case, amount)
    grant = Grant(beneficiary=person, year=year, kind=kind, fund=fund, case=case, organisation=organisation.strip(),
                  reason=reason.strip(), amount=amount, decided_on=decided_on, decided_by=user)
    return save_as(grant, user)


def _relief_changed(grant: Grant, user: User, cause: str) -> None:
    """Write the person-year's relief (Σ its paid grants) and announce it, under the person-year's lock."""
    locked = lock_person_year(grant.beneficiary_id, grant.year)
    locked.relief = relief_of_year(grant.beneficiary_id, grant.year)
    locked.save(update_fields=["relief"])
    person_year_announce(person=grant.beneficiary, year=grant.year, user=user, cause=cause, locked=locked)


def _locked_grant(grant: Grant, user: User, action: str, for_application: bool) -> Grant:
    """The grant, its person-year locked; one decided by a hardship application is paid through that
    application's own step (``for_application``), so that the two never disagree."""
    ensure_permitted(user, "assistance.decide_grant", action)
    ensure_in_area(user, grant.beneficiary.village_id, grant.beneficiary.name)
    lock_person_year(grant.beneficiary_id, grant.year)
    locked = Grant.objects.select_related("beneficiary", "application").get(pk=grant.pk)
    application = getattr(locked, "application", None)
    if application is not None and not for_application:
        raise ValidationError(f"救助金 #{locked.pk} 由卫生医疗困难救助申请 #{application.pk} 核定，请在申请页面办理。",
                              code="through_application")
    return locked


@transaction.atomic
def grant_pay(*, user: User, grant: Grant, paid_on: datetime.date, for_application: bool = False) -> Grant:
    """Record the payment (支付) of a decided grant: the person's relief of the year grows."""
    grant = _locked_grant(grant, user, "支付救助金", for_application)
    if grant.status != Grant.Status.DECIDED:
        raise ValidationError(f"救助金 #{grant.pk} 当前为“{grant.get_status_display()}”，不能再支付。", code="not_decided")
    if paid_on > timezone.localdate():
        raise ValidationError({"paid_on": f"支付日期 {paid_on:%Y-%m-%d} 晚于今天。"}, code="paid_in_future")
    if paid_on < grant.decided_on:
        raise ValidationError({"paid_on": f"支付日期不能早于核定日期 {grant.decided_on:%Y-%m-%d}。"}, code="paid_before")
    grant.status, grant.paid_on = Grant.Status.PAID, paid_on
    save_as(grant, user, update_fields=["status", "paid_on"])
    _relief_changed(grant, user, f"支付救助金 #{grant.pk}")
    return grant


@transaction.atomic
def grant_void(*, user: User, grant: Grant, reason: str, for_application: bool = False) -> Grant:
    """Void a grant with its reason (撤销): a decided one frees its fund; a paid one also lowers the relief."""
    if not reason.strip():
        raise ValidationError({"reason": "请填写撤销原因。"}, code="reason_required")
    grant = _locked_grant(grant, user, "撤销救助金", for_application)
    if grant.status == Grant.Status.VOIDED:
        raise ValidationError(f"救助金 #{grant.pk} 已撤销。", code="already_voided")
    was_paid = grant.status == Grant.Status.PAID
    grant.status, grant.void_reason = Grant.Status.VOIDED, reason.strip()
    save_as(grant, user, update_fields=["status", "void_reason"])
    if was_paid:
        _relief_changed(grant, user, f"撤销救助金 #{grant.pk}")
    return grant


@transaction.atomic
def fund_year_set(*, user: User, fund: Fund, year: int, budget: Decimal) -> FundYear:
    """Set the fund's total for the year (年度总额); the change is recorded with who and when."""
    ensure_permitted(user, "assistance.change_fundyear", "设定基金年度总额")
    if budget is None or budget < 0 or budget != budget.quantize(CENT):
        raise ValidationError({"budget": "年度总额应为不小于 0、最多两位小数的金额（元）。"}, code="bad_budget")
    fund_year = FundYear.objects.select_for_update().filter(fund=fund, year=year).first() or FundYear(
        fund=fund, year=year)
    fund_year.budget = budget
    return save_as(fund_year, user)
