"""The year's burden against the threshold on the person and household pages (which load this library:
beneficiaries never imports monitoring), and the bar that draws a burden against its threshold."""

from decimal import Decimal

from django import template
from django.utils import timezone

from monitoring import selectors

register = template.Library()
VIEW = "monitoring.view_alert"
BAR_COLORS = {"over": "#b91c1c", "warning": "#b45309", "": "#0b5394", "none": "#0b5394"}


def _user(context):
    request = context.get("request")
    return request.user if request is not None else None


@register.inclusion_tag("monitoring/_person_burden.html", takes_context=True)
def person_burden(context, person):
    """This year's and the latest billed years' burden of the person, each a bar against the threshold."""
    user = _user(context)
    if user is None or not user.has_perm(VIEW):
        return {"shown": False}
    years = selectors.burden_years([person], timezone.localdate())
    figures = selectors.year_burdens([person], years)
    return {"shown": True, "request": context.get("request"), "years": [figures[(person.pk, y)] for y in years]}


@register.inclusion_tag("monitoring/_household_burden.html", takes_context=True)
def household_burden(context, household):
    """Each member's burden and the household's sum, for this year and the latest billed years."""
    user = _user(context)
    if user is None or not user.has_perm(VIEW):
        return {"shown": False}
    members = list(household.members.all())
    years = selectors.burden_years(members, timezone.localdate()) if members else []
    return {"shown": True, "request": context.get("request"),
            "years": selectors.household_years_burdens(household, years) if members else []}


def _percent(part: Decimal, whole: Decimal) -> str:
    return f"{min(Decimal(100), part * 100 / whole):.2f}" if whole else "0.00"


@register.inclusion_tag("monitoring/_bar.html")
def burden_bar(burden, threshold, warn_line=None, level=""):
    """A bar of ``burden`` against ``threshold`` (marked, with the warning line) in SVG, drawn to the larger of
    the two; no inline style, so the Content-Security-Policy allows it."""
    if threshold is None:
        return {"drawn": False}
    scale = max(burden, threshold) or Decimal(1)
    return {
        "drawn": True,
        "fill": _percent(burden, scale),
        "threshold_at": _percent(threshold, scale),
        "warn_at": _percent(warn_line, scale) if warn_line is not None else None,
        "color": BAR_COLORS.get(level, BAR_COLORS[""]),
        "burden": burden,
        "threshold": threshold,
    }
