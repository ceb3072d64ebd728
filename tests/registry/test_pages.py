import pytest
from django.urls import reverse

from beneficiaries.models import Beneficiary, Household
from tests.conftest import make_id_number


@pytest.fixture
def clerk(client, clerk_a):
    client.force_login(clerk_a)
    return client


def test_a_clerk_registers_a_household_and_a_person_in_the_browser(clerk, village_a):
    response = clerk.post(reverse("household_create"), {"number": "Y100001", "village_code": village_a.code,
                                                        "poverty_cause": "illness"})
    household = Household.objects.get()
    assert response["Location"] == reverse("household_detail", args=[household.pk])
    number = make_id_number()
    response = clerk.post(reverse("person_create"), {"name": "冉玉梅", "id_number": number,
                                                     "village_code": village_a.code, "household": household.pk,
                                                     "relation": "head"})
    person = Beneficiary.objects.get()
    assert response["Location"] == reverse("person_detail", args=[person.pk])
    household.refresh_from_db()
    assert household.head == person


def test_validation_messages_are_in_chinese_and_nothing_is_saved(clerk, village_a):
    page = clerk.post(reverse("person_create"), {"name": "", "id_number": "11010519491231002",
                                                 "village_code": village_a.code}).content.decode()
    assert "这个字段是必填项" in page
    page = clerk.post(reverse("person_create"), {"name": "甲", "id_number": "11010519491231002",
                                                 "village_code": "5002"}).content.decode()
    assert "村级区划代码应为 12 位数字" in page
    page = clerk.post(reverse("person_create"), {"name": "甲", "id_number": "110105194912310021",
                                                 "village_code": village_a.code}).content.decode()
    assert "校验位错误" in page
    assert not Beneficiary.objects.exists()


def test_the_person_page_shows_categories_over_time_enrollment_and_history(clerk, person_a, category):
    clerk.post(reverse("holding_add", args=[person_a.pk]), {"category": category("poor").pk, "start": "2020-01-01"})
    clerk.post(reverse("enrollment_add", args=[person_a.pk]), {"year": 2026, "insurance": 1, "status": "enrolled",
                                                               "subsidy": "120.00"})
    page = clerk.get(reverse("person_detail", args=[person_a.pk])).content.decode()
    assert "建档立卡贫困人口" in page and "2020-01-01" in page and "至今" in page
    assert "¥120.00" in page and "已参保" in page
    assert "类别认定：建档立卡贫困人口" in page and "clerk_a" in page
