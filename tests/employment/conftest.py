import datetime

import pytest
from django.utils import timezone

from beneficiaries.models import Household
from employment import services
from employment.models import SchoolLevel

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def make_child(make_person):
    """A child of a new household of the registry in ``village``, born in 2004."""
    counter = iter(range(1, 10_000))

    def make(village, name="冉小军", *, birth=datetime.date(2004, 3, 1)):
        household = Household.objects.create(number=f"H{village.code}{next(counter):04d}", village=village)
        child = make_person(village, name=name, birth=birth, household=household, relation="child")
        household.head = child
        household.save(update_fields=["head"])
        return child

    return make


@pytest.fixture
def survey(clerk_a):
    """The child's survey of this year (by ``user``, clerk A unless told), graduated last year from a 中职 school."""

    def record(child, *, user=None, **changes):
        fields = {"year": TODAY.year, "school": "酉阳职教中心", "level": SchoolLevel.SECONDARY_VOCATIONAL,
                  "major": "数控技术", "graduation_year": TODAY.year - 1, "intention": "县内企业",
                  "wants_business": False, "business_plan": "", "needs": "岗位推荐",
                  "surveyed_on": TODAY.replace(month=1, day=1), "surveyed_by": "冉干部"} | changes
        return services.survey_record(user=user or clerk_a, person=child, **fields)

    return record


@pytest.fixture
def child_a(make_child, village_a):
    return make_child(village_a, "冉小军")


@pytest.fixture
def child_b(make_child, village_b):
    return make_child(village_b, "白小兰")
