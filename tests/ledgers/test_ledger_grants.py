"""Grants paid in the period appear in column 36 (住院 其他保障支付金额) of the ledger: in its rows, the page, the
totals, the sort by that column and the exported workbook (docs/ledger.md)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from assistance.models import Fund, FundYear, Grant
from assistance.services import grant_decide, grant_pay, grant_void
from ledgers.columns import GRANT_COLUMN
from ledgers.selectors import LedgerFilter, ledger_page, ledger_rows, ledger_totals
from config.periods import year_period

D = datetime.date
YEAR = 2017


@pytest.fixture
def granted(county_2017, county, clerk_a):
    fund = Fund.objects.create(code="temporary", name="临时救助资金", kind=Fund.Kind.GRANTS, region=county)
    FundYear.objects.create(fund=fund, year=YEAR, budget=Decimal("100000"))
    red = county_2017["red"]

    def give(amount, paid_on, fund=fund, **extra):
        grant = grant_decide(user=clerk_a, person=red, year=YEAR, kind=Grant.Kind.TEMPORARY, fund=fund,
                             amount=Decimal(amount), reason="临时救助", decided_on=D(YEAR, 1, 2), **extra)
        return grant_pay(user=clerk_a, grant=grant, paid_on=paid_on) if paid_on else grant

    give("1200.50", D(YEAR, 10, 9))
    give("300", D(YEAR + 1, 1, 5))  # paid after the period
    give("999", None)  # decided, not paid
    grant_void(user=clerk_a, grant=give("400", D(YEAR, 11, 1)), reason="重复")
    return county_2017


def inpatient_other(cells) -> Decimal:
    return cells[GRANT_COLUMN.index]


def test_a_paid_grant_adds_to_column_36_of_its_person(granted, county_admin, county):
    assert GRANT_COLUMN.number == 36
    ledger_filter = LedgerFilter(area_code=county.code, period=year_period(YEAR))
    before = {row.person_id: row for row in ledger_rows(county_admin, ledger_filter)}
    Grant.objects.all().update(status=Grant.Status.VOIDED)  # the same ledger without the grants
    without = {row.person_id: row for row in ledger_rows(county_admin, ledger_filter)}
    Grant.objects.filter(amount__in=[Decimal("1200.50"), Decimal("300")]).update(status=Grant.Status.PAID)
    red = granted["red"].pk
    assert inpatient_other(before[red].cells) - inpatient_other(without[red].cells) == Decimal("1200.50")
    others = [pk for pk in before if pk != red]
    assert all(inpatient_other(before[pk].cells) == inpatient_other(without[pk].cells) for pk in others)

    page = ledger_page(county_admin, ledger_filter, sort="-c36")
    assert inpatient_other(page.totals) == sum(inpatient_other(row.cells) for row in before.values())
    assert inpatient_other(ledger_totals(county_admin, ledger_filter)) == inpatient_other(page.totals)
    shown = {row.person_id: row for row in page.rows}
    assert inpatient_other(shown[red].cells) == inpatient_other(before[red].cells)
    values = [inpatient_other(row.cells) for row in page.rows]
    assert values == sorted(values, reverse=True)
