"""``manage.py project_stats [--area CODE] [--day D] [--json | --out FILE.xlsx]``: the two township tables of the
industry projects (participation of the working-age poor; the library by status and funding)."""

from accounts.cli import UserCommand, option_out
from beneficiaries.cli import add_area_day, area_day
from projects import selectors
from projects.cli import VIEW
from projects.exports import stats_write
from spreadsheets.writing import replaced_when_done


class Command(UserCommand):
    help = "产业扶贫统计：按乡镇的项目参与情况（参与率、户覆盖率、参与收入）和项目库（状态、资金、参与人数）。"

    def add_command_arguments(self, parser):
        add_area_day(parser)

    def run(self, user, *, area, day, out, **options):
        prefix, on = area_day(user, area, day, permission=VIEW, doing="查看产业扶贫统计")
        participation = selectors.participation_table(user, area_code=prefix, day=on)
        library = selectors.library_table(user, area_code=prefix, day=on)
        result = {"area": prefix, "day": on, "participation": participation.as_json(), "library": library.as_json()}
        if out:
            path = option_out(out)
            with replaced_when_done(path) as partial:
                stats_write(user=user, area_code=prefix, day=on, target=partial)
            result["file"] = str(path)
        return result

    def summary(self, result):
        def line(row):
            rate = "—" if row["rate"] is None else f"{row['rate']:.2%}"
            return (f"  {row['name']}：有劳动能力 {row['capable']} 人，已参与 {row['joined']} 人（{rate}），"
                    f"未参与 {row['not_joined']} 人，劳动能力未登记 {row['unrecorded']} 人，参与收入 {row['income']} 元")

        table = result["participation"]
        lines = [f"产业扶贫统计（区域 {result['area'] or '全国'}，{result['day']}）："]
        lines += [line(row) for row in [*table["townships"], table["total"]]]
        lines += [f"  项目库合计：{result['library']['total']['projects']} 个项目，"
                  f"资金 {result['library']['total']['funding']} 元"]
        if "file" in result:
            lines.append(f"已写入 {result['file']}。")
        return "\n".join(lines)
