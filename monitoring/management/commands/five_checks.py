"""``manage.py five_checks --year YYYY [--area CODE] [--out FILE.xlsx]`` (monitoring.md, "Commands")."""

from accounts.cli import UserCommand, option_out
from monitoring.five_checks import CHECKS, five_checks, five_checks_export_write


class Command(UserCommand):
    help = "五查（查参保、查缴费、查服务、查待遇、查宣传）：某年度区域内不符合要求的人员、账单和家庭户，按乡镇计数。"

    def add_command_arguments(self, parser):
        parser.add_argument("--year", required=True, help="年度，如 2024")
        parser.add_argument("--area", default="", help="区域代码前缀；不填为您的管辖区域")
        parser.add_argument("--out", help="另存 Excel（.xlsx）：汇总表和每项检查的名单")

    def run(self, user, *, year, area, out, **options):
        path = option_out(out, required=False)
        result = five_checks(user=user, year=year, area=area)
        summary = result.as_json()
        if path is not None:
            five_checks_export_write(user=user, result=result, target=path)
            summary["file"] = str(path)
        return summary

    def summary(self, result):
        counts = "，".join(f"{name} {result[code]}" for code, name in CHECKS.items())
        lines = [f"{result['year']} 年五查（区域 {result['area'] or '全国'}）：{counts}。"]
        for township, row in result["by_township"].items():
            lines.append(f"  {township}：" + "，".join(f"{CHECKS[c]} {n}" for c, n in row.items()))
        return "\n".join([*lines, *result["notes"]])
