"""``manage.py participation --code C --id-number N --role R [--on D]``: a person joins a project; with ``--end``
(and ``--reason``) they leave it on ``--on``."""

from accounts.cli import UserCommand
from beneficiaries.cli import one_of, option_date, person_of, required
from projects.cli import project_of
from projects.models import Participation
from projects.services import participation_end, participation_start


class Command(UserCommand):
    help = "登记项目参与（--code --id-number --role），或退出（--end --reason）。"

    def add_command_arguments(self, parser):
        parser.add_argument("--code", help="项目编号")
        parser.add_argument("--id-number", help="参与人身份证号")
        parser.add_argument("--role", choices=Participation.Role.values, help="参与方式")
        parser.add_argument("--end", action="store_true", help="登记退出")
        parser.add_argument("--reason", default="", help="退出原因")
        parser.add_argument("--on", help="参与或退出日期（默认今天）")

    def run(self, user, *, code, id_number, role, end, reason, on, **options):
        required({"id_number": id_number}, "id_number", doing="登记项目参与")
        project, person, day = project_of(user, code), person_of(user, id_number), option_date(on, "--on")
        if end:
            joined = one_of(Participation.objects.visible_to(user).filter(project=project, ends_on__isnull=True),
                            "参与中的记录", person__id_number=person.id_number)
            participation = participation_end(user=user, participation=joined, ends_on=day, reason=reason)
        else:
            required({"role": role}, "role", doing="登记项目参与")
            participation = participation_start(user=user, project=project, person=person, role=role, starts_on=day)
        return {"participation": participation.pk, "code": project.code, "id_number": person.id_number,
                "role": participation.role, "starts_on": participation.starts_on, "ends_on": participation.ends_on}

    def summary(self, result):
        ended = f"，{result['ends_on']} 退出" if result["ends_on"] else ""
        return f"项目 {result['code']}：{result['id_number']} 自 {result['starts_on']} 参与{ended}。"
