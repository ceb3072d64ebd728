"""Fixtures for rosters: messy list files written on the fly, holdings, and the whole registry's state."""

from __future__ import annotations

import csv
import datetime
import io
import itertools

import openpyxl
import pytest

from beneficiaries.idnumbers import check_character
from beneficiaries.models import Beneficiary, Category, CategoryHolding, Household
from rosters.models import RosterBatch, RosterChange, RosterCreation, RosterFindingList

MAY = datetime.date(2024, 5, 1)
HEADER = ["序号", "姓名", "身份证号", "人员类别", "行政区划代码"]
_newcomers = itertools.count(1)


def new_id_number() -> str:
    """An ID nobody in the registry has: born on a day the shared ``make_person`` never uses."""
    first17 = f"50024219880808{next(_newcomers):03d}"
    return first17 + check_character(first17)


def xlsx_bytes(rows: list[list], title: str | None = "2024年5月困难群众名单") -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=5)
        sheet.append([])
    for values in rows:
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def roster_rows(*people) -> list[list]:
    """A header and one row per (name, id, category, village) with a running 序号."""
    return [HEADER] + [[index, *person] for index, person in enumerate(people, start=1)]


@pytest.fixture
def registry(make_person, village_a, hold):
    """Four people of township A: 甲 and 乙 on 农村低保, 丙 with nothing, 丁 on 特困 and 建档立卡."""
    people = {name: make_person(village_a, name=name) for name in "甲乙丙丁"}
    hold(people["甲"], "dibao_rural")
    hold(people["乙"], "dibao_rural")
    hold(people["丁"], "tekun_rural")
    hold(people["丁"], "poor")
    return people


@pytest.fixture
def hold():
    def hold(person: Beneficiary, code: str, start=datetime.date(2023, 1, 1), end=None) -> CategoryHolding:
        category = Category.objects.get(code=code)
        return CategoryHolding.objects.create(
            beneficiary=person, category=category, source=category.source, start=start, end=end
        )

    return hold


def registry_state() -> dict:
    """Everything a roster batch may write, so that a test can say it is exactly as before."""

    def rows(model):
        return sorted(model.objects.values_list(*[field.attname for field in model._meta.concrete_fields]))

    return {
        "people": rows(Beneficiary),
        "households": rows(Household),
        "holdings": rows(CategoryHolding),
        "history": (Beneficiary.history.count(), Household.history.count(), CategoryHolding.history.count()),
        "batches": rows(RosterBatch),
        "changes": RosterChange.objects.count(),
        "creations": RosterCreation.objects.count(),
        "findings": RosterFindingList.objects.count(),
    }




@pytest.fixture(autouse=True)
def exits_need_no_confirmation(settings):
    """These tests' registries hold a handful of people, so any exit is a large share of them: the guard
    against lists that end many people's cover (``ROSTER_EXIT_CONFIRM_SHARE``) is off here, and its own
    tests (test_roster_exits.py) set the county default back."""
    settings.ROSTER_EXIT_CONFIRM_SHARE = 1.0
