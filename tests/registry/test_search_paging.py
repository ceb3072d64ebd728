"""The search shows how many people it found and pages through them, counting with the page's own query."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from beneficiaries.selectors import SEARCH_PAGE_SIZE, beneficiary_search_page

FOUND = 2 * SEARCH_PAGE_SIZE + 7


@pytest.fixture
def many_ran(make_person, village_a, village_b):
    people = [make_person(village_a, name=f"冉{n:03d}") for n in range(FOUND)]
    make_person(village_b, name="冉外")  # outside the clerk's township: never found, never counted
    make_person(village_a, name="田一")
    return people


def links(html: str) -> list[str]:
    return re.findall(r'href="/people/(\d+)/"', html)


@pytest.mark.django_db
def test_every_match_is_reachable_page_by_page_with_the_total_shown(client, clerk_a, many_ran):
    # given
    client.force_login(clerk_a)
    url = reverse("search")
    # when
    pages = [client.get(url, {"q": "冉", "page": n}).content.decode() for n in (1, 2, 3)]
    # then
    assert [len(links(html)) for html in pages] == [SEARCH_PAGE_SIZE, SEARCH_PAGE_SIZE, 7]
    seen = [pk for html in pages for pk in links(html)]
    assert sorted(map(int, seen)) == sorted(person.pk for person in many_ran)
    assert f"共找到 {FOUND} 人" in pages[0]
    assert "第 1 / 3 页" in pages[0] and "下一页" in pages[0] and "上一页" not in pages[0]
    assert "第 3 / 3 页" in pages[2] and "下一页" not in pages[2]
    assert "q=%E5%86%89&amp;page=2" in pages[0]  # the query is kept in the page links


@pytest.mark.django_db
def test_a_later_page_takes_as_many_queries_as_the_first(client, clerk_a, many_ran):
    client.force_login(clerk_a)
    url = reverse("search")
    client.get(url, {"q": "冉"})
    counts = []
    for number in (1, 3):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, {"q": "冉", "page": number}).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_the_selector_counts_in_the_same_query_as_the_page(clerk_a, many_ran):
    with CaptureQueriesContext(connection) as queries:
        page = beneficiary_search_page(user=clerk_a, query="冉", number=2)
    assert len(queries) == 1
    assert page.paginator.count == FOUND
    assert page.number == 2 and len(page) == SEARCH_PAGE_SIZE


@pytest.mark.django_db
@pytest.mark.parametrize("asked, shown", [("99", 3), ("0", 1), ("x", 1)])
def test_a_page_out_of_range_shows_the_nearest(clerk_a, many_ran, asked, shown):
    page = beneficiary_search_page(user=clerk_a, query="冉", number=asked)
    assert page.number == shown
    assert page.paginator.count == FOUND
    assert len(page) == (7 if shown == 3 else SEARCH_PAGE_SIZE)


@pytest.mark.django_db
def test_nothing_found_says_so_without_a_count(client, clerk_a, many_ran):
    client.force_login(clerk_a)
    html = client.get(reverse("search"), {"q": "欧阳"}).content.decode()
    assert "没有找到“欧阳”" in html
    assert "共找到" not in html


@pytest.mark.django_db
def test_one_match_with_go_opens_the_person(client, clerk_a, many_ran):
    client.force_login(clerk_a)
    response = client.get(reverse("search"), {"q": "田一", "go": "1"})
    assert response.status_code == 302 and response.url.startswith("/people/")
