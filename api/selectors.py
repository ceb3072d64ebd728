"""The partners an administrator manages and the record of their calls, limited to the administrator's area."""

from __future__ import annotations

import datetime

from django.db.models import Max, QuerySet

from accounts.models import User
from api.models import Partner, PartnerCall

UNKNOWN_PARTNER = "对接系统“{name}”不存在或不在您的管辖区域内。"


def partners_managed(actor: User) -> QuerySet[Partner]:
    """The partners whose area lies inside the actor's (all of them, for an account without an area limit),
    each with the time of its last call (``last_call``)."""
    partners = Partner.objects.select_related("area", "account", "created_by").annotate(last_call=Max("calls__at"))
    if actor.area_prefix:
        partners = partners.filter(area__code__startswith=actor.area_prefix)
    return partners.order_by("name")


def partner_named(actor: User, name: str) -> Partner | None:
    """The partner called ``name`` inside the actor's area, or None."""
    return partners_managed(actor).filter(name=name).first()


def partner_calls(actor: User, *, partner: Partner | None = None,
                  since: datetime.datetime | None = None) -> QuerySet[PartnerCall]:
    """Calls newest first: of ``partner``, or of every partner of the actor's area. Calls no key could be tied
    to (a wrong key) belong to no area: only an account without an area limit sees them."""
    calls = PartnerCall.objects.select_related("partner")
    if partner is not None:
        calls = calls.filter(partner=partner)
    elif actor.area_prefix:
        calls = calls.filter(partner__area__code__startswith=actor.area_prefix)
    if since is not None:
        calls = calls.filter(at__gte=since)
    return calls.order_by("-at", "-id")
