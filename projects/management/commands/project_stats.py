"""``manage.py project_stats [--area CODE] [--day D] [--json | --out FILE.xlsx]``: the two township tables of the
industry projects (participation of the working-age poor; the library by status and funding)."""

from accounts.cli import UserCommand, option_out
from projects import selectors
from projects.cli import add_area_day, area_day
from projects.exports import stats_write
from spreadsheets.writing import replaced_when_done


def table_json(table) -> dict:
    def row(item):
        return {"code": item.code, "name": item.name, **item.values}

    return {"title": table.title, "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in table.columns],
            "townships": [row(item) for item in table.rows], "total": row(table.total)}


class Command(UserCommand):
    help = "产业扶贫统计：按乡镇的项目参与情况（参与率、户覆盖率、参与收入）和项目库（状态、资金、参与人数）。"

    def add_command_arguments(self, parser):
        add_area_day(parser)

    def run(self, user, *, area, day, out, **options):
        prefix, on = area_day(user, area, day, doing="查看产业扶贫统计")
        result = {"area": prefix, "day": on, "participation": table_json(
            selectors.participation_table(user, area_code=prefix, day=on)),
            "library": table_json(selectors.library_table(user, area_code=prefix, day=on))}
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
