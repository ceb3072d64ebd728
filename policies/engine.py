"""The reimbursement cascade (一站式结算): settle one bill through every layer of a policy.

Implements ``reimbursement.md`` ("Settling one bill") step by step; choices where the spec is
silent are in ``docs/engine.md``. Pure: no Django, no database, no settings. What earlier bills of
the person-year left behind comes in as a ``YearToDate`` and the new one goes out with the result,
so the database can rebuild it from stored payments (``YearToDate.from_payments``).

Money is ``Decimal`` throughout; a payment is rounded once, half up to the fen, by
``quantize_money``. Intermediate amounts (a base cut by ``base_share_of_total``, a year's
accumulated base) are kept exact.
"""

from __future__ import annotations

import datetime
import gc
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from operator import itemgetter
from types import MappingProxyType
from typing import NamedTuple, Protocol

from .document import (
    BASES,
    CENT,
    FUNDS,
    HOSPITAL_LEVELS,
    MONEY_LIMIT,
    SEXES,
    VISIT_TYPES,
    ZERO,
    Layer,
    LayerTerms,
    Policy,
    Rule,
    RuleCondition,
    age_on,
    category_names,
    within,
)


def quantize_money(amount: Decimal) -> Decimal:
    """The one rounding of money: half up to 0.01 yuan."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimInput:
    """One bill, with what the person held on its date."""

    id: str
    person: str
    categories: frozenset[str]
    insurances: frozenset[str]
    visit_type: str
    hospital_level: str
    diseases: tuple[str, ...] = ()  # ICD-10 codes, e.g. "C34.900"
    date: datetime.date
    total: Decimal
    in_catalog: Decimal
    # Amounts the medical-insurance platform already paid, by layer code: taken as they are.
    recorded: Mapping[str, Decimal] = field(default_factory=dict)
    # What conditions may test besides (reimbursement.md, "Conditions on the hospital, the person
    # and the date").
    hospital: str | None = None  # the hospital's code (定点医疗机构编码)
    in_county: bool = False  # the hospital lies inside the policy's county (县域内)
    referred: bool = False  # treated on a referral by the rules (按规定转诊 / 异地就医备案)
    birth_date: datetime.date | None = None
    sex: str | None = None  # male / female


# The results are named tuples: immutable like a frozen dataclass, but built in one call where a
# frozen dataclass sets each field through object.__setattr__ (three times as slow, and a run builds
# three or four payments a bill). Built by keyword, read by attribute.
class LayerPayment(NamedTuple):
    layer: str  # layer code
    name: str
    fund: str
    amount: Decimal
    applied: bool  # the layer's conditions (visit type, level, category, insurance, when, rules) held
    # What this bill adds to the layer's accumulated base of the year; may carry more than two
    # decimals when base_share_of_total cut the base.
    base_added: Decimal
    explanation: str
    recorded: bool = False  # amount taken from the claim's ``recorded``, not computed


class ClaimSettlement(NamedTuple):
    claim_id: str
    total: Decimal
    payments: tuple[LayerPayment, ...]  # every layer, in policy order
    by_fund: dict[str, Decimal]  # basic, critical, assistance, other
    personal: Decimal  # total − all payments (个人自付)
    in_catalog_personal: Decimal  # what is left of the in-catalog pool (政策范围内个人自付)


class LayerTotals(NamedTuple):
    base: Decimal = ZERO  # accumulated base C
    paid: Decimal = ZERO  # paid_this_year


NOTHING_YET = LayerTotals()


class SettledPayment(Protocol):
    """What ``YearToDate`` needs of a stored payment: a ``LayerPayment`` or a database row alike."""

    layer: str
    amount: Decimal
    base_added: Decimal


@dataclass(frozen=True)
class YearToDate:
    """One person's totals per layer code within a year, before the next bill."""

    totals: Mapping[str, LayerTotals] = field(default_factory=dict)

    @classmethod
    def from_payments(cls, payments: Iterable[SettledPayment]) -> YearToDate:
        """Rebuild from the payments of the person's earlier bills that year."""
        return cls().after(payments)

    def of(self, layer_code: str) -> LayerTotals:
        return self.totals.get(layer_code, NOTHING_YET)

    def after(self, payments: Iterable[SettledPayment]) -> YearToDate:
        totals = dict(self.totals)
        _carry(totals, payments)
        return YearToDate(MappingProxyType(totals))


def _carry(totals: dict[str, LayerTotals], payments: Iterable[SettledPayment]) -> None:
    """Add what the payments paid and added to the base to ``totals`` (by layer code), in place."""
    for payment in payments:
        if payment.amount or payment.base_added:
            before = totals.get(payment.layer, NOTHING_YET)
            totals[payment.layer] = LayerTotals(before.base + payment.base_added, before.paid + payment.amount)


@dataclass(frozen=True)
class ClaimIssue:
    claim: str  # claim id
    field: str
    message: str

    def __str__(self) -> str:
        return f'账单 "{self.claim}" 的字段 "{self.field}"：{self.message}'


class ClaimError(ValueError):
    """A bill the engine cannot settle; ``errors`` lists why."""

    def __init__(self, errors: Iterable[ClaimIssue]):
        self.errors = list(errors)
        super().__init__("\n".join(str(issue) for issue in self.errors))


# Messages, shared with the tests.
UNKNOWN_VISIT_TYPE = '未知就诊类型 "{value}"，可选：' + "、".join(VISIT_TYPES)
UNKNOWN_HOSPITAL_LEVEL = '未知医疗机构级别 "{value}"，可选：' + "、".join(HOSPITAL_LEVELS)
NOT_MONEY = "必须是以元为单位的金额"
NEGATIVE_AMOUNT = "金额不能为负数"
TOO_MANY_DECIMALS = "金额最多两位小数"
AMOUNT_TOO_LARGE = "金额过大"
IN_CATALOG_ABOVE_TOTAL = "政策范围内费用不能超过总费用"
UNKNOWN_LAYER = "政策中没有这一层"
RECORDED_ABOVE_POOL = "已结算金额 {amount} 超过本层可支付的{pool_name}余额 {pool}"
UNKNOWN_SEX = '未知性别 "{value}"，可选：' + "、".join(SEXES)
BORN_AFTER_DATE = "出生日期晚于就诊日期"


def _money_issue(amount: Decimal) -> str | None:
    if type(amount) is not Decimal or not amount.is_finite():
        return NOT_MONEY
    if amount < 0:
        return NEGATIVE_AMOUNT
    if amount >= MONEY_LIMIT:
        return AMOUNT_TOO_LARGE
    if amount.quantize(CENT) != amount:
        return TOO_MANY_DECIMALS
    return None


def check_claim(policy: Policy, claim: ClaimInput) -> list[ClaimIssue]:
    """What makes a bill unsettlable before any layer runs (a recorded amount above its pool is
    found while settling)."""
    issues = []
    if claim.visit_type not in VISIT_TYPES:
        issues.append(ClaimIssue(claim.id, "visit_type", UNKNOWN_VISIT_TYPE.format(value=claim.visit_type)))
    if claim.hospital_level not in HOSPITAL_LEVELS:
        issues.append(
            ClaimIssue(claim.id, "hospital_level", UNKNOWN_HOSPITAL_LEVEL.format(value=claim.hospital_level))
        )
    amounts_read = True
    for name in ("total", "in_catalog"):
        problem = _money_issue(getattr(claim, name))
        if problem:
            issues.append(ClaimIssue(claim.id, name, problem))
            amounts_read = False
    if amounts_read and claim.in_catalog > claim.total:
        issues.append(ClaimIssue(claim.id, "in_catalog", IN_CATALOG_ABOVE_TOTAL))
    if claim.sex is not None and claim.sex not in SEXES:
        issues.append(ClaimIssue(claim.id, "sex", UNKNOWN_SEX.format(value=claim.sex)))
    if claim.birth_date is not None and claim.birth_date > claim.date:
        issues.append(ClaimIssue(claim.id, "birth_date", BORN_AFTER_DATE))
    for code, amount in claim.recorded.items():
        if code not in policy.layer_codes:
            issues.append(ClaimIssue(claim.id, f"recorded.{code}", UNKNOWN_LAYER))
            continue
        problem = _money_issue(amount)
        if problem:
            issues.append(ClaimIssue(claim.id, f"recorded.{code}", problem))
    return issues


# --- Explanations ---------------------------------------------------------------------------------


def _yuan(amount: Decimal) -> str:
    """An amount known to be whole fen, as 12,345.67."""
    return format(amount, ",.2f")


def _exact(amount: Decimal) -> str:
    """An amount that may carry more decimals (a base cut to a share of the total), not rounded."""
    cents = amount.quantize(CENT)
    if cents == amount:
        return format(cents, ",.2f")
    return format(amount.normalize(), ",f")


@cache
def _percent(ratio: Decimal) -> str:
    return format((ratio * 100).normalize(), "f") + "%"


@cache
def _names(codes: frozenset[str], vocabulary_name: str) -> str:
    vocabulary = VISIT_TYPES if vocabulary_name == "visit" else HOSPITAL_LEVELS
    return "、".join(name for code, name in vocabulary.items() if code in codes)


def _rule_text(position: int, rule: Rule, hospital_names: Mapping[str, str] | None = None) -> str:
    description = rule.when.describe(hospital_names) if hospital_names else rule.when.description
    return f"第 {position} 条规则（{description}）"


def _exclusion_text(
    layer: Layer, exclusion: tuple[str, object], hospital_names: Mapping[str, str] | None = None
) -> str:
    kind, value = exclusion
    if kind == "visit_type":
        return f"不适用：本次为{VISIT_TYPES[value]}，本层只适用于{_names(layer.visit_types, 'visit')}"
    if kind == "hospital_level":
        return f"不适用：就诊机构为{HOSPITAL_LEVELS[value]}，本层只适用于{_names(layer.hospital_levels, 'level')}"
    if kind == "categories":
        return f"不适用：就诊日未持有本层要求的身份类别（{category_names(layer.categories)}）"
    if kind == "insurance":
        return f"不适用：未参加本层要求的保险（{layer.insurance}）"
    if kind == "when":
        parts = layer.when.parts(hospital_names)
        text = f"不适用：本层只适用于“{'；'.join(parts.values())}”的账单"
        if len(value) < len(parts):
            text += f"，本次不符合“{'；'.join(parts[key] for key in value)}”"
        return text
    return f"不适用：{_rule_text(value, layer.rules[value - 1], hospital_names)}规定本层不适用"


def _base_text(base: str, pool: Decimal, left_in: Decimal, left_out: Decimal) -> str:
    if base == "personal":
        return f"基数为个人负担余额 {_yuan(pool)}（政策范围内 {_yuan(left_in)} + 目录外 {_yuan(left_out)}）"
    return f"基数为{BASES[base]}余额 {_yuan(pool)}"


# --- Settling -------------------------------------------------------------------------------------


def _facts(claim: ClaimInput) -> dict:
    """What a ``when`` may test besides visit type, level, categories and diseases."""
    return {
        "hospital": claim.hospital,
        "in_county": claim.in_county,
        "referred": claim.referred,
        "sex": claim.sex,
        "age": age_on(claim.birth_date, claim.date),
        "date": claim.date,
    }


def _exclusion(layer: Layer, claim: ClaimInput, facts: dict) -> tuple[str, object] | None:
    """Which of the layer's own conditions excludes this bill, as a key for the explanation; None
    when they all hold (a rule may still skip the layer)."""
    if claim.visit_type not in layer.visit_types:
        return ("visit_type", claim.visit_type)
    if claim.hospital_level not in layer.hospital_levels:
        return ("hospital_level", claim.hospital_level)
    if layer.categories is not None and layer.categories.isdisjoint(claim.categories):
        return ("categories", None)
    if layer.insurance is not None and layer.insurance not in claim.insurances:
        return ("insurance", None)
    if layer.when is not None:
        unmet = layer.when.unmet(
            claim.categories, claim.hospital_level, claim.visit_type, claim.diseases, **facts
        )
        if unmet:
            return ("when", unmet)
    return None


def _first_matching_rule(layer: Layer, claim: ClaimInput, facts: dict) -> tuple[int, Rule | None]:
    for position, rule in enumerate(layer.rules, 1):
        when = rule.when
        if when.matches(claim.categories, claim.hospital_level, claim.visit_type, claim.diseases, **facts):
            return position, rule
    return 0, None


def _pool(base: str, left_in: Decimal, left_out: Decimal) -> Decimal:
    if base == "in_catalog":
        return left_in
    if base == "out_of_catalog":
        return left_out
    return left_in + left_out


def _take(base: str, amount: Decimal, left_in: Decimal, left_out: Decimal) -> tuple[Decimal, Decimal]:
    """Step 9: the pools after paying ``amount``; a personal layer takes from in-catalog first."""
    if base == "in_catalog":
        return left_in - amount, left_out
    if base == "out_of_catalog":
        return left_in, left_out - amount
    from_in = min(amount, left_in)
    return left_in - from_in, left_out - (amount - from_in)


def _banded(
    paying_bands, start: Decimal, end: Decimal, money: Callable[[Decimal], str]
) -> tuple[Decimal, str]:
    """F(end) − F(start) (steps 5–6), and its pieces as "(to−from)×ratio" text."""
    raw = ZERO
    pieces = []
    for lower, upper, ratio in paying_bands:
        lower = max(lower, start)
        if lower >= end:
            break
        top = end if upper is None or end < upper else upper
        if top > lower:
            raw += (top - lower) * ratio
            length = f"({money(top)}−{money(lower)})" if lower else money(top)
            pieces.append(f"{length}×{_percent(ratio)}")
    return raw, " + ".join(pieces)


def _computed(
    layer: Layer,
    terms: LayerTerms,
    total: Decimal,
    left_in: Decimal,
    left_out: Decimal,
    totals: LayerTotals,
    steps: list[str],
) -> tuple[Decimal, Decimal]:
    """Steps 2.2–2.8 for a layer that applies; explains itself into ``steps``.

    Returns (payment, base added to the year).
    """
    base = _pool(layer.base, left_in, left_out)
    steps.append(_base_text(layer.base, base, left_in, left_out))
    if base <= terms.min_base:
        if terms.min_base:
            steps.append(f"未超过 {_yuan(terms.min_base)}，本层不支付，不计入年度累计")
        else:
            steps.append("本层不支付")
        return ZERO, ZERO
    share = terms.base_share_of_total
    # Amounts are whole fen, shown plainly, unless a share of the total cut a base, now or earlier.
    money = _yuan
    if share is not None:
        limit = share * total
        if limit < base:
            base = limit
            money = _exact
            steps.append(f"以总费用 {_yuan(total)} 的 {_percent(share)} 为限，取 {_exact(base)}")
        if not base:
            steps.append("本层不支付")
            return ZERO, ZERO
    if layer.scope == "year":
        start = totals.base
        if start and start != start.quantize(CENT):
            money = _exact
        steps.append(f"按年度累计，本年此前累计基数 {money(start)}")
    else:
        start = ZERO
    if terms.deductible:
        steps.append(f"起付线 {_yuan(terms.deductible)}")
    raw, pieces = _banded(terms.paying_bands, start, start + base, money)
    if pieces:
        steps.append(f"{pieces} = {_exact(raw)}")
    elif start + base <= terms.deductible:
        steps.append("未超过起付线，计算额为 0")
    else:
        steps.append("落在支付比例为 0 的分段，计算额为 0")
    computed = raw
    cap = terms.cap_per_visit
    if cap is not None and raw > cap:
        raw = cap
        steps.append(f"超过单次封顶线 {_yuan(cap)}，按封顶线")
    cap = terms.cap_per_year
    if cap is not None:
        left = cap - totals.paid
        if left < 0:
            left = ZERO
        if raw > left:
            raw = left
            steps.append(f"年度限额 {_yuan(cap)}，本年已支付 {_yuan(totals.paid)}，按余额 {_yuan(left)}")
    amount = quantize_money(raw)
    if amount != computed:
        steps.append(f"支付 {_yuan(amount)}")
    return amount, base


def _recorded(
    claim: ClaimInput,
    layer: Layer,
    terms: LayerTerms,
    amount: Decimal,
    left_in: Decimal,
    left_out: Decimal,
    totals: LayerTotals,
    steps: list[str],
) -> Decimal:
    """A recorded amount is the payment; its base (step 2.2 and the share limit, whatever the gate)
    still adds to the year. Returns that base."""
    pool = _pool(layer.base, left_in, left_out)
    if amount > pool:
        message = RECORDED_ABOVE_POOL.format(
            amount=_yuan(amount), pool_name=BASES[layer.base], pool=_yuan(pool)
        )
        raise ClaimError([ClaimIssue(claim.id, f"recorded.{layer.code}", message)])
    base = pool
    share = terms.base_share_of_total
    if share is not None and share * claim.total < base:
        base = share * claim.total
    steps.append(f"医保平台已结算金额 {_yuan(amount)}，照录")
    steps.append(f"本次基数 {_exact(base)} 计入本年累计")
    cap = terms.cap_per_year
    if cap is not None and totals.paid + amount > cap:
        steps.append(f"本年已支付 {_yuan(totals.paid)}，连同本次超过年度限额 {_yuan(cap)}，照实记录")
    return base


def settle_claim(
    policy: Policy,
    claim: ClaimInput,
    ytd: YearToDate,
    *,
    hospital_names: Mapping[str, str] | None = None,
) -> tuple[ClaimSettlement, YearToDate]:
    """Settle one bill through every layer of ``policy``, given the person's year so far.

    Returns the settlement and the person's year-to-date state after it. Raises ``ClaimError`` for a
    bill that cannot be settled (see ``check_claim``; also a recorded amount above its pool).
    ``hospital_names`` (code → name) shows the hospitals a condition names by name in explanations;
    codes it does not know show as codes.
    """
    _refuse_unsettlable(policy, claim)
    settlement, settled = _settle(_Plans(policy, hospital_names), claim, ytd.totals)
    return settlement, ytd.after(settled) if settled else ytd


def settle_claims(
    policy: Policy,
    claims: Iterable[ClaimInput],
    *,
    hospital_names: Mapping[str, str] | None = None,
) -> list[ClaimSettlement]:
    """``iter_settlements`` all at once, the cyclic collector paused while the list grows."""
    with cyclic_collector_paused():
        return list(iter_settlements(policy, claims, hospital_names=hospital_names))


def iter_settlements(
    policy: Policy,
    claims: Iterable[ClaimInput],
    *,
    hospital_names: Mapping[str, str] | None = None,
    checked: bool = False,
) -> Iterator[ClaimSettlement]:
    """Settle bills in the order given, each settlement as soon as its bill is settled, carrying each
    person's totals within each calendar year (whatever the policy's ``year`` and ``until_year``: the
    caller chooses the claims).

    Raises ``ClaimError`` at the first bill that cannot be settled; the run ends there. ``checked``:
    the caller has already run ``check_claim`` on every bill and refused those with issues, so they
    are not checked again (a recorded amount above its pool is still found while settling).
    """
    plans = _Plans(policy, hospital_names)
    years: dict[tuple[str, int], dict[str, LayerTotals]] = {}
    for claim in claims:
        if not checked:
            _refuse_unsettlable(policy, claim)
        key = (claim.person, claim.date.year)
        totals = years.get(key)
        if totals is None:
            totals = years[key] = {}
        settlement, settled = _settle(plans, claim, totals)
        if settled:
            _carry(totals, settled)
        yield settlement


def _refuse_unsettlable(policy: Policy, claim: ClaimInput) -> None:
    issues = check_claim(policy, claim)
    if issues:
        raise ClaimError(issues)


@contextmanager
def cyclic_collector_paused() -> Iterator[None]:
    """A run of bills builds many objects that live on and never form reference cycles: the cyclic
    garbage collector would only re-scan them, a third of a large run's time (docs/performance.md).
    Reference counting still frees everything; the collector is back on when the run ends."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


class _Plan(NamedTuple):
    """What a bill's profile (see ``_Plans``) decides, shared by the bills alike in it."""

    # Per layer, the payment of a layer these exclude (the same for every such bill), else None.
    excluded: tuple[LayerPayment | None, ...]
    # Per layer: (position, layer, why it is excluded (text) or None, first matching rule or None,
    # the explanation's step naming that rule or None).
    every_layer: tuple[tuple, ...]
    # The same, only for the layers not excluded: all that a bill without recorded amounts needs.
    applying: tuple[tuple, ...]


def _distinct(values: Iterable) -> tuple:
    return tuple(dict.fromkeys(values))


class _Plans:
    """The plans of one run of bills, by profile.

    A bill's profile is its visit type, level, categories and insurances, followed by the outcome
    of each distinct test the policy's conditions make, and only of those: whether its diagnoses
    begin with each distinct list of disease codes, whether its hospital is in each distinct
    ``hospitals`` list, its ``in_county``, ``referred`` and ``sex`` as they are, and whether its age
    and date fall in each distinct range (never the raw age or date). Bills alike in these share a
    plan. A layer's part of a plan depends only on the tests its own conditions make, so it is
    built once per distinct value of those (``layer_parts``) and shared by the plans.
    """

    def __init__(self, policy: Policy, hospital_names: Mapping[str, str] | None = None):
        self.policy = policy
        self.hospital_names = hospital_names or None
        conditions: list[RuleCondition] = [c for layer in policy.layers for c in layer.conditions]
        self.disease_tests = _distinct(c.diseases for c in conditions if c.diseases is not None)
        self.hospital_sets = _distinct(c.hospitals for c in conditions if c.hospitals is not None)
        self.reads_in_county = any(c.in_county is not None for c in conditions)
        self.reads_referred = any(c.referred is not None for c in conditions)
        self.reads_sex = any(c.sex is not None for c in conditions)
        self.age_ranges = _distinct(c.age_range for c in conditions if c.age_range is not None)
        self.date_ranges = _distinct(c.date_range for c in conditions if c.date_range is not None)
        self.reads_more = bool(
            self.disease_tests
            or self.hospital_sets
            or self.reads_in_county
            or self.reads_referred
            or self.reads_sex
            or self.age_ranges
            or self.date_ranges
        )
        # Outcomes already worked out, by diagnoses, hospital code, age and date.
        self.disease_outcomes: dict[tuple[str, ...], tuple[bool, ...]] = {}
        self.hospital_outcomes: dict[str | None, tuple[bool, ...]] = {}
        self.age_outcomes: dict[int | None, tuple[bool, ...]] = {}
        self.date_outcomes: dict[datetime.date, tuple[bool, ...]] = {}
        self.known: dict[tuple, _Plan] = {}
        self.layer_parts: list[dict[tuple, tuple]] = [{} for _ in policy.layers]
        self.layer_profiles = self._layer_profiles()
        self.rule_steps: dict[tuple[int, int], str] = {}  # (layer, rule position) → "按第 n 条规则（…）"

    def _layer_profiles(self) -> list[Callable[[tuple], tuple]]:
        """Per layer, what of a bill's profile its own conditions read (a getter of those places)."""
        where: dict[tuple, int] = {}
        tests = [
            *(("diseases", test) for test in self.disease_tests),
            *(("hospitals", test) for test in self.hospital_sets),
            *((("in_county", None),) if self.reads_in_county else ()),
            *((("referred", None),) if self.reads_referred else ()),
            *((("sex", None),) if self.reads_sex else ()),
            *(("age", test) for test in self.age_ranges),
            *(("date", test) for test in self.date_ranges),
        ]
        for place, test in enumerate(tests, 4):
            where[test] = place
        getters = []
        for layer in self.policy.layers:
            places = {0, 1, 2, 3}
            for condition in layer.conditions:
                for test in (
                    ("diseases", condition.diseases),
                    ("hospitals", condition.hospitals),
                    ("age", condition.age_range),
                    ("date", condition.date_range),
                ):
                    if test[1] is not None:
                        places.add(where[test])
                for key in ("in_county", "referred", "sex"):
                    if getattr(condition, key) is not None:
                        places.add(where[(key, None)])
            getters.append(itemgetter(*sorted(places)))
        return getters

    def for_claim(self, claim: ClaimInput) -> _Plan:
        profile = (claim.visit_type, claim.hospital_level, claim.categories, claim.insurances)
        if self.reads_more:
            profile += self._facts_profile(claim)
        plan = self.known.get(profile)
        if plan is None:
            plan = self.known[profile] = self._plan(claim, profile)
        return plan

    def _facts_profile(self, claim: ClaimInput) -> tuple:
        profile: tuple = ()
        if self.disease_tests:
            diseases = claim.diseases
            outcomes = self.disease_outcomes.get(diseases)
            if outcomes is None:
                codes = [code.upper() for code in diseases]
                outcomes = self.disease_outcomes[diseases] = tuple(
                    any(code.startswith(prefixes) for code in codes) for prefixes in self.disease_tests
                )
            profile = outcomes
        if self.hospital_sets:
            hospital = claim.hospital
            outcomes = self.hospital_outcomes.get(hospital)
            if outcomes is None:
                outcomes = self.hospital_outcomes[hospital] = tuple(
                    hospital in codes for codes in self.hospital_sets
                )
            profile += outcomes
        if self.reads_in_county:
            profile += (bool(claim.in_county),)
        if self.reads_referred:
            profile += (bool(claim.referred),)
        if self.reads_sex:
            profile += (claim.sex,)
        if self.age_ranges:
            age = age_on(claim.birth_date, claim.date)
            outcomes = self.age_outcomes.get(age)
            if outcomes is None:
                outcomes = self.age_outcomes[age] = tuple(
                    within(age, low, high) for low, high in self.age_ranges
                )
            profile += outcomes
        if self.date_ranges:
            date = claim.date
            outcomes = self.date_outcomes.get(date)
            if outcomes is None:
                outcomes = self.date_outcomes[date] = tuple(
                    within(date, low, high) for low, high in self.date_ranges
                )
            profile += outcomes
        return profile

    def _rule_step(self, position: int, rule_position: int, rule: Rule) -> str:
        key = (position, rule_position)
        step = self.rule_steps.get(key)
        if step is None:
            step = self.rule_steps[key] = "按" + _rule_text(rule_position, rule, self.hospital_names)
        return step

    def _layer_part(self, position: int, layer: Layer, claim: ClaimInput, facts: dict) -> tuple:
        """(the layer's step of a plan, the payment of the layer if these exclude it, else None)."""
        exclusion = _exclusion(layer, claim, facts)
        # Rules are matched even for an excluded layer: a recorded amount's base needs its terms.
        rule_position, rule = _first_matching_rule(layer, claim, facts)
        if exclusion is None and rule is not None and rule.skip:
            exclusion = ("rule", rule_position)
        why = None if exclusion is None else _exclusion_text(layer, exclusion, self.hospital_names)
        rule_step = None if rule is None else self._rule_step(position, rule_position, rule)
        excluded = (
            None
            if why is None
            else LayerPayment(
                layer=layer.code,
                name=layer.name,
                fund=layer.fund,
                amount=ZERO,
                applied=False,
                base_added=ZERO,
                explanation=why + "。",
            )
        )
        return (position, layer, why, rule, rule_step), excluded

    def _plan(self, claim: ClaimInput, profile: tuple) -> _Plan:
        facts = None
        excluded = []
        every_layer = []
        for position, layer in enumerate(self.policy.layers):
            key = self.layer_profiles[position](profile)
            part = self.layer_parts[position].get(key)
            if part is None:
                if facts is None:
                    facts = _facts(claim)
                part = self.layer_parts[position][key] = self._layer_part(position, layer, claim, facts)
            every_layer.append(part[0])
            excluded.append(part[1])
        applying = tuple(step for step in every_layer if step[2] is None)
        return _Plan(tuple(excluded), tuple(every_layer), applying)


def _settle(
    plans: _Plans, claim: ClaimInput, year_before: Mapping[str, LayerTotals]
) -> tuple[ClaimSettlement, list[LayerPayment]]:
    """One checked bill: its settlement, and the payments that move the person's year (to carry)."""
    plan = plans.for_claim(claim)
    # Checked to be whole fen; quantizing gives every result two decimal places.
    total = claim.total.quantize(CENT)
    left_in = claim.in_catalog.quantize(CENT)
    left_out = total - left_in
    recorded = claim.recorded
    settled = []  # the payments this bill computed or recorded, which move the year's totals
    by_fund = dict.fromkeys(FUNDS, ZERO)
    payments = list(plan.excluded)
    for position, layer, why, rule, rule_step in plan.every_layer if recorded else plan.applying:
        code = layer.code
        is_recorded = code in recorded
        if why is not None and not is_recorded:
            continue
        terms = rule.terms if rule is not None else layer.terms
        totals = year_before.get(code, NOTHING_YET)
        steps = []
        if is_recorded:
            amount = recorded[code].quantize(CENT)
            base = _recorded(claim, layer, terms, amount, left_in, left_out, totals, steps)
            if why is not None:
                steps.append("按政策本层" + why)
        else:
            if rule_step is not None:
                steps.append(rule_step)
            amount, base = _computed(layer, terms, total, left_in, left_out, totals, steps)
        if amount:
            left_in, left_out = _take(layer.base, amount, left_in, left_out)
            by_fund[layer.fund] += amount
        payments[position] = payment = LayerPayment(
            layer=code,
            name=layer.name,
            fund=layer.fund,
            amount=amount,
            applied=why is None,
            base_added=base,
            explanation="；".join(steps) + "。",
            recorded=is_recorded,
        )
        settled.append(payment)
    settlement = ClaimSettlement(
        claim_id=claim.id,
        total=total,
        payments=tuple(payments),
        by_fund=by_fund,
        personal=left_in + left_out,
        in_catalog_personal=left_in,
    )
    return settlement, settled
