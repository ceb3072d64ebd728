"""Reading the health records: coverage of the poor by township against the seeds' targets, and the people
and households each figure misses (the drill-down)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery

from accounts.models import User
from beneficiaries.models import Beneficiary, Household
from beneficiaries.selectors import history_entries
from beneficiaries.selectors import target_households, target_people
from claims.selectors import IN_COUNTY_GOAL, inpatient_in_county_by_township
from config.figures import by_township, ratio, townships_seen
from health.models import DoctorContract, HealthCard, HealthRecord, TreatmentCase, TwoDiseaseRecognition
from regions.codes import area_prefix

# Seed 004: 家庭医生签约服务、健康档案建档全覆盖 (and a card for every poor person, every patient treated by
# class); seeds 002 and 004: 县域内就诊率 90% 以上.
GOALS = {"contracts": Decimal("1"), "records": Decimal("1"), "cards": Decimal("1"), "treatment": Decimal("1"),
         "in_county": IN_COUNTY_GOAL}
MEASURES = {
    "contracts": "家庭医生签约率",
    "records": "健康档案建档率",
    "cards": "健康卡发放率",
    "treatment": "分类救治率",
}
# The rates of the coverage page: the measures above (each missing someone, listed by ``missing``), and the share of
# the poor's inpatient bills settled in county (missing bills, not people: no list).
RATES = {**MEASURES, "in_county": "县域内就诊率"}
# Each rate's whole, part and the rest, as the coverage tables head their columns.
COUNT_NAMES = {
    "contracts": ("贫困户", "已签约", "未签约"),
    "records": ("贫困人口", "已建档", "未建档"),
    "cards": ("贫困人口", "持卡", "未持卡"),
    "treatment": ("救治患者", "已救治", "待救治"),
    "in_county": ("住院人次", "县域内", "县域外"),
}
@dataclass(frozen=True)
class RateCell:
    measure: str
    whole: int
    done: int
    missing: int
    rate: Decimal | None
    below: bool  # under its goal
    listed: bool  # those missed are people or households, listed by ``missing``


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
    inpatient: int = 0  # the poor's inpatient bills of the period (current settlements)
    in_county: int = 0  # … settled at hospitals classified in county

    def rate(self, measure: str) -> Decimal | None:
        part, whole = {"contracts": (self.contracted, self.households), "records": (self.recorded, self.people),
                       "cards": (self.carded, self.people), "treatment": (self.treated, self.patients),
                       "in_county": (self.in_county, self.inpatient)}[measure]
        return ratio(part, whole)

    def below_goal(self, measure: str) -> bool:
        rate = self.rate(measure)
        return rate is not None and rate < GOALS[measure]

    def cell(self, measure: str) -> RateCell:
        missed = self.missing(measure)
        done = {"contracts": self.contracted, "records": self.recorded, "cards": self.carded,
                "treatment": self.treated, "in_county": self.in_county}[measure]
        return RateCell(measure, done + missed, done, missed, self.rate(measure), self.below_goal(measure),
                        measure in MEASURES)

    def missing(self, measure: str) -> int:
        return {"contracts": self.households - self.contracted, "records": self.people - self.recorded,
                "cards": self.people - self.carded, "treatment": self.patients - self.treated,
                "in_county": self.inpatient - self.in_county}[measure]

    def __add__(self, other: CoverageRow) -> CoverageRow:
        names = ("households", "contracted", "people", "recorded", "carded", "patients", "treated", "inpatient",
                 "in_county")
        return CoverageRow(self.code, self.label, **{n: getattr(self, n) + getattr(other, n) for n in names})


def coverage_columns(measures=tuple(RATES)) -> list[dict]:
    """The heads of a coverage table's rate columns: each measure's name, goal and count names."""
    return [{"measure": m, "name": RATES[m], "goal": GOALS[m], "counts": COUNT_NAMES[m]} for m in measures]


def _with_flags(people: QuerySet[Beneficiary], day: datetime.date) -> QuerySet[Beneficiary]:
    # A case's status on ``day`` is that of its history's last move dated on or before it (moves never go back in
    # date), so a past quarter's rate stays what it was when a case moves on later.
    status_then = TreatmentCase.history.filter(id=OuterRef("pk"), status_on__lte=day).order_by(
        "-status_on", "-history_id").values("status")[:1]
    cases = TreatmentCase.objects.filter(person=OuterRef("pk"), registered_on__lte=day).annotate(
        status_then=Subquery(status_then)).exclude(status_then=TreatmentCase.Status.CLOSED)
    return people.annotate(
        recorded=Exists(HealthRecord.objects.filter(person=OuterRef("pk"), established_on__lte=day)),
        carded=Exists(HealthCard.objects.filter(person=OuterRef("pk"), issued_on__lte=day)
                      .filter(Q(revoked_on__isnull=True) | Q(revoked_on__gt=day))),
        patient=Exists(cases),
        waiting=Exists(cases.filter(status_then=TreatmentCase.Status.PENDING)),
    )


def _with_contract(households: QuerySet[Household], day: datetime.date) -> QuerySet[Household]:
    return households.annotate(
        contracted=Exists(DoctorContract.objects.in_force_on(day).filter(household=OuterRef("pk"))))


@dataclass
class Coverage:
    area_code: str
    day: datetime.date
    since: datetime.date  # the first day of the in-county rate's bills
    townships: list[CoverageRow]
    total: CoverageRow

    def table(self, measures=tuple(RATES)) -> list[tuple[CoverageRow, list[RateCell]]]:
        """Each township and then the total, with its cells of ``measures``."""
        return [(row, [row.cell(m) for m in measures]) for row in [*self.townships, self.total]]


def coverage(user: User, *, area_code: str, day: datetime.date, since: datetime.date | None = None) -> Coverage:
    """By township: the poor households with a contract in force on ``day``, the poor people with a health
    record and a card in use, the patients of classified treatment none of whose cases still waits, and the
    inpatient bills of the poor of ``day`` discharged from ``since`` (1 January of ``day``'s year when not given)
    to ``day``, with those settled in county. Three grouped queries (people, households, bills), each person and
    household counted in its village's township."""
    prefix = area_prefix(area_code)
    since = since or day.replace(month=1, day=1)
    poor = target_people(user, prefix, day)
    bills = inpatient_in_county_by_township(poor, since, day)
    people = _with_flags(poor, day)
    by_person = by_township(
        people, "village_id", people=Count("pk"), recorded=Count("pk", filter=Q(recorded=True)),
        carded=Count("pk", filter=Q(carded=True)), patients=Count("pk", filter=Q(patient=True)),
        treated=Count("pk", filter=Q(patient=True, waiting=False)))
    households = _with_contract(target_households(user, prefix, day), day)
    by_household = by_township(households, "village_id", households=Count("pk"),
                               contracted=Count("pk", filter=Q(contracted=True)))
    rows = []
    for code, name in townships_seen(user, prefix):
        township = code[:9]
        inpatient, in_county = bills.get(township, (0, 0))
        rows.append(CoverageRow(code, name, **by_household.get(township, {}), **by_person.get(township, {}),
                                inpatient=inpatient, in_county=in_county))
    return Coverage(area_code=prefix, day=day, since=since, townships=rows,
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


def household_contracts(household: Household) -> list[DoctorContract]:
    """The household's contracts, newest first, each with the one it renews and its renewal (one query)."""
    return list(DoctorContract.objects.filter(household=household).select_related("renews", "renewal", "recorded_by")
                .order_by("-starts_on"))


def contract_state(contract: DoctorContract, day: datetime.date) -> str:
    """How the contract stands on ``day``, in the clerk's words."""
    if contract.ended_on is not None:
        return "已解约"
    if contract.starts_on > day:
        return "待生效"
    return "有效" if contract.last_day >= day else "已到期"


def case_histories(cases: list[TreatmentCase]) -> dict[int, list]:
    """Each case's status history, oldest first (one query for all the cases)."""
    histories: dict[int, list] = {case.pk: [] for case in cases}
    records = (TreatmentCase.history.filter(id__in=histories).select_related("history_user")
               .order_by("history_date", "history_id"))
    for record in records:
        histories[record.id].append(record)
    return histories


def health_history(*, household: Household | None = None, person: Beneficiary | None = None) -> list:
    """Every recorded change to a household's contracts, or to a person's record, cards, cases and 两病
    recognitions, newest first: what changed (old → new), when and by whom."""
    if household is not None:
        return history_entries(DoctorContract.history.filter(household_id=household.pk),
                               lambda r: f"家庭医生签约：{r.doctor}（{r.starts_on.isoformat()} 起）")
    entries = history_entries(HealthRecord.history.filter(person_id=person.pk), lambda r: f"健康档案 {r.number}")
    entries += history_entries(HealthCard.history.filter(person_id=person.pk), lambda r: f"健康卡 {r.number}")
    entries += history_entries(TreatmentCase.history.filter(person_id=person.pk),
                               lambda r: f"分类救治：{r.disease.name}")
    entries += history_entries(TwoDiseaseRecognition.history.filter(person_id=person.pk),
                               lambda r: f"两病认定：{r.get_disease_display()}")
    return sorted(entries, key=lambda e: e.when, reverse=True)
