"""``manage.py partner_revoke NAME --reason TEXT``: the partner's key ends for good; the partner and its calls stay."""

from accounts.cli import UserCommand, refused
from api.cli import partner_of
from api.services import partner_revoke


class Command(UserCommand):
    help = ("吊销接口对接系统的密钥（与“接口对接”页面的“吊销”相同）：其调用一律被拒绝，不能恢复；"
            "对接系统和调用记录保留，原因记入变更记录。")

    def add_command_arguments(self, parser):
        parser.add_argument("name", help="对接系统名称")
        parser.add_argument("--reason", default="", help="吊销原因（必填）")

    def run(self, actor, *, name, reason, **options):
        if not reason.strip():
            raise refused("请用 --reason 写明吊销原因（记入该对接系统的变更记录）。")
        partner = partner_revoke(actor=actor, partner=partner_of(actor, name), reason=reason)
        return {"name": partner.name, "revoked_at": partner.revoked_at, "reason": reason.strip()}

    def summary(self, result):
        return f"已吊销对接系统“{result['name']}”的密钥（{result['reason']}）。"
