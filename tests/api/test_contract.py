"""Contract tests generated from the API's own OpenAPI description (schemathesis): every operation, with data
drawn from its description and data that breaks it, answers only as described — no server error, only the
documented status codes, content types, headers and bodies, 401 without a key."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from api.models import Scope

# Read once at collection from the running code (no database is needed to describe the API).
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", WSGIHandler())


@pytest.fixture
def connection_kept(db):
    """As Django's test client does: a finished request must not close the test's connection and transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def contract_key(connection_kept, make_partner, county, person_a, person_b):
    # A limit no generated run reaches: the contract is about answers; the limit has its own test.
    return make_partner(county, list(Scope.values), rate_limit=1_000_000)[1]


@schema.parametrize()
@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_every_operation_answers_as_described(case, contract_key):
    # Every check but one: a request the description allows may still be refused with 400, for what OpenAPI
    # cannot say (an ID number's check digit, an opaque cursor, a person not in the registry). Such a refusal is
    # still checked for its status, content type and problem-details body.
    case.call_and_validate(headers={"Authorization": f"Bearer {contract_key}"},
                           excluded_checks=[schemathesis.checks.positive_data_acceptance])
