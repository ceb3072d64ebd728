"""``manage.py contract_end ID --reason TEXT [--on DATE]``: a family-doctor contract ended early (解约)."""

from accounts.cli import UserCommand
from beneficiaries.cli import one_of, option_date
from health.management.commands.contract_sign import contract_json
from health.models import DoctorContract
from health.services import contract_end


class Command(UserCommand):
    help = "解除家庭医生签约：签约编号、解约原因，解约日期默认今天（生效前撤回填生效日期前一天）。"

    def add_command_arguments(self, parser):
        parser.add_argument("contract", type=int, metavar="ID", help="签约编号")
        parser.add_argument("--reason", required=True, help="解约原因")
        parser.add_argument("--on", help="解约日期（默认今天）")

    def run(self, user, *, contract, reason, on, **options):
        contract = one_of(DoctorContract.objects.visible_to(user), "签约", pk=contract)
        return contract_json(contract_end(user=user, contract=contract, ended_on=option_date(on, "--on"),
                                          reason=reason))

    def summary(self, result):
        return f"签约 #{result['contract']}（户 {result['household']}）已于 {result['ended_on']} 解约。"
