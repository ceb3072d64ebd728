"""The statistics page (定期调度统计) reads a fixed number of queries, however many people the area holds: its
figures are aggregates, never one query per person or per township."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.ledgers.conftest import YEAR, hold

D = datetime.date
# session, user, permissions (two), the user's area, the area choices, then the statistics: the townships,
# people and bills of each table (townships, categories, total) and the months (quarter_stats; the page is measured
# in a province of a million people by benchmarks/province.py), and the health coverage: its townships, people,
# households and inpatient bills (health.selectors.coverage)
STATS_PAGE_QUERIES = 34  # 19, and the three tables of seed 000's other two plans (15)


def test_the_statistics_page_takes_the_same_queries_for_many_people(client, county_2017, county_admin, county,
                                                                     make_person, village_a, category):
    client.force_login(county_admin)
    url, params = reverse("ledger_stats"), {"area": county.code, "quarter": f"{YEAR}Q3"}
    client.get(url, params)  # the first request fills the process's caches
    with CaptureQueriesContext(connection) as few:
        before = client.get(url, params)
    for number in range(30):
        hold(make_person(village_a, name=f"新增{number}"), category("poor"), D(YEAR, 1, 1))
    with CaptureQueriesContext(connection) as many:
        after = client.get(url, params)
    assert before.status_code == after.status_code == 200
    assert len(few) == len(many) <= STATS_PAGE_QUERIES, [query["sql"][:80] for query in many.captured_queries]
    assert after.context["stats"].total.people == before.context["stats"].total.people + 30
