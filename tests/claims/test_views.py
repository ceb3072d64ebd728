import datetime
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from claims.models import Adjustment, Claim

D = datetime.date


@pytest.fixture
def ready(load_vector_policy, make_person, village_a, covered, hospital):
    load_vector_policy("youyang-2017")
    person = covered(make_person(village_a, name="冉玉梅"), 2017, ["poor"])
    return person, hospital("county", name="酉阳县人民医院")


def bill(hospital, **changes):
    data = {"hospital": hospital.pk, "visit_type": "inpatient", "admitted_on": "2017-07-29",
            "discharged_on": "2017-08-03", "diagnoses": "I63.900 脑梗死", "total": "60000", "in_catalog": "48000",
            "submission": str(uuid.uuid4())}
    return data | changes


def test_the_preview_shows_every_layer_and_the_persons_facts_without_saving(client, clerk_a, ready):
    person, county_hospital = ready
    client.force_login(clerk_a)
    response = client.post(reverse("claim_create", args=[person.pk]), bill(county_hospital), HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "¥33,495.00" in page and "¥9,269.80" in page and "建档立卡" in page
    assert not Claim.objects.exists()


def test_saving_settles_and_shows_the_slip(client, clerk_a, ready):
    person, county_hospital = ready
    client.force_login(clerk_a)
    response = client.post(reverse("claim_create", args=[person.pk]), bill(county_hospital))
    claim = Claim.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("claim_detail", args=[claim.pk])
    slip = client.get(reverse("claim_slip", args=[claim.pk]) + "?paper=A5").content.decode()
    number = person.id_number
    assert number[:4] + "*" * 10 + number[-4:] in slip and number not in slip
    for text in ("酉阳县人民医院", "I63.900 脑梗死", "¥60,000.00", "¥33,495.00", "¥9,269.80", "患者（家属）签字",
                 "css/slip-a5.css"):  # the A5 page size and type sizes
        assert text in slip


def test_a_double_submission_creates_one_claim(client, clerk_a, ready):
    person, county_hospital = ready
    client.force_login(clerk_a)
    data = bill(county_hospital)
    client.post(reverse("claim_create", args=[person.pk]), data)
    client.post(reverse("claim_create", args=[person.pk]), data)
    assert Claim.objects.count() == 1


def test_a_duplicate_is_flagged_before_saving_and_needs_confirmation(client, clerk_a, ready):
    person, county_hospital = ready
    client.force_login(clerk_a)
    client.post(reverse("claim_create", args=[person.pk]), bill(county_hospital))
    preview = client.post(reverse("claim_create", args=[person.pk]), bill(county_hospital), HTTP_HX_REQUEST="true")
    assert "可能重复" in preview.content.decode()
    refused = client.post(reverse("claim_create", args=[person.pk]), bill(county_hospital))
    assert "请核对是否重复录入" in refused.content.decode() and Claim.objects.count() == 1
    client.post(reverse("claim_create", args=[person.pk]), bill(county_hospital, allow_duplicate="on"))
    assert Claim.objects.count() == 2


def test_recorded_platform_amounts_by_fund_go_to_the_first_layer_of_that_fund(client, clerk_a, ready):
    person, county_hospital = ready
    client.force_login(clerk_a)
    client.post(reverse("claim_create", args=[person.pk]), bill(county_hospital, recorded_basic="30000.00"))
    payments = {p.layer: p.amount for p in Claim.objects.get().settlements.get().payments.all()}
    assert payments["basic"] == Decimal("30000.00")


def test_void_resettles_and_the_page_lists_the_changes(client, clerk_a, ready):
    person, county_hospital = ready
    client.force_login(clerk_a)
    client.post(reverse("claim_create", args=[person.pk]), bill(county_hospital))
    client.post(reverse("claim_create", args=[person.pk]),
                bill(county_hospital, admitted_on="2017-11-10", discharged_on="2017-11-20", total="30000",
                     in_catalog="26000"))
    first, second = Claim.objects.order_by("discharged_on")
    Claim.objects.filter(pk=second.pk).update(paid_out_on=D(2017, 12, 1))
    response = client.post(reverse("claim_void", args=[first.pk]), {"reason": "医院重复上传"}, follow=True)
    page = response.content.decode()
    assert f"#{second.pk}" in page and "本次操作引起的重算" in page
    first.refresh_from_db()
    assert first.status == "voided"
    assert Adjustment.objects.filter(claim=second, kind="recovery").exists() or Adjustment.objects.filter(
        claim=second).exists()
    adjustments = client.get(reverse("adjustment_list")).content.decode()
    assert "冉玉梅" in adjustments


def test_a_clerk_of_another_township_sees_no_claim(client, clerk_a, clerk_b, ready):
    person, county_hospital = ready
    client.force_login(clerk_a)
    client.post(reverse("claim_create", args=[person.pk]), bill(county_hospital))
    claim = Claim.objects.get()
    client.force_login(clerk_b)
    for name in ("claim_detail", "claim_slip", "claim_void"):
        assert client.get(reverse(name, args=[claim.pk])).status_code == 404
    assert client.get(reverse("claim_create", args=[person.pk])).status_code == 404
    assert "冉玉梅" not in client.get(reverse("adjustment_list")).content.decode()


def test_the_person_page_lists_claims_with_totals_by_year_and_fund(client, clerk_a, ready):
    person, county_hospital = ready
    client.force_login(clerk_a)
    client.post(reverse("claim_create", args=[person.pk]), bill(county_hospital))
    page = client.get(reverse("person_detail", args=[person.pk])).content.decode()
    assert "医疗费用账单" in page and "¥33,495.00" in page and "¥7,050.00" in page and "¥9,269.80" in page


@pytest.mark.parametrize("query", ["?from=abc", "?to=2024-13-01", "?from=2024-01-01&to=x"])
def test_a_bad_date_filter_is_a_400_saying_what_was_expected(client, clerk_a, query):
    client.force_login(clerk_a)
    response = client.get(reverse("adjustment_list") + query)
    assert response.status_code == 400
    assert "日期" in response.content.decode() and "无效，应为 YYYY-MM-DD" in response.content.decode()
