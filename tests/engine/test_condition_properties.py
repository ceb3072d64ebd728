"""The conditions against a plain reading of the spec (hypothesis).

Random policies whose layers and rules use every ``when`` key (a layer's own ``when`` too) and
random bills of two people over two calendar years are settled by the engine and by
``naive_settle`` below: "Settling one bill" of ``reimbursement.md`` written out step by step, with
its own matching, its own age arithmetic and its own year-to-date bookkeeping. It reads the parsed
policy's dataclasses and nothing else of the engine. Both must give the same payment on every
layer of every bill, to the fen, and the same personal amounts.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policies.document import BASES, FUNDS, HOSPITAL_LEVELS, VISIT_TYPES, parse_policy
from policies.engine import ClaimInput, YearToDate, settle_claim, settle_claims

from .builders import policy_document

CATEGORIES = ("poor", "dibao_rural", "marginal")
INSURANCES = ("resident_basic", "supplementary")
DISEASES = ("C50.900", "C91.000", "I10")
HOSPITALS = ("H-TCM", "H-PEOPLE", "H-CITY")
CENT = Decimal("0.01")
ZERO = Decimal(0)

# Days where the conditions change their mind: the turn of the year, leap days, mid-year.
EDGE_DAYS = [
    datetime.date(2023, 1, 1), datetime.date(2023, 2, 28), datetime.date(2023, 3, 1),
    datetime.date(2023, 6, 30), datetime.date(2023, 7, 1), datetime.date(2023, 12, 31),
    datetime.date(2024, 1, 1), datetime.date(2024, 2, 28), datetime.date(2024, 2, 29),
    datetime.date(2024, 3, 1), datetime.date(2024, 6, 30), datetime.date(2024, 7, 1),
    datetime.date(2024, 12, 31),
]
EDGE_BIRTHS = [
    datetime.date(2012, 2, 29), datetime.date(2006, 2, 28), datetime.date(2006, 3, 1),
    datetime.date(1964, 7, 1), datetime.date(1963, 12, 31), datetime.date(2000, 2, 29),
]

# The ages the edge births reach on the edge days, and one less.
EDGE_AGES = [10, 11, 12, 17, 18, 23, 24, 59, 60]
ages = st.one_of(st.sampled_from(EDGE_AGES), st.integers(0, 90))

# The machine may be busy: no deadline per example. More examples where a plan shared by bills it
# should not be could show.
relaxed = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
thorough = settings(relaxed, max_examples=150)


def days_between(start: datetime.date, end: datetime.date):
    return st.integers(0, (end - start).days).map(lambda n: start + datetime.timedelta(days=n))


claim_days = st.one_of(
    st.sampled_from(EDGE_DAYS), days_between(datetime.date(2023, 1, 1), datetime.date(2024, 12, 31))
)
condition_days = st.one_of(
    st.sampled_from(EDGE_DAYS), days_between(datetime.date(2022, 12, 1), datetime.date(2025, 1, 31))
)
births = st.one_of(
    st.none(),
    st.sampled_from(EDGE_BIRTHS),
    days_between(datetime.date(1935, 1, 1), datetime.date(2022, 12, 31)),
)


def money(high: int):
    return st.integers(0, high).map(lambda fen: str(Decimal(fen).scaleb(-2)))


ratios = st.integers(0, 100).map(lambda percent: str(Decimal(percent) / 100))


def subset(values):
    return st.lists(st.sampled_from(values), min_size=1, max_size=len(values), unique=True)


@st.composite
def bands(draw):
    uptos = draw(st.lists(st.integers(1, 5_000_000), max_size=2, unique=True).map(sorted))
    return [{"upto": str(Decimal(u).scaleb(-2)), "ratio": draw(ratios)} for u in uptos] + [
        {"upto": None, "ratio": draw(ratios)}
    ]


TERMS = {
    "deductible": money(1_000_000),
    "min_base": money(300_000),
    "base_share_of_total": ratios,
    "bands": bands(),
    "cap_per_visit": money(3_000_000),
    "cap_per_year": money(5_000_000),
}


@st.composite
def whens(draw):
    """A ``when`` with any of its keys, the new ones more often than not."""
    when = {}
    old = {
        "categories": subset(CATEGORIES),
        "hospital_levels": subset(list(HOSPITAL_LEVELS)),
        "visit_types": subset(list(VISIT_TYPES)),
        "diseases": subset(["C50", "C91", "I1"]),
    }
    for key, strategy in old.items():
        if draw(st.integers(0, 3)) == 0:
            when[key] = draw(strategy)
    new = {
        "hospitals": subset(list(HOSPITALS)),
        "in_county": st.booleans(),
        "referred": st.booleans(),
        "sex": st.sampled_from(["male", "female"]),
    }
    for key, strategy in new.items():
        if draw(st.integers(0, 2)) == 0:
            when[key] = draw(strategy)
    if draw(st.integers(0, 2)) == 0:
        low, high = sorted(draw(st.lists(ages, min_size=2, max_size=2)))
        which = draw(st.sampled_from(["min", "max", "both"]))
        if which != "max":
            when["age_min"] = low
        if which != "min":
            when["age_max"] = high
    if draw(st.integers(0, 2)) == 0:
        start, end = sorted(draw(st.lists(condition_days, min_size=2, max_size=2)))
        which = draw(st.sampled_from(["from", "to", "both"]))
        if which != "to":
            when["date_from"] = start.isoformat()
        if which != "from":
            when["date_to"] = end.isoformat()
    return when


@st.composite
def rules(draw):
    when = draw(whens())
    if draw(st.integers(0, 5)) == 0:
        return {"when": when, "set": {"skip": True}}
    overrides = {key: draw(strategy) for key, strategy in TERMS.items() if draw(st.integers(0, 2)) == 0}
    for cap in ("base_share_of_total", "cap_per_visit", "cap_per_year"):
        if cap not in overrides and draw(st.integers(0, 6)) == 0:
            overrides[cap] = None
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
    if draw(st.integers(0, 3)) == 0:
        layer["visit_types"] = draw(subset(list(VISIT_TYPES)))
    if draw(st.integers(0, 3)) == 0:
        layer["categories"] = draw(subset(CATEGORIES))
    if draw(st.integers(0, 4)) == 0:
        layer["insurance"] = draw(st.sampled_from(INSURANCES))
    if draw(st.booleans()):
        layer["when"] = draw(whens())
    for key, strategy in TERMS.items():
        if draw(st.booleans()):
            layer[key] = draw(strategy)
    layer["rules"] = draw(st.lists(rules(), max_size=3))
    return layer


@st.composite
def policies(draw):
    count = draw(st.integers(1, 4))
    return parse_policy(
        policy_document(*(draw(layers(f"l{n}")) for n in range(count)), year=2023, until_year=2024)
    )


@st.composite
def alike_in(draw):
    """What the plans have always looked at: the same for every bill half of the time, so that
    bills differ only in what the conditions read and must not share a plan they should not."""
    return {
        "categories": frozenset(draw(st.lists(st.sampled_from(CATEGORIES), max_size=2))),
        "insurances": frozenset(draw(st.lists(st.sampled_from(INSURANCES), max_size=2))),
        "visit_type": draw(st.sampled_from(list(VISIT_TYPES))),
        "hospital_level": draw(st.sampled_from(list(HOSPITAL_LEVELS))),
        "diseases": tuple(draw(st.lists(st.sampled_from(DISEASES), max_size=2))),
    }


@st.composite
def bills(draw, record_on: str | None = None):
    drawn = []
    people = {
        person: (draw(births), draw(st.sampled_from([None, "male", "female"])))
        for person in ("P1", "P2")
    }
    same = draw(st.booleans())
    common = draw(alike_in())
    # Each fact of the hospital is, half of the time, the same for every bill.
    hospital_facts = {
        "hospital": st.one_of(st.none(), st.sampled_from(HOSPITALS)),
        "in_county": st.booleans(),
        "referred": st.booleans(),
    }
    for key, strategy in list(hospital_facts.items()):
        if draw(st.booleans()):
            hospital_facts[key] = st.just(draw(strategy))
    for number in range(draw(st.integers(1, 10))):
        person = draw(st.sampled_from(sorted(people)))
        birth_date, sex = people[person]
        alike = common if same else draw(alike_in())
        total = draw(st.integers(0, 10_000_000))
        in_catalog = draw(st.integers(0, total))
        recorded = {}
        if record_on is not None and draw(st.integers(0, 2)) == 0:
            recorded[record_on] = draw(st.integers(0, 100))  # percent of the pool, made an amount later
        drawn.append(
            ClaimInput(
                id=f"C{number}",
                person=person,
                **alike,
                date=draw(claim_days),
                total=Decimal(total).scaleb(-2),
                in_catalog=Decimal(in_catalog).scaleb(-2),
                recorded=recorded,
                hospital=draw(hospital_facts["hospital"]),
                in_county=draw(hospital_facts["in_county"]),
                referred=draw(hospital_facts["referred"]),
                birth_date=birth_date,
                sex=sex,
            )
        )
    return drawn


# --- The naive reading ------------------------------------------------------------------------------


def naive_age(born: datetime.date, on: datetime.date) -> int:
    """Full years: count the birthdays up to and including ``on``; 29 February is kept on 1 March
    in a common year."""
    years = on.year - born.year
    try:
        birthday_this_year = born.replace(year=on.year)
    except ValueError:  # 29 February in a common year
        birthday_this_year = datetime.date(on.year, 3, 1)
    if on < birthday_this_year:
        years -= 1
    return years


def naive_matches(when, bill) -> bool:
    """Every key present must hold."""
    checks = []
    if when.categories is not None:
        checks.append(len(set(when.categories) & set(bill.categories)) > 0)
    if when.hospital_levels is not None:
        checks.append(bill.hospital_level in when.hospital_levels)
    if when.visit_types is not None:
        checks.append(bill.visit_type in when.visit_types)
    if when.diseases is not None:
        checks.append(
            any(code.upper().startswith(prefix) for code in bill.diseases for prefix in when.diseases)
        )
    if when.hospitals is not None:
        checks.append(bill.hospital is not None and bill.hospital in when.hospitals)
    if when.in_county is not None:
        checks.append(bill.in_county == when.in_county)
    if when.referred is not None:
        checks.append(bill.referred == when.referred)
    if when.sex is not None:
        checks.append(bill.sex is not None and bill.sex == when.sex)
    if when.age_min is not None:
        checks.append(bill.birth_date is not None and naive_age(bill.birth_date, bill.date) >= when.age_min)
    if when.age_max is not None:
        checks.append(bill.birth_date is not None and naive_age(bill.birth_date, bill.date) <= when.age_max)
    if when.date_from is not None:
        checks.append(bill.date >= when.date_from)
    if when.date_to is not None:
        checks.append(bill.date <= when.date_to)
    return all(checks)


def naive_terms(layer, bill) -> tuple[dict, bool]:
    """The layer's amounts overridden by the first matching rule's ``set``, and whether it skips."""
    terms = {
        "deductible": layer.terms.deductible,
        "min_base": layer.terms.min_base,
        "base_share_of_total": layer.terms.base_share_of_total,
        "bands": layer.terms.bands,
        "cap_per_visit": layer.terms.cap_per_visit,
        "cap_per_year": layer.terms.cap_per_year,
    }
    for rule in layer.rules:
        if naive_matches(rule.when, bill):
            for key, value in rule.overrides:
                terms[key] = value
            return terms, rule.skip
    return terms, False


def naive_applies(layer, bill) -> bool:
    return (
        bill.visit_type in layer.visit_types
        and bill.hospital_level in layer.hospital_levels
        and (layer.categories is None or len(set(layer.categories) & set(bill.categories)) > 0)
        and (layer.insurance is None or layer.insurance in bill.insurances)
        and (layer.when is None or naive_matches(layer.when, bill))
    )


def banded(x: Decimal, deductible: Decimal, band_list) -> Decimal:
    """F(x) = Σ ratio × length of [max(band_lo, deductible), min(x, band_hi)]."""
    result, band_lo = ZERO, ZERO
    for band in band_list:
        band_hi = x if band.upto is None else band.upto
        length = min(x, band_hi) - max(band_lo, deductible)
        if length > 0:
            result += band.ratio * length
        if band.upto is not None:
            band_lo = band.upto
    return result


def naive_settle(policy, bills):
    """Per bill, (payments by layer, personal, in_catalog_personal)."""
    accumulated = {}  # (person, year, layer code) → C
    paid_this_year = {}  # (person, year, layer code) → paid
    results = []
    for bill in bills:
        pool_in = bill.in_catalog
        pool_out = bill.total - bill.in_catalog
        payments = []
        for layer in policy.layers:
            key = (bill.person, bill.date.year, layer.code)
            c = accumulated.get(key, ZERO)
            paid = paid_this_year.get(key, ZERO)
            terms, skip = naive_terms(layer, bill)
            if layer.base == "in_catalog":
                b = pool_in
            elif layer.base == "out_of_catalog":
                b = pool_out
            else:
                b = pool_in + pool_out
            if layer.code in bill.recorded:
                payment = bill.recorded[layer.code]
                if terms["base_share_of_total"] is not None:
                    b = min(b, terms["base_share_of_total"] * bill.total)
                accumulated[key] = c + b
            elif not naive_applies(layer, bill) or skip:
                payment = ZERO
            elif b <= terms["min_base"]:
                payment = ZERO
            else:
                if terms["base_share_of_total"] is not None:
                    b = min(b, terms["base_share_of_total"] * bill.total)
                if b == 0:
                    payment = ZERO
                else:
                    if layer.scope == "visit":
                        raw = banded(b, terms["deductible"], terms["bands"])
                    else:
                        raw = banded(c + b, terms["deductible"], terms["bands"]) - banded(
                            c, terms["deductible"], terms["bands"]
                        )
                        accumulated[key] = c + b
                    if terms["cap_per_visit"] is not None:
                        raw = min(raw, terms["cap_per_visit"])
                    if terms["cap_per_year"] is not None:
                        raw = min(raw, max(ZERO, terms["cap_per_year"] - paid))
                    payment = raw.quantize(CENT, rounding=ROUND_HALF_UP)
            paid_this_year[key] = paid + payment
            if layer.base == "in_catalog":
                pool_in -= payment
            elif layer.base == "out_of_catalog":
                pool_out -= payment
            else:
                from_in = min(payment, pool_in)
                pool_in -= from_in
                pool_out -= payment - from_in
            payments.append(payment)
        results.append((payments, pool_in + pool_out, pool_in))
    return results


def engine_results(settlements):
    return [
        ([p.amount for p in s.payments], s.personal, s.in_catalog_personal) for s in settlements
    ]


# --- Properties -------------------------------------------------------------------------------------


@thorough
@given(policies(), bills())
def test_the_engine_pays_what_the_naive_reading_pays(policy, drawn):
    assert engine_results(settle_claims(policy, drawn)) == naive_settle(policy, drawn)


@relaxed
@given(policies(), bills())
def test_a_layer_applies_exactly_when_the_naive_reading_says_so(policy, drawn):
    for bill, settlement in zip(drawn, settle_claims(policy, drawn)):
        for layer, payment in zip(policy.layers, settlement.payments):
            terms, skip = naive_terms(layer, bill)
            assert payment.applied == (naive_applies(layer, bill) and not skip)
            if not payment.applied:
                assert payment.amount == 0 and payment.base_added == 0
                assert payment.explanation.startswith("不适用：")


def with_recorded_amounts(policy, drawn):
    """The drawn percent on the first layer made an amount of that layer's whole pool, which is
    what it may take at most (it comes first)."""
    first = policy.layers[0]
    bills = []
    for bill in drawn:
        recorded = {}
        if "first" in bill.recorded:
            pool = {"in_catalog": bill.in_catalog, "out_of_catalog": bill.total - bill.in_catalog}.get(
                first.base, bill.total
            )
            recorded[first.code] = (pool * bill.recorded["first"] / 100).quantize(CENT, rounding="ROUND_DOWN")
        fields = {name: getattr(bill, name) for name in ClaimInput.__slots__}
        bills.append(ClaimInput(**(fields | {"recorded": recorded})))
    return bills


@relaxed
@given(policies(), bills(record_on="first"))
def test_with_amounts_recorded_on_the_first_layer_too(policy, drawn):
    drawn = with_recorded_amounts(policy, drawn)
    assert engine_results(settle_claims(policy, drawn)) == naive_settle(policy, drawn)


@thorough
@given(policies(), bills(record_on="first"), st.booleans())
def test_a_run_gives_what_each_bill_gives_on_its_own(policy, drawn, named):
    # given: plans shared over the run, against a fresh plan for every bill
    drawn = with_recorded_amounts(policy, drawn)
    names = {"H-TCM": "县中医院", "H-PEOPLE": "县人民医院"} if named else None

    # when
    together = settle_claims(policy, drawn, hospital_names=names)
    years: dict = {}
    alone = []
    for bill in drawn:
        key = (bill.person, bill.date.year)
        before = years.get(key, YearToDate())
        settlement, years[key] = settle_claim(policy, bill, before, hospital_names=names)
        alone.append(settlement)

    # then: the same amounts and the same explanations
    assert together == alone


@st.composite
def near_birthdays(draw):
    """A bill on a person's birthday, or the day before or after it, in 2023 or 2024."""
    born = draw(
        st.one_of(
            st.sampled_from(EDGE_BIRTHS), days_between(datetime.date(1935, 1, 1), datetime.date(2021, 12, 31))
        )
    )
    year = draw(st.sampled_from([2023, 2024]))
    try:
        anniversary = born.replace(year=year)
    except ValueError:
        anniversary = datetime.date(year, 2, 28) + datetime.timedelta(days=draw(st.integers(0, 1)))
    day = anniversary + datetime.timedelta(days=draw(st.integers(-1, 1)))
    return born, day


@relaxed
@given(near_birthdays(), st.integers(-1, 1), st.sampled_from(["age_min", "age_max"]))
def test_age_limits_hold_at_the_birthday_whatever_the_year(born_on, offset, key):
    # given: a limit at the age the person reaches on the bill's date, or one more or less
    born, day = born_on
    limit = max(0, naive_age(born, day) + offset)
    policy = parse_policy(
        policy_document(
            {
                "code": "a",
                "name": "a",
                "fund": "other",
                "base": "in_catalog",
                "bands": [{"upto": None, "ratio": "0.5"}],
                "rules": [{"when": {key: limit}, "set": {"skip": True}}],
            },
            year=2023,
        )
    )
    bill = ClaimInput(
        id="C1",
        person="P1",
        categories=frozenset(),
        insurances=frozenset(),
        visit_type="inpatient",
        hospital_level="county",
        date=day,
        total=Decimal("100.00"),
        in_catalog=Decimal("100.00"),
        birth_date=born,
    )

    # then
    assert engine_results(settle_claims(policy, [bill])) == naive_settle(policy, [bill])
