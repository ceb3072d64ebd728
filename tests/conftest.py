"""Shared fixtures: a county with two townships (A and B), users of each role and area, people."""

from __future__ import annotations

import datetime
import itertools

import pytest

from accounts.models import Role, User
from beneficiaries.idnumbers import check_character
from beneficiaries.models import Beneficiary, Category
from regions.models import Region

PASSWORD = "Test-pass-2026"


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """SQLite tests use a database file, not memory: Django's live server would otherwise share one
    connection between its request threads, which production never does (concurrent requests then
    collide inside each other's transactions)."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("db") / "test.sqlite3")
_sequence = itertools.count(1)


def make_id_number(birth: datetime.date = datetime.date(1960, 5, 4), area: str = "500242") -> str:
    first17 = f"{area}{birth:%Y%m%d}{next(_sequence) % 1000:03d}"
    return first17 + check_character(first17)


@pytest.fixture
def county(db):
    return Region.objects.get(code="500242")


@pytest.fixture
def township_a(county):
    return Region.objects.create(code="500242100", name="龙潭镇", level="township", parent=county)


@pytest.fixture
def township_b(county):
    return Region.objects.create(code="500242101", name="麻旺镇", level="township", parent=county)


@pytest.fixture
def village_a(township_a):
    return Region.objects.create(code="500242100201", name="红花村", level="village", parent=township_a)


@pytest.fixture
def village_b(township_b):
    return Region.objects.create(code="500242101201", name="青龙村", level="village", parent=township_b)


def _user(username, role, area, **extra) -> User:
    user = User(username=username, role=role, area=area, is_staff=role == Role.ADMIN, **extra)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def county_admin(county):
    return _user("county_admin", Role.ADMIN, county)


@pytest.fixture
def admin_a(township_a):
    return _user("admin_a", Role.ADMIN, township_a)


@pytest.fixture
def admin_b(township_b):
    return _user("admin_b", Role.ADMIN, township_b)


@pytest.fixture
def clerk_a(township_a):
    return _user("clerk_a", Role.CLERK, township_a)


@pytest.fixture
def clerk_b(township_b):
    return _user("clerk_b", Role.CLERK, township_b)


@pytest.fixture
def viewer(county):
    return _user("viewer", Role.VIEWER, county)


@pytest.fixture
def make_person(db):
    def make(village, name="张三", birth=datetime.date(1960, 5, 4), **fields) -> Beneficiary:
        number = make_id_number(birth)
        return Beneficiary.objects.create(
            name=name, id_number=number, sex="M" if int(number[16]) % 2 else "F", birth_date=birth,
            village=village, **fields,
        )

    return make


@pytest.fixture
def person_a(make_person, village_a):
    return make_person(village_a, name="田小红")


@pytest.fixture
def person_b(make_person, village_b):
    return make_person(village_b, name="白明华")


@pytest.fixture
def category(db):
    return lambda code: Category.objects.get(code=code)


@pytest.fixture
def media(settings, tmp_path):
    """Uploaded and exported files go to a fresh folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def immediate_tasks(settings):
    """Background jobs run at once, inside the test."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
