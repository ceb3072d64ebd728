from accounts.cli import UserCommand, refused
from claims.models import Claim
from claims.services import claim_void


class Command(UserCommand):
    help = "作废一张账单，并按顺序重新结算该人员同年度此后的账单。"

    def add_command_arguments(self, parser):
        parser.add_argument("id", type=int, help="账单号")
        parser.add_argument("--reason", required=True, help="作废原因")

    def run(self, user, *, id, reason, **options):
        claim = Claim.objects.visible_to(user).select_related("beneficiary").filter(pk=id).first()
        if claim is None:
            raise refused(f"没有账单 {id}（或不在您的管辖区域内）。")
        outcome = claim_void(user=user, claim=claim, reason=reason)
        return {"claim": claim.pk, "resettled": len(outcome.resettled),
                "changes": [change.as_dict() for change in outcome.changes]}

    def summary(self, result):
        return f"账单 {result['claim']} 已作废；重新结算 {result['resettled']} 张账单，{len(result['changes'])} 笔支付变动。"
