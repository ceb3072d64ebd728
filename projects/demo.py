"""The demo county's industry projects: each township's library (of every kind and status, with its money), the
labour capacity of the poor, and most of the working-age poor taking part — fewer township by township, so that
the "no project yet" list and the statistics show some to follow up. Idempotent: nothing is added once any project
exists."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts.models import User
from beneficiaries.demo import COUNTY, TOWNSHIPS
from beneficiaries.models import Beneficiary, LabourCapacity
from beneficiaries.selectors import target_people
from projects import rules, services
from projects.models import Income, Participation, Project

# (name, kind, lead department, funding by source in yuan, the statuses it has gone through)
LIBRARY = [
    ("青花椒种植基地", Project.Kind.FARMING, "县农业农村委", {"central": 800_000, "county": 200_000},
     ["approved", "implementing"]),
    ("中药材（青蒿）规范化种植", Project.Kind.HERBS, "县中药产业发展中心", {"integrated": 600_000, "self_raised": 50_000},
     ["approved", "implementing", "completed", "accepted"]),
    ("土家山寨乡村旅游接待中心", Project.Kind.TOURISM, "县文化和旅游委", {"pairing": 1_200_000}, ["approved"]),
    ("扶贫车间（竹编加工）", Project.Kind.WORKSHOP, "县就业和人才中心", {"county": 300_000, "social": 100_000},
     ["approved", "implementing"]),
    ("农村电商服务站", Project.Kind.ECOMMERCE, "县商务委", {"provincial": 150_000}, []),
]
ROLES = [Participation.Role.WORKER, Participation.Role.GROWER, Participation.Role.SHAREHOLDER,
         Participation.Role.LAND_LEASE]


def load_projects(actor: User, today: datetime.date) -> int:
    """Adds the demo library, capacities and participations; returns the participations added."""
    if Project.objects.exists():
        return 0
    rng = random.Random(17)
    year_start = datetime.date(today.year, 1, 1)
    projects = _library(actor, today, year_start)
    poor = list(target_people(actor, COUNTY, today).order_by("pk"))
    capable = _capacities(actor, rng, poor, today)
    # the share taking part falls from township to township: 100 %, 95 %, 90 % …
    townships = [code for code, _name in TOWNSHIPS]
    share = {code: 1 - 0.05 * index for index, code in enumerate(townships)}
    joined = [person for person in capable if rng.random() < share[person.village_id[:9]]]
    open_projects = {code: [p for p in found if p.status in rules.OPEN_TO_PARTICIPANTS]
                     for code, found in projects.items()}
    participations = [
        Participation(project=rng.choice(open_projects[person.village_id[:9]]), person=person, role=rng.choice(ROLES),
                      starts_on=year_start, recorded_by=actor)
        for person in joined if open_projects.get(person.village_id[:9])
    ]
    created = bulk_create_with_history(participations, Participation, batch_size=500, default_user=actor)
    incomes = [Income(participation=participation, received_on=min(today, datetime.date(today.year, 6, 30)),
                      amount=Decimal(rng.randrange(800, 6000)), note="上半年务工收入或分红", recorded_by=actor)
               for participation in created if rng.random() < 0.8]
    bulk_create_with_history(incomes, Income, batch_size=500, default_user=actor)
    return len(created)


def _library(actor: User, today: datetime.date, year_start: datetime.date) -> dict[str, list[Project]]:
    """Each township's projects, entered and moved through their statuses as a clerk of the county would."""
    projects: dict[str, list[Project]] = {}
    for township, township_name in TOWNSHIPS:
        for index, (name, kind, department, money, moves) in enumerate(LIBRARY, start=1):
            project = services.project_save(
                user=actor, code=f"{township}-{today.year}-{index:02d}", name=f"{township_name}{name}", kind=kind,
                area=township if index % 2 else f"{township}{200 + index:03d}", lead_department=department,
                description="演示项目", planned_start=year_start, planned_end=datetime.date(today.year, 12, 31),
                status_on=year_start)
            for status in moves:
                project = services.project_move(user=actor, project=project, status=status, on=year_start)
            for source, amount in money.items():
                services.funding_add(user=actor, project=project, source=source, amount=Decimal(amount),
                                     arrived_on=year_start)
            projects.setdefault(township, []).append(project)
    return projects


def _capacities(actor: User, rng: random.Random, poor: list[Beneficiary], today: datetime.date) -> list[Beneficiary]:
    """The poor's labour capacity as the poverty office records it (a few working-age people not yet recorded, so
    that the list of those to record is not empty); returns the working-age poor able to take part."""
    first, last = rules.working_age_born_between(today)
    changed, capable = [], []
    for person in poor:
        if not first <= person.birth_date <= last:
            person.labour_capacity = LabourCapacity.NONE if person.birth_date < first else ""
        else:
            draw = rng.random()
            person.labour_capacity = (LabourCapacity.ABLE if draw < 0.8 else LabourCapacity.WEAK if draw < 0.92
                                      else LabourCapacity.NONE if draw < 0.97 else "")
            if person.labour_capacity in (LabourCapacity.ABLE, LabourCapacity.WEAK):
                capable.append(person)
        if person.labour_capacity:
            changed.append(person)
    bulk_update_with_history(changed, Beneficiary, ["labour_capacity"], batch_size=500, default_user=actor,
                             default_change_reason="演示数据：劳动能力")
    return capable
