"""``manage.py project_status --code C --status S [--on D] [--note N]``: the project moves on (立项, 实施, 完工, 验收,
终止)."""

from accounts.cli import UserCommand
from beneficiaries.cli import option_date, required
from projects.cli import project_of
from projects.models import Project
from projects.services import project_move


class Command(UserCommand):
    help = "更新产业项目状态：储备 → 立项 → 实施 → 完工 → 验收，验收前可终止（须写原因）。"

    def add_command_arguments(self, parser):
        parser.add_argument("--code", help="项目编号")
        parser.add_argument("--status", choices=Project.Status.values, help="新状态")
        parser.add_argument("--on", help="状态日期（默认今天）")
        parser.add_argument("--note", default="", help="说明；终止时为原因")

    def run(self, user, *, code, status, on, note, **options):
        required({"status": status}, "status", doing="更新项目状态")
        project = project_move(user=user, project=project_of(user, code), status=status, on=option_date(on, "--on"),
                               note=note)
        return {"project": project.pk, "code": project.code, "status": project.status, "status_on": project.status_on,
                "note": project.status_note}

    def summary(self, result):
        return f"项目 {result['code']}：{Project.Status(result['status']).label}（{result['status_on']}）。"
