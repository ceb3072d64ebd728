from accounts.cli import UserCommand, option_out, refused
from config.periods import PeriodError, days_period, parse_day
from ledgers.selectors import LedgerFilter
from ledgers.services import area_check, ledger_export_write


def option_day(option: str, text: str | None, *, required: bool = True):
    if not text:
        if required:
            raise refused(f"请用 {option} 指定日期，格式 YYYY-MM-DD。")
        return None
    try:
        return parse_day(text)
    except PeriodError as exc:
        raise refused(f"{option}：{exc}") from None


class Command(UserCommand):
    help = "导出 36 列医疗保障扶贫对象综合管理台账（ledger.md）：区域内期间持有身份类别或有已结算账单的人员。"

    def add_command_arguments(self, parser):
        parser.add_argument("--area", help="区域（区划代码前缀，必填），例如 500242")
        parser.add_argument("--from", dest="first", help="期间起始日期 YYYY-MM-DD（必填）")
        parser.add_argument("--to", dest="last", help="期间截止日期 YYYY-MM-DD（必填）")
        parser.add_argument("--as-of", dest="as_of", help="身份类别按这一天的状态（不填：期间内任何一天持有即为“是”）")
        parser.add_argument("--out", help="输出文件 .xlsx（必填）")

    def run(self, user, *, area, first, last, as_of, out, **options):
        if area is None:
            raise refused("请用 --area 指定区域（区划代码），例如 --area 500242。")
        area_check(user, area, field="--area")
        period_first = option_day("--from", first)
        period_last = option_day("--to", last)
        try:
            period = days_period(period_first, period_last)
        except PeriodError as exc:
            raise refused(f"--from/--to：{exc}") from None
        path = option_out(out)
        as_of_day = option_day("--as-of", as_of, required=False)
        ledger_filter = LedgerFilter(area_code=area, period=period, as_of=as_of_day)
        rows = ledger_export_write(user=user, ledger_filter=ledger_filter, path=path,
                                   progress=lambda written: self.stderr.write(f"» 已写 {written} 行"))
        return {"rows": rows, "file": str(path)}

    def summary(self, result):
        return f"已导出 {result['rows']} 行到 {result['file']}。"
