import datetime

from api.models import PartnerCall, Scope
from beneficiaries.models import CategoryHolding


def test_a_person_is_found_by_id_number_with_categories_enrollment_and_burden(
        make_partner, api, township_a, person_a, category):
    CategoryHolding.objects.create(beneficiary=person_a, category=category("poor"), source="poverty_office",
                                   start=datetime.date(2016, 1, 1))
    partner, key = make_partner(township_a, [Scope.READ_PEOPLE])
    status, body, response = api(key).get(f"people/{person_a.id_number}/")
    assert status == 200, body
    assert body["name"] == "田小红" and body["village"]["name"] == "红花村"
    assert [(c["code"], c["source"], c["start"], c["end"]) for c in body["categories"]] == [
        ("poor", "poverty_office", "2016-01-01", None)]
    assert body["burden"]["year"] == datetime.date.today().year
    call = PartnerCall.objects.get()
    assert (call.partner, call.endpoint, call.status, call.outcome, call.area, call.counts) == (
        partner, "/api/v1/people/<str:id_number>/", 200, "ok", person_a.village_id, {"people": 1})


def test_township_a_cannot_see_a_person_of_township_b(make_partner, api, township_a, person_b):
    _, key = make_partner(township_a, [Scope.READ_PEOPLE])
    status, body, response = api(key).get(f"people/{person_b.id_number}/")
    assert status == 404 and response["Content-Type"] == "application/problem+json"
    assert body["status"] == 404 and "没有这个身份证号" in body["detail"] and person_b.id_number not in body["detail"]


def test_a_missing_scope_is_refused_and_recorded(make_partner, api, township_a, person_a):
    _, key = make_partner(township_a, [Scope.READ_ALERTS])
    status, body, _ = api(key).get(f"people/{person_a.id_number}/")
    assert status == 403 and "查询人员" in body["detail"]
    assert PartnerCall.objects.get().outcome == "refused"


def test_no_key_or_a_wrong_key_is_401(make_partner, api, township_a, person_a):
    _, key = make_partner(township_a, [Scope.READ_PEOPLE])
    for wrong in (None, key[:-2] + "xx", "nonsense"):
        status, body, response = api(wrong).get(f"people/{person_a.id_number}/")
        assert status == 401, (wrong, body)
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_people_changed_since_pages_by_cursor(make_partner, api, township_a, make_person, village_a, village_b):
    before = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    mine = [make_person(village_a, name=f"甲{i}") for i in range(5)]
    make_person(village_b, name="乙")
    _, key = make_partner(township_a, [Scope.READ_PEOPLE])
    seen, cursor = [], None
    while True:
        params = {"changed_since": before.isoformat(), "page_size": 2} | ({"cursor": cursor} if cursor else {})
        status, body, _ = api(key).get("people/", params)
        assert status == 200, body
        seen += [row["name"] for row in body["results"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(p.name for p in mine)
