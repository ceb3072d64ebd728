"""The ledger and the alert list through the API: the export's rows and columns, the browser list's filter,
cursor paging, areas and scopes."""

import datetime
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.ledger import KEYS
from api.models import PartnerCall, Scope
from beneficiaries.idnumbers import mask
from ledgers.columns import COLUMNS, YES, Kind
from config.periods import year_period
from ledgers.selectors import LedgerFilter
from ledgers.services import ledger_export_write
from ledgers.workbooks import HEADER_ROWS
from monitoring.models import Alert, Level
from tests.ledgers import conftest as ledger_fixtures
from tests.ledgers.conftest import YEAR, hold

county_2017 = ledger_fixtures.county_2017  # the ledgers' small 2017 county, as a fixture here
THIS_YEAR = timezone.localdate().year
LEDGER, ALERTS = [Scope.READ_LEDGER], [Scope.READ_ALERTS]


def every_page(client, path, params, size):
    """Every page by cursor: the rows, and how many pages."""
    rows, cursor, pages = [], None, 0
    while True:
        status, body, _ = client.get(path, params | {"page_size": size} | ({"cursor": cursor} if cursor else {}))
        assert status == 200, body
        rows += body["results"]
        pages += 1
        cursor = body["next_cursor"]
        if not cursor:
            return rows, pages


def exported(user, area_code, tmp_path) -> list[list]:
    """The rows of the ledger export for ``user``, as the workbook holds them (its totals row left out)."""
    path = tmp_path / "ledger.xlsx"
    ledger_export_write(user=user, ledger_filter=LedgerFilter(area_code=area_code, period=year_period(YEAR)),
                        path=path)
    sheet = openpyxl.load_workbook(path).active
    return [list(values) for values in sheet.iter_rows(min_row=HEADER_ROWS + 1, values_only=True)][:-1]


def as_exported(row: dict) -> list:
    """An API row in the workbook's terms: 是/否, and numbers."""
    cells = []
    for key, column in zip(KEYS, COLUMNS, strict=True):
        value = row[key]
        if column.kind == Kind.FLAG:
            value = YES if value else "否"
        elif column.kind == Kind.MONEY:
            value = float(Decimal(value))
        cells.append(value)
    return cells


@pytest.mark.parametrize("scopes, sees_ids", [(LEDGER, False), ([Scope.PUSH_ROSTERS, Scope.READ_LEDGER], True)])
def test_the_ledger_pages_are_the_exports_rows_and_columns(
        make_partner, api, township_a, county_2017, tmp_path, scopes, sees_ids):
    partner, key = make_partner(township_a, scopes)
    rows, pages = every_page(api(key), "ledger/", {"year": YEAR}, size=1)
    assert pages == 2
    export = exported(partner.account, township_a.code, tmp_path)
    assert [as_exported(row) for row in rows] == export
    assert [row["name"] for row in rows] == ["田小红", county_2017["formula"].name]  # not 白明华 of township B
    red = county_2017["red"].id_number
    assert rows[0]["id_number"] == (red if sees_ids else mask(red))
    assert (rows[0]["poor"], rows[0]["dibao_rural"], rows[0]["enrollment_subsidy"]) == (True, True, "180.00")
    assert rows[0]["inpatient_bills"] == 1 and Decimal(rows[0]["inpatient_total"]) == Decimal("60000.00")
    call = PartnerCall.objects.filter(endpoint="/api/v1/ledger/").first()
    assert (call.area, call.counts, call.outcome) == (township_a.code, {"rows": 1}, "ok")


def test_the_ledger_of_a_quarter_and_the_period_rules(make_partner, api, township_a, county_2017):
    _, key = make_partner(township_a, LEDGER)
    status, body, _ = api(key).get("ledger/", {"period": f"{YEAR}Q1"})
    assert status == 200 and [row["name"] for row in body["results"]] == ["田小红"]
    assert body["period"] == {"first": f"{YEAR}-01-01", "last": f"{YEAR}-03-31", "label": f"{YEAR}年第一季度"}
    for params, field in [({}, "period"), ({"year": YEAR, "period": f"{YEAR}-05"}, "period"),
                          ({"period": f"{YEAR}Q5"}, "period"), ({"year": YEAR, "area": "500242100299"}, "area"),
                          ({"year": YEAR, "sort": "name"}, "sort")]:
        status, body, _ = api(key).get("ledger/", params)
        assert status == 400 and body["errors"][0]["field"] == field, (params, body)


def test_township_a_reads_neither_b_s_ledger_nor_without_the_scope(
        make_partner, api, township_a, township_b, county_2017):
    _, key = make_partner(township_a, LEDGER)
    status, body, _ = api(key).get("ledger/", {"year": YEAR, "area": township_b.code})
    assert status == 403 and "不在您的管辖区域内" in body["detail"]
    status, body, _ = api(key).get("ledger/", {"year": YEAR, "area": "500242101201"})
    assert status == 403
    _, other = make_partner(township_a, ALERTS)
    status, body, _ = api(other).get("ledger/", {"year": YEAR})
    assert status == 403 and "读取台账" in body["detail"]


def test_a_ledger_page_costs_the_same_queries_however_long(make_partner, api, township_a, county_2017,
                                                          make_person, village_a, category):
    for index in range(6):
        hold(make_person(village_a, name=f"加{index}"), category("poor"), datetime.date(YEAR, 1, 1))
    _, key = make_partner(township_a, LEDGER)
    counts = []
    for size in (2, 8):
        with CaptureQueriesContext(connection) as queries:
            status, body, _ = api(key).get("ledger/", {"year": YEAR, "page_size": size})
        assert status == 200 and len(body["results"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1]


def alert(person, level, status=Alert.Status.NEW, year=THIS_YEAR) -> Alert:
    return Alert.objects.create(beneficiary=person, year=year, medical=Decimal("9000.00"), burden=Decimal("9000.00"),
                                threshold=Decimal("10000.00"), label="因病返贫监测", level=level, status=status)


@pytest.fixture
def alerts(make_person, village_a, village_b):
    """This year: in A 甲 超标, 乙 预警, 丙 超标 verified; in B 子 超标. Last year: 庚 in A."""
    return {
        "甲": alert(make_person(village_a, name="甲"), Level.OVER),
        "乙": alert(make_person(village_a, name="乙"), Level.WARNING),
        "丙": alert(make_person(village_a, name="丙"), Level.OVER, Alert.Status.VERIFIED),
        "子": alert(make_person(village_b, name="子"), Level.OVER),
        "庚": alert(make_person(village_a, name="庚"), Level.OVER, year=THIS_YEAR - 1),
    }


def test_the_alert_list_pages_by_cursor_within_the_partners_area(make_partner, api, township_a, alerts):
    _, key = make_partner(township_a, ALERTS)
    rows, pages = every_page(api(key), "alerts/", {}, size=2)
    assert pages == 2 and [row["person"]["name"] for row in rows] == ["甲", "乙", "丙"]
    first = rows[0]
    person = alerts["甲"].beneficiary
    assert first["person"] == {"id_number": mask(person.id_number), "name": "甲",
                               "village": {"code": "500242100201", "name": "红花村"},
                               "township": {"code": "500242100", "name": "龙潭镇"}}
    assert (first["year"], first["level"], first["status"], first["burden"], first["threshold"], first["share"]) == (
        THIS_YEAR, "over", "new", "9000.00", "10000.00", "90.0")
    assert first["household_burden"] == "0.00" and first["referred_on"] is None
    assert PartnerCall.objects.filter(endpoint="/api/v1/alerts/").first().counts == {"alerts": 1}


@pytest.mark.parametrize("params, names", [
    ({"level": "over"}, ["甲", "丙"]),
    ({"status": "verified"}, ["丙"]),
    ({"year": THIS_YEAR - 1}, ["庚"]),
    ({"area": "500242100201", "level": "warning"}, ["乙"]),
    ({"label": "其他"}, []),
])
def test_the_alert_list_filters_as_the_browser_list(make_partner, api, township_a, alerts, params, names):
    _, key = make_partner(township_a, ALERTS)
    status, body, _ = api(key).get("alerts/", params)
    assert status == 200 and [row["person"]["name"] for row in body["results"]] == names


def test_township_a_reads_no_alert_of_b_nor_without_the_scope(make_partner, api, township_a, township_b, alerts):
    _, key = make_partner(township_a, ALERTS)
    status, body, _ = api(key).get("alerts/", {"area": township_b.code})
    assert status == 403 and "不在您的管辖区域内" in body["detail"]
    _, other = make_partner(township_a, LEDGER)
    status, body, _ = api(other).get("alerts/")
    assert status == 403 and "读取预警" in body["detail"]
    status, body, _ = api(key).get("alerts/", {"level": "red"})
    assert status == 400 and body["errors"][0]["field"] == "level"
