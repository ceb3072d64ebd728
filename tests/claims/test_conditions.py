"""The policy conditions on the hospital, the person and the date, through the database: the hospital's
code and 县域内 come from its record, birth date and sex from the ID number, 转诊 from the bill, and a
policy spanning several years is in force in each of them."""

from __future__ import annotations

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from beneficiaries.idnumbers import check_character
from beneficiaries.models import Beneficiary
from claims.models import Claim, Hospital
from claims.services import BillFacts, claim_input, claim_settle, person_year_facts
from policies.selectors import policy_in_force
from tests.claims.conftest import vector

D = datetime.date
HOSPITALS = {
    "H-COUNTY-TCM": ("酉阳县中医院", "county", True),
    "H-COUNTY-PEOPLE": ("酉阳县人民医院", "county", True),
    "H-CITY-1": ("重庆市某医院", "city", False),
    "H-PROV-1": ("某省级医院", "province", False),
}


def id_number(birth: datetime.date, sex: str, sequence: int = 1) -> str:
    """An ID number of someone born on ``birth`` of ``sex`` (the 17th digit: odd for men)."""
    for serial in range(sequence * 10, sequence * 10 + 10):
        first17 = f"500242{birth:%Y%m%d}{serial:03d}"
        if (int(first17[16]) % 2 == 1) == (sex == "male"):
            return first17 + check_character(first17)
    raise AssertionError("no serial")


@pytest.fixture
def hospitals(db):
    return {
        code: Hospital.objects.create(name=name, code=code, level=level, in_county=in_county)
        for code, (name, level, in_county) in HOSPITALS.items()
    }


@pytest.fixture
def conditions_policy(load_vector_policy):
    return load_vector_policy("conditions-example")


def test_claim_input_takes_the_hospital_the_person_and_the_referral_from_the_records(
    hospitals, make_person, village_a, covered, clerk_a, conditions_policy
):
    person = covered(Beneficiary.objects.create(
        name="乙", id_number=id_number(D(2012, 2, 29), "female"), sex="F", birth_date=D(2012, 2, 29),
        village=village_a), 2024, ["dibao_rural"])
    outcome = claim_settle(user=clerk_a, person=person, bill=BillFacts(
        hospital=hospitals["H-PROV-1"], visit_type="inpatient", admitted_on=D(2024, 6, 20),
        discharged_on=D(2024, 6, 30), total=Decimal("80000"), in_catalog=Decimal("70000"), referred=True,
        diagnoses=({"code": "C91.000", "name": "急性淋巴细胞白血病"},)))
    claim = Claim.objects.select_related("hospital", "beneficiary").get(pk=outcome.claim.pk)
    bill = claim_input(claim, person_year_facts(person, 2024))
    assert (bill.hospital, bill.in_county, bill.referred, bill.birth_date, bill.sex) == (
        "H-PROV-1", False, True, D(2012, 2, 29), "female")


def test_the_conditions_vector_settles_through_the_database_to_the_cent(
    hospitals, village_a, covered, clerk_a, conditions_policy
):
    people = {}
    claims = {}
    for raw in vector("conditions-example", "claims")["claims"]:
        day = D.fromisoformat(raw["date"])
        if raw["person"] not in people:
            birth = D.fromisoformat(raw["birth_date"])
            number = id_number(birth, raw["sex"], sequence=len(people) + 1)
            people[raw["person"]] = Beneficiary.objects.create(
                name=raw["person"], id_number=number, sex="M" if raw["sex"] == "male" else "F", birth_date=birth,
                village=village_a)
        person = people[raw["person"]]
        if not person.enrollments.filter(year=day.year).exists():
            covered(person, day.year, () if person.holdings.exists() else raw["categories"], raw["insurances"])
        outcome = claim_settle(user=clerk_a, person=person, bill=BillFacts(
            hospital=hospitals[raw["hospital"]], visit_type=raw["visit_type"],
            admitted_on=day - datetime.timedelta(days=3), discharged_on=day, total=Decimal(raw["total"]),
            in_catalog=Decimal(raw["in_catalog"]), referred=raw.get("referred", False),
            diagnoses=tuple({"code": code, "name": ""} for code in raw.get("diseases", ()))))
        claims[raw["id"]] = outcome.claim
    expected = {r["id"]: {p["layer"]: Decimal(p["amount"]) for p in r["payments"]}
                for r in vector("conditions-example", "expected")["results"]}
    for claim_id, claim in claims.items():
        settlement = claim.settlements.get(superseded_at__isnull=True)
        assert {p.layer: p.amount for p in settlement.payments.all()} == expected[claim_id], claim_id
    # the explanation names the hospital as the county knows it, not by its code
    first = claims["E1"].settlements.get().payments.get(layer="basic").explanation
    assert "酉阳县中医院" in first and "H-COUNTY-TCM" not in first


def test_a_policy_spanning_years_is_in_force_in_each_of_them(conditions_policy, load_vector_policy):
    assert [getattr(policy_in_force("500242100201", year), "code", None) for year in (2022, 2023, 2024, 2025, 2026)] == [
        None, "conditions-example", "conditions-example", "conditions-example", None]
    load_vector_policy("conditions-example", code="township-2024", region_code="500242100", year=2024, until_year=2024)
    # the more specific region wins in its year, the county's policy before and after
    assert [policy_in_force("500242100201", year).code for year in (2023, 2024, 2025)] == [
        "conditions-example", "township-2024", "conditions-example"]


def test_an_imported_referral_column_reaches_the_rule(hospitals, village_a, covered, conditions_policy, tmp_path):
    person = covered(Beneficiary.objects.create(
        name="甲", id_number=id_number(D(1961, 5, 5), "male"), sex="M", birth_date=D(1961, 5, 5), village=village_a),
        2024, ["poor"])
    path = tmp_path / "list.csv"
    path.write_text(
        "身份证号,姓名,就诊类型,医疗机构,入院日期,出院日期,总费用,政策范围内费用,是否转诊\n"
        f"{person.id_number},甲,住院,重庆市某医院,2024-05-01,2024-05-10,30000,25000,否\n"
        f"{person.id_number},甲,住院,某省级医院,2024-06-01,2024-06-10,30000,25000,是\n", encoding="utf-8")
    call_command("import_claims", str(path), "--apply", stdout=StringIO(), stderr=StringIO())
    not_referred, referred = Claim.objects.order_by("discharged_on")
    assert (not_referred.referred, referred.referred) == (False, True)
    # assistance: 40% out of county without referral, else the policy's 60% (before July)
    pays = [claim.settlements.get().payments.get(layer="assistance").amount for claim in (not_referred, referred)]
    basic = Decimal("25000") - 400
    assert pays == [((25000 - basic * Decimal("0.65")) * Decimal("0.40")).quantize(Decimal("0.01")),
                    ((25000 - basic * Decimal("0.65")) * Decimal("0.60")).quantize(Decimal("0.01"))]


def test_the_calculator_takes_the_hospital_the_age_and_the_sex(client, clerk_a, hospitals, conditions_policy):
    client.force_login(clerk_a)
    page = client.get(reverse("calculator") + f"?version={conditions_policy.pk}").content.decode()
    assert "酉阳县中医院" in page  # the hospitals the policy names, by name
    response = client.post(reverse("calculator"), {
        "version": conditions_policy.pk, "date": "2024-03-02", "visit_type": "inpatient", "hospital_level": "county",
        "hospital": "H-COUNTY-TCM", "in_county": "on", "categories": ["poor"], "insurances": ["resident_basic"],
        "birth_date": "1961-05-05", "sex": "male", "total": "6000", "in_catalog": "5000",
    }, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "3,712.50" in page and "酉阳县中医院" in page
