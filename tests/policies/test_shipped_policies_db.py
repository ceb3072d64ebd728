"""The policies shipped in ``policies/data/`` pay what the seeds say through the database, the window's path.

``test_shipped_policies.py`` checks the same bills through the pure engine and ``manage.py reimburse``;
its comments hold the hand arithmetic behind every amount here. This file runs the real path instead:
the shipped files loaded by ``policies_load_shipped``, people registered from their ID numbers (birth
date and sex come from the number), category holdings and enrollments recorded by the county's clerk,
hospitals with their codes and 县域内 on their records, and each bill settled by ``claim_settle``, which
finds the policy in force for the person's village and year. The stored settlement is asserted to the cent.
"""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Role, User
from accounts.services import system_user
from beneficiaries.idnumbers import check_character
from beneficiaries.models import Beneficiary, Category, Insurance
from beneficiaries.services import beneficiary_create, enrollment_record, holding_add
from claims.models import Hospital, Settlement
from claims.services import BillFacts, claim_settle
from policies.selectors import policy_in_force
from policies.services import policies_load_shipped
from regions.models import Region
from tests.conftest import PASSWORD
from tests.policies.test_shipped_policies import FYBJ, JSBYY, OTHER_COUNTY, RMYY, ZYY, money

D = datetime.date

# The county each policy is tried in, with a township and a village made under it: 酉阳 itself; for
# 辽宁 (21) a county of 沈阳 (法库县), for 阜新 (2109) 阜新蒙古族自治县, and 鄂温克族自治旗 itself.
COUNTIES = {"youyang": "500242", "liaoning": "210124", "fuxin": "210921", "ewenki": "150724"}

# 酉阳's county hospitals as the county records them (docs/policies.md, "Hospital codes"), and a
# 县人民医院 of another county (秀山), outside the county.
YOUYANG_HOSPITALS = {
    RMYY: ("酉阳县人民医院", True),
    ZYY: ("酉阳县中医院", True),
    FYBJ: ("酉阳县妇幼保健计划生育服务中心", True),
    JSBYY: ("酉阳县精神病医院", True),
    OTHER_COUNTY: ("秀山县人民医院", False),
}

_serial = itertools.count(1)


def id_number(birth: datetime.date, sex: str, area: str) -> str:
    """A fresh ID number of someone born on ``birth`` of ``sex`` ("male"/"female"; odd 17th digit: a man)."""
    while True:
        first17 = f"{area}{birth:%Y%m%d}{next(_serial) % 1000:03d}"
        if (int(first17[16]) % 2 == 1) == (sex == "male"):
            return first17 + check_character(first17)


@pytest.fixture
def shipped(db):
    """The four shipped policies, loaded as ``manage.py`` does on a fresh installation."""
    return {version.policy.code: version for version, _ in policies_load_shipped(user=system_user())}


class Place:
    """A village of one county and that township's clerk, who registers people and settles their bills."""

    def __init__(self, county_code: str, key: str):
        county = Region.objects.get(code=county_code)
        township = Region.objects.create(code=f"{county_code}100", name=f"{county.name}某镇", level="township",
                                         parent=county)
        self.village = Region.objects.create(code=f"{township.code}201", name=f"{county.name}某村",
                                             level="village", parent=township)
        self.clerk = User(username=f"clerk_{key}", role=Role.CLERK, area=township)
        self.clerk.set_password(PASSWORD)
        self.clerk.save()
        self.county = county

    def person(
        self,
        *,
        categories: tuple[str, ...] = ("poor",),
        insurances: tuple[str, ...] = ("resident_basic",),
        years: tuple[int, ...],
        born: datetime.date = D(1960, 5, 4),
        sex: str = "female",
        name: str = "甲",
    ) -> Beneficiary:
        """Registered from an ID number; the categories held from 1 January of the first year on, and
        enrolled in ``insurances`` in each of ``years``."""
        number = id_number(born, sex, self.county.code)
        person = beneficiary_create(user=self.clerk, name=name, id_number=number,
                                    village_code=self.village.code)
        for code in categories:
            holding_add(user=self.clerk, person=person, category=Category.objects.get(code=code),
                        start=D(years[0], 1, 1))
        for year in years:
            for code in insurances:
                enrollment_record(user=self.clerk, person=person, year=year,
                                  insurance=Insurance.objects.get(code=code), status="enrolled")
        return person

    def hospital(self, level: str = "county", code: str = "", name: str | None = None,
                 in_county: bool = False) -> Hospital:
        name = name or f"{self.county.name}{level}医院{code}"
        return Hospital.objects.get_or_create(name=name, defaults={"code": code, "level": level,
                                                                   "in_county": in_county})[0]

    def settle(self, person: Beneficiary, hospital: Hospital, *, day: str, total: str, in_catalog: str,
               diseases: tuple[str, ...] = ()) -> int:
        """Settle an inpatient bill at the window; the claim's id."""
        discharged = D.fromisoformat(day)
        outcome = claim_settle(user=self.clerk, person=person, bill=BillFacts(
            hospital=hospital, visit_type="inpatient", admitted_on=discharged - datetime.timedelta(days=5),
            discharged_on=discharged, total=Decimal(total), in_catalog=Decimal(in_catalog),
            diagnoses=tuple({"code": code, "name": ""} for code in diseases)))
        return outcome.claim.pk


@pytest.fixture
def place(shipped):
    made: dict[str, Place] = {}

    def get(key: str) -> Place:
        if key not in made:
            made[key] = Place(COUNTIES[key], key)
        return made[key]

    return get


def stored(claim_id: int) -> Settlement:
    return Settlement.objects.prefetch_related("payments").select_related("policy_version__policy").get(
        claim_id=claim_id, superseded_at__isnull=True)


def assert_stored(
    claim_id: int, policy: str, payments: dict[str, str], personal: str, in_catalog_personal: str
) -> None:
    """The bill's current settlement: under ``policy``, the layers that paid, the personal amounts, and
    the fund columns as the sums of the payments of each fund."""
    settlement = stored(claim_id)
    assert settlement.policy_version.policy.code == policy
    assert {p.layer: p.amount for p in settlement.payments.all() if p.amount} == money(payments)
    assert settlement.personal == Decimal(personal)
    assert settlement.in_catalog_personal == Decimal(in_catalog_personal)
    funds = {fund: sum((p.amount for p in settlement.payments.all() if p.fund == fund), Decimal("0.00"))
             for fund in ("basic", "critical", "assistance", "other")}
    assert settlement.by_fund == funds
    assert sum(funds.values()) + settlement.personal == settlement.total


# --- 酉阳 2017 ---------------------------------------------------------------------------------------


@pytest.fixture
def youyang(place):
    county = place("youyang")
    for code, (name, in_county) in YOUYANG_HOSPITALS.items():
        county.hospital(code=code, name=name, in_county=in_county)
    return county


def test_youyang_poor_inpatient_at_county_hospital_goes_through_every_layer(youyang):
    # given: a poor person, 县人民医院, total 60,000.00, in-catalogue 48,000.00 (engine test of the same name)
    person = youyang.person(years=(2017,))

    # when
    claim = youyang.settle(person, Hospital.objects.get(code=RMYY), day="2017-08-03", total="60000.00",
                           in_catalog="48000.00")

    # then
    assert_stored(
        claim,
        "youyang-2017",
        {
            "basic_inpatient": "33495.00",
            "critical": "3705.50",
            "supplement_in": "1739.85",
            "assist_inpatient": "5435.79",
            "jzfp_insurance": "2100.00",
            "civil_fund": "4950.00",
        },
        personal="8573.86",
        in_catalog_personal="3623.86",
    )
    assert stored(claim).by_fund == money(
        {"basic": "33495.00", "critical": "3705.50", "assistance": "5435.79", "other": "8789.85"}
    )


@pytest.mark.parametrize(
    "categories, hospital, basic, assistance, personal, in_catalog_personal",
    [
        # as test_youyang_county_hospital_tilt_follows_the_named_hospitals: 300 → 150 at 70% for the poor
        (("poor",), RMYY, "5495.00", "1503.00", "3002.00", "1002.00"),
        (("poor",), FYBJ, "5495.00", "1503.00", "3002.00", "1002.00"),
        (("poor",), JSBYY, "5495.00", "1503.00", "3002.00", "1002.00"),
        # 县中医院 100 → 50
        (("poor",), ZYY, "5565.00", "1461.00", "2974.00", "974.00"),
        # another county's 县人民医院, or a county-level hospital without a code: no tilt
        (("poor",), OTHER_COUNTY, "4620.00", "2028.00", "3352.00", "1352.00"),
        (("poor",), "", "4620.00", "2028.00", "3352.00", "1352.00"),
        # not poor: 300 at 县人民医院, 县中医院's own 100, 60%; 低保 gets 住院救助 but not the tilt
        ((), RMYY, "4620.00", None, "5380.00", "3380.00"),
        ((), ZYY, "4740.00", None, "5260.00", "3260.00"),
        (("dibao_rural",), ZYY, "4740.00", "1956.00", "3304.00", "1304.00"),
    ],
)
def test_youyang_county_hospital_tilt_follows_the_hospitals_code_on_its_record(
    youyang, categories, hospital, basic, assistance, personal, in_catalog_personal
):
    # given: an inpatient bill at a county-level hospital, total 10,000.00, in-catalogue 8,000.00
    person = youyang.person(categories=categories, years=(2017,))
    at = Hospital.objects.get(code=hospital) if hospital else youyang.hospital(name="某县级医院（无编码）")

    # when
    claim = youyang.settle(person, at, day="2017-05-01", total="10000.00", in_catalog="8000.00")

    # then
    expected = {"basic_inpatient": basic} | ({"assist_inpatient": assistance} if assistance else {})
    assert_stored(claim, "youyang-2017", expected, personal=personal, in_catalog_personal=in_catalog_personal)


def test_youyang_claim_page_and_slip_show_the_rule_that_set_the_tilt(youyang, client):
    # given: the 60,000.00 stay at 县人民医院 settled at the window
    person = youyang.person(years=(2017,))
    claim = youyang.settle(person, Hospital.objects.get(code=RMYY), day="2017-08-03", total="60000.00",
                           in_catalog="48000.00")
    client.force_login(youyang.clerk)

    # when
    detail = client.get(reverse("claim_detail", args=[claim])).content.decode()
    slip = client.get(reverse("claim_slip", args=[claim])).content.decode()

    # then: the basic layer's explanation names the rule (by its position) and the hospital by its name
    basic = stored(claim).payments.get(layer="basic_inpatient")
    assert "按第" in basic.explanation and "酉阳县人民医院" in basic.explanation and RMYY not in basic.explanation
    assert "按第 1 条规则" in basic.explanation and "(48,000.00−150.00)×70% = 33,495.00" in basic.explanation
    for page in (detail, slip):
        assert basic.explanation in page
        assert "¥33,495.00" in page and "¥3,705.50" in page and "¥8,573.86" in page


# --- 辽宁 2019 ---------------------------------------------------------------------------------------


@pytest.fixture
def liaoning(place):
    return place("liaoning")


def test_liaoning_assistance_rises_from_60_to_70_percent_on_1_july(liaoning):
    # given: two poor people, the same county stay (20,000.00 all in-catalogue), out on 30 June and 1 July
    june, july = (liaoning.person(years=(2019,), name=name) for name in ("甲", "乙"))
    county = liaoning.hospital()

    # when
    june_claim = liaoning.settle(june, county, day="2019-06-30", total="20000.00", in_catalog="20000.00")
    july_claim = liaoning.settle(july, county, day="2019-07-01", total="20000.00", in_catalog="20000.00")

    # then: basic 13,790.00; assistance 6,210 × 0.60 = 3,726.00, from 1 July × 0.70 = 4,347.00
    assert_stored(june_claim, "liaoning-2019", {"basic_inpatient": "13790.00", "assistance": "3726.00"},
                  personal="2484.00", in_catalog_personal="2484.00")
    assert_stored(july_claim, "liaoning-2019", {"basic_inpatient": "13790.00", "assistance": "4347.00"},
                  personal="1863.00", in_catalog_personal="1863.00")


def test_liaoning_a_later_township_stay_carries_the_critical_illness_year(liaoning):
    # given: one poor person with lung cancer; a county stay in May, a township stay in August (L1, L2)
    person = liaoning.person(years=(2019,))

    # when
    first = liaoning.settle(person, liaoning.hospital(), day="2019-05-10", total="100000.00",
                            in_catalog="80000.00", diseases=("C34.900",))
    second = liaoning.settle(person, liaoning.hospital("township"), day="2019-08-01", total="10000.00",
                             in_catalog="9000.00", diseases=("C34.900",))

    # then
    assert_stored(
        first,
        "liaoning-2019",
        {"basic_inpatient": "55790.00", "critical": "10910.09", "assistance": "7979.95",
         "supplementary": "20255.97"},
        personal="5063.99",
        in_catalog_personal="0.00",
    )
    assert_stored(second, "liaoning-2019",
                  {"basic_inpatient": "6090.00", "critical": "1891.50", "assistance": "712.95"},
                  personal="1305.55", in_catalog_personal="305.55")


@pytest.mark.parametrize("insurances", [(), ("supplementary",)], ids=["nothing", "commercial-only"])
def test_liaoning_supplementary_needs_the_enrollment_in_resident_basic_insurance(liaoning, insurances):
    # given: lung cancer, county, total 50,000.00, in 40,000.00, September (L7). The layer is gated on
    # 城乡居民医保 (docs C4: it pays only after the "三重"); a commercial enrollment alone does not open it.
    outside = liaoning.person(insurances=insurances, years=(2019,), name="甲")
    enrolled = liaoning.person(years=(2019,), name="乙")
    county = liaoning.hospital()

    # when
    not_enrolled_claim, enrolled_claim = (
        liaoning.settle(person, county, day="2019-09-01", total="50000.00", in_catalog="40000.00",
                        diseases=("C34.900",))
        for person in (outside, enrolled)
    )

    # then
    assert_stored(not_enrolled_claim, "liaoning-2019", {"assistance": "28000.00"}, personal="22000.00",
                  in_catalog_personal="12000.00")
    assert_stored(
        enrolled_claim,
        "liaoning-2019",
        {"basic_inpatient": "27790.00", "critical": "3110.09", "assistance": "6369.94",
         "supplementary": "10183.98"},
        personal="2545.99",
        in_catalog_personal="0.00",
    )


@pytest.mark.parametrize(
    "diagnosis, supplementary, personal, in_catalog_personal",
    [
        ("K35.800", None, "1873.00", "873.00"),  # appendicitis: not a listed disease
        ("I63.900", "1498.40", "374.60", "0.00"),  # cerebral infarction: a 长期慢性病
    ],
)
def test_liaoning_supplementary_only_for_the_listed_diseases(liaoning, diagnosis, supplementary, personal,
                                                            in_catalog_personal):
    # given: a poor person, county stay in September, total 10,000.00, in 9,000.00 (L8)
    person = liaoning.person(years=(2019,))

    # when
    claim = liaoning.settle(person, liaoning.hospital(), day="2019-09-01", total="10000.00",
                            in_catalog="9000.00", diseases=(diagnosis,))

    # then
    expected = {"basic_inpatient": "6090.00", "assistance": "2037.00"}
    expected |= {"supplementary": supplementary} if supplementary else {}
    assert_stored(claim, "liaoning-2019", expected, personal=personal,
                  in_catalog_personal=in_catalog_personal)


# --- 阜新 2016 ---------------------------------------------------------------------------------------


@pytest.fixture
def fuxin(place):
    return place("fuxin")


def test_fuxin_poor_inpatient_then_breast_cancer_at_80_percent(fuxin):
    # given: a poor woman (F1, F2): an ordinary county stay, then breast cancer at a city hospital
    woman = fuxin.person(years=(2016,), sex="female")

    # when
    first = fuxin.settle(woman, fuxin.hospital(), day="2016-04-01", total="30000.00", in_catalog="25000.00")
    second = fuxin.settle(woman, fuxin.hospital("city"), day="2016-10-01", total="80000.00",
                          in_catalog="70000.00", diseases=("C50.900",))

    # then: the village is in 阜新 (2109), whose 2016 policy applies
    assert_stored(first, "fuxin-2016", {"basic_inpatient": "18525.00", "assistance": "3885.00"},
                  personal="7590.00", in_catalog_personal="2590.00")
    assert_stored(second, "fuxin-2016",
                  {"basic_inpatient": "56000.00", "critical": "6620.40", "assistance": "4427.76"},
                  personal="12951.84", in_catalog_personal="2951.84")


NAMED = {"basic_inpatient": "40000.00", "critical": "1382.90", "assistance": "5170.26"}  # 80%, no deductible
ORDINARY = {"basic_inpatient": "37275.00", "critical": "2745.40", "assistance": "5987.76"}  # 300, 75%


@pytest.mark.parametrize(
    "born, sex, diagnosis, expected, personal",
    [
        # 儿童白血病 aged 8; aged 14 (15 the next day); aged 15 that day; an adult
        (D(2008, 3, 1), "male", "C91.000", NAMED, "3446.84"),
        (D(2001, 5, 2), "female", "C91.000", NAMED, "3446.84"),
        (D(2001, 5, 1), "female", "C91.000", ORDINARY, "3991.84"),
        (D(1970, 1, 1), "male", "C91.000", ORDINARY, "3991.84"),
        # 先天性心脏病 of a child and of an adult
        (D(2012, 6, 1), "female", "Q21.000", NAMED, "3446.84"),
        (D(1980, 6, 1), "female", "Q21.000", ORDINARY, "3991.84"),
        # 妇女乳腺癌: a woman, and a man with breast cancer
        (D(1965, 2, 2), "female", "C50.900", NAMED, "3446.84"),
        (D(1965, 2, 2), "male", "C50.900", ORDINARY, "3991.84"),
    ],
    ids=["child", "fourteen", "fifteen", "adult", "heart-child", "heart-adult", "woman", "man"],
)
def test_fuxin_childrens_and_womens_diseases_take_age_and_sex_from_the_id_number(
    fuxin, born, sex, diagnosis, expected, personal
):
    # given: a poor person registered from an ID number saying ``born`` and ``sex``; a county stay on
    # 1 May 2016, total 50,000.00 all in-catalogue
    person = fuxin.person(years=(2016,), born=born, sex=sex)
    assert (person.birth_date, person.sex) == (born, "M" if sex == "male" else "F")

    # when
    claim = fuxin.settle(person, fuxin.hospital(), day="2016-05-01", total="50000.00", in_catalog="50000.00",
                         diseases=(diagnosis,))

    # then
    assert_stored(claim, "fuxin-2016", expected, personal=personal, in_catalog_personal=personal)


# --- 鄂温克 2023–2025 --------------------------------------------------------------------------------


def test_ewenki_is_in_force_in_each_year_through_2025_and_starts_each_year_afresh(place):
    # given: one 农村低保 person enrolled 2023–2026, the same county stay (30,000.00 all in-catalogue)
    # in December 2023, January 2024 and March 2025 (E6)
    ewenki = place("ewenki")
    person = ewenki.person(categories=("dibao_rural",), years=(2023, 2024, 2025, 2026))
    county = ewenki.hospital()

    # when
    claims = [ewenki.settle(person, county, day=day, total="30000.00", in_catalog="30000.00")
              for day in ("2023-12-01", "2024-01-10", "2025-03-01")]

    # then: each year basic 22,275.00, no critical (the year's total starts at 0), assistance 5,407.50
    in_force = [policy_in_force(ewenki.village.code, year) for year in range(2022, 2027)]
    assert [getattr(policy, "code", None) for policy in in_force] == [
        None, "ewenki-2023", "ewenki-2023", "ewenki-2023", None]
    for claim in claims:
        assert_stored(claim, "ewenki-2023", {"basic_inpatient": "22275.00", "assistance": "5407.50"},
                      personal="2317.50", in_catalog_personal="2317.50")
    # and a 2026 bill finds no policy: 003 covers 2023–2025
    with pytest.raises(ValidationError) as refused:
        ewenki.settle(person, county, day="2026-03-01", total="30000.00", in_catalog="30000.00")
    assert refused.value.code == "no_policy"
