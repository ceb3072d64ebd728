"""A 经办员 of township A cannot find, open, change or export anyone of township B: every page, the admin,
the import/export screens and the commands."""

import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import AccessLog
from beneficiaries import services
from beneficiaries.models import Beneficiary, Household


@pytest.fixture
def world(clerk_a, admin_a, person_a, person_b, village_a, village_b, category):
    services.holding_add(user=admin_a, person=person_a, category=category("poor"), start=datetime.date(2020, 1, 1))
    household_b = Household.objects.create(number="HB1", village=village_b)
    person_b.household = household_b
    person_b.save()
    return {"a": person_a, "b": person_b, "household_b": household_b}


def login(client, user):
    client.force_login(user)
    return client


PERSON_PAGES = ["person_detail", "person_edit", "person_status", "holding_add", "enrollment_add"]


@pytest.mark.parametrize("page", PERSON_PAGES)
def test_person_pages_of_another_township_are_not_found(client, clerk_a, world, page):
    login(client, clerk_a)
    assert client.get(reverse(page, args=[world["b"].pk])).status_code == 404
    assert client.get(reverse(page, args=[world["a"].pk])).status_code == 200


def test_household_pages_of_another_township_are_not_found(client, clerk_a, world):
    login(client, clerk_a)
    for page in ("household_detail", "household_edit"):
        assert client.get(reverse(page, args=[world["household_b"].pk])).status_code == 404


def test_posting_to_another_townships_person_changes_nothing(client, clerk_a, world):
    login(client, clerk_a)
    response = client.post(reverse("person_edit", args=[world["b"].pk]),
                           {"name": "改名", "village_code": world["b"].village_id})
    assert response.status_code == 404
    world["b"].refresh_from_db()
    assert world["b"].name == "白明华"


def test_a_clerk_cannot_move_a_person_into_another_township(client, clerk_a, world, village_b):
    login(client, clerk_a)
    response = client.post(reverse("person_edit", args=[world["a"].pk]),
                           {"name": "田小红", "village_code": village_b.code})
    assert response.status_code == 200
    assert "不在您的管辖区域内" in response.content.decode()
    world["a"].refresh_from_db()
    assert world["a"].village_id != village_b.code


def test_search_finds_only_people_of_the_area(client, clerk_a, world):
    login(client, clerk_a)
    by_id_b = client.get(reverse("search"), {"q": world["b"].id_number})
    assert by_id_b.context["page"].object_list == [] and "没有找到" in by_id_b.content.decode()
    assert client.get(reverse("search"), {"q": "白明华"}).context["page"].object_list == []
    assert client.get(reverse("search"), {"q": world["b"].id_number[-6:]}).context["page"].object_list == []
    assert client.get(reverse("search"), {"q": world["a"].id_number}).context["page"].object_list == [world["a"]]


def test_lists_mask_id_numbers_without_the_sensitive_permission(client, clerk_a, admin_a, world):
    number = world["a"].id_number
    masked = number[:4] + "*" * 10 + number[-4:]
    page = login(client, clerk_a).get(reverse("search"), {"q": "田小红"}).content.decode()
    assert masked in page and number not in page
    client.logout()
    page = login(client, admin_a).get(reverse("search"), {"q": "田小红"}).content.decode()
    assert number in page


def test_opening_a_full_record_is_logged(client, clerk_a, world):
    login(client, clerk_a).get(reverse("person_detail", args=[world["a"].pk]))
    log = AccessLog.objects.get()
    assert (log.user, log.action, log.object_id) == (clerk_a, "view_person", str(world["a"].pk))


def test_home_counts_only_the_area(client, clerk_a, world):
    page = login(client, clerk_a).get(reverse("home"))
    assert page.context["headline"].people == 1
    assert page.context["headline"].by_category == [("建档立卡贫困人口（含已脱贫继续享受扶贫政策人员）", 1)]


def test_a_clerk_has_no_admin_site(client, clerk_a, world):
    response = login(client, clerk_a).get("/admin/beneficiaries/beneficiary/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


ADMIN_LISTS = [
    ("/admin/beneficiaries/beneficiary/", "白明华"),
    ("/admin/beneficiaries/household/", "HB1"),
    ("/admin/beneficiaries/categoryholding/", "白明华"),
    ("/admin/beneficiaries/enrollment/", "白明华"),
]


@pytest.mark.parametrize("url, other", ADMIN_LISTS)
def test_admin_lists_and_objects_are_scoped_to_the_area(client, admin_a, world, url, other):
    services.enrollment_record(user=admin_a, person=world["a"], year=2026,
                               insurance=__import__("beneficiaries.models").models.Insurance.objects.first(),
                               status="enrolled")
    login(client, admin_a)
    page = client.get(url).content.decode()
    assert other not in page
    assert client.get(f"/admin/beneficiaries/beneficiary/{world['b'].pk}/change/").status_code == 404
    assert client.get(f"/admin/beneficiaries/beneficiary/{world['a'].pk}/change/").status_code == 200


def test_admin_autocomplete_of_people_is_scoped(client, admin_a, world):
    login(client, admin_a)
    response = client.get("/admin/autocomplete/", {"term": "白", "app_label": "beneficiaries",
                                                   "model_name": "categoryholding", "field_name": "beneficiary"})
    assert response.status_code == 200 and response.json()["results"] == []


def test_admin_export_contains_only_the_area(client, admin_a, world):
    login(client, admin_a)
    response = client.post("/admin/beneficiaries/beneficiary/export/",
                           {"format": "1", "resource": "0", "beneficiaryresource_name": "on",
                            "beneficiaryresource_id_number": "on", "beneficiaryresource_village": "on"})
    assert response.status_code == 200, response.content[:500]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    names = [r[0] for r in rows[1:]]
    assert names == ["田小红"]


def test_admin_import_refuses_a_person_outside_the_area(client, admin_a, world, village_b):
    from tests.conftest import make_id_number

    login(client, admin_a)
    content = f"姓名,身份证号,所在村代码,联系电话,状态\n外乡人,{make_id_number()},{village_b.code},,active\n"
    upload = io.BytesIO(content.encode("utf-8"))
    upload.name = "people.csv"
    response = client.post("/admin/beneficiaries/beneficiary/import/",
                           {"format": "0", "resource": "0", "import_file": upload})
    page = response.content.decode()
    assert "不在您的管辖区域内" in page
    assert not world["b"].__class__.objects.filter(name="外乡人").exists()


def test_admin_users_can_only_be_given_an_area_inside_the_admins(client, admin_a, township_b):
    login(client, admin_a)
    response = client.post("/admin/accounts/user/add/", {
        "username": "newclerk", "first_name": "新", "role": "clerk", "area": township_b.code,
        "password1": "Another-pass-2026", "password2": "Another-pass-2026",
    })
    assert "只能把用户分配到您自己的管辖区域之内" in response.content.decode()


def test_the_admin_import_does_not_tell_whose_id_number_another_township_holds(client, admin_a, person_b, village_a):
    client.force_login(admin_a)
    upload = io.BytesIO(f"姓名,身份证号,所在村代码\n冒名,{person_b.id_number},{village_a.code}\n".encode())
    upload.name = "人员.csv"
    response = client.post("/admin/beneficiaries/beneficiary/import/",
                           {"format": "0", "resource": "0", "import_file": upload})
    page = response.content.decode()
    assert "该身份证号无法在您的区域登记，请联系县级管理员" in page
    assert person_b.name not in page and "已存在" not in page
    assert Beneficiary.objects.filter(id_number=person_b.id_number).get() == person_b
