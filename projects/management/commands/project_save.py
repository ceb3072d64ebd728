"""``manage.py project_save``: a project added to the library (储备), or (``--change``) the particulars of the
project ``--code`` changed."""

from accounts.cli import UserCommand
from beneficiaries.cli import option_date, required
from projects.cli import project_of
from projects.models import Project
from projects.services import project_save


class Command(UserCommand):
    help = ("添加产业项目（--code --name --kind --area 乡镇或村代码 --lead-department），"
            "或修改项目信息（--change --code …）。")

    def add_command_arguments(self, parser):
        parser.add_argument("--code", help="项目编号")
        parser.add_argument("--change", action="store_true", help="修改已有项目 --code 的信息")
        parser.add_argument("--name", help="项目名称")
        parser.add_argument("--kind", choices=Project.Kind.values, help="项目类型")
        parser.add_argument("--area", help="实施地点：乡镇（9 位）或村（12 位）代码")
        parser.add_argument("--lead-department", help="主管部门")
        parser.add_argument("--description", default="", help="建设内容")
        parser.add_argument("--planned-start", help="计划开工日期 YYYY-MM-DD")
        parser.add_argument("--planned-end", help="计划完工日期 YYYY-MM-DD")
        parser.add_argument("--on", help="入库日期（新项目，默认今天）")

    def run(self, user, *, code, change, planned_start, planned_end, on, **options):
        required(options | {"code": code}, "code", "name", "kind", "area", "lead_department",
                 doing="修改产业项目" if change else "添加产业项目")
        terms = {name: options[name] for name in ("name", "kind", "area", "lead_department", "description")}
        dates = {"planned_start": option_date(planned_start, "--planned-start") if planned_start else None,
                 "planned_end": option_date(planned_end, "--planned-end") if planned_end else None}
        if change:
            project = project_save(user=user, project=project_of(user, code), code=code, **terms, **dates)
        else:
            project = project_save(user=user, code=code, status_on=option_date(on, "--on"), **terms, **dates)
        return {"project": project.pk, "code": project.code, "name": project.name, "kind": project.kind,
                "area": project.area_id, "status": project.status, "status_on": project.status_on}

    def summary(self, result):
        return f"项目 {result['code']} {result['name']}：{Project.Status(result['status']).label}（{result['status_on']}）。"
