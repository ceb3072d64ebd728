"""The alert list, by cursor (a helper fills this in)."""

from rest_framework.response import Response

from api.base import PartnerEndpoint
from api.models import Scope


class AlertList(PartnerEndpoint):
    scope = Scope.READ_ALERTS

    def get(self, request):
        return Response(status=501)
