"""``manage.py health_coverage [--area CODE] [--day YYYY-MM-DD | --quarter YYYYQn] [--user U] [--json]``: the coverage
page's rows (签约率, 建档率, 健康卡发放率, 分类救治率, 县域内就诊率 by township, and the total)."""

import datetime

from django.utils import timezone

from accounts.cli import UserCommand, refused
from accounts.services import area_within, ensure_permitted
from config.periods import PeriodError, parse_quarter
from health.selectors import RATES, CoverageRow, coverage

VIEW = "health.view_doctorcontract"
COUNTS = ("households", "contracted", "people", "recorded", "carded", "patients", "treated", "inpatient", "in_county")


def _row(row: CoverageRow) -> dict:
    return {"code": row.code, "name": row.label, **{name: getattr(row, name) for name in COUNTS},
            "rates": {measure: row.rate(measure) for measure in RATES},
            "below_goal": [measure for measure in RATES if row.below_goal(measure)]}


class Command(UserCommand):
    help = "健康扶贫覆盖情况：按乡镇统计贫困人口的家庭医生签约率、建档率、健康卡发放率、分类救治率和县域内就诊率。"

    def add_command_arguments(self, parser):
        parser.add_argument("--area", default="", help="区域代码前缀；不填为您的管辖区域")
        when = parser.add_mutually_exclusive_group()
        when.add_argument("--day", help="统计日期 YYYY-MM-DD，默认今天；县域内就诊率取当年 1 月 1 日至该日")
        when.add_argument("--quarter", help="季度，如 2026Q3：按季度最后一天统计，县域内就诊率取该季度")

    def run(self, user, *, area, day, quarter, **options):
        ensure_permitted(user, VIEW, "查看健康扶贫覆盖情况")
        prefix = area_within(user, area)
        since = None
        if quarter:
            try:
                period = parse_quarter(quarter)
            except PeriodError as exc:
                raise refused(f"--quarter：{exc}") from None
            since, on = period.first, period.last
        elif day:
            try:
                on = datetime.date.fromisoformat(day)
            except ValueError:
                raise refused(f"--day：日期“{day}”应写作 YYYY-MM-DD，例如 2026-06-30。") from None
        else:
            on = timezone.localdate()
        result = coverage(user, area_code=prefix, day=on, since=since)
        return {"area": result.area_code, "day": result.day, "since": result.since,
                "townships": [_row(row) for row in result.townships], "total": _row(result.total)}

    def summary(self, result):
        def rate(row, measure):
            value = row["rates"][measure]
            text = "—" if value is None else f"{value:.2%}"
            return text + ("（未达标）" if measure in row["below_goal"] else "")

        def line(row):
            rates = "，".join(f"{name} {rate(row, measure)}" for measure, name in RATES.items())
            return f"  {row['name']}（{row['code']}）：贫困户 {row['households']}，贫困人口 {row['people']}；{rates}"

        head = (f"健康扶贫覆盖情况（区域 {result['area'] or '全国'}，{result['day']}；县域内就诊率 {result['since']} 至 "
                f"{result['day']}）：")
        return "\n".join([head, *map(line, result["townships"]), line(result["total"])])
