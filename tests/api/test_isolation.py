"""A partner of township A reaches nothing of township B, and nothing outside its scopes, through any endpoint.

``CALLS`` holds a call of every operation of the API's description aimed at township B's data; the first test
fails when an operation has none, so a new endpoint is covered before it ships."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from api.models import Scope
from beneficiaries.models import CategoryHolding
from claims.models import Claim
from monitoring.models import Alert, Level
from rosters.models import RosterBatch
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.usefixtures("media", "immediate_tasks")

THIS_YEAR = datetime.date.today().year


@pytest.fixture
def b_world(make_partner, township_b, person_b, category):
    """Township B's person holding a category, with an alert, and a roster batch B's own partner pushed."""
    CategoryHolding.objects.create(beneficiary=person_b, category=category("dibao_rural"), source="civil_affairs",
                                   start=datetime.date(2020, 1, 1))
    Alert.objects.create(beneficiary=person_b, year=THIS_YEAR, medical=Decimal("9000.00"), burden=Decimal("9000.00"),
                         threshold=Decimal("10000.00"), label="因病返贫监测", level=Level.OVER)
    _, b_key = make_partner(township_b, [Scope.PUSH_ROSTERS])
    status, body, _ = ApiClient(b_key).post("rosters/", {
        "source": "civil_affairs", "month": f"{THIS_YEAR}-01",
        "rows": [{"id_number": person_b.id_number, "name": person_b.name, "category": "农村低保",
                  "village": person_b.village_id}]})
    assert status == 201, body
    return {"person": person_b, "batch": RosterBatch.objects.get(pk=body["id"])}


def _settlement_item(person):
    return {"setl_id": "B-1", "psn_cert_no": person.id_number, "psn_name": person.name, "med_type": "住院",
            "fixmedins_name": "县医院", "level": "县级", "begndate": f"{THIS_YEAR}-01-02",
            "enddate": f"{THIS_YEAR}-01-05", "medfee_sumamt": "1000.00", "inscp_scp_amt": "800.00"}


# operationId: (scope, how to call it for township B's data, what township A's partner must get)
CALLS = {
    "person_lookup": (Scope.READ_PEOPLE, lambda c, b: c.get(f"people/{b['person'].id_number}/"), 404),
    "people_changed": (Scope.READ_PEOPLE, lambda c, b: c.get("people/", {"changed_since": "2000-01-01T00:00:00Z"}),
                       "empty"),
    "settlements_push": (Scope.PUSH_SETTLEMENTS, lambda c, b: c.post("settlements/", {"items": [
        _settlement_item(b["person"])]}), 400),
    "roster_push": (Scope.PUSH_ROSTERS, lambda c, b: c.post("rosters/", {
        "source": "civil_affairs", "month": f"{THIS_YEAR}-01", "area": "500242101",
        "rows": [{"id_number": b["person"].id_number, "name": b["person"].name, "category": "农村低保",
                  "village": b["person"].village_id}]}), 403),
    "roster_batch": (Scope.PUSH_ROSTERS, lambda c, b: c.get(f"rosters/{b['batch'].pk}/"), 404),
    "roster_batch_apply": (Scope.PUSH_ROSTERS, lambda c, b: c.post(f"rosters/{b['batch'].pk}/apply/", {}), 404),
    "ledger_rows": (Scope.READ_LEDGER, lambda c, b: c.get("ledger/", {"year": THIS_YEAR, "area": "500242101"}), 403),
    "alert_list": (Scope.READ_ALERTS, lambda c, b: c.get("alerts/", {"area": "500242101"}), 403),
}
# The same operations without an area asked for: township A's own view, which must hold nothing of B.
OWN_AREA = {
    "ledger_rows": lambda c: c.get("ledger/", {"year": THIS_YEAR}),
    "alert_list": lambda c: c.get("alerts/"),
}


def test_every_operation_of_the_description_is_covered(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    operations = {op["operationId"] for item in schema["paths"].values() for op in item.values()}
    assert operations == set(CALLS)


@pytest.mark.parametrize("operation", sorted(CALLS))
def test_township_a_reaches_nothing_of_township_b(operation, make_partner, api, township_a, b_world):
    _, key = make_partner(township_a, list(Scope.values))
    scope, call, expected = CALLS[operation]
    before = (Claim.objects.count(), RosterBatch.objects.count(), CategoryHolding.objects.count())
    status, body, response = call(api(key), b_world)
    text = response.content.decode()
    if operation == "settlements_push":
        # The ID number the partner sent comes back in the same words as one nobody holds: no sign B's person exists.
        assert body["errors"] == [{"item": 1, "field": "psn_cert_no",
                                   "message": f"{b_world['person'].id_number} 不在登记册中（或不在您的管辖区域内）。"}]
    else:
        assert b_world["person"].name not in text and b_world["person"].id_number not in text
    if expected == "empty":
        assert status == 200 and body["results"] == []
    else:
        assert status == expected, body
        assert response["Content-Type"] == "application/problem+json"
    assert (Claim.objects.count(), RosterBatch.objects.count(), CategoryHolding.objects.count()) == before
    if operation in OWN_AREA:
        status, body, response = OWN_AREA[operation](api(key))
        assert status == 200 and b_world["person"].name not in response.content.decode()


@pytest.mark.parametrize("operation", sorted(CALLS))
def test_no_operation_without_its_scope(operation, make_partner, api, county, b_world):
    scope, call, _ = CALLS[operation]
    _, key = make_partner(county, [other for other in Scope.values if other != scope])
    before = (Claim.objects.count(), RosterBatch.objects.count(), CategoryHolding.objects.count())
    status, body, _ = call(api(key), b_world)
    assert status == 403 and Scope(scope).label in body["detail"]
    assert (Claim.objects.count(), RosterBatch.objects.count(), CategoryHolding.objects.count()) == before
