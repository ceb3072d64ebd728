"""``manage.py day_tally [--date YYYY-MM-DD] [--area CODE] [--clerk USERNAME] [--out FILE.xlsx]``: 日结.

The bills entered on the day in the area (the acting user's by default), per clerk and in all: how many, how
many of them voided since (counted apart, adding nothing), 总费用, what each fund paid and 个人自付 by the
bills' current settlements; ``--out`` writes the workbook the 日结 page exports (recorded in the access log).
"""

import datetime
from pathlib import Path

from django.utils import timezone

from accounts.cli import UserCommand, option_out, refused
from accounts.services import area_within, ensure_permitted
from claims.exports import day_tally_write
from claims.selectors import area_name, clerk_named, day_tally
from policies.document import FUNDS
from spreadsheets.writing import replaced_when_done


class Command(UserCommand):
    help = ("日结：某天（按录入日期）区域内录入的账单，按录入人小计：账单数、其中已作废（不计入金额）、总费用、"
            "各项资金支付、个人自付；--out 另存 Excel。")

    def add_command_arguments(self, parser):
        parser.add_argument("--date", help="日期 YYYY-MM-DD；不填为今天")
        parser.add_argument("--area", default="", help="区域代码前缀；不填为您的管辖区域")
        parser.add_argument("--clerk", default="", help="只看一位录入人（用户名）")
        parser.add_argument("--out", help="另存日结 Excel（.xlsx）")

    def run(self, user, *, date, area, clerk, out, **options):
        ensure_permitted(user, "claims.view_claim", "查看日结")
        try:
            day = datetime.date.fromisoformat(date) if date else timezone.localdate()
        except ValueError:
            raise refused(f"--date：日期“{date}”无效，应为 YYYY-MM-DD。") from None
        path = option_out(out, required=False)
        prefix = area_within(user, area) if area else ""
        tally = day_tally(user, day=day, area=prefix, clerk=clerk_named(user, clerk) if clerk else None)
        result = tally.as_dict() | {"area_name": area_name(user, prefix)}
        if path is not None:
            with replaced_when_done(Path(path)) as partial:
                day_tally_write(user=user, tally=tally, area_name=result["area_name"], target=partial)
            result["file"] = str(path)
        return result

    def summary(self, result):
        def amounts(part):
            funds = "，".join(f"{name} {part['by_fund'][fund]}" for fund, name in FUNDS.items())
            return (f"{part['bills']} 张账单（其中已作废 {part['voided']} 张，不计入金额）：总费用 {part['total']}，"
                    f"{funds}，各项保障合计 {part['paid']}，个人自付 {part['personal']}")

        lines = [f"{result['date']} {result['area_name']} 日结（按录入日期）："]
        lines += [f"{part['name'] or part['username']}（{part['username']}）{amounts(part)}" for part in result["clerks"]]
        lines.append(f"合计 {amounts(result)}")
        if "file" in result:
            lines.append(f"日结 Excel 已写入 {result['file']}")
        return "\n".join(lines)
