"""``manage.py employment_stats [--area CODE] [--day D] [--json | --out F.xlsx]``: the figures by township of the
children's employment (surveyed, graduated, placed and the rate, placements by way in, the three-year rule,
visits due, support of the year)."""

from accounts.cli import UserCommand
from beneficiaries.cli import add_area_day, area_day, write_out
from beneficiaries.templatetags.display import percent, yuan
from employment.cli import VIEW
from employment.exports import table_workbook
from employment.selectors import township_table


class Command(UserCommand):
    help = "就业扶贫统计：按乡镇的摸排、毕业、就业和就业率，按方式的安置，中职三年稳岗，待回访和当年帮扶。"

    def add_command_arguments(self, parser):
        add_area_day(parser)

    def run(self, user, *, area, day, out, **options):
        prefix, on = area_day(user, area, day, permission=VIEW, doing="查看就业扶贫统计")
        table = township_table(user, area_code=prefix, day=on)
        result = {"area": prefix, "day": on, "table": table.as_json()}
        if out:
            result["file"] = str(write_out(table_workbook(table, area_code=prefix, day=on), out))
        return result

    def summary(self, result):
        table = result["table"]

        def shown(column, value):
            if column["kind"] == "rate":
                return percent(value)
            return yuan(value) if column["kind"] == "money" else str(value)

        lines = [f"就业扶贫统计（区域 {result['area'] or '全国'}，{result['day']}）："]
        lines += [f"  {row['name']}：" + "，".join(f"{c['label']} {shown(c, row[c['key']])}" for c in table["columns"])
                  for row in [*table["townships"], table["total"]]]
        if "file" in result:
            lines.append(f"已写入 {result['file']}。")
        return "\n".join(lines)
