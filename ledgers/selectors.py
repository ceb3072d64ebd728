"""Reading the ledger, the quarterly statistics and the responsibility table.

Every figure comes from a few aggregate queries (grouped per person for the ledger's rows, per
township or category for the statistics), never from one query per person. The ledger of a whole
area is streamed: the listed people and the per-person aggregates are each read in one query ordered
by person id and merged as they come, so memory stays flat however many rows there are.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import (
    Case, Count, Exists, F, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Sum, Value, When,
)
from django.db.models.functions import Coalesce, ExtractMonth, Left

from accounts.models import User
from assistance.models import Grant
from beneficiaries.models import Beneficiary, Category, CategoryHolding, Enrollment
from claims.models import Claim, Settlement
from claims.selectors import IN_COUNTY_SETTLEMENT
from config.figures import ZERO, TownshipTable, money, ratio
from employment.selectors import township_table as employment_table
from health.selectors import Coverage, coverage
from projects.selectors import library_table, participation_table
from ledgers.columns import CATEGORY_COLUMNS, COLUMNS, GRANT_COLUMN, NO, VISIT_MEASURES, YES, Kind, visit_column
from ledgers.models import Duty, LedgerExport, Responsibility
from config.periods import Period
from policies.document import FUNDS, VISIT_TYPES
from policies.selectors import versions_in_force
from regions.codes import Level, area_prefix
from regions.models import Region

RESIDENT_BASIC = "resident_basic"
SUPPLEMENTARY = "supplementary"
PAGE_SIZE = 50
STREAM_CHUNK = 5000


def region_code_of(area_code: str) -> str:
    """The stored code of the region an area prefix names (``50`` → ``500000``, ``5002`` → ``500200``)."""
    prefix = area_prefix(area_code)
    return prefix.ljust(6, "0") if len(prefix) < 6 else prefix


def area_region(area_code: str) -> Region | None:
    if not area_prefix(area_code):
        return None
    return Region.objects.filter(code=region_code_of(area_code)).first()


def area_title(region: Region | None) -> str:
    """How an area is named on reports: the county with its township and village, or the province or city."""
    if region is None:
        return "全国"
    return region.full_name() or region.name


# --- The ledger -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerFilter:
    """Which people the ledger lists and for which period (ledger.md, "Who is listed")."""

    area_code: str
    period: Period
    as_of: datetime.date | None = None
    categories: tuple[str, ...] = ()
    enrolled: bool | None = None  # None: everyone; True/False: enrolled in 城乡居民基本医保 in a year of the period

    def describe(self) -> str:
        """In words for the export's cover and the access log: names, with the area's code beside its name."""
        period = self.period
        region = area_region(self.area_code)
        area = f"{area_title(region)}（{region.code}）" if region else "全国"
        parts = [f"区域 {area}", f"期间 {period.first.isoformat()} 至 {period.last.isoformat()}"]
        if self.as_of:
            parts.append(f"类别状态日期 {self.as_of.isoformat()}")
        if self.categories:
            names = dict(Category.objects.filter(code__in=self.categories).values_list("code", "name"))
            parts.append("类别 " + "、".join(names.get(code, code) for code in self.categories))
        if self.enrolled is not None:
            parts.append("已参保" if self.enrolled else "未参保")
        return "，".join(parts)


# What a ledger row takes from the person (columns 1–5 come from these), in this order.
PERSON_FIELDS = ("pk", "village_id", "name", "id_number")


@dataclass(frozen=True)
class LedgerRow:
    person_id: int
    cells: list  # the 36 values, in column order


def _holdings_in_force(ledger_filter: LedgerFilter) -> QuerySet[CategoryHolding]:
    """Holdings that make a category column 是: any day of the period, or the ``as_of`` day."""
    if ledger_filter.as_of:
        return CategoryHolding.objects.on(ledger_filter.as_of)
    return CategoryHolding.objects.during(ledger_filter.period.first, ledger_filter.period.last)


def _enrolled_in_period(ledger_filter: LedgerFilter) -> QuerySet[Enrollment]:
    return Enrollment.objects.filter(year__in=ledger_filter.period.years, status=Enrollment.Status.ENROLLED)


def _basic_enrollments(ledger_filter: LedgerFilter) -> QuerySet[Enrollment]:
    return _enrolled_in_period(ledger_filter).filter(insurance__code=RESIDENT_BASIC)


def _settlements_in_period(ledger_filter: LedgerFilter) -> QuerySet[Settlement]:
    period = ledger_filter.period
    return Settlement.objects.current().filter(claim__discharged_on__range=(period.first, period.last))


def _grants_in_period(ledger_filter: LedgerFilter) -> QuerySet[Grant]:
    period = ledger_filter.period
    return Grant.objects.filter(status=Grant.Status.PAID, paid_on__range=(period.first, period.last))


def ledger_people(user: User, ledger_filter: LedgerFilter) -> QuerySet[Beneficiary]:
    """The people the ledger lists: holders of a category in the period (or on the as-of day) and people
    with a settled bill in the period; with a category filter, only holders of those categories."""
    # Correlated EXISTS: each is an index probe per person (an OR of two IN lists defeats PostgreSQL's planner).
    holders = _holdings_in_force(ledger_filter).filter(beneficiary=OuterRef("pk"))
    if ledger_filter.categories:
        listed = Exists(holders.filter(category__code__in=ledger_filter.categories))
    else:
        period = ledger_filter.period
        billed = Claim.objects.filter(
            beneficiary=OuterRef("pk"), status=Claim.Status.SETTLED,
            discharged_on__range=(period.first, period.last),
        )
        listed = Exists(holders) | Exists(billed)
    people = Beneficiary.objects.visible_to(user).within(ledger_filter.area_code).filter(listed)
    if ledger_filter.enrolled is not None:
        enrolled = Exists(_basic_enrollments(ledger_filter).filter(beneficiary=OuterRef("pk")))
        people = people.filter(enrolled if ledger_filter.enrolled else ~enrolled)
    return people


def _flag(condition: Q):
    return Max(Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField()))


FLAG_AGGREGATES = {f"c{number}": _flag(Q(category__ledger_column=number)) for number in CATEGORY_COLUMNS}
ENROLLMENT_AGGREGATES = {
    "basic": _flag(Q(insurance__code=RESIDENT_BASIC)),
    "supplementary": _flag(Q(insurance__code=SUPPLEMENTARY)),
    "subsidy": Sum("subsidy", filter=Q(insurance__code=RESIDENT_BASIC)),
}


def _settlement_aggregates() -> dict:
    aggregates = {}
    for visit_type in VISIT_TYPES:
        of_type = Q(claim__visit_type=visit_type)
        aggregates[f"{visit_type}_bills"] = Count("pk", filter=of_type)
        for measure in VISIT_MEASURES[1:]:
            aggregates[f"{visit_type}_{measure}"] = Sum(measure, filter=of_type)
    return aggregates


SETTLEMENT_AGGREGATES = _settlement_aggregates()


def _per_person(queryset: QuerySet, person_id: str, aggregates: dict) -> QuerySet:
    """One row per person, (person id, *aggregates), in person-id order like the listed people."""
    grouped = queryset.values(person_id).annotate(**aggregates)
    return grouped.order_by(person_id).values_list(person_id, *aggregates)


def _of_people(queryset: QuerySet, person: str, area_code: str, ids: list[int] | None) -> QuerySet:
    """Rows of the people with ``ids`` (a page's), or of all the area's people when None: by person id, an
    indexed ``IN``, which keeps the person-id order cheap. A page's ids are the area's already: the area
    is not asked again, which would read all its people for fifty."""
    if ids is not None:
        return queryset.filter(**{f"{person}__in": ids})
    if not area_prefix(area_code):
        return queryset
    return queryset.filter(**{f"{person}__in": Beneficiary.objects.within(area_code).values("pk")})


def _flag_rows(ledger_filter: LedgerFilter, ids: list[int] | None = None) -> QuerySet:
    holdings = _of_people(_holdings_in_force(ledger_filter), "beneficiary", ledger_filter.area_code, ids)
    return _per_person(holdings, "beneficiary_id", FLAG_AGGREGATES)


def _enrollment_rows(ledger_filter: LedgerFilter, ids: list[int] | None = None) -> QuerySet:
    enrollments = _of_people(_enrolled_in_period(ledger_filter), "beneficiary", ledger_filter.area_code, ids)
    return _per_person(enrollments, "beneficiary_id", ENROLLMENT_AGGREGATES)


def _settlement_rows(ledger_filter: LedgerFilter, ids: list[int] | None = None) -> QuerySet:
    settlements = _of_people(
        _settlements_in_period(ledger_filter), "claim__beneficiary", ledger_filter.area_code, ids
    )
    return _per_person(settlements, "claim__beneficiary_id", SETTLEMENT_AGGREGATES)


def _grant_rows(ledger_filter: LedgerFilter, ids: list[int] | None = None) -> QuerySet:
    grants = _of_people(_grants_in_period(ledger_filter), "beneficiary", ledger_filter.area_code, ids)
    return _per_person(grants, "beneficiary_id", {"amount": Sum("amount")})


class PoolingAreas:
    """Column 1: the name of the pooling area whose policy applies to a county in a year.

    That is the region of the policy in force for the person's county in the year of the period's last day
    (every policy has a current version: ``versions_in_force`` finds them for many counties in one query),
    or the county itself when no policy is loaded. Looked up once per county; a page looks up all its
    counties at once, so a page spanning several counties costs no more queries than one.
    """

    def __init__(self, year: int):
        self.year = year
        self.names: dict[str, str] = {}

    def load(self, village_codes: Iterable[str]) -> None:
        """Look up the counties of these villages not looked up yet: two queries, or none."""
        counties = {code[:6] for code in village_codes} - self.names.keys()
        if not counties:
            return
        versions = versions_in_force((county, self.year) for county in counties)
        codes = {county: [region_code_of(version.policy.region_code)] if version else []
                 for (county, _), version in versions.items()}
        wanted = counties.union(*codes.values())
        regions = dict(Region.objects.filter(code__in=wanted).values_list("code", "name"))
        for county in counties:
            known = [code for code in codes[county] + [county] if code in regions]
            self.names[county] = regions[known[0]] if known else county

    def name(self, village_code: str) -> str:
        self.load([village_code])
        return self.names[village_code[:6]]


def _yes(flag) -> str:
    return YES if flag else NO


# Which of the per-person settlement aggregates are counts (the rest are amounts).
SETTLEMENT_COUNTS = [measure == "bills" for _ in VISIT_TYPES for measure in VISIT_MEASURES]


def _cells(person: tuple, flags: tuple | None, enrollment: tuple | None, sums: tuple | None, grants: tuple | None,
           pooling: PoolingAreas, village_names: dict[str, str]) -> list:
    """The 36 cells of one person from the rows of the per-person queries (None: no such row)."""
    person_id, village, name, id_number = person
    cells = [pooling.name(village), village, village_names.get(village, ""), name, id_number]
    cells += [_yes(flag) for flag in flags[1:]] if flags else [NO] * len(CATEGORY_COLUMNS)
    if enrollment:
        basic, supplementary, subsidy = enrollment[1:]
        cells += [_yes(basic), _yes(basic), money(subsidy), _yes(supplementary)]
    else:
        cells += [NO, NO, ZERO, NO]
    if sums:
        cells += [value or 0 if count else money(value) for value, count in zip(sums[1:], SETTLEMENT_COUNTS)]
    else:
        cells += [0, ZERO, ZERO, ZERO, ZERO, ZERO] * len(VISIT_TYPES)
    if grants:
        cells[GRANT_COLUMN.index] += money(grants[1])
    return cells


def _village_names(area_code: str) -> dict[str, str]:
    return dict(Region.objects.within(area_code).values_list("code", "name"))


def _next_matching(
    rows: Iterator[tuple], head: tuple | None, person_id: int
) -> tuple[tuple | None, tuple | None]:
    """Advance a per-person stream (in person-id order) to ``person_id``.

    Returns that person's row (or None) and the stream's new head."""
    while head is not None and head[0] < person_id:
        head = next(rows, None)
    if head is not None and head[0] == person_id:
        return head, next(rows, None)
    return None, head


def ledger_rows(user: User, ledger_filter: LedgerFilter) -> Iterator[LedgerRow]:
    """Every row of the ledger, in registration order (person id).

    Five queries ordered by person id, read at once in chunks and merged; rows of an aggregate stream
    whose person is not listed (a filter left them out) are skipped by the merge. Ordering by the
    person id lets the database walk its person indexes instead of sorting (docs/ledger.md).
    """
    pooling = PoolingAreas(ledger_filter.period.last.year)
    village_names = _village_names(ledger_filter.area_code)
    people = (
        ledger_people(user, ledger_filter).order_by("pk")
        .values_list(*PERSON_FIELDS).iterator(chunk_size=STREAM_CHUNK)
    )
    aggregates = (_flag_rows(ledger_filter), _enrollment_rows(ledger_filter), _settlement_rows(ledger_filter),
                  _grant_rows(ledger_filter))
    streams = [iter(rows.iterator(chunk_size=STREAM_CHUNK)) for rows in aggregates]
    heads = [next(stream, None) for stream in streams]
    for person in people:
        person_id = person[0]
        matched = []
        for index, stream in enumerate(streams):
            row, heads[index] = _next_matching(stream, heads[index], person_id)
            matched.append(row)
        yield LedgerRow(person_id, _cells(person, *matched, pooling, village_names))


# Sorting the page: by a person field, or by a computed column (a correlated subquery in ORDER BY).
PERSON_SORTS = {"village": ["village_id", "pk"], "name": ["name", "pk"], "id_number": ["id_number"]}


def _column_sort_value(ledger_filter: LedgerFilter, number: int):
    column = COLUMNS[number - 1]
    if number == 17:
        subsidy = (
            _basic_enrollments(ledger_filter).filter(beneficiary=OuterRef("pk"))
            .values("beneficiary").annotate(value=Sum("subsidy")).values("value")
        )
        return Coalesce(Subquery(subsidy), Value(ZERO))
    visit_type, measure = next(
        (v, m) for v in VISIT_TYPES for m in VISIT_MEASURES if visit_column(v, m) == column
    )
    settlements = _settlements_in_period(ledger_filter).filter(
        claim__beneficiary=OuterRef("pk"), claim__visit_type=visit_type
    ).values("claim__beneficiary")
    if measure == "bills":
        return Coalesce(Subquery(settlements.annotate(value=Count("pk")).values("value")), Value(0))
    value = Coalesce(Subquery(settlements.annotate(value=Sum(measure)).values("value")), Value(ZERO))
    if column == GRANT_COLUMN:
        grants = _grants_in_period(ledger_filter).filter(beneficiary=OuterRef("pk")).values("beneficiary")
        value = value + Coalesce(Subquery(grants.annotate(value=Sum("amount")).values("value")), Value(ZERO))
    return value


SORTABLE_COLUMNS = [17] + [c.number for c in COLUMNS if c.number >= 19]


def sort_keys() -> list[str]:
    return list(PERSON_SORTS) + [f"c{number}" for number in SORTABLE_COLUMNS]


def _sorted(people: QuerySet[Beneficiary], ledger_filter: LedgerFilter, sort: str) -> QuerySet[Beneficiary]:
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key in PERSON_SORTS:
        fields = PERSON_SORTS[key]
        return people.order_by(*[f"-{f}" if descending else f for f in fields])
    number = int(key[1:])
    people = people.annotate(sort_value=_column_sort_value(ledger_filter, number))
    return people.order_by("-sort_value" if descending else "sort_value", "pk")


@dataclass
class LedgerPage:
    page: Page
    rows: list[LedgerRow]
    totals: list


def ledger_page(
    user: User, ledger_filter: LedgerFilter, *, sort: str = "village", number: int | str = 1
) -> LedgerPage:
    """One page of the ledger, sorted, with the totals of every listed person (not only the page's)."""
    people = ledger_people(user, ledger_filter)
    paginator = Paginator(_sorted(people, ledger_filter, sort).values_list(*PERSON_FIELDS), PAGE_SIZE)
    page = paginator.get_page(number)
    rows = ledger_rows_of(ledger_filter, list(page.object_list))
    return LedgerPage(page=page, rows=rows, totals=ledger_totals(user, ledger_filter, people=paginator.count))


def ledger_rows_of(ledger_filter: LedgerFilter, persons: list[tuple]) -> list[LedgerRow]:
    """The rows of these listed people (each with ``PERSON_FIELDS``), in their order: a page's, from four
    aggregate queries over their ids and two lookups of names, however many people the area has."""
    ids = [person[0] for person in persons]
    flags, enrollments, sums, grants = (
        {row[0]: row for row in rows(ledger_filter, ids)}
        for rows in (_flag_rows, _enrollment_rows, _settlement_rows, _grant_rows)
    )
    pooling = PoolingAreas(ledger_filter.period.last.year)
    pooling.load(person[1] for person in persons)
    village_names = dict(Region.objects.filter(code__in={p[1] for p in persons}).values_list("code", "name"))
    rows = []
    for person in persons:
        person_id = person[0]
        cells = _cells(person, flags.get(person_id), enrollments.get(person_id), sums.get(person_id),
                       grants.get(person_id), pooling, village_names)
        rows.append(LedgerRow(person_id, cells))
    return rows


class LedgerTotals:
    """The totals row accumulated while rows stream by: people, the number of 是 per yes/no column, sums."""

    FLAG_INDEXES = [c.index for c in COLUMNS if c.kind == Kind.FLAG]
    SUM_INDEXES = [c.index for c in COLUMNS if c.kind in (Kind.MONEY, Kind.COUNT)]

    def __init__(self):
        self.people = 0
        self.values = [0] * len(COLUMNS)

    def add(self, cells: list) -> None:
        self.people += 1
        values = self.values
        for index in self.FLAG_INDEXES:
            if cells[index] == YES:
                values[index] += 1
        for index in self.SUM_INDEXES:
            values[index] += cells[index]

    def cells(self) -> list:
        return totals_cells(self.people, {i: self.values[i] for i in self.FLAG_INDEXES + self.SUM_INDEXES})


def totals_cells(people: int, values: dict[int, int | Decimal]) -> list:
    """The totals row: 合计 and the number of people, then a value under every yes/no and number column."""
    cells = ["合计", "", "", f"{people} 人", ""] + [None] * (len(COLUMNS) - 5)
    for column in COLUMNS:
        if column.kind == Kind.MONEY:
            cells[column.index] = money(Decimal(values.get(column.index) or 0))
        elif column.kind in (Kind.FLAG, Kind.COUNT):
            cells[column.index] = int(values.get(column.index) or 0)
    return cells


def ledger_totals(user: User, ledger_filter: LedgerFilter, *, people: int | None = None) -> list:
    """The totals row of everyone listed, from four aggregate queries (and a count unless given)."""
    listed = ledger_people(user, ledger_filter)
    if people is None:
        people = listed.count()
    listed_ids = listed.values("pk")
    values: dict[int, int | Decimal] = {}
    held = (
        _holdings_in_force(ledger_filter)
        .filter(beneficiary__in=listed_ids, category__ledger_column__in=CATEGORY_COLUMNS)
        .values("category__ledger_column").annotate(people=Count("beneficiary", distinct=True))
        .values_list("category__ledger_column", "people")
    )
    values.update({number - 1: count for number, count in held})
    enrolled = _enrolled_in_period(ledger_filter).filter(beneficiary__in=listed_ids).aggregate(
        basic=Count("beneficiary", distinct=True, filter=Q(insurance__code=RESIDENT_BASIC)),
        supplementary=Count("beneficiary", distinct=True, filter=Q(insurance__code=SUPPLEMENTARY)),
        subsidy=ENROLLMENT_AGGREGATES["subsidy"],
    )
    values.update({14: enrolled["basic"], 15: enrolled["basic"], 16: enrolled["subsidy"],
                   17: enrolled["supplementary"]})
    sums = _settlements_in_period(ledger_filter).filter(claim__beneficiary__in=listed_ids).aggregate(
        **SETTLEMENT_AGGREGATES
    )
    for visit_type in VISIT_TYPES:
        for measure in VISIT_MEASURES:
            values[visit_column(visit_type, measure).index] = sums[f"{visit_type}_{measure}"]
    granted = _grants_in_period(ledger_filter).filter(beneficiary__in=listed_ids).aggregate(total=Sum("amount"))
    values[GRANT_COLUMN.index] = money(Decimal(values[GRANT_COLUMN.index] or 0)) + money(granted["total"])
    return totals_cells(people, values)


def my_exports(user: User) -> QuerySet[LedgerExport]:
    return LedgerExport.objects.filter(requested_by=user)


# --- Quarterly statistics (定期调度统计) ---------------------------------------------------------------


@dataclass
class VisitFigures:
    """Bills of one visit type (or all): how many, their cost, what each fund paid, what the person paid."""

    bills: int = 0
    total: Decimal = ZERO
    basic: Decimal = ZERO
    critical: Decimal = ZERO
    assistance: Decimal = ZERO
    other: Decimal = ZERO
    personal: Decimal = ZERO

    @property
    def paid(self) -> Decimal:
        return self.basic + self.critical + self.assistance + self.other

    def __add__(self, other: VisitFigures) -> VisitFigures:
        return VisitFigures(*(getattr(self, name) + getattr(other, name) for name in FIGURE_FIELDS))


FIGURE_FIELDS = ("bills", "total", *FUNDS, "personal")


@dataclass
class StatsRow:
    label: str
    code: str
    people: int = 0
    enrolled: int = 0
    subsidy: Decimal = ZERO
    visits: dict[str, VisitFigures] = field(default_factory=lambda: {v: VisitFigures() for v in VISIT_TYPES})
    inpatient_in_county: int = 0
    inpatient_unclassified: int = 0  # inpatient bills at hospitals still 待分类: not in county, until classified
    pay_later: int = 0

    @property
    def all_visits(self) -> VisitFigures:
        return sum(self.visits.values(), VisitFigures())

    @property
    def enrolled_share(self) -> Decimal | None:
        return ratio(self.enrolled, self.people)

    @property
    def personal_share(self) -> Decimal | None:
        figures = self.all_visits
        return ratio(figures.personal, figures.total)

    @property
    def reimbursement_ratio(self) -> Decimal | None:
        """Average reimbursement ratio: everything the funds paid ÷ the bills' total."""
        figures = self.all_visits
        return ratio(figures.paid, figures.total)

    @property
    def in_county_rate(self) -> Decimal | None:
        """In-county inpatient rate: inpatient bills at hospitals classified 县域内 ÷ all inpatient bills (those at
        待分类 hospitals count as outside)."""
        return ratio(self.inpatient_in_county, self.visits["inpatient"].bills)


@dataclass
class MonthFigures:
    year: int
    month: int
    figures: VisitFigures

    @property
    def label(self) -> str:
        return f"{self.month}月"


@dataclass
class QuarterStats:
    area_code: str
    area_name: str
    period: Period
    townships: list[StatsRow]
    categories: list[StatsRow]
    total: StatsRow
    months: list[MonthFigures]
    health: Coverage  # 健康扶贫 coverage by township on the period's last day (health.selectors.coverage)
    # seed 000's other two plans on the period's last day: poor families' children at work, and the industry
    # projects with the working-age poor taking part
    employment: TownshipTable
    participation: TownshipTable
    projects: TownshipTable


# The health coverage the statistics report (the in-county rate is the statistics' own, over all covered people).
HEALTH_MEASURES = ("contracts", "records", "cards", "treatment")


def _fill_settlements(row: StatsRow, values: dict) -> None:
    """Copy one group's settlement aggregates onto its row (no group: nothing was paid)."""
    row.inpatient_in_county = values.get("inpatient_in_county") or 0
    row.inpatient_unclassified = values.get("inpatient_unclassified") or 0
    row.pay_later = values.get("pay_later") or 0
    for visit_type in VISIT_TYPES:
        of_type = {name: values.get(f"{visit_type}_{name}") for name in FIGURE_FIELDS}
        row.visits[visit_type] = _figures(of_type)


def _figures(values: dict) -> VisitFigures:
    return VisitFigures(*(values.get(name) or 0 if name == "bills" else money(values.get(name))
                          for name in FIGURE_FIELDS))


def _grouped(queryset: QuerySet, group, aggregates: dict) -> dict:
    """Aggregates per value of ``group`` (an expression over the queryset's model)."""
    return {
        values.pop("group"): values
        for values in queryset.annotate(group=group).values("group").annotate(**aggregates).order_by()
    }


def _people_aggregates(person: str, year: int) -> dict:
    """People (or person-category pairs) and their enrollment (已参保) in 城乡居民基本医保 for ``year``.

    ``person`` is the path from the grouped rows to the person: "" or "beneficiary__".
    """
    enrolled = Q(**{f"{person}enrollments__year": year, f"{person}enrollments__status": Enrollment.Status.ENROLLED,
                    f"{person}enrollments__insurance__code": RESIDENT_BASIC})
    return {
        "people": Count("pk", distinct=True),
        "enrolled": Count(f"{person}enrollments", filter=enrolled),
        "subsidy": Sum(f"{person}enrollments__subsidy", filter=enrolled),
    }


def _bill_aggregates() -> dict:
    """Over settlements: by visit type and fund, with the in-county inpatient stays (at hospitals an administrator
    classified 县域内), those at hospitals still 待分类, and 先诊疗后付费 bills."""
    aggregates = {
        "inpatient_in_county": Count(
            "pk", filter=Q(claim__visit_type="inpatient") & IN_COUNTY_SETTLEMENT
        ),
        "inpatient_unclassified": Count(
            "pk", filter=Q(claim__visit_type="inpatient", claim__hospital__place_confirmed_at__isnull=True)
        ),
        "pay_later": Count("pk", filter=Q(claim__pay_later=True)),
    }
    for visit_type in VISIT_TYPES:
        of_type = Q(claim__visit_type=visit_type)
        aggregates[f"{visit_type}_bills"] = Count("pk", filter=of_type)
        for name in FIGURE_FIELDS[1:]:
            aggregates[f"{visit_type}_{name}"] = Sum(name, filter=of_type)
    return aggregates


def _stats_rows(people: dict, paid: dict, labels: list[tuple[str, str]]) -> list[StatsRow]:
    """One StatsRow per (code, label) from the grouped people (with their enrollment) and their bills."""
    stats_rows = []
    for code, label in labels:
        of_group = people.get(code, {})
        row = StatsRow(label=label, code=code, people=of_group.get("people", 0),
                       enrolled=of_group.get("enrolled", 0), subsidy=money(of_group.get("subsidy")))
        _fill_settlements(row, paid.get(code, {}))
        stats_rows.append(row)
    return stats_rows


def _summed(groups: dict) -> dict:
    """Every group's aggregates added up: the totals of groups that share no person."""
    total: dict = {}
    for values in groups.values():
        for key, value in values.items():
            if value is not None:
                total[key] = total.get(key, 0) + value
    return total


def _overlap(prefix: str, user_prefix: str) -> str | None:
    """The narrower of an asked area and the user's area, or None when they do not overlap."""
    if prefix.startswith(user_prefix):
        return prefix
    if user_prefix.startswith(prefix):
        return user_prefix
    return None


def quarter_stats(user: User, *, area_code: str, period: Period) -> QuarterStats:
    """By township and by category, with a totals row and the monthly trend from January.

    The people counted are those who held a category at any time in the quarter; a person counts once
    in the totals and once in each category row they held. Their bills are the current settlements of
    settled bills dated in the quarter; enrollment is for the quarter's year.

    Two grouped queries per kind of row: the people with their enrollment, and their bills read from the
    settlements of the quarter (an index range on the bills' dates, not every bill of every person). Each
    person lives in one township, so the totals row is the townships' groups added up.
    """
    prefix = area_prefix(area_code)
    holdings = CategoryHolding.objects.visible_to(user).within(prefix).during(period.first, period.last)
    seen = _overlap(prefix, user.area_prefix)
    covered = Beneficiary.objects.filter(pk__in=holdings.values("beneficiary_id"))
    # One holding per person and category, even when a category was ended and started again in the quarter.
    earlier_same = CategoryHolding.objects.during(period.first, period.last).filter(
        beneficiary=OuterRef("beneficiary"), category=OuterRef("category"), pk__lt=OuterRef("pk")
    )
    person_categories = holdings.filter(~Exists(earlier_same))
    bills = Settlement.objects.current().filter(
        claim__discharged_on__range=(period.first, period.last),
        claim__beneficiary__in=holdings.values("beneficiary_id"),
    )
    townships = [] if seen is None else list(
        Region.objects.filter(level=Level.TOWNSHIP, code__startswith=seen[:9]).values_list("code", "name")
    )
    year = period.last.year
    by_township = _grouped(covered, Left("village_id", 9), _people_aggregates("", year))
    paid_by_township = _grouped(bills, Left("claim__beneficiary__village_id", 9), _bill_aggregates())
    # A bill counts in each category its person held: the join to the person's holdings of the quarter (one
    # per category) repeats it once per category.
    paid_by_category = _grouped(bills.filter(claim__beneficiary__holdings__in=person_categories),
                                F("claim__beneficiary__holdings__category__code"), _bill_aggregates())
    return QuarterStats(
        area_code=prefix,
        area_name=area_title(area_region(prefix)),
        period=period,
        townships=_stats_rows(by_township, paid_by_township, townships),
        categories=_stats_rows(
            _grouped(person_categories, F("category__code"), _people_aggregates("beneficiary__", year)),
            paid_by_category, list(Category.objects.values_list("code", "name")),
        ),
        total=_stats_rows(
            {"all": _summed(by_township)}, {"all": _summed(paid_by_township)}, [("all", "合计")]
        )[0],
        months=_monthly_trend(user, prefix, period),
        health=coverage(user, area_code=prefix, day=period.last, since=period.first),
        employment=employment_table(user, area_code=prefix, day=period.last),
        participation=participation_table(user, area_code=prefix, day=period.last),
        projects=library_table(user, area_code=prefix, day=period.last),
    )


def _monthly_trend(user: User, prefix: str, period: Period) -> list[MonthFigures]:
    """Bills month by month from 1 January to the end of the period, of people covered at any time in it."""
    start = datetime.date(period.last.year, 1, 1)
    covered = CategoryHolding.objects.visible_to(user).within(prefix).during(start, period.last)
    by_month = _grouped(
        Settlement.objects.current().filter(
            claim__discharged_on__range=(start, period.last),
            claim__beneficiary__in=covered.values("beneficiary_id"),
        ),
        ExtractMonth("claim__discharged_on"),
        {"bills": Count("pk"), **{name: Sum(name) for name in FIGURE_FIELDS[1:]}},
    )
    return [
        MonthFigures(period.last.year, month, _figures(by_month.get(month, {})))
        for month in range(1, period.last.month + 1)
    ]


# --- The responsibility table (责任分工表) ----------------------------------------------------------


@dataclass(frozen=True)
class ResponsibilityLine:
    duty: str
    label: str
    record: Responsibility | None


def responsibility_areas(user: User) -> QuerySet[Region]:
    """Areas that keep a responsibility table and that the user may see.

    The user's own area and those inside it, down to townships."""
    regions = Region.objects.within(user.area_id or "").filter(
        level__in=[Level.PROVINCE, Level.CITY, Level.COUNTY, Level.TOWNSHIP]
    )
    return regions


def responsibility_table(area: Region) -> list[ResponsibilityLine]:
    """The 14 lines of the table in the seed's order, filled where someone has been named."""
    records = {r.duty: r for r in Responsibility.objects.filter(area=area).select_related("updated_by")}
    return [ResponsibilityLine(duty, label, records.get(duty)) for duty, label in Duty.choices]


@dataclass(frozen=True)
class ResponsibilityChange:
    when: datetime.datetime
    who: str
    duty: str
    changes: list[tuple[str, str, str]]  # field, before, after


RESPONSIBILITY_FIELDS = ("name", "unit", "post", "phone")


def responsibility_history(area: Region, *, limit: int = 50) -> list[ResponsibilityChange]:
    """The latest changes to the area's table, newest first, each field with its value before and after."""
    records = Responsibility.history.filter(area_id=area.pk).select_related("history_user").order_by(
        "history_date", "history_id"
    )
    labels = {name: str(Responsibility._meta.get_field(name).verbose_name) for name in RESPONSIBILITY_FIELDS}
    previous: dict[int, object] = {}
    entries = []
    for record in records:
        before = previous.get(record.id)
        changes = [
            (labels[name], getattr(before, name) if before else "", getattr(record, name))
            for name in RESPONSIBILITY_FIELDS
            if (getattr(before, name) if before else "") != getattr(record, name)
        ]
        previous[record.id] = record
        entries.append(ResponsibilityChange(record.history_date, str(record.history_user or "系统"),
                                            Duty(record.duty).label, changes))
    return entries[::-1][:limit]
