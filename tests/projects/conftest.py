import datetime

import pytest

from beneficiaries.models import Category, CategoryHolding, Household
from projects import services

START = datetime.date(2026, 1, 1)
# reserve → approved → implementing, each a move of the project's history
MOVES = ("approved", "implementing")


@pytest.fixture
def poor_person(make_person):
    """A person holding `poor` from 1 January 2026 (or ``since``), with a labour capacity, in a household of their
    own unless given one."""
    counter = iter(range(1, 10_000))

    def make(village, name="田大山", *, birth=datetime.date(1980, 3, 1), capacity="able", household=None,
             since=START, category="poor"):
        if household is None:
            household = Household.objects.create(number=f"H{village.code}{next(counter):04d}", village=village)
        person = make_person(village, name=name, birth=birth, household=household, labour_capacity=capacity,
                             relation="head" if household.head_id is None else "child")
        if household.head_id is None:
            household.head = person
            household.save(update_fields=["head"])
        CategoryHolding.objects.create(beneficiary=person, category=Category.objects.get(code=category),
                                       source="poverty_office", start=since)
        return person

    return make


@pytest.fixture
def make_project(db):
    """A project of the library through the services, moved to ``status`` (by default 实施) on ``on``."""
    counter = iter(range(1, 10_000))

    def make(user, area, *, code=None, name="中蜂养殖", kind="farming", status="implementing",
             on=datetime.date(2026, 1, 5), lead_department="县农业农村委"):
        project = services.project_save(user=user, code=code or f"XM{area.code}-{next(counter):03d}", name=name,
                                        kind=kind, area=area, lead_department=lead_department, status_on=on)
        for step in MOVES[:MOVES.index(status) + 1] if status in MOVES else ():
            project = services.project_move(user=user, project=project, status=step, on=on)
        return project

    return make
