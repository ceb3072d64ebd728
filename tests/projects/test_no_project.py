"""The list of the working-age poor with labour capacity and no project yet, the list of those whose capacity is
not recorded, and the two township tables on a small county counted by hand."""

import datetime
from decimal import Decimal

import pytest

from beneficiaries.services import beneficiary_set_status
from projects import services
from projects.selectors import library_table, no_project, participation_table, unrecorded_capacity

D = datetime.date
DAY = D(2026, 6, 30)


def names(people):
    return sorted(person.name for person in people)


def test_who_is_on_the_list(clerk_a, admin_a, village_a, poor_person, make_person):
    poor_person(village_a, "十六岁", birth=D(2010, 6, 30))  # 16 on the day
    poor_person(village_a, "十五岁", birth=D(2010, 7, 1))  # 16 the day after
    poor_person(village_a, "六十岁", birth=D(1965, 7, 1))  # 61 the day after
    poor_person(village_a, "六十一", birth=D(1965, 6, 30))  # 61 on the day
    poor_person(village_a, "弱劳力", capacity="weak")
    poor_person(village_a, "无劳力", capacity="none")
    poor_person(village_a, "返贫户", category="returned_poor")
    poor_person(village_a, "低保户", category="dibao_rural")
    poor_person(village_a, "未登记", capacity="")
    poor_person(village_a, "年中入", since=D(2026, 7, 1))
    deceased = poor_person(village_a, "已故者")
    beneficiary_set_status(user=admin_a, person=deceased, status="deceased", day=D(2026, 5, 1))
    make_person(village_a, name="非贫困", labour_capacity="able")
    assert names(no_project(clerk_a, area_code="500242", day=DAY)) == sorted(
        ["十六岁", "六十岁", "弱劳力", "返贫户"])
    assert names(unrecorded_capacity(clerk_a, area_code="500242", day=DAY)) == ["未登记"]


def test_a_person_leaves_the_list_on_joining_and_comes_back_when_the_participation_ends(clerk_a, village_a,
                                                                                        poor_person, make_project):
    person = poor_person(village_a, "冉秀英")
    project = make_project(clerk_a, village_a)
    joined = services.participation_start(user=clerk_a, project=project, person=person, role="worker",
                                          starts_on=D(2026, 3, 1))
    assert names(no_project(clerk_a, area_code="500242", day=D(2026, 2, 28))) == ["冉秀英"]
    assert names(no_project(clerk_a, area_code="500242", day=D(2026, 3, 1))) == []
    services.participation_end(user=clerk_a, participation=joined, ends_on=D(2026, 6, 30), reason="外出务工")
    assert names(no_project(clerk_a, area_code="500242", day=D(2026, 6, 30))) == []
    assert names(no_project(clerk_a, area_code="500242", day=D(2026, 7, 1))) == ["冉秀英"]


def test_a_township_clerk_sees_their_township_only(clerk_a, village_a, village_b, poor_person):
    poor_person(village_a, "冉一")
    poor_person(village_b, "白一")
    assert names(no_project(clerk_a, area_code="500242", day=DAY)) == ["冉一"]
    assert [row.code for row in participation_table(clerk_a, area_code="500242", day=DAY).rows] == ["500242100"]


@pytest.fixture
def county_by_hand(clerk_a, clerk_b, village_a, village_b, township_b, poor_person, make_project):
    """Township A: a household of two capable people, one in a project (¥1,200.50 less a ¥0.25 correction by the
    day, ¥999 after it), a capable person alone, one whose capacity is not recorded; funding ¥100,000 less ¥0.01.
    Township B: a capable person in the township's workshop (¥0.10); a second project cancelled after the day;
    ¥55,555.55 by the day and ¥1,000 after it."""
    a1 = poor_person(village_a, "甲一")
    poor_person(village_a, "甲二", household=a1.household)
    poor_person(village_a, "乙一")
    poor_person(village_a, "丙一", capacity="")
    b1 = poor_person(village_b, "丁一")
    project_a = make_project(clerk_a, village_a, code="A-1", on=D(2026, 1, 5))
    project_b = make_project(clerk_b, township_b, code="B-1", kind="workshop", on=D(2026, 1, 5))
    cancelled = make_project(clerk_b, village_b, code="B-2", status="approved", on=D(2026, 1, 5))
    services.project_move(user=clerk_b, project=cancelled, status="cancelled", on=D(2026, 8, 1), note="选址变更")
    services.funding_add(user=clerk_a, project=project_a, source="central", amount=Decimal("100000.00"),
                         arrived_on=D(2026, 2, 1))
    services.funding_add(user=clerk_a, project=project_a, source="central", amount=Decimal("-0.01"),
                         arrived_on=D(2026, 3, 1))
    services.funding_add(user=clerk_b, project=project_b, source="pairing", amount=Decimal("55555.55"),
                         arrived_on=D(2026, 2, 1))
    services.funding_add(user=clerk_b, project=project_b, source="county", amount=Decimal("1000.00"),
                         arrived_on=D(2026, 7, 1))  # after the day
    joined = services.participation_start(user=clerk_a, project=project_a, person=a1, role="worker",
                                          starts_on=D(2026, 2, 1))
    services.income_add(user=clerk_a, participation=joined, received_on=D(2026, 3, 31), amount=Decimal("1200.50"))
    services.income_add(user=clerk_a, participation=joined, received_on=D(2026, 4, 30), amount=Decimal("-0.25"))
    services.income_add(user=clerk_a, participation=joined, received_on=D(2026, 7, 31), amount=Decimal("999"))
    joined_b = services.participation_start(user=clerk_b, project=project_b, person=b1, role="shareholder",
                                            starts_on=D(2026, 3, 1))
    services.income_add(user=clerk_b, participation=joined_b, received_on=D(2026, 6, 30), amount=Decimal("0.10"))


def test_participation_table_against_the_county_counted_by_hand(county_admin, county_by_hand):
    table = participation_table(county_admin, area_code="500242", day=DAY)
    a, b = (row.values for row in table.rows)
    assert (a["capable"], a["joined"], a["not_joined"], a["unrecorded"]) == (3, 1, 2, 1)
    assert (a["households"], a["households_joined"], a["income"]) == (3, 1, Decimal("1200.25"))
    assert (a["rate"], a["household_rate"]) == (Decimal("0.3333"), Decimal("0.3333"))
    assert (b["capable"], b["joined"], b["rate"], b["income"]) == (1, 1, Decimal("1.0000"), Decimal("0.10"))
    total = table.total.values
    assert (total["capable"], total["joined"], total["not_joined"], total["unrecorded"]) == (4, 2, 2, 1)
    assert (total["households"], total["households_joined"]) == (4, 2)
    assert (total["rate"], total["household_rate"], total["income"]) == (Decimal("0.5000"), Decimal("0.5000"),
                                                                        Decimal("1200.35"))


def test_library_table_against_the_county_counted_by_hand(county_admin, county_by_hand):
    table = library_table(county_admin, area_code="500242", day=DAY)
    a, b = (row.values for row in table.rows)
    assert (a["projects"], a["status_implementing"], a["funding"], a["funding_central"]) == (
        1, 1, Decimal("99999.99"), Decimal("99999.99"))
    # B-2 was still 立项 on the day (cancelled later); the county's ¥1,000 arrived after it
    assert (b["projects"], b["status_implementing"], b["status_approved"], b["status_cancelled"]) == (2, 1, 1, 0)
    assert (b["funding"], b["funding_pairing"], b["funding_county"], b["participants"]) == (
        Decimal("55555.55"), Decimal("55555.55"), Decimal("0"), 1)
    assert table.total.values["funding"] == Decimal("155555.54")
    assert table.total.values["participants"] == 2
    later = library_table(county_admin, area_code="500242", day=D(2026, 8, 1)).total.values
    assert (later["status_cancelled"], later["funding_county"]) == (1, Decimal("1000.00"))
    assert library_table(county_admin, area_code="500242", day=D(2026, 1, 4)).total.values["projects"] == 0
