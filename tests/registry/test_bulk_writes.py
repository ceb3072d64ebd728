"""config/bulk.py: the set-based writes of the bulk paths say exactly what a model write would."""

import datetime

from django.utils import timezone

from beneficiaries.models import Beneficiary, Household
from config.bulk import copy_to_history, insert_rows
from rosters.models import RosterBatch, RosterChange
from tests.conftest import make_id_number


def test_inserted_rows_take_the_model_defaults_and_return_their_keys(village_a):
    before = timezone.now()
    numbers = [make_id_number(datetime.date(1970, 1, day)) for day in (1, 2, 3)]
    returned = insert_rows(
        Beneficiary,
        ("name", "id_number", "sex", "birth_date", "village_id"),
        ((f"人{index}", number, "M", datetime.date(1970, 1, index + 1), village_a.pk) for index, number in enumerate(numbers)),
        returning=("id_number", "id"),
    )
    keys = dict(returned)
    assert sorted(keys) == sorted(numbers)
    people = {person.id_number: person for person in Beneficiary.objects.all()}
    assert {number: people[number].pk for number in numbers} == keys
    person = people[numbers[1]]
    assert (person.name, person.birth_date, person.status, person.phone, person.household_id) == (
        "人1", datetime.date(1970, 1, 2), Beneficiary.Status.ACTIVE, "", None,
    )
    assert person.created_at >= before


def test_history_rows_are_copies_of_the_rows_with_user_and_reason(village_a, county_admin):
    (number, pk), = insert_rows(
        Household, ("number", "village_id", "address"), [("H-1", village_a.pk, "红花村 3 组")], returning=("number", "id")
    )
    copy_to_history(Household, [pk], user=county_admin, reason="名单比对批次 #7")
    record = Household.history.get()
    assert (record.id, record.number, record.village_id, record.address, record.history_type) == (
        pk, "H-1", village_a.pk, "红花村 3 组", "+",
    )
    assert (record.history_user, record.history_change_reason) == (county_admin, "名单比对批次 #7")


def test_json_columns_keep_null_apart_from_json(county_admin):
    batch = RosterBatch.objects.create(source="civil_affairs", month=datetime.date(2024, 5, 1), created_by=county_admin)
    insert_rows(
        RosterChange,
        ("batch_id", "action", "id_number", "before", "after"),
        [(batch.pk, "holding_ended", "1", None, {"category": "低保", "end": None})],
    )
    change = RosterChange.objects.get()
    assert change.before is None and RosterChange.objects.filter(before__isnull=True).exists()
    assert change.after == {"category": "低保", "end": None}


def test_nothing_to_insert_writes_nothing(village_a):
    assert insert_rows(Household, ("number", "village_id"), [], returning=("id",)) == []
    assert insert_rows(Household, ("number", "village_id"), iter(())) == []
    assert not Household.objects.exists()
