"""Reading the health records: coverage of the poor by township against the seeds' targets, and the people
and households each figure misses (the drill-down)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Left

from accounts.models import User
from beneficiaries.models import Beneficiary, CategoryHolding, Household
from health.models import DoctorContract, HealthCard, HealthRecord, TreatmentCase
from regions.codes import Level, area_prefix
from regions.models import Region

# 农村贫困人口 of the seeds' targets (002, 004): the poor of the poverty office's list, and those who fell back.
TARGET_CATEGORIES = ("poor", "returned_poor")
# Seed 004: 家庭医生签约服务、健康档案建档全覆盖 (and a card for every poor person, every patient treated by
# class); seeds 002 and 004: 县域内就诊率 90% 以上.
GOALS = {"contracts": Decimal("1"), "records": Decimal("1"), "cards": Decimal("1"), "treatment": Decimal("1")}
MEASURES = {
    "contracts": "家庭医生签约率",
    "records": "健康档案建档率",
    "cards": "健康卡发放率",
    "treatment": "分类救治率",
}
OPEN_CASES = [TreatmentCase.Status.PENDING, TreatmentCase.Status.TREATING]


def share(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001")) if whole else None


@dataclass
class CoverageRow:
    code: str
    label: str
    households: int = 0
    contracted: int = 0
    people: int = 0
    recorded: int = 0
    carded: int = 0
    patients: int = 0  # poor people with a case of classified treatment that is not closed
    treated: int = 0  # … none of whose cases waits for treatment
    counts: dict = field(default_factory=dict)

    def rate(self, measure: str) -> Decimal | None:
        part, whole = {"contracts": (self.contracted, self.households), "records": (self.recorded, self.people),
                       "cards": (self.carded, self.people), "treatment": (self.treated, self.patients)}[measure]
        return share(part, whole)

    def missing(self, measure: str) -> int:
        return {"contracts": self.households - self.contracted, "records": self.people - self.recorded,
                "cards": self.people - self.carded, "treatment": self.patients - self.treated}[measure]

    def __add__(self, other: CoverageRow) -> CoverageRow:
        names = ("households", "contracted", "people", "recorded", "carded", "patients", "treated")
        return CoverageRow(self.code, self.label, *(getattr(self, n) + getattr(other, n) for n in names))


def target_people(user: User, prefix: str, day: datetime.date) -> QuerySet[Beneficiary]:
    """The poor of the area on ``day``, in the user's area: living (在册) and holding a target category."""
    holders = CategoryHolding.objects.on(day).filter(category__code__in=TARGET_CATEGORIES)
    return (Beneficiary.objects.visible_to(user).within(prefix)
            .filter(status=Beneficiary.Status.ACTIVE, pk__in=holders.values("beneficiary_id")))


def target_households(user: User, prefix: str, day: datetime.date) -> QuerySet[Household]:
    return Household.objects.filter(pk__in=target_people(user, prefix, day).values("household_id"))


def _with_flags(people: QuerySet[Beneficiary], day: datetime.date) -> QuerySet[Beneficiary]:
    cases = TreatmentCase.objects.filter(person=OuterRef("pk"), registered_on__lte=day).exclude(
        status=TreatmentCase.Status.CLOSED)
    return people.annotate(
        recorded=Exists(HealthRecord.objects.filter(person=OuterRef("pk"), established_on__lte=day)),
        carded=Exists(HealthCard.objects.filter(person=OuterRef("pk"), issued_on__lte=day)
                      .filter(Q(revoked_on__isnull=True) | Q(revoked_on__gt=day))),
        patient=Exists(cases),
        waiting=Exists(cases.filter(status=TreatmentCase.Status.PENDING)),
    )


def _with_contract(households: QuerySet[Household], day: datetime.date) -> QuerySet[Household]:
    return households.annotate(
        contracted=Exists(DoctorContract.objects.in_force_on(day).filter(household=OuterRef("pk"))))


@dataclass
class Coverage:
    area_code: str
    day: datetime.date
    townships: list[CoverageRow]
    total: CoverageRow


def coverage(user: User, *, area_code: str, day: datetime.date) -> Coverage:
    """By township: the poor households with a contract in force on ``day``, the poor people with a health
    record and a card in use, and the patients of classified treatment none of whose cases still waits. Two
    grouped queries (people, households), each person and household counted in its village's township."""
    prefix = area_prefix(area_code)
    people = _with_flags(target_people(user, prefix, day), day)
    by_person = {
        row.pop("township"): row for row in people.annotate(township=Left("village_id", 9)).values("township")
        .annotate(people=Count("pk"), recorded=Count("pk", filter=Q(recorded=True)),
                  carded=Count("pk", filter=Q(carded=True)), patients=Count("pk", filter=Q(patient=True)),
                  treated=Count("pk", filter=Q(patient=True, waiting=False))).order_by()
    }
    households = _with_contract(target_households(user, prefix, day), day)
    by_household = {
        row.pop("township"): row for row in households.annotate(township=Left("village_id", 9)).values("township")
        .annotate(households=Count("pk"), contracted=Count("pk", filter=Q(contracted=True))).order_by()
    }
    seen = prefix if prefix.startswith(user.area_prefix) else user.area_prefix
    rows = []
    for code, name in Region.objects.filter(level=Level.TOWNSHIP, code__startswith=seen[:9]).values_list("code", "name"):
        township = code[:9]
        rows.append(CoverageRow(code, name, **by_household.get(township, {}), **by_person.get(township, {})))
    return Coverage(area_code=prefix, day=day, townships=rows,
                    total=sum(rows, CoverageRow("all", "合计")))


def missing(user: User, *, area_code: str, day: datetime.date, measure: str) -> QuerySet:
    """Who a measure misses on ``day`` in the area: households without a contract in force, people without a
    record or a card in use, patients with a case still waiting for treatment."""
    prefix = area_prefix(area_code)
    if measure == "contracts":
        return (_with_contract(target_households(user, prefix, day), day).filter(contracted=False)
                .select_related("head", "village").order_by("village_id", "number"))
    people = _with_flags(target_people(user, prefix, day), day).select_related("household", "village")
    condition = {"records": Q(recorded=False), "cards": Q(carded=False),
                 "treatment": Q(patient=True, waiting=True)}[measure]
    return people.filter(condition).order_by("village_id", "household__number", "id_number")
