"""``manage.py partner_rotate_key NAME``: a new key for the partner, printed once; the old one stops at once."""

from api.cli import KeyCommand, partner_of
from api.services import partner_rotate_key


class Command(KeyCommand):
    help = ("为接口对接系统签发新密钥，旧密钥立即失效（与“接口对接”页面的“轮换密钥”相同）。"
            "新密钥只显示这一次：不加 --json 时单独打印在标准输出。")

    def add_command_arguments(self, parser):
        parser.add_argument("name", help="对接系统名称")

    def run(self, actor, *, name, **options):
        issued = partner_rotate_key(actor=actor, partner=partner_of(actor, name))
        partner = issued.partner
        return {"name": partner.name, "key_prefix": partner.key_prefix, "key_issued_at": partner.key_issued_at,
                "key": issued.key}

    def done(self, result):
        return f"已轮换对接系统“{result['name']}”的密钥（新前缀 {result['key_prefix']}），旧密钥已失效。"
