"""Reading the employment ledger: the children surveyed and what their latest survey says, the lists the clerks
work from (the unplaced, the placements due a visit, the 中职 placements at risk before their three years), the
figures by township, and one child's record."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Left

from accounts.models import User
from beneficiaries.models import Beneficiary, living_on
from beneficiaries.selectors import history_entries
from config.figures import Column, TownshipRow, TownshipTable, by_township, money, ratio, townships_seen
from employment import rules
from employment.models import ChildSurvey, FollowUpVisit, Placement, SchoolLevel, Support
from regions.codes import area_prefix

# What a child's latest survey says, as the lists and the ledger show it.
SURVEY_FACTS = ("year", "school", "level", "major", "graduation_year", "intention", "wants_business", "needs")


def _latest_survey(day: datetime.date, person_ref: str = "pk") -> QuerySet[ChildSurvey]:
    # a survey made after ``day`` was not known on it: a past day's figures stay what they were
    return ChildSurvey.objects.filter(person=OuterRef(person_ref), year__lte=day.year,
                                      surveyed_on__lte=day).order_by("-year")


def surveyed_children(user: User, *, area_code: str, day: datetime.date) -> QuerySet[Beneficiary]:
    """The living children of the area surveyed in ``day``'s year or before, each with their latest survey's
    facts (``survey_year``, ``survey_level``, …) and ``placed`` (a placement in force on ``day``)."""
    latest = _latest_survey(day)
    return (Beneficiary.objects.visible_to(user).within(area_prefix(area_code))
            .filter(living_on(day), Exists(latest))
            .annotate(**{f"survey_{name}": Subquery(latest.values(name)[:1]) for name in SURVEY_FACTS},
                      placed=Exists(Placement.objects.in_force_on(day).filter(person=OuterRef("pk")))))


def unplaced(user: User, *, area_code: str, day: datetime.date) -> QuerySet[Beneficiary]:
    """The living children whose latest survey says they have graduated by ``day``'s year, holding no placement
    on ``day``."""
    return (surveyed_children(user, area_code=area_code, day=day)
            .filter(survey_graduation_year__lte=day.year, placed=False)
            .select_related("household", "village__parent").order_by("village_id", "household__number", "id_number"))


def _in_force(user: User, area_code: str, day: datetime.date) -> QuerySet[Placement]:
    return (Placement.objects.visible_to(user).within(area_prefix(area_code)).in_force_on(day)
            .filter(living_on(day, "person__")))


def with_last_visit(placements: QuerySet[Placement], day: datetime.date) -> QuerySet[Placement]:
    last = FollowUpVisit.objects.filter(placement=OuterRef("pk"), visited_on__lte=day).order_by("-visited_on", "-pk")
    return placements.annotate(last_visit_on=Subquery(last.values("visited_on")[:1]),
                               last_visit_status=Subquery(last.values("status")[:1]))


def _due(user: User, area_code: str, day: datetime.date) -> QuerySet[Placement]:
    since = day - datetime.timedelta(days=rules.VISIT_INTERVAL_DAYS)
    recent = FollowUpVisit.objects.filter(placement=OuterRef("pk"), visited_on__gt=since, visited_on__lte=day)
    return _in_force(user, area_code, day).filter(starts_on__lte=since).exclude(Exists(recent))


def visits_due(user: User, *, area_code: str, day: datetime.date) -> QuerySet[Placement]:
    """Placements in force on ``day`` whose next visit (``rules.visit_due_on``) falls on or before it: begun
    ``VISIT_INTERVAL_DAYS`` or more ago and not visited since then."""
    return (with_last_visit(_due(user, area_code, day), day)
            .select_related("person__household", "person__village__parent")
            .order_by("person__village_id", "person__household__number", "person__id_number", "starts_on"))


def due_on(placement: Placement) -> datetime.date:
    """The visit due day of a placement read by ``visits_due`` (or annotated with its last visit)."""
    return rules.visit_due_on(placement.starts_on, placement.last_visit_on)


@dataclass(frozen=True)
class Watched:
    """A placement under the three-year rule on a day: when it becomes stable, and why it is at risk."""

    placement: Placement
    stable_until: datetime.date
    risks: list[str]


def three_year_placements(user: User, *, area_code: str, day: datetime.date) -> list[Watched]:
    """The firm placements of children whose latest survey (by ``day``'s year) says 中职, within their three
    years on ``day``: those in force, and those ended before them in the year before ``day`` (still followed)."""
    oldest = day.replace(year=day.year - rules.STABLE_YEARS, month=1, day=1)  # generous: the rule decides
    level = Subquery(_latest_survey(day, "person_id").values("level")[:1])
    placements = (with_last_visit(Placement.objects.visible_to(user).within(area_prefix(area_code)), day)
                  .filter(kind=Placement.Kind.ENTERPRISE, starts_on__gte=oldest, starts_on__lte=day)
                  .filter(living_on(day, "person__"))
                  .annotate(level=level).filter(level=SchoolLevel.SECONDARY_VOCATIONAL)
                  .annotate(replaced=Exists(Placement.objects.in_force_on(day).filter(
                      person=OuterRef("person"), starts_on__gt=OuterRef("starts_on"))))
                  .select_related("person__household", "person__village__parent")
                  .order_by("person__village_id", "person__household__number", "person__id_number", "starts_on"))
    watched = []
    for placement in placements:
        until = rules.stable_until(placement.starts_on)
        if day >= until:
            continue
        ended = placement.ends_on is not None and placement.ends_on < day
        found = rules.risks(starts_on=placement.starts_on, ends_on=placement.ends_on,
                            last_visit_on=placement.last_visit_on, last_visit_status=placement.last_visit_status,
                            day=day)
        if ended and (not found or placement.replaced):
            continue  # ended more than a year ago, or the child is at work again: no longer followed
        watched.append(Watched(placement, until, found))
    return watched


def at_risk(user: User, *, area_code: str, day: datetime.date) -> list[Watched]:
    """The 中职 firm placements at risk on ``day`` (``rules.risks``), each with its reasons."""
    return [w for w in three_year_placements(user, area_code=area_code, day=day) if w.risks]


KIND_COLUMNS = [Column(f"kind_{kind}", f"安置：{label}") for kind, label in Placement.Kind.choices]
COLUMNS = [
    Column("surveyed", "摸排子女"),
    Column("graduated", "已毕业"),
    Column("placed", "已就业"),
    Column("placement_rate", "就业率", "rate"),
    Column("unplaced", "未就业", link="employment:unplaced"),
    *KIND_COLUMNS,
    Column("three_years", "中职企业安置（未满三年）"),
    Column("at_risk", "稳岗风险", link="employment:at_risk"),
    Column("visits_due", "待回访", link="employment:visits_due"),
    Column("subsidies", "求职创业补助人次"),
    Column("subsidy_amount", "求职创业补助金额", "money"),
    Column("loan_amount", "创业贷款金额", "money"),
    Column("trainings", "培训人次"),
]


def township_table(user: User, *, area_code: str, day: datetime.date) -> TownshipTable:
    """By township of the area (within the user's), on ``day``: the children surveyed in its year; of the living
    children surveyed by then, those whose latest survey says graduated by its year, and of these those with a
    placement in force (就业率 = 已就业 ÷ 已毕业; 未就业 is the unplaced list); the placements in force by way
    in; the 中职 firm placements within their three years and those at risk; the placements due a visit; and
    the year's support to ``day`` not voided by then (subsidies in people and yuan, loans in yuan, training in
    people). Grouped queries by township, the three-year placements read once."""
    prefix = area_prefix(area_code)
    surveyed = by_township(ChildSurvey.objects.visible_to(user).within(prefix).filter(year=day.year,
                                                                                      surveyed_on__lte=day),
                            "person__village_id", surveyed=Count("pk"))
    graduated = by_township(
        surveyed_children(user, area_code=prefix, day=day).filter(survey_graduation_year__lte=day.year),
        "village_id", graduated=Count("pk"), placed=Count("pk", filter=Q(placed=True)))
    kinds: dict[str, Counter] = {}
    for row in (_in_force(user, prefix, day).annotate(township=Left("person__village_id", 9))
                .values("township", "kind").annotate(n=Count("pk")).order_by()):
        kinds.setdefault(row["township"], Counter())[f"kind_{row['kind']}"] = row["n"]
    three_years, risky = Counter(), Counter()
    for watched in three_year_placements(user, area_code=prefix, day=day):
        township = watched.placement.person.village_id[:9]
        three_years[township] += watched.placement.ends_on is None or watched.placement.ends_on >= day
        risky[township] += bool(watched.risks)
    due = by_township(_due(user, prefix, day), "person__village_id", visits_due=Count("pk"))
    supports = (Support.objects.visible_to(user).within(prefix)
                .filter(given_on__gte=day.replace(month=1, day=1), given_on__lte=day)
                .filter(Q(voided_on__isnull=True) | Q(voided_on__gt=day)))
    support = by_township(
        supports, "person__village_id",
        subsidies=Count("pk", filter=Q(kind=Support.Kind.SUBSIDY)),
        subsidy_amount=Sum("amount", filter=Q(kind=Support.Kind.SUBSIDY)),
        loan_amount=Sum("amount", filter=Q(kind=Support.Kind.LOAN)),
        trainings=Count("pk", filter=Q(kind=Support.Kind.TRAINING)))

    def values(township: str) -> dict:
        found = {column.key: 0 for column in COLUMNS} | {"subsidy_amount": Decimal("0.00"),
                                                           "loan_amount": Decimal("0.00")}
        for part in (surveyed, graduated, due, support):
            found |= {key: value for key, value in part.get(township, {}).items() if value is not None}
        found["subsidy_amount"], found["loan_amount"] = money(found["subsidy_amount"]), money(found["loan_amount"])
        found |= kinds.get(township, {})
        found |= {"three_years": three_years[township], "at_risk": risky[township]}
        return _with_rate(found)

    rows = [TownshipRow(code, name, values(code[:9])) for code, name in townships_seen(user, prefix)]
    total = {column.key: sum(row.values[column.key] for row in rows) for column in COLUMNS if column.kind != "rate"}
    return TownshipTable(title="贫困家庭子女就业情况", columns=COLUMNS, rows=rows,
                         total=TownshipRow("all", "合计", _with_rate(total)))


def _with_rate(values: dict) -> dict:
    values["unplaced"] = values["graduated"] - values["placed"]
    values["placement_rate"] = ratio(values["placed"], values["graduated"])
    return values


def person_placements(person: Beneficiary, day: datetime.date) -> list[Placement]:
    """The child's placements, newest first, each with its visits (``visit_list``), its next visit when in force
    (``due_on``), and under the three-year rule its ``stable_until`` and progress (two queries)."""
    latest = ChildSurvey.objects.filter(person=person, year__lte=day.year).order_by("-year").first()
    level = latest.level if latest else None
    placements = list(person.placements.prefetch_related("visits").order_by("-starts_on", "-pk"))
    for placement in placements:
        placement.visit_list = sorted(placement.visits.all(), key=lambda v: (v.visited_on, v.pk))
        last = placement.visit_list[-1] if placement.visit_list else None
        in_force = placement.ends_on is None or placement.ends_on >= day
        placement.due_on = rules.visit_due_on(placement.starts_on, last.visited_on if last else None) \
            if in_force else None
        placement.stable_until = None
        if rules.three_years_apply(placement.kind, level):
            placement.stable_until = rules.stable_until(placement.starts_on)
            done, total = rules.stable_progress(placement.starts_on, min(day, placement.ends_on or day))
            placement.progress = ratio(done, total)
            placement.days_left = max((placement.stable_until - day).days, 0)
            placement.risks = rules.risks(starts_on=placement.starts_on, ends_on=placement.ends_on,
                                          last_visit_on=last.visited_on if last else None,
                                          last_visit_status=last.status if last else None, day=day)
    return placements


def employment_history(person: Beneficiary) -> list:
    """Every recorded change to the child's surveys, placements, support and visits, newest first."""
    entries = history_entries(ChildSurvey.history.filter(person_id=person.pk), lambda r: f"{r.year} 年摸排")
    entries += history_entries(Placement.history.filter(person_id=person.pk),
                               lambda r: f"安置：{r.employer}（{r.starts_on.isoformat()} 起）")
    entries += history_entries(Support.history.filter(person_id=person.pk),
                               lambda r: f"帮扶：{r.get_kind_display()}（{r.given_on.isoformat()}）")
    entries += history_entries(FollowUpVisit.history.filter(placement__person_id=person.pk),
                               lambda r: f"回访：{r.visited_on.isoformat()}")
    return sorted(entries, key=lambda e: e.when, reverse=True)
