"""The quarterly statistics carry seed 000's other two plans on the quarter's last day: the poor families' children
at work, the working-age poor in industry projects, and the project library — on the page and in the workbook, by
township, limited to the user's area."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from beneficiaries.models import Category, CategoryHolding, Household
from employment import services as employment
from projects import services as projects

D = datetime.date
QUARTER = {"area": "500242", "quarter": "2026Q3"}


@pytest.fixture
def relief_county(make_person, village_a, village_b, county_admin):
    """Township A: a 中职 graduate placed in a firm, and a working-age farmer in a project with ¥1,234.56 of income;
    township B: a graduate not placed, and a working-age poor person in no project."""
    poor = Category.objects.get(code="poor")

    def person(village, name, birth, number, **fields):
        household = Household.objects.create(number=number, village=village)
        made = make_person(village, name=name, birth=birth, household=household, relation="child", **fields)
        CategoryHolding.objects.create(beneficiary=made, category=poor, source="poverty_office", start=D(2026, 1, 1))
        return made

    def surveyed(child, level):
        employment.survey_record(user=county_admin, person=child, year=2026, school="酉阳职业教育中心", level=level,
                                 major="数控技术应用", graduation_year=2025, intention="县内企业", wants_business=False,
                                 business_plan="", needs="岗位推荐", surveyed_on=D(2026, 3, 1), surveyed_by="冉春燕")

    placed = person(village_a, "田小军", D(2006, 4, 1), "HA1")
    surveyed(placed, "secondary_vocational")
    employment.placement_start(user=county_admin, person=placed, kind="enterprise", employer="酉阳县青花椒加工厂",
                               starts_on=D(2026, 7, 1))
    employment.support_give(user=county_admin, person=placed, kind="subsidy", given_on=D(2026, 7, 5),
                            provider="县就业和人才中心", amount=Decimal("1000.00"))
    surveyed(person(village_b, "白小红", D(2006, 5, 1), "HB1"), "higher_vocational")

    farmer = person(village_a, "冉大山", D(1980, 3, 1), "HA2", labour_capacity="able")
    project = projects.project_save(user=county_admin, code="XM-A-1", name="中蜂养殖", kind="farming",
                                    area=village_a.parent, lead_department="县农业农村委", status_on=D(2026, 1, 5))
    for status in ("approved", "implementing"):
        project = projects.project_move(user=county_admin, project=project, status=status, on=D(2026, 1, 5))
    projects.funding_add(user=county_admin, project=project, source="central", amount=Decimal("80000.00"),
                         arrived_on=D(2026, 1, 10))
    joined = projects.participation_start(user=county_admin, project=project, person=farmer, role="grower",
                                          starts_on=D(2026, 2, 1))
    projects.income_add(user=county_admin, participation=joined, received_on=D(2026, 6, 30),
                        amount=Decimal("1234.56"))
    person(village_b, "彭二妹", D(1985, 3, 1), "HB2", labour_capacity="weak")


def _cells(html: str, table: str, township: str) -> dict[str, str]:
    """The cells of one township's row of one township table, by column key."""
    import re

    part = html.split(f'data-table="{table}')[1].split("</table>")[0]
    row = part.split(f'data-township="{township}"')[1].split("</tr>")[0] if township != "total" else \
        part.split("data-total")[1].split("</tr>")[0]
    return {key: re.sub(r"<[^>]+>", "", value).strip()
            for key, value in re.findall(r'data-column="([^"]+)">(.*?)</td>', row, re.S)}


def test_the_statistics_page_shows_both_plans_by_township(client, relief_county, county_admin, township_a,
                                                           township_b):
    client.force_login(county_admin)
    html = client.get(reverse("ledger_stats"), QUARTER).content.decode()
    assert "就业扶贫：贫困家庭子女" in html and "产业扶贫：项目库" in html
    a = _cells(html, "贫困家庭子女就业情况", township_a.code)
    b = _cells(html, "贫困家庭子女就业情况", township_b.code)
    assert (a["surveyed"], a["placed"], a["unplaced"], a["kind_enterprise"], a["three_years"]) == \
        ("1", "1", "0", "1", "1")
    assert (b["surveyed"], b["placed"], b["unplaced"]) == ("1", "0", "1")
    assert a["subsidy_amount"] == "¥1,000.00"
    joined_a = _cells(html, "产业项目参与情况", township_a.code)
    joined_b = _cells(html, "产业项目参与情况", township_b.code)
    assert (joined_a["capable"], joined_a["joined"], joined_a["rate"], joined_a["income"]) == \
        ("1", "1", "100.00%", "¥1,234.56")
    assert (joined_b["capable"], joined_b["joined"], joined_b["not_joined"]) == ("1", "0", "1")
    total = _cells(html, "产业项目参与情况", "total")
    assert (total["capable"], total["joined"], total["rate"]) == ("2", "1", "50.00%")
    library = _cells(html, "产业项目库", township_a.code)
    assert (library["status_implementing"], library["funding_central"]) == ("1", "¥80,000.00")


def test_a_township_clerk_sees_their_township_only(client, relief_county, clerk_a, township_a, township_b):
    client.force_login(clerk_a)
    html = client.get(reverse("ledger_stats"), {**QUARTER, "area": township_a.code}).content.decode()
    assert f'data-township="{township_a.code}"' in html
    assert f'data-township="{township_b.code}"' not in html
    assert _cells(html, "产业项目参与情况", "total")["capable"] == "1"


def test_the_statistics_workbook_has_a_sheet_for_each(client, relief_county, county_admin):
    client.force_login(county_admin)
    response = client.get(reverse("ledger_stats_export"), QUARTER)
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content) if response.streaming
                                    else response.content))
    sheet = book["产业扶贫参与"]
    headings = [cell.value for cell in sheet[2]]
    totals = {heading: cell.value for heading, cell in zip(headings, sheet[sheet.max_row], strict=True)}
    assert totals["乡镇（街道）"] == "合计"
    income_column = next(h for h in headings if h and "收入" in h)
    assert totals[income_column] == pytest.approx(1234.56)
    children = book["就业扶贫"]
    child_headings = [cell.value for cell in children[2]]
    child_totals = dict(zip(child_headings, [cell.value for cell in children[children.max_row]], strict=True))
    surveyed = next(h for h in child_headings if h and "摸排" in h)
    assert child_totals[surveyed] == 2
