"""The project figures of a day count those living and taking part that day: a cancelled project ends its
participations, a dead participant no longer counts, a past day counts who was living then; corrections and a
project's move to another township cannot leave a past day's figures wrong."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from beneficiaries.models import Beneficiary
from projects import selectors, services

D = datetime.date


@pytest.fixture
def joined(county_admin, township_a, village_a, poor_person, make_project):
    project = make_project(county_admin, township_a)
    person = poor_person(village_a, "冉大山")
    participation = services.participation_start(user=county_admin, project=project, person=person, role="grower",
                                                 starts_on=D(2026, 2, 1))
    return project, person, participation


def figures(user, day):
    return selectors.participation_table(user, area_code="500242", day=day).total.values


def test_cancelling_a_project_ends_its_participations_that_day(county_admin, joined):
    project, person, participation = joined
    services.project_move(user=county_admin, project=project, status="cancelled", on=D(2026, 3, 1),
                          note="选址不当")
    participation.refresh_from_db()
    assert (participation.ends_on, participation.end_reason) == (D(2026, 3, 1), "项目终止：选址不当")
    assert participation.history.first().history_user == county_admin
    assert (figures(county_admin, D(2026, 2, 15))["joined"], figures(county_admin, D(2026, 11, 30))["joined"]) == \
        (1, 0)
    assert list(selectors.no_project(county_admin, area_code="500242", day=D(2026, 11, 30))) == [person]
    library = selectors.library_table(county_admin, area_code="500242", day=D(2026, 11, 30)).total.values
    assert (library["status_cancelled"], library["participants"]) == (1, 0)


def test_a_project_cannot_be_cancelled_before_a_participant_joined(county_admin, joined):
    project, _person, _participation = joined
    with pytest.raises(ValidationError, match="冉大山 于 2026-02-01 参与该项目，终止日期不能早于此"):
        services.project_move(user=county_admin, project=project, status="cancelled", on=D(2026, 1, 20),
                              note="资金未到位")


def test_a_participant_who_died_no_longer_counts_and_a_past_day_counts_them(county_admin, joined):
    _project, person, _participation = joined
    Beneficiary.objects.filter(pk=person.pk).update(status="deceased", status_date=D(2026, 5, 1))
    before, after = figures(county_admin, D(2026, 4, 30)), figures(county_admin, D(2026, 11, 30))
    assert (before["capable"], before["joined"], before["households"], before["households_joined"]) == (1, 1, 1, 1)
    assert (after["capable"], after["joined"], after["households"], after["households_joined"]) == (0, 0, 0, 0)
    library = selectors.library_table(county_admin, area_code="500242", day=D(2026, 11, 30)).total.values
    assert library["participants"] == 0


def test_a_project_with_participants_stays_in_its_township(county_admin, joined, village_b):
    project, _person, _participation = joined
    with pytest.raises(ValidationError, match="项目已有参与人，不能改到其他乡镇"):
        services.project_save(user=county_admin, project=project, code=project.code, name=project.name,
                              kind=project.kind, area=village_b, lead_department=project.lead_department)


def test_a_correction_cannot_take_back_before_the_money_arrived(county_admin, joined):
    project, _person, participation = joined
    services.funding_add(user=county_admin, project=project, source="central", amount=Decimal("100.00"),
                         arrived_on=D(2026, 6, 1))
    with pytest.raises(ValidationError, match="不能小于 0"):
        services.funding_add(user=county_admin, project=project, source="central", amount=Decimal("-100.00"),
                             arrived_on=D(2026, 2, 1))
    services.funding_add(user=county_admin, project=project, source="central", amount=Decimal("-100.00"),
                         arrived_on=D(2026, 6, 2))
    services.income_add(user=county_admin, participation=participation, received_on=D(2026, 6, 30),
                        amount=Decimal("50.00"))
    with pytest.raises(ValidationError, match="不能小于 0"):
        services.income_add(user=county_admin, participation=participation, received_on=D(2026, 3, 1),
                            amount=Decimal("-20.00"))
    library = selectors.library_table(county_admin, area_code="500242", day=D(2026, 3, 31)).total.values
    assert library["funding"] == Decimal("0.00")


def test_nobody_takes_part_before_the_project_was_approved(county_admin, township_a, village_a, poor_person,
                                                            make_project):
    project = make_project(county_admin, township_a, on=D(2026, 3, 1))
    person = poor_person(village_a, "田二妹")
    with pytest.raises(ValidationError, match="参与日期 2026-02-15 早于项目立项日期 2026-03-01"):
        services.participation_start(user=county_admin, project=project, person=person, role="worker",
                                     starts_on=D(2026, 2, 15))
    services.participation_start(user=county_admin, project=project, person=person, role="worker",
                                 starts_on=D(2026, 3, 1))
