"""Applying and reverting batches: all or nothing, twice is a no-op, revert restores, history is kept."""

import datetime
from unittest import mock

import pytest
from django.core.exceptions import ValidationError

from beneficiaries.idnumbers import mask
from beneficiaries.models import Beneficiary, CategoryHolding, Enrollment, Household, Insurance, Relation
from rosters import services
from rosters.comparison import Outcome
from rosters.models import RosterBatch, RosterChange
from rosters.selectors import roster_vocabulary
from tests.rosters.conftest import MAY, new_id_number, registry_state, roster_rows, xlsx_bytes

APRIL_30 = datetime.date(2024, 4, 30)


def apply(user, content, *, source="civil_affairs", month="2024-05", area=None, category=None):
    request = services.roster_request(
        user=user, source=source, month=month, area_code=area, category=category
    )
    return services.roster_apply(user=user, request=request, file_name="名单.xlsx", content=content)


def held(person, on=MAY):
    return sorted(
        CategoryHolding.objects.on(on).filter(beneficiary=person).values_list("category__code", flat=True)
    )


@pytest.fixture
def may_list(registry, village_a):
    newcomer = new_id_number()
    content = xlsx_bytes(
        roster_rows(
            ["甲", registry["甲"].id_number, "农村低保", village_a.code],
            ["乙", registry["乙"].id_number, "特困供养", village_a.code],
            ["丙", registry["丙"].id_number, "农村低保", village_a.code],
            ["戊", newcomer, "农村低保", village_a.code],
        )
    )
    return content, newcomer


def test_applying_writes_every_outcome_from_the_first_of_the_month(county_admin, registry, may_list):
    # given
    content, newcomer = may_list
    # when
    batch = apply(county_admin, content)
    # then
    assert batch.counts == {
        "new": 1,
        "category_added": 1,
        "changed": 1,
        "unchanged": 1,
        "exited": 1,
        "mismatch": 0,
        "duplicate": 0,
        "invalid_id": 0,
        "rejected": 0,
        "ending_holdings": 2,
        "open_holdings": 3,
    }
    assert held(registry["甲"]) == ["dibao_rural"]
    assert held(registry["乙"]) == ["tekun_rural"] and held(registry["乙"], APRIL_30) == ["dibao_rural"]
    assert held(registry["丙"]) == ["dibao_rural"]
    assert held(registry["丁"]) == ["poor"] and held(registry["丁"], APRIL_30) == ["poor", "tekun_rural"]
    person = Beneficiary.objects.get(id_number=newcomer)
    assert (person.name, person.village_id, held(person)) == (
        "戊",
        registry["甲"].village_id,
        ["dibao_rural"],
    )
    started = CategoryHolding.objects.filter(start=MAY)
    assert {holding.recorded_by for holding in started} == {county_admin}
    assert (batch.status, batch.applied_by, batch.file_name, len(batch.file_sha256)) == (
        RosterBatch.Status.APPLIED,
        county_admin,
        "名单.xlsx",
        64,
    )
    actions = sorted(batch.changes.values_list("action", flat=True))
    assert actions == ["holding_ended"] * 2
    created = dict(batch.creations.values_list("kind", "keys"))
    assert created == {
        "person": [Beneficiary.objects.get(name="戊").pk],
        "holding": sorted(started.values_list("pk", flat=True)),
    }
    # Who created them and for which batch: each row's own history record.
    for model, keys in ((Beneficiary, created["person"]), (CategoryHolding, created["holding"])):
        records = model.history.filter(id__in=keys, history_type="+")
        assert {(r.history_user, r.history_change_reason) for r in records} == {(county_admin, f"名单比对批次 #{batch.pk}")}
        assert records.count() == len(keys)


def test_history_rows_name_the_acting_user(county_admin, registry, may_list):
    batch = apply(county_admin, may_list[0])
    person = Beneficiary.objects.get(id_number=may_list[1])
    assert person.history.get().history_user == county_admin
    ended = batch.changes.filter(action=RosterChange.Action.HOLDING_ENDED).first().holding
    latest = ended.history.order_by("-history_id").first()
    assert (latest.history_type, latest.history_user, latest.end) == ("~", county_admin, APRIL_30)
    assert f"#{batch.pk}" in latest.history_change_reason


def test_applying_the_same_file_twice_changes_nothing_the_second_time(county_admin, registry, may_list):
    apply(county_admin, may_list[0])
    before = registry_state()
    second = apply(county_admin, may_list[0])
    after = registry_state()
    assert {key: value for key, value in after.items() if key not in ("batches", "findings")} == {
        key: value for key, value in before.items() if key not in ("batches", "findings")
    }
    assert second.counts["unchanged"] == 4 and second.counts["exited"] == 0 and not second.changes.exists()


def test_a_failure_in_the_middle_leaves_the_database_exactly_as_before(county_admin, registry, may_list):
    before = registry_state()
    failing = mock.patch.object(services, "bulk_update_with_history", side_effect=RuntimeError("磁盘已满"))
    with failing, pytest.raises(RuntimeError):
        apply(county_admin, may_list[0])
    assert registry_state() == before


def test_revert_restores_the_earlier_state(county_admin, registry, may_list):
    def state():
        current = registry_state()
        return current["people"], current["households"], current["holdings"]

    before = state()
    batch = apply(county_admin, may_list[0])
    services.roster_batch_revert(user=county_admin, batch=batch)
    assert state() == before
    batch.refresh_from_db()
    assert (batch.status, batch.reverted_by) == (RosterBatch.Status.REVERTED, county_admin)
    deleted = Beneficiary.history.filter(id_number=may_list[1], history_type="-").get()
    assert deleted.history_user == county_admin


def test_only_the_latest_applied_batch_of_a_source_and_area_can_be_reverted(county_admin, registry, may_list):
    first = apply(county_admin, may_list[0])
    second = apply(county_admin, may_list[0], month="2024-06")
    with pytest.raises(ValidationError) as info:
        services.roster_batch_revert(user=county_admin, batch=first)
    assert info.value.code == "not_latest" and f"#{second.pk}" in info.value.messages[0]
    poverty = apply(
        county_admin,
        xlsx_bytes(roster_rows(["丁", registry["丁"].id_number, "建档立卡", registry["丁"].village_id])),
        source="poverty_office",
    )
    services.roster_batch_revert(user=county_admin, batch=second)
    services.roster_batch_revert(user=county_admin, batch=first)
    assert RosterBatch.objects.get(pk=poverty.pk).status == RosterBatch.Status.APPLIED
    with pytest.raises(ValidationError) as info:
        services.roster_batch_revert(user=county_admin, batch=first)
    assert info.value.code == "not_applied"


def test_revert_is_refused_when_a_holding_was_changed_since(county_admin, registry, may_list):
    batch = apply(county_admin, may_list[0])
    holding = CategoryHolding.objects.get(pk=batch.creations.get(kind="holding").keys[0])
    holding.end = datetime.date(2024, 5, 20)
    holding.save()
    with pytest.raises(ValidationError) as info:
        services.roster_batch_revert(user=county_admin, batch=batch)
    assert info.value.code == "changed_since" and "已被修改" in info.value.messages[0]
    assert RosterBatch.objects.get(pk=batch.pk).status == RosterBatch.Status.APPLIED


def test_a_civil_affairs_list_never_ends_poor(county_admin, registry):
    batch = apply(
        county_admin,
        xlsx_bytes(roster_rows(["甲", registry["甲"].id_number, "农村低保", registry["甲"].village_id])),
    )
    assert held(registry["丁"]) == ["poor"]
    assert batch.counts["exited"] == 2  # 乙's 农村低保 and 丁's 特困, never 丁's 建档立卡


def test_new_people_join_the_household_of_the_head_given(county_admin, village_a, make_person):
    # given: an existing head with a household, and a new family whose head is on the list too
    head = make_person(village_a, name="户主甲")
    household = Household.objects.create(number="H-1", village=village_a, head=head)
    head.household = household
    head.save()
    new_head, child, joiner = new_id_number(), new_id_number(), new_id_number()
    content = xlsx_bytes(
        [
            ["姓名", "身份证号", "类别", "村代码", "户主身份证号", "与户主关系", "联系电话"],
            ["新户主", new_head, "农村低保", village_a.code, new_head, "户主", "13800000001"],
            ["孩子", child, "农村低保", village_a.code, new_head, "之女", ""],
            ["加入者", joiner, "农村低保", village_a.code, head.id_number, "配偶", ""],
        ]
    )
    # when
    apply(county_admin, content)
    # then
    created = Household.objects.get(number=new_head)
    assert created.head.id_number == new_head and created.village == village_a
    members = {
        person.name: (person.household, person.relation)
        for person in Beneficiary.objects.filter(id_number__in=[new_head, child, joiner])
    }
    assert members == {
        "新户主": (created, Relation.HEAD),
        "孩子": (created, Relation.CHILD),
        "加入者": (household, Relation.SPOUSE),
    }
    assert Beneficiary.objects.get(id_number=new_head).phone == "13800000001"


def test_with_an_area_only_holdings_inside_it_can_exit(county_admin, registry, make_person, village_b, hold):
    outsider = make_person(village_b, name="外乡")
    hold(outsider, "dibao_rural")
    batch = apply(
        county_admin,
        xlsx_bytes(roster_rows(["甲", registry["甲"].id_number, "农村低保", registry["甲"].village_id])),
        area="500242100",
    )
    assert batch.counts["exited"] == 2 and held(outsider) == ["dibao_rural"]
    assert batch.area_code == "500242100"


def test_a_township_admin_compares_within_the_township(admin_a, registry, make_person, village_b, hold):
    outsider = make_person(village_b, name="外乡")
    hold(outsider, "dibao_rural")
    content = xlsx_bytes(roster_rows(["外乡", outsider.id_number, "农村低保", village_b.code]))
    preview = services.roster_preview(
        request=services.roster_request(user=admin_a, source="civil_affairs", month="2024-05"),
        file_name="名单.xlsx", content=content,
    )
    assert preview.request.area_prefix == "500242100" and preview.counts()["rejected"] == 1
    # the neighbours' row is unusable here, so the list names nobody of the township: not applied
    with pytest.raises(ValidationError) as info:
        apply(admin_a, content)
    assert info.value.code == "no_usable_rows"
    assert held(outsider) == ["dibao_rural"] and held(registry["甲"]) == ["dibao_rural"]
    with pytest.raises(ValidationError) as info:
        services.roster_request(user=admin_a, source="civil_affairs", month="2024-05", area_code="500242101")
    assert info.value.code == "outside_area"


def test_only_administrators_reconcile(clerk_a):
    with pytest.raises(ValidationError) as info:
        services.roster_request(user=clerk_a, source="civil_affairs", month="2024-05")
    assert info.value.messages == ["您的角色（经办员）不能比对、应用或撤销名单。"]


def test_revert_is_refused_when_a_created_person_was_used_since(county_admin, registry, may_list):
    batch = apply(county_admin, may_list[0])
    person = Beneficiary.objects.get(id_number=may_list[1])
    Enrollment.objects.create(
        beneficiary=person,
        year=2024,
        insurance=Insurance.objects.get(code="resident_basic"),
        status=Enrollment.Status.ENROLLED,
    )
    with pytest.raises(ValidationError) as info:
        services.roster_batch_revert(user=county_admin, batch=batch)
    assert info.value.code == "in_use_since" and mask(may_list[1]) in info.value.messages[0]
    assert Beneficiary.objects.filter(id_number=may_list[1]).exists()
    assert CategoryHolding.objects.filter(beneficiary=person, start=MAY).exists()


def test_batches_applied_before_keep_what_they_created_by_kind(county_admin, registry, hold):
    """Migration 0005 turns the one-row-per-creation changes of earlier batches into RosterCreation rows."""
    from importlib import import_module

    from django.apps import apps

    batch = RosterBatch.objects.create(source="civil_affairs", month=MAY, created_by=county_admin)
    person = registry["丙"]
    holding = hold(person, "dibao_rural")
    ended = registry["甲"].holdings.get()
    RosterChange.objects.bulk_create([
        RosterChange(batch=batch, action="person_created", id_number=person.id_number, beneficiary=person),
        RosterChange(batch=batch, action="holding_created", id_number=person.id_number, holding=holding),
        RosterChange(batch=batch, action="holding_created", id_number="x"),  # its holding deleted since
        RosterChange(batch=batch, action="holding_ended", id_number="y", holding=ended, before={}, after={}),
    ])
    import_module("rosters.migrations.0005_creations_per_batch").keys_per_batch(apps, None)
    assert dict(batch.creations.values_list("kind", "keys")) == {"person": [person.pk], "holding": [holding.pk]}
    assert list(batch.changes.values_list("action", "holding_id")) == [("holding_ended", ended.pk)]


def test_a_moved_persons_villages_are_named_with_their_townships_in_one_query(
    county_admin, registry, village_a, village_b, django_assert_max_num_queries
):
    # given: 甲 lives in 龙潭镇红花村; the list, naming no one else, puts her in 麻旺镇青龙村
    content = xlsx_bytes(roster_rows(["甲", registry["甲"].id_number, "农村低保", village_b.code]))
    request = services.roster_request(user=county_admin, source="civil_affairs", month="2024-05")
    # when
    preview = services.roster_preview(request=request, file_name="名单.xlsx", content=content)
    # then: both villages by name beside their codes, though only the list's is on the list
    [finding] = preview.comparison.of(Outcome.MISMATCH)
    assert finding.message == (
        f"所在村：名单为 麻旺镇青龙村（{village_b.code}），系统为 龙潭镇红花村（{village_a.code}）。"
    )
    # and the villages are read once for the whole list, whatever its length
    with django_assert_max_num_queries(10) as queries:
        roster_vocabulary(village_codes=[village_a.code, village_b.code] * 500, area_prefix="500242")
    assert sum("regions_region" in query["sql"] for query in queries.captured_queries) == 1
