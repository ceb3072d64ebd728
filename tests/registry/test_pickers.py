"""Registration forms pick a village by its township's and its own name and a household by its head,
searched on the server within the user's area; never a 12-digit code field nor a list of every household."""

import re

import pytest
from django.urls import reverse

from beneficiaries import selectors, services
from beneficiaries.models import Beneficiary
from regions.models import Region
from tests.conftest import make_id_number


@pytest.fixture
def households(clerk_a, admin_b, village_a, village_b):
    """Two households in township A (one headed by 田小红, one by nobody yet) and one in township B."""
    tian = services.household_save(user=clerk_a, number="Y00100001", village_code=village_a.code)
    services.beneficiary_create(user=clerk_a, name="田小红", id_number=make_id_number(), village_code=village_a.code,
                                household=tian, relation="head")
    services.beneficiary_create(user=clerk_a, name="冉冬", id_number=make_id_number(), village_code=village_a.code,
                                household=tian, relation="child")
    headless = services.household_save(user=clerk_a, number="Y00100002", village_code=village_a.code)
    bai = services.household_save(user=admin_b, number="Y00200001", village_code=village_b.code)
    services.beneficiary_create(user=admin_b, name="田大山", id_number=make_id_number(), village_code=village_b.code,
                                household=bai, relation="head")
    tian.refresh_from_db()
    return {"tian": tian, "headless": headless, "bai": bai}


def pick(client, query: str) -> list[dict]:
    response = client.get(reverse("household_pick"), {"q": query})
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    return response.json()["results"]


def test_households_are_found_by_number_head_name_id_number_and_a_members_name(client, clerk_a, households):
    client.force_login(clerk_a)
    tian = households["tian"]
    label = "田小红（户主） · 龙潭镇 红花村 · 户编号 Y00100001"
    expected = [{"value": str(tian.pk), "label": label}]
    head = Beneficiary.objects.get(name="田小红")
    assert pick(client, "田小") == expected
    assert pick(client, head.id_number) == expected
    assert pick(client, head.id_number[-6:]) == expected
    assert pick(client, "冉冬") == expected  # a member's name finds the household too
    assert [r["value"] for r in pick(client, "y0010000")] == [str(tian.pk), str(households["headless"].pk)]
    assert pick(client, "Y00100002")[0]["label"] == "未登记户主 · 龙潭镇 红花村 · 户编号 Y00100002"
    assert pick(client, "") == [] and pick(client, "张") == []


def test_the_household_search_stays_in_the_users_area_and_lists_twenty_at_most(client, clerk_a, households,
                                                                               village_a):
    client.force_login(clerk_a)
    assert pick(client, "田大山") == [] and pick(client, "Y002") == []
    assert [r["label"] for r in pick(client, "田")] == ["田小红（户主） · 龙潭镇 红花村 · 户编号 Y00100001"]
    for n in range(25):
        services.household_save(user=clerk_a, number=f"Z{n:03d}", village_code=village_a.code)
    assert len(pick(client, "Z")) == selectors.PICK_LIMIT == 20


def test_the_person_form_offers_villages_by_name_and_only_the_chosen_household(client, clerk_a, households,
                                                                              village_a, township_a):
    Region.objects.create(code="500242100202", name="龙凤村", level="village", parent=township_a)
    client.force_login(clerk_a)
    page = client.get(reverse("person_create")).content.decode()
    village = page[page.index('<select name="village_code"'):]
    village = village[:village.index("</select>")]
    assert re.findall(r"<option[^>]*>([^<]+)</option>", village) == ["请选择", "龙潭镇 / 红花村", "龙潭镇 / 龙凤村"]
    assert 'data-search="ltzhhc longtanzhenhonghuacun 500242100201"' in village
    assert "青龙村" not in village  # township B's
    household = page[page.index('<select name="household"'):]
    household = household[:household.index("</select>")]
    assert f'data-picker-url="{reverse("household_pick")}"' in household
    assert re.findall(r"<option[^>]*>([^<]+)</option>", household) == ["（不属于任何家庭户）"]
    assert "12 位" not in page

    person = Beneficiary.objects.get(name="冉冬")
    edit = client.get(reverse("person_edit", args=[person.pk])).content.decode()
    household = edit[edit.index('<select name="household"'):]
    household = household[:household.index("</select>")]
    assert re.findall(r"<option[^>]*>([^<]+)</option>", household) == [
        "（不属于任何家庭户）", "田小红（户主） · 龙潭镇 红花村 · 户编号 Y00100001"]
    assert re.search(r'<option value="500242100201"[^>]*\bselected\b[^>]*>龙潭镇 / 红花村', edit)


def test_a_person_registered_through_the_pickers_values(client, clerk_a, households, village_a):
    client.force_login(clerk_a)
    number = make_id_number()
    response = client.post(reverse("person_create"), {
        "name": "田小兵", "id_number": number, "village_code": village_a.code,
        "household": households["tian"].pk, "relation": "child",
    })
    assert response.status_code == 302
    person = Beneficiary.objects.get(id_number=number)
    assert (person.village_id, person.household) == (village_a.code, households["tian"])


def test_a_household_of_another_township_cannot_be_posted(client, clerk_a, households, village_a):
    client.force_login(clerk_a)
    response = client.post(reverse("person_create"), {
        "name": "田小兵", "id_number": make_id_number(), "village_code": village_a.code,
        "household": households["bai"].pk,
    })
    assert response.status_code == 200 and "所选家庭户不存在或不在您的管辖区域内" in response.content.decode()


def test_the_household_form_picks_its_village_by_name(client, clerk_a, village_a):
    client.force_login(clerk_a)
    page = client.get(reverse("household_create")).content.decode()
    assert "龙潭镇 / 红花村" in page and 'name="village_code"' in page and "data-picker" in page
    response = client.post(reverse("household_create"), {"number": "H9", "village_code": village_a.code})
    assert response.status_code == 302
