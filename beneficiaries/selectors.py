from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, DateTimeField, Max, OuterRef, Q, QuerySet, Subquery, Value, Window
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from accounts.models import User
from beneficiaries import idnumbers
from beneficiaries.models import Beneficiary, Category, CategoryHolding, Enrollment, Household, Insurance, living_on
from policies.selectors import current_version, parsed_policy, policy_in_force

SEARCH_PAGE_SIZE = 50
# 农村贫困人口 of the seeds' targets (002, 004): the poor of the poverty office's list, and those who fell back.
TARGET_CATEGORIES = ("poor", "returned_poor")


def beneficiaries_visible(user: User) -> QuerySet[Beneficiary]:
    return Beneficiary.objects.visible_to(user).select_related("village", "household")


def target_people(user: User, prefix: str, day: datetime.date) -> QuerySet[Beneficiary]:
    """The poor of the area on ``day``, in the user's area: living (在册) that day and holding a target category
    (the people the plans above the registry — health, employment, projects — count and serve)."""
    holders = CategoryHolding.objects.on(day).filter(category__code__in=TARGET_CATEGORIES)
    return (Beneficiary.objects.visible_to(user).within(prefix)
            .filter(living_on(day), pk__in=holders.values("beneficiary_id")))


def target_households(user: User, prefix: str, day: datetime.date) -> QuerySet[Household]:
    return Household.objects.filter(pk__in=target_people(user, prefix, day).values("household_id"))


def people_changed_since(user: User, since: datetime.datetime) -> QuerySet[Beneficiary]:
    """The people of the user's area whose record, categories or enrollment changed after ``since`` (every
    change, bulk ones included, leaves a history row), each with ``changed_at``, its latest such change:
    what another office reads to keep its copy of the registry in step."""
    changes = [
        (Beneficiary.history.model, "id"),
        (CategoryHolding.history.model, "beneficiary_id"),
        (Enrollment.history.model, "beneficiary_id"),
    ]
    changed = Q()
    latest = []
    for history, person in changes:
        rows = history.objects.filter(history_date__gt=since)
        changed |= Q(pk__in=rows.values(person))
        newest = rows.filter(**{person: OuterRef("pk")}).order_by().values(person).annotate(at=Max("history_date"))
        latest.append(Coalesce(Subquery(newest.values("at")), Value(since, output_field=DateTimeField())))
    return beneficiaries_visible(user).filter(changed).annotate(changed_at=Greatest(*latest))


def beneficiary_search(*, user: User, query: str) -> QuerySet[Beneficiary]:
    """People of the user's area matching an ID number (current or former), its last digits, or a name,
    in a stable order (village, name, id) so that pages do not overlap."""
    text = idnumbers.normalize(query)
    people = beneficiaries_visible(user).order_by("village_id", "name", "pk")
    if not text:
        return people.none()
    if len(text) in (15, 18) and text[:14].isdigit():
        try:
            number = idnumbers.parse(text).number
        except idnumbers.IdNumberError:
            number = text
        # One IN over a UNION, each side an index lookup: an OR of the two conditions makes PostgreSQL read
        # every person of the area to test the second.
        holders = Beneficiary.objects.filter(id_number=number).order_by().values("id").union(
            Beneficiary.history.filter(id_number=number).order_by().values("id")
        )
        return people.filter(pk__in=holders)
    if text[:-1].isdigit() and len(text) >= 4:
        return people.filter(id_number__endswith=text)
    return people.filter(name__startswith=query.strip())


def beneficiary_search_page(*, user: User, query: str, number: int | str | None) -> Page:
    """One page of ``beneficiary_search`` with the number of matches, counted by the page's own query (a
    window over the matches): no second query, whatever the page. A page past the end shows the last."""
    matches = beneficiary_search(user=user, query=query)
    try:
        number = max(int(number or 1), 1)
    except (TypeError, ValueError):
        number = 1
    counted = matches.annotate(search_total=Window(Count("pk")))
    start = (number - 1) * SEARCH_PAGE_SIZE
    people = list(counted[start : start + SEARCH_PAGE_SIZE])
    if people:
        total = people[0].search_total
    elif number > 1 and (total := matches.count()):
        number = (total - 1) // SEARCH_PAGE_SIZE + 1
        start = (number - 1) * SEARCH_PAGE_SIZE
        people = list(matches[start : start + SEARCH_PAGE_SIZE])
    else:
        total = 0
    paginator = Paginator(matches, SEARCH_PAGE_SIZE)
    paginator.count = total  # Paginator would count with a query of its own
    return Page(people, number, paginator)


@dataclass(frozen=True)
class Standing:
    """Where a person stood at a moment: their household and their status (在册 / 死亡 / 迁出)."""

    household_id: int | None
    status: str


def _standings(moment: datetime.datetime | None, people: Q) -> dict[int, Standing]:
    """Person id → standing at ``moment`` (None: now) of the ``people``: two queries at most.

    At a past moment a person's household is the one their last change recorded before it names; a person
    with no record before it (registered later, or loaded in bulk without history) is where they are today.
    Their status is today's when its date (死亡 / 迁出) falls before the moment, 在册 when it falls after;
    without such a date, the one recorded as for the household."""
    today = {
        pk: (household_id, status, status_date)
        for pk, household_id, status, status_date in Beneficiary.objects.filter(people)
        .values_list("pk", "household_id", "status", "status_date")
    }
    if moment is None:
        return {pk: Standing(household_id, status) for pk, (household_id, status, _) in today.items()}
    recorded = {}
    rows = (
        Beneficiary.history.filter(history_date__lt=moment, id__in=Beneficiary.objects.filter(people).values("pk"))
        .order_by("id", "history_date", "history_id")
        .values_list("id", "household_id", "status")
    )
    for pk, household_id, status in rows:  # in time order: the last record before the moment wins
        recorded[pk] = (household_id, status)
    first_day_after = timezone.localtime(moment).date()
    standings = {}
    for pk, (household_id, status, status_date) in today.items():
        household_then, status_then = recorded.get(pk, (household_id, status))
        if status != Beneficiary.Status.ACTIVE and status_date is not None:
            status_then = status if status_date < first_day_after else Beneficiary.Status.ACTIVE
        standings[pk] = Standing(household_then, status_then)
    return standings


def standings_at(moment: datetime.datetime | None, people: Iterable[int] | QuerySet) -> dict[int, Standing]:
    """Person id → their household and status at ``moment`` (None: now); ``people`` are ids or a query of them."""
    return _standings(moment, Q(pk__in=people))


def household_members_at(
    moment: datetime.datetime | None, households: Iterable[int] | QuerySet
) -> dict[int, dict[int, Standing]]:
    """Household id → its members at ``moment`` (None: now), person id → standing, for ``households`` (ids or
    a query of them; others may come back too, with the members who moved there from these)."""
    people = Q(household_id__in=households)
    if moment is not None:
        people |= Q(pk__in=Beneficiary.history.filter(household_id__in=households).values("id"))
    members: dict[int, dict[int, Standing]] = defaultdict(dict)
    for pk, standing in _standings(moment, people).items():
        if standing.household_id is not None:
            members[standing.household_id][pk] = standing
    return members


def households_at(
    moment: datetime.datetime | None, people: Iterable[int] | QuerySet
) -> tuple[dict[int, Standing], dict[int, dict[int, Standing]]]:
    """The people's standings at ``moment`` (None: now) and the members, at that moment, of the households they
    then belonged to (as ``household_members_at``): four queries at most, whatever the number of people."""
    people = people if isinstance(people, QuerySet) else list(people)
    own = standings_at(moment, people)
    households = Beneficiary.objects.filter(pk__in=people).values("household_id")
    if moment is not None:
        households = Household.objects.filter(
            Q(pk__in=households) | Q(pk__in=Beneficiary.history.filter(id__in=people).values("household_id"))
        ).values("pk")
    return own, household_members_at(moment, households)


def categories_on(person: Beneficiary, day: datetime.date) -> list[Category]:
    """The categories a person holds on ``day``: one query."""
    return [h.category for h in CategoryHolding.objects.on(day).filter(beneficiary=person).select_related("category")]


def insurances_on(person: Beneficiary, year: int) -> list[Enrollment]:
    return list(person.enrollments.filter(year=year, status=Enrollment.Status.ENROLLED).select_related("insurance"))


@dataclass(frozen=True)
class HistoryEntry:
    when: datetime.datetime
    who: str
    what: str
    kind: str
    changes: list[tuple[str, str, str]]
    reason: str


def history_entries(records, what, *, keep_reasons: bool = False) -> list[HistoryEntry]:
    """The entries of ``records`` (one history table, read in one query), newest first; a change of no
    tracked field is left out, unless ``keep_reasons`` and it has a reason (a user's password reset).

    Each change is diffed against the record before it of the same object, found in the list itself:
    simple_history's ``prev_record`` would cost a query per record. Related objects (village, household,
    category…) are read with the records, so naming them costs nothing either."""
    model = records.model
    relations = [f.name for f in model.tracked_fields if f.is_relation and f.editable]
    records = records.select_related("history_user", *relations).order_by("history_date", "history_id")
    fields = model.instance_type._meta
    entries = []
    # Object id → (date of its latest record, that record, the record before that date): as ``prev_record``,
    # the previous record is the latest one strictly earlier, so records of one instant share it.
    latest: dict[object, tuple] = {}
    for record in records:
        previous = None
        if record.id in latest:
            date, last, before = latest[record.id]
            previous = last if date < record.history_date else before
        latest[record.id] = (record.history_date, record, previous)
        changes: list[tuple[str, str, str]] = []
        if record.history_type == "~" and previous is not None:
            for change in record.diff_against(previous).changes:
                field = fields.get_field(change.field)
                changes.append((str(field.verbose_name), _display(field, change.old, previous),
                                _display(field, change.new, record)))
            if not changes and not (keep_reasons and record.history_change_reason):
                continue
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=str(record.history_user) if record.history_user else "系统",
                what=what(record),
                kind={"+": "新增", "~": "修改", "-": "删除"}[record.history_type],
                changes=changes,
                reason=record.history_change_reason or "",
            )
        )
    return entries[::-1]


def _display(field, value, record) -> str:
    """``value`` of ``field`` as ``record`` (a history record read with its related objects) has it."""
    if value is None or value == "":
        return "（空）"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    shown = getattr(record.instance_type, f"get_{field.name}_display", None)
    if shown is not None:  # a model's own wording of a field without choices (a partner's list of scopes)
        return str(shown(record.instance))
    if isinstance(value, datetime.datetime):
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M:%S}"
    if field.is_relation:
        target = getattr(record, field.name)  # None when the object has since been deleted
        return str(target) if target is not None else str(value)
    return str(value)


def person_history(person: Beneficiary) -> list[HistoryEntry]:
    """Every recorded change to the person, their household, holdings and enrollment, newest first: four
    queries, whatever the number of records."""
    entries = history_entries(person.history.all(), lambda r: "个人信息")
    if person.household_id:
        entries += history_entries(Household.history.filter(id=person.household_id), lambda r: "家庭户信息")
    entries += history_entries(
        CategoryHolding.history.filter(beneficiary_id=person.pk), lambda r: f"类别认定：{r.category.name}"
    )
    entries += history_entries(
        Enrollment.history.filter(beneficiary_id=person.pk),
        lambda r: f"参保登记：{r.year} 年 {r.insurance.name}",
    )
    return sorted(entries, key=lambda e: e.when, reverse=True)


@dataclass(frozen=True)
class AreaHeadline:
    people: int
    households: int
    covered_today: int
    by_category: list[tuple[str, int]]
    enrolled_this_year: int


def area_headline(user: User, today: datetime.date) -> AreaHeadline:
    people = Beneficiary.objects.visible_to(user).filter(status=Beneficiary.Status.ACTIVE)
    held_today = CategoryHolding.objects.visible_to(user).on(today)
    by_category = (
        held_today.values("category__name", "category__order")
        .annotate(n=Count("beneficiary", distinct=True))
        .order_by("category__order")
    )
    return AreaHeadline(
        people=people.count(),
        households=Household.objects.visible_to(user).count(),
        covered_today=held_today.values("beneficiary").distinct().count(),
        by_category=[(row["category__name"], row["n"]) for row in by_category],
        enrolled_this_year=Enrollment.objects.visible_to(user)
        .filter(year=today.year, status=Enrollment.Status.ENROLLED, insurance__code="resident_basic")
        .values("beneficiary")
        .distinct()
        .count(),
    )


PICK_LIMIT = 20  # households a picker lists for what was typed: enough to choose from, never the area's


def households_labelled(households: QuerySet[Household]) -> QuerySet[Household]:
    """With what ``household_label`` reads."""
    return households.select_related("head", "village__parent")


def household_label(household: Household) -> str:
    """“田小红（户主）· 龙潭镇 红花村 · 户编号 Y00100000”: who and where first, the number last."""
    head = f"{household.head.name}（户主）" if household.head else "未登记户主"
    village = household.village
    place = f"{village.parent.name} {village.name}" if village.parent else village.name
    return f"{head} · {place} · 户编号 {household.number}"


def household_pick(*, user: User, query: str) -> list[Household]:
    """At most ``PICK_LIMIT`` households of the user's area whose number starts with ``query``, or with a
    member (the head, usually) found by ``beneficiary_search``: a name's start, an ID number or its last digits."""
    text = query.strip()
    if not text:
        return []
    with_member = beneficiary_search(user=user, query=text).exclude(household=None)
    member_households = list(with_member.values_list("household_id", flat=True)[:PICK_LIMIT])
    found = households_labelled(Household.objects.visible_to(user)).filter(
        Q(number__startswith=text) | Q(number__startswith=text.upper()) | Q(pk__in=member_households)
    )
    return list(found[:PICK_LIMIT])


@dataclass(frozen=True)
class SubsidyDefaults:
    """What an enrollment form proposes: per “year|insurance id” the 参保财政补助, and the insurance the
    policy of ``year`` enrolls people in (None without an ``enrollment`` block)."""

    amounts: dict[str, str]
    insurance_id: int | None


def enrollment_subsidy_defaults(person: Beneficiary, years: Iterable[int], today: datetime.date) -> SubsidyDefaults:
    """The subsidy the policy in force gives the person (the largest of the categories held when the
    enrollment is recorded, between the start of the year before and the end of the year: five_checks.py's
    day); without an ``enrollment`` block in the policy, what the person's latest record of that insurance says."""
    years = sorted(years)
    latest = {}
    for insurance_id, subsidy in person.enrollments.order_by("year", "recorded_at").values_list("insurance", "subsidy"):
        latest[insurance_id] = subsidy
    amounts = {f"{year}|{pk}": str(subsidy) for year in years for pk, subsidy in latest.items()}
    insurances = dict(Insurance.objects.values_list("code", "pk"))
    enrolled_in = None
    for year in years:
        policy = policy_in_force(person.village_id, year)
        version = current_version(policy) if policy else None
        block = parsed_policy(version).enrollment if version else None
        if block is None or block.insurance not in insurances:
            continue
        day = min(max(today, datetime.date(year - 1, 1, 1)), datetime.date(year, 12, 31))
        held = [category.code for category in categories_on(person, day)]
        amounts[f"{year}|{insurances[block.insurance]}"] = str(block.subsidy_for(held))
        if year == today.year:
            enrolled_in = insurances[block.insurance]
    return SubsidyDefaults(amounts, enrolled_in)
