"""政策试算: what a draft policy would change, compared bill by bill with what is paid today.

Pure Python (no Django), like the engine. The caller (``claims.simulation``) reads the bills of a
year with their current settlements, settles them again under the draft through
``engine.settle_claims`` and hands each person's bills here, two settlements per bill; this module
adds them up:

- totals by fund and by layer (current, draft, change);
- by township and by identity category (a person counts in every category held on any day of the
  year, and in "无身份类别" when they held none);
- each person's yearly personal payment (个人自付) and burden (monitoring.md: personal − relief,
  never below 0) now and under the draft, who pays more or less and by how much, and the
  distribution of those changes;
- the monitoring level of each person now (the thresholds of the policy in force) and under the
  draft (the draft's ``monitoring`` block when it has one, else the one in force), so who the draft
  would put over their threshold.

What it leaves to the caller: reading, ordering and settling the bills; names of people, townships
and categories; the current per-layer amounts (summed by the database, see ``Comparison.report``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import NamedTuple

from .document import (
    FUNDS, LEVEL_OVER, LEVEL_WARNING, ZERO, Monitoring, Policy, Threshold, monitoring_threshold,
)
from .engine import ClaimInput, ClaimSettlement

NO_CATEGORY = ""  # the key of the row of people who held no category in the year

# Why a bill is left out of the comparison (messages shared with the tests).
RECORDED_WITHOUT_LAYER = (
    "医保平台已结算的{fund}金额 {amount} 元（原层次 {layer}）在草案中没有适用于此类账单的{fund}层次可以记录"
)
RECORDED_FUND_UNKNOWN = "医保平台已结算金额 {amount} 元记录在层次 {layer}，草案中没有这一层，且无法确定其资金"

# Edges (yuan) of the distribution of personal changes: a change of d falls in the bin whose
# (low, high] holds |d|, on the side of its sign; the last bin of each side is open.
DISTRIBUTION_EDGES = (Decimal(100), Decimal(1000), Decimal(5000), Decimal(10000))


class Change(NamedTuple):
    current: Decimal
    draft: Decimal

    @property
    def change(self) -> Decimal:
        return self.draft - self.current


@dataclass(frozen=True)
class PersonFacts:
    """What the comparison needs to know of a person besides their bills."""

    person: str
    township: str
    categories: frozenset[str]  # held on any day of the year
    current_monitoring: Monitoring | None  # the block of the policy in force for the person
    draft_monitoring: Monitoring | None  # the draft's block, or the one in force when it has none
    relief: Decimal = ZERO  # grants received outside the cascade (monitoring.md); 0 until grants exist


class PersonChange(NamedTuple):
    person: str
    township: str
    bills: int
    total: Decimal
    personal: Change
    change: Decimal  # of the yearly personal payment: draft − current
    burden: Change
    current_threshold: Threshold | None
    draft_threshold: Threshold | None
    current_level: str | None
    draft_level: str | None


@dataclass(frozen=True)
class LayerRow:
    code: str
    name: str
    fund: str
    amount: Change
    in_draft: bool  # False: a layer only the current settlements have


@dataclass(frozen=True)
class GroupRow:
    """One township's or one category's people."""

    key: str
    bills: int
    people: int
    total: Decimal
    paid: Change
    personal: Change
    people_up: int
    people_down: int


@dataclass(frozen=True)
class Bin:
    label: str
    people: int
    direction: int  # -1 pays less, 1 pays more


@dataclass(frozen=True)
class Excluded:
    """A bill the draft cannot settle as the platform settled it; left out of both sides."""

    claim: str
    person: str
    reason: str


@dataclass(frozen=True)
class LayerAmount:
    """The current settlements' payments of one layer code, summed (by the database)."""

    code: str
    name: str
    fund: str
    amount: Decimal


@dataclass
class Report:
    bills: int
    people: int
    total: Decimal
    by_fund: dict[str, Change]
    paid: Change
    personal: Change
    layers: list[LayerRow]
    townships: list[GroupRow]
    categories: list[GroupRow]
    burden_up: int
    burden_down: int
    up_amount: Decimal  # the sum of the rises of those who pay more
    down_amount: Decimal  # the sum of the falls (a positive amount) of those who pay less
    unchanged: int
    distribution: list[Bin]
    monitored: Change  # people monitored (a threshold applies) now / under the draft
    over: Change  # people over their threshold now / under the draft (counts)
    warning: Change
    newly_over: list[PersonChange]  # over under the draft, not over now; largest burden first
    newly_warning: list[PersonChange]  # at warning under the draft, no level now
    no_longer_over: list[PersonChange]
    changes: list[PersonChange]  # everyone whose personal total moved, largest move first
    excluded: list[Excluded] = field(default_factory=list)


def draft_claim(draft: Policy, claim: ClaimInput, funds: Mapping[str, str]) -> ClaimInput | str:
    """The bill to settle under ``draft``: the same bill with the same platform amounts.

    A recorded amount whose layer code the draft keeps stays on it. One whose layer the draft no
    longer has moves, by the fund it was paid from (``funds``: layer code → fund, from the policy
    that settled the bill), to the draft's first layer of that fund that applies to the bill's visit
    type and hospital level, as an import puts a platform's per-fund amount (reimbursement.md);
    amounts landing on one layer add up. Returns the reason instead when no such layer exists: the
    draft could not record what the platform paid, so the bill cannot be compared.
    """
    recorded = claim.recorded
    if not recorded or recorded.keys() <= draft.layer_codes:
        return claim
    moved: dict[str, Decimal] = {}
    for code, amount in recorded.items():
        if code in draft.layer_codes:
            target = code
        else:
            fund = funds.get(code)
            if fund is None:
                return RECORDED_FUND_UNKNOWN.format(amount=amount, layer=code)
            target = next(
                (layer.code for layer in draft.layers
                 if layer.fund == fund and claim.visit_type in layer.visit_types
                 and claim.hospital_level in layer.hospital_levels),
                None,
            )
            if target is None:
                return RECORDED_WITHOUT_LAYER.format(fund=FUNDS[fund], amount=amount, layer=code)
        moved[target] = moved.get(target, ZERO) + amount
    return replace(claim, recorded=moved)


def distribution_bins() -> list[tuple[str, int, Decimal, Decimal | None]]:
    """(label, direction, low, high) of every bin, from the largest fall to the largest rise."""
    def text(amount: Decimal) -> str:
        return f"{amount / 10000:g}万" if amount >= 10000 else f"{amount:,.0f}"

    edges = (ZERO, *DISTRIBUTION_EDGES)
    rises = []
    for index, low in enumerate(edges):
        high = edges[index + 1] if index + 1 < len(edges) else None
        if high is None:
            span = f"{text(low)}元以上"
        elif not low:
            span = f"{text(high)}元以内"
        else:
            span = f"{text(low)}–{text(high)}元"
        rises.append((span, low, high))
    falls = [(f"少付 {span}", -1, low, high) for span, low, high in reversed(rises)]
    return falls + [(f"多付 {span}", 1, low, high) for span, low, high in rises]


def _bin_index(change: Decimal, bins) -> int:
    size = abs(change)
    for index, (_, direction, low, high) in enumerate(bins):
        if (direction < 0) == (change < 0) and size > low and (high is None or size <= high):
            return index
    raise AssertionError(change)  # every non-zero change has a bin


class _PersonTotals:
    __slots__ = ("bills", "total", "current_paid", "draft_paid", "current_personal", "draft_personal")

    def __init__(self):
        self.bills = 0
        self.total = self.current_paid = self.draft_paid = self.current_personal = self.draft_personal = ZERO


class _Group:
    __slots__ = ("bills", "people", "total", "current_paid", "draft_paid", "current_personal",
                 "draft_personal", "up", "down")

    def __init__(self):
        self.bills = self.people = self.up = self.down = 0
        self.total = self.current_paid = self.draft_paid = self.current_personal = self.draft_personal = ZERO

    def add(self, totals: _PersonTotals) -> None:
        self.bills += totals.bills
        self.people += 1
        self.total += totals.total
        self.current_paid += totals.current_paid
        self.draft_paid += totals.draft_paid
        self.current_personal += totals.current_personal
        self.draft_personal += totals.draft_personal
        change = totals.draft_personal - totals.current_personal
        self.up += change > 0
        self.down += change < 0

    def row(self, key: str) -> GroupRow:
        return GroupRow(key, self.bills, self.people, self.total, Change(self.current_paid, self.draft_paid),
                        Change(self.current_personal, self.draft_personal), self.up, self.down)


def _level(monitoring: Monitoring | None, threshold: Threshold | None, burden: Decimal) -> str | None:
    if monitoring is None or threshold is None:
        return None
    return monitoring.level_for(burden, threshold.amount)


class Comparison:
    """Adds up one person at a time (all of the person's compared bills of the year at once)."""

    def __init__(self, draft: Policy):
        self.draft = draft
        self.bills = 0
        self.total = ZERO
        self.draft_layers = {layer.code: ZERO for layer in draft.layers}
        self.townships: dict[str, _Group] = {}
        self.categories: dict[str, _Group] = {}
        self.people: list[PersonChange] = []
        self.excluded: list[Excluded] = []
        self.thresholds: dict[tuple, tuple[Threshold | None, Monitoring]] = {}

    def exclude(self, claim: str, person: str, reason: str) -> None:
        self.excluded.append(Excluded(claim, person, reason))

    def add_person(self, facts: PersonFacts, bills: Sequence[tuple[ClaimSettlement, Decimal]]) -> None:
        """``bills``: each compared bill's draft settlement and the personal payment of its current one."""
        if not bills:
            return
        totals = _PersonTotals()
        draft_layers = self.draft_layers
        total = current_personal = draft_personal = ZERO
        for settled, stored_personal in bills:
            total += settled.total
            current_personal += stored_personal
            draft_personal += settled.personal
            for payment in settled.payments:
                amount = payment.amount
                if amount:
                    draft_layers[payment.layer] += amount
        totals.total, totals.current_personal, totals.draft_personal = total, current_personal, draft_personal
        totals.current_paid, totals.draft_paid = total - current_personal, total - draft_personal
        totals.bills = len(bills)
        self.bills += totals.bills
        self.total += totals.total
        self.townships.setdefault(facts.township, _Group()).add(totals)
        for code in facts.categories or (NO_CATEGORY,):
            self.categories.setdefault(code, _Group()).add(totals)
        self.people.append(self._person(facts, totals))

    def _threshold(self, monitoring: Monitoring | None, categories: frozenset[str]) -> Threshold | None:
        """``monitoring_threshold``, remembered per block and set of categories (a county has a few dozen)."""
        if monitoring is None:
            return None
        key = (id(monitoring), categories)
        known = self.thresholds.get(key)
        if known is None:
            known = self.thresholds[key] = (monitoring_threshold(monitoring, categories), monitoring)
        return known[0]

    def _person(self, facts: PersonFacts, totals: _PersonTotals) -> PersonChange:
        burden = Change(max(ZERO, totals.current_personal - facts.relief),
                        max(ZERO, totals.draft_personal - facts.relief))
        current_threshold = self._threshold(facts.current_monitoring, facts.categories)
        draft_threshold = self._threshold(facts.draft_monitoring, facts.categories)
        return PersonChange(
            facts.person, facts.township, totals.bills, totals.total,
            Change(totals.current_personal, totals.draft_personal),
            totals.draft_personal - totals.current_personal,
            burden, current_threshold, draft_threshold,
            _level(facts.current_monitoring, current_threshold, burden.current),
            _level(facts.draft_monitoring, draft_threshold, burden.draft),
        )

    def report(self, current_layers: Iterable[LayerAmount]) -> Report:
        """The totals; ``current_layers`` are the current settlements' payments per layer code of the
        compared bills (the caller sums them in the database: a year is a million payment rows), which also
        give the current totals per fund."""
        # A settlement's amount per fund is the sum of its payments by fund, stored or computed alike: the
        # current totals per fund come from the stored payments' own funds, the draft's from its layers.
        current_funds, draft_funds = dict.fromkeys(FUNDS, ZERO), dict.fromkeys(FUNDS, ZERO)
        current_by_code: dict[str, LayerAmount] = {}
        for row in current_layers:
            current_funds[row.fund] += row.amount
            known = current_by_code.get(row.code)
            if known is not None:
                row = replace(known, amount=known.amount + row.amount)
            current_by_code[row.code] = row
        layers = [
            LayerRow(layer.code, layer.name, layer.fund,
                     Change(current_by_code.pop(layer.code).amount if layer.code in current_by_code else ZERO,
                            self.draft_layers[layer.code]), True)
            for layer in self.draft.layers
        ]
        fund_order = list(FUNDS)
        for row in sorted(current_by_code.values(), key=lambda r: (fund_order.index(r.fund), r.code)):
            layers.append(LayerRow(row.code, row.name, row.fund, Change(row.amount, ZERO), False))

        for layer in self.draft.layers:
            draft_funds[layer.fund] += self.draft_layers[layer.code]
        by_fund = {fund: Change(current_funds[fund], draft_funds[fund]) for fund in FUNDS}
        current_personal = sum((p.personal.current for p in self.people), ZERO)
        draft_personal = sum((p.personal.draft for p in self.people), ZERO)
        bins = distribution_bins()
        counts = [0] * len(bins)
        changes = []
        for person in self.people:
            if person.change:
                counts[_bin_index(person.change, bins)] += 1
                changes.append(person)
        changes.sort(key=lambda p: (-abs(p.change), p.person))
        up = [p for p in changes if p.change > 0]
        down = [p for p in changes if p.change < 0]
        newly_over = sorted(
            (p for p in self.people if p.draft_level == LEVEL_OVER and p.current_level != LEVEL_OVER),
            key=lambda p: (-p.burden.draft, p.person),
        )
        newly_warning = sorted(
            (p for p in self.people if p.draft_level == LEVEL_WARNING and p.current_level is None),
            key=lambda p: (-p.burden.draft, p.person),
        )
        no_longer_over = sorted(
            (p for p in self.people if p.current_level == LEVEL_OVER and p.draft_level != LEVEL_OVER),
            key=lambda p: (-p.burden.current, p.person),
        )

        monitored, over, warning = [0, 0], [0, 0], [0, 0]
        for p in self.people:
            monitored[0] += p.current_threshold is not None
            monitored[1] += p.draft_threshold is not None
            over[0] += p.current_level == LEVEL_OVER
            over[1] += p.draft_level == LEVEL_OVER
            warning[0] += p.current_level == LEVEL_WARNING
            warning[1] += p.draft_level == LEVEL_WARNING

        return Report(
            bills=self.bills,
            people=len(self.people),
            total=self.total,
            by_fund=by_fund,
            paid=Change(sum((c.current for c in by_fund.values()), ZERO),
                        sum((c.draft for c in by_fund.values()), ZERO)),
            personal=Change(current_personal, draft_personal),
            layers=layers,
            townships=[group.row(key) for key, group in sorted(self.townships.items())],
            categories=[group.row(key) for key, group in self.categories.items()],
            burden_up=len(up),
            burden_down=len(down),
            up_amount=sum((p.change for p in up), ZERO),
            down_amount=-sum((p.change for p in down), ZERO),
            unchanged=len(self.people) - len(changes),
            distribution=[Bin(label, counts[index], direction)
                          for index, (label, direction, _, _) in enumerate(bins)],
            monitored=Change(*monitored),
            over=Change(*over),
            warning=Change(*warning),
            newly_over=newly_over,
            newly_warning=newly_warning,
            no_longer_over=no_longer_over,
            changes=changes,
            excluded=list(self.excluded),
        )
