"""What the partner commands share: a partner named on the command line, and a key printed once."""

from __future__ import annotations

from accounts.cli import UserCommand, refused
from accounts.models import User
from api.models import Partner
from api.selectors import UNKNOWN_PARTNER, partner_named

KEY_ONCE = "密钥只显示这一次（系统只保存其摘要），请立即妥善保存并交给对接系统一方。"


def partner_of(actor: User, name: str) -> Partner:
    partner = partner_named(actor, name)
    if partner is None:
        raise refused(UNKNOWN_PARTNER.format(name=name))
    return partner


class KeyCommand(UserCommand):
    """A command that issues a key: with ``--json`` the key is in the object (``key``); without, the key alone
    is printed on standard output (to be piped where it is kept) and the rest on standard error."""

    def summary(self, result):
        self.stdout.write(result["key"])
        return f"{self.done(result)}\n{KEY_ONCE}"

    def done(self, result) -> str:
        raise NotImplementedError
