"""明白卡: what each layer of a policy pays on a bill, with the reasons, before anything is stored.

It lives in claims, not policies, because it offers the hospitals the policy names (claims' records).
"""

import datetime

from django.shortcuts import render
from django.utils import timezone

from claims.selectors import hospital_names
from policies import engine
from policies.forms import CalculatorForm, recorded_amounts
from policies.models import PolicyVersion
from policies.selectors import parsed_policy


def _same_day_in(year: int) -> datetime.date:
    """Today's date in the policy's year (28 February for 29 February in a common year)."""
    today = timezone.localdate()
    try:
        return today.replace(year=year)
    except ValueError:
        return datetime.date(year, 2, 28)


def _latest_versions():
    """The version in force of every policy, newest year first."""
    latest = {}
    for version in PolicyVersion.objects.select_related("policy").order_by("policy_id", "-number"):
        latest.setdefault(version.policy_id, version.pk)
    return PolicyVersion.objects.filter(pk__in=latest.values()).select_related("policy").order_by(
        "-policy__year", "policy__code"
    )


def calculator(request):
    """明白卡: what each layer pays on a bill, with the reasons, before anything is stored."""
    versions = _latest_versions()
    data = request.POST or None
    chosen = versions.filter(pk=(data or {}).get("version")).first() or versions.first()
    policy = parsed_policy(chosen) if chosen else None
    names = hospital_names(policy) if policy else {}
    initial = {"version": chosen, "date": _same_day_in(chosen.policy.year) if chosen else None,
               "insurances": ["resident_basic"]}
    form = CalculatorForm(data, versions=versions, policy=policy, hospital_names=names, initial=initial)
    settlement = error = None
    if data is not None and form.is_valid():
        cleaned = form.cleaned_data
        claim = engine.ClaimInput(
            id="明白卡", person="", categories=frozenset(c.code for c in cleaned["categories"]),
            insurances=frozenset(i.code for i in cleaned["insurances"]), visit_type=cleaned["visit_type"],
            hospital_level=cleaned["hospital_level"], diseases=cleaned["diseases"], date=cleaned["date"],
            total=cleaned["total"], in_catalog=cleaned["in_catalog"],
            recorded=recorded_amounts(cleaned, policy.layers),
            hospital=cleaned["hospital"] or None, in_county=cleaned["in_county"], referred=cleaned["referred"],
            birth_date=cleaned["birth_date"], sex=cleaned["sex"] or None,
        )
        try:
            settlement, _ = engine.settle_claim(policy, claim, engine.YearToDate(), hospital_names=names)
        except engine.ClaimError as exc:
            error = exc
    context = {"form": form, "settlement": settlement, "error": error, "version": chosen, "policy": policy}
    template = "policies/_settlement.html" if request.headers.get("HX-Request") else "policies/calculator.html"
    return render(request, template, context)
