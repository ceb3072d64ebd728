"""Partners in the product's pages: an administrator creates one and sees its key once, rotates and revokes
keys, sees its history and calls; only administrators, only partners of their area. The key is never stored,
only its digest."""

from __future__ import annotations

import logging
import re

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Role, User
from accounts.services import PARTNER_ACCOUNT, user_save
from api.keys import key_digest
from api.models import Partner, PartnerCall, Scope


def stored_text() -> str:
    """Every value of every row of every table, and every session's decoded data, as one text."""
    parts = []
    for model in apps.get_models(include_auto_created=True):
        parts += [repr(row) for row in model._default_manager.values_list()]
    parts += [repr(session.get_decoded()) for session in Session.objects.all()]
    return "\n".join(parts)


def new_partner(**changes) -> dict:
    return {"name": "龙潭镇卫生院系统", "kind": "hospital", "area": "500242100",
            "scopes": [Scope.READ_PEOPLE, Scope.READ_ALERTS], "rate_limit": "60", "contact": "冉医生 13800000000",
            **changes}


def test_creating_a_partner_shows_its_key_once_and_the_key_works(client, admin_a, person_a, api, caplog):
    client.force_login(admin_a)
    form = client.get(reverse("partners:new")).content.decode()
    assert 'type="checkbox" name="scopes" value="people:read"' in form

    # when
    with caplog.at_level(logging.DEBUG):
        response = client.post(reverse("partners:new"), new_partner())

    # then: the key is in the POST's own answer, not behind a redirect, and not to be cached
    assert response.status_code == 200, response.context["form"].errors if response.context.get("form") else ""
    key = response.context["key"]
    page = response.content.decode()
    assert key in page and "只显示这一次" in page
    assert "no-store" in response["Cache-Control"] and not response.has_header("Location")
    partner = Partner.objects.get(name="龙潭镇卫生院系统")
    assert (partner.kind, partner.area_id, partner.scopes, partner.rate_limit, partner.created_by) == (
        "hospital", "500242100", ["people:read", "alerts:read"], 60, admin_a)
    status, body, _ = api(key).get(f"people/{person_a.id_number}/")
    assert status == 200 and body["name"] == "田小红"

    # the key is nowhere but in that answer: not stored (its digest is), not in the history, the session,
    # a cookie, the log, nor on any later page
    assert partner.key_digest == key_digest(key)
    secret = key.split("_", 2)[2]
    assert secret not in stored_text()
    assert not any(secret in cookie.value for cookie in response.cookies.values())
    assert secret not in caplog.text
    detail = client.get(reverse("partners:detail", args=[partner.pk])).content.decode()
    assert partner.key_prefix in detail and secret not in detail
    assert "key_digest" not in [field.name for field in Partner.history.model._meta.fields]


def test_a_refused_partner_is_not_created_and_the_form_says_why(client, admin_a):
    client.force_login(admin_a)
    response = client.post(reverse("partners:new"), new_partner(scopes=[], area="500242101"))
    assert response.status_code == 200 and "key" not in response.context
    errors = response.context["form"].errors
    assert "scopes" in errors and "area" in errors
    assert not Partner.objects.exists()


def test_rotating_ends_the_old_key_and_shows_the_new_one_once(client, admin_a, make_partner, township_a,
                                                                person_a, api):
    partner, old = make_partner(township_a, [Scope.READ_PEOPLE])
    client.force_login(admin_a)
    detail = client.get(reverse("partners:detail", args=[partner.pk])).content.decode()
    assert 'data-confirm="轮换后旧密钥立即失效' in detail

    response = client.post(reverse("partners:rotate", args=[partner.pk]))

    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    new = response.context["key"]
    assert new != old and new in response.content.decode()
    assert api(old).get(f"people/{person_a.id_number}/")[0] == 401
    assert api(new).get(f"people/{person_a.id_number}/")[0] == 200
    assert new.split("_", 2)[2] not in stored_text()
    history = client.get(reverse("partners:detail", args=[partner.pk])).context["history"]
    assert history[0].reason == "轮换密钥" and history[0].who == str(admin_a)
    changed = {label: (before, after) for label, before, after in history[0].changes}
    assert set(changed) == {"密钥前缀", "密钥签发时间"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", changed["密钥签发时间"][1])  # local time, as read
    assert client.get(reverse("partners:rotate", args=[partner.pk])).status_code == 405


def test_revoking_asks_a_reason_ends_the_key_and_records_the_reason(client, admin_a, make_partner, township_a,
                                                                     person_a, api):
    partner, key = make_partner(township_a, [Scope.READ_PEOPLE])
    client.force_login(admin_a)
    page = client.get(reverse("partners:revoke", args=[partner.pk])).content.decode()
    assert "data-confirm=" in page and 'name="reason"' in page

    refused = client.post(reverse("partners:revoke", args=[partner.pk]), {"reason": " "})
    assert refused.status_code == 200 and refused.context["form"].errors["reason"]
    assert Partner.objects.get(pk=partner.pk).active

    response = client.post(reverse("partners:revoke", args=[partner.pk]), {"reason": "对接系统停用"})

    assert response.status_code == 302
    assert api(key).get(f"people/{person_a.id_number}/")[0] == 401
    partner.refresh_from_db()
    assert not partner.active and not partner.account.is_active
    detail = client.get(reverse("partners:detail", args=[partner.pk]))
    assert detail.context["history"][0].reason == "吊销：对接系统停用"
    assert "轮换密钥" not in detail.content.decode() and "已吊销" in detail.content.decode()
    # a revoked partner is not changed nor given a key any more
    assert client.get(reverse("partners:edit", args=[partner.pk])).status_code == 302
    assert client.post(reverse("partners:rotate", args=[partner.pk])).status_code == 302
    partner.refresh_from_db()
    assert api(key).get(f"people/{person_a.id_number}/")[0] == 401 and partner.key_digest == key_digest(key)


def test_a_change_is_saved_through_the_service_and_shown_in_chinese_in_the_history(client, admin_a, make_partner,
                                                                                   township_a):
    partner, _ = make_partner(township_a, [Scope.READ_PEOPLE])
    client.force_login(admin_a)
    form = client.get(reverse("partners:edit", args=[partner.pk])).context["form"]
    assert form.initial["scopes"] == ["people:read"] and form.initial["area"] == "500242100"

    response = client.post(reverse("partners:edit", args=[partner.pk]), new_partner(
        name=partner.name, kind=partner.kind, scopes=[Scope.READ_PEOPLE, Scope.PUSH_ROSTERS], rate_limit="30"))

    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.scopes == ["people:read", "rosters:write"] and partner.rate_limit == 30
    assert partner.account.role == Role.ADMIN  # rosters are applied by administrators (api.services.account_role)
    changes = client.get(reverse("partners:detail", args=[partner.pk])).context["history"][0].changes
    assert ("权限范围", "查询人员", "查询人员、推送名单") in changes
    assert ("每分钟调用上限", "120", "30") in changes


def test_the_partners_page_lists_its_recent_calls(client, admin_a, make_partner, township_a, person_a, api):
    partner, key = make_partner(township_a, [Scope.READ_PEOPLE])
    api(key).get(f"people/{person_a.id_number}/")
    api(key).get("people/500242000000000000/")
    client.force_login(admin_a)
    response = client.get(reverse("partners:detail", args=[partner.pk]))
    calls = list(response.context["calls"])
    assert [(call.status, call.outcome) for call in calls] == [(400, "refused"), (200, "ok")]
    page = response.content.decode()
    assert "成功" in page and "拒绝" in page
    listed = client.get(reverse("partners:list")).context["partners"]
    assert [(p.name, p.last_call) for p in listed] == [(partner.name, calls[0].at)]


@pytest.mark.parametrize("username", ["clerk_a", "viewer"])
def test_clerks_and_officials_get_403(client, request, make_partner, township_a, username):
    partner, key = make_partner(township_a, [Scope.READ_PEOPLE])
    client.force_login(request.getfixturevalue(username))
    for name in ("list", "new"):
        assert client.get(reverse(f"partners:{name}")).status_code == 403
    for name in ("detail", "edit", "revoke"):
        assert client.get(reverse(f"partners:{name}", args=[partner.pk])).status_code == 403
    assert client.post(reverse("partners:new"), new_partner()).status_code == 403
    assert client.post(reverse("partners:rotate", args=[partner.pk])).status_code == 403
    assert client.post(reverse("partners:revoke", args=[partner.pk]), {"reason": "试"}).status_code == 403
    assert "接口对接" not in client.get(reverse("home")).content.decode()
    after = Partner.objects.get(pk=partner.pk)
    assert (after.active, after.key_digest, Partner.objects.count()) == (True, key_digest(key), 1)


def test_an_administrator_of_township_b_neither_sees_nor_changes_a_partner_of_township_a(
        client, admin_b, make_partner, township_a, person_a, api):
    partner, key = make_partner(township_a, [Scope.READ_PEOPLE])
    client.force_login(admin_b)
    assert list(client.get(reverse("partners:list")).context["partners"]) == []
    for name in ("detail", "edit", "revoke"):
        assert client.get(reverse(f"partners:{name}", args=[partner.pk])).status_code == 404
    assert client.post(reverse("partners:edit", args=[partner.pk]), new_partner(area="500242101")).status_code == 404
    assert client.post(reverse("partners:rotate", args=[partner.pk])).status_code == 404
    assert client.post(reverse("partners:revoke", args=[partner.pk]), {"reason": "试"}).status_code == 404
    # nor can a partner be put in township A
    refused = client.post(reverse("partners:new"), new_partner(area="500242100"))
    assert "area" in refused.context["form"].errors and Partner.objects.count() == 1
    after = Partner.objects.get(pk=partner.pk)
    assert (after.active, after.key_digest, after.area_id) == (True, key_digest(key), "500242100")
    assert api(key).get(f"people/{person_a.id_number}/")[0] == 200


def test_a_partners_account_is_not_a_person_on_the_user_pages(client, admin_a, make_partner, township_a):
    partner, _ = make_partner(township_a, [Scope.PUSH_ROSTERS])
    account = partner.account
    client.force_login(admin_a)
    listed = [user.username for user, _ in client.get(reverse("user_list")).context["rows"]]
    assert account.username not in listed and "admin_a" in listed
    assert client.get(reverse("user_edit", args=[account.pk])).status_code == 404
    assert client.post(reverse("user_unlock", args=[account.pk])).status_code == 404
    with pytest.raises(ValidationError) as info:  # nor by the service the user pages, admin and command use
        user_save(actor=admin_a, user=account, password="Qingshan-2026")
    assert info.value.messages == [PARTNER_ACCOUNT.format(username=account.username)]
    assert not User.objects.get(pk=account.pk).has_usable_password()
    # the admin shows it, read only, and will not set its password
    change = client.get(reverse("admin:accounts_user_change", args=[account.pk]))
    assert change.status_code == 200 and 'name="first_name"' not in change.content.decode()
    assert client.get(reverse("admin:auth_user_password_change", args=[account.pk])).status_code == 403


def test_the_admin_lists_partners_and_calls_read_only_and_within_the_area(client, admin_a, admin_b, make_partner,
                                                                          township_a, person_a, api):
    partner, key = make_partner(township_a, [Scope.READ_PEOPLE])
    api(key).get(f"people/{person_a.id_number}/")
    client.force_login(admin_a)
    assert partner.name in client.get(reverse("admin:api_partner_changelist")).content.decode()
    change = client.get(reverse("admin:api_partner_change", args=[partner.pk]))
    assert change.status_code == 200 and partner.key_digest not in change.content.decode()
    assert 'name="name"' not in change.content.decode()  # read only
    assert client.get(reverse("admin:api_partner_add")).status_code == 403
    assert client.get(reverse("admin:api_partner_delete", args=[partner.pk])).status_code == 403
    call = PartnerCall.objects.get()
    assert client.get(reverse("admin:api_partnercall_change", args=[call.pk])).status_code == 200
    assert client.get(reverse("admin:api_partnercall_delete", args=[call.pk])).status_code == 403
    assert not admin_a.has_perm("api.delete_partner") and not admin_a.has_perm("api.delete_partnercall")
    client.force_login(admin_b)
    assert partner.name not in client.get(reverse("admin:api_partner_changelist")).content.decode()
    assert client.get(reverse("admin:api_partner_change", args=[partner.pk])).status_code == 404
    assert client.get(reverse("admin:api_partnercall_change", args=[call.pk])).status_code == 404
