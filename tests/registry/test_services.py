import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from beneficiaries import selectors, services
from beneficiaries.models import Beneficiary, CategoryHolding, Enrollment, Insurance
from tests.conftest import make_id_number

D = datetime.date


def test_create_derives_sex_and_birth_date_and_upgrades_a_15_digit_number(clerk_a, village_a):
    person = services.beneficiary_create(user=clerk_a, name=" 冉玉梅 ", id_number="500242491231002",
                                         village_code=village_a.code)
    assert person.id_number == "50024219491231002" + person.id_number[-1] and len(person.id_number) == 18
    assert (person.name, person.sex, person.birth_date) == ("冉玉梅", "F", D(1949, 12, 31))
    record = person.history.get()
    assert record.history_type == "+" and record.history_user == clerk_a


def test_create_refuses_a_bad_id_number_naming_the_field(clerk_a, village_a):
    with pytest.raises(ValidationError) as info:
        services.beneficiary_create(user=clerk_a, name="甲", id_number="110105194912310021", village_code=village_a.code)
    assert "校验位错误" in info.value.message_dict["id_number"][0]
    assert not Beneficiary.objects.exists()


def test_create_refuses_a_duplicate_id_number(clerk_a, person_a, village_a):
    with pytest.raises(ValidationError) as info:
        services.beneficiary_create(user=clerk_a, name="乙", id_number=person_a.id_number, village_code=village_a.code)
    assert "已登记为田小红" in info.value.message_dict["id_number"][0]


def test_a_clerk_cannot_register_or_change_anyone_outside_their_township(clerk_a, village_b, person_b):
    with pytest.raises(ValidationError):
        services.beneficiary_create(user=clerk_a, name="丙", id_number=make_id_number(), village_code=village_b.code)
    with pytest.raises(ValidationError):
        services.beneficiary_update(user=clerk_a, person=person_b, name="改", village_code=village_b.code)
    person_b.refresh_from_db()
    assert person_b.name == "白明华"


def test_update_is_recorded_with_before_and_after(clerk_a, person_a, village_a):
    services.beneficiary_update(user=clerk_a, person=person_a, name="田晓红", village_code=village_a.code,
                                phone="13800001111")
    history = selectors.person_history(person_a)
    change = next(e for e in history if e.kind == "修改")
    assert change.who.startswith("clerk_a") or "clerk_a" in change.who
    assert ("姓名", "田小红", "田晓红") in change.changes


def test_correcting_an_id_number_keeps_the_old_one_findable(county_admin, clerk_a, person_a):
    old = person_a.id_number
    new = make_id_number(D(1961, 2, 3))
    with pytest.raises(ValidationError):
        services.beneficiary_correct_id(user=clerk_a, person=person_a, id_number=new, reason="录入错误")
    services.beneficiary_correct_id(user=county_admin, person=person_a, id_number=new, reason="录入错误")
    person_a.refresh_from_db()
    assert (person_a.id_number, person_a.birth_date) == (new, D(1961, 2, 3))
    assert list(selectors.beneficiary_search(user=clerk_a, query=old)) == [person_a]
    assert list(selectors.beneficiary_search(user=clerk_a, query=new)) == [person_a]
    entry = next(e for e in selectors.person_history(person_a) if e.reason)
    assert "更正身份证号：录入错误" in entry.reason and ("身份证号", old, new) in entry.changes


def test_death_ends_open_holdings_on_that_day(clerk_a, person_a, category):
    services.holding_add(user=clerk_a, person=person_a, category=category("poor"), start=D(2020, 1, 1))
    services.holding_add(user=clerk_a, person=person_a, category=category("dibao_rural"), start=D(2027, 1, 1))
    services.beneficiary_set_status(user=clerk_a, person=person_a, status="deceased", day=D(2026, 3, 5))
    poor, dibao = person_a.holdings.order_by("start")
    assert poor.end == D(2026, 3, 5)
    assert dibao.end == D(2026, 12, 31)  # withdrawn before it began
    assert [c.code for c in selectors.categories_on(person_a, D(2026, 3, 5))] == ["poor"]
    assert selectors.categories_on(person_a, D(2026, 3, 6)) == []
    assert person_a.active_on(D(2026, 3, 4)) and not person_a.active_on(D(2026, 3, 5))


def test_categories_on_a_day_is_one_query(clerk_a, person_a, category, django_assert_num_queries):
    services.holding_add(user=clerk_a, person=person_a, category=category("poor"), start=D(2020, 1, 1),
                         end=D(2024, 12, 31))
    services.holding_add(user=clerk_a, person=person_a, category=category("dibao_rural"), start=D(2024, 7, 1))
    services.holding_add(user=clerk_a, person=person_a, category=category("marginal"), start=D(2025, 1, 1))
    with django_assert_num_queries(1):
        held = selectors.categories_on(person_a, D(2024, 12, 31))
    assert sorted(c.code for c in held) == ["dibao_rural", "poor"]
    assert sorted(c.code for c in selectors.categories_on(person_a, D(2025, 1, 1))) == ["dibao_rural", "marginal"]


def test_overlapping_holding_of_the_same_category_is_refused(clerk_a, person_a, category):
    services.holding_add(user=clerk_a, person=person_a, category=category("poor"), start=D(2020, 1, 1))
    with pytest.raises(ValidationError) as info:
        services.holding_add(user=clerk_a, person=person_a, category=category("poor"), start=D(2023, 1, 1))
    assert "已有" in info.value.message_dict["category"][0]
    assert CategoryHolding.objects.count() == 1


def test_enrollment_is_recorded_once_per_year_and_insurance_with_history(clerk_a, person_a):
    resident = Insurance.objects.get(code="resident_basic")
    services.enrollment_record(user=clerk_a, person=person_a, year=2026, insurance=resident, status="not_enrolled",
                               reason="elsewhere")
    services.enrollment_record(user=clerk_a, person=person_a, year=2026, insurance=resident, status="enrolled",
                               subsidy=Decimal("150.00"))
    enrollment = Enrollment.objects.get()
    assert (enrollment.status, enrollment.subsidy, enrollment.reason) == ("enrolled", Decimal("150.00"), "")
    change = next(e for e in selectors.person_history(person_a) if e.kind == "修改")
    assert ("参保状态", "未参保", "已参保") in change.changes


def test_household_head_follows_the_member_marked_head(clerk_a, village_a):
    household = services.household_save(user=clerk_a, number="H1", village_code=village_a.code)
    person = services.beneficiary_create(user=clerk_a, name="户主", id_number=make_id_number(),
                                         village_code=village_a.code, household=household, relation="head")
    household.refresh_from_db()
    assert household.head == person


def test_a_village_code_that_is_a_township_is_refused(clerk_a, township_a):
    with pytest.raises(ValidationError) as info:
        services.household_save(user=clerk_a, number="H2", village_code=township_a.code)
    assert "不是村" in info.value.message_dict["village"][0]


def test_a_duplicate_registered_in_another_township_is_not_named(clerk_a, person_b, village_a):
    with pytest.raises(ValidationError) as info:
        services.beneficiary_create(user=clerk_a, name="乙", id_number=person_b.id_number, village_code=village_a.code)
    assert info.value.message_dict["id_number"] == ["该身份证号无法在您的区域登记，请联系县级管理员。"]


def test_a_read_only_user_cannot_register_anyone(viewer, village_a):
    with pytest.raises(ValidationError) as info:
        services.beneficiary_create(user=viewer, name="丙", id_number=make_id_number(), village_code=village_a.code)
    assert info.value.messages == ["您的角色（查询）不能登记保障对象。"]
    assert not Beneficiary.objects.exists()
