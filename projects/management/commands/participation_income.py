"""``manage.py participation_income --code C --id-number N --amount A [--on D] [--note N]``: income a participant
received from the project (their latest participation in it; a negative amount corrects)."""

from accounts.cli import UserCommand, refused
from beneficiaries.cli import option_amount, option_date, person_of, required
from projects.cli import project_of
from projects.models import Participation
from projects.selectors import income_total
from projects.services import income_add


class Command(UserCommand):
    help = "登记项目收入（更正填差额，冲减填负数）。"

    def add_command_arguments(self, parser):
        parser.add_argument("--code", help="项目编号")
        parser.add_argument("--id-number", help="参与人身份证号")
        parser.add_argument("--amount", help="金额（元）")
        parser.add_argument("--on", help="收入日期（默认今天）")
        parser.add_argument("--note", default="", help="说明，如：3 月工资")

    def run(self, user, *, code, id_number, amount, on, note, **options):
        required({"id_number": id_number, "amount": amount}, "id_number", "amount", doing="登记项目收入")
        project, person = project_of(user, code), person_of(user, id_number)
        participation = (Participation.objects.visible_to(user).filter(project=project, person=person)
                         .order_by("-starts_on").first())
        if participation is None:
            raise refused(f"{person.id_number} 没有参与项目 {project.code}。")
        income = income_add(user=user, participation=participation, received_on=option_date(on, "--on"),
                            amount=option_amount(amount, signed=True), note=note)
        return {"income": income.pk, "code": project.code, "id_number": person.id_number, "amount": income.amount,
                "received_on": income.received_on, "participation_total": income_total(participation)}

    def summary(self, result):
        return (f"项目 {result['code']}：{result['id_number']} 收入 {result['amount']} 元，"
                f"该参与合计 {result['participation_total']} 元。")
