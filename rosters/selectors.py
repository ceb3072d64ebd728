"""What the comparisons read from the database: vocabularies, the registry for a list, a year's enrollment."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet

from beneficiaries.models import Beneficiary, Category, CategoryHolding, Enrollment, Household, Insurance
from regions.codes import Level
from regions.models import Region
from rosters.comparison import RegistryPerson, Vocabulary, match_key
from rosters.enrollment import INSURANCE_ALIASES, CoveredPerson, EnrollmentState
from rosters.models import CategoryAlias, EnrollmentUpload, RosterBatch, RosterChange, RosterCreation

# Values per ``IN (…)`` query: under SQLite's 999 bound parameters, and small enough for any server.
IN_CHUNK = 900


def chunks(values: Iterable, size: int = IN_CHUNK) -> Iterator[list]:
    batch = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def category_codes_by_key() -> dict[str, str]:
    """Every way of writing a category, by ``match_key``: its code, its name and the aliases table."""
    lookup: dict[str, str] = {}
    for code, name in Category.objects.values_list("code", "name"):
        lookup[match_key(code)] = code
        lookup[match_key(name)] = code
    for alias, code in CategoryAlias.objects.values_list("alias", "category__code"):
        lookup[match_key(alias)] = code
    return lookup


class CategoryLabels:
    """Category names for a report line's codes (``dibao_rural,tekun_rural`` → ``农村低保对象、农村特困人员``)
    in the categories' order; remembered per text, as a list has few distinct sets."""

    def __init__(self):
        self.names = dict(Category.objects.order_by("order", "code").values_list("code", "name"))
        self.joined: dict[str, str] = {}

    def __call__(self, codes_text: str) -> str:
        if codes_text not in self.joined:
            codes = set(codes_text.split(","))
            self.joined[codes_text] = "、".join(name for code, name in self.names.items() if code in codes)
        return self.joined[codes_text]


def roster_vocabulary(*, village_codes: Iterable[str], area_prefix: str) -> Vocabulary:
    """The vocabulary for one list; only the villages named (by the list and the registry's people) are looked
    up, with their township's name for the messages (a few hundred villages, however long the list)."""
    villages = {}
    for chunk in chunks(set(village_codes)):
        for code, name, township in Region.objects.filter(code__in=chunk, level=Level.VILLAGE).values_list(
            "code", "name", "parent__name"
        ):
            villages[code] = f"{township or ''}{name}"
    return Vocabulary(
        aliases=category_codes_by_key(),
        category_sources=dict(Category.objects.values_list("code", "source")),
        villages=villages,
        area_prefix=area_prefix,
    )


def registry_holders(*, source: str, first_day: datetime.date, area_prefix: str) -> dict[str, RegistryPerson]:
    """Everyone holding a category ``source`` confirms on ``first_day`` in the area, by ID, in one query."""
    codes = dict(Category.objects.filter(source=source).values_list("pk", "code"))
    rows = (
        CategoryHolding.objects.on(first_day)
        .within(area_prefix)
        .filter(category_id__in=list(codes))  # by key: no join with the categories on a hundred thousand rows
        .values_list("category_id", "beneficiary__id_number", "beneficiary__name", "beneficiary__village_id")
        .order_by()
    )
    people: dict[str, RegistryPerson] = {}
    single: dict[str, frozenset[str]] = {}  # one shared set per category: most people hold one
    for category_id, number, name, village in rows.iterator(chunk_size=5000):
        code = codes[category_id]
        person = people.get(number)
        if person is None:
            held = single.get(code) or single.setdefault(code, frozenset((code,)))
            people[number] = RegistryPerson(name, village, held)
        else:
            people[number] = person._replace(held=person.held | {code})
    return people


def registry_people(id_numbers: Iterable[str]) -> dict[str, RegistryPerson]:
    """The registry's people with these IDs wherever they live, holding nothing (the holders come first)."""
    people = {}
    for chunk in chunks(id_numbers):
        for number, name, village in Beneficiary.objects.filter(id_number__in=chunk).values_list(
            "id_number", "name", "village_id"
        ):
            people[number] = RegistryPerson(name, village)
    return people


def holdings_to_end(
    *, source: str, first_day: datetime.date, codes_by_person: dict[int, frozenset[str]]
) -> list[CategoryHolding]:
    """The holdings in force on ``first_day`` of these people and categories (primary key → codes)."""
    holdings = []
    for chunk in chunks(codes_by_person):
        for holding in (
            CategoryHolding.objects.on(first_day)
            .filter(beneficiary_id__in=chunk, category__source=source)
            .select_related("category", "beneficiary")
        ):
            if holding.category.code in codes_by_person[holding.beneficiary_id]:
                holdings.append(holding)
    return holdings


def households_by_head(head_numbers: Iterable[str]) -> tuple[dict[str, int], dict[str, int | None]]:
    """For heads' ID numbers: the registry person of each head, and the household each head leads or names.

    A household is found through its head's membership, or else by its number (the head's ID, as
    the comparison numbers the households it creates).
    """
    heads = list(set(head_numbers))
    person_ids: dict[str, int] = {}
    household_ids: dict[str, int | None] = {}
    for chunk in chunks(heads):
        for pk, number, household_pk in Beneficiary.objects.filter(id_number__in=chunk).values_list(
            "pk", "id_number", "household_id"
        ):
            person_ids[number] = pk
            if household_pk:
                household_ids[number] = household_pk
        for pk, number in Household.objects.filter(number__in=chunk).values_list("pk", "number"):
            household_ids.setdefault(number, pk)
    return person_ids, household_ids


def batches_visible_to(user) -> QuerySet[RosterBatch]:
    """Batches whose area lies inside the user's area."""
    batches = RosterBatch.objects.select_related("created_by", "applied_by", "default_category")
    if user.area_prefix:
        batches = batches.filter(area_code__startswith=user.area_prefix)
    return batches


def enrollment_uploads_visible_to(user) -> QuerySet[EnrollmentUpload]:
    """Enrollment lists uploaded for an area inside the user's area."""
    uploads = EnrollmentUpload.objects.select_related("created_by", "applied_by")
    if user.area_prefix:
        uploads = uploads.filter(area_code__startswith=user.area_prefix)
    return uploads


# An upload nobody confirmed (or whose processing never finished) within a day is stale; a job that
# failed in the last week still needs someone to look at it (the administrator's home page).
STALE_AFTER = datetime.timedelta(hours=24)
FAILED_WITHIN = datetime.timedelta(days=7)
UNFINISHED_BATCH = (
    RosterBatch.Status.QUEUED,
    RosterBatch.Status.PREVIEWING,
    RosterBatch.Status.PREVIEWED,
    RosterBatch.Status.APPLYING,
)
UNFINISHED_UPLOAD = (EnrollmentUpload.Status.PREVIEWED, EnrollmentUpload.Status.APPLYING)


def batches_needing_attention(
    batches: QuerySet[RosterBatch], now: datetime.datetime
) -> QuerySet[RosterBatch]:
    """Batches uploaded over ``STALE_AFTER`` ago and still unconfirmed or unfinished, and batches whose
    background job failed within ``FAILED_WITHIN``."""
    stale = Q(status__in=UNFINISHED_BATCH, created_at__lt=now - STALE_AFTER)
    failed = Q(status=RosterBatch.Status.FAILED, created_at__gte=now - FAILED_WITHIN)
    return batches.filter(stale | failed)


def uploads_needing_attention(
    uploads: QuerySet[EnrollmentUpload], now: datetime.datetime
) -> QuerySet[EnrollmentUpload]:
    """Enrollment lists uploaded over ``STALE_AFTER`` ago and never confirmed (or left half-recorded)."""
    return uploads.filter(status__in=UNFINISHED_UPLOAD, created_at__lt=now - STALE_AFTER)


def later_applied_batch(batch: RosterBatch) -> RosterBatch | None:
    """An applied batch of the same source, applied after ``batch``, whose area overlaps it."""
    later = RosterBatch.objects.filter(
        source=batch.source, status=RosterBatch.Status.APPLIED, applied_at__gt=batch.applied_at
    ).order_by("-applied_at")
    return next((other for other in later if other.overlaps(batch.area_code)), None)


def covered_people(*, year: int, area_prefix: str) -> list[CoveredPerson]:
    """The covered people of a year inside the area: anyone holding any category on any day of it.

    A withdrawn holding (ending before it starts) covered nobody.
    """
    categories: dict[str, set[str]] = {}
    people: dict[str, tuple[str, str]] = {}
    rows = (
        CategoryHolding.objects.within(area_prefix)
        .during(datetime.date(year, 1, 1), datetime.date(year, 12, 31))
        .filter(Q(end__isnull=True) | Q(end__gte=F("start")))
        .values_list(
            "beneficiary__id_number", "beneficiary__name", "beneficiary__village_id", "category__code"
        )
        .order_by("beneficiary__village_id", "beneficiary__id_number")
    )
    for number, name, village, code in rows.iterator(chunk_size=5000):
        people[number] = (name, village)
        categories.setdefault(number, set()).add(code)
    return [
        CoveredPerson(number, name, village, frozenset(categories[number]))
        for number, (name, village) in people.items()
    ]


def enrollment_states(*, year: int, area_prefix: str) -> dict[str, list[tuple[int, EnrollmentState]]]:
    """Every stored enrollment record of the year inside the area, by ID number, oldest first."""
    states: dict[str, list[tuple[int, EnrollmentState]]] = {}
    rows = (
        Enrollment.objects.within(area_prefix)
        .filter(year=year)
        .values_list("pk", "beneficiary__id_number", "insurance__code", "status", "subsidy", "reason", "note")
        .order_by("pk")
    )
    for pk, number, insurance, status, subsidy, reason, note in rows.iterator(chunk_size=5000):
        # A note counts only as the text of an “other” reason: a clerk's remark differs from no list.
        state = EnrollmentState(insurance, status, subsidy, reason, note if reason == "other" else "")
        states.setdefault(number, []).append((pk, state))
    return states


def insurance_codes_by_key() -> dict[str, str]:
    """Every way of writing an insurance, by ``match_key``: the table's codes and names, the usual aliases."""
    lookup = {match_key(alias): code for alias, code in INSURANCE_ALIASES.items()}
    for code, name in Insurance.objects.values_list("code", "name"):
        lookup[match_key(code)] = code
        lookup[match_key(name)] = code
    return lookup


def registry_ids_within(*, id_numbers: Iterable[str], area_prefix: str) -> dict[str, int]:
    """The registry's people among these IDs, inside the area: ID number → primary key."""
    found: dict[str, int] = {}
    for chunk in chunks(set(id_numbers)):
        found.update(
            Beneficiary.objects.within(area_prefix).filter(id_number__in=chunk).values_list("id_number", "pk")
        )
    return found


def village_names() -> dict[str, str]:
    """Every village's name by its code: what a report puts beside the codes of a whole list."""
    return dict(Region.objects.filter(level=Level.VILLAGE).values_list("code", "name"))


def region_names(codes: Iterable[str]) -> dict[str, str]:
    """The names of these regions by code, a township's and a village's with the names above them up to
    the county (``Region.full_name``), in one query."""
    wanted = {code for code in codes if code}
    regions = Region.objects.filter(code__in=wanted).select_related("parent__parent__parent")
    return {region.code: region.full_name() for region in regions}


def village_labels(codes: Iterable[str]) -> dict[str, str]:
    """Villages' names with their township's (``龙潭镇红花村``) by code, in one query: a list's rows all
    lie in one county, so the county's name would only repeat."""
    villages = Region.objects.filter(code__in={code for code in codes if code}).select_related("parent")
    return {village.code: f"{village.parent.name if village.parent else ''}{village.name}" for village in villages}


def people_by_id_number(user, id_numbers: Iterable[str]) -> dict[str, int]:
    """The people of the user's area among these ID numbers: ID number → primary key, in one query."""
    wanted = {number for number in id_numbers if number}
    return dict(Beneficiary.objects.visible_to(user).filter(id_number__in=wanted).values_list("id_number", "pk"))


def open_holdings_of(*, source: str, person_ids: Iterable[int]) -> dict[int, list[CategoryHolding]]:
    """The holdings of ``source``'s categories these people hold with no end, by person: what an
    administrator may end by hand from an exited row."""
    holdings: dict[int, list[CategoryHolding]] = {}
    rows = (
        CategoryHolding.objects.filter(beneficiary_id__in=set(person_ids), category__source=source, end__isnull=True)
        .select_related("category")
        .order_by("beneficiary_id", "category__order")
    )
    for holding in rows:
        holdings.setdefault(holding.beneficiary_id, []).append(holding)
    return holdings


@dataclass(frozen=True)
class BatchEffect:
    """What an applied batch wrote (and what reverting it undoes): rows created by kind, holdings ended."""

    people: int
    households: int
    holdings: int
    ended: int


def batch_effect(batch: RosterBatch) -> BatchEffect:
    created = {kind: len(keys) for kind, keys in batch.creations.values_list("kind", "keys")}
    return BatchEffect(
        people=created.get(RosterCreation.Kind.PERSON, 0),
        households=created.get(RosterCreation.Kind.HOUSEHOLD, 0),
        holdings=created.get(RosterCreation.Kind.HOLDING, 0),
        ended=batch.changes.filter(action=RosterChange.Action.HOLDING_ENDED).count(),
    )
