"""The home page: each role's waiting work in their area (``monitoring.home``), then the area's figures."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils import timezone

from accounts.models import Role
from beneficiaries.selectors import area_headline
from claims.selectors import hospitals_unclassified_count
from monitoring import home
from monitoring.five_checks import CHECKS, five_checks

VIEW_ALERTS = "monitoring.view_alert"


def home_page(request):
    user = request.user
    today = timezone.localdate()
    year = today.year
    context = {"headline": area_headline(user, today), "year": year, "role": user.role}
    if user.has_perm(VIEW_ALERTS):
        context["alerts"] = home.alert_work(user, year)
        context["new_alerts"] = home.new_alerts(user, year)
        context["sees_referrals"] = home.sees_referrals(user)
        if context["sees_referrals"]:
            context["verified_alerts"] = home.verified_alerts(user, year)
    context["enters_bills"] = user.has_perm("claims.add_claim")
    if context["enters_bills"]:
        context["bills"] = home.recent_bills(user)
    if user.role == Role.ADMIN:
        context["imports"] = home.import_work(user, timezone.now())
        context["hospitals_unclassified"] = hospitals_unclassified_count()
    if user.has_perm("assistance.change_fundyear"):
        context["funds_warning"] = home.funds_at_warning(user, year)
    if user.has_perm("assistance.view_hardshipapplication"):
        context["applications"] = home.application_work(user, today)
    return render(request, "monitoring/home.html", context)


@permission_required(VIEW_ALERTS, raise_exception=True)
def home_five_checks(request):
    """The 五查 box of the home page, loaded after the page (it settles the year's bills again): a clerk's
    counts per check, an official's or administrator's table per township."""
    year = timezone.localdate().year
    context = {"year": year, "checks": CHECKS, "by_township": request.user.role != Role.CLERK}
    try:
        result = five_checks(user=request.user, year=year)
    except ValidationError as exc:
        context["error"] = "；".join(exc.messages)
    else:
        totals = [(check, CHECKS[check], n) for check, n in result.counts.items()]
        context |= {"result": result, "totals": totals}
        if context["by_township"]:
            context["rows"] = home.five_checks_by_township(result)
    return render(request, "monitoring/_home_five_checks.html", context)
