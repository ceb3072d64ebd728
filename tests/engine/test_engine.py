"""The engine, step by step against ``reimbursement.md``; every amount is asserted to the fen."""

from __future__ import annotations

import datetime
import gc
from decimal import Decimal

import pytest

from policies import engine
from policies.document import parse_policy
from policies.engine import (
    ClaimError,
    ClaimIssue,
    YearToDate,
    quantize_money,
    settle_claim,
    settle_claims,
)

from .builders import (
    VECTOR_SETS,
    amounts,
    as_expected,
    claim,
    claim_from_vector,
    layer,
    policy,
    read_vector,
)

D = Decimal


def settle(the_policy, *bills):
    return settle_claims(the_policy, bills)


def only_payment(settlement):
    (payment,) = settlement.payments
    return payment


# --- Conformance vectors ------------------------------------------------------------------------


@pytest.mark.parametrize("name", VECTOR_SETS)
def test_conformance_vectors(name):
    # given
    the_policy = parse_policy(read_vector(name, "policy"))
    bills = [claim_from_vector(item) for item in read_vector(name, "claims")["claims"]]

    # when
    settlements = settle_claims(the_policy, bills)

    # then
    assert [as_expected(s) for s in settlements] == read_vector(name, "expected")["results"]


def test_worked_example_explains_each_layer():
    # given
    the_policy = parse_policy(read_vector("youyang-2017", "policy"))
    a1 = claim_from_vector(read_vector("youyang-2017", "claims")["claims"][0])

    # when
    settlement, _ = settle_claim(the_policy, a1, YearToDate())

    # then
    basic, critical, outpatient, inpatient, jzfp, civil = (p.explanation for p in settlement.payments)
    assert "第 1 条规则" in basic and "(48,000.00−150.00)×70% = 33,495.00" in basic
    assert "起付线 7,094.00" in critical and "(14,505.00−7,094.00)×50% = 3,705.50" in critical
    assert "本年此前累计基数 0.00" in critical
    assert outpatient.startswith("不适用：本次为住院")
    assert "10,799.50×60% = 6,479.70" in inpatient
    assert "(12,000.00−5,000.00)×30% = 2,100.00" in jzfp
    assert "9,900.00×50% = 4,950.00" in civil


# --- Whether a layer applies --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("conditions", "bill", "reason"),
    [
        (
            {"visit_types": ["inpatient"]},
            claim(visit_type="outpatient"),
            "不适用：本次为普通门诊，本层只适用于住院",
        ),
        (
            {"hospital_levels": ["county", "city"]},
            claim(hospital_level="province"),
            "不适用：就诊机构为省级及以上医疗机构，本层只适用于县级医疗机构、市级医疗机构",
        ),
        (
            {"categories": ["poor", "tekun_rural"]},
            claim(categories=("marginal",)),
            "身份类别（建档立卡贫困人口、农村特困人员）",
        ),
        (
            {"insurance": "supplementary"},
            claim(insurances=("resident_basic",)),
            "未参加本层要求的保险（supplementary）",
        ),
        (
            {"rules": [{"when": {"categories": ["marginal"]}, "set": {"skip": True}}]},
            claim(categories=("marginal",)),
            "不适用：第 1 条规则（身份类别 边缘易致贫人口）规定本层不适用",
        ),
    ],
    ids=["visit type", "hospital level", "category", "insurance", "rule skip"],
)
def test_a_layer_that_does_not_apply_pays_nothing_and_says_why(conditions, bill, reason):
    # when
    payment = only_payment(settle(policy(layer(**conditions)), bill)[0])

    # then
    assert payment.amount == D("0.00")
    assert payment.base_added == D("0.00")
    assert not payment.applied
    assert reason in payment.explanation


def test_a_layer_applies_when_every_condition_holds():
    # given
    conditions = layer(
        visit_types=["inpatient"],
        hospital_levels=["county"],
        categories=["poor", "dibao_rural"],
        insurance="resident_basic",
    )

    # when
    payment = only_payment(settle(policy(conditions), claim("100.00", categories=("dibao_rural",)))[0])

    # then
    assert payment.applied and payment.amount == D("100.00")


# --- Rules --------------------------------------------------------------------------------------


def ruled(*rules):
    return policy(layer(deductible="100", bands=[{"upto": None, "ratio": "0.5"}], rules=list(rules)))


def test_the_first_matching_rule_wins():
    # given
    the_policy = ruled(
        {"when": {"hospital_levels": ["city"]}, "set": {"deductible": "0"}},
        {"when": {"categories": ["poor"]}, "set": {"deductible": "50"}},
        {"when": {"categories": ["poor"]}, "set": {"deductible": "10"}},
    )

    # when
    payment = only_payment(settle(the_policy, claim("1000.00", categories=("poor",)))[0])

    # then: (1000 − 50) × 50%
    assert payment.amount == D("475.00")
    assert "按第 2 条规则（身份类别 建档立卡贫困人口）" in payment.explanation


def test_every_key_of_when_must_match():
    # given
    the_policy = ruled(
        {"when": {"categories": ["poor"], "hospital_levels": ["county"]}, "set": {"deductible": "0"}}
    )

    # when
    county, city = settle(
        the_policy,
        claim("1000.00", categories=("poor",), hospital_level="county"),
        claim("1000.00", categories=("poor",), hospital_level="city", person="P2"),
    )

    # then
    assert amounts(county) == {"only": D("500.00")}
    assert amounts(city) == {"only": D("450.00")}  # the layer's own deductible


def test_a_list_in_when_matches_any_of_its_values():
    the_policy = ruled(
        {"when": {"visit_types": ["outpatient", "special_outpatient"]}, "set": {"deductible": "0"}}
    )
    assert amounts(settle(the_policy, claim("1000.00", visit_type="special_outpatient"))[0]) == {
        "only": D("500.00")
    }
    assert amounts(settle(the_policy, claim("1000.00", visit_type="inpatient"))[0]) == {"only": D("450.00")}


@pytest.mark.parametrize(
    ("diagnoses", "matches"),
    [
        (("C34.900",), True),
        (("c34.101",), True),
        (("I10", "C34"), True),
        (("C35.000",), False),
        (("C3",), False),
        ((), False),
    ],
)
def test_a_disease_code_matches_diagnoses_it_begins(diagnoses, matches):
    # given
    the_policy = ruled({"when": {"diseases": ["C34"]}, "set": {"deductible": "0"}})

    # when
    payment = only_payment(settle(the_policy, claim("1000.00", diseases=diagnoses))[0])

    # then
    assert payment.amount == (D("500.00") if matches else D("450.00"))


def test_a_rule_changes_only_what_it_sets_and_null_removes_a_cap():
    # given
    the_policy = policy(
        layer(
            bands=[{"upto": None, "ratio": "0.5"}],
            cap_per_visit="100",
            cap_per_year="150",
            rules=[
                {
                    "when": {"categories": ["tekun_rural"]},
                    "set": {"cap_per_visit": None, "cap_per_year": None},
                }
            ],
        )
    )

    # when
    capped = settle(the_policy, claim("1000.00"), claim("1000.00", id="C2"))
    uncapped = settle(
        the_policy,
        claim("1000.00", categories=("tekun_rural",)),
        claim("1000.00", categories=("tekun_rural",), id="C2"),
    )

    # then
    assert [amounts(s)["only"] for s in capped] == [D("100.00"), D("50.00")]
    assert [amounts(s)["only"] for s in uncapped] == [D("500.00"), D("500.00")]


def test_tilted_treatment_is_a_rule():
    # given: 起付线降低50%、比例提高5个百分点、取消封顶线
    the_policy = policy(
        layer(
            scope="year",
            deductible="12000",
            bands=[{"upto": "100000", "ratio": "0.60"}, {"upto": None, "ratio": "0.70"}],
            cap_per_year="300000",
            rules=[
                {
                    "when": {"categories": ["tekun_rural", "dibao_rural", "returned_poor"]},
                    "set": {
                        "deductible": "6000",
                        "bands": [{"upto": "100000", "ratio": "0.65"}, {"upto": None, "ratio": "0.75"}],
                        "cap_per_year": None,
                    },
                }
            ],
        )
    )

    # when
    tilted = settle(the_policy, claim("600000.00", categories=("dibao_rural",)))[0]
    plain = settle(the_policy, claim("600000.00"))[0]

    # then: (100,000 − 6,000) × 65% + 500,000 × 75%; (100,000 − 12,000) × 60% + 500,000 × 70% capped
    assert amounts(tilted) == {"only": D("436100.00")}
    assert amounts(plain) == {"only": D("300000.00")}


# --- The base -----------------------------------------------------------------------------------


def test_each_base_pays_from_its_pool_and_personal_takes_in_catalog_first():
    # given
    the_policy = policy(
        layer("in", base="in_catalog", bands=[{"upto": None, "ratio": "0.5"}]),
        layer("out", base="out_of_catalog", bands=[{"upto": None, "ratio": "0.5"}]),
        layer("personal", base="personal", cap_per_visit="250"),
    )

    # when: pools 600 / 400 → in pays 300 (300 / 400 left), out pays 200 (300 / 200), personal 250 from in
    settlement = settle(the_policy, claim("1000.00", "600.00"))[0]

    # then
    assert amounts(settlement) == {"in": D("300.00"), "out": D("200.00"), "personal": D("250.00")}
    assert settlement.in_catalog_personal == D("50.00")
    assert settlement.personal == D("250.00")
    assert (
        "基数为个人负担余额 500.00（政策范围内 300.00 + 目录外 200.00）" in settlement.payments[2].explanation
    )


def test_a_personal_layer_takes_out_of_catalog_once_in_catalog_is_used_up():
    # when
    settlement = settle(policy(layer(base="personal", cap_per_visit="700")), claim("1000.00", "600.00"))[0]

    # then
    assert amounts(settlement) == {"only": D("700.00")}
    assert settlement.in_catalog_personal == D("0.00")
    assert settlement.personal == D("300.00")


def test_later_layers_see_what_earlier_layers_left():
    # given
    the_policy = policy(
        layer("first", bands=[{"upto": None, "ratio": "0.7"}]),
        layer("second", bands=[{"upto": None, "ratio": "0.5"}]),
    )

    # when
    settlement = settle(the_policy, claim("1000.00"))[0]

    # then: 1000 × 70%, then (1000 − 700) × 50%
    assert amounts(settlement) == {"first": D("700.00"), "second": D("150.00")}
    assert settlement.personal == D("150.00")
    assert settlement.by_fund == {
        "basic": D("0"),
        "critical": D("0"),
        "assistance": D("0"),
        "other": D("850.00"),
    }


# --- Gate, share of the total, zero base --------------------------------------------------------


def gated():
    return policy(
        layer(scope="year", min_base="3000", deductible="1000", bands=[{"upto": None, "ratio": "0.5"}])
    )


def test_the_gate_pays_nothing_and_accumulates_nothing_when_the_base_is_not_greater():
    # when: 3,000 is not greater than 3,000; then 3,000.01 is
    at_gate, above = settle(gated(), claim("3000.00"), claim("3000.01", id="C2"))

    # then: the first bill left C at 0, so the second pays (3,000.01 − 1,000) × 50%
    at_gate_payment = only_payment(at_gate)
    assert at_gate_payment.amount == D("0.00")
    assert at_gate_payment.base_added == D("0.00")
    assert at_gate_payment.applied
    assert "未超过 3,000.00，本层不支付，不计入年度累计" in at_gate_payment.explanation
    assert amounts(above) == {"only": D("1000.01")}  # 2,000.01 × 50% = 1,000.005 → half up


def test_the_base_is_at_most_its_share_of_the_total():
    # given: 民政扶贫济困医疗基金: out-of-catalog above 3,000, at most 30% of the total, 50%
    the_policy = policy(
        layer(
            base="out_of_catalog",
            min_base="3000",
            base_share_of_total="0.30",
            bands=[{"upto": None, "ratio": "0.5"}],
        )
    )

    # when
    limited, unlimited = settle(
        the_policy,
        claim("20000.00", "10000.00"),  # out 10,000 → at most 6,000
        claim("60000.00", "50000.00", person="P2"),  # out 10,000 ≤ 18,000
    )

    # then
    assert only_payment(limited).amount == D("3000.00")
    assert only_payment(limited).base_added == D("6000.000")
    assert "以总费用 20,000.00 的 30% 为限，取 6,000.00" in only_payment(limited).explanation
    assert only_payment(unlimited).amount == D("5000.00")


def test_the_gate_looks_at_the_base_before_the_share_limit():
    # given: out 4,000 passes the 3,000 gate though 30% of the 5,000 total is only 1,500
    the_policy = policy(
        layer(
            base="out_of_catalog",
            min_base="3000",
            base_share_of_total="0.30",
            bands=[{"upto": None, "ratio": "0.5"}],
        )
    )

    # then
    assert amounts(settle(the_policy, claim("5000.00", "1000.00"))[0]) == {"only": D("750.00")}


def test_a_base_cut_to_a_share_keeps_its_exact_value_until_the_payment_is_rounded():
    # given: 30% of 123.45 is 37.035; × 50% = 18.5175 → 18.52
    the_policy = policy(
        layer(scope="year", base_share_of_total="0.3", bands=[{"upto": None, "ratio": "0.5"}])
    )

    # when
    first, second = settle(the_policy, claim("123.45"), claim("123.45", id="C2"))

    # then
    assert only_payment(first).amount == D("18.52")
    assert only_payment(first).base_added == D("37.035")
    assert "取 37.035" in only_payment(first).explanation
    assert "本年此前累计基数 37.035" in only_payment(second).explanation
    assert only_payment(second).amount == D("18.52")


def test_a_zero_base_pays_nothing_and_accumulates_nothing():
    # when
    settlement = settle(policy(layer(base="out_of_catalog", scope="year")), claim("500.00", "500.00"))[0]

    # then
    payment = only_payment(settlement)
    assert (payment.amount, payment.base_added, payment.applied) == (D("0.00"), D("0.00"), True)


def test_a_zero_share_makes_the_base_zero():
    settlement = settle(policy(layer(base_share_of_total="0")), claim("500.00"))[0]
    assert only_payment(settlement).amount == D("0.00")
    assert only_payment(settlement).base_added == D("0.00")


# --- Deductible and bands -----------------------------------------------------------------------


BANDED = layer(
    deductible="12000",
    bands=[
        {"upto": "30000", "ratio": "0.60"},
        {"upto": "100000", "ratio": "0.65"},
        {"upto": None, "ratio": "0.75"},
    ],
)


@pytest.mark.parametrize(
    ("base", "paid"),
    [
        ("12000.00", "0.00"),  # at the deductible
        ("11000.00", "0.00"),  # below it
        ("12000.01", "0.01"),  # 0.006 → 0.01
        ("30000.00", "10800.00"),  # 18,000 × 60%
        ("100000.00", "56300.00"),  # + 70,000 × 65%
        ("150000.00", "93800.00"),  # + 50,000 × 75%
    ],
)
def test_bands_start_from_zero_and_the_deductible_cuts_into_them(base, paid):
    assert amounts(settle(policy(BANDED), claim(base))[0]) == {"only": D(paid)}


def test_a_deductible_inside_a_later_band():
    # given: the deductible (7,094) lies in the second band
    the_policy = policy(
        layer(
            deductible="7094",
            bands=[
                {"upto": "5000", "ratio": "0.2"},
                {"upto": "20000", "ratio": "0.5"},
                {"upto": None, "ratio": "0.6"},
            ],
        )
    )

    # when
    settlement = settle(the_policy, claim("25000.00"))[0]

    # then: (20,000 − 7,094) × 50% + 5,000 × 60%
    assert amounts(settlement) == {"only": D("9453.00")}
    assert (
        "(20,000.00−7,094.00)×50% + (25,000.00−20,000.00)×60% = 9,453.00"
        in only_payment(settlement).explanation
    )


def test_payments_round_half_up_once():
    # given: 10.01 × 50% = 5.005 (half even would give 5.00)
    the_policy = policy(layer(bands=[{"upto": None, "ratio": "0.5"}]))

    # then
    assert amounts(settle(the_policy, claim("10.01"))[0]) == {"only": D("5.01")}
    assert quantize_money(D("2.345")) == D("2.35")
    assert quantize_money(D("2.3449")) == D("2.34")


# --- Year scope and annual caps across bills ----------------------------------------------------


def test_a_year_scoped_deductible_is_consumed_across_bills():
    # given
    the_policy = policy(
        layer(
            scope="year",
            deductible="10000",
            bands=[{"upto": "30000", "ratio": "0.5"}, {"upto": None, "ratio": "0.8"}],
        )
    )

    # when: bases 6,000, 6,000, 20,000, 5,000
    settlements = settle(
        the_policy,
        claim("6000.00", id="C1"),
        claim("6000.00", id="C2"),
        claim("20000.00", id="C3"),
        claim("5000.00", id="C4"),
    )

    # then: C 0→6,000 pays 0; 6,000→12,000: 2,000×50%; 12,000→32,000: 18,000×50% + 2,000×80%; 32,000→37,000: 5,000×80%
    assert [amounts(s)["only"] for s in settlements] == [D("0.00"), D("1000.00"), D("10600.00"), D("4000.00")]
    assert [s.payments[0].base_added for s in settlements] == [
        D("6000.00"),
        D("6000.00"),
        D("20000.00"),
        D("5000.00"),
    ]
    assert "本年此前累计基数 12,000.00" in settlements[2].payments[0].explanation
    assert "(30,000.00−12,000.00)×50% + (32,000.00−30,000.00)×80%" in settlements[2].payments[0].explanation


def test_a_visit_scoped_deductible_applies_to_every_bill():
    the_policy = policy(layer(deductible="100", bands=[{"upto": None, "ratio": "0.5"}]))
    settlements = settle(the_policy, claim("300.00"), claim("300.00", id="C2"))
    assert [amounts(s)["only"] for s in settlements] == [D("100.00"), D("100.00")]


def test_the_annual_cap_holds_across_bills():
    # given
    the_policy = policy(layer(visit_types=["outpatient", "inpatient"], cap_per_year="300"))

    # when: 门诊和住院共用年度限额
    settlements = settle(
        the_policy,
        claim("180.00", visit_type="outpatient"),
        claim("250.00", visit_type="inpatient", id="C2"),
        claim("50.00", visit_type="outpatient", id="C3"),
    )

    # then
    assert [amounts(s)["only"] for s in settlements] == [D("180.00"), D("120.00"), D("0.00")]
    assert "年度限额 300.00，本年已支付 180.00，按余额 120.00" in settlements[1].payments[0].explanation
    assert "按余额 0.00" in settlements[2].payments[0].explanation


def test_the_cap_per_visit_comes_before_the_annual_cap():
    # given
    the_policy = policy(layer(cap_per_visit="1000", cap_per_year="1500"))

    # when
    settlements = settle(the_policy, claim("5000.00"), claim("5000.00", id="C2"), claim("5000.00", id="C3"))

    # then
    assert [amounts(s)["only"] for s in settlements] == [D("1000.00"), D("500.00"), D("0.00")]
    assert "超过单次封顶线 1,000.00，按封顶线" in settlements[0].payments[0].explanation


def test_totals_are_kept_per_person_and_calendar_year():
    # given
    the_policy = policy(layer(scope="year", deductible="1000", cap_per_year="1000"))

    # when
    settlements = settle(
        the_policy,
        claim("1500.00", person="P1", date=datetime.date(2017, 3, 1)),
        claim("1500.00", person="P2", date=datetime.date(2017, 3, 1)),
        claim("1500.00", person="P1", date=datetime.date(2017, 12, 31)),
        claim("1500.00", person="P1", date=datetime.date(2018, 1, 1)),
    )

    # then: P1 pays 500 then 1,500 capped at 500 left; P2 on its own; 2018 starts afresh
    assert [amounts(s)["only"] for s in settlements] == [D("500.00"), D("500.00"), D("500.00"), D("500.00")]


def test_year_to_date_rebuilt_from_stored_payments_settles_the_same():
    # given
    the_policy = policy(
        layer(
            "critical",
            scope="year",
            deductible="5000",
            bands=[{"upto": "20000", "ratio": "0.5"}, {"upto": None, "ratio": "0.6"}],
        ),
        layer("assistance", cap_per_year="4000", bands=[{"upto": None, "ratio": "0.7"}]),
    )
    first, second, third = claim("9000.00", id="C1"), claim("12000.00", id="C2"), claim("8000.00", id="C3")

    # when
    threaded = settle_claims(the_policy, [first, second, third])
    ytd = YearToDate.from_payments([p for s in threaded[:2] for p in s.payments])
    rebuilt, _ = settle_claim(the_policy, third, ytd)

    # then
    assert rebuilt == threaded[2]
    assert ytd.of("critical") == engine.LayerTotals(D("21000.00"), D("8100.00"))
    assert ytd.of("assistance") == engine.LayerTotals(D("12900.00"), D("4000.00"))
    assert ytd.of("unknown") == engine.LayerTotals(D("0"), D("0"))


def test_settle_claim_returns_the_new_state_and_leaves_the_old_one_alone():
    # given
    the_policy = policy(layer(scope="year", cap_per_year="100"))
    before = YearToDate()

    # when
    _, after = settle_claim(the_policy, claim("60.00"), before)
    second, _ = settle_claim(the_policy, claim("60.00", id="C2"), after)

    # then
    assert before.of("only") == engine.LayerTotals()
    assert after.of("only") == engine.LayerTotals(D("60.00"), D("60.00"))
    assert amounts(second) == {"only": D("40.00")}


# --- Recorded amounts ---------------------------------------------------------------------------


def recording_policy():
    return policy(
        layer("basic", fund="basic", visit_types=["inpatient"], bands=[{"upto": None, "ratio": "0.7"}]),
        layer(
            "critical",
            fund="critical",
            scope="year",
            deductible="10000",
            cap_per_year="5000",
            bands=[{"upto": None, "ratio": "0.5"}],
        ),
        layer("assistance", fund="assistance", base="personal", bands=[{"upto": None, "ratio": "0.5"}]),
    )


def test_a_recorded_amount_is_taken_as_the_payment():
    # when
    settlement = settle(recording_policy(), claim("30000.00", "25000.00", recorded={"basic": "12345.67"}))[0]

    # then: in 12,654.33 left → critical (12,654.33 − 10,000) × 50%; assistance half of the rest
    assert amounts(settlement) == {
        "basic": D("12345.67"),
        "critical": D("1327.17"),
        "assistance": D("8163.58"),
    }
    basic = settlement.payments[0]
    assert basic.recorded and basic.applied
    assert "医保平台已结算金额 12,345.67" in basic.explanation
    assert settlement.by_fund["basic"] == D("12345.67")
    assert settlement.personal == D("8163.58")


def test_a_recorded_amount_counts_even_where_the_layer_would_not_apply():
    # when: basic is inpatient only, the bill is outpatient
    settlement = settle(
        recording_policy(), claim("100.00", visit_type="outpatient", recorded={"basic": "40.00"})
    )[0]

    # then
    basic = settlement.payments[0]
    assert (basic.amount, basic.applied, basic.recorded) == (D("40.00"), False, True)
    assert "按政策本层不适用" in basic.explanation
    assert amounts(settlement)["assistance"] == D("30.00")


def test_a_recorded_amount_adds_its_base_to_the_year_and_its_amount_to_the_annual_total():
    # given
    the_policy = recording_policy()

    # when: the platform paid critical 6,000 on a base of 14,000 (beyond the 5,000 annual cap)
    first, second = settle(
        the_policy,
        claim("14000.00", "14000.00", recorded={"basic": "0.00", "critical": "6000.00"}),
        claim("20000.00", "20000.00", id="C2"),
    )

    # then: the amount is kept beyond the cap, the second bill finds the deductible consumed and the cap spent
    assert amounts(first)["critical"] == D("6000.00")
    assert first.payments[1].base_added == D("14000.00")
    assert "超过年度限额 5,000.00，照实记录" in first.payments[1].explanation
    assert amounts(second)["critical"] == D("0.00")
    assert "本年此前累计基数 14,000.00" in second.payments[1].explanation
    assert "本年已支付 6,000.00" in second.payments[1].explanation


def test_a_recorded_amounts_base_ignores_the_gate_but_not_the_share_limit():
    # given
    the_policy = policy(
        layer(base="out_of_catalog", scope="year", min_base="3000", base_share_of_total="0.3")
    )

    # when: out 2,000 is under the gate; 30% of 5,000 = 1,500
    settlement = settle(the_policy, claim("5000.00", "3000.00", recorded={"only": "100.00"}))[0]

    # then
    assert only_payment(settlement).base_added == D("1500.000")
    assert only_payment(settlement).amount == D("100.00")


def test_a_recorded_amount_may_use_the_whole_pool_before_the_share_limit():
    the_policy = policy(layer(base="out_of_catalog", base_share_of_total="0.3"))
    settlement = settle(the_policy, claim("5000.00", "3000.00", recorded={"only": "2000.00"}))[0]
    assert settlement.personal == D("3000.00")
    assert settlement.in_catalog_personal == D("3000.00")


@pytest.mark.parametrize(
    ("recorded", "field", "message"),
    [
        ({"basic": "-1.00"}, "recorded.basic", engine.NEGATIVE_AMOUNT),
        ({"basic": "1.001"}, "recorded.basic", engine.TOO_MANY_DECIMALS),
        ({"charity": "1.00"}, "recorded.charity", engine.UNKNOWN_LAYER),
        (
            {"basic": "800.01"},
            "recorded.basic",
            "已结算金额 800.01 超过本层可支付的政策范围内费用余额 800.00",
        ),
        (
            {"basic": "800.00", "critical": "0.01"},
            "recorded.critical",
            "已结算金额 0.01 超过本层可支付的政策范围内费用余额 0.00",
        ),
    ],
    ids=["negative", "three decimals", "unknown layer", "above the pool", "above what is left"],
)
def test_a_bad_recorded_amount_is_refused(recorded, field, message):
    # when
    with pytest.raises(ClaimError) as caught:
        settle(recording_policy(), claim("1000.00", "800.00", recorded=recorded))

    # then
    assert caught.value.errors == [ClaimIssue("C1", field, message)]
    assert str(caught.value) == f'账单 "C1" 的字段 "{field}"：{message}'


# --- Bad bills ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bill", "field", "message"),
    [
        (claim("100.00", "100.01"), "in_catalog", engine.IN_CATALOG_ABOVE_TOTAL),
        (claim("-1.00", "0.00"), "total", engine.NEGATIVE_AMOUNT),
        (claim("100.00", "-0.01"), "in_catalog", engine.NEGATIVE_AMOUNT),
        (claim("100.001", "0"), "total", engine.TOO_MANY_DECIMALS),
        (claim("1000000000000.00", "0"), "total", engine.AMOUNT_TOO_LARGE),
        (claim(visit_type="emergency"), "visit_type", engine.UNKNOWN_VISIT_TYPE.format(value="emergency")),
        (
            claim(hospital_level="national"),
            "hospital_level",
            engine.UNKNOWN_HOSPITAL_LEVEL.format(value="national"),
        ),
    ],
    ids=[
        "in catalog above total",
        "negative total",
        "negative in catalog",
        "fractions of a fen",
        "too large",
        "visit type",
        "level",
    ],
)
def test_a_bad_bill_is_refused(bill, field, message):
    with pytest.raises(ClaimError) as caught:
        settle(recording_policy(), bill)
    assert ClaimIssue("C1", field, message) in caught.value.errors


def test_amounts_given_without_decimals_come_out_with_two():
    settlement = settle(policy(layer(bands=[{"upto": None, "ratio": "0.5"}])), claim("100", "100"))[0]
    assert str(settlement.total) == "100.00"
    assert str(settlement.personal) == "50.00"
    assert str(settlement.in_catalog_personal) == "50.00"


def test_the_payments_list_every_layer_in_policy_order():
    # given
    the_policy = policy(
        layer("a", visit_types=["outpatient"]), layer("b"), layer("c", fund="critical", categories=["poor"])
    )

    # when
    settlement = settle(the_policy, claim("100.00"))[0]

    # then
    assert [(p.layer, p.name, p.fund, p.amount) for p in settlement.payments] == [
        ("a", "层 a", "other", D("0.00")),
        ("b", "层 b", "other", D("100.00")),
        ("c", "层 c", "critical", D("0.00")),
    ]


# --- Runs of bills ------------------------------------------------------------------------------


def test_a_run_leaves_the_cyclic_collector_as_it_found_it():
    # given
    the_policy = policy(layer())
    was_enabled = gc.isenabled()
    try:
        for enabled in (True, False):
            gc.enable() if enabled else gc.disable()

            # when
            settle_claims(the_policy, iter([claim()]))

            # then
            assert gc.isenabled() is enabled
        gc.enable()
        with pytest.raises(ClaimError):
            settle_claims(the_policy, [claim(visit_type="emergency")])
        assert gc.isenabled()
    finally:
        gc.enable() if was_enabled else gc.disable()
