"""Partners of townships A and B, and a client that calls the API with a partner's key."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from api.models import Partner, Scope
from api.services import partner_save
from tests.claims.conftest import covered, hospital, load_vector_policy, settle  # noqa: F401

ALL_SCOPES = list(Scope.values)


@pytest.fixture
def make_partner(county_admin):
    """A partner of ``area`` with ``scopes``; returns (partner, key)."""

    def make(area, scopes=ALL_SCOPES, name=None, kind=Partner.Kind.MEDICAL_INSURANCE, **fields):
        partner = Partner(name=name or f"{area.name}对接系统{Partner.objects.count() + 1}", kind=kind, area=area,
                          scopes=list(scopes), **fields)
        issued = partner_save(actor=county_admin, partner=partner)
        return issued.partner, issued.key

    return make


class ApiClient:
    """Calls ``/api/v1/…`` with a key; answers are (status, parsed JSON, response)."""

    def __init__(self, key: str | None):
        self.client = Client()
        self.key = key

    def _headers(self):
        return {"HTTP_AUTHORIZATION": f"Bearer {self.key}"} if self.key else {}

    def get(self, path, params=None):
        response = self.client.get(f"/api/v1/{path}", params or {}, **self._headers())
        return response.status_code, _json(response), response

    def post(self, path, body=None):
        response = self.client.post(f"/api/v1/{path}", json.dumps(body or {}), content_type="application/json",
                                    **self._headers())
        return response.status_code, _json(response), response


def _json(response):
    try:
        return json.loads(response.content or b"null")
    except ValueError:
        return None


@pytest.fixture
def api():
    return ApiClient
