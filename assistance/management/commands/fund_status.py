"""``manage.py fund_status --year YYYY [--area CODE]`` (commands.md): each fund's year."""

from accounts.cli import UserCommand
from accounts.services import area_within, ensure_permitted
from assistance.selectors import fund_balances, funds_of_area


class Command(UserCommand):
    help = "基金年度情况：每个基金的年度总额、上年结转、已支付、已核定待支付与结余。"

    def add_command_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--area", default="", help="区域代码前缀；不填为您的管辖区域")

    def run(self, user, *, year, area, **options):
        ensure_permitted(user, "assistance.view_fund", "查看基金")
        balances = fund_balances(funds_of_area(area_within(user, area)), year)
        return {"year": year, "funds": [
            {"code": b.fund.code, "name": b.fund.name, "county": b.fund.region_id, "kind": b.fund.kind,
             "budget": None if b.budget is None else str(b.budget), "carried_over": str(b.carried_over),
             "paid": str(b.paid), "committed": str(b.committed), "balance": str(b.balance),
             "used_percent": None if b.used_share is None else str(b.used_share), "warning": b.warning}
            for b in balances
        ]}

    def summary(self, result):
        lines = [f"{result['year']} 年基金情况："]
        for fund in result["funds"]:
            budget = "未设定年度总额" if fund["budget"] is None else f"年度总额 {fund['budget']}"
            lines.append(f"{fund['name']}（{fund['county']}）：{budget}，上年结转 {fund['carried_over']}，已支付 "
                         f"{fund['paid']}，已核定待支付 {fund['committed']}，结余 {fund['balance']}"
                         + ("（已达预警比例）" if fund["warning"] else ""))
        if not result["funds"]:
            lines.append("没有基金。")
        return "\n".join(lines)
