import datetime
import os
import subprocess
import sys
from unittest import mock

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PASSWORD

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.parametrize("url", ["/", "/people/?q=1", "/people/1/", "/households/new/", "/people/new/"])
def test_every_page_requires_login(client, db, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_login_with_the_right_password_works(client, clerk_a):
    response = client.post(reverse("login"), {"username": "clerk_a", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_repeated_failed_logins_lock_the_account_out(client, clerk_a):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "clerk_a", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "clerk_a", "password": PASSWORD})
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()


def session_writes(queries) -> list[str]:
    return [q["sql"] for q in queries if "django_session" in q["sql"] and not q["sql"].startswith("SELECT")]


@pytest.fixture
def clock():
    """The time the session machinery reads (django.utils.timezone.now), moved by the test."""
    moment = [timezone.now()]
    with mock.patch("django.utils.timezone.now", side_effect=lambda: moment[0]):
        yield lambda **delta: moment.__setitem__(0, moment[0] + datetime.timedelta(**delta))


def signed_in(client, user) -> None:
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302


def test_sessions_end_after_thirty_minutes_of_inactivity(client, clerk_a, clock):
    assert settings.SESSION_COOKIE_AGE == 30 * 60 and settings.SESSION_REFRESH_INTERVAL == 60
    signed_in(client, clerk_a)
    clock(seconds=settings.SESSION_COOKIE_AGE + 1)
    response = client.get(reverse("search"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_page_right_after_signing_in_writes_no_session_row(client, clerk_a, clock):
    signed_in(client, clerk_a)
    clock(seconds=settings.SESSION_REFRESH_INTERVAL - 1)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("search"), {"q": "田"}).status_code == 200
    assert session_writes(queries) == []


def test_an_active_session_stays_alive_and_is_written_at_most_once_a_refresh_interval(client, clerk_a, clock):
    signed_in(client, clerk_a)
    writes = []
    for _ in range(12):  # a request every 10 minutes for two hours, each idle time a third of the limit
        clock(minutes=10)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("search")).status_code == 200
        writes.append(len(session_writes(queries)))
        clock(seconds=1)  # and another one a second later: within the interval, nothing written
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("search")).status_code == 200
        writes.append(len(session_writes(queries)))
    assert writes == [1, 0] * 12


def test_an_idle_session_lives_at_least_the_idle_time_less_the_refresh_interval(client, clerk_a, clock):
    signed_in(client, clerk_a)
    clock(seconds=settings.SESSION_REFRESH_INTERVAL - 1)
    client.get(reverse("search"))  # not written: the expiry still counts from signing in
    clock(seconds=settings.SESSION_COOKIE_AGE - settings.SESSION_REFRESH_INTERVAL)
    assert client.get(reverse("search")).status_code == 200
    clock(seconds=settings.SESSION_COOKIE_AGE + 1)
    assert client.get(reverse("search")).status_code == 302


def test_weak_passwords_are_refused():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ("12345678", "password", "abc"):
        with pytest.raises(ValidationError):
            validate_password(weak)


def test_production_settings_pass_check_deploy():
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "x" * 60 + "production-like-secret-key-for-the-check",
           "ALLOWED_HOSTS": "yb.example.gov.cn"}
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_without_a_secret_key_production_refuses_to_start():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"} | {"DEBUG": "0"}
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_a_viewer_cannot_change_people(client, viewer, person_a):
    client.force_login(viewer)
    assert client.get(reverse("person_edit", args=[person_a.pk])).status_code == 403
    assert client.get(reverse("person_detail", args=[person_a.pk])).status_code == 200
