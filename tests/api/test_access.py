"""Keys, scopes, rate limits, the call record, and the description pages."""

import datetime

from django.test import Client
from django.utils import timezone

from api.keys import key_digest
from api.models import Partner, PartnerCall, Scope


def test_the_rate_limit_answers_429_with_retry_after_and_counts_from_the_call_record(
        make_partner, api, township_a, person_a):
    partner, key = make_partner(township_a, [Scope.READ_PEOPLE], rate_limit=3)
    client = api(key)
    statuses = [client.get(f"people/{person_a.id_number}/")[0] for _ in range(3)]
    status, body, response = client.get(f"people/{person_a.id_number}/")
    assert statuses == [200, 200, 200] and status == 429
    assert 1 <= int(response["Retry-After"]) <= 60 and "秒后重试" in body["detail"]
    assert PartnerCall.objects.filter(partner=partner, outcome="throttled").count() == 1
    # A minute later the window has moved on (the refused call itself does not count).
    PartnerCall.objects.filter(partner=partner).update(at=timezone.now() - datetime.timedelta(seconds=61))
    assert client.get(f"people/{person_a.id_number}/")[0] == 200


def test_the_limit_is_per_partner(make_partner, api, township_a, person_a):
    _, busy = make_partner(township_a, [Scope.READ_PEOPLE], rate_limit=1)
    _, other = make_partner(township_a, [Scope.READ_PEOPLE], rate_limit=1)
    assert api(busy).get(f"people/{person_a.id_number}/")[0] == 200
    assert api(busy).get(f"people/{person_a.id_number}/")[0] == 429
    assert api(other).get(f"people/{person_a.id_number}/")[0] == 200


def test_only_the_keys_digest_is_stored_and_an_unknown_key_is_recorded_by_its_prefix(
        make_partner, api, township_a, person_a):
    partner, key = make_partner(township_a, [Scope.READ_PEOPLE])
    stored = Partner.objects.get(pk=partner.pk)
    assert stored.key_digest == key_digest(key) and key not in str(Partner.objects.values().get(pk=partner.pk))
    assert key not in str(list(Partner.history.values()))
    forged = f"hfp_{partner.key_prefix}_forged"
    assert api(forged).get(f"people/{person_a.id_number}/")[0] == 401
    call = PartnerCall.objects.get()
    assert (call.partner, call.key_prefix, call.outcome, call.status) == (None, partner.key_prefix,
                                                                        "unauthenticated", 401)


def test_the_partners_account_has_the_role_its_scopes_need_and_cannot_sign_in(make_partner, township_a):
    reader, _ = make_partner(township_a, [Scope.READ_PEOPLE, Scope.READ_LEDGER])
    settler, _ = make_partner(township_a, [Scope.PUSH_SETTLEMENTS])
    roster, _ = make_partner(township_a, [Scope.PUSH_ROSTERS, Scope.READ_PEOPLE])
    assert [p.account.role for p in (reader, settler, roster)] == ["viewer", "clerk", "admin"]
    assert all(p.account.area_id == township_a.code and not p.account.has_usable_password()
               for p in (reader, settler, roster))
    browser = Client()
    browser.post("/login/", {"username": reader.account.username, "password": "anything"})
    assert "_auth_user_id" not in browser.session


def test_unknown_query_parameters_are_refused(make_partner, api, township_a):
    _, key = make_partner(township_a, [Scope.READ_PEOPLE])
    status, body, _ = api(key).get("people/", {"changed_since": "2026-01-01T00:00:00+08:00", "chaged": "1"})
    assert status == 400 and body["errors"][0]["field"] == "chaged" and "changed_since" in body["errors"][0]["message"]


def test_the_description_and_its_chinese_page_need_no_key(client):
    schema = client.get("/api/v1/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert {"/api/v1/people/{id_number}/", "/api/v1/settlements/", "/api/v1/ledger/", "/api/v1/alerts/"} <= set(paths)
    assert paths["/api/v1/people/{id_number}/"]["get"]["x-scope"] == "people:read"
    page = client.get("/api/v1/docs/")
    text = page.content.decode()
    assert page.status_code == 200 and "按身份证号查询人员" in text and "problem-throttled" in text
    assert client.get("/api/v1/swagger/").status_code == 200


def test_an_unexpected_failure_is_a_problem_and_is_recorded(make_partner, api, township_a, person_a, monkeypatch,
                                                            caplog):
    partner, key = make_partner(township_a, [Scope.READ_PEOPLE])

    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr("api.people.person_year_burden", broken)
    status, body, response = api(key).get(f"people/{person_a.id_number}/")
    assert status == 500 and response["Content-Type"] == "application/problem+json"
    assert body["title"] == "服务器内部错误" and "database gone" not in response.content.decode()
    call = PartnerCall.objects.get()
    assert (call.partner, call.outcome, call.status) == (partner, "failed", 500)
    assert any("database gone" in str(record.exc_info) for record in caplog.records if record.exc_info)
