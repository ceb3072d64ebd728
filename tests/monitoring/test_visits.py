"""Publicity visits: one at a time in the browser, a list imported all or nothing, and 查宣传 following them."""

from __future__ import annotations

import datetime
import json
from io import BytesIO, StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import Workbook

from beneficiaries.models import Category
from beneficiaries.services import beneficiary_create, holding_add, household_save
from monitoring.five_checks import five_checks
from monitoring.models import PublicityVisit
from monitoring.visits import FUTURE_DATE, NO_ITEMS, publicity_visit_record
from tests.conftest import make_id_number

D = datetime.date
YEAR = 2024


@pytest.fixture
def households(county_admin, village_a, village_b):
    """Three covered households: H1 and H2 in township A (H1's head 田一), H3 in township B."""
    made = {}
    for number, village, name in (("H1", village_a, "田一"), ("H2", village_a, "田二"), ("H3", village_b, "白三")):
        house = household_save(user=county_admin, number=number, village_code=village.code)
        person = beneficiary_create(user=county_admin, name=name, id_number=make_id_number(),
                                    village_code=village.code, household=house, relation="head")
        holding_add(user=county_admin, person=person, category=Category.objects.get(code="poor"),
                    start=D(YEAR, 1, 1))
        house.refresh_from_db()
        made[number] = house
    return made


def unvisited(user) -> list[str]:
    return [f.household for f in five_checks(user=user, year=YEAR).lists["publicity"]]


def workbook(rows, headers=("户编号", "户主身份证号", "走访日期", "走访人", "宣传内容", "备注")) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["2024 年政策宣传走访登记表"])  # a title above the header, as townships send them
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_one_visit_recorded_in_the_browser_clears_the_household(households, client, clerk_a):
    # given
    assert unvisited(clerk_a) == ["H1", "H2"]
    client.force_login(clerk_a)
    form = client.get(reverse("monitoring:visit_create"), {"household": households["H1"].pk})
    assert form.context["form"].initial["household"] == "H1"

    # when
    response = client.post(reverse("monitoring:visit_create"), {
        "household": "H1", "visited_on": "2024-03-15", "visitor": "王干部", "items": ["policy", "card"],
        "note": "户主在家", "back": "household"})

    # then
    assert response.status_code == 302 and response.url == reverse("household_detail", args=[households["H1"].pk])
    visit = PublicityVisit.objects.get()
    assert (visit.household, visit.visited_on, visit.visitor, visit.items, visit.note, visit.recorded_by) == (
        households["H1"], D(2024, 3, 15), "王干部", ["policy", "card"], "户主在家", clerk_a)
    assert unvisited(clerk_a) == ["H2"]
    listed = client.get(reverse("monitoring:visit_list")).content.decode()
    assert "王干部" in listed and "政策宣传、明白卡送达" in listed


def test_the_page_refuses_a_household_of_another_township(households, client, clerk_a):
    client.force_login(clerk_a)
    response = client.post(reverse("monitoring:visit_create"), {
        "household": "H3", "visited_on": "2024-03-15", "visitor": "王干部", "items": ["policy"]})
    assert response.status_code == 200
    assert "户编号“H3”不在登记册中（或不在您的管辖区域内）" in response.content.decode()
    assert not PublicityVisit.objects.exists()


def test_the_service_checks_role_area_date_and_items(households, clerk_a, viewer):
    with pytest.raises(ValidationError) as refused:
        publicity_visit_record(user=viewer, household=households["H1"], visited_on=D(YEAR, 3, 1), visitor="王",
                               items=["policy"])
    assert refused.value.code == "not_permitted"
    with pytest.raises(ValidationError) as refused:
        publicity_visit_record(user=clerk_a, household=households["H3"], visited_on=D(YEAR, 3, 1), visitor="王",
                               items=["policy"])
    assert refused.value.code == "outside_area"
    with pytest.raises(ValidationError) as refused:
        publicity_visit_record(user=clerk_a, household=households["H1"], visited_on=D(2999, 1, 1), visitor="王",
                               items=[])
    assert refused.value.message_dict == {"visited_on": [FUTURE_DATE], "items": [NO_ITEMS]}
    assert not PublicityVisit.objects.exists()


def test_a_list_with_a_bad_row_is_refused_whole_then_the_corrected_list_is_imported(households, client, clerk_a, media):
    # given
    client.force_login(clerk_a)
    head = households["H2"].head.id_number
    bad = workbook([
        ("H1", "", "2024-04-01", "王干部", "政策宣传、明白卡送达", ""),
        ("", head, "2024-13-01", "王干部", "发传单", ""),
    ])

    # when: the upload is previewed
    page = client.post(reverse("monitoring:visit_import"), {"file": SimpleUploadedFile("走访.xlsx", bad)})

    # then: both bad cells of row 4 are named, in Chinese, and nothing is written, not even the good row
    errors = [(e.row, e.column, e.message) for e in page.context["report"].errors]
    assert errors == [
        (4, "走访日期", "“2024-13-01”不是有效日期，应为 YYYY-MM-DD，如 2024-03-15。"),
        (4, "宣传内容", "“发传单”无法识别，应为“政策宣传”和/或“明白卡送达”（多项用顿号分隔）。"),
    ]
    assert "确认导入" not in page.content.decode()
    assert not PublicityVisit.objects.exists()
    assert unvisited(clerk_a) == ["H1", "H2"]

    # when: the corrected list is previewed, then confirmed
    good = workbook([
        ("H1", "", "2024-04-01", "王干部", "政策宣传、明白卡送达", ""),
        ("", head, "2024/4/2", "李干部", "明白卡", "送达明白卡"),
    ])
    preview = client.post(reverse("monitoring:visit_import"), {"file": SimpleUploadedFile("走访.xlsx", good)})
    assert (preview.context["report"].recorded, preview.context["report"].errors) == (2, [])
    assert not PublicityVisit.objects.exists()
    confirmed = client.post(reverse("monitoring:visit_import"), {"confirm": "1"})

    # then
    assert confirmed.status_code == 302
    assert sorted(PublicityVisit.objects.values_list("household__number", "visited_on", "items")) == [
        ("H1", D(2024, 4, 1), ["policy", "card"]), ("H2", D(2024, 4, 2), ["card"])]
    assert unvisited(clerk_a) == []


def test_a_household_outside_the_users_area_is_a_bad_row(households, clerk_a, tmp_path):
    path = tmp_path / "visits.xlsx"
    path.write_bytes(workbook([("H3", "", "2024-04-01", "王干部", "政策宣传", "")]))
    with pytest.raises(CommandError) as refused:
        call_command("import_visits", str(path), "--user", clerk_a.username, "--apply", stderr=StringIO())
    assert refused.value.returncode == 2
    assert "第 3 行“户编号”列：户编号“H3”不在登记册中（或不在您的管辖区域内）" in str(refused.value)
    assert not PublicityVisit.objects.exists()


def test_the_command_previews_applies_and_skips_what_is_already_recorded(households, county_admin, tmp_path):
    # given
    path = tmp_path / "visits.xlsx"
    path.write_bytes(workbook([("H1", "", "2024-04-01", "王干部", "政策宣传", ""),
                               ("H3", "", "2024-04-03", "白干部", "明白卡送达", "")]))

    def run(*options) -> dict:
        out = StringIO()
        call_command("import_visits", str(path), "--json", *options, stdout=out)
        return json.loads(out.getvalue())

    # when / then: a preview writes nothing
    assert run() == {"rows": 2, "recorded": 2, "skipped": 0, "errors": [], "applied": False}
    assert not PublicityVisit.objects.exists()
    assert run("--apply") == {"rows": 2, "recorded": 2, "skipped": 0, "errors": [], "applied": True}
    assert unvisited(county_admin) == ["H2"]
    # and the same list again records nothing twice
    assert run("--apply") == {"rows": 2, "recorded": 0, "skipped": 2, "errors": [], "applied": True}
    assert PublicityVisit.objects.count() == 2


def test_a_list_without_a_household_column_is_refused(households, tmp_path):
    path = tmp_path / "visits.xlsx"
    path.write_bytes(workbook([("2024-04-01", "王干部", "政策宣传")], headers=("走访日期", "走访人", "宣传内容")))
    with pytest.raises(CommandError) as refused:
        call_command("import_visits", str(path))
    assert refused.value.returncode == 2 and "缺少“户编号”或“户主身份证号”列" in str(refused.value)
