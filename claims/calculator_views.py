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
from policies.selectors import parsed_policy, policies_visible, policy_in_force, policy_region_names


def _same_day_in(year: int) -> datetime.date:
    """Today's date in the policy's year (28 February for 29 February in a common year)."""
    today = timezone.localdate()
    try:
        return today.replace(year=year)
    except ValueError:
        return datetime.date(year, 2, 28)


def _latest_versions(user):
    """The version in force of every policy the user may read (policies_visible: of the user's area, the areas
    above it and those inside it, never another province's), newest year first."""
    visible = [policy.pk for policy in policies_visible(user)]
    latest = {}
    for pk, policy_id in PolicyVersion.objects.filter(policy__in=visible).order_by("policy_id", "-number").values_list(
        "pk", "policy_id"
    ):
        latest.setdefault(policy_id, pk)
    return PolicyVersion.objects.filter(pk__in=latest.values()).select_related("policy").order_by(
        "-policy__year", "policy__code"
    )


def _version_labels(versions) -> dict[int, str]:
    """A clerk's name for each version: the policy's name, its years, the version and the area it covers."""
    names = policy_region_names({version.policy.region_code for version in versions})
    labels = {}
    for version in versions:
        policy = version.policy
        years = f"{policy.year}–{policy.until_year}" if policy.until_year else f"{policy.year}"
        area = names[policy.region_code]
        labels[version.pk] = f"{policy.name} · {years} 年 · 第 {version.number} 版 · {area}"
    return labels


def _default_version(user, versions) -> PolicyVersion | None:
    """The policy in force in the user's area this year, else the newest one listed."""
    policy = policy_in_force(user.area_id or "", timezone.localdate().year)
    return (policy and versions.filter(policy=policy).first()) or versions.first()


def _reasons(form: CalculatorForm) -> list[str]:
    """Why the form cannot be computed, each message with the field it is about."""
    return [
        f"{form.fields[name].label}：{message}" if name in form.fields else message
        for name, messages in form.errors.items() for message in messages
    ]


def calculator(request):
    """明白卡: what each layer pays on a bill, with the reasons, before anything is stored."""
    versions = _latest_versions(request.user)
    data = request.POST or None
    wanted = (data or request.GET).get("version", "")
    chosen = (wanted.isdigit() and versions.filter(pk=wanted).first()) or _default_version(request.user, versions)
    policy = parsed_policy(chosen) if chosen else None
    names = hospital_names(policy) if policy else {}
    initial = {"version": chosen, "date": _same_day_in(chosen.policy.year) if chosen else None,
               "insurances": ["resident_basic"]}
    form = CalculatorForm(data, versions=versions, policy=policy, hospital_names=names, initial=initial)
    labels = _version_labels(versions)
    form.fields["version"].label_from_instance = lambda version: labels[version.pk]
    settlement = None
    reasons = []
    if data is not None and not form.is_valid():
        reasons = _reasons(form)
    elif data is not None:
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
            reasons = [issue.message for issue in exc.errors]
    context = {"form": form, "settlement": settlement, "reasons": reasons, "version": chosen, "policy": policy,
               "version_label": labels.get(chosen.pk) if chosen else ""}
    template = "policies/_calculator_result.html" if request.headers.get("HX-Request") else "policies/calculator.html"
    return render(request, template, context)
