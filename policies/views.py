from django.shortcuts import render
from django.utils import timezone

from policies import engine
from policies.forms import CalculatorForm, recorded_amounts
from policies.models import PolicyVersion
from policies.selectors import parsed_policy


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
    initial = {"version": chosen, "date": timezone.localdate().replace(year=chosen.policy.year) if chosen else None,
               "insurances": ["resident_basic"]}
    form = CalculatorForm(data, versions=versions, policy=policy, initial=initial)
    settlement = error = None
    if data is not None and form.is_valid():
        cleaned = form.cleaned_data
        claim = engine.ClaimInput(
            id="明白卡", person="", categories=frozenset(c.code for c in cleaned["categories"]),
            insurances=frozenset(i.code for i in cleaned["insurances"]), visit_type=cleaned["visit_type"],
            hospital_level=cleaned["hospital_level"], diseases=cleaned["diseases"], date=cleaned["date"],
            total=cleaned["total"], in_catalog=cleaned["in_catalog"],
            recorded=recorded_amounts(cleaned, policy.layers),
        )
        try:
            settlement, _ = engine.settle_claim(policy, claim, engine.YearToDate())
        except engine.ClaimError as exc:
            error = exc
    context = {"form": form, "settlement": settlement, "error": error, "version": chosen, "policy": policy}
    template = "policies/_settlement.html" if request.headers.get("HX-Request") else "policies/calculator.html"
    return render(request, template, context)
