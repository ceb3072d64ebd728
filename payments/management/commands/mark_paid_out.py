"""``manage.py mark_paid_out --through DATE [--on DATE] [--area CODE]``: one payment batch (拨付批次)."""

import datetime

from django.utils import timezone

from accounts.cli import UserCommand, refused
from payments.services import batch_create


class Command(UserCommand):
    help = ("生成拨付批次：把某日期（含，按出院/就诊日期）之前在窗口结算、尚未拨付的账单记为已拨付，"
            "并结算尚未拨付的补付/追回；此后这些账单的支付变动记为补付或追回，进入下一批次。")

    def add_command_arguments(self, parser):
        parser.add_argument("--through", required=True, help="出院/就诊日期截至 YYYY-MM-DD")
        parser.add_argument("--on", dest="paid_on", help="拨付日期（默认今天）")
        parser.add_argument("--area", default="", help="区域代码前缀；不填为您的管辖区域")

    def run(self, user, *, through, paid_on, area, **options):
        try:
            last = datetime.date.fromisoformat(through)
            day = datetime.date.fromisoformat(paid_on) if paid_on else timezone.localdate()
        except ValueError as exc:
            raise refused(f"日期应为 YYYY-MM-DD：{exc}") from None
        batch = batch_create(user=user, through=last, paid_on=day, area=area)
        if batch is None:
            return {"paid_out": 0, "batch": None, "lines": 0, "total": "0.00"}
        return {"paid_out": batch.bills, "batch": batch.number, "lines": batch.lines.count(), "total": str(batch.total)}

    def summary(self, result):
        if result["batch"] is None:
            return "没有待拨付的账单，也没有待结算的补付/追回。"
        return (f"拨付批次 {result['batch']}：已拨付 {result['paid_out']} 张账单，明细 {result['lines']} 行，"
                f"合计 {result['total']}。")
