"""Changes of money and counts on the 政策试算 page, with their sign."""

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def signed(value) -> str:
    """``+1,234.00`` / ``−1,234.00`` / ``0.00`` for money; ``+3`` / ``−3`` / ``0`` for counts."""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return ""
    if not amount:
        return "0" if isinstance(value, int) else "0.00"
    text = f"{abs(amount):,}" if isinstance(value, int) else f"{abs(amount):,.2f}"
    return ("+" if amount > 0 else "−") + text


@register.filter
def direction(value) -> str:
    """A class for a change: ``up`` when someone pays more, ``down`` when less."""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return ""
    return "up" if amount > 0 else "down" if amount < 0 else ""
