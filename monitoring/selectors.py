"""Reading the monitoring figures (monitoring.md): the alert list of a user's area, and the burden of a
person's or a household's year against the threshold, for the person and household pages.

A person's burden of year Y is Σ ``personal`` of the current settlements of their settled bills dated in Y,
less the grants paid to them for Y (relief outside the cascade: assistance's records), never below 0. A household's burden
is Σ of its members' burdens, the members being those of the end of the year, or of today for the current
year (``membership_moment``), except those then recorded as moved away (迁出): a member who died in the year
still counts, their bills were the family's.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, FloatField, Prefetch, QuerySet, Sum, Value
from django.db.models.functions import Cast, NullIf
from django.utils import timezone

from accounts.models import User
from accounts.services import area_within
from assistance.models import Grant
from assistance.selectors import relief_by_person_year
from beneficiaries import idnumbers
from beneficiaries.models import Beneficiary, CategoryHolding, Household
from beneficiaries.selectors import household_members_at, households_at
from claims.models import Claim, Settlement
from monitoring.models import Alert, AlertStep, Level
from monitoring.services import NO_MONITORING, NO_POLICY
from policies.document import Monitoring, monitoring_threshold
from policies.engine import quantize_money
from policies.selectors import parsed_policy, versions_in_force
from regions.codes import Level as RegionLevel
from regions.models import Region

ZERO = Decimal("0.00")
NOT_MONITORED = "未纳入监测"
FUNDS_SUMMED = ("total", "basic", "critical", "assistance", "other", "personal")
# Sort keys of the alert list (a leading "-" sorts descending) and the columns each orders by.
SORTS: dict[str, tuple[str, ...]] = {
    "burden": ("burden",),
    "share": ("share_order",),
    "township": ("beneficiary__village_id", "beneficiary__name"),
    "updated": ("updated_at",),
}
DEFAULT_SORT = "-share"
YEARS_SHOWN = 3  # on the person and household pages: this year and the latest years with bills


def _year_range(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def membership_moment(year: int) -> datetime.datetime | None:
    """When a year's household members are taken (monitoring.md): the end of the year, or now (None) for the
    current year and any later one."""
    if year >= timezone.localdate().year:
        return None
    return timezone.make_aware(datetime.datetime(year + 1, 1, 1))


def _settlements_of_years(first_year: int, last_year: int) -> QuerySet[Settlement]:
    """Current settlements of settled (not voided) bills dated in [first_year, last_year]."""
    return Settlement.objects.current().filter(
        claim__discharged_on__gte=datetime.date(first_year, 1, 1),
        claim__discharged_on__lte=datetime.date(last_year, 12, 31),
    )


def share_percent(burden: Decimal, threshold: Decimal | None) -> Decimal | None:
    """Burden as a percentage of the threshold, one decimal (None when there is no threshold)."""
    if not threshold:
        return None
    return (burden * 100 / threshold).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# --- The alert list ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlertFilter:
    """What the alert list shows: a year of an area, narrowed by township, level, label, status and a
    name or ID number (its last digits will do)."""

    year: int
    area: str = ""  # an area code within the user's (empty: the user's whole area)
    township: str = ""  # a township's 9-digit code
    level: str = ""
    label: str = ""
    status: str = ""
    query: str = ""

    def describe(self) -> str:
        parts = [f"{self.year} 年", f"区域 {self.township or self.area or '本辖区'}"]
        if self.level:
            parts.append(f"等级 {Level(self.level).label}")
        if self.label:
            parts.append(f"类别 {self.label}")
        if self.status:
            parts.append(f"状态 {Alert.Status(self.status).label}")
        if self.query:
            parts.append(f"查找“{self.query}”")
        return "，".join(parts)


def alerts_visible(user: User) -> QuerySet[Alert]:
    """The alerts of the user's area, with the person, their village and township and their household."""
    return Alert.objects.visible_to(user).select_related(
        "beneficiary__village__parent", "beneficiary__household__head"
    )


def _ordering(sort: str) -> list:
    key = sort.lstrip("-")
    if key not in SORTS:
        key, sort = DEFAULT_SORT.lstrip("-"), DEFAULT_SORT
    descending = sort.startswith("-")
    columns = [
        F(name).desc(nulls_last=True) if descending else F(name).asc(nulls_last=True) for name in SORTS[key]
    ]
    return [*columns, "-pk" if descending else "pk"]


def alerts_filtered(user: User, alert_filter: AlertFilter, *, sort: str = DEFAULT_SORT) -> QuerySet[Alert]:
    """The user's alerts of the filter's year and area, narrowed and sorted (``SORTS``; unknown keys sort
    by the default). Refuses an area or township outside the user's area (ValidationError)."""
    alerts = alerts_visible(user).filter(year=alert_filter.year)
    for code in (alert_filter.area, alert_filter.township):
        if code:
            alerts = alerts.within(area_within(user, code))
    if alert_filter.level:
        alerts = alerts.filter(level=alert_filter.level)
    if alert_filter.label:
        alerts = alerts.filter(label=alert_filter.label)
    if alert_filter.status:
        alerts = alerts.filter(status=alert_filter.status)
    text = idnumbers.normalize(alert_filter.query)
    if text:
        if len(text) >= 4 and text[:-1].isdigit():
            alerts = alerts.filter(beneficiary__id_number__endswith=text)
        else:
            alerts = alerts.filter(beneficiary__name__contains=alert_filter.query.strip())
    # Floats for ordering only: SQLite keeps whole-yuan decimals as integers and would divide them as such.
    share = Cast("burden", FloatField()) / NullIf(Cast("threshold", FloatField()), Value(0.0))
    return alerts.annotate(share_order=share).order_by(*_ordering(sort))


def alert_level_counts(user: User, alert_filter: AlertFilter) -> dict[str, int]:
    """How many of the filter's alerts are at each level (the level filter itself ignored): one query."""
    wider = dataclasses.replace(alert_filter, level="")
    rows = alerts_filtered(user, wider).order_by().values_list("level").annotate(n=Count("pk"))
    counts = dict.fromkeys(Level.values, 0)
    counts.update(dict(rows))
    return counts


def alert_labels(user: User) -> list[str]:
    """The monitoring labels met in the user's alerts (the label filter's choices)."""
    labels = Alert.objects.visible_to(user).exclude(label="").values_list("label", flat=True)
    return sorted(set(labels.distinct().order_by()))


def township_choices(user: User) -> list[Region]:
    """The townships of the user's area."""
    return list(Region.objects.within(user.area_id or "").filter(level=RegionLevel.TOWNSHIP).order_by("code"))


@dataclass(frozen=True)
class AlertRow:
    alert: Alert
    household_burden: Decimal
    share: Decimal | None  # burden ÷ threshold, in percent

    @property
    def person(self) -> Beneficiary:
        return self.alert.beneficiary


def _relief_of_years(ids: Iterable[int], first_year: int, last_year: int) -> dict[tuple[int, int], Decimal]:
    """(person id, year) → Σ the grants paid for the year (monitoring.md's relief), in one query."""
    return relief_by_person_year(
        Grant.objects.filter(beneficiary_id__in=ids, year__gte=first_year, year__lte=last_year))


def _burden_of_year(ids: Iterable[int], year: int) -> dict[int, Decimal]:
    """Person id → their burden of the year: Σ personal of their current settlements of the year less the
    grants paid for it, never below 0 (two queries)."""
    ids = list(ids)
    relief = _relief_of_years(ids, year, year)
    return {
        person_id: max(ZERO, quantize_money(personal) - relief.get((person_id, year), ZERO))
        for person_id, personal in _settlements_of_years(year, year).filter(claim__beneficiary_id__in=ids)
        .values_list("claim__beneficiary_id").annotate(personal=Sum("personal")).order_by()
    }


def household_burdens(people: Sequence[Beneficiary], year: int) -> dict[int, Decimal]:
    """Person id → the year's burden of their household (Σ members' burdens, the module docstring's
    members; a person without a household is a household of one), in six queries at most."""
    own, members = households_at(membership_moment(year), [person.pk for person in people])
    burdens_of = _burden_of_year({*own, *(pk for group in members.values() for pk in group)}, year)
    burdens = {}
    for person in people:
        standing = own[person.pk]
        mine = burdens_of.get(person.pk, ZERO)
        if standing.household_id is None:
            burdens[person.pk] = mine
            continue
        group = members.get(standing.household_id, {})
        total = sum((burdens_of.get(pk, ZERO) for pk, member in group.items()
                     if member.status != Beneficiary.Status.MOVED_AWAY), ZERO)
        # the row's own person always counts, even when recorded as moved away
        burdens[person.pk] = total + (mine if standing.status == Beneficiary.Status.MOVED_AWAY else ZERO)
    return burdens


def alert_rows(alerts: Sequence[Alert], year: int) -> list[AlertRow]:
    """The alerts of a page with their household burdens (one query for all of them)."""
    alerts = list(alerts)
    burdens = household_burdens([alert.beneficiary for alert in alerts], year)
    return [
        AlertRow(alert, burdens[alert.beneficiary_id], share_percent(alert.burden, alert.threshold))
        for alert in alerts
    ]


@dataclass(frozen=True)
class ExportRow:
    """One line of the exported alert list, in the shape the civil-affairs and rural-revitalization offices
    use."""

    alert: Alert
    head: str
    household_size: int
    township: str
    village: str
    sums: dict[str, Decimal]  # FUNDS_SUMMED of the year's current settlements


def alert_export_rows(alerts: QuerySet[Alert], year: int) -> list[ExportRow]:
    """The alerts with their household's head and size (the household of the year's membership moment) and
    the year's totals by fund: seven queries at most, whatever the number of alerts."""
    alerts_list = list(alerts)
    people = alerts.values("beneficiary_id")
    sums = {
        row["claim__beneficiary_id"]: {name: quantize_money(row[name]) for name in FUNDS_SUMMED}
        for row in _settlements_of_years(year, year).filter(claim__beneficiary_id__in=people)
        .values("claim__beneficiary_id").annotate(**{name: Sum(name) for name in FUNDS_SUMMED}).order_by()
    }
    own, members = households_at(membership_moment(year), people)
    heads = dict(
        Household.objects.filter(pk__in={standing.household_id for standing in own.values()} - {None})
        .values_list("pk", "head__name")
    )
    rows = []
    for alert in alerts_list:
        person = alert.beneficiary
        household_id = own[person.pk].household_id
        if household_id is None:
            head, size = person.name, 1
        else:
            head = heads.get(household_id) or ""
            size = sum(1 for member in members.get(household_id, {}).values()
                       if member.status != Beneficiary.Status.MOVED_AWAY)
        village = person.village
        rows.append(ExportRow(
            alert=alert, head=head, household_size=size,
            township=village.parent.name if village.parent else "", village=village.name,
            sums=sums.get(person.pk, dict.fromkeys(FUNDS_SUMMED, ZERO)),
        ))
    return rows


# --- An alert's page and its referral letter -------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    at: datetime.datetime
    level: str
    burden: Decimal
    threshold: Decimal | None
    by: str
    cause: str

    @property
    def level_label(self) -> str:
        return Level(self.level).label if self.level in Level.values else self.level


def alert_changes(alert: Alert) -> list[Change]:
    """The alert's changes of level or figures, oldest first, with the author's name (one query)."""
    names = {
        user.username: user.get_full_name() or user.username
        for user in User.objects.filter(username__in={c.get("by", "") for c in alert.changes})
    }
    return [
        Change(
            at=datetime.datetime.fromisoformat(c["at"]), level=c["level"], burden=Decimal(c["burden"]),
            threshold=None if c.get("threshold") is None else Decimal(c["threshold"]),
            by=names.get(c.get("by", ""), c.get("by", "")), cause=c.get("cause", ""),
        )
        for c in alert.changes
    ]


def alert_steps(alert: Alert) -> QuerySet[AlertStep]:
    return alert.steps.select_related("by")


def warn_line(monitoring: Monitoring | None, threshold: Decimal | None) -> Decimal | None:
    if monitoring is None or threshold is None:
        return None
    return quantize_money(monitoring.warn_at * threshold)


def alert_warn_line(alert: Alert) -> Decimal | None:
    """The warning line of the alert's threshold under the policy in force for its person-year."""
    place = (alert.beneficiary.village_id, alert.year)
    version = versions_in_force({place})[place]
    return warn_line(None if version is None else parsed_policy(version).monitoring, alert.threshold)


@dataclass(frozen=True)
class BillLine:
    claim: Claim
    settlement: Settlement
    payments: list  # the layers that paid something


def year_bills(person: Beneficiary, year: int) -> list[BillLine]:
    """The person's settled bills of the year with their current settlement and what each layer paid."""
    first, last = _year_range(year)
    current = Settlement.objects.filter(superseded_at__isnull=True).prefetch_related("payments")
    claims = (
        Claim.objects.filter(beneficiary=person, status=Claim.Status.SETTLED,
                             discharged_on__gte=first, discharged_on__lte=last)
        .select_related("hospital")
        .prefetch_related(Prefetch("settlements", queryset=current, to_attr="current"))
        .order_by("discharged_on", "pk")
    )
    return [
        BillLine(claim, claim.current[0], [p for p in claim.current[0].payments.all() if p.amount])
        for claim in claims if claim.current
    ]


def bill_totals(bills: Iterable[BillLine]) -> dict[str, Decimal]:
    totals = dict.fromkeys(FUNDS_SUMMED, ZERO)
    for bill in bills:
        for name in FUNDS_SUMMED:
            totals[name] += getattr(bill.settlement, name)
    return totals


# --- A person's and a household's year -----------------------------------------------------------------


@dataclass(frozen=True)
class YearBurden:
    """A person's burden of a year against their threshold (monitoring.md)."""

    year: int
    medical: Decimal
    relief: Decimal
    burden: Decimal
    threshold: Decimal | None  # None: not monitored (``note`` says why)
    warn_line: Decimal | None
    label: str
    level: str  # Level.OVER or Level.WARNING, "" below the warning line or not monitored
    note: str = ""
    alert: Alert | None = None

    @property
    def monitored(self) -> bool:
        return self.threshold is not None

    @property
    def share(self) -> Decimal | None:
        return share_percent(self.burden, self.threshold)

    @property
    def level_label(self) -> str:
        return Level(self.level).label if self.level else ""


def _held_in(holdings: list[tuple[str, datetime.date, datetime.date | None]], year: int) -> set[str]:
    first, last = _year_range(year)
    return {
        code for code, start, end in holdings
        if start <= last and (end is None or (end >= first and end >= start))
    }


def year_burdens(people: Sequence[Beneficiary], years: Iterable[int]) -> dict[tuple[int, int], YearBurden]:
    """(person id, year) → YearBurden for every person and year, in five queries whatever their number:
    the settlements, the grants, the category holdings, the policies in force and the alerts."""
    people, years = list(people), sorted(set(years))
    if not people or not years:
        return {}
    ids = [person.pk for person in people]
    medical = {
        (person_id, year): quantize_money(personal)
        for person_id, year, personal in _settlements_of_years(years[0], years[-1])
        .filter(claim__beneficiary_id__in=ids)
        .values_list("claim__beneficiary_id", "claim__discharged_on__year").annotate(personal=Sum("personal"))
        .order_by()
    }
    holdings: dict[int, list] = defaultdict(list)
    rows = (
        CategoryHolding.objects.filter(beneficiary_id__in=ids)
        .during(_year_range(years[0])[0], _year_range(years[-1])[1])
        .values_list("beneficiary_id", "category__code", "start", "end")
    )
    for person_id, code, start, end in rows:
        holdings[person_id].append((code, start, end))
    relief = _relief_of_years(ids, years[0], years[-1])
    versions = versions_in_force({(person.village_id, year) for person in people for year in years})
    alerts = {
        (a.beneficiary_id, a.year): a for a in Alert.objects.filter(beneficiary_id__in=ids, year__in=years)
    }
    result = {}
    for person in people:
        for year in years:
            amount, received = medical.get((person.pk, year), ZERO), relief.get((person.pk, year), ZERO)
            version = versions[(person.village_id, year)]
            place = person.village.name
            common = {"year": year, "medical": amount, "relief": received, "burden": max(ZERO, amount - received),
                      "alert": alerts.get((person.pk, year))}
            if version is None:
                result[(person.pk, year)] = YearBurden(
                    **common, threshold=None, warn_line=None, label="", level="",
                    note=NO_POLICY.format(place=place, year=year))
                continue
            block = parsed_policy(version).monitoring
            if block is None:
                result[(person.pk, year)] = YearBurden(
                    **common, threshold=None, warn_line=None, label="", level="",
                    note=NO_MONITORING.format(place=place, year=year, policy=version.policy.name))
                continue
            threshold = monitoring_threshold(block, _held_in(holdings[person.pk], year))
            if threshold is None:
                result[(person.pk, year)] = YearBurden(
                    **common, threshold=None, warn_line=None, label="", level="", note=NOT_MONITORED)
                continue
            result[(person.pk, year)] = YearBurden(
                **common, threshold=threshold.amount, warn_line=warn_line(block, threshold.amount),
                label=threshold.label, level=block.level_for(common["burden"], threshold.amount) or "",
            )
    return result


def person_year_burden(person: Beneficiary, year: int) -> YearBurden:
    return year_burdens([person], [year])[(person.pk, year)]


@dataclass(frozen=True)
class MemberBurden:
    person: Beneficiary
    figures: YearBurden
    counted: bool  # False for a member recorded as moved away


@dataclass(frozen=True)
class HouseholdBurden:
    year: int
    members: list[MemberBurden] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((m.figures.burden for m in self.members if m.counted), ZERO)


def household_years_burdens(household: Household, years: Iterable[int]) -> list[HouseholdBurden]:
    """The household's members of each year (as the module docstring says) with their burdens, newest year
    first, and the sum of those counted."""
    years = sorted(set(years), reverse=True)
    standings = {year: household_members_at(membership_moment(year), [household.pk]).get(household.pk, {})
                 for year in years}
    people = list(
        Beneficiary.objects.filter(pk__in={pk for group in standings.values() for pk in group})
        .select_related("village").order_by("pk")
    )
    figures = year_burdens(people, years)
    return [
        HouseholdBurden(year, [
            MemberBurden(m, figures[(m.pk, year)], standings[year][m.pk].status != Beneficiary.Status.MOVED_AWAY)
            for m in people if m.pk in standings[year]
        ])
        for year in years
    ]


def household_year_burden(household: Household, year: int) -> HouseholdBurden:
    return household_years_burdens(household, [year])[0]


def burden_years(people: Sequence[Beneficiary], today: datetime.date) -> list[int]:
    """The years the person and household pages show: this year and the latest years in which these people
    have settled bills, at most ``YEARS_SHOWN``, newest first (one query)."""
    years = (
        Settlement.objects.current().filter(claim__beneficiary__in=[p.pk for p in people])
        .values_list("claim__discharged_on__year", flat=True).distinct().order_by()
    )
    chosen = sorted({today.year, *years}, reverse=True)
    if len(chosen) > YEARS_SHOWN:
        chosen = [today.year, *[y for y in chosen if y != today.year][:YEARS_SHOWN - 1]]
    return sorted(chosen, reverse=True)
