"""Rosters pushed by 民政 and 乡村振兴 (a helper fills this in)."""

from rest_framework.response import Response

from api.base import PartnerEndpoint
from api.models import Scope


class RosterPush(PartnerEndpoint):
    scope = Scope.PUSH_ROSTERS

    def post(self, request):
        return Response(status=501)


class RosterBatchDetail(PartnerEndpoint):
    scope = Scope.PUSH_ROSTERS

    def get(self, request, batch_id: int):
        return Response(status=501)


class RosterBatchApply(PartnerEndpoint):
    scope = Scope.PUSH_ROSTERS

    def post(self, request, batch_id: int):
        return Response(status=501)
