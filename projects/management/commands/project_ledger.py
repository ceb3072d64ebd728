"""``manage.py project_ledger --out FILE.xlsx [--area CODE] [--day D]``: the ledger of the industry projects, two
sheets: the library (one row per project) and the participants (one row per participation)."""

from accounts.cli import UserCommand, option_out
from beneficiaries.cli import add_area_day, area_day
from projects.cli import VIEW
from projects.exports import ledger_write
from spreadsheets.writing import replaced_when_done


class Command(UserCommand):
    help = "导出产业扶贫台账（项目库、参与台账两张表）。"

    def add_command_arguments(self, parser):
        add_area_day(parser)

    def run(self, user, *, area, day, out, **options):
        prefix, on = area_day(user, area, day, permission=VIEW, doing="导出产业扶贫台账")
        path = option_out(out)
        with replaced_when_done(path) as partial:
            rows = ledger_write(user=user, area_code=prefix, day=on, target=partial)
        return {"area": prefix, "day": on, "file": str(path), **rows}

    def summary(self, result):
        return (f"产业扶贫台账（区域 {result['area'] or '全国'}，{result['day']}）：项目 {result['projects']} 个，"
                f"参与 {result['participations']} 条，已写入 {result['file']}。")
