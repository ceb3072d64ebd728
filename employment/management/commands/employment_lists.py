"""``manage.py employment_lists --list unplaced|visits-due|at-risk [--area CODE] [--day D] [--json | --out F.xlsx]``:
the lists the clerks work from (未就业、待回访、稳岗风险), as the pages show them."""

from accounts.cli import UserCommand, refused
from beneficiaries.cli import add_area_day, area_day, write_out
from employment.cli import VIEW
from employment.exports import LISTS, list_rows, list_workbook

CHOICES = {name.replace("_", "-"): name for name in LISTS}


class Command(UserCommand):
    help = "就业扶贫名单：未就业（unplaced）、待回访（visits-due）、稳岗风险（at-risk）。"

    def add_command_arguments(self, parser):
        parser.add_argument("--list", dest="name", help="名单：" + "、".join(CHOICES))
        add_area_day(parser)

    def run(self, user, *, name, area, day, out, **options):
        if name not in CHOICES:
            raise refused(f"--list：请指定 {'、'.join(CHOICES)} 之一。")
        name = CHOICES[name]
        prefix, on = area_day(user, area, day, permission=VIEW, doing="查看就业扶贫名单")
        result = {"list": name, "title": LISTS[name].title, "area": prefix, "day": on}
        if out:
            book, count = list_workbook(user, name, area_code=prefix, day=on)
            return result | {"count": count, "file": str(write_out(book, out))}
        rows = list_rows(user, name, area_code=prefix, day=on)
        return result | {"count": len(rows), "rows": rows}

    def summary(self, result):
        head = f"{result['title']}（区域 {result['area'] or '全国'}，{result['day']}）：共 {result['count']} 条"
        if "file" in result:
            return f"{head}，已写入 {result['file']}。"
        columns = LISTS[result["list"]].columns
        return "\n".join([head + "：", *("  " + "，".join(str(row[key]) for key, _ in columns if row[key] != "")
                                         for row in result["rows"])])
