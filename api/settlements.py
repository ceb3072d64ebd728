"""Settlements pushed by the medical-insurance platform (a helper fills this in)."""

from rest_framework.response import Response

from api.base import PartnerEndpoint
from api.models import Scope


class SettlementPush(PartnerEndpoint):
    scope = Scope.PUSH_SETTLEMENTS

    def post(self, request):
        return Response(status=501)
