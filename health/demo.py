"""The demo county's health records: most poor households with a family doctor, most poor people with a record
and a card, some patients in classified treatment and some 两病 patients; townships differ, so that the coverage
page shows some below the targets. Idempotent: nothing is added once any contract exists."""

from __future__ import annotations

import datetime
import random

from simple_history.utils import bulk_create_with_history

from accounts.models import User
from beneficiaries.demo import COUNTY
from beneficiaries.models import Beneficiary
from beneficiaries.selectors import target_households, target_people
from health import services
from health.models import Disease, DoctorContract, HealthCard, HealthRecord, TreatmentCase

TEAMS = ["第一家庭医生团队", "第二家庭医生团队", "第三家庭医生团队"]
DOCTORS = ["冉平", "田秀英", "白建国", "何丽", "石勇", "杨春燕"]
PACKAGES = ["基础包", "慢病包", "个性化包"]
PATIENTS, TWO_DISEASE = 40, 30


def load_health(actor: User, today: datetime.date) -> int:
    """Adds the demo records; returns the contracts added."""
    if DoctorContract.objects.exists():
        return 0
    rng = random.Random(16)
    year_start = datetime.date(today.year, 1, 1)
    households = list(target_households(actor, COUNTY, today).select_related("village__parent"))
    # the share signed falls from township to township: 100 %, 95 %, 90 % …
    townships = sorted({household.village_id[:9] for household in households})
    signed_share = {code: 1 - 0.05 * index for index, code in enumerate(townships)}
    contracts = [
        DoctorContract(household=household, team=rng.choice(TEAMS), doctor=rng.choice(DOCTORS),
                       clinic=f"{household.village.parent.name}卫生院", package=rng.choice(PACKAGES),
                       signed_on=year_start, starts_on=year_start, ends_on=datetime.date(today.year, 12, 31),
                       recorded_by=actor)
        for household in households if rng.random() < signed_share[household.village_id[:9]]
    ]
    bulk_create_with_history(contracts, DoctorContract, batch_size=500, default_user=actor)
    people = list(target_people(actor, COUNTY, today).order_by("pk"))
    records = [HealthRecord(person=person, number=f"DA{person.id_number[:6]}{person.pk:08d}",
                            established_on=year_start, institution="县卫生健康委", recorded_by=actor)
               for person in people if rng.random() < 0.97]
    bulk_create_with_history(records, HealthRecord, batch_size=500, default_user=actor)
    cards = [HealthCard(person=person, number=f"JK{person.pk:010d}", issued_on=year_start,
                        handed_over_by=rng.choice(DOCTORS), recorded_by=actor)
             for person in people if rng.random() < 0.9]
    bulk_create_with_history(cards, HealthCard, batch_size=500, default_user=actor)
    _cases_and_recognitions(actor, rng, people, today)
    return len(contracts)


def _cases_and_recognitions(actor: User, rng: random.Random, people: list[Beneficiary], today: datetime.date):
    """A few patients through the services, as a clerk enters them, so that their histories read as real ones."""
    diseases = list(Disease.objects.filter(active=True))
    chosen = rng.sample(people, min(len(people), PATIENTS + TWO_DISEASE))
    registered = max(datetime.date(today.year, 1, 1), today - datetime.timedelta(days=120))
    for person in chosen[:PATIENTS]:
        disease = rng.choice(diseases)
        case = services.treatment_register(
            user=actor, person=person, disease=disease, treatment_class=rng.choice(TreatmentCase.TreatmentClass.values),
            institution=rng.choice(["县人民医院", "县中医院", "市第一人民医院"]), registered_on=registered)
        for status in rng.choice([[], ["treating"], ["treating", "treated"]]):
            services.treatment_set_status(user=actor, case=case, status=status, on=registered)
    for person in chosen[PATIENTS:]:
        services.two_disease_recognise(user=actor, person=person, disease=rng.choice(["hypertension", "diabetes"]),
                                       recognised_on=registered, recognised_by="县人民医院 慢病门诊",
                                       evidence="二级医院诊断证明")
