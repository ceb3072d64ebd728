"""The roster and enrollment pages: outcome rows link to the person with the actions that fit, 确认应用 and
撤销本批次 say what they will do before they act, a summary after, names beside area and village codes."""

from __future__ import annotations

import html
import io
import re

import openpyxl
import pytest
from django.urls import reverse

from beneficiaries.models import CategoryHolding
from rosters.models import EnrollmentUpload, RosterBatch, RosterCreation
from tests.rosters.conftest import new_id_number, roster_rows, xlsx_bytes
from tests.rosters.test_enrollment_page import policy, upload as upload_enrollment, year_rows  # noqa: F401
from tests.rosters.test_roster_views import upload

pytestmark = pytest.mark.usefixtures("media", "immediate_tasks")


@pytest.fixture
def batch(client, county_admin, registry, village_a):
    """甲 stays, 乙 changes to 特困, 丙 is listed with an unknown category (不可用), 丁 leaves, two newcomers."""
    client.force_login(county_admin)
    people = [
        ["甲", registry["甲"].id_number, "农村低保", village_a.code],
        ["乙", registry["乙"].id_number, "特困供养", village_a.code],
        ["丙", registry["丙"].id_number, "外星人", village_a.code],
        ["新一", new_id_number(), "农村低保", village_a.code],
        ["新二", new_id_number(), "农村低保", village_a.code],
    ]
    upload(client, xlsx_bytes(roster_rows(*people)), area="500242100")
    return RosterBatch.objects.get()


def detail(client, batch, **query) -> str:
    return client.get(reverse("rosters:batch_detail", args=[batch.pk]), query).content.decode()


def person_link(person) -> str:
    return f'href="{reverse("person_detail", args=[person.pk])}"'


def question(text: str, label: str) -> str:
    """The data-confirm text of the button labelled ``label``."""
    found = re.search(r'data-confirm="([^"]*)"[^>]*>' + label, text)
    assert found, f"{label} 没有确认提示"
    return html.unescape(found.group(1))


def test_an_exited_row_links_to_the_person_and_offers_to_end_the_holding(client, batch, registry):
    # when
    text = detail(client, batch, outcome="exited")
    # then: 丁 leaves the civil-affairs list: his 特困 may be ended by hand, his 建档立卡 (poverty office) not
    ding = registry["丁"]
    assert person_link(ding) in text
    tekun = CategoryHolding.objects.get(beneficiary=ding, category__code="tekun_rural")
    poor = CategoryHolding.objects.get(beneficiary=ding, category__code="poor")
    assert f'href="{reverse("holding_end", args=[tekun.pk])}"' in text
    assert f'href="{reverse("holding_end", args=[poor.pk])}"' not in text
    assert "终止农村特困人员" in text


def test_changed_and_refused_rows_link_to_the_person_found_and_new_rows_say_when_they_are_registered(
    client, batch, registry
):
    changed = detail(client, batch, outcome="changed")
    refused = detail(client, batch, outcome="rejected")
    new = detail(client, batch, outcome="new")
    assert person_link(registry["乙"]) in changed
    assert person_link(registry["丙"]) in refused and "外星人" in refused
    assert "应用时登记" in new and "新一" in new
    assert not re.search(r'href="/people/\d+/"', new)


def test_a_mismatched_row_offers_to_correct_the_registration(client, county_admin, registry, village_a):
    client.force_login(county_admin)
    upload(client, xlsx_bytes(roster_rows(["甲改", registry["甲"].id_number, "农村低保", village_a.code])))
    text = detail(client, RosterBatch.objects.get(), outcome="mismatch")
    assert person_link(registry["甲"]) in text
    assert f'href="{reverse("person_edit", args=[registry["甲"].pk])}"' in text


def test_a_person_outside_the_administrators_area_is_not_linked(client, admin_a, make_person, village_a, village_b):
    elsewhere = make_person(village_b, name="外乡人")
    client.force_login(admin_a)
    upload(client, xlsx_bytes(roster_rows(["外乡人", elsewhere.id_number, "农村低保", village_a.code])))
    text = detail(client, RosterBatch.objects.get(), outcome="mismatch")
    assert "外乡人" in text
    assert person_link(elsewhere) not in text and "系统中无此人" in text


def test_village_and_area_names_stand_beside_their_codes(client, batch, village_a):
    text = detail(client, batch, outcome="new")
    assert "红花村" in text and village_a.code in text
    assert re.search(r"龙潭镇\s*<span class=\"muted\">500242100</span>", text)
    listing = client.get(reverse("rosters:batch_list")).content.decode()
    assert "龙潭镇" in listing and "500242100" in listing


def test_the_report_names_the_village_beside_its_code(client, batch, village_a):
    response = client.get(reverse("rosters:batch_report", args=[batch.pk]))
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    header, *rows = workbook["新增"].iter_rows(values_only=True)
    assert header[3:5] == ("村代码", "村名")
    assert {row[3:5] for row in rows} == {(village_a.code, "红花村")}


def test_apply_asks_first_naming_the_counts_then_sums_up_what_it_wrote(client, batch):
    # given: the preview asks before applying, with what will happen
    asked = question(detail(client, batch), "确认应用")
    assert f"确认应用批次 #{batch.pk}" in asked
    assert "新增 2 人" in asked and "类别变更 1 人" in asked and "退出 1 人" in asked
    assert "共结束 2 项类别认定" in asked  # 乙's 低保 and 丁's 特困
    assert "不可用 1 行不会写入" in asked
    # when
    response = client.post(reverse("rosters:batch_apply", args=[batch.pk]), follow=True)
    # then: a message and a summary card, with the report
    text = response.content.decode()
    batch.refresh_from_db()
    assert batch.status == RosterBatch.Status.APPLIED
    assert f"批次 #{batch.pk} 已应用：新增 2 人" in text
    summary = text[text.index('id="summary"') :]
    assert "已应用" in summary and "新建人员 2 名" in summary and "结束类别认定 2 项" in summary
    assert reverse("rosters:batch_report", args=[batch.pk]) in summary


def test_revert_asks_first_naming_what_it_undoes_then_sums_up(client, batch):
    client.post(reverse("rosters:batch_apply", args=[batch.pk]))
    created = dict(RosterCreation.objects.filter(batch=batch).values_list("kind", "keys"))
    # given
    asked = question(detail(client, batch), "撤销本批次")
    assert f"确认撤销批次 #{batch.pk}" in asked
    assert "恢复本批次结束的 2 项类别认定" in asked
    assert f"{len(created['holding'])} 项类别认定、2 名人员、{len(created.get('household', []))} 个家庭户" in asked
    # when
    text = client.post(reverse("rosters:batch_revert", args=[batch.pk]), follow=True).content.decode()
    # then
    batch.refresh_from_db()
    assert batch.status == RosterBatch.Status.REVERTED
    assert "恢复类别认定 2 项" in text
    summary = text[text.index('id="summary"') :]
    assert "已撤销" in summary and "删除本批次新建的" in summary


def test_the_upload_page_and_the_list_offer_the_templates(client, county_admin):
    client.force_login(county_admin)
    for page in ("rosters:batch_upload", "rosters:batch_list"):
        text = client.get(reverse(page)).content.decode()
        assert reverse("import_template", args=["roster-civil-affairs"]) in text
        assert reverse("import_template", args=["roster-poverty-office"]) in text


def test_the_enrollment_list_links_people_offers_enrollment_and_asks_before_recording(
    client, county_admin, registry, year_rows, policy  # noqa: F811
):
    client.force_login(county_admin)
    listing = client.get(reverse("rosters:enrollment_upload")).content.decode()
    assert reverse("import_template", args=["enrollment"]) in listing
    upload_enrollment(client, xlsx_bytes(year_rows))
    kept = EnrollmentUpload.objects.get()
    text = client.get(reverse("rosters:enrollment_detail", args=[kept.pk]), {"list": "uncovered"}).content.decode()
    bing = registry["丙"]
    assert person_link(bing) in text
    assert f'href="{reverse("enrollment_add", args=[bing.pk])}"' in text
    asked = question(text, "确认记录参保信息")
    assert f"名单 {kept.report['rows']} 行" in asked and f"不在本系统的 {kept.report['not_in_registry']} 行不记录" in asked
    # after recording, the page sums up
    text = client.post(reverse("rosters:enrollment_apply", args=[kept.pk]), follow=True).content.decode()
    kept.refresh_from_db()
    summary = text[text.index('id="summary"') :]
    assert f"新增 {kept.report['created']} 条" in summary and "应保未保" in summary
