"""The claim form as a clerk enters bills all day: the first field focused, the fields in the bill's order,
the last hospital remembered, hospitals in pinyin order and searchable by initials, the duplicate box only
when needed, the personal share first in the preview. (Keys themselves: tests/browser/test_keyboard_entry.py.)"""

import datetime
import re
import uuid

import pytest
from django.urls import reverse

from claims.forms import ClaimForm
from claims.models import Claim

D = datetime.date


@pytest.fixture
def ready(load_vector_policy, make_person, village_a, covered, hospital):
    load_vector_policy("youyang-2017")
    person = covered(make_person(village_a, name="冉玉梅"), 2017, ["poor"])
    return person, hospital("county", name="酉阳土家族苗族自治县人民医院")


def bill(hospital, **changes):
    data = {"hospital": hospital.pk, "visit_type": "inpatient", "admitted_on": "2017-07-29",
            "discharged_on": "2017-08-03", "diagnoses": "I63.900 脑梗死", "total": "60000", "in_catalog": "48000",
            "submission": str(uuid.uuid4())}
    return data | changes


def page_of(client, person) -> str:
    return client.get(reverse("claim_create", args=[person.pk])).content.decode()


def test_the_hospital_is_the_first_field_focused_and_the_fields_follow_the_bill(client, clerk_a, ready):
    # given
    person, _ = ready
    client.force_login(clerk_a)
    # when
    page = page_of(client, person)
    # then
    start = page.index('<form id="claim-form"')
    form = page[start:page.index("</form>", start)]
    assert "data-enter-advances" in form
    names = re.findall(r'name="([a-z_]+)"', form)
    assert names[1:12] == ["submission", "hospital", "visit_type", "admitted_on", "discharged_on", "admission_number",
                           "invoice_number", "diagnoses", "total", "in_catalog", "pay_later"]
    assert re.search(r'<select name="hospital"[^>]*autofocus', form)
    assert form.count("autofocus") == 1
    # The save button comes before the platform's amounts, which are folded away.
    assert form.index('type="submit"') < form.index("<details") < form.index('name="recorded_basic"')
    assert "<details class=\"recorded\">" in form  # closed when nothing was typed in it


def test_hospitals_are_in_pinyin_order_and_carry_their_initials_and_code(client, clerk_a, ready, hospital):
    person, county = ready
    county.code = "500242-RMYY"
    county.save()
    for name in ("重庆市黔江中心医院", "麻旺镇卫生院", "龙潭镇中心卫生院"):
        hospital("township", name=name)
    client.force_login(clerk_a)
    page = page_of(client, person)
    select = page[page.index('<select name="hospital"'):]
    select = select[:select.index("</select>")]
    labels = re.findall(r"<option[^>]*>([^<]+)</option>", select)
    # 重庆 is chóngqìng, not zhòngqìng: a polyphonic character read as the place name does.
    assert labels == ["请选择", "重庆市黔江中心医院", "龙潭镇中心卫生院", "麻旺镇卫生院",
                      "酉阳土家族苗族自治县人民医院"]
    assert re.search(r'data-search="yytjzmzzzxrmyy youyangtujiazumiaozuzizhixianrenminyiyuan 500242-rmyy"', select)
    assert "data-picker" in select


def test_the_clerks_last_hospital_is_chosen_and_not_another_clerks(client, clerk_a, clerk_b, ready, hospital, settle):
    person, county = ready
    township = hospital("township", name="龙潭镇中心卫生院")
    client.force_login(clerk_a)
    assert re.search(r"<option value=\"\" selected>请选择", page_of(client, person))

    client.post(reverse("claim_create", args=[person.pk]), bill(township))
    assert Claim.objects.get().entered_by == clerk_a
    assert re.search(rf'<option value="{township.pk}"[^>]*\bselected\b[^>]*>龙潭镇中心卫生院', page_of(client, person))

    client.post(reverse("claim_create", args=[person.pk]), bill(county, discharged_on="2017-09-03",
                                                                admitted_on="2017-09-01"))
    assert re.search(rf'<option value="{county.pk}"[^>]*\bselected\b[^>]*>', page_of(client, person))
    assert ClaimForm.initial_for(clerk_b, D(2017, 9, 4))["hospital"] is None


def test_the_duplicate_box_shows_only_when_the_preview_finds_a_duplicate(client, clerk_a, ready):
    person, county = ready
    client.force_login(clerk_a)
    url = reverse("claim_create", args=[person.pk])
    assert re.search(r'<p class="confirm-duplicate" data-show-with="#preview\[data-duplicates\]" hidden>',
                     page_of(client, person))
    first = client.post(url, bill(county), HTTP_HX_REQUEST="true").content.decode()
    assert '<div id="preview">' in first

    client.post(url, bill(county))
    again = client.post(url, bill(county), HTTP_HX_REQUEST="true").content.decode()
    assert '<div id="preview" data-duplicates>' in again and "可能重复" in again
    # Saving it anyway is refused; the page that says so shows the box.
    refused = client.post(url, bill(county)).content.decode()
    assert "请核对是否重复录入" in refused
    assert re.search(r'<p class="confirm-duplicate" data-show-with="[^"]+">', refused)


def test_the_personal_share_heads_the_preview(client, clerk_a, ready):
    person, county = ready
    client.force_login(clerk_a)
    preview = client.post(reverse("claim_create", args=[person.pk]), bill(county), HTTP_HX_REQUEST="true")
    page = preview.content.decode()
    summary = page[page.index('class="card preview-summary"'):page.index("保障身份")]
    assert re.search(r'个人自付</span> <span class="n">¥9,269.80</span>', summary)
    assert "各项保障合计支付</span> <span class=\"n\">¥50,730.20</span>" in summary
    assert page.index("preview-summary") < page.index('table class="settlement"')


def test_platform_amounts_typed_keep_their_fold_open(client, clerk_a, ready):
    person, county = ready
    client.force_login(clerk_a)
    page = client.post(reverse("claim_create", args=[person.pk]),
                       bill(county, recorded_basic="abc")).content.decode()
    assert '<details class="recorded" open>' in page


@pytest.mark.parametrize("typed", ["20170729", "2017-07-29", "2017/7/29", "2017.07.29"])
def test_dates_are_typed_as_the_bill_prints_them(ready, typed):
    _, county = ready
    form = ClaimForm(bill(county, admitted_on=typed))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["admitted_on"] == D(2017, 7, 29)


def test_a_date_that_is_none_says_how_to_write_one(ready):
    _, county = ready
    form = ClaimForm(bill(county, discharged_on="2017-13-01"))
    assert form.errors["discharged_on"] == ["日期应写作 20170803 或 2017-08-03。"]
