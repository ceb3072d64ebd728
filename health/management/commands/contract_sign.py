"""``manage.py contract_sign``: a household signs with a family-doctor team, or (``--renew ID``) a contract is
renewed, through the same services as the household's health page."""

from accounts.cli import UserCommand
from beneficiaries.cli import household_of, one_of, option_date, required
from health.models import DoctorContract
from health.services import contract_renew, contract_sign

TERMS = ("team", "doctor", "clinic", "package", "doctor_phone")


def contract_json(contract: DoctorContract) -> dict:
    return {"contract": contract.pk, "household": contract.household.number, "doctor": contract.doctor,
            "signed_on": contract.signed_on, "starts_on": contract.starts_on, "ends_on": contract.ends_on,
            "ended_on": contract.ended_on, "renews": contract.renews_id}


class Command(UserCommand):
    help = "登记家庭医生签约（--household 户编号及签约内容），或续签已有签约（--renew 签约编号 --ends-on）。"

    def add_command_arguments(self, parser):
        parser.add_argument("--household", help="签约：户编号")
        parser.add_argument("--renew", type=int, metavar="ID", help="续签该签约：从其到期次日起生效")
        parser.add_argument("--team", help="签约团队")
        parser.add_argument("--doctor", help="签约医生")
        parser.add_argument("--doctor-phone", help="医生电话")
        parser.add_argument("--clinic", help="签约机构")
        parser.add_argument("--package", help="服务包")
        parser.add_argument("--signed-on", help="签约日期（默认今天）")
        parser.add_argument("--starts-on", help="签约：生效日期（默认为签约日期）")
        parser.add_argument("--ends-on", help="到期日期")

    def run(self, user, *, renew, **options):
        signed_on = option_date(options["signed_on"], "--signed-on")
        if renew is not None:
            required(options, "ends_on", doing="续签")
            contract = one_of(DoctorContract.objects.visible_to(user), "签约", pk=renew)
            changes = {name: options[name] for name in TERMS if options[name] is not None}
            return contract_json(contract_renew(user=user, contract=contract, signed_on=signed_on,
                                                ends_on=option_date(options["ends_on"], "--ends-on"), **changes))
        required(options, "household", "team", "doctor", "clinic", "package", "ends_on", doing="签约")
        contract = contract_sign(
            user=user, household=household_of(user, options["household"]),
            **{name: options[name] or "" for name in TERMS}, signed_on=signed_on,
            starts_on=option_date(options["starts_on"], "--starts-on") if options["starts_on"] else signed_on,
            ends_on=option_date(options["ends_on"], "--ends-on"))
        return contract_json(contract)

    def summary(self, result):
        renewal = f"（续签 #{result['renews']}）" if result["renews"] else ""
        return (f"签约 #{result['contract']}{renewal}：户 {result['household']}，{result['doctor']}，"
                f"{result['starts_on']} 至 {result['ends_on']}。")
