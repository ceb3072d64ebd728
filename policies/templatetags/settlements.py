"""Showing a settlement (the engine's or a stored one): fund names, what was paid, the ratio."""

from decimal import ROUND_HALF_UP, Decimal

from django import template

from policies.document import FUNDS

register = template.Library()


@register.filter
def fund_name(code: str) -> str:
    return FUNDS.get(code, code)


@register.filter
def paid_total(settlement) -> Decimal:
    return settlement.total - settlement.personal


@register.filter
def paid_ratio(settlement) -> str:
    """Paid ÷ total as a percentage with one decimal (实际报销比例)."""
    if not settlement.total:
        return "—"
    ratio = (settlement.total - settlement.personal) / settlement.total * 100
    return f"{ratio.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


@register.filter
def why_unpaid(payment) -> str:
    """Why a layer paid nothing, without the engine's "不适用：" lead (the slip's line already says so)."""
    return payment.explanation.removeprefix("不适用：")
