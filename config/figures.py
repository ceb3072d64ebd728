"""Figures the reports share."""

from decimal import Decimal


def ratio(part, whole) -> Decimal | None:
    """``part / whole`` to four decimals, or None when there is nothing to divide by."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"))
