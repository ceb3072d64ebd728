"""How a call is tied to a partner (its key), held to the partner's scopes, and limited in rate."""

from __future__ import annotations

import datetime

from django.utils import timezone
from rest_framework import authentication, exceptions, permissions, throttling

from api.keys import key_matches, key_prefix
from api.models import Partner, PartnerCall, Scope

KEY_INVALID = "接口密钥无效、已轮换或已吊销。"
SCOPE_MISSING = "对接系统“{partner}”没有“{scope}”权限，请联系管理员授予。"
WINDOW = datetime.timedelta(minutes=1)


class PartnerKeyAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer hfp_<prefix>_<secret>``; the call then acts as the partner's account."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0] != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(KEY_INVALID)
        key = header[1]
        prefix = key_prefix(key)
        request._request.api_key_prefix = prefix or ""
        partner = (
            Partner.objects.select_related("account", "area").filter(key_prefix=prefix, revoked_at__isnull=True).first()
            if prefix else None
        )
        if partner is None or not key_matches(key, partner.key_digest) or not partner.account.is_active:
            raise exceptions.AuthenticationFailed(KEY_INVALID)
        return partner.account, partner

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


class PartnerScope(permissions.BasePermission):
    """A partner is let through only to the endpoints of its scopes (the view's ``scope``)."""

    def has_permission(self, request, view):
        partner = request.auth
        if not isinstance(partner, Partner):
            raise exceptions.NotAuthenticated()
        scope = view.scope
        if scope not in partner.scopes:
            self.message = SCOPE_MISSING.format(partner=partner.name, scope=Scope(scope).label)
            return False
        return True


class PartnerRateThrottle(throttling.BaseThrottle):
    """At most ``Partner.rate_limit`` calls in any minute, counted from the call record itself, so that every
    server process and worker sees the same count without a shared cache."""

    def allow_request(self, request, view):
        partner = request.auth
        if not isinstance(partner, Partner):
            return True
        since = timezone.now() - WINDOW
        recent = PartnerCall.objects.filter(partner=partner, at__gte=since).exclude(
            outcome=PartnerCall.Outcome.THROTTLED)
        if recent.count() < partner.rate_limit:
            return True
        oldest = recent.order_by("at").values_list("at", flat=True).first() or timezone.now()
        self._wait = max(1.0, (oldest + WINDOW - timezone.now()).total_seconds())
        return False

    def wait(self):
        return self._wait
