from accounts.cli import UserCommand, option_out, refused
from config.periods import PeriodError, parse_quarter
from ledgers.services import area_check, stats_export_write


class Command(UserCommand):
    help = "导出定期调度统计（按季度）：按乡镇、按身份类别和月度趋势三张表。"

    def add_command_arguments(self, parser):
        parser.add_argument("--quarter", help="季度 YYYYQn（必填），例如 2024Q3")
        parser.add_argument("--area", help="区域（区划代码前缀，必填），例如 500242")
        parser.add_argument("--out", help="输出文件 .xlsx（必填）")

    def run(self, user, *, quarter, area, out, **options):
        if not quarter:
            raise refused("请用 --quarter 指定季度，格式 YYYYQn，例如 2024Q3。")
        try:
            period = parse_quarter(quarter)
        except PeriodError as exc:
            raise refused(f"--quarter：{exc}") from None
        if area is None:
            raise refused("请用 --area 指定区域（区划代码），例如 --area 500242。")
        area_check(user, area, field="--area")
        path = option_out(out)
        stats = stats_export_write(user=user, area_code=area, period=period, target=path)
        return {"quarter": quarter.upper(), "area": stats.area_code, "people": stats.total.people,
                "townships": len(stats.townships), "file": str(path)}

    def summary(self, result):
        return f"{result['quarter']} 覆盖 {result['people']} 人，{result['townships']} 个乡镇，已写入 {result['file']}。"
