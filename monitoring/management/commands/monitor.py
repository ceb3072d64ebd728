"""``manage.py monitor --year YYYY [--area CODE] [--out FILE.xlsx]`` (monitoring.md, "Commands")."""

from accounts.cli import UserCommand, option_out
from monitoring.exports import alert_list_write
from monitoring.services import alerts_recompute


class Command(UserCommand):
    help = "因病返贫致贫监测：按记录重新计算某年度区域内每人的个人负担与监测标准，修复预警名单。"

    def add_command_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--area", default="", help="区域代码前缀；不填为您的管辖区域")
        parser.add_argument("--out", help="另存预警名单 Excel（.xlsx）")

    def run(self, user, *, year, area, out, **options):
        path = option_out(out, required=False)
        result = alerts_recompute(user=user, year=year, area=area)
        summary = {
            "monitored": result.monitored, "warning": result.warning, "over": result.over,
            "alerts": [
                {"id_number": a.beneficiary.id_number, "name": a.beneficiary.name, "burden": str(a.burden),
                 "threshold": None if a.threshold is None else str(a.threshold), "label": a.label, "level": a.level}
                for a in result.alerts
            ],
            "notes": result.notes, "created": result.created, "updated": result.updated,
        }
        if path is not None:
            alert_list_write(user=user, year=year, area=result.area, path=path)
            summary["file"] = str(path)
        return summary

    def summary(self, result):
        text = (f"监测 {result['monitored']} 人：超标 {result['over']} 人，预警 {result['warning']} 人"
                f"（新增预警 {result['created']} 条，更新 {result['updated']} 条）。")
        return "\n".join([text, *result["notes"]])
