"""Policy documents: what parse_policy accepts, what it refuses and how it says so, and the canonical form."""

from __future__ import annotations

import copy
import json
from decimal import Decimal

import pytest

from policies import document
from policies.document import (
    ALL_HOSPITAL_LEVELS,
    ALL_VISIT_TYPES,
    Band,
    PolicyError,
    PolicyIssue,
    parse_policy,
    policy_to_dict,
)

from .builders import VECTOR_SETS, layer, policy_document, read_vector

FULL_DOCUMENT = policy_document(
    layer(
        "basic",
        fund="basic",
        visit_types=["inpatient", "special_outpatient"],
        hospital_levels=["county", "township"],
        insurance="resident_basic",
        deductible="300",
        bands=[{"upto": None, "ratio": "0.60"}],
        cap_per_visit="80000",
        cap_per_year="150000.5",
        rules=[
            {"when": {"categories": ["poor"], "hospital_levels": ["county"]}, "set": {"deductible": "150"}},
            {
                "when": {"diseases": ["c34", "C50"], "visit_types": ["inpatient"]},
                "set": {"cap_per_year": None},
            },
            {"when": {"categories": ["marginal"]}, "set": {"skip": True}},
        ],
    ),
    layer(
        "fund",
        categories=["poor", "dibao_rural"],
        base="out_of_catalog",
        scope="year",
        min_base="3000",
        base_share_of_total="0.3",
        bands=[
            {"upto": "5000", "ratio": "0"},
            {"upto": "20000.00", "ratio": "0.3"},
            {"upto": None, "ratio": "0.5"},
        ],
    ),
    layer("personal", fund="assistance", base="personal", scope="year", cap_per_year="300"),
    note="测试用",
    enrollment={
        "insurance": "resident_basic",
        "premium": "250.00",
        "subsidies": [
            {"categories": ["tekun_rural", "tekun_urban"], "amount": "full"},
            {"categories": ["dibao_rural", "dibao_urban"], "amount": "150.00"},
        ],
    },
    monitoring={
        "reference_income": "15000.00",
        "rules": [
            {"categories": ["tekun_rural", "dibao_rural"], "share": "0.5", "label": "因病返贫监测"},
            {"categories": ["marginal"], "share": "1.0", "label": "因病致贫监测"},
        ],
    },
)


def refused(data: dict) -> list[PolicyIssue]:
    with pytest.raises(PolicyError) as caught:
        parse_policy(data)
    return caught.value.errors


def test_a_full_document_parses_into_its_parts():
    # when
    policy = parse_policy(FULL_DOCUMENT)

    # then
    basic, fund, personal = policy.layers
    assert (policy.code, policy.region_code, policy.year, policy.note) == ("test", "500242", 2017, "测试用")
    assert basic.visit_types == {"inpatient", "special_outpatient"}
    assert basic.hospital_levels == {"county", "township"}
    assert basic.terms.deductible == Decimal("300.00")
    assert basic.terms.cap_per_year == Decimal("150000.50")
    assert basic.rules[0].terms.deductible == Decimal("150.00")
    assert basic.rules[0].terms.cap_per_year == Decimal("150000.50")  # what the rule does not set stays
    assert basic.rules[1].when.diseases == ("C34", "C50")  # ICD codes compare in upper case
    assert basic.rules[1].terms.cap_per_year is None  # null removes the cap
    assert basic.rules[1].terms.cap_per_visit == Decimal("80000.00")
    assert basic.rules[2].skip
    assert fund.categories == {"poor", "dibao_rural"}
    assert fund.terms.base_share_of_total == Decimal("0.3")
    assert fund.terms.bands[1] == Band(Decimal("20000.00"), Decimal("0.3"))
    assert personal.terms.bands == (Band(None, Decimal(1)),)
    assert policy.enrollment.subsidy_for({"tekun_rural", "dibao_rural"}) == Decimal("250.00")  # the largest
    assert policy.enrollment.subsidy_for({"dibao_urban"}) == Decimal("150.00")
    assert policy.enrollment.subsidy_for({"poor"}) == Decimal("0.00")
    assert [r.share for r in policy.monitoring.rules] == [Decimal("0.5"), Decimal("1.0")]


def test_defaults_of_a_minimal_layer():
    # when
    only = parse_policy(policy_document(layer())).layers[0]

    # then
    assert only.visit_types == ALL_VISIT_TYPES
    assert only.hospital_levels == ALL_HOSPITAL_LEVELS
    assert only.categories is None and only.insurance is None
    assert only.scope == "visit"
    assert only.terms.deductible == only.terms.min_base == Decimal("0.00")
    assert only.terms.base_share_of_total is None
    assert only.terms.cap_per_visit is None and only.terms.cap_per_year is None
    assert only.terms.bands == (Band(None, Decimal(1)),)
    assert only.rules == ()


@pytest.mark.parametrize("name", VECTOR_SETS)
def test_canonical_form_round_trips(name):
    # given
    policy = parse_policy(read_vector(name, "policy"))

    # when
    canonical = policy_to_dict(policy)

    # then
    assert parse_policy(json.loads(json.dumps(canonical))) == policy
    assert policy_to_dict(parse_policy(canonical)) == canonical


def test_canonical_form_of_the_full_document():
    # when
    canonical = policy_to_dict(parse_policy(FULL_DOCUMENT))

    # then
    assert parse_policy(canonical) == parse_policy(FULL_DOCUMENT)
    basic, fund, personal = canonical["layers"]
    assert basic["visit_types"] == ["special_outpatient", "inpatient"]  # vocabulary order
    assert basic["hospital_levels"] == ["township", "county"]
    assert basic["deductible"] == "300.00"
    assert basic["cap_per_year"] == "150000.50"
    assert basic["bands"] == [{"upto": None, "ratio": "0.6"}]
    assert basic["rules"][1] == {
        "when": {"visit_types": ["inpatient"], "diseases": ["C34", "C50"]},
        "set": {"cap_per_year": None},
    }
    assert basic["rules"][2] == {"when": {"categories": ["marginal"]}, "set": {"skip": True}}
    assert "visit_types" not in fund and "hospital_levels" not in fund  # absent means all
    assert fund["categories"] == ["dibao_rural", "poor"]
    assert fund["base_share_of_total"] == "0.3"
    assert "cap_per_year" not in fund
    assert personal["bands"] == [{"upto": None, "ratio": "1"}]
    assert canonical["enrollment"]["subsidies"][0]["amount"] == "full"
    assert canonical["monitoring"]["rules"][1] == {
        "categories": ["marginal"],
        "share": "1",
        "label": "因病致贫监测",
    }
    assert canonical["note"] == "测试用"


@pytest.mark.parametrize("value", ["300", "300.5", 300, Decimal("300.50"), 300.5, Decimal("3E+2")])
def test_money_may_be_decimal_text_or_a_json_number(value):
    # when
    only = parse_policy(policy_document(layer(deductible=value))).layers[0]

    # then
    assert only.terms.deductible == Decimal(str(value))
    assert only.terms.deductible.as_tuple().exponent == -2


def test_the_year_may_come_from_a_reader_that_makes_every_number_a_decimal():
    assert parse_policy(policy_document(layer(), year=Decimal(2017))).year == 2017


def test_every_problem_is_reported_at_once_and_joined_in_the_message():
    # given
    data = policy_document(
        layer("a", fund="insurance", ratio="0.5"),
        layer("a", bands=[{"upto": "100", "ratio": "1.5"}, {"upto": None, "ratio": "0.5"}]),
    )
    del data["year"]

    # when
    issues = refused(data)

    # then
    assert issues == [
        PolicyIssue(None, "year", document.REQUIRED),
        PolicyIssue("a", "ratio", document.UNKNOWN_FIELD),
        PolicyIssue("a", "fund", '未知取值 "insurance"，可选：basic、critical、assistance、other'),
        PolicyIssue("a", "code", "层编码重复（第 1 层已使用）"),
        PolicyIssue("a", "bands[1].ratio", document.NOT_RATIO),
    ]
    with pytest.raises(PolicyError) as caught:
        parse_policy(data)
    assert str(caught.value) == "\n".join(str(issue) for issue in issues)
    assert isinstance(caught.value, ValueError)


def test_the_message_names_the_layer_and_the_field_in_chinese():
    # given
    data = policy_document(
        layer(
            "critical",
            bands=[
                {"upto": "30000", "ratio": "0.6"},
                {"upto": "20000", "ratio": "0.7"},
                {"upto": None, "ratio": "0.8"},
            ],
        )
    )

    # when
    (issue,) = refused(data)

    # then
    assert str(issue) == '层 "critical" 的字段 "bands"：分段上限必须递增'


def test_a_layer_without_a_usable_code_is_named_by_its_position():
    # given
    data = policy_document(layer("ok"), {"name": "无编码", "fund": "other", "base": "in_catalog"})

    # when
    (issue,) = refused(data)

    # then
    assert issue == PolicyIssue("#2", "code", document.REQUIRED)
    assert str(issue) == '第 2 层的字段 "code"：缺少必填字段'


def mutated(change) -> dict:
    data = copy.deepcopy(policy_document(layer("x", cap_per_year="100", rules=[{"when": {}, "set": {}}])))
    change(data)
    return data


def set_layer(**fields):
    return lambda data: data["layers"][0].update(fields)


def drop_layer_field(key):
    return lambda data: data["layers"][0].pop(key)


def set_rule(part, **fields):
    return lambda data: data["layers"][0]["rules"][0][part].update(fields)


REFUSALS = {
    # document
    "unknown top-level key": (
        lambda d: d.update(counties=["500242"]),
        None,
        "counties",
        document.UNKNOWN_FIELD,
    ),
    "missing code": (lambda d: d.pop("code"), None, "code", document.REQUIRED),
    "missing name": (lambda d: d.pop("name"), None, "name", document.REQUIRED),
    "missing region code": (lambda d: d.pop("region_code"), None, "region_code", document.REQUIRED),
    "region code not digits": (
        lambda d: d.update(region_code="酉阳"),
        None,
        "region_code",
        document.NOT_REGION_CODE,
    ),
    "year as text": (lambda d: d.update(year="2017"), None, "year", document.NOT_YEAR),
    "year with a fraction": (lambda d: d.update(year=Decimal("2017.5")), None, "year", document.NOT_YEAR),
    "year as a boolean": (lambda d: d.update(year=True), None, "year", document.NOT_YEAR),
    "code with spaces": (lambda d: d.update(code="you yang"), None, "code", document.NOT_CODE),
    "note not text": (lambda d: d.update(note=5), None, "note", document.NOT_STRING),
    "no layers": (lambda d: d.update(layers=[]), None, "layers", document.NO_LAYERS),
    "layer not an object": (lambda d: d["layers"].append("basic"), None, "layers[2]", document.NOT_OBJECT),
    # layer fields
    "unknown layer field": (set_layer(ratio="0.5"), "x", "ratio", document.UNKNOWN_FIELD),
    "missing layer name": (drop_layer_field("name"), "x", "name", document.REQUIRED),
    "missing fund": (drop_layer_field("fund"), "x", "fund", document.REQUIRED),
    "missing base": (drop_layer_field("base"), "x", "base", document.REQUIRED),
    "unknown fund": (
        set_layer(fund="charity"),
        "x",
        "fund",
        '未知取值 "charity"，可选：basic、critical、assistance、other',
    ),
    "unknown base": (
        set_layer(base="total"),
        "x",
        "base",
        '未知取值 "total"，可选：in_catalog、out_of_catalog、personal',
    ),
    "unknown scope": (set_layer(scope="month"), "x", "scope", '未知取值 "month"，可选：visit、year'),
    "unknown visit type": (
        set_layer(visit_types=["inpatient", "emergency"]),
        "x",
        "visit_types[2]",
        '未知取值 "emergency"，可选：outpatient、special_outpatient、inpatient',
    ),
    "unknown hospital level": (
        set_layer(hospital_levels=["national"]),
        "x",
        "hospital_levels[1]",
        '未知取值 "national"，可选：village、township、county、city、province',
    ),
    "empty visit types": (set_layer(visit_types=[]), "x", "visit_types", document.NOT_LIST),
    "categories not a list": (set_layer(categories="poor"), "x", "categories", document.NOT_LIST),
    "category not text": (set_layer(categories=["poor", 3]), "x", "categories[2]", document.NOT_TEXT),
    "empty insurance": (set_layer(insurance=""), "x", "insurance", document.NOT_TEXT),
    "empty name": (set_layer(name="  "), "x", "name", document.NOT_TEXT),
    # money and ratios
    "negative money": (set_layer(deductible="-1"), "x", "deductible", document.MONEY_NEGATIVE),
    "money as words": (set_layer(deductible="三百"), "x", "deductible", document.NOT_MONEY),
    "money in exponent text": (set_layer(min_base="3e3"), "x", "min_base", document.NOT_MONEY),
    "money as a boolean": (set_layer(cap_per_visit=True), "x", "cap_per_visit", document.NOT_MONEY),
    "money with three decimals": (
        set_layer(cap_per_year="100.005"),
        "x",
        "cap_per_year",
        document.MONEY_DECIMALS,
    ),
    "money too large": (
        set_layer(cap_per_year="1000000000000"),
        "x",
        "cap_per_year",
        document.MONEY_TOO_LARGE,
    ),
    "ratio above one": (
        set_layer(base_share_of_total="1.01"),
        "x",
        "base_share_of_total",
        document.NOT_RATIO,
    ),
    "negative ratio": (
        set_layer(bands=[{"upto": None, "ratio": "-0.1"}]),
        "x",
        "bands[1].ratio",
        document.NOT_RATIO,
    ),
    "ratio as words": (set_layer(base_share_of_total="三成"), "x", "base_share_of_total", document.NOT_RATIO),
    "null deductible": (set_layer(deductible=None), "x", "deductible", document.NOT_MONEY),
    # bands
    "bands not increasing": (
        set_layer(
            bands=[
                {"upto": "100", "ratio": "0.5"},
                {"upto": "100", "ratio": "0.6"},
                {"upto": None, "ratio": "1"},
            ]
        ),
        "x",
        "bands",
        document.BANDS_NOT_INCREASING,
    ),
    "first band up to zero": (
        set_layer(bands=[{"upto": "0", "ratio": "0.5"}, {"upto": None, "ratio": "1"}]),
        "x",
        "bands",
        document.BANDS_NOT_INCREASING,
    ),
    "last band closed": (
        set_layer(bands=[{"upto": "100", "ratio": "0.5"}]),
        "x",
        "bands",
        document.LAST_BAND_NOT_OPEN,
    ),
    "open band before the last": (
        set_layer(bands=[{"upto": None, "ratio": "0.5"}, {"upto": None, "ratio": "1"}]),
        "x",
        "bands",
        document.OPEN_BAND_NOT_LAST,
    ),
    "band without upto": (set_layer(bands=[{"ratio": "0.5"}]), "x", "bands[1].upto", document.REQUIRED),
    "band without ratio": (set_layer(bands=[{"upto": None}]), "x", "bands[1].ratio", document.REQUIRED),
    "band with an unknown key": (
        set_layer(bands=[{"upto": None, "ratio": "0.5", "cap": "1"}]),
        "x",
        "bands[1].cap",
        document.UNKNOWN_FIELD,
    ),
    "no bands": (set_layer(bands=[]), "x", "bands", document.NOT_LIST),
    # rules
    "rules not a list": (set_layer(rules={"when": {}}), "x", "rules", document.NOT_A_LIST),
    "rule with an unknown key": (
        lambda d: d["layers"][0]["rules"][0].update(then={}),
        "x",
        "rules[1].then",
        document.UNKNOWN_FIELD,
    ),
    "rule without when": (
        lambda d: d["layers"][0]["rules"][0].pop("when"),
        "x",
        "rules[1].when",
        document.REQUIRED,
    ),
    "unknown when key": (set_rule("when", age=["60"]), "x", "rules[1].when.age", document.UNKNOWN_FIELD),
    "unknown set key": (set_rule("set", ratio="0.9"), "x", "rules[1].set.ratio", document.UNKNOWN_FIELD),
    "when with an unknown level": (
        set_rule("when", hospital_levels=["national"]),
        "x",
        "rules[1].when.hospital_levels[1]",
        '未知取值 "national"，可选：village、township、county、city、province',
    ),
    "when with empty diseases": (
        set_rule("when", diseases=[]),
        "x",
        "rules[1].when.diseases",
        document.NOT_LIST,
    ),
    "set with a bad ratio": (
        set_rule("set", base_share_of_total="2"),
        "x",
        "rules[1].set.base_share_of_total",
        document.NOT_RATIO,
    ),
    "set with bands not increasing": (
        set_rule(
            "set",
            bands=[{"upto": "5", "ratio": "1"}, {"upto": "4", "ratio": "1"}, {"upto": None, "ratio": "1"}],
        ),
        "x",
        "rules[1].set.bands",
        document.BANDS_NOT_INCREASING,
    ),
    "set deductible to null": (
        set_rule("set", deductible=None),
        "x",
        "rules[1].set.deductible",
        document.NOT_NULLABLE,
    ),
    "skip not a boolean": (set_rule("set", skip="yes"), "x", "rules[1].set.skip", document.NOT_BOOL),
    # enrollment and monitoring
    "enrollment not an object": (
        lambda d: d.update(enrollment="full"),
        None,
        "enrollment",
        document.NOT_OBJECT,
    ),
    "enrollment without premium": (
        lambda d: d.update(enrollment={"subsidies": [{"categories": ["poor"], "amount": "full"}]}),
        None,
        "enrollment.premium",
        document.REQUIRED,
    ),
    "enrollment with an unknown key": (
        lambda d: d.update(enrollment={"premium": "250", "subsidies": [], "deadline": "2017-12-31"}),
        None,
        "enrollment.deadline",
        document.UNKNOWN_FIELD,
    ),
    "subsidy neither full nor money": (
        lambda d: d.update(
            enrollment={"premium": "250", "subsidies": [{"categories": ["poor"], "amount": "half"}]}
        ),
        None,
        "enrollment.subsidies[1].amount",
        document.NOT_MONEY,
    ),
    "subsidy above the premium": (
        lambda d: d.update(
            enrollment={"premium": "250", "subsidies": [{"categories": ["poor"], "amount": "300"}]}
        ),
        None,
        "enrollment.subsidies[1].amount",
        document.SUBSIDY_ABOVE_PREMIUM,
    ),
    "subsidy without categories": (
        lambda d: d.update(
            enrollment={"premium": "250", "subsidies": [{"categories": [], "amount": "full"}]}
        ),
        None,
        "enrollment.subsidies[1].categories",
        document.NOT_LIST,
    ),
    "monitoring share above one": (
        lambda d: d.update(
            monitoring={
                "reference_income": "15000",
                "rules": [{"categories": ["poor"], "share": "1.5", "label": "x"}],
            }
        ),
        None,
        "monitoring.rules[1].share",
        document.NOT_RATIO,
    ),
    "monitoring rule without label": (
        lambda d: d.update(
            monitoring={"reference_income": "15000", "rules": [{"categories": ["poor"], "share": "1"}]}
        ),
        None,
        "monitoring.rules[1].label",
        document.REQUIRED,
    ),
    "monitoring with negative income": (
        lambda d: d.update(
            monitoring={
                "reference_income": "-1",
                "rules": [{"categories": ["poor"], "share": "1", "label": "x"}],
            }
        ),
        None,
        "monitoring.reference_income",
        document.MONEY_NEGATIVE,
    ),
    "monitoring with an unknown key": (
        lambda d: d.update(monitoring={"reference_income": "1", "rules": [], "source": "统计局"}),
        None,
        "monitoring.source",
        document.UNKNOWN_FIELD,
    ),
}


@pytest.mark.parametrize("case", REFUSALS, ids=list(REFUSALS))
def test_a_bad_document_is_refused_naming_the_layer_and_field(case):
    # given
    change, layer_code, field, message = REFUSALS[case]

    # when
    issues = refused(mutated(change))

    # then
    assert PolicyIssue(layer_code, field, message) in issues


def test_a_document_that_is_not_an_object_is_refused():
    assert [str(issue) for issue in refused(["layers"])] == [document.NOT_A_POLICY]


def test_paying_bands_are_cut_at_the_deductible():
    # given
    terms = (
        parse_policy(
            policy_document(
                layer(
                    deductible="7094",
                    bands=[
                        {"upto": "5000", "ratio": "0.2"},
                        {"upto": "100000", "ratio": "0.5"},
                        {"upto": None, "ratio": "0.6"},
                    ],
                )
            )
        )
        .layers[0]
        .terms
    )

    # then: the first band lies wholly below the deductible
    assert terms.paying_bands == (
        (Decimal("7094.00"), Decimal("100000.00"), Decimal("0.5")),
        (Decimal("100000.00"), None, Decimal("0.6")),
    )


def test_bands_paying_nothing_are_left_out():
    terms = (
        parse_policy(
            policy_document(layer(bands=[{"upto": "5000", "ratio": "0"}, {"upto": None, "ratio": "0.3"}]))
        )
        .layers[0]
        .terms
    )
    assert terms.paying_bands == ((Decimal("5000.00"), None, Decimal("0.3")),)
