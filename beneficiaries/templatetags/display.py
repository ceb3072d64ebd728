"""How numbers are shown: masked personal numbers in lists, yuan and percentages with two decimals."""

from decimal import ROUND_HALF_UP, Decimal

from django import template

from beneficiaries.idnumbers import mask, mask_phone
from config.money import amount_in_words

register = template.Library()


def _sees_sensitive(context) -> bool:
    request = context.get("request")
    return bool(request and request.user.is_authenticated and request.user.sees_sensitive)


@register.simple_tag(takes_context=True)
def id_number(context, value):
    return value if _sees_sensitive(context) else mask(value or "")


@register.simple_tag(takes_context=True)
def phone(context, value):
    if not value:
        return ""
    return value if _sees_sensitive(context) else mask_phone(value)


@register.filter
def yuan(value):
    """``¥12,345.60``; empty for no value."""
    if value is None or value == "":
        return ""
    amount = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"¥{amount:,.2f}"


@register.filter
def percent(value):
    """``0.9123`` → ``91.23%``; a dash when there is nothing to divide."""
    if value is None or value == "":
        return "—"
    return f"{(Decimal(value) * 100).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}%"


@register.filter
def capitals(value):
    """The amount in Chinese capitals (大写金额): ``壹仟肆佰零玖元伍角``."""
    return amount_in_words(Decimal(str(value)))


@register.filter
def area_name(code):
    """An area code as its region's name (``500242`` → 酉阳土家族苗族自治县); no code is the whole country."""
    from regions.models import Region

    return Region.objects.area_name(code)
