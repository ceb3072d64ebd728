"""The policies shipped in ``policies/data/``: they parse, and they pay what the seeds say.

Every expected amount below was computed by hand from the seed text and the assumptions written
down in ``docs/policies.md`` (the arithmetic is in the comment above each example), not by running
the engine. Amounts are rounded half up to the fen once per payment (``reimbursement.md``).
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path

import pytest

from policies.document import parse_policy
from policies.engine import ClaimInput, ClaimSettlement, settle_claims

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "policies" / "data"
DOCS = ROOT / "docs" / "policies.md"

SHIPPED = {
    # file stem: (region_code, year, layer codes in policy order)
    "liaoning-2019": (
        "21",
        2019,
        ["basic_inpatient", "basic_special", "basic_outpatient", "critical", "assistance", "supplementary"],
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

# categories.md: the seeded identity categories.
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
}


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
        for rule in layer.rules:
            used |= set(rule.when.categories or ())
    for subsidy in policy.enrollment.subsidies:
        used |= set(subsidy.categories)
    for rule in policy.monitoring.rules:
        used |= set(rule.categories)
    assert used <= CATEGORIES, used - CATEGORIES


@pytest.mark.parametrize("stem", sorted(SHIPPED))
def test_shipped_policy_monitoring_follows_seed_003(stem):
    # 003: 特困、低保 above 50% → 因病返贫监测; 低收入、脱贫不稳定、边缘易致贫、突发严重困难 above 100% → 因病致贫监测.
    rules = {rule.label: rule for rule in load(stem).monitoring.rules}
    assert rules["因病返贫监测"].share == Decimal("0.5")
    assert {"tekun_rural", "tekun_urban", "dibao_rural", "dibao_urban"} <= rules["因病返贫监测"].categories
    assert rules["因病致贫监测"].share == Decimal("1.0")
    assert {"low_income_rural", "unstable", "marginal", "sudden_hardship"} <= rules["因病致贫监测"].categories


@pytest.mark.parametrize("stem", sorted(SHIPPED))
def test_shipped_policy_gives_tekun_the_whole_premium(stem):
    enrollment = load(stem).enrollment
    assert enrollment.subsidy_for({"tekun_rural"}) == enrollment.premium
    assert enrollment.subsidy_for(set()) == Decimal(0)


@pytest.mark.parametrize("stem", sorted(SHIPPED))
def test_docs_describe_every_layer_of_every_shipped_policy(stem):
    text = DOCS.read_text(encoding="utf-8")
    start = text.index(f"— `{stem}.json`")  # the policy's own heading
    end = text.find("\n## ", start)
    section = text[start : end if end != -1 else len(text)]
    for layer in load(stem).layers:
        assert f"`{layer.code}`" in section, layer.code


# --- 酉阳 2017 (seed 004) ---------------------------------------------------------------------------


def test_youyang_poor_inpatient_at_county_hospital_goes_through_every_layer():
    # given: 建档立卡 poor, county hospital, total 60,000.00, in-catalogue 48,000.00 (out 12,000.00)
    policy = load("youyang-2017")
    claims = [bill("Y1", total="60000.00", in_catalog="48000.00", date="2017-08-03")]

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
        # county hospital later that year: total 240,000, in 160,000, out 80,000
        bill("Y3", total="240000.00", in_catalog="160000.00", level="county", date="2017-09-01"),
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
    # basic (poor at county): (160,000 − 150) × 0.70 = 111,895.00;                   in 48,105.00
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


def test_youyang_outpatient_assistance_is_300_a_year():
    # given: two 普通门诊 bills of a poor person at the township clinic
    policy = load("youyang-2017")
    claims = [
        bill(
            "Y4a",
            total="180.00",
            in_catalog="180.00",
            visit="outpatient",
            level="township",
            date="2017-09-01",
        ),
        bill(
            "Y4b",
            total="250.00",
            in_catalog="200.00",
            visit="outpatient",
            level="township",
            date="2017-10-01",
        ),
    ]

    # when
    first, second = settle_claims(policy, claims)

    # then
    # basic_outpatient computes 0 (amounts come from the platform, docs C1).
    # Y4a: assist_outpatient pays the whole 180.00 (300 a year).
    assert_settled(first, {"assist_outpatient": "180.00"}, personal="0.00", in_catalog_personal="0.00")
    # Y4b: 300 − 180 = 120.00 left; a personal-base layer takes from in-catalogue first:
    #      in 200 − 120 = 80.00, out 50.00; personal 130.00
    assert_settled(second, {"assist_outpatient": "120.00"}, personal="130.00", in_catalog_personal="80.00")


def test_youyang_outpatient_with_the_platforms_basic_amount():
    # given: the platform paid 90.00 basic insurance on a 250.00 outpatient bill (in 200.00)
    policy = load("youyang-2017")
    claims = [
        bill(
            "Y4c",
            total="250.00",
            in_catalog="200.00",
            visit="outpatient",
            level="township",
            date="2017-05-01",
            recorded={"basic_outpatient": "90.00"},
        )
    ]

    # when
    [settlement] = settle_claims(policy, claims)

    # then
    # basic_outpatient 90.00 (recorded); left in 110.00 + out 50.00 = 160.00 ≤ 300 → assistance 160.00
    assert_settled(
        settlement,
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
    # given: poor, county hospital, total 20,000, in 8,000, out 12,000 (60% of the total)
    policy = load("youyang-2017")
    claims = [bill("Y7", total="20000.00", in_catalog="8000.00", date="2017-07-01")]

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


# --- 辽宁 2019 (seeds 000, 001) --------------------------------------------------------------------


def test_liaoning_poor_inpatient_gets_four_layers_then_a_township_stay_gets_three():
    # given: one poor person; a county stay, then a township stay the same year
    policy = load("liaoning-2019")
    claims = [
        bill("L1", total="100000.00", in_catalog="80000.00", date="2019-05-10"),
        bill("L2", total="10000.00", in_catalog="9000.00", level="township", date="2019-08-01"),
    ]

    # when
    first, second = settle_claims(policy, claims)

    # then
    # L1:
    # basic (起付 300, 70%): (80,000 − 300) × 0.70 = 55,790.00;                       in 24,210.00
    # critical (poor: 起付 14,850.50 × 50% = 7,425.25, 60% + 5 = 65%):
    #   (24,210 − 7,425.25) × 0.65 = 16,784.75 × 0.65 = 10,910.0875 → 10,910.09;    in 13,299.91
    # assistance (70%): 13,299.91 × 0.70 = 9,309.937 → 9,309.94;                      in 3,989.97
    # supplementary (80% of everything personal, county level):
    #   (3,989.97 + 20,000.00) × 0.80 = 23,989.97 × 0.80 = 19,191.976 → 19,191.98
    #   taken from in first (3,989.97 → 0), then 15,202.01 from out;                 out 4,797.99
    assert_settled(
        first,
        {
            "basic_inpatient": "55790.00",
            "critical": "10910.09",
            "assistance": "9309.94",
            "supplementary": "19191.98",
        },
        personal="4797.99",
        in_catalog_personal="0.00",
    )
    # L2:
    # basic: (9,000 − 300) × 0.70 = 6,090.00;                                       in 2,910.00
    # critical: year scope, deductible consumed by L1 (C = 24,210): 2,910 × 0.65 = 1,891.50; in 1,018.50
    # assistance: 1,018.50 × 0.70 = 712.95;                                          in 305.55
    # supplementary: "县级以上定点医疗机构" only → 0 at a township hospital
    # personal = 305.55 + 1,000.00 = 1,305.55
    assert_settled(
        second,
        {"basic_inpatient": "6090.00", "critical": "1891.50", "assistance": "712.95"},
        personal="1305.55",
        in_catalog_personal="305.55",
    )


def test_liaoning_dibao_gets_the_higher_ratio_but_not_the_lower_deductible():
    # given: 农村低保 (not 建档立卡), city hospital, total 60,000, in 55,000
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
    # assistance: 15,501.32 × 0.70 = 10,850.924 → 10,850.92;                          in 4,650.40
    # supplementary: poor only → 0; personal = 4,650.40 + 5,000.00 = 9,650.40
    assert_settled(
        settlement,
        {"basic_inpatient": "38290.00", "critical": "1208.68", "assistance": "10850.92"},
        personal="9650.40",
        in_catalog_personal="4650.40",
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
    # supplementary ("住院（特病门诊）"): (1,500 + 500) × 0.80 = 1,600.00, in first → in 0, out 400.00
    assert_settled(
        settlement,
        {"basic_special": "3000.00", "supplementary": "1600.00"},
        personal="400.00",
        in_catalog_personal="0.00",
    )


# --- 阜新 2016 (seed 002) ---------------------------------------------------------------------------


def test_fuxin_poor_inpatient_then_breast_cancer_at_80_percent():
    # given: one poor person; an ordinary stay, then a stay for breast cancer (C50.9)
    policy = load("fuxin-2016")
    claims = [
        bill("F1", total="30000.00", in_catalog="25000.00", date="2016-04-01"),
        bill(
            "F2",
            total="80000.00",
            in_catalog="70000.00",
            level="city",
            diseases=("C50.900",),
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
    # basic (named disease, 贫困居民: 80%, no deductible): 70,000 × 0.80 = 56,000.00;  in 14,000.00
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
    # given: cervical cancer (C53.9), county hospital, total 40,000 all in-catalogue; two people
    policy = load("fuxin-2016")
    claims = [
        bill(
            "F3",
            person="P2",
            categories=(),
            total="40000.00",
            in_catalog="40000.00",
            diseases=("C53.900",),
            date="2016-05-01",
        ),
        bill(
            "F3b",
            person="P3",
            categories=("dibao_rural",),
            total="40000.00",
            in_catalog="40000.00",
            diseases=("C53.900",),
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
