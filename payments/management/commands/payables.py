"""``manage.py payables --month YYYY-MM [--hospital CODE] [--area CODE] [--out FILE.xlsx]`` (commands.md)."""

from pathlib import Path

from accounts.cli import UserCommand, option_out, refused
from config.periods import PeriodError, parse_month
from payments.exports import statement_write
from payments.selectors import hospital_find, payables_for
from policies.document import FUNDS
from spreadsheets.writing import replaced_when_done


class Command(UserCommand):
    help = ("应付款：某月（按出院/就诊日期）在窗口结算的账单，各项资金应付给每家医疗机构的金额；"
            "--out 另存对账单 Excel（每家医疗机构一页）。")

    def add_command_arguments(self, parser):
        parser.add_argument("--month", required=True, help="月份 YYYY-MM")
        parser.add_argument("--hospital", default="", help="只看一家医疗机构：机构编码或完整名称")
        parser.add_argument("--area", default="", help="区域代码前缀；不填为您的管辖区域")
        parser.add_argument("--out", help="另存对账单 Excel（.xlsx）")

    def run(self, user, *, month, hospital, area, out, **options):
        try:
            period = parse_month(month)
        except PeriodError as exc:
            raise refused(f"--month：{exc}") from None
        path = option_out(out, required=False)
        chosen = hospital_find(hospital) if hospital else None
        payables = payables_for(user=user, period=period, area=area, hospital=chosen)
        result = payables.as_dict()
        if path is not None:
            with replaced_when_done(Path(path)) as partial:
                statement_write(user=user, payables=payables, path=partial)
            result["file"] = str(path)
        return result

    def summary(self, result):
        lines = [f"{result['month']} 应付款（按出院/就诊日期，窗口结算）："]
        for item in result["hospitals"]:
            funds = "，".join(f"{name} {item['by_fund'][fund]}" for fund, name in FUNDS.items())
            lines.append(f"{item['name']}（{item['hospital']}）{item['bills']} 张账单：{funds}，合计 {item['total']}")
        if not result["hospitals"]:
            lines.append("没有应付款。")
        lines.append(f"合计 {result['total']}")
        if "file" in result:
            lines.append(f"对账单已写入 {result['file']}")
        return "\n".join(lines)
