"""The policies shipped in ``policies/data/``: they parse, and they pay what the seeds say.

Every expected amount below was computed by hand from the seed text and the assumptions written
down in ``docs/policies.md`` (the arithmetic is in the comment above each example), not by running
the engine. Amounts are rounded half up to the fen once per payment (``reimbursement.md``).
"""

from __future__ import annotations

import datetime
import json
import re
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from claims.demo import HOSPITALS as DEMO_HOSPITALS
from policies.document import monitoring_threshold, parse_policy
from policies.engine import ClaimInput, ClaimSettlement, settle_claims

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "policies" / "data"
DOCS = ROOT / "docs" / "policies.md"

SHIPPED = {
    # file stem: (region_code, year, layer codes in policy order)
    "liaoning-2019": (
        "21",
        2019,
        [
            "basic_inpatient",
            "basic_special",
            "basic_outpatient",
            "critical",
            "assistance",
            "supplementary",
            "supplementary_special",
        ],
    ),
    "fuxin-2016": (
        "2109",
        2016,
        ["basic_inpatient", "basic_special", "basic_outpatient", "critical", "assistance"],
    ),
    "ewenki-2023": (
        "150724",
        2023,
        ["basic_inpatient", "basic_special", "basic_outpatient", "critical", "assistance"],
    ),
    "youyang-2017": (
        "500242",
        2017,
        [
            "basic_inpatient",
            "basic_special",
            "basic_outpatient",
            "critical",
            "supplement_in",
            "assist_outpatient",
            "assist_inpatient",
            "jzfp_insurance",
            "civil_fund",
            "supplement_out",
        ],
    ),
}

# categories.md: the seeded identity categories, and those seed 004 附件3 adds (孤儿, 重点优抚对象,
# 重度残疾人, 家庭经济困难的在校大学生, 因病致贫家庭重病患者: beneficiaries/migrations/0004).
CATEGORIES = {
    "poor",
    "dibao_urban",
    "dibao_rural",
    "tekun_urban",
    "tekun_rural",
    "low_income_urban",
    "low_income_rural",
    "other_hardship_urban",
    "other_hardship_rural",
    "unstable",
    "marginal",
    "sudden_hardship",
    "returned_poor",
    "orphan",
    "youfu",
    "severe_disability",
    "needy_student",
    "illness_impoverished",
}

# docs/policies.md, "Hospital codes": 酉阳's four county hospitals (seed 004 item 2).
RMYY, ZYY, FYBJ, JSBYY = "500242-RMYY", "500242-ZYY", "500242-FYBJ", "500242-JSBYY"
# A county-level hospital of another county (秀山), for the tilt that stops at the county's own.
OTHER_COUNTY = "500241-RMYY"


def load(stem: str):
    return parse_policy(json.loads((DATA / f"{stem}.json").read_text(encoding="utf-8")))


def bill(
    id: str,
    *,
    total: str,
    in_catalog: str,
    categories: tuple[str, ...] = ("poor",),
    insurances: tuple[str, ...] = ("resident_basic",),
    visit: str = "inpatient",
    level: str = "county",
    diseases: tuple[str, ...] = (),
    date: str,
    person: str = "P1",
    recorded: dict[str, str] | None = None,
    hospital: str | None = None,
    in_county: bool = False,
    referred: bool = False,
    born: str | None = None,
    sex: str | None = None,
) -> ClaimInput:
    return ClaimInput(
        id=id,
        person=person,
        categories=frozenset(categories),
        insurances=frozenset(insurances),
        visit_type=visit,
        hospital_level=level,
        diseases=diseases,
        date=datetime.date.fromisoformat(date),
        total=Decimal(total),
        in_catalog=Decimal(in_catalog),
        recorded={code: Decimal(amount) for code, amount in (recorded or {}).items()},
        hospital=hospital,
        in_county=in_county,
        referred=referred,
        birth_date=datetime.date.fromisoformat(born) if born else None,
        sex=sex,
    )


def paid(settlement: ClaimSettlement) -> dict[str, Decimal]:
    """The layers that paid something, by code."""
    return {p.layer: p.amount for p in settlement.payments if p.amount}


def money(mapping: dict[str, str]) -> dict[str, Decimal]:
    return {key: Decimal(value) for key, value in mapping.items()}


def assert_settled(
    settlement: ClaimSettlement, payments: dict[str, str], personal: str, in_catalog_personal: str
):
    assert paid(settlement) == money(payments)
    assert settlement.personal == Decimal(personal)
    assert settlement.in_catalog_personal == Decimal(in_catalog_personal)
    # Invariant of reimbursement.md: payments + personal = total.
    assert sum(p.amount for p in settlement.payments) + settlement.personal == settlement.total


def reimburse(stem: str, claims: list[dict], tmp_path) -> dict[str, dict]:
    """``manage.py reimburse`` on the shipped file: each result by claim id, with the layers that paid."""
    path = tmp_path / "claims.json"
    path.write_text(json.dumps({"claims": claims}, ensure_ascii=False), encoding="utf-8")
    out = StringIO()
    call_command("reimburse", str(DATA / f"{stem}.json"), str(path), stdout=out, stderr=StringIO())
    results = {}
    for result in json.loads(out.getvalue())["results"]:
        amounts = {p["layer"]: Decimal(p["amount"]) for p in result["payments"]}
        result["paid"] = {layer: amount for layer, amount in amounts.items() if amount}
        results[result["id"]] = result
    return results


def conditions(layer):
    """A layer's own ``when`` and its rules' ``when``s."""
    found = [rule.when for rule in layer.rules]
    return found if layer.when is None else [layer.when, *found]


# --- Every shipped file ----------------------------------------------------------------------------


@pytest.mark.parametrize("stem", sorted(SHIPPED))
def test_shipped_policy_parses_with_its_code_region_year_and_layer_order(stem):
    # given
    region_code, year, layer_codes = SHIPPED[stem]

    # when
    policy = load(stem)

    # then
    assert policy.code == stem
    assert policy.region_code == region_code
    assert policy.year == year
    assert [layer.code for layer in policy.layers] == layer_codes
    assert policy.enrollment is not None and policy.enrollment.insurance == "resident_basic"
    assert policy.monitoring is not None and policy.monitoring.reference_income > 0


def test_the_data_folder_holds_exactly_the_shipped_policies():
    assert sorted(path.stem for path in DATA.glob("*.json")) == sorted(SHIPPED)


@pytest.mark.parametrize("stem", sorted(SHIPPED))
def test_shipped_policy_names_only_seeded_categories(stem):
    # The parser accepts any category code (the table is extendable); a typo would silently
    # exclude people, so the shipped files are held to the seeded list.
    policy = load(stem)
    used = set()
    for layer in policy.layers:
        used |= set(layer.categories or ())
        for condition in conditions(layer):
            used |= set(condition.categories or ())
    for subsidy in policy.enrollment.subsidies:
        used |= set(subsidy.categories)
    for rule in policy.monitoring.rules:
        used |= set(rule.categories)
    assert used <= CATEGORIES, used - CATEGORIES


@pytest.mark.parametrize("stem", sorted(SHIPPED))
def test_shipped_policy_monitoring_follows_seed_003(stem):
    # 003: "属于特困、低保等纳入兜底保障的脱贫人口……超过……50%的，纳入因病返贫监测"; "属于低收入人口、脱贫不稳定人员、
    # 边缘易致贫人员或因病刚性支出较大导致基本生活出现严重困难的脱贫人员……超过……的，开展因病致贫监测" (docs C6).
    monitoring = load(stem).monitoring
    rules = {rule.label: rule for rule in monitoring.rules}
    assert rules["因病返贫监测"].share == Decimal("0.5")
    assert {"tekun_rural", "tekun_urban", "dibao_rural", "dibao_urban"} <= rules["因病返贫监测"].categories
    assert rules["因病致贫监测"].share == Decimal("1.0")
    assert {"low_income_rural", "unstable", "marginal", "sudden_hardship", "poor", "returned_poor"} <= rules[
        "因病致贫监测"
    ].categories
    # A 脱贫人口 (建档立卡, `poor`) alone is monitored at the whole income; one who is also 低保 at half of it.
    income = monitoring.reference_income
    assert monitoring_threshold(monitoring, {"poor"}) == (income, "因病致贫监测")
    assert monitoring_threshold(monitoring, {"poor", "dibao_rural"}) == (income / 2, "因病返贫监测")


@pytest.mark.parametrize("stem", sorted(SHIPPED))
def test_shipped_policy_gives_tekun_the_whole_premium(stem):
    enrollment = load(stem).enrollment
    assert enrollment.subsidy_for({"tekun_rural"}) == enrollment.premium
    assert enrollment.subsidy_for(set()) == Decimal(0)


def docs_section(stem: str) -> str:
    text = DOCS.read_text(encoding="utf-8")
    start = text.index(f"— `{stem}.json`")  # the policy's own heading
    end = text.find("\n## ", start)
    return text[start : end if end != -1 else len(text)]


@pytest.mark.parametrize("stem", sorted(SHIPPED))
def test_docs_describe_every_layer_of_every_shipped_policy(stem):
    section = docs_section(stem)
    for layer in load(stem).layers:
        assert f"`{layer.code}`" in section, layer.code


@pytest.mark.parametrize("stem", sorted(SHIPPED))
def test_docs_give_every_disease_code_and_hospital_code_of_every_shipped_policy(stem):
    # ICD-10 mapping is a choice: docs/policies.md names each code chosen, with the seed's words.
    section = docs_section(stem)
    for layer in load(stem).layers:
        for condition in conditions(layer):
            for code in (condition.diseases or ()) + tuple(sorted(condition.hospitals or ())):
                assert f"`{code}`" in section, (layer.code, code)


@pytest.mark.parametrize("stem", sorted(SHIPPED))
def test_shipped_disease_codes_are_icd10_prefixes(stem):
    # A letter, then up to two digits, then optionally a point and more digits: C, C34, Q25.0, E70.1.
    for layer in load(stem).layers:
        for condition in conditions(layer):
            for code in condition.diseases or ():
                assert re.fullmatch(r"[A-Z](\d{2}(\.\d{1,3})?)?", code), (layer.code, code)


def test_youyang_names_exactly_the_demo_countys_four_county_hospitals():
    # claims/demo.py must give the county's hospitals the codes the policy names, and mark them 县域内.
    demo = {code: (level, in_county) for _, level, _, in_county, _, code, _ in DEMO_HOSPITALS if code}
    assert load("youyang-2017").hospital_codes == {RMYY, ZYY, FYBJ, JSBYY} == set(demo)
    assert set(demo.values()) == {("county", True)}


# --- 酉阳 2017 (seed 004) ---------------------------------------------------------------------------


def test_youyang_poor_inpatient_at_county_hospital_goes_through_every_layer():
    # given: 建档立卡 poor, 县人民医院, total 60,000.00, in-catalogue 48,000.00 (out 12,000.00)
    policy = load("youyang-2017")
    claims = [
        bill("Y1", total="60000.00", in_catalog="48000.00", hospital=RMYY, in_county=True, date="2017-08-03")
    ]

    # when
    [settlement] = settle_claims(policy, claims)

    # then
    # basic (poor at county: 起付 150, 70%): (48,000 − 150) × 0.70 = 33,495.00;    in 14,505.00
    # critical (poor: 起付 7,094, 50%):     (14,505 − 7,094) × 0.50 = 3,705.50;   in 10,799.50
    # supplement_in (5,000–20,000 at 30%):  (10,799.50 − 5,000) × 0.30 = 1,739.85; in 9,059.65
    # assist_inpatient (60%):               9,059.65 × 0.60 = 5,435.79;           in 3,623.86
    # jzfp_insurance (5,000–20,000 at 30%): (12,000 − 5,000) × 0.30 = 2,100.00;   out 9,900.00
    # civil_fund: 9,900 > 3,000; base min(9,900, 30% × 60,000 = 18,000) = 9,900;
    #             9,900 × 0.50 = 4,950.00;                                        out 4,950.00
    # supplement_out: 4,950 is below its 5,000 threshold → 0
    # personal = 3,623.86 + 4,950.00 = 8,573.86 (= 60,000 − 51,426.14)
    assert_settled(
        settlement,
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
    assert settlement.by_fund == money(
        {"basic": "33495.00", "critical": "3705.50", "assistance": "5435.79", "other": "8789.85"}
    )


def test_youyang_large_bills_cross_every_band_and_carry_the_year():
    # given: one poor person, two large stays in 2017
    policy = load("youyang-2017")
    claims = [
        # city hospital (no basic tilt): total 500,000, in 400,000, out 100,000
        bill("Y2", total="500000.00", in_catalog="400000.00", level="city", date="2017-03-01"),
        # 县人民医院 later that year: total 240,000, in 160,000, out 80,000
        bill(
            "Y3", total="240000.00", in_catalog="160000.00", hospital=RMYY, in_county=True, date="2017-09-01"
        ),
    ]

    # when
    first, second = settle_claims(policy, claims)

    # then
    # Y2:
    # basic (city: 起付 300, 60%): (400,000 − 300) × 0.60 = 239,820.00;                 in 160,180.00
    # critical (poor, 7,094, 50% both sides of 100,000): (160,180 − 7,094) × 0.50 = 76,543.00;
    #                                                                                in 83,637.00
    # supplement_in: (20,000−5,000)×0.30 + (50,000−20,000)×0.50 + (83,637−50,000)×0.70
    #              = 4,500 + 15,000 + 23,545.90 = 43,045.90 (cap 100,000);           in 40,591.10
    # assist_inpatient: 40,591.10 × 0.60 = 24,354.66;                                in 16,236.44
    # jzfp: (20,000−5,000)×0.30 + (50,000−20,000)×0.40 + (100,000−50,000)×0.50
    #     = 4,500 + 12,000 + 25,000 = 41,500.00;                                     out 58,500.00
    # civil_fund: min(58,500, 30% × 500,000) × 0.50 = 29,250.00 (cap 50,000);        out 29,250.00
    # supplement_out: (20,000−5,000)×0.20 + (29,250−20,000)×0.20 = 3,000 + 1,850 = 4,850.00;
    #                                                                                out 24,400.00
    # personal = 16,236.44 + 24,400.00 = 40,636.44
    assert_settled(
        first,
        {
            "basic_inpatient": "239820.00",
            "critical": "76543.00",
            "supplement_in": "43045.90",
            "assist_inpatient": "24354.66",
            "jzfp_insurance": "41500.00",
            "civil_fund": "29250.00",
            "supplement_out": "4850.00",
        },
        personal="40636.44",
        in_catalog_personal="16236.44",
    )
    # Y3:
    # basic (poor at 县人民医院): (160,000 − 150) × 0.70 = 111,895.00;                in 48,105.00
    # critical, year scope: deductible consumed by Y2 (C = 160,180): 48,105 × 0.50 = 24,052.50;
    #                                                                                in 24,052.50
    # supplement_in (per bill): 4,500 + (24,052.50 − 20,000) × 0.50 = 6,526.25;      in 17,526.25
    # assist_inpatient: 17,526.25 × 0.60 = 10,515.75 (year 34,870.41 ≤ 100,000);     in 7,010.50
    # jzfp: 4,500 + 12,000 + (80,000 − 50,000) × 0.50 = 31,500.00;                   out 48,500.00
    # civil_fund: min(48,500, 72,000) × 0.50 = 24,250, but only 50,000 − 29,250 = 20,750.00
    #             is left of the year's 50,000;                                      out 27,750.00
    # supplement_out: 3,000 + (27,750 − 20,000) × 0.20 = 4,550.00;                   out 23,200.00
    # personal = 7,010.50 + 23,200.00 = 30,210.50
    assert_settled(
        second,
        {
            "basic_inpatient": "111895.00",
            "critical": "24052.50",
            "supplement_in": "6526.25",
            "assist_inpatient": "10515.75",
            "jzfp_insurance": "31500.00",
            "civil_fund": "20750.00",
            "supplement_out": "4550.00",
        },
        personal="30210.50",
        in_catalog_personal="7010.50",
    )


def test_youyang_outpatient_assistance_is_never_paid_before_basic_insurance():
    # given: a poor person's 普通门诊 bills at the township clinic; the outpatient basic-insurance
    # amount is known only from the platform (docs C1), so the 300-yuan 门诊救助, which pays after it,
    # is taken from the record too (docs Y10)
    policy = load("youyang-2017")
    claims = [
        # nothing recorded: neither basic insurance nor the assistance is computed
        bill(
            "Y4a",
            total="180.00",
            in_catalog="180.00",
            visit="outpatient",
            level="township",
            date="2017-09-01",
        ),
        # the platform's basic amount only: the assistance still computes nothing
        bill(
            "Y4b",
            total="250.00",
            in_catalog="200.00",
            visit="outpatient",
            level="township",
            date="2017-10-01",
            recorded={"basic_outpatient": "90.00"},
        ),
        # both amounts from the slip: taken as they are
        bill(
            "Y4c",
            total="250.00",
            in_catalog="200.00",
            visit="outpatient",
            level="township",
            date="2017-11-01",
            recorded={"basic_outpatient": "90.00", "assist_outpatient": "160.00"},
        ),
    ]

    # when
    nothing, basic_only, both = settle_claims(policy, claims)

    # then
    # Y4a: personal = the whole 180.00 (before the old policy paid it all as 门诊救助, ahead of basic)
    assert_settled(nothing, {}, personal="180.00", in_catalog_personal="180.00")
    # Y4b: 250 − 90 = 160.00 personal, of which in-catalogue 200 − 90 = 110.00
    assert_settled(basic_only, {"basic_outpatient": "90.00"}, personal="160.00", in_catalog_personal="110.00")
    # Y4c: 90.00 + 160.00 = 250.00; the assistance takes in-catalogue first (110.00), then 50.00 out
    assert_settled(
        both,
        {"basic_outpatient": "90.00", "assist_outpatient": "160.00"},
        personal="0.00",
        in_catalog_personal="0.00",
    )


def test_youyang_critical_illness_bands_for_someone_without_a_category():
    # given: an insured person with no category, provincial hospital, total 400,000, in 350,000
    policy = load("youyang-2017")
    claims = [
        bill(
            "Y5",
            categories=(),
            total="400000.00",
            in_catalog="350000.00",
            level="province",
            date="2017-06-01",
        )
    ]

    # when
    [settlement] = settle_claims(policy, claims)

    # then
    # basic: (350,000 − 300) × 0.60 = 209,820.00;                                  in 140,180.00
    # critical (起付 14,188; 40% to 100,000, 50% above):
    #   (100,000 − 14,188) × 0.40 + (140,180 − 100,000) × 0.50 = 34,324.80 + 20,090.00 = 54,414.80
    # no poverty layer applies; personal = 400,000 − 209,820 − 54,414.80 = 135,765.20
    assert_settled(
        settlement,
        {"basic_inpatient": "209820.00", "critical": "54414.80"},
        personal="135765.20",
        in_catalog_personal="85765.20",
    )


def test_youyang_dibao_gets_assistance_and_the_civil_fund_but_no_poverty_insurance():
    # given: 农村低保 (not 建档立卡), county hospital, total 30,000, in 24,000, out 6,000
    policy = load("youyang-2017")
    claims = [
        bill("Y6", categories=("dibao_rural",), total="30000.00", in_catalog="24000.00", date="2017-04-01")
    ]

    # when
    [settlement] = settle_claims(policy, claims)

    # then
    # basic: no county tilt (it is for the poor): (24,000 − 300) × 0.60 = 14,220.00;  in 9,780.00
    # critical: 9,780 below 14,188 → 0; supplement_in, jzfp, supplement_out: poor only → 0
    # assist_inpatient: 9,780 × 0.60 = 5,868.00;                                     in 3,912.00
    # civil_fund (低保 is in 附件3): 6,000 > 3,000; min(6,000, 9,000) × 0.50 = 3,000.00
    # personal = 3,912.00 + 3,000.00 = 6,912.00
    assert_settled(
        settlement,
        {"basic_inpatient": "14220.00", "assist_inpatient": "5868.00", "civil_fund": "3000.00"},
        personal="6912.00",
        in_catalog_personal="3912.00",
    )


def test_youyang_civil_fund_helps_only_within_30_percent_of_the_total():
    # given: poor, 县人民医院, total 20,000, in 8,000, out 12,000 (60% of the total)
    policy = load("youyang-2017")
    claims = [
        bill("Y7", total="20000.00", in_catalog="8000.00", hospital=RMYY, in_county=True, date="2017-07-01")
    ]

    # when
    [settlement] = settle_claims(policy, claims)

    # then
    # basic: (8,000 − 150) × 0.70 = 5,495.00;                                       in 2,505.00
    # critical: 2,505 below 7,094 → 0; supplement_in: below 5,000 → 0
    # assist_inpatient: 2,505 × 0.60 = 1,503.00;                                    in 1,002.00
    # jzfp: (12,000 − 5,000) × 0.30 = 2,100.00;                                     out 9,900.00
    # civil_fund: 9,900 > 3,000, base cut to 30% × 20,000 = 6,000; × 0.50 = 3,000.00; out 6,900.00
    # supplement_out: (6,900 − 5,000) × 0.20 = 380.00;                              out 6,520.00
    # personal = 1,002.00 + 6,520.00 = 7,522.00
    assert_settled(
        settlement,
        {
            "basic_inpatient": "5495.00",
            "assist_inpatient": "1503.00",
            "jzfp_insurance": "2100.00",
            "civil_fund": "3000.00",
            "supplement_out": "380.00",
        },
        personal="7522.00",
        in_catalog_personal="1002.00",
    )


def test_youyang_special_outpatient_uses_the_recorded_basic_amount_and_critical_illness():
    # given: poor, 门诊特殊疾病 at the county hospital, 20,000 all in-catalogue; platform paid 12,000 basic
    policy = load("youyang-2017")
    claims = [
        bill(
            "Y8",
            total="20000.00",
            in_catalog="20000.00",
            visit="special_outpatient",
            date="2017-02-01",
            recorded={"basic_special": "12000.00"},
        )
    ]

    # when
    [settlement] = settle_claims(policy, claims)

    # then
    # basic_special 12,000.00 (recorded);                                           in 8,000.00
    # critical covers 门诊特殊病 (docs C3): (8,000 − 7,094) × 0.50 = 453.00;          in 7,547.00
    # the other layers are inpatient/outpatient only; civil_fund: out 0 is not > 3,000
    assert_settled(
        settlement,
        {"basic_special": "12000.00", "critical": "453.00"},
        personal="7547.00",
        in_catalog_personal="7547.00",
    )


@pytest.mark.parametrize(
    "categories, hospital, in_county, basic, assistance, personal, in_catalog_personal",
    [
        # seed 004 item 2: 县人民医院、县妇幼保健计划生育服务中心、县精神病医院 300 → 150 for the poor, at 70% (item 1):
        # (8,000 − 150) × 0.70 = 5,495.00; in 2,505.00; 住院救助 2,505 × 0.60 = 1,503.00; in 1,002.00
        (("poor",), RMYY, True, "5495.00", "1503.00", "3002.00", "1002.00"),
        (("poor",), FYBJ, True, "5495.00", "1503.00", "3002.00", "1002.00"),
        (("poor",), JSBYY, True, "5495.00", "1503.00", "3002.00", "1002.00"),
        # "县中医院由100元降至50元": (8,000 − 50) × 0.70 = 5,565.00; in 2,435.00; 2,435 × 0.60 = 1,461.00; in 974.00
        (("poor",), ZYY, True, "5565.00", "1461.00", "2974.00", "974.00"),
        # another county's 县人民医院, or a county-level hospital without a code: no tilt (docs Y2):
        # (8,000 − 300) × 0.60 = 4,620.00; in 3,380.00; 3,380 × 0.60 = 2,028.00; in 1,352.00
        (("poor",), OTHER_COUNTY, False, "4620.00", "2028.00", "3352.00", "1352.00"),
        (("poor",), None, False, "4620.00", "2028.00", "3352.00", "1352.00"),
        # not poor at 县人民医院: the 300 the tilt starts from, 60%; no assistance without a category
        ((), RMYY, True, "4620.00", None, "5380.00", "3380.00"),
        # not poor at 县中医院: its own 100, 60%: (8,000 − 100) × 0.60 = 4,740.00; in 3,260.00
        ((), ZYY, True, "4740.00", None, "5260.00", "3260.00"),
        # 农村低保 at 县中医院: 100 and 60% too; 住院救助 3,260 × 0.60 = 1,956.00; in 1,304.00
        (("dibao_rural",), ZYY, True, "4740.00", "1956.00", "3304.00", "1304.00"),
    ],
)
def test_youyang_county_hospital_tilt_follows_the_named_hospitals(
    categories, hospital, in_county, basic, assistance, personal, in_catalog_personal
):
    # given: an inpatient bill at a county-level hospital, total 10,000.00, in-catalogue 8,000.00
    # (critical: below its deductible; supplement_in: below 5,000; out-of-catalogue 2,000.00: below the
    # 5,000 of 精准脱贫保 and 商业再补充, not above the 3,000 of the 民政 fund)
    policy = load("youyang-2017")
    claims = [
        bill(
            "Y9",
            categories=categories,
            total="10000.00",
            in_catalog="8000.00",
            hospital=hospital,
            in_county=in_county,
            date="2017-05-01",
        )
    ]

    # when
    [settlement] = settle_claims(policy, claims)

    # then
    expected = {"basic_inpatient": basic}
    if assistance:
        expected["assist_inpatient"] = assistance
    assert_settled(settlement, expected, personal=personal, in_catalog_personal=in_catalog_personal)


def test_youyang_the_poors_large_stay_at_another_countys_hospital_through_the_command(tmp_path):
    # given: bill Y1 again (poor, total 60,000.00, in 48,000.00), once at 县人民医院 and once at the
    # 县人民医院 of another county (the auditor's case: the tilt used to follow the level alone)
    claim = {
        "person": "甲",
        "categories": ["poor"],
        "insurances": ["resident_basic"],
        "visit_type": "inpatient",
        "hospital_level": "county",
        "date": "2017-08-03",
        "total": "60000.00",
        "in_catalog": "48000.00",
    }
    claims = [
        {**claim, "id": "own", "hospital": RMYY, "in_county": True},
        {**claim, "id": "other", "person": "乙", "hospital": OTHER_COUNTY, "in_county": False},
    ]

    # when
    results = reimburse("youyang-2017", claims, tmp_path)

    # then
    # own: as test_youyang_poor_inpatient_at_county_hospital_goes_through_every_layer
    assert results["own"]["paid"] == money(
        {
            "basic_inpatient": "33495.00",
            "critical": "3705.50",
            "supplement_in": "1739.85",
            "assist_inpatient": "5435.79",
            "jzfp_insurance": "2100.00",
            "civil_fund": "4950.00",
        }
    )
    assert results["own"]["personal"] == "8573.86"
    # other:
    # basic (300, 60%): (48,000 − 300) × 0.60 = 28,620.00;                         in 19,380.00
    # critical (poor: 7,094, 50%): (19,380 − 7,094) × 0.50 = 6,143.00;             in 13,237.00
    # supplement_in: (13,237 − 5,000) × 0.30 = 2,471.10;                            in 10,765.90
    # assist_inpatient: 10,765.90 × 0.60 = 6,459.54;                                in 4,306.36
    # jzfp_insurance: (12,000 − 5,000) × 0.30 = 2,100.00;                           out 9,900.00
    # civil_fund: min(9,900, 30% × 60,000) × 0.50 = 4,950.00;                       out 4,950.00
    # supplement_out: 4,950 below 5,000 → 0
    # personal = 4,306.36 + 4,950.00 = 9,256.36
    assert results["other"]["paid"] == money(
        {
            "basic_inpatient": "28620.00",
            "critical": "6143.00",
            "supplement_in": "2471.10",
            "assist_inpatient": "6459.54",
            "jzfp_insurance": "2100.00",
            "civil_fund": "4950.00",
        }
    )
    assert results["other"]["personal"] == "9256.36"
    assert results["other"]["in_catalog_personal"] == "4306.36"


@pytest.mark.parametrize(
    "category", ["orphan", "youfu", "severe_disability", "needy_student", "illness_impoverished"]
)
def test_youyang_civil_fund_helps_every_group_of_annex_3(category):
    # given: someone holding only one of the groups 附件3 adds ("孤儿、在乡镇重点优抚对象、重度残疾人……家庭经济困难的
    # 在校大学生和因病致贫家庭重病患者"), a township stay, total 20,000.00, in 12,000.00, out 8,000.00
    policy = load("youyang-2017")
    claims = [
        bill(
            "Y10",
            categories=(category,),
            total="20000.00",
            in_catalog="12000.00",
            level="township",
            date="2017-06-01",
        )
    ]

    # when
    [settlement] = settle_claims(policy, claims)

    # then
    # basic: (12,000 − 300) × 0.60 = 7,020.00;                                      in 4,980.00
    # critical: below 14,188 → 0; the poverty insurances and 民政医疗救助: not their categories → 0
    # civil_fund: 8,000 > 3,000; base min(8,000, 30% × 20,000 = 6,000) = 6,000 × 0.50 = 3,000.00; out 5,000.00
    # personal = 4,980.00 + 5,000.00 = 9,980.00
    assert_settled(
        settlement,
        {"basic_inpatient": "7020.00", "civil_fund": "3000.00"},
        personal="9980.00",
        in_catalog_personal="4980.00",
    )


# --- 辽宁 2019 (seeds 000, 001) --------------------------------------------------------------------


def test_liaoning_poor_inpatient_gets_four_layers_then_a_township_stay_gets_three():
    # given: one poor person with lung cancer (C34.9, a 大病); a county stay in May, then a township
    # stay in August
    policy = load("liaoning-2019")
    claims = [
        bill("L1", total="100000.00", in_catalog="80000.00", diseases=("C34.900",), date="2019-05-10"),
        bill(
            "L2",
            total="10000.00",
            in_catalog="9000.00",
            level="township",
            diseases=("C34.900",),
            date="2019-08-01",
        ),
    ]

    # when
    first, second = settle_claims(policy, claims)

    # then
    # L1:
    # basic (起付 300, 70%): (80,000 − 300) × 0.70 = 55,790.00;                       in 24,210.00
    # critical (poor: 起付 14,850.50 × 50% = 7,425.25, 60% + 5 = 65%):
    #   (24,210 − 7,425.25) × 0.65 = 16,784.75 × 0.65 = 10,910.0875 → 10,910.09;    in 13,299.91
    # assistance (60% until the rise of 1 July, 001 (二)): 13,299.91 × 0.60 = 7,979.946 → 7,979.95;
    #                                                                                in 5,319.96
    # supplementary (大病 patient, county level: 80% of everything personal):
    #   (5,319.96 + 20,000.00) × 0.80 = 25,319.96 × 0.80 = 20,255.968 → 20,255.97
    #   taken from in first (5,319.96 → 0), then 14,936.01 from out;                 out 5,063.99
    assert_settled(
        first,
        {
            "basic_inpatient": "55790.00",
            "critical": "10910.09",
            "assistance": "7979.95",
            "supplementary": "20255.97",
        },
        personal="5063.99",
        in_catalog_personal="0.00",
    )
    # L2:
    # basic: (9,000 − 300) × 0.70 = 6,090.00;                                       in 2,910.00
    # critical: year scope, deductible consumed by L1 (C = 24,210): 2,910 × 0.65 = 1,891.50; in 1,018.50
    # assistance (70% from 1 July): 1,018.50 × 0.70 = 712.95;                        in 305.55
    # supplementary: "县级以上定点医疗机构" only → 0 at a township hospital
    # personal = 305.55 + 1,000.00 = 1,305.55
    assert_settled(
        second,
        {"basic_inpatient": "6090.00", "critical": "1891.50", "assistance": "712.95"},
        personal="1305.55",
        in_catalog_personal="305.55",
    )


def test_liaoning_assistance_rises_from_60_to_70_percent_on_1_july():
    # given: two poor people, the same county stay (total 20,000.00, all in-catalogue, no listed
    # disease), one discharged on 30 June 2019, the other on 1 July 2019
    policy = load("liaoning-2019")
    claims = [
        bill("L6a", person="P1", total="20000.00", in_catalog="20000.00", date="2019-06-30"),
        bill("L6b", person="P2", total="20000.00", in_catalog="20000.00", date="2019-07-01"),
    ]

    # when
    june, july = settle_claims(policy, claims)

    # then
    # basic: (20,000 − 300) × 0.70 = 13,790.00;                                     in 6,210.00
    # critical: 6,210 below 7,425.25 → 0; supplementary: no listed disease → 0
    # 30 June: assistance 6,210 × 0.60 = 3,726.00;                                  in 2,484.00
    assert_settled(
        june,
        {"basic_inpatient": "13790.00", "assistance": "3726.00"},
        personal="2484.00",
        in_catalog_personal="2484.00",
    )
    # 1 July: assistance 6,210 × 0.70 = 4,347.00;                                   in 1,863.00
    assert_settled(
        july,
        {"basic_inpatient": "13790.00", "assistance": "4347.00"},
        personal="1863.00",
        in_catalog_personal="1863.00",
    )


def test_liaoning_supplementary_needs_the_three_layers_first():
    # given: the same lung-cancer stay (total 50,000.00, in 40,000.00, county, September) of two poor
    # people, one not enrolled in 城乡居民医保 (000: "未经以上“三重”报销的，不予直接实施医疗补充保障政策")
    policy = load("liaoning-2019")
    claims = [
        bill(
            "L7a",
            person="P1",
            insurances=(),
            total="50000.00",
            in_catalog="40000.00",
            diseases=("C34.900",),
            date="2019-09-01",
        ),
        bill(
            "L7b",
            person="P2",
            total="50000.00",
            in_catalog="40000.00",
            diseases=("C34.900",),
            date="2019-09-01",
        ),
    ]

    # when
    not_enrolled, enrolled = settle_claims(policy, claims)

    # then
    # L7a: no basic, no critical (not enrolled); assistance (no enrollment needed): 40,000 × 0.70
    #      = 28,000.00; in 12,000.00; supplementary: not enrolled → 0 (it used to pay
    #      (12,000 + 10,000) × 0.80 = 17,600.00); personal = 12,000.00 + 10,000.00 = 22,000.00
    assert_settled(
        not_enrolled, {"assistance": "28000.00"}, personal="22000.00", in_catalog_personal="12000.00"
    )
    # L7b:
    # basic: (40,000 − 300) × 0.70 = 27,790.00;                                     in 12,210.00
    # critical: (12,210 − 7,425.25) × 0.65 = 4,784.75 × 0.65 = 3,110.0875 → 3,110.09;  in 9,099.91
    # assistance: 9,099.91 × 0.70 = 6,369.937 → 6,369.94;                            in 2,729.97
    # supplementary: (2,729.97 + 10,000) × 0.80 = 10,183.976 → 10,183.98; in 0, out 10,000 − 7,454.01
    # personal = 2,545.99
    assert_settled(
        enrolled,
        {
            "basic_inpatient": "27790.00",
            "critical": "3110.09",
            "assistance": "6369.94",
            "supplementary": "10183.98",
        },
        personal="2545.99",
        in_catalog_personal="0.00",
    )


@pytest.mark.parametrize(
    "diagnosis, supplementary, personal",
    [
        # appendicitis: not a 大病、特殊慢性病、长期慢性病 → no 补充
        ("K35.800", None, "1873.00"),
        # cerebral infarction (脑血管病, a 长期慢性病 of docs L6): (873 + 1,000) × 0.80 = 1,498.40;
        # in 0, out 1,000 − (1,498.40 − 873) = 374.60
        ("I63.900", "1498.40", "374.60"),
    ],
)
def test_liaoning_supplementary_only_for_major_and_chronic_disease_patients(
    diagnosis, supplementary, personal
):
    # given: a poor person, county stay in September, total 10,000.00, in 9,000.00
    policy = load("liaoning-2019")
    claims = [bill("L8", total="10000.00", in_catalog="9000.00", diseases=(diagnosis,), date="2019-09-01")]

    # when
    [settlement] = settle_claims(policy, claims)

    # then
    # basic: (9,000 − 300) × 0.70 = 6,090.00;                                       in 2,910.00
    # critical: 2,910 below 7,425.25 → 0
    # assistance: 2,910 × 0.70 = 2,037.00;                                          in 873.00
    expected = {"basic_inpatient": "6090.00", "assistance": "2037.00"}
    if supplementary:
        expected["supplementary"] = supplementary
    assert_settled(
        settlement, expected, personal=personal, in_catalog_personal="873.00" if not supplementary else "0.00"
    )


def test_liaoning_dibao_gets_the_higher_ratio_but_not_the_lower_deductible():
    # given: 农村低保 (not 建档立卡), city hospital, total 60,000, in 55,000, March
    policy = load("liaoning-2019")
    claims = [
        bill(
            "L3",
            categories=("dibao_rural",),
            total="60000.00",
            in_catalog="55000.00",
            level="city",
            date="2019-03-01",
        )
    ]

    # when
    [settlement] = settle_claims(policy, claims)

    # then
    # basic: (55,000 − 300) × 0.70 = 38,290.00;                                     in 16,710.00
    # critical (001 "相应提高医保扶贫对象大病保险支付比例": 65%, general 起付 14,850.50):
    #   (16,710 − 14,850.50) × 0.65 = 1,859.50 × 0.65 = 1,208.675 → 1,208.68;         in 15,501.32
    # assistance (60% before July): 15,501.32 × 0.60 = 9,300.792 → 9,300.79;          in 6,200.53
    # supplementary: poor only → 0; personal = 6,200.53 + 5,000.00 = 11,200.53
    assert_settled(
        settlement,
        {"basic_inpatient": "38290.00", "critical": "1208.68", "assistance": "9300.79"},
        personal="11200.53",
        in_catalog_personal="6200.53",
    )


def test_liaoning_person_without_a_category_gets_basic_and_critical_illness_only():
    # given: total 50,000, all in-catalogue, county hospital
    policy = load("liaoning-2019")
    claims = [bill("L4", categories=(), total="50000.00", in_catalog="50000.00", date="2019-03-01")]

    # when
    [settlement] = settle_claims(policy, claims)

    # then
    # basic: (50,000 − 300) × 0.70 = 34,790.00;                                     in 15,210.00
    # critical: (15,210 − 14,850.50) × 0.60 = 359.50 × 0.60 = 215.70;              in 14,994.30
    assert_settled(
        settlement,
        {"basic_inpatient": "34790.00", "critical": "215.70"},
        personal="14994.30",
        in_catalog_personal="14994.30",
    )


def test_liaoning_special_outpatient_supplementary_pays_on_what_is_left_after_the_recorded_basic():
    # given: poor, 特病门诊 at a city hospital, total 5,000, in 4,500; platform paid 3,000 basic
    policy = load("liaoning-2019")
    claims = [
        bill(
            "L5",
            total="5000.00",
            in_catalog="4500.00",
            visit="special_outpatient",
            level="city",
            date="2019-06-01",
            recorded={"basic_special": "3000.00"},
        )
    ]

    # when
    [settlement] = settle_claims(policy, claims)

    # then
    # basic_special 3,000.00 (recorded);                                            in 1,500.00
    # critical: 1,500 below 7,425.25 → 0; assistance: inpatient only → 0
    # supplementary_special (a 特病门诊 patient is a 特殊慢性病 patient, docs L6):
    #   (1,500 + 500) × 0.80 = 1,600.00, in first → in 0, out 400.00
    assert_settled(
        settlement,
        {"basic_special": "3000.00", "supplementary_special": "1600.00"},
        personal="400.00",
        in_catalog_personal="0.00",
    )


# --- 阜新 2016 (seed 002) ---------------------------------------------------------------------------


def test_fuxin_poor_inpatient_then_breast_cancer_at_80_percent():
    # given: one poor woman; an ordinary stay, then a stay for breast cancer (C50.9)
    policy = load("fuxin-2016")
    claims = [
        bill("F1", total="30000.00", in_catalog="25000.00", sex="female", date="2016-04-01"),
        bill(
            "F2",
            total="80000.00",
            in_catalog="70000.00",
            level="city",
            diseases=("C50.900",),
            sex="female",
            date="2016-10-01",
        ),
    ]

    # when
    first, second = settle_claims(policy, claims)

    # then
    # F1:
    # basic (新农合, 起付 300, 75%): (25,000 − 300) × 0.75 = 18,525.00;               in 6,475.00
    # critical (贫困居民 起付 = 60% × 12,057 = 7,234.20): 6,475 below it → 0 (C = 6,475)
    # assistance (60%): 6,475 × 0.60 = 3,885.00;                                     in 2,590.00
    # personal = 2,590.00 + 5,000.00 = 7,590.00
    assert_settled(
        first,
        {"basic_inpatient": "18525.00", "assistance": "3885.00"},
        personal="7590.00",
        in_catalog_personal="2590.00",
    )
    # F2:
    # basic (妇女乳腺癌, 贫困居民: 80%, no deductible): 70,000 × 0.80 = 56,000.00;     in 14,000.00
    # critical, year scope: F(6,475 + 14,000) − F(6,475)
    #   = (20,475 − 7,234.20) × 0.50 − 0 = 13,240.80 × 0.50 = 6,620.40;               in 7,379.60
    # assistance: 7,379.60 × 0.60 = 4,427.76;                                        in 2,951.84
    # personal = 2,951.84 + 10,000.00 = 12,951.84
    assert_settled(
        second,
        {"basic_inpatient": "56000.00", "critical": "6620.40", "assistance": "4427.76"},
        personal="12951.84",
        in_catalog_personal="2951.84",
    )


def test_fuxin_named_disease_is_70_percent_for_others_and_80_for_dibao():
    # given: cervical cancer (C53.9), county hospital, total 40,000 all in-catalogue; two women
    policy = load("fuxin-2016")
    claims = [
        bill(
            "F3",
            person="P2",
            categories=(),
            total="40000.00",
            in_catalog="40000.00",
            diseases=("C53.900",),
            sex="female",
            date="2016-05-01",
        ),
        bill(
            "F3b",
            person="P3",
            categories=("dibao_rural",),
            total="40000.00",
            in_catalog="40000.00",
            diseases=("C53.900",),
            sex="female",
            date="2016-05-01",
        ),
    ]

    # when
    other, dibao = settle_claims(policy, claims)

    # then
    # F3: basic 40,000 × 0.70 = 28,000.00; critical: 12,000 below 12,057 → 0; personal 12,000.00
    assert_settled(
        other, {"basic_inpatient": "28000.00"}, personal="12000.00", in_catalog_personal="12000.00"
    )
    # F3b: basic 40,000 × 0.80 = 32,000.00;                                          in 8,000.00
    #      critical (贫困居民 起付 7,234.20): (8,000 − 7,234.20) × 0.50 = 382.90;       in 7,617.10
    #      assistance: 7,617.10 × 0.60 = 4,570.26;                                   in 3,046.84
    assert_settled(
        dibao,
        {"basic_inpatient": "32000.00", "critical": "382.90", "assistance": "4570.26"},
        personal="3046.84",
        in_catalog_personal="3046.84",
    )


def test_fuxin_dialysis_in_special_outpatient_gets_assistance():
    # given: 低保边缘 (low_income_rural), dialysis (N18.5), 门诊特慢病, 6,000; platform paid 4,200 basic
    policy = load("fuxin-2016")
    claims = [
        bill(
            "F4",
            categories=("low_income_rural",),
            total="6000.00",
            in_catalog="6000.00",
            visit="special_outpatient",
            diseases=("N18.500",),
            date="2016-07-01",
            recorded={"basic_special": "4200.00"},
        )
    ]

    # when
    [settlement] = settle_claims(policy, claims)

    # then
    # basic_special 4,200.00 (recorded);                          in 1,800.00
    # critical: 1,800 below 7,234.20 → 0
    # assistance (also 门诊特慢病, docs F8): 1,800 × 0.60 = 1,080.00; in 720.00
    assert_settled(
        settlement,
        {"basic_special": "4200.00", "assistance": "1080.00"},
        personal="720.00",
        in_catalog_personal="720.00",
    )


@pytest.mark.parametrize(
    "person, born, sex, diagnosis, basic, critical, assistance, personal",
    [
        # 儿童白血病 (C91.0), aged 8: 贫困居民 80%, no deductible: 50,000 × 0.80 = 40,000.00; in 10,000.00;
        # critical (10,000 − 7,234.20) × 0.50 = 1,382.90; in 8,617.10; assistance × 0.60 = 5,170.26
        ("child", "2008-03-01", "male", "C91.000", "40000.00", "1382.90", "5170.26", "3446.84"),
        # aged 14 (the 15th birthday is the next day): still a child (docs F3: 0–14 周岁)
        ("fourteen", "2001-05-02", "female", "C91.000", "40000.00", "1382.90", "5170.26", "3446.84"),
        # aged 15 that day, and an adult: leukaemia other than 慢粒 is no named disease for them →
        # ordinary (50,000 − 300) × 0.75 = 37,275.00; in 12,725.00; critical (12,725 − 7,234.20) × 0.50
        # = 2,745.40; in 9,979.60; assistance × 0.60 = 5,987.76; in 3,991.84
        ("fifteen", "2001-05-01", "female", "C91.000", "37275.00", "2745.40", "5987.76", "3991.84"),
        ("adult", "1970-01-01", "male", "C91.000", "37275.00", "2745.40", "5987.76", "3991.84"),
        # 先天性心脏病 (Q21.0) of a child: 80%; of an adult: ordinary
        ("heart-child", "2012-06-01", "female", "Q21.000", "40000.00", "1382.90", "5170.26", "3446.84"),
        ("heart-adult", "1980-06-01", "female", "Q21.000", "37275.00", "2745.40", "5987.76", "3991.84"),
        # 妇女乳腺癌: a woman 80%; a man with breast cancer: ordinary
        ("woman", "1965-02-02", "female", "C50.900", "40000.00", "1382.90", "5170.26", "3446.84"),
        ("man", "1965-02-02", "male", "C50.900", "37275.00", "2745.40", "5987.76", "3991.84"),
        # no birth date recorded: an age condition never matches (reimbursement.md) → ordinary
        ("unknown-age", None, "male", "C91.000", "37275.00", "2745.40", "5987.76", "3991.84"),
    ],
)
def test_fuxin_childrens_and_womens_diseases_need_the_age_and_the_sex(
    person, born, sex, diagnosis, basic, critical, assistance, personal
):
    # given: a poor person, county stay on 1 May 2016, total 50,000.00 all in-catalogue
    policy = load("fuxin-2016")
    claims = [
        bill(
            "F5",
            person=person,
            total="50000.00",
            in_catalog="50000.00",
            diseases=(diagnosis,),
            born=born,
            sex=sex,
            date="2016-05-01",
        )
    ]

    # when
    [settlement] = settle_claims(policy, claims)

    # then
    assert_settled(
        settlement,
        {"basic_inpatient": basic, "critical": critical, "assistance": assistance},
        personal=personal,
        in_catalog_personal=personal,
    )


@pytest.mark.parametrize(
    "diagnosis, born",
    [
        ("C22.000", "1960-01-01"),  # 肝癌
        ("C67.900", "1960-01-01"),  # 膀胱癌
        ("C73.x00", "1960-01-01"),  # 甲状腺癌
        ("D61.900", "1960-01-01"),  # 再障
        ("G80.900", "2010-01-01"),  # 儿童脑瘫
        ("C24.000", "1960-01-01"),  # 胆管癌
        ("C56.x00", "1960-01-01"),  # 卵巢癌
        ("K74.600", "1960-01-01"),  # 病毒性肝硬化
        ("G40.900", "1960-01-01"),  # 难治性癫痫
        ("M32.100", "1960-01-01"),  # 红斑狼疮
        ("E03.100", "2010-01-01"),  # 儿童甲低
        ("I63.900", "1960-01-01"),  # 脑梗死, one of the 22
    ],
)
def test_fuxin_the_eleven_added_major_diseases_are_paid_as_major_diseases(diagnosis, born):
    # given: 002 "逐步推进肝癌、膀胱癌、甲状腺癌、再障、儿童脑瘫、胆管癌、卵巢癌、病毒性肝硬化、难治性癫痫、红斑狼疮、儿童甲低等纳入
    # 重大疾病保障范围"; someone without a category and a poor person, county stay, 40,000.00 all in-catalogue
    policy = load("fuxin-2016")
    claims = [
        bill(
            "F6a",
            person="P1",
            categories=(),
            total="40000.00",
            in_catalog="40000.00",
            diseases=(diagnosis,),
            born=born,
            sex="female",
            date="2016-05-01",
        ),
        bill(
            "F6b",
            person="P2",
            total="40000.00",
            in_catalog="40000.00",
            diseases=(diagnosis,),
            born=born,
            sex="female",
            date="2016-05-01",
        ),
    ]

    # when
    other, poor = settle_claims(policy, claims)

    # then
    # major disease, 70%, no deductible: 40,000 × 0.70 = 28,000.00;                 in 12,000.00
    # other: critical 12,000 below 12,057 → 0
    assert_settled(
        other, {"basic_inpatient": "28000.00"}, personal="12000.00", in_catalog_personal="12000.00"
    )
    # poor (the 80% is for the six diseases 002 names, docs F3): 28,000.00 too; critical (12,000 − 7,234.20)
    # × 0.50 = 2,382.90; in 9,617.10; assistance × 0.60 = 5,770.26; in 3,846.84
    assert_settled(
        poor,
        {"basic_inpatient": "28000.00", "critical": "2382.90", "assistance": "5770.26"},
        personal="3846.84",
        in_catalog_personal="3846.84",
    )


def test_fuxin_youfu_are_among_the_poor_residents():
    # given: 002 "农村优抚对象、低保对象、特困供养人员、低保边缘家庭成员等贫困居民": a 重点优抚对象 woman with cervical
    # cancer, county hospital, total 40,000 all in-catalogue (as F3b)
    policy = load("fuxin-2016")
    claims = [
        bill(
            "F7",
            categories=("youfu",),
            total="40000.00",
            in_catalog="40000.00",
            diseases=("C53.900",),
            sex="female",
            date="2016-05-01",
        )
    ]

    # when
    [settlement] = settle_claims(policy, claims)

    # then
    # basic 40,000 × 0.80 = 32,000.00; in 8,000.00; critical (8,000 − 7,234.20) × 0.50 = 382.90;
    # in 7,617.10; assistance 7,617.10 × 0.60 = 4,570.26; in 3,046.84
    assert_settled(
        settlement,
        {"basic_inpatient": "32000.00", "critical": "382.90", "assistance": "4570.26"},
        personal="3046.84",
        in_catalog_personal="3046.84",
    )


# --- 鄂温克 2023 (seed 003) -------------------------------------------------------------------------


def test_ewenki_tekun_gets_the_tilt_and_full_assistance():
    # given: 农村特困, county hospital, total 50,000, in 45,000
    policy = load("ewenki-2023")
    claims = [
        bill("E1", categories=("tekun_rural",), total="50000.00", in_catalog="45000.00", date="2023-04-01")
    ]

    # when
    [settlement] = settle_claims(policy, claims)

    # then
    # basic (75%, 起付 300): (45,000 − 300) × 0.75 = 33,525.00;                       in 11,475.00
    # critical (tilt: 起付 17,960.50 × 50% = 8,980.25, 60% + 5 = 65%):
    #   (11,475 − 8,980.25) × 0.65 = 2,494.75 × 0.65 = 1,621.5875 → 1,621.59;       in 9,853.41
    # assistance (特困 全额): 9,853.41;                                               in 0.00
    # personal = the 5,000.00 out of catalogue
    assert_settled(
        settlement,
        {"basic_inpatient": "33525.00", "critical": "1621.59", "assistance": "9853.41"},
        personal="5000.00",
        in_catalog_personal="0.00",
    )


def test_ewenki_marginal_gets_no_tilt_and_a_lower_assistance_ratio():
    # given: 边缘易致贫, city hospital, total 50,000, in 45,000
    policy = load("ewenki-2023")
    claims = [
        bill(
            "E2",
            categories=("marginal",),
            total="50000.00",
            in_catalog="45000.00",
            level="city",
            date="2023-04-01",
        )
    ]

    # when
    [settlement] = settle_claims(policy, claims)

    # then
    # basic: 33,525.00;                                                             in 11,475.00
    # critical: general 起付 17,960.50 → 0
    # assistance ("略低于低保对象", docs E4: 60%): 11,475 × 0.60 = 6,885.00;          in 4,590.00
    assert_settled(
        settlement,
        {"basic_inpatient": "33525.00", "assistance": "6885.00"},
        personal="9590.00",
        in_catalog_personal="4590.00",
    )


def test_ewenki_dibao_who_is_also_marginal_gets_the_dibao_ratio():
    # given: 农村低保 + 边缘易致贫, county hospital, total 50,000, in 45,000
    policy = load("ewenki-2023")
    claims = [
        bill(
            "E3",
            categories=("dibao_rural", "marginal"),
            total="50000.00",
            in_catalog="45000.00",
            date="2023-04-01",
        )
    ]

    # when
    [settlement] = settle_claims(policy, claims)

    # then
    # basic 33,525.00; critical (tilt) 1,621.59;                                   in 9,853.41
    # assistance (低保 70%, the first matching rule): 9,853.41 × 0.70 = 6,897.387 → 6,897.39; in 2,956.02
    assert_settled(
        settlement,
        {"basic_inpatient": "33525.00", "critical": "1621.59", "assistance": "6897.39"},
        personal="7956.02",
        in_catalog_personal="2956.02",
    )


def test_ewenki_special_outpatient_and_inpatient_share_the_critical_illness_year():
    # given: 农村低保; a 门诊慢特病 bill (platform paid 7,200 basic), then an inpatient stay
    policy = load("ewenki-2023")
    claims = [
        bill(
            "E5a",
            categories=("dibao_rural",),
            total="12000.00",
            in_catalog="12000.00",
            visit="special_outpatient",
            date="2023-03-01",
            recorded={"basic_special": "7200.00"},
        ),
        bill("E5b", categories=("dibao_rural",), total="30000.00", in_catalog="30000.00", date="2023-09-01"),
    ]

    # when
    outpatient, inpatient = settle_claims(policy, claims)

    # then
    # E5a: basic_special 7,200.00 (recorded);                                      in 4,800.00
    #      critical: 4,800 below 8,980.25 → 0 (C = 4,800)
    #      assistance (低保 70%, 门诊慢特病 too): 4,800 × 0.70 = 3,360.00;            in 1,440.00
    assert_settled(
        outpatient,
        {"basic_special": "7200.00", "assistance": "3360.00"},
        personal="1440.00",
        in_catalog_personal="1440.00",
    )
    # E5b: basic: (30,000 − 300) × 0.75 = 22,275.00;                               in 7,725.00
    #      critical: F(4,800 + 7,725) − F(4,800) = (12,525 − 8,980.25) × 0.65 − 0
    #              = 3,544.75 × 0.65 = 2,304.0875 → 2,304.09;                       in 5,420.91
    #      assistance: 5,420.91 × 0.70 = 3,794.637 → 3,794.64;                       in 1,626.27
    assert_settled(
        inpatient,
        {"basic_inpatient": "22275.00", "critical": "2304.09", "assistance": "3794.64"},
        personal="1626.27",
        in_catalog_personal="1626.27",
    )


def test_ewenki_two_diseases_outpatient_drugs_at_50_percent():
    # given: hypertension (I10) and a cold (J06.9) at the township clinic
    policy = load("ewenki-2023")
    claims = [
        bill(
            "E4",
            categories=(),
            total="300.00",
            in_catalog="280.00",
            visit="outpatient",
            level="township",
            diseases=("I10.x00",),
            date="2023-05-01",
        ),
        bill(
            "E4b",
            categories=(),
            total="100.00",
            in_catalog="100.00",
            visit="outpatient",
            level="township",
            diseases=("J06.900",),
            date="2023-05-02",
        ),
    ]

    # when
    two_diseases, cold = settle_claims(policy, claims)

    # then
    # E4: 280 × 0.50 = 140.00; personal 300 − 140 = 160.00, of which in-catalogue 140.00
    assert_settled(
        two_diseases, {"basic_outpatient": "140.00"}, personal="160.00", in_catalog_personal="140.00"
    )
    # E4b: ordinary outpatient basic insurance comes from the platform (docs C1) → 0 computed
    assert_settled(cold, {}, personal="100.00", in_catalog_personal="100.00")


def test_ewenki_settles_the_whole_transition_period_and_starts_each_year_afresh():
    # given: 003 is the plan for 2023–2025 ("关于编制 2023-2025 年巩固拓展脱贫攻坚成果同乡村振兴有效衔接实施方案");
    # one 农村低保 person with the same stay (total 30,000.00 all in-catalogue, county) in December 2023,
    # January 2024 and March 2025
    policy = load("ewenki-2023")
    claims = [
        bill("E6a", categories=("dibao_rural",), total="30000.00", in_catalog="30000.00", date="2023-12-01"),
        bill("E6b", categories=("dibao_rural",), total="30000.00", in_catalog="30000.00", date="2024-01-10"),
        bill("E6c", categories=("dibao_rural",), total="30000.00", in_catalog="30000.00", date="2025-03-01"),
    ]

    # when
    settlements = settle_claims(policy, claims)

    # then
    assert policy.until_year == 2025
    assert [year for year in range(2022, 2027) if policy.covers_year(year)] == [2023, 2024, 2025]
    # each year alike: basic (30,000 − 300) × 0.75 = 22,275.00;                     in 7,725.00
    # critical (tilt: 起付 8,980.25): 7,725 below it; the year's running total starts again at 0 in
    #   2024 and 2025 (carried over, 2024 would pay (15,450 − 8,980.25) × 0.65 = 4,205.34)
    # assistance (低保 70%): 7,725 × 0.70 = 5,407.50;                                 in 2,317.50
    for settlement in settlements:
        assert_settled(
            settlement,
            {"basic_inpatient": "22275.00", "assistance": "5407.50"},
            personal="2317.50",
            in_catalog_personal="2317.50",
        )


def test_ewenki_monitors_the_poverty_alleviated_population():
    # given: 003 monitors "纳入兜底保障的脱贫人口" at 50% and "……脱贫人员" at 100% of the 牧区 income (docs E8)
    monitoring = load("ewenki-2023").monitoring

    # then
    # 脱贫人口 alone: 19,641.00 × 1.0 = 19,641.00 (因病致贫监测)
    assert monitoring_threshold(monitoring, {"poor"}) == (Decimal("19641.00"), "因病致贫监测")
    # 脱贫人口 who is also 特困: 19,641.00 × 0.5 = 9,820.50 (因病返贫监测)
    assert monitoring_threshold(monitoring, {"poor", "tekun_rural"}) == (Decimal("9820.50"), "因病返贫监测")
    # 返贫致贫人口: 19,641.00 (因病致贫监测)
    assert monitoring_threshold(monitoring, {"returned_poor"}) == (Decimal("19641.00"), "因病致贫监测")
