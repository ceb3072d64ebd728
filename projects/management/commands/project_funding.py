"""``manage.py project_funding --code C --source S --amount A [--on D] [--note N]``: a line of money for a project
(a negative amount corrects)."""

from accounts.cli import UserCommand
from beneficiaries.cli import option_amount, option_date, required
from projects.cli import project_of
from projects.models import Funding
from projects.selectors import funding_total_by_source
from projects.services import funding_add


class Command(UserCommand):
    help = "登记项目资金（按来源；更正填差额，冲减填负数）。"

    def add_command_arguments(self, parser):
        parser.add_argument("--code", help="项目编号")
        parser.add_argument("--source", choices=Funding.Source.values, help="资金来源")
        parser.add_argument("--amount", help="金额（元）")
        parser.add_argument("--on", help="到位日期（默认今天）")
        parser.add_argument("--note", default="", help="说明")

    def run(self, user, *, code, source, amount, on, note, **options):
        required({"source": source, "amount": amount}, "source", "amount", doing="登记项目资金")
        project = project_of(user, code)
        line = funding_add(user=user, project=project, source=source, amount=option_amount(amount, signed=True),
                           arrived_on=option_date(on, "--on"), note=note)
        by_source = funding_total_by_source(project)
        return {"funding": line.pk, "code": project.code, "source": source, "amount": line.amount,
                "arrived_on": line.arrived_on, "by_source": by_source, "total": sum(by_source.values())}

    def summary(self, result):
        return (f"项目 {result['code']}：{Funding.Source(result['source']).label} {result['amount']} 元，"
                f"资金合计 {result['total']} 元。")
