"""The ledger page: filters, sorting, pagination, totals, links to people, area scoping, query counts."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from ledgers import selectors
from regions.models import Region
from tests.conftest import _user
from tests.ledgers.conftest import FORMULA_NAME, YEAR, enroll, hold

D = datetime.date
YEAR_QUERY = {"period": "year", "year": YEAR}


def names(response) -> list[str]:
    """The names in the ledger's rows, in order (the links to people)."""
    return re.findall(r'<td[^>]*><a href="/people/\d+/">([^<]+)</a></td>', response.content.decode())


def get(client, user, **params):
    client.force_login(user)
    return client.get(reverse("ledger"), params)


def test_the_page_lists_the_people_of_the_period_with_links_and_totals(client, county_2017, county_admin, county):
    response = get(client, county_admin, area=county.code, **YEAR_QUERY)
    html = response.content.decode()
    assert response.status_code == 200
    assert names(response) == ["田小红", "=HYPERLINK(&quot;http://x&quot;)", "白明华"]
    assert f'href="/people/{county_2017["red"].pk}/"' in html
    assert "往年对象" not in html and "仅参保" not in html
    totals = html.split('<tr class="totals">')[1].split("</tr>")[0]
    assert "3 人" in totals and "¥90,000.00" in totals
    assert html.count("<th") >= 36 + 5


@pytest.mark.parametrize("params, expected", [
    ({"categories": "dibao_rural"}, ["田小红", "白明华"]),
    ({"enrolled": "no"}, [FORMULA_NAME.replace('"', "&quot;")]),
    ({"enrolled": "yes"}, ["田小红", "白明华"]),
    ({"area": "500242101"}, ["白明华"]),
    ({"area": "500242100201"}, ["田小红", FORMULA_NAME.replace('"', "&quot;")]),
    ({"period": "quarter", "quarter": f"{YEAR}Q1"}, ["田小红", "白明华"]),
    ({"period": "month", "month": f"{YEAR}-12"}, ["田小红", FORMULA_NAME.replace('"', "&quot;"), "白明华"]),
    ({"period": "custom", "start": f"{YEAR}-08-01", "end": f"{YEAR}-08-31", "categories": "dibao_rural"},
     ["田小红", "白明华"]),
])
def test_filters(client, county_2017, county_admin, county, params, expected):
    response = get(client, county_admin, **({"area": county.code} | YEAR_QUERY | params))
    assert names(response) == expected


def test_a_bad_period_is_explained_and_lists_nobody(client, county_2017, county_admin, county):
    response = get(client, county_admin, area=county.code, period="quarter", quarter="2017Q5")
    assert "应写作 年份Q季度，例如 2024Q3" in response.content.decode()
    assert names(response) == []


def test_columns_sort_both_ways(client, county_2017, county_admin, county):
    inpatient_total = "c32"
    ascending = get(client, county_admin, area=county.code, sort=inpatient_total, **YEAR_QUERY)
    assert names(ascending)[-1] == "田小红"
    descending = get(client, county_admin, area=county.code, sort=f"-{inpatient_total}", **YEAR_QUERY)
    assert names(descending)[:2] == ["田小红", "白明华"]
    by_name = get(client, county_admin, area=county.code, sort="-name", **YEAR_QUERY)
    assert names(by_name) == sorted(names(by_name), reverse=True)
    assert "sort=-c32" in ascending.content.decode()  # the active column's link turns the order round


def test_pages_hold_page_size_rows_and_totals_cover_everyone(client, county_2017, county_admin, county, monkeypatch):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    first = get(client, county_admin, area=county.code, **YEAR_QUERY)
    second = get(client, county_admin, area=county.code, page=2, **YEAR_QUERY)
    assert len(names(first)) == 2 and names(second) == ["白明华"]
    assert "第 1 / 2 页" in first.content.decode()
    for response in (first, second):
        assert "3 人" in response.content.decode().split('<tr class="totals">')[1]


def test_a_township_clerk_sees_only_the_township(client, county_2017, clerk_a, county):
    mine = get(client, clerk_a, area="500242100", **YEAR_QUERY)
    assert "白明华" not in mine.content.decode() and "田小红" in names(mine)
    # Asking for the whole county or township B is refused by the form, and lists nobody.
    for area in (county.code, "500242101"):
        response = get(client, clerk_a, area=area, **YEAR_QUERY)
        assert "白明华" not in response.content.decode()
        assert names(response) == []


def test_ids_are_masked_for_users_without_the_sensitive_permission(client, county_2017, viewer, county_admin, county):
    number = county_2017["red"].id_number
    assert number not in get(client, viewer, area=county.code, **YEAR_QUERY).content.decode()
    assert number in get(client, county_admin, area=county.code, **YEAR_QUERY).content.decode()


@pytest.mark.parametrize("sort", ["village", "-c20"])
def test_the_page_takes_the_same_number_of_queries_for_many_people(
    client, county_2017, county_admin, county, make_person, village_a, category, settle, clerk_a, sort
):
    client.force_login(county_admin)
    url = reverse("ledger")
    params = {"area": county.code, "sort": sort, **YEAR_QUERY}
    client.get(url, params)  # the first request fills the process's caches
    with CaptureQueriesContext(connection) as few:
        client.get(url, params)
    for number in range(40):
        person = make_person(village_a, name=f"新增{number}")
        hold(person, category("poor"), D(YEAR, 1, 1))
        enroll(person, "resident_basic", "180.00")
        if number % 4 == 0:
            settle(clerk_a, person, day=D(YEAR, 3, 1 + number // 4), total="900", in_catalog="800",
                   visit_type="outpatient", level="township")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url, params)
    assert len(names(response)) == 43
    # session, user, permissions, the area's name, the form's areas and categories, the exports, the count and
    # the page of people, four aggregates for the page's people and four for the totals, the pooling area
    # (policy and region), the villages' names
    assert len(few) == len(many) <= 21


def test_a_page_spanning_several_counties_takes_no_more_queries_than_one(
    client, county_2017, make_person, category
):
    province = Region.objects.get(code="500000")
    official = _user("province_admin", Role.ADMIN, province)
    client.force_login(official)
    url = reverse("ledger")
    params = {"area": province.code, "sort": "name", **YEAR_QUERY}
    client.get(url, params)  # the first request fills the process's caches
    with CaptureQueriesContext(connection) as one_county:
        client.get(url, params)
    for code in ("500243", "500241", "500240"):
        township = Region.objects.create(code=f"{code}100", name=f"{code} 镇", level="township", parent_id=code)
        village = Region.objects.create(code=f"{code}100201", name=f"{code} 村", level="village", parent=township)
        hold(make_person(village, name=f"县{code}"), category("poor"), D(YEAR, 1, 1))
    with CaptureQueriesContext(connection) as four_counties:
        response = client.get(url, params)
    assert len(names(response)) == 6
    assert len(one_county) == len(four_counties)


def test_the_export_stream_takes_the_same_few_queries_for_many_people(
    county_2017, county_admin, year_filter, make_person, village_a, category, django_assert_max_num_queries
):
    for number in range(40):
        hold(make_person(village_a, name=f"新增{number}"), category("poor"), D(YEAR, 1, 1))
    # village names, the people, four per-person aggregates (categories, enrollment, bills, grants), the
    # pooling area's policy and region
    with django_assert_max_num_queries(8):
        rows = list(selectors.ledger_rows(county_admin, year_filter))
    assert len(rows) == 43


@pytest.mark.parametrize("sort, first", [("-c17", "田小红"), ("-c19", "田小红"), ("c19", "白明华"), ("-village", "白明华")])
def test_every_kind_of_sort_key(client, county_2017, county_admin, county, sort, first):
    # c17 subsidies: 180 / 100 / none; c19 outpatient visits: 1 / 0 / 1 (the formula person's comes second by id)
    assert names(get(client, county_admin, area=county.code, sort=sort, **YEAR_QUERY))[0] == first
