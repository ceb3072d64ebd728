"""A county of children counted by hand, for the figures, the lists and the commands (all dates from today,
since the services refuse the future).

Township A (龙潭镇, village_a):
- a1 中职, graduated last year, in a firm for 200 days, visited 30 days ago (稳定): placed, within three years.
- a2 中职, graduated last year, in a firm for 200 days, never visited: placed, due a visit, at risk (overdue).
- a3 高职, graduated last year, no job: unplaced; a subsidy of ¥1,000.50 and one of ¥499.50 voided, both on 1
  January; a training course.
- a4 普通高校, graduating in two years: surveyed, not graduated.
- a5 surveyed last year only (graduated then), on a public-welfare post for 10 days: placed.
Township B (麻旺镇, village_b):
- b1 中职, in a firm from 300 days ago until 20 days ago: unplaced, at risk (left before three years); a loan of
  ¥50,000.00 on 1 January, and a subsidy of ¥800.25 on 31 December last year (another year).
- b2 中职, in flexible work for 100 days, visited 5 days ago (不稳定): placed (not under the rule).
- b3 surveyed, then died yesterday: counted as surveyed, not among the graduated.
"""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from beneficiaries.models import Beneficiary
from employment import services
from employment.models import Placement, SchoolLevel, Support

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
NEW_YEAR = TODAY.replace(month=1, day=1)

EXPECTED_A = {"surveyed": 4, "graduated": 4, "placed": 3, "placement_rate": Decimal("0.7500"), "unplaced": 1,
              "kind_enterprise": 2, "kind_public_welfare": 1, "kind_flexible": 0, "kind_public_institution": 0,
              "kind_self_employed": 0, "kind_migrant": 0, "three_years": 2, "at_risk": 1, "visits_due": 1,
              "subsidies": 1, "subsidy_amount": Decimal("1000.50"), "loan_amount": Decimal("0.00"), "trainings": 1}
EXPECTED_B = {"surveyed": 3, "graduated": 2, "placed": 1, "placement_rate": Decimal("0.5000"), "unplaced": 1,
              "kind_enterprise": 0, "kind_public_welfare": 0, "kind_flexible": 1, "kind_public_institution": 0,
              "kind_self_employed": 0, "kind_migrant": 0, "three_years": 0, "at_risk": 1, "visits_due": 0,
              "subsidies": 0, "subsidy_amount": Decimal("0.00"), "loan_amount": Decimal("50000.00"), "trainings": 0}
EXPECTED_TOTAL = {key: EXPECTED_A[key] + EXPECTED_B[key] for key in EXPECTED_A} | {
    "placement_rate": Decimal("0.6667")}


@pytest.fixture
def ledger_county(make_child, survey, village_a, village_b, clerk_a, clerk_b):
    def child(village, name, user, **survey_changes):
        person = make_child(village, name)
        survey(person, user=user, **survey_changes)
        return person

    def place(person, user, days_ago, kind=Placement.Kind.ENTERPRISE, employer="酉阳某电子厂"):
        return services.placement_start(user=user, person=person, kind=kind, employer=employer,
                                        starts_on=TODAY - days_ago * DAY)

    def visit(placement, user, days_ago, status):
        services.visit_record(user=user, placement=placement, visited_on=TODAY - days_ago * DAY, visitor="冉干部",
                              status=status)

    def give(person, user, kind, on, amount=None):
        return services.support_give(user=user, person=person, kind=kind, given_on=on, provider="县人社局",
                                     amount=amount)

    people = {}
    people["a1"] = child(village_a, "冉一", clerk_a)
    visit(place(people["a1"], clerk_a, 200), clerk_a, 30, "stable")
    people["a2"] = child(village_a, "冉二", clerk_a)
    place(people["a2"], clerk_a, 200, employer="龙潭食品厂")
    people["a3"] = child(village_a, "冉三", clerk_a, level=SchoolLevel.HIGHER_VOCATIONAL, school="重庆某职院",
                         major="会计", needs="求职补贴")
    give(people["a3"], clerk_a, Support.Kind.SUBSIDY, NEW_YEAR, Decimal("1000.50"))
    voided = give(people["a3"], clerk_a, Support.Kind.SUBSIDY, NEW_YEAR, Decimal("499.50"))
    services.support_void(user=clerk_a, support=voided, voided_on=NEW_YEAR, reason="重复登记")
    give(people["a3"], clerk_a, Support.Kind.TRAINING, NEW_YEAR)
    people["a4"] = child(village_a, "冉四", clerk_a, level=SchoolLevel.UNIVERSITY, graduation_year=TODAY.year + 2)
    people["a5"] = child(village_a, "冉五", clerk_a, year=TODAY.year - 1, graduation_year=TODAY.year - 1,
                         surveyed_on=NEW_YEAR.replace(year=TODAY.year - 1))
    place(people["a5"], clerk_a, 10, kind=Placement.Kind.PUBLIC_WELFARE, employer="龙潭镇政府")

    people["b1"] = child(village_b, "白一", clerk_b)
    ended = place(people["b1"], clerk_b, 300)
    services.placement_end(user=clerk_b, placement=ended, ends_on=TODAY - 20 * DAY, reason="辞职")
    give(people["b1"], clerk_b, Support.Kind.LOAN, NEW_YEAR, Decimal("50000.00"))
    give(people["b1"], clerk_b, Support.Kind.SUBSIDY, NEW_YEAR - DAY, Decimal("800.25"))
    people["b2"] = child(village_b, "白二", clerk_b)
    visit(place(people["b2"], clerk_b, 100, kind=Placement.Kind.FLEXIBLE, employer="快递网点"), clerk_b, 5,
          "unstable")
    people["b3"] = child(village_b, "白三", clerk_b)
    Beneficiary.objects.filter(pk=people["b3"].pk).update(status=Beneficiary.Status.DECEASED,
                                                          status_date=TODAY - DAY)
    return people
