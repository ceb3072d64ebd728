import datetime

from accounts.cli import UserCommand, refused
from accounts.services import area_within
from claims.models import Claim
from claims.services import claims_mark_paid_out


class Command(UserCommand):
    help = "把某日期（含）之前结算、尚未拨付的账单记为已拨付；此后这些账单的支付变动记为补付或追回。"

    def add_command_arguments(self, parser):
        parser.add_argument("--through", required=True, help="结算截止日期 YYYY-MM-DD（按出院/就诊日期）")
        parser.add_argument("--on", dest="paid_on", help="拨付日期（默认今天）")
        parser.add_argument("--area", default="", help="区域代码前缀")

    def run(self, user, *, through, paid_on, area, **options):
        try:
            last = datetime.date.fromisoformat(through)
            day = datetime.date.fromisoformat(paid_on) if paid_on else datetime.date.today()
        except ValueError as exc:
            raise refused(f"日期应为 YYYY-MM-DD：{exc}") from None
        claims = Claim.objects.within(area_within(user, area)).select_related("beneficiary").filter(
            discharged_on__lte=last, status=Claim.Status.SETTLED, paid_out_on__isnull=True)
        return {"paid_out": claims_mark_paid_out(user=user, claims=claims, day=day)}

    def summary(self, result):
        return f"已记为拨付 {result['paid_out']} 张账单。"
