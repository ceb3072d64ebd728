"""How the ledger and statistics pages show figures: ratios as percentages, blanks for zeros."""

from decimal import Decimal

from django import template

from beneficiaries.templatetags.display import percent, yuan

register = template.Library()
register.filter("percent", percent)


@register.filter
def yuan_or_blank(value):
    """An amount as ``¥12,345.60``, a zero (or no value) as a blank cell: in a table of thousands of cells an
    official reads the few that hold money, which a column of ``¥0.00`` hides."""
    if value is None or value == "" or Decimal(str(value)) == 0:
        return ""
    return yuan(value)


@register.filter
def count_or_blank(value):
    """A count, a zero as a blank cell (as ``yuan_or_blank``)."""
    if value is None or value == "" or value == 0:
        return ""
    return value
