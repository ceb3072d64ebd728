"""The base of every endpoint: scope, audit of the call, problem details; and keyset (cursor) paging."""

from __future__ import annotations

import base64
import json
import logging
import time

from django.db.models import Q, QuerySet
from rest_framework import exceptions, serializers
from rest_framework.views import APIView

from api.models import Partner, PartnerCall
from api.problems import DETAILS, problem
from api.services import partner_call_record

logger = logging.getLogger("django.request")
BAD_CURSOR = "游标无效：请使用上一页返回的 next_cursor 原样传回。"
PAGE_SIZE_DEFAULT = 100
PAGE_SIZE_MAX = 1000


UNKNOWN_PARAMETER = "没有名为“{name}”的查询参数；可用的参数：{known}。"


class PartnerEndpoint(APIView):
    """An endpoint partners call. ``scope`` names what the partner must hold; ``query_serializer`` describes
    the query parameters, checked into ``self.query`` (a name it lacks is refused: a misspelt filter must not
    quietly return everything); a handler may set ``self.audit_area`` and ``self.audit_counts`` for the call's
    record."""

    scope: str = ""
    query_serializer: type[serializers.Serializer] | None = None

    def initial(self, request, *args, **kwargs):
        self.started = time.monotonic()
        self.audit_area = ""
        self.audit_counts: dict = {}
        super().initial(request, *args, **kwargs)
        self.query = self._checked_query(request)

    def _checked_query(self, request) -> dict:
        if getattr(self, request.method.lower(), None) is None:
            return {}  # a method the endpoint lacks is answered 405, whatever the query
        fields = self.query_serializer().fields if self.query_serializer else {}
        unknown = sorted(set(request.query_params) - set(fields))
        if unknown:
            known = "、".join(fields) or "无"
            raise exceptions.ValidationError({name: [UNKNOWN_PARAMETER.format(name=name, known=known)]
                                              for name in unknown})
        if not self.query_serializer:
            return {}
        # A plain dict, not the QueryDict: DRF reads an empty value in a QueryDict as "not given" (a form's
        # habit), so ``?status=`` would quietly list everything instead of being refused.
        query = self.query_serializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        return query.validated_data

    def handle_exception(self, exc):
        """An unexpected failure is logged as Django logs one, and answered as a problem too, so that the call is
        recorded and the partner reads a problem, not a web page."""
        try:
            return super().handle_exception(exc)
        except Exception:
            logger.error("接口出错：%s %s", self.request.method, self.request.path, exc_info=True,
                         extra={"status_code": 500, "request": self.request._request})
            return problem("server_error", DETAILS["server_error"])

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        partner = request.auth if isinstance(getattr(request, "_auth", None), Partner) else None
        status = response.status_code
        if status == 401:
            outcome = PartnerCall.Outcome.UNAUTHENTICATED
        elif status == 429:
            outcome = PartnerCall.Outcome.THROTTLED
        elif status >= 500:
            outcome = PartnerCall.Outcome.FAILED
        elif status >= 400:
            outcome = PartnerCall.Outcome.REFUSED
        else:
            outcome = PartnerCall.Outcome.OK
        detail = response.data.get("detail", "") if isinstance(response.data, dict) and status >= 400 else ""
        match = request._request.resolver_match
        partner_call_record(
            partner=partner,
            key_prefix=partner.key_prefix if partner else getattr(request._request, "api_key_prefix", ""),
            method=request.method,
            endpoint=f"/{match.route}" if match else request.path,
            area=self.audit_area or (partner.area_id if partner else ""),
            status=status,
            outcome=outcome,
            counts=self.audit_counts,
            detail=str(detail),
            duration_ms=int((time.monotonic() - getattr(self, "started", time.monotonic())) * 1000),
        )
        return response

    @property
    def partner(self) -> Partner:
        return self.request.auth


class PageQuery(serializers.Serializer):
    cursor = serializers.CharField(required=False, help_text="上一页返回的 next_cursor；第一页不填。")
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=PAGE_SIZE_MAX, default=PAGE_SIZE_DEFAULT,
        help_text=f"每页条数，默认 {PAGE_SIZE_DEFAULT}，最多 {PAGE_SIZE_MAX}。",
    )


def _encode(values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, default=str).encode()).decode().rstrip("=")


def _decode(cursor: str, size: int) -> list:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError):
        raise exceptions.ValidationError({"cursor": [BAD_CURSOR]}) from None
    if not isinstance(values, list) or len(values) != size:
        raise exceptions.ValidationError({"cursor": [BAD_CURSOR]})
    return values


def keyset_page(queryset: QuerySet, keys: tuple[str, ...], cursor: str | None, size: int,
                parse=lambda key, value: value) -> tuple[list, str | None]:
    """One page of ``queryset`` in ascending order of ``keys`` (the last unique), after ``cursor``: the rows and
    the cursor of the next page (None on the last). A cursor carries the last row's keys, so rows written while
    a partner pages through are neither skipped nor repeated (``parse`` turns a key's text back into a value)."""
    ordered = queryset.order_by(*keys)
    if cursor:
        try:
            values = [parse(key, value) for key, value in zip(keys, _decode(cursor, len(keys)), strict=True)]
        except (ValueError, TypeError):
            raise exceptions.ValidationError({"cursor": [BAD_CURSOR]}) from None
        after = Q()
        for position, key in enumerate(keys):
            after |= Q(**dict(zip(keys[:position], values[:position], strict=True)), **{f"{key}__gt": values[position]})
        ordered = ordered.filter(after)
    rows = list(ordered[: size + 1])
    if len(rows) <= size:
        return rows, None
    rows = rows[:size]
    last = rows[-1]
    return rows, _encode([getattr(last, key) for key in keys])


def primary_key(key: str, value) -> int:
    """A cursor's primary key back from its text (``keyset_page``'s ``parse``); one no database column holds is
    a bad cursor, not an overflow in the driver."""
    number = int(value)
    if not 0 < number < 2**63:
        raise ValueError(value)
    return number
