import datetime

import pytest

from beneficiaries.models import Category, CategoryHolding, Household

START = datetime.date(2026, 1, 1)


@pytest.fixture
def poor_household(make_person):
    """A household of the poverty office's list in a village: its members hold `poor` from 1 January 2026."""
    counter = iter(range(1, 10_000))

    def make(village, members=("户主",), *, number=None, since=START) -> Household:
        household = Household.objects.create(number=number or f"H{village.code}{next(counter):04d}", village=village)
        poor = Category.objects.get(code="poor")
        for index, name in enumerate(members):
            person = make_person(village, name=name, birth=datetime.date(1950 + len(name) * 7 + index, 3, 1 + index),
                                 household=household, relation="head" if index == 0 else "child")
            CategoryHolding.objects.create(beneficiary=person, category=poor, source="poverty_office", start=since)
            if index == 0:
                household.head = person
                household.save(update_fields=["head"])
        return household

    return make
