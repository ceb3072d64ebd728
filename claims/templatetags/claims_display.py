from decimal import Decimal

from django import template

from beneficiaries.models import Category, Insurance
from claims.selectors import person_year_totals, with_current_settlement

register = template.Library()


@register.filter
def category_name(code: str) -> str:
    return dict(Category.objects.values_list("code", "name")).get(code, code)


@register.filter
def insurance_name(code: str) -> str:
    return dict(Insurance.objects.values_list("code", "name")).get(code, code)


@register.filter
def change_amount(change: dict) -> Decimal:
    return Decimal(change["after"]) - Decimal(change["before"])


@register.inclusion_tag("claims/_person_claims.html", takes_context=True)
def person_claims(context, person):
    """The person page's bills with their current settlement, and totals by year and fund."""
    claims = with_current_settlement(person.claims.select_related("hospital").order_by("-discharged_on", "-id"))
    return {"person": person, "claims": claims, "totals": person_year_totals(person), "perms": context.get("perms")}
