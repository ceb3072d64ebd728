"""What the home page shows each role: the work waiting in their area, each box a count that opens its list.

The home page sits here, above the floors it reads (beneficiaries, claims, rosters, monitoring's own
alerts), so that none of them imports an upper one. Every box is one or two queries whatever the size of
the area (a count, and a few rows to start with); the 五查, which settles every bill of the year again,
is computed by its own request after the page has loaded (``home_views.home_five_checks``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from accounts.models import Role, User
from assistance.models import HardshipApplication
from assistance.selectors import FundBalance, fund_balances, funds_of_area
from claims.models import Claim
from monitoring.five_checks import CHECKS, FiveChecks
from monitoring.models import Alert, Level
from regions.codes import Level as RegionLevel
from regions.models import Region
from rosters.models import EnrollmentUpload, RosterBatch
from rosters.selectors import (
    batches_needing_attention,
    batches_visible_to,
    enrollment_uploads_visible_to,
    uploads_needing_attention,
)

SHOWN = 5  # rows shown under a count, to start working from the home page
RECENT_BILLS = 10
RAISED = (Level.OVER, Level.WARNING)


@dataclass(frozen=True)
class AlertWork:
    """The year's alerts of the user's area waiting for someone: new ones (待核实) at 超标 and 预警, and
    verified ones not yet referred to 民政 / 乡村振兴 (已核实)."""

    year: int
    new_over: int
    new_warning: int
    verified: int

    @property
    def new(self) -> int:
        return self.new_over + self.new_warning


def _over_first(alerts: QuerySet[Alert]) -> QuerySet[Alert]:
    rank = Case(When(level=Level.OVER, then=Value(0)), default=Value(1), output_field=IntegerField())
    return alerts.select_related("beneficiary__village").order_by(rank, "-burden", "pk")


@dataclass(frozen=True)
class ApplicationWork:
    """Hardship-fund applications of the user's area waiting for a step (the counts of one query)."""

    to_check: int  # 待乡镇审核
    to_publicise: int  # 待卫生院初核公示
    to_review: int  # 公示期已过、待评审，或评审中
    to_pay: int  # 已核准、待支付

    @property
    def any(self) -> bool:
        return bool(self.to_check or self.to_publicise or self.to_review or self.to_pay)


def application_work(user: User, today: datetime.date) -> ApplicationWork:
    S = HardshipApplication.Status
    counts = HardshipApplication.objects.visible_to(user).aggregate(
        to_check=Count("pk", filter=Q(status=S.SUBMITTED)),
        to_publicise=Count("pk", filter=Q(status=S.CHECKED)),
        to_review=Count("pk", filter=Q(status=S.PUBLICISED, publicity_to__lt=today) | Q(status=S.REVIEWING)),
        to_pay=Count("pk", filter=Q(status=S.APPROVED)),
    )
    return ApplicationWork(**counts)


def funds_at_warning(user: User, year: int) -> list[FundBalance]:
    """The funds of the user's area past their warning line (80 % of the year's total used, by default)."""
    return [balance for balance in fund_balances(funds_of_area(user.area_id or ""), year) if balance.warning]


def alert_work(user: User, year: int) -> AlertWork:
    """The counts, in one query."""
    counts = Alert.objects.visible_to(user).filter(year=year).aggregate(
        new_over=Count("pk", filter=Q(status=Alert.Status.NEW, level=Level.OVER)),
        new_warning=Count("pk", filter=Q(status=Alert.Status.NEW, level=Level.WARNING)),
        verified=Count("pk", filter=Q(status=Alert.Status.VERIFIED)),
    )
    return AlertWork(year=year, **counts)


def new_alerts(user: User, year: int) -> list[Alert]:
    """The first new alerts at 超标 or 预警 (超标 first, the heaviest burden first)."""
    alerts = Alert.objects.visible_to(user).filter(year=year, status=Alert.Status.NEW, level__in=RAISED)
    return list(_over_first(alerts)[:SHOWN])


def verified_alerts(user: User, year: int) -> list[Alert]:
    """The first verified alerts waiting to be referred."""
    alerts = Alert.objects.visible_to(user).filter(year=year, status=Alert.Status.VERIFIED)
    return list(_over_first(alerts)[:SHOWN])


def recent_bills(user: User) -> list[Claim]:
    """The last bills the user entered (at the window or by importing a list), newest first."""
    claims = Claim.objects.visible_to(user).filter(entered_by=user)
    claims = claims.select_related("beneficiary", "hospital").order_by("-entered_at", "-pk")
    return list(claims[:RECENT_BILLS])


@dataclass(frozen=True)
class ImportWork:
    """The administrator's imports waiting for them.

    Awaiting confirmation: roster batches and enrollment lists previewed and not yet applied. Stale: those
    uploaded over 24 hours ago and still unconfirmed or unfinished (a background job stuck or lost), and
    roster batches whose background job failed in the last 7 days (``rosters.selectors``).
    """

    batches_previewed: int
    batches_previewed_shown: list[RosterBatch]
    uploads_previewed: int
    uploads_previewed_shown: list[EnrollmentUpload]
    batches_stale: int
    batches_stale_shown: list[RosterBatch]
    uploads_stale: int
    uploads_stale_shown: list[EnrollmentUpload]

    @property
    def previewed(self) -> int:
        return self.batches_previewed + self.uploads_previewed

    @property
    def stale(self) -> int:
        return self.batches_stale + self.uploads_stale


def import_work(user: User, now: datetime.datetime) -> ImportWork:
    batches = batches_visible_to(user)
    uploads = enrollment_uploads_visible_to(user)
    previewed_batches = batches.filter(status=RosterBatch.Status.PREVIEWED)
    previewed_uploads = uploads.filter(status=EnrollmentUpload.Status.PREVIEWED)
    stale_batches = batches_needing_attention(batches, now)
    stale_uploads = uploads_needing_attention(uploads, now)
    return ImportWork(
        batches_previewed=previewed_batches.count(),
        batches_previewed_shown=list(previewed_batches[:SHOWN]),
        uploads_previewed=previewed_uploads.count(),
        uploads_previewed_shown=list(previewed_uploads[:SHOWN]),
        batches_stale=stale_batches.count(),
        batches_stale_shown=list(stale_batches[:SHOWN]),
        uploads_stale=stale_uploads.count(),
        uploads_stale_shown=list(stale_uploads[:SHOWN]),
    )


def sees_referrals(user: User) -> bool:
    """Officials and administrators follow the alerts to their referral; a clerk finds and verifies them."""
    return user.role in (Role.VIEWER, Role.ADMIN)


def five_checks_by_township(result: FiveChecks) -> list[dict]:
    """Every township of the checked area with its count per check (zeros included), in code order."""
    counted = result.by_township
    townships = Region.objects.within(result.area).filter(level=RegionLevel.TOWNSHIP)
    names = dict(townships.values_list("code", "name")) | result.township_names
    if len(result.area) >= 9:  # a township's or a village's own user: their township only
        names = {code: name for code, name in names.items() if code == result.area[:9]}
    rows = []
    for code in sorted(set(names) | set(counted)):
        counts = counted.get(code, dict.fromkeys(CHECKS, 0))
        rows.append({"code": code, "name": names.get(code, code), "cells": [(c, counts[c]) for c in CHECKS]})
    return rows
