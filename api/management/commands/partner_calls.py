"""``manage.py partner_calls [NAME] [--since DATE] [--limit N]``: the record of the API's calls, newest first."""

import datetime

from django.utils import timezone

from accounts.cli import UserCommand, refused
from accounts.services import ensure_permitted
from api.cli import partner_of
from api.models import PartnerCall
from api.selectors import partner_calls
from api.services import MANAGE


def since_option(text: str) -> datetime.datetime:
    """``YYYY-MM-DD`` (from that day's start, local time) or an ISO date and time."""
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise refused(f"--since：“{text}”应为日期 YYYY-MM-DD 或时间 YYYY-MM-DDTHH:MM[:SS]。") from None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


class Command(UserCommand):
    help = ("接口调用记录（与对接系统页面上的“最近的调用”相同）：时间、对接系统、密钥前缀、接口、区域、数量、结果、"
            "状态码、耗时，新的在前；不给名称时为您管辖区域内的全部对接系统。")

    def add_command_arguments(self, parser):
        parser.add_argument("name", nargs="?", help="只看这一个对接系统")
        parser.add_argument("--since", help="自此日期（YYYY-MM-DD）或时间起")
        parser.add_argument("--limit", type=int, default=100, help="最多列出多少次调用（默认 100）")

    def run(self, actor, *, name, since, limit, **options):
        ensure_permitted(actor, MANAGE, "查看接口调用记录")
        if limit < 1:
            raise refused(f"--limit：应为正整数，而不是 {limit}。")
        calls = partner_calls(actor, partner=partner_of(actor, name) if name else None,
                              since=since_option(since) if since else None)
        rows = [{"at": call.at, "partner": call.partner.name if call.partner else None, "key_prefix": call.key_prefix,
                 "method": call.method, "endpoint": call.endpoint, "area": call.area, "status": call.status,
                 "outcome": call.outcome, "counts": call.counts, "detail": call.detail,
                 "duration_ms": call.duration_ms} for call in calls[:limit]]
        return {"count": len(rows), "calls": rows}

    def summary(self, result):
        if not result["calls"]:
            return "没有接口调用记录。"
        outcomes = dict(PartnerCall.Outcome.choices)
        lines = [" ".join(filter(None, [
            f"{timezone.localtime(call['at']):%Y-%m-%d %H:%M:%S}", call["partner"] or "（密钥无效）", call["key_prefix"],
            call["method"], call["endpoint"], str(call["status"]), outcomes.get(call["outcome"], call["outcome"]),
            " ".join(f"{name}={count}" for name, count in call["counts"].items()), f"{call['duration_ms']} 毫秒",
            call["detail"]])) for call in result["calls"]]
        return "\n".join([f"共 {result['count']} 次调用（新的在前）：", *lines])
