"""Properties over random policies and bills (hypothesis).

The invariants of ``reimbursement.md`` hold whatever the policy and the bills; a one-layer policy
pays what a plain transcription of steps 2.2–2.8 computes; and a year-scoped layer without caps
pays over a person's year what F gives for the sum of the bases, within a fen per bill.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policies.document import BASES, FUNDS, HOSPITAL_LEVELS, VISIT_TYPES, parse_policy
from policies.engine import ClaimInput, settle_claims

from .builders import policy_document

CATEGORIES = ("poor", "dibao_rural", "tekun_rural", "marginal")
INSURANCES = ("resident_basic", "supplementary")
DISEASES = ("C34.900", "I10", "E11.900")
CENT = Decimal("0.01")

# The machine may be busy: no deadline per example.
relaxed = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def money(low: int = 0, high: int = 20_000_000):
    """Whole fen between low and high fen, as decimal text."""
    return st.integers(low, high).map(lambda fen: str(Decimal(fen).scaleb(-2)))


ratios = st.integers(0, 100).map(lambda percent: str(Decimal(percent) / 100))


def subset(values):
    return st.lists(st.sampled_from(values), min_size=1, max_size=len(values), unique=True)


@st.composite
def bands(draw):
    uptos = draw(st.lists(st.integers(1, 20_000_000), max_size=3, unique=True).map(sorted))
    return [{"upto": str(Decimal(u).scaleb(-2)), "ratio": draw(ratios)} for u in uptos] + [
        {"upto": None, "ratio": draw(ratios)}
    ]


TERMS = {
    "deductible": money(high=3_000_000),
    "min_base": money(high=1_000_000),
    "base_share_of_total": ratios,
    "bands": bands(),
    "cap_per_visit": money(high=5_000_000),
    "cap_per_year": money(high=10_000_000),
}


@st.composite
def rules(draw):
    when_choices = {
        "categories": subset(CATEGORIES),
        "hospital_levels": subset(list(HOSPITAL_LEVELS)),
        "visit_types": subset(list(VISIT_TYPES)),
        "diseases": subset(["C34", "I1", "E11.9"]),
    }
    when = {key: draw(strategy) for key, strategy in when_choices.items() if draw(st.booleans())}
    if draw(st.integers(0, 5)) == 0:
        return {"when": when, "set": {"skip": True}}
    overrides = {key: draw(strategy) for key, strategy in TERMS.items() if draw(st.integers(0, 3)) == 0}
    for cap in ("base_share_of_total", "cap_per_visit", "cap_per_year"):
        if cap not in overrides and draw(st.integers(0, 6)) == 0:
            overrides[cap] = None  # removes the layer's limit
    return {"when": when, "set": overrides}


@st.composite
def layers(draw, code: str):
    layer = {
        "code": code,
        "name": code,
        "fund": draw(st.sampled_from(list(FUNDS))),
        "base": draw(st.sampled_from(list(BASES))),
        "scope": draw(st.sampled_from(["visit", "year"])),
    }
    if draw(st.booleans()):
        layer["visit_types"] = draw(subset(list(VISIT_TYPES)))
    if draw(st.booleans()):
        layer["hospital_levels"] = draw(subset(list(HOSPITAL_LEVELS)))
    if draw(st.booleans()):
        layer["categories"] = draw(subset(CATEGORIES))
    if draw(st.booleans()):
        layer["insurance"] = draw(st.sampled_from(INSURANCES))
    for key, strategy in TERMS.items():
        if draw(st.booleans()):
            layer[key] = draw(strategy)
    layer["rules"] = draw(st.lists(rules(), max_size=2))
    return layer


@st.composite
def policies(draw):
    count = draw(st.integers(1, 5))
    return parse_policy(policy_document(*(draw(layers(f"l{n}")) for n in range(count))))


@st.composite
def bills(draw, count=None, people=("P1", "P2")):
    drawn = []
    for number in range(draw(count if count is not None else st.integers(1, 8))):
        total = draw(st.integers(0, 30_000_000))
        in_catalog = draw(st.integers(0, total))
        drawn.append(
            ClaimInput(
                id=f"C{number}",
                person=draw(st.sampled_from(people)),
                categories=frozenset(draw(st.lists(st.sampled_from(CATEGORIES), max_size=2))),
                insurances=frozenset(draw(st.lists(st.sampled_from(INSURANCES), max_size=2))),
                visit_type=draw(st.sampled_from(list(VISIT_TYPES))),
                hospital_level=draw(st.sampled_from(list(HOSPITAL_LEVELS))),
                diseases=tuple(draw(st.lists(st.sampled_from(DISEASES), max_size=2))),
                date=datetime.date(2017, 1, 1) + datetime.timedelta(days=draw(st.integers(0, 364))),
                total=Decimal(total).scaleb(-2),
                in_catalog=Decimal(in_catalog).scaleb(-2),
            )
        )
    return drawn


def effective_terms(layer, bill):
    for rule in layer.rules:
        if rule.when.matches(bill.categories, bill.hospital_level, bill.visit_type, bill.diseases):
            return rule.terms
    return layer.terms


@relaxed
@given(policies(), bills())
def test_invariants_hold_whatever_the_policy_and_bills(policy, drawn):
    # when
    settlements = settle_claims(policy, drawn)

    # then
    paid_before: dict[tuple[str, str], Decimal] = {}
    for bill, settlement in zip(drawn, settlements):
        paid = sum(p.amount for p in settlement.payments)
        assert all(p.amount >= 0 for p in settlement.payments)
        assert all(p.amount == p.amount.quantize(CENT) for p in settlement.payments)
        assert paid <= bill.total
        assert settlement.personal == bill.total - paid >= 0
        assert 0 <= settlement.in_catalog_personal <= bill.in_catalog
        assert sum(settlement.by_fund.values()) == paid
        for layer, payment in zip(policy.layers, settlement.payments):
            terms = effective_terms(layer, bill)
            before = paid_before.get((bill.person, layer.code), Decimal(0))
            if terms.cap_per_year is not None:
                assert payment.amount <= max(Decimal(0), terms.cap_per_year - before)
            if terms.cap_per_visit is not None:
                assert payment.amount <= terms.cap_per_visit
            if not payment.applied:
                assert payment.amount == 0
            paid_before[(bill.person, layer.code)] = before + payment.amount


@relaxed
@given(policies(), bills(), st.integers(0, 100))
def test_invariants_hold_with_an_amount_recorded_on_the_first_layer(policy, drawn, percent):
    # given: the platform paid part of what the first layer could pay from
    first = policy.layers[0]
    recorded = []
    for bill in drawn:
        pool = {"in_catalog": bill.in_catalog, "out_of_catalog": bill.total - bill.in_catalog}.get(
            first.base, bill.total
        )
        amount = (pool * percent / 100).quantize(CENT, rounding="ROUND_DOWN")
        recorded.append(
            ClaimInput(
                **{**{f: getattr(bill, f) for f in ClaimInput.__slots__}, "recorded": {first.code: amount}}
            )
        )

    # when
    settlements = settle_claims(policy, recorded)

    # then
    for bill, settlement in zip(recorded, settlements):
        paid = sum(p.amount for p in settlement.payments)
        assert settlement.payments[0].amount == bill.recorded[first.code]
        assert all(p.amount >= 0 for p in settlement.payments)
        assert paid <= bill.total and settlement.personal >= 0
        assert 0 <= settlement.in_catalog_personal <= bill.in_catalog


# --- Against a plain transcription of the spec --------------------------------------------------


def banded(x: Decimal, deductible: Decimal, band_list) -> Decimal:
    """F(x) = Σ ratio × length of [max(band_lo, deductible), min(x, band_hi)]."""
    result, band_lo = Decimal(0), Decimal(0)
    for band in band_list:
        band_hi = x if band.upto is None else band.upto
        length = min(x, band_hi) - max(band_lo, deductible)
        if length > 0:
            result += band.ratio * length
        if band.upto is not None:
            band_lo = band.upto
    return result


def reference_year(layer, bills_in_order):
    """What one layer pays on each bill of one person-year, step by step from the spec."""
    accumulated, paid_this_year, payments = Decimal(0), Decimal(0), []
    for bill in bills_in_order:
        t = layer.terms
        pools = {"in_catalog": bill.in_catalog, "out_of_catalog": bill.total - bill.in_catalog}
        b = pools.get(layer.base, bill.total)
        if b <= t.min_base:
            payments.append(Decimal("0.00"))
            continue
        if t.base_share_of_total is not None:
            b = min(b, t.base_share_of_total * bill.total)
        if b == 0:
            payments.append(Decimal("0.00"))
            continue
        if layer.scope == "visit":
            raw = banded(b, t.deductible, t.bands)
        else:
            raw = banded(accumulated + b, t.deductible, t.bands) - banded(accumulated, t.deductible, t.bands)
            accumulated += b
        if t.cap_per_visit is not None:
            raw = min(raw, t.cap_per_visit)
        if t.cap_per_year is not None:
            raw = min(raw, max(Decimal(0), t.cap_per_year - paid_this_year))
        payment = raw.quantize(CENT, rounding=ROUND_HALF_UP)
        paid_this_year += payment
        payments.append(payment)
    return payments


@st.composite
def one_plain_layer(draw):
    layer = draw(layers("only"))
    for key in ("visit_types", "hospital_levels", "categories", "insurance", "rules"):
        layer.pop(key, None)
    return parse_policy(policy_document(layer))


@relaxed
@given(one_plain_layer(), bills(people=("P1",)))
def test_one_layer_pays_what_the_spec_computes(policy, drawn):
    # when
    settlements = settle_claims(policy, drawn)

    # then
    assert [s.payments[0].amount for s in settlements] == reference_year(policy.layers[0], drawn)


@st.composite
def year_scoped_without_caps(draw):
    layer = {
        "code": "critical",
        "name": "大病保险",
        "fund": "critical",
        "base": "in_catalog",
        "scope": "year",
        "deductible": draw(money(high=3_000_000)),
        "bands": draw(bands()),
    }
    return parse_policy(policy_document(layer))


@relaxed
@given(year_scoped_without_caps(), bills(count=st.integers(1, 12), people=("P1",)))
def test_a_year_scoped_layer_pays_over_the_year_what_f_gives_for_the_sum_of_the_bases(policy, drawn):
    # given
    layer = policy.layers[0]

    # when
    settlements = settle_claims(policy, drawn)

    # then
    paid = sum(s.payments[0].amount for s in settlements)
    expected = banded(sum(bill.in_catalog for bill in drawn), layer.terms.deductible, layer.terms.bands)
    assert abs(paid - expected) <= CENT * len(drawn)
    assert sum(s.payments[0].base_added for s in settlements) == sum(bill.in_catalog for bill in drawn)
