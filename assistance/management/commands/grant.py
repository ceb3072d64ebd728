"""``manage.py grant``: decide a grant for a person (and pay it with ``--paid-on``), pay one (``--pay ID``) or
void one (``--void ID``), through the same services as the grants pages."""

import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from accounts.cli import UserCommand, refused
from assistance.models import Fund, Grant
from assistance.services import grant_decide, grant_pay, grant_void
from beneficiaries import idnumbers
from beneficiaries.models import Beneficiary


def _date(text: str, option: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise refused(f"{option}：“{text}”应为 YYYY-MM-DD。") from None


def _grant(user, pk: int) -> Grant:
    grant = Grant.objects.visible_to(user).select_related("beneficiary").filter(pk=pk).first()
    if grant is None:
        raise refused(f"救助金 #{pk} 不存在（或不在您的管辖区域内）。")
    return grant


class Command(UserCommand):
    help = "核定救助金（--paid-on 同时记录支付），或支付（--pay 编号）、撤销（--void 编号）已核定的救助金。"

    def add_command_arguments(self, parser):
        parser.add_argument("--pay", type=int, metavar="ID", help="支付已核定的救助金")
        parser.add_argument("--void", type=int, metavar="ID", help="撤销救助金（需 --reason）")
        parser.add_argument("--id-number", help="核定：保障对象身份证号")
        parser.add_argument("--year", type=int, help="核定：救助年度")
        parser.add_argument("--kind", choices=Grant.Kind.values, help="核定：救助类型")
        parser.add_argument("--amount", help="核定：金额（元）")
        parser.add_argument("--fund", help="核定：支出基金代码（本人所在区县的基金）")
        parser.add_argument("--case", choices=Grant.Case.values, default="", help="卫生医疗困难救助的救助情形")
        parser.add_argument("--organisation", default="", help="慈善救助的慈善组织")
        parser.add_argument("--reason", default="", help="救助理由；撤销时为撤销原因")
        parser.add_argument("--on", help="核定日期（默认今天）")
        parser.add_argument("--paid-on", help="支付日期（核定时同时支付，或与 --pay 一起用；默认今天）")

    @transaction.atomic  # decided and paid together, or nothing written
    def run(self, user, *, pay, void, **options):
        today = timezone.localdate()
        paid_on = _date(options["paid_on"], "--paid-on") if options["paid_on"] else None
        if pay is not None:
            grant = grant_pay(user=user, grant=_grant(user, pay), paid_on=paid_on or today)
        elif void is not None:
            grant = grant_void(user=user, grant=_grant(user, void), reason=options["reason"])
        else:
            grant = self._decide(user, options, today)
            if paid_on is not None:
                grant = grant_pay(user=user, grant=grant, paid_on=paid_on)
        return {"grant": grant.pk, "status": grant.status, "amount": str(grant.amount), "year": grant.year,
                "id_number": grant.beneficiary.id_number, "kind": grant.kind}

    def _decide(self, user, options, today) -> Grant:
        missing = [f"--{name.replace('_', '-')}" for name in ("id_number", "year", "kind", "amount")
                   if options[name] in (None, "")]
        if missing:
            raise refused(f"核定救助金需要 {'、'.join(missing)}。")
        try:
            number = idnumbers.parse(options["id_number"]).number
        except idnumbers.IdNumberError as exc:
            raise refused(f"--id-number：{exc.message}") from None
        person = Beneficiary.objects.visible_to(user).filter(id_number=number).first()
        if person is None:
            raise refused(f"{number} 不在登记册中（或不在您的管辖区域内）。")
        try:
            amount = Decimal(options["amount"])
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite():
            raise refused(f"--amount：“{options['amount']}”不是金额。")
        fund = None
        if options["fund"]:
            fund = Fund.objects.filter(code=options["fund"], region_id=person.village_id[:6]).first()
            if fund is None:
                raise refused(f"--fund：{person.village_id[:6]} 没有代码为“{options['fund']}”的基金。")
        return grant_decide(user=user, person=person, year=options["year"], kind=options["kind"], amount=amount,
                            reason=options["reason"], fund=fund, case=options["case"],
                            organisation=options["organisation"],
                            decided_on=_date(options["on"], "--on") if options["on"] else today)

    def summary(self, result):
        return f"救助金 #{result['grant']}：{Grant.Status(result['status']).label}，金额 {result['amount']}。"
