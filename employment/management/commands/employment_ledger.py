"""``manage.py employment_ledger --out F.xlsx [--area CODE] [--year YYYY]``: the per-child ledger of the children's
employment (贫困家庭子女就业台账): one row per child surveyed by the year, on its last day (today for this year)."""

import datetime

from django.utils import timezone

from accounts.cli import UserCommand, option_out, refused
from accounts.services import area_within, ensure_permitted
from beneficiaries.cli import write_out
from employment.cli import VIEW
from employment.exports import ledger_workbook


class Command(UserCommand):
    help = "导出贫困家庭子女就业台账（每个摸排子女一行：学历专业、意向需求、在岗安置、满三年日期、帮扶合计、最近回访）。"

    def add_command_arguments(self, parser):
        parser.add_argument("--out", "--output", dest="out", help="输出文件 .xlsx（必填）")
        parser.add_argument("--area", default="", help="区域代码前缀；不填为您的管辖区域")
        parser.add_argument("--year", help="年度（默认今年）：按该年最后一天（今年按今天）的情况")

    def run(self, user, *, out, area, year, **options):
        ensure_permitted(user, VIEW, "导出就业台账")
        option_out(out)
        prefix = area_within(user, area)
        today = timezone.localdate()
        if year and not (year.isdigit() and 2000 <= int(year) <= today.year):
            raise refused(f"--year：“{year}”应为 2000 至 {today.year} 之间的年份。")
        day = min(datetime.date(int(year), 12, 31), today) if year else today
        book, count = ledger_workbook(user, area_code=prefix, day=day)
        return {"area": prefix, "day": day, "children": count, "file": str(write_out(book, out))}

    def summary(self, result):
        return f"就业台账（区域 {result['area'] or '全国'}，{result['day']}）：{result['children']} 人，已写入 {result['file']}。"
