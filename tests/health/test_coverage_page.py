"""The coverage page and its drill-down on a county counted by hand (coverage_county.py): the figures, the
lists of those missed, the area limits, the Excel download and the access log."""

from __future__ import annotations

import io
from html.parser import HTMLParser

import openpyxl
import pytest
from django.urls import reverse

from accounts.models import AccessLog
from beneficiaries.idnumbers import mask
from tests.health.coverage_county import DAY, coverage_county, hospital, load_vector_policy, settle  # noqa: F401

pytestmark = pytest.mark.django_db
RATES = ("contracts", "records", "cards", "treatment", "in_county")


class CoverageTable(HTMLParser):
    """The page's rate cells by township (``data-township``; the total row as ``total``), and its links."""

    def __init__(self):
        super().__init__()
        self.rates: dict[str, dict[str, str]] = {}
        self.below: dict[str, set[str]] = {}
        self.links: dict[tuple[str, str], str] = {}
        self._row = self._cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and ("data-township" in attrs or "data-total" in attrs):
            self._row = attrs.get("data-township") or "total"
            self.rates[self._row], self.below[self._row] = {}, set()
        elif tag == "td" and self._row and "data-measure" in attrs:
            self._cell = attrs["data-measure"]
            self.rates[self._row][self._cell] = ""
            if "below-goal" in attrs.get("class", ""):
                self.below[self._row].add(self._cell)
        elif tag == "a" and self._row and "data-missing" in attrs:
            self.links[(self._row, attrs["data-missing"])] = attrs["href"]

    def handle_data(self, data):
        if self._cell:
            self.rates[self._row][self._cell] += data

    def handle_endtag(self, tag):
        if tag == "td":
            self._cell = None
        elif tag == "tr":
            self._row = None


def read(client, user, url) -> tuple[CoverageTable, str]:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    text = response.content.decode()
    table = CoverageTable()
    table.feed(text)
    return table, text


def test_the_figures_equal_a_count_by_hand(client, county_admin, coverage_county):
    table, text = read(client, county_admin, reverse("health:coverage") + f"?day={DAY.isoformat()}")
    assert table.rates == {
        "500242100": {"contracts": "33.33%未达标", "records": "50.00%未达标", "cards": "25.00%未达标",
                      "treatment": "50.00%未达标", "in_county": "50.00%未达标"},
        "500242101": dict.fromkeys(RATES, "100.00%") | {"treatment": "—"},
        "total": {"contracts": "50.00%未达标", "records": "60.00%未达标", "cards": "40.00%未达标",
                  "treatment": "50.00%未达标", "in_county": "66.67%未达标"},
    }
    assert table.below["500242101"] == set()
    assert "县域内就诊率：2017-01-01 至 2017-06-30" in text
    # Every count of those missed opens its list; the in-county bills and a zero open nothing.
    assert set(table.links) == {(row, m) for row in ("500242100", "total") for m in RATES[:4]}
    assert table.links[("500242100", "cards")] == "/health/missing/cards/?area=500242100&day=2017-06-30"


def test_a_quarter_counts_its_own_inpatient_bills_on_its_last_day(client, county_admin, coverage_county):
    table, text = read(client, county_admin, reverse("health:coverage") + "?quarter=2017Q2")
    assert table.rates["500242100"]["in_county"] == "0.00%未达标"
    assert table.rates["500242100"]["contracts"] == "33.33%未达标"  # on 30 June, as asked by day
    assert table.rates["total"]["in_county"] == "50.00%未达标"
    assert "县域内就诊率：2017-04-01 至 2017-06-30" in text


def test_a_bad_quarter_is_refused_in_words(client, county_admin, coverage_county):
    client.force_login(county_admin)
    response = client.get(reverse("health:coverage") + "?quarter=2017-2")
    assert "季度“2017-2”应写作 年份Q季度" in response.content.decode()
    assert b"data-township" not in response.content


@pytest.mark.parametrize(("measure", "expected"), [
    ("contracts", ["second", "third"]), ("records", ["bing", "ding"]), ("cards", ["yi", "bing", "ding"]),
    ("treatment", ["jia"]),
])
def test_the_drill_down_lists_exactly_those_missed(client, county_admin, coverage_county, measure, expected):
    url = reverse("health:missing", args=[measure]) + f"?area=500242&day={DAY.isoformat()}"
    client.force_login(county_admin)
    text = client.get(url).content.decode()
    attribute = "data-household" if measure == "contracts" else "data-person"
    listed = [int(part.split('"')[1]) for part in text.split(f"{attribute}=")[1:]]
    assert listed == [coverage_county[key].pk for key in expected]
    page = "health:household" if measure == "contracts" else "health:person"
    assert reverse(page, args=[coverage_county[expected[0]].pk]) in text


def test_a_clerk_of_township_a_sees_only_a(client, clerk_a, coverage_county):
    table, _ = read(client, clerk_a, reverse("health:coverage") + f"?day={DAY.isoformat()}")
    assert set(table.rates) == {"500242100", "total"}
    assert table.rates["total"]["records"] == "50.00%未达标"
    client.force_login(clerk_a)
    asked_b = client.get(reverse("health:coverage") + f"?area=500242101&day={DAY.isoformat()}")
    assert b"data-township" not in asked_b.content
    assert "区域：" in asked_b.content.decode()
    listed = client.get(reverse("health:missing", args=["cards"]) + f"?area=500242101&day={DAY.isoformat()}")
    assert listed.status_code == 400 and "戊戊" not in listed.content.decode()
    assert not AccessLog.objects.filter(user=clerk_a).exists()


def test_reading_the_list_goes_to_the_access_log_and_ids_are_masked(client, clerk_a, coverage_county):
    client.force_login(clerk_a)
    text = client.get(reverse("health:missing", args=["cards"]) + f"?area=500242100&day={DAY.isoformat()}"
                      ).content.decode()
    yi = coverage_county["yi"]
    assert mask(yi.id_number) in text and yi.id_number not in text
    log = AccessLog.objects.get(user=clerk_a)
    assert (log.action, log.object_id, log.rows) == (AccessLog.Action.VIEW_PERSON, "health_missing:cards", 3)
    assert "龙潭镇 2017-06-30" in log.detail


def test_the_excel_has_the_same_rows_ids_as_text(client, clerk_a, county_admin, coverage_county):
    url = reverse("health:missing", args=["records"]) + f"?day={DAY.isoformat()}&format=xlsx"  # the user's area
    for user, shown in ((clerk_a, mask), (county_admin, str)):
        client.force_login(user)
        response = client.get(url)
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=3)]
        people = [coverage_county["bing"], coverage_county["ding"]]
        assert rows == [["龙潭镇", "红花村", p.household.number, p.name, shown(p.id_number)] for p in people]
        assert sheet.cell(row=3, column=5).number_format == "@"
        log = AccessLog.objects.filter(user=user).get()
        assert (log.action, log.object_id, log.rows) == (AccessLog.Action.EXPORT, "health_missing:records", 2)


def test_an_unknown_measure_is_not_found(client, county_admin, coverage_county):
    client.force_login(county_admin)
    assert client.get(reverse("health:missing", args=["in_county"])).status_code == 404
