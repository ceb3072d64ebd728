from __future__ import annotations

import datetime
import json
import queue
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.db.models import Count, Max, Prefetch, Q, QuerySet, Sum, TextField
from django.db.models.functions import Cast, Left
from django.utils import timezone

from accounts.models import User
from beneficiaries.models import Beneficiary, CategoryHolding, Enrollment
from claims.models import Adjustment, Claim, Hospital, PolicySimulation, Settlement, SettlementPayment
from policies import engine
from policies.document import FUNDS
from policies.document import Policy as PolicyDocument
from policies.models import PolicyVersion
from policies.simulation import LayerAmount
from regions.codes import AreaCodeError, Level, area_prefix
from regions.models import Region

SUMMED = ("total", "basic", "critical", "assistance", "other", "personal")


def claims_visible(user: User) -> QuerySet[Claim]:
    return Claim.objects.visible_to(user).select_related("beneficiary", "hospital")


def with_current_settlement(claims: QuerySet[Claim]) -> QuerySet[Claim]:
    return claims.prefetch_related(
        Prefetch("settlements", queryset=Settlement.objects.filter(superseded_at__isnull=True), to_attr="current")
    )


def year_to_date_before(person: Beneficiary, day: datetime.date) -> engine.YearToDate:
    """The person's layer totals of the year from bills settled on or before ``day`` (for a preview)."""
    payments = SettlementPayment.objects.filter(
        settlement__superseded_at__isnull=True,
        settlement__claim__beneficiary=person,
        settlement__claim__status=Claim.Status.SETTLED,
        settlement__claim__discharged_on__year=day.year,
        settlement__claim__discharged_on__lte=day,
    ).only("layer", "amount", "base_added")
    return engine.YearToDate.from_payments(payments)


@dataclass(frozen=True)
class YearTotals:
    year: int
    bills: int
    total: Decimal
    basic: Decimal
    critical: Decimal
    assistance: Decimal
    other: Decimal
    personal: Decimal


def person_year_totals(person: Beneficiary) -> list[YearTotals]:
    """Totals by year and fund of the person's current settlements, newest year first."""
    rows = (
        Settlement.objects.current().filter(claim__beneficiary=person)
        .values("claim__discharged_on__year")
        .annotate(bills=Count("pk"), **{f"{name}_sum": Sum(name) for name in SUMMED})
        .order_by("-claim__discharged_on__year")
    )
    # SQLite adds decimals as floating point: every sum is brought back to the cent.
    return [
        YearTotals(year=r["claim__discharged_on__year"], bills=r["bills"],
                   **{name: engine.quantize_money(r[f"{name}_sum"]) for name in SUMMED})
        for r in rows
    ]


def adjustments_visible(user: User) -> QuerySet[Adjustment]:
    return Adjustment.objects.visible_to(user).select_related("claim__beneficiary", "claim__hospital", "created_by")


# --- The engine's bill, for one bill or a whole year -------------------------------------------------

ENGINE_SEX = {"M": "male", "F": "female"}  # Beneficiary.sex → the engine's ``sex``


class YearFacts:
    """A person's category holdings in force on some day of a year (code, start, end) and the insurances
    they were enrolled in that year: what every bill of the person-year needs besides its own fields."""

    __slots__ = ("holdings", "insurances", "_always")

    def __init__(self, holdings: Iterable[tuple[str, datetime.date, datetime.date | None]],
                 insurances: Iterable[str]):
        self.holdings = list(holdings)
        self.insurances = frozenset(insurances)
        # Most people hold the same categories all year: then every bill has them (and shares one set).
        self._always = None
        if self.holdings:
            first = min(start for _, start, _ in self.holdings)
            ends = [end for _, _, end in self.holdings]
            if all(start == first for _, start, _ in self.holdings) and all(end is None for end in ends):
                self._always = (first, frozenset(code for code, _, _ in self.holdings))

    def categories_on(self, day: datetime.date) -> frozenset[str]:
        always = self._always
        if always is not None and day >= always[0]:
            return always[1]
        return frozenset(code for code, start, end in self.holdings if start <= day and (end is None or end >= day))

    @property
    def held(self) -> frozenset[str]:
        """Every category held on at least one day of the year."""
        return frozenset(code for code, _, _ in self.holdings)


NO_FACTS = YearFacts((), ())


def engine_bill(
    *,
    claim_id: int,
    person_id: int,
    facts: YearFacts,
    visit_type: str,
    hospital_level: str,
    hospital_code: str,
    in_county: bool,
    diagnoses: list[dict],
    day: datetime.date,
    total: Decimal,
    in_catalog: Decimal,
    recorded: Mapping[str, str],
    referred: bool,
    birth_date: datetime.date | None,
    sex: str,
) -> engine.ClaimInput:
    """The engine's bill from a stored bill's fields: the one builder behind ``services.claim_input``
    (one bill) and ``billed_people`` (a year of an area), so that both settle exactly the same bill.

    The hospital's code and 县域内 come from its record, the person's birth date and sex from their
    ID number, 转诊 from the bill; the categories are those held on the bill's date.
    """
    return engine.ClaimInput(
        id=str(claim_id),
        person=str(person_id),
        categories=facts.categories_on(day),
        insurances=facts.insurances,
        visit_type=visit_type,
        hospital_level=hospital_level,
        diseases=tuple(d["code"] for d in diagnoses if d.get("code")),
        date=day,
        total=total,
        in_catalog=in_catalog,
        recorded={layer: Decimal(amount) for layer, amount in recorded.items()},
        hospital=hospital_code or None,
        in_county=in_county,
        referred=referred,
        birth_date=birth_date,
        sex=ENGINE_SEX.get(sex),
    )


class StoredBill(NamedTuple):
    claim: engine.ClaimInput
    personal: Decimal  # what its current settlement left the person to pay (the payments are summed apart)
    version_id: int  # the policy version of that settlement


@dataclass(frozen=True, slots=True)
class BilledPerson:
    id: int
    name: str
    id_number: str
    village: str
    facts: YearFacts
    bills: list[StoredBill]  # in settling order: discharge date, then id


def _current_settlements(prefix: str, year: int) -> QuerySet[Settlement]:
    """The current settlement of every settled bill of ``year`` of the people of the area."""
    settlements = Settlement.objects.filter(
        superseded_at__isnull=True, claim__status=Claim.Status.SETTLED, claim__discharged_on__year=year
    )
    if prefix:
        settlements = settlements.filter(claim__beneficiary__village__code__startswith=prefix)
    return settlements


def billed_bills_count(prefix: str, year: int) -> int:
    return _current_settlements(prefix, year).count()


def year_facts(prefix: str, year: int) -> dict[int, YearFacts]:
    """Every person's ``YearFacts`` in the area, in two queries (people with nothing are left out)."""
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    holdings: dict[int, list] = {}
    for person, code, start, end in (
        CategoryHolding.objects.within(prefix).during(first, last)
        .values_list("beneficiary_id", "category__code", "start", "end")
    ):
        holdings.setdefault(person, []).append((code, start, end))
    insurances: dict[int, list] = {}
    for person, code in (
        Enrollment.objects.within(prefix).filter(year=year, status=Enrollment.Status.ENROLLED)
        .values_list("beneficiary_id", "insurance__code")
    ):
        insurances.setdefault(person, []).append(code)
    return {person: YearFacts(holdings.get(person, ()), insurances.get(person, ()))
            for person in holdings.keys() | insurances.keys()}


BILL_FIELDS = (
    "claim_id", "claim__beneficiary_id", "claim__visit_type", "claim__hospital_id", "diagnoses_text",
    "claim__discharged_on", "claim__total", "claim__in_catalog", "recorded_text", "claim__referred",
    "claim__beneficiary__birth_date", "claim__beneficiary__sex", "claim__beneficiary__name",
    "claim__beneficiary__id_number", "claim__beneficiary__village_id", "policy_version_id", "personal",
)
STREAM_CHUNK = 5000
READ_AHEAD = 2  # chunks of rows read ahead of the caller


class _RowsAhead:
    """The rows of a query read in a thread of its own, on a database connection of its own, up to
    ``READ_AHEAD`` chunks ahead of the caller: the database runs the query and sends the rows (and the driver
    decodes them) while the caller works on the rows before. Only outside a transaction: a second connection
    would not see what an open transaction (a test's) holds, so there the rows are read as they are asked for.
    ``close`` (always, also when the caller stops early) ends the thread and its connection."""

    def __init__(self, rows: Iterable[tuple], chunk_size: int):
        self.rows = rows
        self.chunk_size = chunk_size
        self.thread = None
        if not connection.in_atomic_block:
            self.chunks: queue.Queue = queue.Queue(maxsize=READ_AHEAD)
            self.stop = threading.Event()
            self.thread = threading.Thread(target=self._read, name="simulation-rows", daemon=True)
            self.thread.start()

    def _put(self, item) -> bool:
        while not self.stop.is_set():
            try:
                self.chunks.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _read(self) -> None:
        try:
            # In a transaction PostgreSQL's cursor streams the rows as the query makes them; outside one
            # (autocommit) it would be a holdable cursor, whose whole result the server makes and stores
            # before the first row comes (0.6 s for a county's year).
            with transaction.atomic():
                rows = iter(self.rows)
                try:
                    while True:
                        chunk = list(islice(rows, self.chunk_size))
                        if not self._put(chunk) or not chunk:
                            return
                finally:
                    if hasattr(rows, "close"):  # the query's cursor, closed on its own connection
                        rows.close()
        except BaseException as exc:  # handed to the caller's thread
            self._put(exc)
        finally:
            connections.close_all()  # this thread's connections only

    def __iter__(self) -> Iterator[tuple]:
        if self.thread is None:
            yield from self.rows
            return
        while True:
            chunk = self.chunks.get()
            if isinstance(chunk, BaseException):
                raise chunk
            if not chunk:
                return
            yield from chunk

    def close(self) -> None:
        if self.thread is not None:
            self.stop.set()
            self.thread.join()


def _json(text: str | None, empty):
    """A JSON column read as text: ``[]`` and ``{}`` (most bills) need no decoding."""
    if not text or text in ("[]", "{}"):
        return empty
    return json.loads(text)


def billed_people(prefix: str, year: int, *, facts: Mapping[int, YearFacts] | None = None) -> Iterator[BilledPerson]:
    """Every person of the area with current bills in ``year``, one at a time, each with all their bills of
    the year in settling order and what each bill's current settlement paid.

    Set-based: the holdings and enrollments in two queries (``year_facts``), the hospitals in one, the bills
    with their current settlement's personal payment and their person in one query streamed in chunks (a
    server-side cursor on PostgreSQL), so memory holds one person's bills at a time beside the facts and a
    few chunks of rows. Outside a transaction the bills' rows are read a chunk or two ahead on a connection
    of their own (``_RowsAhead``), while this thread reads the facts and builds and settles the bills before.
    What the settlements paid per layer and fund is summed by the database (``current_layer_amounts``).
    Close the generator when stopping early (``contextlib.closing``): that ends the reading thread.
    """
    rows = _RowsAhead(
        _current_settlements(prefix, year)
        .annotate(diagnoses_text=Cast("claim__diagnoses", TextField()),
                  recorded_text=Cast("claim__recorded", TextField()))
        .order_by("claim__beneficiary_id", "claim__discharged_on", "claim_id")
        .values_list(*BILL_FIELDS)
        .iterator(chunk_size=STREAM_CHUNK),
        STREAM_CHUNK,
    )
    try:
        if facts is None:
            facts = year_facts(prefix, year)  # while the database sorts the bills
        hospitals = {pk: (level, code, in_county) for pk, level, code, in_county
                     in Hospital.objects.values_list("pk", "level", "code", "in_county")}
        person = None
        diagnoses_read: dict[str, list] = {}  # a county's bills repeat a few thousand diagnosis lists at most
        for (claim_id, person_id, visit_type, hospital, diagnoses, day, total, in_catalog, recorded, referred,
             birth_date, sex, name, id_number, village, version_id, personal) in rows:
            level, hospital_code, in_county = hospitals[hospital]
            read = diagnoses_read.get(diagnoses)
            if read is None:
                read = _json(diagnoses, ())
                if len(diagnoses_read) < 10_000:
                    diagnoses_read[diagnoses] = read
            if person is None or person.id != person_id:
                if person is not None:
                    yield person
                person = BilledPerson(person_id, name, id_number, village, facts.get(person_id, NO_FACTS), [])
            claim = engine_bill(
                claim_id=claim_id, person_id=person_id, facts=person.facts, visit_type=visit_type,
                hospital_level=level, hospital_code=hospital_code, in_county=in_county,
                diagnoses=read, day=day, total=total, in_catalog=in_catalog,
                recorded=_json(recorded, {}), referred=referred, birth_date=birth_date, sex=sex,
            )
            person.bills.append(StoredBill(claim, personal, version_id))
        if person is not None:
            yield person
    finally:
        rows.close()


def current_layer_amounts(prefix: str, year: int) -> list[LayerAmount]:
    """What the current settlements of the year's bills in the area paid per layer, summed by the database
    (a year of a county is a million payment rows)."""
    payments = SettlementPayment.objects.filter(settlement__in=_current_settlements(prefix, year))
    rows = payments.values("layer", "fund").annotate(amount=Sum("amount"), layer_name=Max("name")).order_by()
    return [LayerAmount(r["layer"], r["layer_name"], r["fund"], engine.quantize_money(r["amount"] or Decimal(0)))
            for r in rows]


def current_payments(claim_ids: Iterable[int]) -> list[tuple[str, str, Decimal]]:
    """(layer, fund, amount) of every payment of these bills' current settlements."""
    ids, found = list(claim_ids), []
    for start in range(0, len(ids), 500):
        found += SettlementPayment.objects.filter(
            settlement__superseded_at__isnull=True, settlement__claim_id__in=ids[start:start + 500]
        ).values_list("layer", "fund", "amount")
    return found


def my_simulations(user: User) -> QuerySet[PolicySimulation]:
    """The user's own trial runs, newest first: nobody else's are listed or opened."""
    return PolicySimulation.objects.filter(requested_by=user)


def simulation_versions(user: User) -> list[tuple[PolicyVersion, str]]:
    """The stored policy versions a user may try (their region overlaps the user's area), each with its label:
    the one in force gives no change, an earlier one shows what going back would do."""
    own = user.area_prefix
    latest: dict[int, int] = {}
    versions = []
    for version in PolicyVersion.objects.select_related("policy").order_by("policy__code", "-number"):
        try:
            region = area_prefix(version.policy.region_code)
        except AreaCodeError:
            continue
        if not (region.startswith(own) or own.startswith(region)):
            continue
        latest.setdefault(version.policy_id, version.number)
        state = "现行" if latest[version.policy_id] == version.number else "历史版本"
        label = f"{version.policy.name} 第 {version.number} 版 · {state}"
        versions.append((version, label))
    return versions


def simulation_version(user: User, pk) -> PolicyVersion | None:
    return next((version for version, _ in simulation_versions(user) if str(version.pk) == str(pk)), None)


def hospital_names(policy: PolicyDocument) -> dict[str, str]:
    """The names of the hospitals the policy's conditions name by code, for its explanations."""
    codes = policy.hospital_codes
    if not codes:
        return {}
    return dict(Hospital.objects.filter(code__in=codes).values_list("code", "name"))


def hospitals_unclassified_count() -> int:
    return Hospital.objects.filter(place_confirmed_at__isnull=True).count()


def hospitals_unclassified(user: User) -> QuerySet[Hospital]:
    """The hospitals waiting for an administrator's 县域内 / 县域外, first named first, each with ``bills``: its
    settled bills of the user's area."""
    in_area = {"claims__status": Claim.Status.SETTLED,
               "claims__beneficiary__village__code__startswith": user.area_prefix}
    return (Hospital.objects.filter(place_confirmed_at__isnull=True).select_related("proposed_by")
            .annotate(bills=Count("claims", filter=Q(**in_area))).order_by("proposed_at", "name"))


def township_choices(user: User) -> QuerySet[Region]:
    """The townships a hospital of the user's area can lie in."""
    return Region.objects.within(user.area_prefix).filter(level=Level.TOWNSHIP).order_by("code")


# --- The clerk's day: the bill list (今日账单) and the end-of-day tally (日结) ------------------------------

DATE_BASES = {"entered": "录入日期", "discharged": "出院/就诊日期"}


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def entered_on(claims: QuerySet[Claim], first: datetime.date | None, last: datetime.date | None) -> QuerySet[Claim]:
    """Bills entered from ``first`` to ``last`` (local days), as a range of instants rather than a date
    extracted from each row, so that the database compares the column itself."""
    if first:
        claims = claims.filter(entered_at__gte=_local_midnight(first))
    if last:
        claims = claims.filter(entered_at__lt=_local_midnight(last + datetime.timedelta(days=1)))
    return claims


@dataclass(frozen=True)
class BillFilter:
    """What the bill list is searched by; every part optional. ``by`` says which date the range is of."""

    first: datetime.date | None = None
    last: datetime.date | None = None
    by: str = "entered"
    hospital: Hospital | None = None
    township: str = ""  # a township's code
    status: str = ""
    person: str = ""  # a name (or part of one), an ID number or its last digits
    clerk: User | None = None


def _person_matches(claims: QuerySet[Claim], text: str) -> QuerySet[Claim]:
    number = text.strip().upper()
    if len(number) in (15, 18) and number[:14].isdigit():
        return claims.filter(beneficiary__id_number=number)
    if len(number) >= 4 and number[:-1].isdigit():
        return claims.filter(beneficiary__id_number__endswith=number)
    return claims.filter(beneficiary__name__contains=text.strip())


def bills_found(user: User, bill_filter: BillFilter) -> QuerySet[Claim]:
    """The user's area's bills matching the filter, newest first (by the date searched on), each with its
    person, hospital, clerk and current settlement (``current``): three queries for a page of any length."""
    claims = claims_visible(user).select_related("entered_by")
    if bill_filter.by == "discharged":
        if bill_filter.first:
            claims = claims.filter(discharged_on__gte=bill_filter.first)
        if bill_filter.last:
            claims = claims.filter(discharged_on__lte=bill_filter.last)
        claims = claims.order_by("-discharged_on", "-id")
    else:
        claims = entered_on(claims, bill_filter.first, bill_filter.last).order_by("-entered_at", "-id")
    if bill_filter.hospital is not None:
        claims = claims.filter(hospital=bill_filter.hospital)
    if bill_filter.township:
        claims = claims.filter(beneficiary__village__code__startswith=bill_filter.township)
    if bill_filter.status:
        claims = claims.filter(status=bill_filter.status)
    if bill_filter.person.strip():
        claims = _person_matches(claims, bill_filter.person)
    if bill_filter.clerk is not None:
        claims = claims.filter(entered_by=bill_filter.clerk)
    return with_current_settlement(claims)


@dataclass(frozen=True)
class BillSums:
    """总费用, 各项保障合计 and 个人自付 of settled bills' current settlements; voided bills are counted apart."""

    bills: int
    voided: int
    total: Decimal
    by_fund: dict[str, Decimal]
    personal: Decimal

    @property
    def paid(self) -> Decimal:
        return sum(self.by_fund.values(), Decimal("0.00"))


def bill_sums(claims: QuerySet[Claim]) -> BillSums:
    """The sums of a filtered bill list, in two queries (the database adds; each sum brought back to the cent,
    since SQLite adds decimals as floating point)."""
    claims = claims.prefetch_related(None).order_by()
    voided = claims.filter(status=Claim.Status.VOIDED).count()
    sums = Settlement.objects.filter(
        superseded_at__isnull=True, claim__status=Claim.Status.SETTLED,
        claim__in=claims.filter(status=Claim.Status.SETTLED).values("pk"),
    ).aggregate(bills=Count("pk"), **{name: Sum(name) for name in SUMMED})
    money = {name: engine.quantize_money(sums[name] or Decimal(0)) for name in SUMMED}
    return BillSums(bills=sums["bills"], voided=voided, total=money["total"],
                    by_fund={fund: money[fund] for fund in FUNDS}, personal=money["personal"])


@dataclass(frozen=True)
class ClerkDay:
    """One clerk's part of a day: their bills in the order entered and what the settled ones come to."""

    clerk: User | None  # None: the whole day's bills, of every clerk
    bills: list[Claim]

    @property
    def settled(self) -> list[Claim]:
        return [c for c in self.bills if c.status == Claim.Status.SETTLED]

    @property
    def voided(self) -> int:
        return len(self.bills) - len(self.settled)

    def _sum(self, field: str) -> Decimal:
        return sum((getattr(c.current[0], field) for c in self.settled if c.current), Decimal("0.00"))

    @property
    def total(self) -> Decimal:
        return self._sum("total")

    @property
    def by_fund(self) -> dict[str, Decimal]:
        return {fund: self._sum(fund) for fund in FUNDS}

    @property
    def paid(self) -> Decimal:
        return sum(self.by_fund.values(), Decimal("0.00"))

    @property
    def personal(self) -> Decimal:
        return self._sum("personal")


@dataclass(frozen=True)
class DayTally:
    """日结: the bills entered on ``day`` in ``area`` (by ``clerk`` when given), per clerk and in all.

    Amounts are those of each bill's current settlement (a bill settled again since shows what stands now);
    a bill voided since is counted apart and adds nothing to the amounts."""

    day: datetime.date
    area: str
    clerk: User | None
    clerks: list[ClerkDay]

    @property
    def all(self) -> ClerkDay:
        return ClerkDay(clerk=self.clerk, bills=[c for line in self.clerks for c in line.bills])

    def as_dict(self) -> dict:
        def line(part: ClerkDay) -> dict:
            return {"bills": len(part.bills), "settled": len(part.settled), "voided": part.voided,
                    "total": str(part.total),
                    "by_fund": {fund: str(amount) for fund, amount in part.by_fund.items()},
                    "paid": str(part.paid), "personal": str(part.personal)}

        return {"date": self.day.isoformat(), "area": self.area, "clerk": self.clerk.username if self.clerk else None,
                **line(self.all),
                "clerks": [{"username": part.clerk.username, "name": part.clerk.get_full_name(), **line(part)}
                           for part in self.clerks]}


def area_name(user: User, area: str) -> str:
    """The name of an area code prefix (the user's own area when empty), for titles."""
    if not area:
        return user.area.name if user.area_id else "全部区域"
    return Region.objects.name_of(area)


def clerk_named(user: User, username: str) -> User:
    """The user ``username`` of the user's area, whose bills a 日结 may be limited to."""
    clerk = User.objects.filter(username=username, area__code__startswith=user.area_prefix).first()
    if clerk is None:
        raise ValidationError(f"录入人“{username}”不存在或不在您的管辖区域内。", code="unknown_clerk")
    return clerk


def day_tally(user: User, *, day: datetime.date, area: str = "", clerk: User | None = None) -> DayTally:
    """The 日结 of ``day`` for the user's area, or the part ``area`` of it (a code prefix already checked
    against the user's area), in three queries: the day's bills with their people, hospitals and clerks, and
    their current settlements."""
    claims = entered_on(claims_visible(user).select_related("entered_by"), day, day)
    if area:
        claims = claims.filter(beneficiary__village__code__startswith=area)
    if clerk is not None:
        claims = claims.filter(entered_by=clerk)
    by_clerk: dict[int, ClerkDay] = {}
    for claim in with_current_settlement(claims.order_by("entered_at", "id")):
        by_clerk.setdefault(claim.entered_by_id, ClerkDay(clerk=claim.entered_by, bills=[])).bills.append(claim)
    return DayTally(day=day, area=area, clerk=clerk,
                    clerks=sorted(by_clerk.values(), key=lambda part: part.clerk.username))


# --- 县域内就诊率 (seeds 002, 004: 农村贫困人口县域内就诊率 90% 以上) ------------------------------------------

# The one place that says which settlements were in county: at a hospital an administrator classified 县域内
# (``Hospital.in_county`` is never true before classification; the second term says so where it is read).
IN_COUNTY_SETTLEMENT = Q(claim__hospital__in_county=True, claim__hospital__place_confirmed_at__isnull=False)
IN_COUNTY_GOAL = Decimal("0.90")


def inpatient_in_county_by_township(people: QuerySet[Beneficiary], first: datetime.date,
                                    last: datetime.date) -> dict[str, tuple[int, int]]:
    """Per township of the person (the first nine digits of the village code): the current settlements of
    ``people``'s settled inpatient bills discharged from ``first`` to ``last``, and how many of them were in
    county. One grouped query."""
    rows = (Settlement.objects.current()
            .filter(claim__visit_type="inpatient", claim__discharged_on__range=(first, last),
                    claim__beneficiary__in=people.values("pk"))
            .annotate(township=Left("claim__beneficiary__village_id", 9)).values("township")
            .annotate(bills=Count("pk"), in_county=Count("pk", filter=IN_COUNTY_SETTLEMENT)).order_by())
    return {row["township"]: (row["bills"], row["in_county"]) for row in rows}
