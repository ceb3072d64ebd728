"""A household's burden of a past year counts the members of the end of that year; of the current year, today's
members (monitoring.md). Households change through edits recorded in the person's history; the tests date
those records as if they had been made on the days below.

2017 under the shipped 酉阳 policy, everyone in 红花村:

- H1: 田小红 (poor, head; 100,000 at a city hospital → over); 冉二 (8,000), in H1 since 2016, moved to H2 on
  2018-03-01; 冉三 (6,000), 迁出 on 2018-02-01 (after 2017: counted); 冉四 (5,000), 迁出 on 2017-11-01
  (not counted).
- H2: 何大 (poor, head; 50,000 at a city hospital → warning); 冉五 (7,000), in no household in 2017, joined H2 on
  2018-05-01.
"""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.services import system_user
from beneficiaries.models import Beneficiary, Household
from beneficiaries.selectors import household_members_at, standings_at
from beneficiaries.services import beneficiary_set_status
from beneficiaries.templatetags.display import yuan
from claims.models import Settlement
from monitoring import selectors
from monitoring.exports import HEADERS
from monitoring.models import Alert
from policies.services import policies_load_shipped

D = datetime.date
YEAR = 2017


def at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))


def change(person: Beneficiary, day: datetime.date, **fields) -> None:
    """Edit the person as the person page does (a history record), the record dated ``day``."""
    person.refresh_from_db()
    for name, value in fields.items():
        setattr(person, name, value)
    person.save()
    newest = Beneficiary.history.filter(id=person.pk).order_by("-history_id").first()
    Beneficiary.history.filter(history_id=newest.history_id).update(history_date=at(day))


def personal(person) -> Decimal:
    rows = Settlement.objects.current().filter(claim__beneficiary=person, claim__discharged_on__year=YEAR)
    return sum((s.personal for s in rows), Decimal("0.00"))


@pytest.fixture
def families(db, make_person, village_a, covered, settle, clerk_a):
    policies_load_shipped(user=system_user())
    h1 = Household.objects.create(number="H1", village=village_a)
    h2 = Household.objects.create(number="H2", village=village_a)
    people = {}
    for name, household, categories, total, in_catalog, level in (
        ("田小红", h1, ["poor"], "100000", "60000", "city"),
        ("冉二", h1, [], "8000", "6000", "county"),
        ("冉三", h1, [], "6000", "5000", "county"),
        ("冉四", h1, [], "5000", "4000", "county"),
        ("何大", h2, ["poor"], "50000", "30000", "city"),
        ("冉五", None, [], "7000", "5000", "county"),
    ):
        person = covered(make_person(village_a, name=name, household=household), YEAR, categories)
        Beneficiary.history.filter(id=person.pk).update(history_date=at(D(2016, 6, 1)))  # registered in 2016
        settle(clerk_a, person, day=D(YEAR, 9, 1), total=total, in_catalog=in_catalog, level=level)
        people[name] = person
    Household.objects.filter(pk=h1.pk).update(head=people["田小红"])
    Household.objects.filter(pk=h2.pk).update(head=people["何大"])
    change(people["冉二"], D(2018, 3, 1), household=h2)
    change(people["冉五"], D(2018, 5, 1), household=h2)
    # 迁出 recorded today, dated by its day: after 2017 for 冉三, within it for 冉四
    beneficiary_set_status(user=clerk_a, person=people["冉三"], status="moved_away", day=D(2018, 2, 1))
    beneficiary_set_status(user=clerk_a, person=people["冉四"], status="moved_away", day=D(2017, 11, 1))
    people = {p.name: p for p in Beneficiary.objects.select_related("village", "household")}
    return people, h1, h2


def test_the_members_at_the_end_of_a_past_year_and_today(families):
    people, h1, h2 = families
    ids = {name: person.pk for name, person in people.items()}
    end_of_2017 = selectors.membership_moment(YEAR)
    assert end_of_2017 == timezone.make_aware(datetime.datetime(2018, 1, 1))
    assert selectors.membership_moment(timezone.localdate().year) is None

    then = household_members_at(end_of_2017, [h1.pk, h2.pk])
    assert set(then[h1.pk]) == {ids["田小红"], ids["冉二"], ids["冉三"], ids["冉四"]}
    assert set(then[h2.pk]) == {ids["何大"]}
    assert then[h1.pk][ids["冉三"]].status == "active"  # moved away only in 2018
    assert then[h1.pk][ids["冉四"]].status == "moved_away"
    assert standings_at(end_of_2017, [ids["冉五"]])[ids["冉五"]].household_id is None

    now = household_members_at(None, [h1.pk, h2.pk])
    assert set(now[h1.pk]) == {ids["田小红"], ids["冉三"], ids["冉四"]}
    assert set(now[h2.pk]) == {ids["何大"], ids["冉二"], ids["冉五"]}


def test_the_alert_list_sums_the_households_of_the_end_of_the_year(families):
    people, _, _ = families
    red, he = people["田小红"], people["何大"]
    alerts = list(Alert.objects.filter(year=YEAR).select_related("beneficiary").order_by("beneficiary__name"))
    assert {a.beneficiary.name for a in alerts} == {"田小红", "何大"}
    burdens = {row.person.name: row.household_burden for row in selectors.alert_rows(alerts, YEAR)}
    assert burdens == {
        "田小红": personal(red) + personal(people["冉二"]) + personal(people["冉三"]),
        "何大": personal(he),
    }
    assert personal(people["冉二"]) > 0 and personal(people["冉四"]) > 0 and personal(people["冉五"]) > 0


def test_the_household_page_shows_each_years_own_members(client, families, viewer):
    people, h1, h2 = families
    client.force_login(viewer)
    this_year = timezone.localdate().year

    page = client.get(reverse("household_detail", args=[h2.pk])).content.decode()
    now, past = page.split(f"<h3>{this_year} 年</h3>")[1].split(f"<h3>{YEAR} 年</h3>")
    assert "冉二" in now and "冉五" in now
    assert "冉二" not in past and "冉五" not in past and yuan(personal(people["何大"])) in past

    page = client.get(reverse("household_detail", args=[h1.pk])).content.decode()
    past = page.split(f"<h3>{YEAR} 年</h3>")[1]
    assert "冉二" in past and yuan(personal(people["冉二"])) in past
    expected = personal(people["田小红"]) + personal(people["冉二"]) + personal(people["冉三"])
    assert f'家庭负担合计</td><td class="num">{yuan(expected)}' in past


def test_the_export_gives_the_size_of_the_household_at_the_end_of_the_year(client, families, viewer):
    client.force_login(viewer)
    response = client.get(reverse("monitoring:alert_export"), {"year": YEAR})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows.index(tuple(HEADERS))
    sizes = {row[HEADERS.index("姓名")]: (row[0], row[1]) for row in rows[header + 1:] if row[2]}
    # H1 at the end of 2017: 田小红, 冉二, 冉三 (冉四 had moved away); H2: 何大 alone
    assert sizes == {"田小红": ("田小红", 3), "何大": ("何大", 1)}
