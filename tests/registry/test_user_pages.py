"""Users in the product's own pages: an administrator manages the users of their area only, with the name in
one field, a role no higher than their own, an area inside theirs; ends a lockout; every change is in the
user's history. The commands follow the same rules."""

from __future__ import annotations

import io
import json

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import Role, User
from accounts.services import AREA_OUTSIDE, OWN_ACCOUNT, failed_logins, user_save
from tests.conftest import PASSWORD

NEW_PASSWORD = "Qingshan-2026"


def new_user(**changes) -> dict:
    return {"name": "冉晓梅", "username": "ranxm", "role": "clerk", "area": "500242100", "unit": "龙潭镇便民服务中心",
            "phone": "13800000000", "is_active": "on", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD,
            **changes}


def test_an_administrator_creates_a_clerk_with_one_name_field_who_can_then_log_in(client, admin_a):
    client.force_login(admin_a)
    form = client.get(reverse("user_new")).content.decode()
    assert 'name="name"' in form and 'name="first_name"' not in form and 'name="last_name"' not in form
    assert "user_permissions" not in form
    response = client.post(reverse("user_new"), new_user())
    assert response.status_code == 302
    user = User.objects.get(username="ranxm")
    assert (user.first_name, user.last_name, user.role, user.area_id, user.is_staff) == (
        "冉晓梅", "", Role.CLERK, "500242100", False)
    client.logout()
    assert client.post(reverse("login"), {"username": "ranxm", "password": NEW_PASSWORD}).status_code == 302


def test_an_administrator_sees_and_edits_only_the_users_of_their_area(client, admin_a, clerk_a, clerk_b):
    client.force_login(admin_a)
    listed = client.get(reverse("user_list"))
    usernames = [user.username for user, _ in listed.context["rows"]]
    assert "clerk_a" in usernames and "clerk_b" not in usernames
    assert client.get(reverse("user_edit", args=[clerk_b.pk])).status_code == 404
    assert client.post(reverse("user_unlock", args=[clerk_b.pk])).status_code == 404


def test_an_area_outside_and_a_role_above_are_refused(client, admin_a, township_b, clerk_a):
    client.force_login(admin_a)
    outside = client.post(reverse("user_new"), new_user(area="500242101"))
    assert "area" in outside.context["form"].errors and not User.objects.filter(username="ranxm").exists()
    clerk_a.area = township_b
    with pytest.raises(ValidationError) as info:
        user_save(actor=admin_a, user=clerk_a)
    assert AREA_OUTSIDE in str(info.value)
    clerk = User.objects.get(username="clerk_a")
    with pytest.raises(ValidationError) as info:
        user_save(actor=clerk, user=User(username="x", role=Role.VIEWER, area=clerk.area))
    assert "只有管理员" in str(info.value)


def test_an_administrator_cannot_disable_themselves(client, admin_a):
    client.force_login(admin_a)
    response = client.post(reverse("user_edit", args=[admin_a.pk]), new_user(
        name="管理员", username="admin_a", role="admin", is_active="", password="", password_again=""))
    assert response.status_code == 200
    assert OWN_ACCOUNT in response.content.decode()
    admin_a.refresh_from_db()
    assert admin_a.is_active


def test_a_weak_password_is_refused_at_its_field(client, admin_a):
    client.force_login(admin_a)
    response = client.post(reverse("user_new"), new_user(password="12345678", password_again="12345678"))
    assert response.status_code == 200
    assert response.context["form"].errors["password"]
    assert not User.objects.filter(username="ranxm").exists()


def test_unlock_ends_a_lockout_and_is_in_the_history(client, admin_a, clerk_a):
    # given: clerk_a locked out by failed logins
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "clerk_a", "password": "wrong"})
    assert client.post(reverse("login"), {"username": "clerk_a", "password": PASSWORD}).status_code == 429
    assert failed_logins(clerk_a) >= settings.AXES_FAILURE_LIMIT

    # when
    client.force_login(admin_a)
    page = client.get(reverse("user_edit", args=[clerk_a.pk])).content.decode()
    assert "已被锁定" in page
    response = client.post(reverse("user_unlock", args=[clerk_a.pk]))

    # then
    assert response.status_code == 302
    assert failed_logins(clerk_a) == 0
    client.logout()
    assert client.post(reverse("login"), {"username": "clerk_a", "password": PASSWORD}).status_code == 302
    client.force_login(admin_a)
    history = client.get(reverse("user_edit", args=[clerk_a.pk])).context["history"]
    assert history[0].reason.startswith("解除登录锁定") and history[0].who == str(admin_a)


def test_each_change_is_in_the_users_history_with_who_did_it(client, admin_a, clerk_a):
    client.force_login(admin_a)
    client.post(reverse("user_edit", args=[clerk_a.pk]), new_user(
        name="田秀英", username="clerk_a", role="viewer", area="500242100", password="", password_again=""))
    page = client.get(reverse("user_edit", args=[clerk_a.pk]))
    changes = [change for entry in page.context["history"] for change in entry.changes]
    assert ("角色", "经办员", "查询") in changes
    assert ("姓名", "（空）", "田秀英") in changes
    assert page.context["history"][0].who == str(admin_a)
    # a password reset is an entry (without the hash); a login saves last_login alone: no entry
    client.post(reverse("user_edit", args=[clerk_a.pk]), new_user(
        name="田秀英", username="clerk_a", role="viewer", area="500242100"))
    assert client.get(reverse("user_edit", args=[clerk_a.pk])).context["history"][0].reason == "设置了密码"
    assert "password" not in [field.name for field in User.history.model._meta.fields]
    rows = User.history.filter(id=clerk_a.pk).count()
    client.logout()
    assert client.post(reverse("login"), {"username": "clerk_a", "password": NEW_PASSWORD}).status_code == 302
    assert User.history.filter(id=clerk_a.pk).count() == rows


def test_clerks_have_no_user_pages(client, clerk_a):
    client.force_login(clerk_a)
    assert client.get(reverse("user_list")).status_code == 403
    assert client.get(reverse("user_new")).status_code == 403


def test_the_commands_create_a_user_and_end_a_lockout_under_the_same_rules(admin_a, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(NEW_PASSWORD + "\n"))
    out = io.StringIO()
    call_command("user_save", "ranxm", "--name", "冉晓梅", "--role", "clerk", "--area", "500242100",
                 "--password-stdin", "--user", "admin_a", "--json", stdout=out)
    assert json.loads(out.getvalue())["created"] is True
    assert User.objects.get(username="ranxm").check_password(NEW_PASSWORD)
    with pytest.raises(CommandError) as info:
        call_command("user_save", "ranxm", "--area", "500242101", "--user", "admin_a", stdout=io.StringIO())
    assert info.value.returncode == 2 and AREA_OUTSIDE in str(info.value)
    out = io.StringIO()
    call_command("user_unlock", "ranxm", "--user", "admin_a", "--json", stdout=out)
    assert json.loads(out.getvalue()) == {"username": "ranxm", "removed": 0}
