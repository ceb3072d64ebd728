"""A small county for the coverage figures, counted by hand (imported by the coverage tests as a fixture).

On 30 June 2017 (``DAY``), of the poor (holding ``poor`` from 1 January 2017):

Township A (龙潭镇, village 红花村):
- 甲甲 and 乙乙 (household ``first``): a contract in force; both have a record; 甲甲 a card, 乙乙's card revoked on
  1 May; 甲甲 has a case of lung cancer still waiting (待救治); 甲甲 an inpatient bill in county in March and one
  in August (after the day).
- 丙丙 (``second``): a contract that starts on 1 July (not yet in force); no record, no card; a cataract case
  treated (已救治); an inpatient bill at a city hospital outside the county in April.
- 丁丁 (``third``): a contract ended on 1 March; a record established on 15 July (after the day); a case closed.
- 非贫困 (no category): a record and a card, counted nowhere.
Township B (麻旺镇, village 青龙村):
- 戊戊 (``fourth``): a contract in force, a record, a card, no case; an inpatient bill in county in May.

By hand: A 1/3 households signed (33.33%), 2/4 recorded (50.00%), 1/4 carded (25.00%), 1/2 patients treated
(50.00%), 1/2 inpatient bills in county (50.00%) from 1 January; B 100% everywhere, no patient; the county
2/4, 3/5, 2/5, 1/2 and 2/3. For 2017Q2 (bills from 1 April): A 0/1, B 1/1.
"""

from __future__ import annotations

import datetime

import pytest

from health import services
from health.models import Disease
from tests.claims.conftest import hospital, load_vector_policy, settle  # noqa: F401  (fixtures)

D = datetime.date
DAY = D(2017, 6, 30)
START = D(2017, 1, 1)
TERMS = {"team": "第一团队", "doctor": "冉医生", "clinic": "龙潭镇卫生院", "package": "基础包"}


def _sign(user, household, first, last):
    return services.contract_sign(user=user, household=household, signed_on=first, starts_on=first, ends_on=last,
                                  **TERMS)


def _case(user, person, code, on):
    return services.treatment_register(user=user, person=person, disease=Disease.objects.get(code=code),
                                       treatment_class="cure_once", institution="县人民医院", registered_on=on)


@pytest.fixture
def coverage_county(load_vector_policy, poor_household, make_person, village_a, village_b, clerk_a, clerk_b,
                    settle, hospital):
    load_vector_policy("youyang-2017")
    first = poor_household(village_a, ["甲甲", "乙乙"], since=START)
    second = poor_household(village_a, ["丙丙"], since=START)
    third = poor_household(village_a, ["丁丁"], since=START)
    fourth = poor_household(village_b, ["戊戊"], since=START)
    jia, yi = first.members.order_by("pk")
    bing, ding, wu = second.head, third.head, fourth.head

    _sign(clerk_a, first, START, D(2017, 12, 31))
    _sign(clerk_a, second, D(2017, 7, 1), D(2018, 6, 30))
    ended = _sign(clerk_a, third, START, D(2017, 12, 31))
    services.contract_end(user=clerk_a, contract=ended, ended_on=D(2017, 3, 1), reason="迁出")
    _sign(clerk_b, fourth, START, D(2017, 12, 31))

    for number, (user, person, on) in enumerate([(clerk_a, jia, D(2017, 2, 1)), (clerk_a, yi, D(2017, 2, 1)),
                                                 (clerk_a, ding, D(2017, 7, 15)), (clerk_b, wu, D(2017, 2, 1))]):
        services.record_establish(user=user, person=person, number=f"DA-{number}", established_on=on)
    services.card_issue(user=clerk_a, person=jia, number="HC-1", issued_on=D(2017, 2, 1), handed_over_by="村医")
    revoked = services.card_issue(user=clerk_a, person=yi, number="HC-2", issued_on=D(2017, 2, 1),
                                  handed_over_by="村医")
    services.card_revoke(user=clerk_a, card=revoked, revoked_on=D(2017, 5, 1), reason="遗失")
    services.card_issue(user=clerk_b, person=wu, number="HC-3", issued_on=D(2017, 2, 1), handed_over_by="村医")

    _case(clerk_a, jia, "lung_cancer", D(2017, 5, 1))
    treated = _case(clerk_a, bing, "cataract", D(2017, 3, 1))
    services.treatment_set_status(user=clerk_a, case=treated, status="treated", on=D(2017, 3, 20))
    closed = _case(clerk_a, ding, "cataract", D(2017, 2, 1))
    services.treatment_set_status(user=clerk_a, case=closed, status="closed", on=D(2017, 4, 1))

    outsider = make_person(village_a, name="非贫困")
    services.record_establish(user=clerk_a, person=outsider, number="DA-X", established_on=D(2017, 2, 1))
    services.card_issue(user=clerk_a, person=outsider, number="HC-X", issued_on=D(2017, 2, 1), handed_over_by="村医")

    hospital("city", in_county=False)
    settle(clerk_a, jia, day=D(2017, 3, 10), total="8000", in_catalog="7000")
    settle(clerk_a, jia, day=D(2017, 8, 1), total="3000", in_catalog="2500")
    settle(clerk_a, bing, day=D(2017, 4, 10), total="20000", in_catalog="16000", level="city")
    settle(clerk_b, wu, day=D(2017, 5, 1), total="6000", in_catalog="5000")
    return {"first": first, "second": second, "third": third, "fourth": fourth, "jia": jia, "yi": yi,
            "bing": bing, "ding": ding, "wu": wu, "outsider": outsider}
