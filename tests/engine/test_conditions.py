"""Conditions on the hospital, the person and the date (``reimbursement.md``): how a policy states
them, what it refuses, how the engine applies and explains them, and the monitoring helpers."""

from __future__ import annotations

import copy
import datetime
import json
from decimal import Decimal

import pytest

from policies import document, engine
from policies.document import (
    DEFAULT_WARN_AT,
    LEVEL_OVER,
    LEVEL_WARNING,
    Monitoring,
    MonitoringRule,
    PolicyError,
    PolicyIssue,
    RuleCondition,
    Threshold,
    age_on,
    monitoring_level,
    monitoring_threshold,
    parse_policy,
    policy_to_dict,
)
from policies.engine import ClaimError, ClaimIssue, YearToDate, settle_claim, settle_claims

from .builders import amounts, claim, layer, policy, policy_document

D = Decimal
date = datetime.date


def refused(data: dict) -> list[PolicyIssue]:
    with pytest.raises(PolicyError) as caught:
        parse_policy(data)
    return caught.value.errors


def only_payment(settlement):
    (payment,) = settlement.payments
    return payment


# --- The policy document -----------------------------------------------------------------------

EVERY_KEY = {
    "categories": ["poor"],
    "hospital_levels": ["county"],
    "visit_types": ["inpatient"],
    "diseases": ["c50"],
    "hospitals": ["H-2", "H-1"],
    "in_county": True,
    "referred": False,
    "sex": "female",
    "age_min": 18,
    "age_max": 64,
    "date_from": "2024-07-01",
    "date_to": "2024-12-31",
}


def conditioned_document(**fields) -> dict:
    return policy_document(
        layer(
            "basic",
            when={"sex": "female", "age_min": 18},
            deductible="300",
            rules=[{"when": dict(EVERY_KEY), "set": {"deductible": "150"}}],
        ),
        until_year=2019,
        monitoring={
            "reference_income": "15000.00",
            "warn_at": "0.9",
            "rules": [{"categories": ["poor"], "share": "0.5", "label": "因病返贫监测"}],
        },
        **fields,
    )


def test_every_when_key_is_read_into_the_condition():
    # when
    basic = parse_policy(conditioned_document()).layers[0]

    # then
    assert basic.rules[0].when == RuleCondition(
        categories=frozenset({"poor"}),
        hospital_levels=frozenset({"county"}),
        visit_types=frozenset({"inpatient"}),
        diseases=("C50",),
        hospitals=frozenset({"H-1", "H-2"}),
        in_county=True,
        referred=False,
        sex="female",
        age_min=18,
        age_max=64,
        date_from=date(2024, 7, 1),
        date_to=date(2024, 12, 31),
    )
    assert basic.when == RuleCondition(sex="female", age_min=18)


def test_until_year_warn_at_and_their_defaults():
    # when
    conditioned = parse_policy(conditioned_document())
    plain = parse_policy(policy_document(layer(), monitoring={
        "reference_income": "1", "rules": [{"categories": ["poor"], "share": "1", "label": "x"}]}))

    # then
    assert conditioned.until_year == 2019 and conditioned.last_year == 2019
    assert conditioned.monitoring.warn_at == D("0.9")
    assert plain.until_year is None and plain.last_year == 2017
    assert plain.monitoring.warn_at == DEFAULT_WARN_AT == D("0.8")
    assert [year for year in range(2015, 2022) if conditioned.covers_year(year)] == [2017, 2018, 2019]
    assert [year for year in range(2015, 2022) if plain.covers_year(year)] == [2017]


def test_an_age_from_a_reader_that_makes_every_number_a_decimal():
    data = policy_document(layer(when={"age_min": D(60)}))
    assert parse_policy(data).layers[0].when.age_min == 60


def test_a_layer_when_that_is_empty_or_null_is_no_condition():
    assert parse_policy(policy_document(layer(when={}))).layers[0].when is None
    assert parse_policy(policy_document(layer(when=None))).layers[0].when is None


def test_the_canonical_form_keeps_every_new_key_and_reads_back_equal():
    # given
    policy_ = parse_policy(conditioned_document())

    # when
    canonical = policy_to_dict(policy_)

    # then
    assert parse_policy(json.loads(json.dumps(canonical))) == policy_
    assert canonical["until_year"] == 2019
    assert canonical["monitoring"]["warn_at"] == "0.9"
    basic = canonical["layers"][0]
    assert basic["when"] == {"sex": "female", "age_min": 18}
    assert basic["rules"][0]["when"] == {
        "categories": ["poor"],
        "hospital_levels": ["county"],
        "visit_types": ["inpatient"],
        "diseases": ["C50"],
        "hospitals": ["H-1", "H-2"],
        "in_county": True,
        "referred": False,
        "sex": "female",
        "age_min": 18,
        "age_max": 64,
        "date_from": "2024-07-01",
        "date_to": "2024-12-31",
    }


def test_the_canonical_form_leaves_out_a_default_warn_at_and_a_missing_until_year():
    # given: the same policy with warn_at absent and warn_at "0.80"
    data = conditioned_document()
    del data["until_year"]
    data["monitoring"]["warn_at"] = "0.80"
    without = copy.deepcopy(data)
    del without["monitoring"]["warn_at"]

    # then: one canonical form, so the same digest
    assert policy_to_dict(parse_policy(data)) == policy_to_dict(parse_policy(without))
    assert "warn_at" not in policy_to_dict(parse_policy(data))["monitoring"]
    assert "until_year" not in policy_to_dict(parse_policy(data))


def test_the_policy_knows_every_hospital_its_conditions_name():
    # given
    data = policy_document(
        layer("a", when={"hospitals": ["H-9"]}, rules=[{"when": {"hospitals": ["H-1", "H-2"]}, "set": {}}]),
        layer("b", rules=[{"when": {"hospitals": ["H-2"]}, "set": {}}]),
        layer("c"),
    )

    # then
    assert parse_policy(data).hospital_codes == {"H-1", "H-2", "H-9"}
    assert parse_policy(policy_document(layer())).hospital_codes == frozenset()


def with_rule_when(**when):
    return policy_document(layer("x", rules=[{"when": when, "set": {}}]))


def with_layer_when(**when):
    return policy_document(layer("x", when=when))


def with_monitoring(**fields):
    block = {"reference_income": "15000", "rules": [{"categories": ["poor"], "share": "0.5", "label": "x"}]}
    return policy_document(layer("x"), monitoring=block | fields)


REFUSALS = {
    "unknown key in a rule's when": (
        with_rule_when(age=17), "x", "rules[1].when.age", document.UNKNOWN_FIELD
    ),
    "unknown key in a layer's when": (
        with_layer_when(gender="female"), "x", "when.gender", document.UNKNOWN_FIELD
    ),
    "layer when not an object": (
        policy_document(layer("x", when=["female"])), "x", "when", document.NOT_OBJECT
    ),
    "hospitals not a list": (
        with_rule_when(hospitals="H-1"), "x", "rules[1].when.hospitals", document.NOT_LIST
    ),
    "hospitals empty": (with_layer_when(hospitals=[]), "x", "when.hospitals", document.NOT_LIST),
    "hospital code not text": (
        with_rule_when(hospitals=["H-1", 7]), "x", "rules[1].when.hospitals[2]", document.NOT_TEXT
    ),
    "in_county as text": (
        with_rule_when(in_county="true"), "x", "rules[1].when.in_county", document.NOT_BOOL
    ),
    "referred as a number": (with_layer_when(referred=1), "x", "when.referred", document.NOT_BOOL),
    "sex as a letter": (
        with_rule_when(sex="F"), "x", "rules[1].when.sex", '未知取值 "F"，可选：male、female'
    ),
    "sex as a list": (
        with_layer_when(sex=["female"]), "x", "when.sex", "未知取值 \"['female']\"，可选：male、female"
    ),
    "negative age": (with_rule_when(age_min=-1), "x", "rules[1].when.age_min", document.NOT_AGE),
    "fractional age": (with_rule_when(age_max=17.5), "x", "rules[1].when.age_max", document.NOT_AGE),
    "age as text": (with_layer_when(age_max="17"), "x", "when.age_max", document.NOT_AGE),
    "age as a boolean": (with_layer_when(age_min=True), "x", "when.age_min", document.NOT_AGE),
    "ages reversed": (
        with_rule_when(age_min=18, age_max=17), "x", "rules[1].when.age_min", document.AGE_RANGE_REVERSED
    ),
    "ages reversed in a layer's when": (
        with_layer_when(age_min=60, age_max=6), "x", "when.age_min", document.AGE_RANGE_REVERSED
    ),
    "date in another format": (
        with_rule_when(date_from="2024/07/01"), "x", "rules[1].when.date_from", document.NOT_DATE
    ),
    "impossible date": (with_layer_when(date_to="2023-02-29"), "x", "when.date_to", document.NOT_DATE),
    "date without leading zeros": (
        with_layer_when(date_to="2024-7-1"), "x", "when.date_to", document.NOT_DATE
    ),
    "date as a number": (with_rule_when(date_to=20240701), "x", "rules[1].when.date_to", document.NOT_DATE),
    "dates reversed": (
        with_rule_when(date_from="2024-07-01", date_to="2024-06-30"),
        "x",
        "rules[1].when.date_from",
        document.DATE_RANGE_REVERSED,
    ),
    "until_year before year": (
        policy_document(layer("x"), until_year=2016), None, "until_year", "不能早于 year（2017）"
    ),
    "until_year as text": (
        policy_document(layer("x"), until_year="2019"), None, "until_year", document.NOT_YEAR
    ),
    "warn_at zero": (with_monitoring(warn_at="0"), None, "monitoring.warn_at", document.NOT_WARN_AT),
    "warn_at above one": (with_monitoring(warn_at="1.01"), None, "monitoring.warn_at", document.NOT_WARN_AT),
    "warn_at negative": (with_monitoring(warn_at="-0.5"), None, "monitoring.warn_at", document.NOT_WARN_AT),
    "warn_at as words": (with_monitoring(warn_at="八成"), None, "monitoring.warn_at", document.NOT_WARN_AT),
}


@pytest.mark.parametrize("case", REFUSALS, ids=list(REFUSALS))
def test_a_bad_condition_is_refused_naming_the_layer_rule_and_field(case):
    # given
    data, layer_code, field, message = REFUSALS[case]

    # when
    issues = refused(data)

    # then
    assert issues == [PolicyIssue(layer_code, field, message)]


def test_the_refusal_reads_in_chinese():
    (issue,) = refused(with_rule_when(age_min=18, age_max=17))
    assert str(issue) == '层 "x" 的字段 "rules[1].when.age_min"：最小年龄 age_min 不能大于最大年龄 age_max'


def test_every_problem_of_the_conditions_is_reported_at_once():
    # given
    data = policy_document(
        layer("x", when={"sex": "F", "age_max": -3}, rules=[{"when": {"date_from": "soon"}, "set": {}}]),
        until_year=1999,
    )

    # then
    assert refused(data) == [
        PolicyIssue(None, "until_year", "不能早于 year（2017）"),
        PolicyIssue("x", "when.sex", '未知取值 "F"，可选：male、female'),
        PolicyIssue("x", "when.age_max", document.NOT_AGE),
        PolicyIssue("x", "rules[1].when.date_from", document.NOT_DATE),
    ]


def test_both_reversed_ranges_of_one_condition_are_reported():
    assert refused(with_rule_when(age_min=18, age_max=17, date_from="2017-07-01", date_to="2017-06-30")) == [
        PolicyIssue("x", "rules[1].when.age_min", document.AGE_RANGE_REVERSED),
        PolicyIssue("x", "rules[1].when.date_from", document.DATE_RANGE_REVERSED),
    ]


def test_spaces_around_a_hospital_code_are_dropped():
    (rule,) = parse_policy(with_rule_when(hospitals=[" H-1", "H-2 "])).layers[0].rules
    assert rule.when.hospitals == {"H-1", "H-2"}


def test_warn_at_of_one_and_a_single_day_range_are_accepted():
    parsed = parse_policy(
        with_monitoring(warn_at="1")
        | {"layers": [layer("x", when={"date_from": "2024-07-01", "date_to": "2024-07-01", "age_min": 6,
                                      "age_max": 6})]}
    )
    assert parsed.monitoring.warn_at == 1
    assert parsed.layers[0].when.describe() == "年龄 6 周岁；2024-07-01 当日"


# --- Age -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (date(1960, 5, 4), date(2024, 5, 3), 63),
        (date(1960, 5, 4), date(2024, 5, 4), 64),  # the birthday itself counts
        (date(2012, 2, 29), date(2023, 2, 28), 10),  # no 29 February in 2023: the birthday is 1 March
        (date(2012, 2, 29), date(2023, 3, 1), 11),
        (date(2012, 2, 29), date(2024, 2, 28), 11),
        (date(2012, 2, 29), date(2024, 2, 29), 12),
        (date(2024, 3, 1), date(2024, 3, 1), 0),
        (date(2023, 12, 31), date(2024, 12, 30), 0),
    ],
)
def test_age_is_in_full_years_on_the_claim_date(born, on, age):
    assert age_on(born, on) == age


def test_no_birth_date_no_age():
    assert age_on(None, date(2024, 1, 1)) is None


# --- Matching, through the engine -----------------------------------------------------------------


def tilted(when: dict):
    """A layer paying 50% with a deductible of 100, or without a deductible under the rule."""
    return policy(
        layer(
            deductible="100",
            bands=[{"upto": None, "ratio": "0.5"}],
            rules=[{"when": when, "set": {"deductible": "0"}}],
        )
    )


TILTED, PLAIN = D("500.00"), D("450.00")
BIRTH = date(2012, 2, 29)

MATCHES = [
    # (when, bill fields, matches)
    ({"hospitals": ["H-TCM", "H-PEOPLE"]}, {"hospital": "H-TCM"}, True),
    ({"hospitals": ["H-TCM"]}, {"hospital": "H-CITY"}, False),
    ({"hospitals": ["H-TCM"]}, {}, False),  # a bill without a hospital code
    ({"hospitals": ["h-tcm"]}, {"hospital": "H-TCM"}, False),  # codes compare exactly
    ({"in_county": True}, {"in_county": True}, True),
    ({"in_county": True}, {}, False),
    ({"in_county": False}, {}, True),  # the default is outside the county
    ({"referred": True}, {"referred": True}, True),
    ({"referred": False}, {"referred": True}, False),
    ({"referred": False}, {}, True),
    ({"sex": "female"}, {"sex": "female"}, True),
    ({"sex": "female"}, {"sex": "male"}, False),
    ({"sex": "male"}, {}, False),  # a bill without a sex never matches
    ({"age_max": 17}, {"birth_date": date(2006, 6, 1)}, True),  # 17 until the eve of the 18th birthday
    ({"age_max": 17}, {"birth_date": date(2006, 5, 31)}, False),  # 18 on its birthday
    ({"age_min": 60}, {"birth_date": date(1964, 5, 31)}, True),
    ({"age_min": 60}, {"birth_date": date(1964, 6, 1)}, False),
    ({"age_min": 0}, {}, False),  # a bill without a birth date never matches, even "0 and over"
    ({"age_max": 200}, {}, False),
    ({"age_min": 12, "age_max": 12}, {"birth_date": BIRTH, "date": date(2024, 2, 29)}, True),
    ({"age_min": 11}, {"birth_date": BIRTH, "date": date(2023, 2, 28)}, False),  # still 10
    ({"age_min": 11}, {"birth_date": BIRTH, "date": date(2023, 3, 1)}, True),
    ({"date_from": "2024-05-31"}, {}, True),  # inclusive
    ({"date_from": "2024-06-01"}, {}, False),
    ({"date_to": "2024-05-31"}, {}, True),  # inclusive
    ({"date_to": "2024-05-30"}, {}, False),
    ({"date_from": "2024-01-01", "date_to": "2024-12-31"}, {}, True),
    ({"date_from": "2024-01-01", "date_to": "2024-12-31"}, {"date": date(2025, 1, 1)}, False),
    # every key present must match
    (
        {"hospitals": ["H-TCM"], "in_county": True, "sex": "female", "age_max": 17, "date_from": "2024-01-01",
         "categories": ["poor"], "diseases": ["C91"]},
        {"hospital": "H-TCM", "in_county": True, "sex": "female", "birth_date": BIRTH,
         "categories": ("poor",), "diseases": ("C91.000",)},
        True,
    ),
    (
        {"hospitals": ["H-TCM"], "in_county": True, "sex": "female", "age_max": 17,
         "date_from": "2024-01-01"},
        {"hospital": "H-TCM", "in_county": True, "sex": "female", "birth_date": date(1990, 1, 1)},
        False,
    ),
]


@pytest.mark.parametrize(("when", "fields", "matches"), MATCHES)
def test_a_rule_matches_when_every_condition_holds(when, fields, matches):
    # given: the bill is dated 2024-05-31 unless it says otherwise
    bill = claim("1000.00", **({"date": date(2024, 5, 31)} | fields))

    # when
    payment = only_payment(settle_claims(tilted(when), [bill])[0])

    # then
    assert payment.amount == (TILTED if matches else PLAIN)


def test_the_first_matching_rule_wins_among_the_new_keys():
    # given: 辽宁 from mid-2019: 70% from 1 July; 65% for the referred; 60% otherwise
    the_policy = policy(
        layer(
            bands=[{"upto": None, "ratio": "0.60"}],
            rules=[
                {"when": {"date_from": "2019-07-01"}, "set": {"bands": [{"upto": None, "ratio": "0.70"}]}},
                {"when": {"referred": True}, "set": {"bands": [{"upto": None, "ratio": "0.65"}]}},
            ],
        )
    )

    # when
    settlements = settle_claims(
        the_policy,
        [
            claim("1000.00", date=date(2019, 6, 30), referred=True),
            claim("1000.00", date=date(2019, 7, 1), referred=True, id="C2", person="P2"),
            claim("1000.00", date=date(2019, 6, 30), id="C3", person="P3"),
        ],
    )

    # then
    assert [amounts(s)["only"] for s in settlements] == [D("650.00"), D("700.00"), D("600.00")]


# --- A layer's own when ---------------------------------------------------------------------------


def women_cancer():
    return policy(
        layer(
            "women",
            base="personal",
            scope="year",
            cap_per_year="1000",
            deductible="100",
            when={"sex": "female", "diseases": ["C50", "C53"]},
        )
    )


def test_a_layer_whose_when_does_not_match_pays_nothing_accumulates_nothing_and_says_why():
    # when: a man's bill, then a woman's bill of another disease, then hers with C50
    man, other, cancer = settle_claims(
        women_cancer(),
        [
            claim("500.00", person="P1", sex="male", diseases=("C50.900",)),
            claim("500.00", person="P2", sex="female", diseases=("I10",), id="C2"),
            claim("500.00", person="P2", sex="female", diseases=("C50.900",), id="C3"),
        ],
    )

    # then
    for settlement in (man, other):
        payment = only_payment(settlement)
        assert (payment.amount, payment.base_added, payment.applied) == (D("0.00"), D("0.00"), False)
    assert only_payment(man).explanation == "不适用：本层只适用于“疾病 C50、C53；女性”的账单，本次不符合“女性”。"
    assert only_payment(other).explanation == "不适用：本层只适用于“疾病 C50、C53；女性”的账单，本次不符合“疾病 C50、C53”。"
    # the year-scoped deductible starts from nothing: the excluded bill added no base
    assert only_payment(cancer).amount == D("400.00")
    assert "本年此前累计基数 0.00" in only_payment(cancer).explanation


def test_a_layer_whose_when_fails_in_every_part_names_the_whole_condition():
    settlement = settle_claims(women_cancer(), [claim("500.00", sex="male")])[0]
    assert only_payment(settlement).explanation == "不适用：本层只适用于“疾病 C50、C53；女性”的账单。"


def test_a_layer_when_is_checked_after_the_layers_other_conditions():
    # given
    the_policy = policy(layer(categories=["poor"], when={"sex": "female"}))

    # when
    settlement = settle_claims(the_policy, [claim("100.00", sex="male")])[0]

    # then
    assert only_payment(settlement).explanation.startswith("不适用：就诊日未持有本层要求的身份类别")


def test_a_recorded_amount_counts_on_a_layer_its_when_excludes():
    # when
    settlement = settle_claims(women_cancer(), [claim("500.00", sex="male", recorded={"women": "30.00"})])[0]

    # then
    payment = only_payment(settlement)
    assert (payment.amount, payment.applied, payment.recorded) == (D("30.00"), False, True)
    assert payment.base_added == D("500.00")
    assert "按政策本层不适用：本层只适用于“疾病 C50、C53；女性”的账单" in payment.explanation


def test_per_disease_annual_limits_are_separate_layers_with_their_own_when():
    # given: a separate layer per disease group, each with its own annual cap
    the_policy = policy(
        layer("cancer", when={"diseases": ["C"]}, cap_per_year="1000"),
        layer("kidney", when={"diseases": ["N18"]}, cap_per_year="300"),
    )

    # when
    settlements = settle_claims(
        the_policy,
        [
            claim("800.00", diseases=("C34.900",)),
            claim("800.00", diseases=("N18.500",), id="C2"),
            claim("800.00", diseases=("C34.900", "N18.500"), id="C3"),
        ],
    )

    # then: the first layer takes what it may; the second pays from what is left
    assert [amounts(s) for s in settlements] == [
        {"cancer": D("800.00"), "kidney": D("0.00")},
        {"cancer": D("0.00"), "kidney": D("300.00")},
        {"cancer": D("200.00"), "kidney": D("0.00")},
    ]


# --- Explanations ---------------------------------------------------------------------------------

NAMES = {"H-TCM": "县中医院", "H-PEOPLE": "县人民医院"}


@pytest.mark.parametrize(
    ("when", "text", "fields"),
    [
        ({"hospitals": ["H-TCM"]}, "医疗机构 县中医院", {"hospital": "H-TCM"}),
        (
            {"hospitals": ["H-TCM", "H-PEOPLE", "H-X"]},
            "医疗机构 县人民医院、县中医院、H-X",  # in the order of the codes (H-PEOPLE, H-TCM, H-X)
            {"hospital": "H-X"},
        ),
        ({"in_county": True}, "县域内就医", {"in_county": True}),
        ({"in_county": False}, "县域外就医", {}),
        ({"referred": True}, "按规定转诊", {"referred": True}),
        ({"referred": False}, "未按规定转诊", {}),
        ({"sex": "female"}, "女性", {"sex": "female"}),
        ({"sex": "male"}, "男性", {"sex": "male"}),
        ({"age_max": 17}, "年龄 17 周岁及以下", {"birth_date": date(2010, 1, 1)}),
        ({"age_min": 60}, "年龄 60 周岁及以上", {"birth_date": date(1950, 1, 1)}),
        ({"age_min": 6, "age_max": 17}, "年龄 6 至 17 周岁", {"birth_date": date(2010, 1, 1)}),
        ({"date_from": "2017-06-01"}, "2017-06-01 起", {}),
        ({"date_to": "2017-06-30"}, "2017-06-30 止", {}),
        ({"date_from": "2017-01-01", "date_to": "2017-06-30"}, "2017-01-01 至 2017-06-30", {}),
        (
            {"categories": ["poor"], "hospitals": ["H-TCM"], "in_county": True, "sex": "female",
             "age_max": 17},
            "身份类别 建档立卡贫困人口；医疗机构 县中医院；县域内就医；女性；年龄 17 周岁及以下",
            {"categories": ("poor",), "hospital": "H-TCM", "in_county": True, "sex": "female",
             "birth_date": date(2010, 1, 1)},
        ),
    ],
)
def test_each_condition_reads_in_chinese(when, text, fields):
    # given: a rule with this condition that skips the layer, and a bill it matches
    the_policy = policy(layer(rules=[{"when": when, "set": {"skip": True}}]))

    # when
    settlement, _ = settle_claim(the_policy, claim(**fields), YearToDate(), hospital_names=NAMES)

    # then
    assert the_policy.layers[0].rules[0].when.describe(NAMES) == text
    assert only_payment(settlement).explanation == f"不适用：第 1 条规则（{text}）规定本层不适用。"


def test_hospital_codes_show_as_names_only_where_names_are_given():
    # given
    the_policy = tilted({"hospitals": ["H-TCM"]})
    bill = claim("1000.00", hospital="H-TCM")

    # when
    named = settle_claims(the_policy, [bill], hospital_names=NAMES)[0]
    coded = settle_claims(the_policy, [bill])[0]
    one, _ = settle_claim(the_policy, bill, YearToDate(), hospital_names={"H-OTHER": "别的医院"})

    # then
    assert "按第 1 条规则（医疗机构 县中医院）" in only_payment(named).explanation
    assert "按第 1 条规则（医疗机构 H-TCM）" in only_payment(coded).explanation
    assert "按第 1 条规则（医疗机构 H-TCM）" in only_payment(one).explanation
    assert the_policy.layers[0].rules[0].when.description == "医疗机构 H-TCM"


def test_a_layer_excluded_by_a_named_hospital_reads_its_name():
    # given
    the_policy = policy(layer(when={"hospitals": ["H-PEOPLE"], "in_county": True}))

    # when
    settlement = settle_claims(the_policy, [claim(hospital="H-TCM", in_county=True)], hospital_names=NAMES)[0]

    # then
    assert only_payment(settlement).explanation == (
        "不适用：本层只适用于“医疗机构 县人民医院；县域内就医”的账单，本次不符合“医疗机构 县人民医院”。"
    )


# --- Years, bad bills, plans ----------------------------------------------------------------------


def test_a_policy_over_several_years_settles_every_bill_given_and_caps_start_afresh_each_year():
    # given
    data = policy_document(
        layer(cap_per_year="1000", scope="year", deductible="200"), year=2023, until_year=2025
    )
    the_policy = parse_policy(data)

    # when
    settlements = settle_claims(
        the_policy,
        [
            claim("900.00", date=date(2023, 12, 31)),
            claim("900.00", date=date(2024, 1, 1), id="C2"),
            claim("900.00", date=date(2024, 6, 1), id="C3"),
            claim("900.00", date=date(2025, 1, 1), id="C4"),
            claim("900.00", date=date(2026, 1, 1), id="C5"),  # beyond until_year: the caller chose it
        ],
    )

    # then: each year's deductible and cap start afresh
    assert [amounts(s)["only"] for s in settlements] == [
        D("700.00"), D("700.00"), D("300.00"), D("700.00"), D("700.00")
    ]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"sex": "F"}, "sex", '未知性别 "F"，可选：male、female'),
        ({"birth_date": date(2017, 6, 2)}, "birth_date", engine.BORN_AFTER_DATE),
    ],
)
def test_a_bill_with_a_bad_person_is_refused(fields, field, message):
    with pytest.raises(ClaimError) as caught:
        settle_claims(tilted({}), [claim(**fields)])
    assert caught.value.errors == [ClaimIssue("C1", field, message)]


def test_a_bill_born_on_its_own_date_is_settled():
    assert settle_claims(tilted({"age_max": 0}), [claim("1000.00", birth_date=date(2017, 6, 1))])[0]


def bills_of_a_year(**fields):
    """A bill every day of 2024 from people of every age, sex and hospital."""
    hospitals = ("H-TCM", "H-PEOPLE", "H-CITY", None)
    return [
        claim(
            "1000.00",
            id=f"C{day}",
            person=f"P{day % 50}",
            date=date(2024, 1, 1) + datetime.timedelta(days=day),
            birth_date=date(1930, 1, 1) + datetime.timedelta(days=day * 7919 % 33000),
            sex=("male", "female", None)[day % 3],
            hospital=hospitals[day % 4],
            in_county=day % 2 == 0,
            referred=day % 5 == 0,
            **fields,
        )
        for day in range(366)
    ]


def test_bills_alike_in_what_the_conditions_read_share_a_plan():
    # given: conditions on one age range, one date range and two hospitals
    the_policy = policy(
        layer(
            "a",
            when={"age_max": 17},
            rules=[{"when": {"date_from": "2024-07-01", "hospitals": ["H-TCM", "H-PEOPLE"]}, "set": {}}],
        )
    )
    plans = engine._Plans(the_policy)

    # when
    for bill in bills_of_a_year():
        plans.for_claim(bill)

    # then: a child or not × on or after July or not × one of the two hospitals or not
    assert len(plans.known) == 8


def test_a_policy_without_the_new_conditions_does_not_look_at_them():
    # given
    plans = engine._Plans(policy(layer(rules=[{"when": {"categories": ["poor"]}, "set": {}}])))

    # when
    for bill in bills_of_a_year():
        plans.for_claim(bill)

    # then
    assert len(plans.known) == 1
    assert not plans.reads_more


def test_a_years_bills_give_what_each_gives_alone():
    # given: the shared plans of a run against a fresh plan per bill
    the_policy = policy(
        layer(
            "a",
            scope="year",
            deductible="300",
            cap_per_year="5000",
            when={"age_max": 64},
            rules=[
                {"when": {"hospitals": ["H-TCM"], "in_county": True}, "set": {"deductible": "150"}},
                {"when": {"date_from": "2024-07-01", "sex": "female"}, "set": {"deductible": "0"}},
                {"when": {"referred": False, "in_county": False}, "set": {"skip": True}},
            ],
        ),
        layer("b", when={"age_min": 65, "date_to": "2024-09-30"}, bands=[{"upto": None, "ratio": "0.5"}]),
    )
    bills = bills_of_a_year()

    # when
    together = settle_claims(the_policy, bills, hospital_names=NAMES)
    ytd: dict = {}
    alone = []
    for bill in bills:
        settlement, ytd[bill.person] = settle_claim(
            the_policy, bill, ytd.get(bill.person, YearToDate()), hospital_names=NAMES
        )
        alone.append(settlement)

    # then
    assert together == alone


# --- Monitoring ------------------------------------------------------------------------------------

MONITORING = Monitoring(
    reference_income=D("15000.01"),
    rules=(
        MonitoringRule(frozenset({"tekun_rural", "dibao_rural"}), D("0.5"), "因病返贫监测"),
        MonitoringRule(frozenset({"marginal", "dibao_rural"}), D("1.0"), "因病致贫监测"),
        MonitoringRule(frozenset({"unstable"}), D("0.5"), "脱贫不稳定监测"),
    ),
)


@pytest.mark.parametrize(
    ("categories", "threshold"),
    [
        ({"marginal"}, Threshold(D("15000.01"), "因病致贫监测")),
        ({"marginal", "dibao_rural"}, Threshold(D("7500.01"), "因病返贫监测")),  # 7,500.005 half up; smallest share
        ({"unstable", "tekun_rural"}, Threshold(D("7500.01"), "因病返贫监测")),  # a tie: the first rule
        ({"poor"}, None),
        (set(), None),
    ],
)
def test_the_threshold_is_that_of_the_smallest_share_among_the_rules_held(categories, threshold):
    assert monitoring_threshold(MONITORING, categories) == threshold
    assert MONITORING.threshold_for(categories) == threshold


def test_no_monitoring_block_no_threshold():
    assert monitoring_threshold(None, {"dibao_rural"}) is None


def test_the_shipped_shape_of_the_monitoring_block_gives_thresholds():
    parsed = parse_policy(with_monitoring(warn_at="0.75"))
    assert monitoring_threshold(parsed.monitoring, ["poor"]) == Threshold(D("7500.00"), "x")


@pytest.mark.parametrize(
    ("burden", "threshold", "warn_at", "level"),
    [
        ("7500.01", "7500.00", "0.8", LEVEL_OVER),
        ("7500.00", "7500.00", "0.8", LEVEL_WARNING),  # at the threshold is not over it
        ("6000.00", "7500.00", "0.8", LEVEL_WARNING),  # at warn_at × threshold
        ("5999.99", "7500.00", "0.8", None),
        ("6000.01", "7500.01", "0.8", LEVEL_WARNING),  # 6,000.01 ≥ 0.8 × 7,500.01 = 6,000.008
        ("6000.02", "7500.03", "0.8", None),  # 6,000.02 < 6,000.024: compared exactly, not rounded
        ("6000.01", "7500.01", "1", None),
        ("7500.01", "7500.01", "1", LEVEL_WARNING),
        ("0.00", "0.00", "0.8", None),  # nothing paid, nothing to report
        ("0.01", "0.00", "0.8", LEVEL_OVER),
    ],
)
def test_the_level_of_a_burden(burden, threshold, warn_at, level):
    assert monitoring_level(D(burden), D(threshold), D(warn_at)) == level
    assert Monitoring(D("1"), (), D(warn_at)).level_for(D(burden), D(threshold)) == level


def test_the_default_warning_share_is_four_fifths():
    assert monitoring_level(D("80.00"), D("100.00")) == LEVEL_WARNING
    assert monitoring_level(D("79.99"), D("100.00")) is None
