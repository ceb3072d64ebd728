"""``manage.py employment_support``: help given to a child (subsidy, loan, training, guidance), or (``--void ID``)
a support record voided."""

from accounts.cli import UserCommand, refused
from beneficiaries.cli import one_of, option_amount, option_date, person_of, required
from employment.models import Support
from employment.services import support_give, support_void

KINDS = {value: value for value in Support.Kind.values} | {label: value for value, label in Support.Kind.choices}


class Command(UserCommand):
    help = "登记就业帮扶措施（--id-number --kind --provider [--amount]），或作废帮扶记录（--void 编号 --reason）。"

    def add_command_arguments(self, parser):
        parser.add_argument("--void", metavar="ID", help="作废该编号的帮扶记录")
        parser.add_argument("--id-number", help="身份证号")
        parser.add_argument("--kind", help="帮扶措施：" + "、".join(Support.Kind.labels) + "（或 subsidy 等代码）")
        parser.add_argument("--amount", help="金额（元）：补助、贷款填写")
        parser.add_argument("--provider", help="经办单位或指导人")
        parser.add_argument("--detail", default="", help="内容")
        parser.add_argument("--reason", help="作废原因")
        parser.add_argument("--on", help="发放或作废日期（默认今天）")

    def run(self, user, *, void, on, **options):
        day = option_date(on, "--on")
        if void:
            required(options, "reason", doing="作废帮扶记录")
            if not void.isdigit():
                raise refused(f"--void：“{void}”应为帮扶记录编号。")
            support = one_of(Support.objects.visible_to(user), "帮扶记录", pk=int(void))
            support = support_void(user=user, support=support, voided_on=day, reason=options["reason"])
        else:
            required(options, "id_number", "kind", "provider", doing="登记帮扶措施")
            if options["kind"] not in KINDS:
                raise refused(f"--kind：“{options['kind']}”应为 {'、'.join(Support.Kind.labels)} 之一。")
            support = support_give(user=user, person=person_of(user, options["id_number"]),
                                   kind=KINDS[options["kind"]], given_on=day, provider=options["provider"],
                                   amount=option_amount(options["amount"], required=False), detail=options["detail"])
        return {"support": support.pk, "id_number": support.person.id_number, "kind": support.kind,
                "amount": support.amount, "given_on": support.given_on, "voided_on": support.voided_on}

    def summary(self, result):
        if result["voided_on"]:
            return f"帮扶记录 {result['support']} 已于 {result['voided_on']} 作废。"
        amount = f"，金额 ¥{result['amount']:,.2f}" if result["amount"] is not None else ""
        return f"已登记帮扶记录 {result['support']}（{result['given_on']}{amount}）。"
