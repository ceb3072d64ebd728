"""Reading the project library and who takes part: the library of an area, a project's status moves, the working-age
poor with no project yet (and those whose labour capacity is not recorded, so that they are not silently missed),
and the two township tables of the statistics."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Count, DecimalField, Exists, Min, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Left
from django.utils import timezone

from accounts.models import User
from beneficiaries.models import Beneficiary, LabourCapacity
from beneficiaries.selectors import target_households, target_people
from config.figures import ZERO, Column, TownshipRow, TownshipTable, by_township, money, ratio, townships_seen
from projects import rules
from projects.models import Funding, Income, Participation, Project
from regions.codes import area_prefix

# Who the plan asks to take part: "有劳动能力的贫困人口参与1个以上产业增收项目" (weak capacity counts as capacity).
CAPABLE = (LabourCapacity.ABLE, LabourCapacity.WEAK)


def _money(expression) -> Coalesce:
    return Coalesce(expression, Value(ZERO), output_field=DecimalField(max_digits=16, decimal_places=2))


def library(user: User, *, area_code: str, kind: str | None = None, status: str | None = None) -> QuerySet[Project]:
    """The projects placed in the area (of the user's area), with their funding total and the participations in force
    today."""
    projects = Project.objects.visible_to(user).within(area_code)
    if kind:
        projects = projects.filter(kind=kind)
    if status:
        projects = projects.filter(status=status)
    funding = (Funding.objects.filter(project=OuterRef("pk")).values("project").annotate(total=Sum("amount"))
               .values("total").order_by())
    today = timezone.localdate()
    participants = (Participation.objects.in_force_on(today).filter(project=OuterRef("pk")).values("project")
                    .annotate(n=Count("pk")).values("n").order_by())
    return (projects.select_related("area", "area__parent")
            .annotate(funding_total=_money(Subquery(funding)), participants=Coalesce(Subquery(participants), 0))
            .order_by("area_id", "code"))


def funding_total_by_source(project: Project, until: datetime.date | None = None) -> dict[str, Decimal]:
    """The project's money by source (code → the sum of its lines, corrections included), arrived by ``until``
    when given."""
    lines = Funding.objects.filter(project=project)
    if until is not None:
        lines = lines.filter(arrived_on__lte=until)
    return {source: money(total) for source, total in lines.values("source")
            .annotate(total=Sum("amount")).values_list("source", "total").order_by()}


def open_since(project_ids) -> dict[int, datetime.date]:
    """Each project's first day open to participants (立项 or later), read from its history."""
    return dict(Project.history.filter(id__in=list(project_ids), status__in=rules.OPEN_TO_PARTICIPANTS)
                .values("id").annotate(first=Min("status_on")).values_list("id", "first").order_by())


def income_total(participation: Participation, until: datetime.date | None = None) -> Decimal:
    """The income recorded for the participation, corrections included, received by ``until`` when given."""
    incomes = participation.incomes.all() if until is None else participation.incomes.filter(received_on__lte=until)
    return money(incomes.aggregate(total=Sum("amount"))["total"])


def project_history(project: Project) -> list:
    """The project's status moves, oldest first (its history rows where the status or its date changed)."""
    moves, last = [], None
    for record in Project.history.filter(id=project.pk).select_related("history_user").order_by("history_date",
                                                                                                 "history_id"):
        if (record.status, record.status_on) != last:
            moves.append(record)
            last = (record.status, record.status_on)
    return moves


def working_age_poor(user: User, *, area_code: str, day: datetime.date) -> QuerySet[Beneficiary]:
    """The poor of the area on ``day`` (living, holding ``poor`` or ``returned_poor``) aged 16 through 60 that day."""
    earliest, latest = rules.working_age_born_between(day)
    return target_people(user, area_prefix(area_code), day).filter(birth_date__range=(earliest, latest))


def _in_project(day: datetime.date) -> Exists:
    return Exists(Participation.objects.in_force_on(day).filter(person=OuterRef("pk")))


def _listed(people: QuerySet[Beneficiary]) -> QuerySet[Beneficiary]:
    return people.select_related("household", "village").order_by("village_id", "household__number", "id_number")


def no_project(user: User, *, area_code: str, day: datetime.date) -> QuerySet[Beneficiary]:
    """The working-age poor with labour capacity (有 or 弱) and no participation in force on ``day``."""
    people = working_age_poor(user, area_code=area_code, day=day).filter(labour_capacity__in=CAPABLE)
    return _listed(people.exclude(_in_project(day)))


def unrecorded_capacity(user: User, *, area_code: str, day: datetime.date) -> QuerySet[Beneficiary]:
    """The working-age poor whose labour capacity is not recorded: neither counted nor listed as missing a project
    until it is."""
    return _listed(working_age_poor(user, area_code=area_code, day=day).filter(labour_capacity=""))


def _table(title: str, columns: list[Column], rows: list[TownshipRow], rates: dict) -> TownshipTable:
    """The table with its total (the sum of the townships' counts and money) and each row's ``rates`` (key →
    (part key, whole key)) worked out from its own figures."""
    total = TownshipRow("all", "合计", {column.key: sum((row.values[column.key] for row in rows),
                                                       start=ZERO if column.kind == "money" else 0)
                                       for column in columns if column.kind != "rate"})
    for row in [*rows, total]:
        row.values |= {key: ratio(row.values[part], row.values[whole]) for key, (part, whole) in rates.items()}
    return TownshipTable(title, columns, rows, total)


PARTICIPATION_COLUMNS = [
    Column("capable", "劳动年龄有劳动能力贫困人口"),
    Column("joined", "已参与项目"),
    Column("rate", "参与率", "rate"),
    Column("not_joined", "未参与", link="projects:no_project"),
    Column("unrecorded", "劳动能力未登记", link="projects:unrecorded"),
    Column("households", "贫困户"),
    Column("households_joined", "有增收项目的户"),
    Column("household_rate", "户覆盖率", "rate"),
    Column("income", "参与收入", "money"),
]


def participation_table(user: User, *, area_code: str, day: datetime.date) -> TownshipTable:
    """By township of where people live, on ``day``: the working-age poor with labour capacity, those in a project
    and not, those whose capacity is not recorded; the poor households and those with a member in a project; and
    the income recorded from projects from 1 January of ``day``'s year through ``day`` (all participants). Three
    grouped queries and one of income."""
    prefix = area_prefix(area_code)
    capable = Q(labour_capacity__in=CAPABLE)
    people = by_township(
        working_age_poor(user, area_code=prefix, day=day).annotate(in_project=_in_project(day)), "village_id",
        capable=Count("pk", filter=capable), joined=Count("pk", filter=capable & Q(in_project=True)),
        unrecorded=Count("pk", filter=Q(labour_capacity="")))
    # uncorrelated: a correlated EXISTS per household took PostgreSQL seconds when its statistics were stale
    member_in_project = Q(pk__in=Participation.objects.in_force_on(day).values("person__household_id"))
    households = by_township(
        target_households(user, prefix, day), "village_id",
        households=Count("pk"), households_joined=Count("pk", filter=member_in_project))
    incomes = by_township(
        Income.objects.visible_to(user).within(prefix).filter(received_on__range=(day.replace(month=1, day=1), day)),
        "participation__person__village_id", income=Sum("amount"))
    rows = []
    for code, name in townships_seen(user, prefix):
        person, household = people.get(code[:9], {}), households.get(code[:9], {})
        capable_n, joined_n = person.get("capable", 0), person.get("joined", 0)
        rows.append(TownshipRow(code, name, {
            "capable": capable_n, "joined": joined_n, "not_joined": capable_n - joined_n,
            "unrecorded": person.get("unrecorded", 0), "households": household.get("households", 0),
            "households_joined": household.get("households_joined", 0),
            "income": money(incomes.get(code[:9], {}).get("income"))}))
    return _table("产业项目参与情况", PARTICIPATION_COLUMNS, rows,
                  {"rate": ("joined", "capable"), "household_rate": ("households_joined", "households")})


def _status_on(day: datetime.date) -> Subquery:
    # A project's status on ``day`` is that of its history's last move dated on or before it, so that a past
    # quarter's counts do not move when a project moves on later.
    return Subquery(Project.history.filter(id=OuterRef("pk"), status_on__lte=day)
                    .order_by("-status_on", "-history_id").values("status")[:1])


def library_columns() -> list[Column]:
    return [
        Column("projects", "项目数"),
        *(Column(f"status_{value}", label) for value, label in Project.Status.choices),
        Column("funding", "资金合计", "money"),
        *(Column(f"funding_{value}", label, "money") for value, label in Funding.Source.choices),
        Column("participants", "参与人数"),
    ]


def library_table(user: User, *, area_code: str, day: datetime.date) -> TownshipTable:
    """By township of the projects' place, on ``day``: the projects of the library by their status that day (a
    project entered later is not counted), the funding arrived by ``day`` in total and by source, and the people
    in a project in force that day (a person in two projects of a township counted once)."""
    prefix = area_prefix(area_code)
    projects = Project.objects.visible_to(user).within(prefix)
    statuses: dict[str, dict] = {}
    for row in (projects.annotate(status_then=_status_on(day)).exclude(status_then=None)
                .annotate(township=Left("area_id", 9)).values("township", "status_then")
                .annotate(n=Count("pk")).order_by()):
        statuses.setdefault(row["township"], {})[row["status_then"]] = row["n"]
    funding: dict[str, dict] = {}
    for row in (Funding.objects.filter(project__in=projects, arrived_on__lte=day)
                .annotate(township=Left("project__area_id", 9)).values("township", "source")
                .annotate(total=Sum("amount")).order_by()):
        funding.setdefault(row["township"], {})[row["source"]] = money(row["total"])
    participants = by_township(Participation.objects.in_force_on(day).filter(project__in=projects),
                                "project__area_id", n=Count("person", distinct=True))
    columns = library_columns()
    rows = []
    for code, name in townships_seen(user, prefix):
        by_status, by_source = statuses.get(code[:9], {}), funding.get(code[:9], {})
        values = {"projects": sum(by_status.values()),
                  **{f"status_{value}": by_status.get(value, 0) for value in Project.Status.values},
                  "funding": sum(by_source.values(), start=ZERO),
                  **{f"funding_{value}": by_source.get(value, ZERO) for value in Funding.Source.values},
                  "participants": participants.get(code[:9], {}).get("n", 0)}
        rows.append(TownshipRow(code, name, values))
    return _table("产业项目库", columns, rows, {})
