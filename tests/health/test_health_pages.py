"""The health pages of a household and a person, and the list of diseases: each form writes through its service
and shows the service's refusal on itself; the pages keep to the user's area and role; the changes are shown
with who made them."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from beneficiaries.models import CategoryHolding
from health.models import Disease, DoctorContract, HealthCard, HealthRecord, TreatmentCase, TwoDiseaseRecognition

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)
START = TODAY - 60 * DAY
TERMS = {"team": "龙潭镇卫生院第一团队", "doctor": "冉医生", "clinic": "龙潭镇卫生院", "package": "基础包"}


def post(client, url, action, **fields):
    data = {f"{action}-{name}": value.isoformat() if isinstance(value, datetime.date) else value
            for name, value in fields.items()}
    return client.post(url, {"action": action, **data})


def sign(client, household, **changes):
    fields = TERMS | {"signed_on": START, "starts_on": START, "ends_on": START + 364 * DAY} | changes
    return post(client, reverse("health:household", args=[household.pk]), "sign", **fields)


@pytest.fixture
def household(village_a, poor_household):
    return poor_household(village_a, ["冉一", "冉二"])


def test_a_clerk_signs_renews_and_ends_a_contract_and_the_page_shows_who(client, clerk_a, household):
    client.force_login(clerk_a)
    url = reverse("health:household", args=[household.pk])
    assert sign(client, household).status_code == 302
    contract = DoctorContract.objects.get(household=household)
    assert (contract.doctor, contract.starts_on, contract.recorded_by) == ("冉医生", START, clerk_a)

    response = post(client, url, "renew", target=contract.pk, signed_on=TODAY, ends_on=START + 729 * DAY)
    assert response.status_code == 302
    renewal = DoctorContract.objects.get(renews=contract)
    assert renewal.starts_on == START + 365 * DAY

    withdrawn = renewal.starts_on - DAY  # a renewal not yet in force is withdrawn the day before it starts
    response = post(client, url, "end", target=renewal.pk, ended_on=TODAY - DAY, reason="迁往外县")
    assert f"解约日期应在 {renewal.starts_on.isoformat()}" in response.content.decode()
    assert post(client, url, "end", target=renewal.pk, ended_on=withdrawn, reason="迁往外县").status_code == 302
    renewal.refresh_from_db()
    assert (renewal.ended_on, renewal.end_reason) == (withdrawn, "迁往外县")

    page = client.get(url).content.decode()
    assert "已续签至" in page and "续签自" in page and "迁往外县" in page
    assert "解约日期：（空） → " + withdrawn.isoformat() in page  # the change, old → new
    assert "clerk_a" in page  # by whom


def test_a_refused_contract_shows_the_services_words_on_the_form_and_writes_nothing(client, clerk_a, household):
    client.force_login(clerk_a)
    response = sign(client, household, ends_on=START - DAY)
    assert response.status_code == 200
    assert f"到期日期 {(START - DAY).isoformat()} 早于生效日期 {START.isoformat()}" in response.content.decode()
    sign(client, household)
    response = sign(client, household, doctor="另一位医生", starts_on=START + 30 * DAY, ends_on=START + 200 * DAY)
    assert "同一时间只能有一份有效签约" in response.content.decode()
    assert DoctorContract.objects.filter(household=household).count() == 1


def test_another_townships_household_and_person_are_not_found(client, clerk_a, village_b, poor_household):
    other = poor_household(village_b, ["田一"])
    client.force_login(clerk_a)
    assert client.get(reverse("health:household", args=[other.pk])).status_code == 404
    assert sign(client, other).status_code == 404
    assert client.get(reverse("health:person", args=[other.head.pk])).status_code == 404
    assert not DoctorContract.objects.exists()


def test_an_official_reads_but_gets_no_forms_and_cannot_post(client, viewer, clerk_a, household):
    client.force_login(clerk_a)
    sign(client, household)
    client.force_login(viewer)
    for url in (reverse("health:household", args=[household.pk]), reverse("health:person", args=[household.head.pk]),
                reverse("health:diseases")):
        response = client.get(url)
        assert response.status_code == 200
        assert 'name="action"' not in response.content.decode()
    assert "冉医生" in client.get(reverse("health:household", args=[household.pk])).content.decode()
    assert sign(client, household, starts_on=TODAY + DAY).status_code == 403
    response = post(client, reverse("health:person", args=[household.head.pk]), "record", number="DA1",
                    established_on=TODAY)
    assert response.status_code == 403
    assert DoctorContract.objects.count() == 1 and not HealthRecord.objects.exists()


def test_record_and_cards_on_the_person_page(client, clerk_a, household):
    person = household.head
    url = reverse("health:person", args=[person.pk])
    client.force_login(clerk_a)
    page = client.get(url).content.decode()
    assert "未建档" in page and "建档" in page
    assert post(client, url, "record", number="DA500242001", established_on=START, institution="龙潭镇卫生院") \
        .status_code == 302
    page = client.get(url).content.decode()
    assert "DA500242001" in page and 'value="record"' not in page  # established once: the form is gone

    assert post(client, url, "card", number="HC001", issued_on=START, handed_over_by="村医 冉平").status_code == 302
    card = HealthCard.objects.get(number="HC001")
    response = post(client, url, "revoke", target=card.pk, revoked_on=START - DAY, reason="遗失")
    assert f"作废日期早于发放日期 {START.isoformat()}" in response.content.decode()
    assert post(client, url, "revoke", target=card.pk, revoked_on=TODAY, reason="遗失").status_code == 302
    response = post(client, url, "card", number="HC001", issued_on=TODAY, handed_over_by="冉平")
    assert "卡号 HC001 已于" in response.content.decode()
    assert post(client, url, "card", number="HC002", issued_on=TODAY, handed_over_by="冉平").status_code == 302
    assert list(HealthCard.objects.filter(person=person).order_by("pk").values_list("number", "revoked_on")) == [
        ("HC001", TODAY), ("HC002", None)]
    page = client.get(url).content.decode()
    assert "作废：遗失" in page and "健康卡 HC001" in page  # the history names the card


def test_a_treatment_case_moves_on_and_its_status_history_is_shown(client, clerk_a, household):
    person = household.head
    url = reverse("health:person", args=[person.pk])
    disease = Disease.objects.get(name="终末期肾病")
    client.force_login(clerk_a)
    assert post(client, url, "case", disease=disease.pk, treatment_class="inpatient_maintenance",
                institution="酉阳县人民医院", registered_on=START).status_code == 302
    case = TreatmentCase.objects.get(person=person)
    assert post(client, url, "status", target=case.pk, status="treating", on=START + DAY, note="开始透析",
                institution="").status_code == 302
    response = post(client, url, "status", target=case.pk, status="pending", on=TODAY, note="", institution="")
    assert "“救治中”的救治不能改为“待救治”" in response.content.decode()
    assert post(client, url, "status", target=case.pk, status="treated", on=TODAY, note="病情稳定",
                institution="重庆医科大学附属第一医院").status_code == 302
    case.refresh_from_db()
    assert (case.status, case.institution) == ("treated", "重庆医科大学附属第一医院")
    page = client.get(url).content.decode()
    table = page.split('class="case-history"')[1].split("</table>")[0]
    assert [cell in table for cell in ("待救治", "开始透析", "病情稳定", "clerk_a")] == [True] * 4
    assert table.index("开始透析") < table.index("病情稳定")  # oldest first


def test_a_two_disease_recognition_grants_and_a_withdrawal_ends_the_category(client, clerk_a, household):
    person = household.head
    url = reverse("health:person", args=[person.pk])
    client.force_login(clerk_a)
    response = post(client, url, "recognise", disease="hypertension", recognised_on=START, recognised_by="",
                    evidence="诊断证明")
    assert "请填写认定医生或机构" in response.content.decode() or "这个字段是必填项" in response.content.decode()
    assert post(client, url, "recognise", disease="hypertension", recognised_on=START, recognised_by="龙潭镇卫生院",
                evidence="二级医院诊断证明").status_code == 302
    recognition = TwoDiseaseRecognition.objects.get(person=person)
    holding = CategoryHolding.objects.get(beneficiary=person, category__code="hypertension")
    assert (holding.start, holding.end) == (START, None)
    assert post(client, url, "withdraw", target=recognition.pk, withdrawn_on=TODAY, reason="复核不符").status_code == 302
    holding.refresh_from_db()
    assert holding.end == TODAY
    page = client.get(url).content.decode()
    assert "撤销：复核不符" in page and "两病认定：高血压" in page


def test_only_an_administrator_keeps_the_list_of_diseases(client, clerk_a, county_admin):
    url = reverse("health:diseases")
    client.force_login(clerk_a)
    page = client.get(url).content.decode()
    assert page.count("大病专项</span>") == 21 and 'name="action"' not in page
    assert client.post(url, {"action": "save", "save-code": "copd", "save-name": "慢阻肺", "save-kind": "chronic",
                             "save-order": "200"}).status_code == 403
    client.force_login(county_admin)
    data = {"action": "save", "save-code": "copd", "save-name": "慢性阻塞性肺疾病", "save-kind": "chronic",
            "save-icd_codes": "J44", "save-active": "on", "save-order": "200"}
    assert client.post(url, data).status_code == 302
    disease = Disease.objects.get(code="copd")
    response = client.post(url, data | {"save-code": "copd2"})  # the same name twice
    assert response.status_code == 200 and "已存在" in response.content.decode()
    assert client.post(url, data | {"edit": str(disease.pk), "save-active": ""}).status_code == 302
    disease.refresh_from_db()
    assert disease.active is False
    assert [h.history_user for h in disease.history.all()] == [county_admin, county_admin]


def test_the_registry_pages_and_the_menu_lead_to_the_health_pages(client, clerk_a, household):
    client.force_login(clerk_a)
    page = client.get(reverse("household_detail", args=[household.pk])).content.decode()
    assert reverse("health:household", args=[household.pk]) in page
    page = client.get(reverse("person_detail", args=[household.head.pk])).content.decode()
    assert reverse("health:person", args=[household.head.pk]) in page
    assert f'href="{reverse("health:coverage")}">健康管理' in page
