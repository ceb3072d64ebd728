"""Alerts kept current with the settlements (monitoring.md), and their workflow.

Two ways in, one arithmetic (``_figures``): ``alerts_follow_settlements`` inside the transaction of
whatever settled a bill or paid or voided a grant (claims announces the person-year with its new personal
total and its relief, so neither bill nor grant is read again: at most three queries), and ``alerts_recompute`` (``manage.py monitor``) from the records
of a whole area-year, set-based, which also repairs any drift.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from accounts.models import User
from accounts.services import area_within, ensure_in_area, ensure_permitted
from assistance.models import Grant
from assistance.selectors import relief_by_person_year
from beneficiaries.models import CategoryHolding
from claims.models import Claim, Settlement
from claims.signals import PersonYearSettled
from policies.document import Monitoring, monitoring_threshold
from policies.selectors import parsed_policy, versions_in_force
from monitoring.models import Alert, AlertStep, Level

ZERO = Decimal("0.00")
BATCH = 2000
NO_MONITORING = "{place} {year} 年适用的政策“{policy}”没有监测标准（monitoring），无法判断因病返贫致贫风险。"
NO_POLICY = "{place} {year} 年没有适用的报销政策，无法判断因病返贫致贫风险。"


@dataclass(frozen=True)
class Figures:
    """A person-year's burden against their threshold (monitoring.md)."""

    medical: Decimal
    relief: Decimal
    burden: Decimal
    threshold: Decimal | None  # None: not monitored
    label: str
    level: str  # a Level; NONE below the warning line or not monitored

    @property
    def monitored(self) -> bool:
        return self.threshold is not None


def _figures(monitoring: Monitoring | None, held: Iterable[str], medical: Decimal, relief: Decimal) -> Figures:
    burden = max(ZERO, medical - relief)
    threshold = monitoring_threshold(monitoring, held)
    if threshold is None:
        return Figures(medical, relief, burden, None, "", Level.NONE)
    level = monitoring.level_for(burden, threshold.amount) or Level.NONE
    return Figures(medical, relief, burden, threshold.amount, threshold.label, level)


def _monitoring_blocks(versions: dict) -> dict[tuple[str, int], Monitoring | None]:
    """The ``monitoring`` block of each place's policy in force (None: no policy, or no block)."""
    return {place: None if version is None else parsed_policy(version).monitoring for place, version in versions.items()}


def _change_entry(figures: Figures, now: datetime.datetime, user: User, cause: str) -> dict:
    return {
        "at": now.isoformat(timespec="seconds"),
        "level": figures.level,
        "burden": str(figures.burden),
        "threshold": None if figures.threshold is None else str(figures.threshold),
        "by": user.username,
        "cause": cause,
    }


FIGURE_FIELDS = ["medical", "relief", "burden", "threshold", "label", "level"]


def _apply(figures: dict[tuple[int, int], Figures], existing: dict[tuple[int, int], Alert], *, user: User,
           cause: str) -> tuple[list[Alert], list[Alert]]:
    """Create the alerts a person-year now needs and update those whose figures moved (each move
    appended to the alert's ``changes``). A person-year below the warning line without an alert
    gets none; an alert is never deleted."""
    now = timezone.now()
    created, updated = [], []
    for (person_id, year), new in figures.items():
        alert = existing.get((person_id, year))
        if alert is None:
            if new.level == Level.NONE:
                continue
            created.append(Alert(
                beneficiary_id=person_id, year=year, **{name: getattr(new, name) for name in FIGURE_FIELDS},
                changes=[_change_entry(new, now, user, cause)],
            ))
            continue
        if all(getattr(alert, name) == getattr(new, name) for name in FIGURE_FIELDS):
            continue
        for name in FIGURE_FIELDS:
            setattr(alert, name, getattr(new, name))
        alert.changes = [*alert.changes, _change_entry(new, now, user, cause)]
        alert.updated_at = now
        updated.append(alert)
    Alert.objects.bulk_create(created, batch_size=BATCH)
    Alert.objects.bulk_update(updated, [*FIGURE_FIELDS, "changes", "updated_at"], batch_size=BATCH)
    return created, updated


def alerts_follow_settlements(sender, *, person_years: list[PersonYearSettled], user: User, cause: str, **kwargs):
    """Receiver of ``claims.signals.person_years_settled``: in the settling transaction, at most three
    queries (the policies in force, the alerts, their writing)."""
    blocks = _monitoring_blocks(versions_in_force((py.village_id, py.year) for py in person_years))
    figures = {
        (py.person_id, py.year): _figures(blocks[(py.village_id, py.year)], py.held, py.personal, py.relief)
        for py in person_years
    }
    wanted = Q()
    for person_id, year in figures:
        wanted |= Q(beneficiary_id=person_id, year=year)
    existing = {(a.beneficiary_id, a.year): a for a in Alert.objects.select_for_update().filter(wanted)}
    _apply(figures, existing, user=user, cause=cause)


@dataclass
class MonitorResult:
    year: int
    area: str
    monitored: int
    warning: int
    over: int
    alerts: list[Alert]  # level warning or over, the largest share of the threshold first
    notes: list[str]  # places whose policy cannot monitor (no policy, no monitoring block)
    created: int
    updated: int


def _medical_by_person(prefix: str, year: int) -> dict[int, Decimal]:
    """Σ personal of the current settlements of the year's settled bills, per person, in one query."""
    rows = (
        Settlement.objects.filter(
            superseded_at__isnull=True, claim__status=Claim.Status.SETTLED,
            claim__discharged_on__gte=datetime.date(year, 1, 1), claim__discharged_on__lte=datetime.date(year, 12, 31),
            claim__beneficiary__village__code__startswith=prefix,
        )
        .values_list("claim__beneficiary_id")
        .annotate(total=Sum("personal"))
        .order_by()
    )
    return dict(rows.iterator(chunk_size=BATCH))


def _relief_by_person(prefix: str, year: int) -> dict[int, Decimal]:
    """Σ the grants paid for the year, per person of the area, in one query (assistance's records)."""
    relief = relief_by_person_year(Grant.objects.within(prefix).filter(year=year))
    return {person_id: amount for (person_id, _), amount in relief.items()}


def _held_by_person(prefix: str, year: int) -> tuple[dict[int, set[str]], dict[int, str]]:
    """The categories each person of the area held on any day of the year, and their villages."""
    held: dict[int, set[str]] = defaultdict(set)
    villages: dict[int, str] = {}
    rows = (
        CategoryHolding.objects.within(prefix).during(datetime.date(year, 1, 1), datetime.date(year, 12, 31))
        .values_list("beneficiary_id", "category__code", "beneficiary__village_id")
    )
    for person_id, code, village in rows.iterator(chunk_size=BATCH):
        held[person_id].add(code)
        villages[person_id] = village
    return held, villages


def _place_notes(blocks: dict[tuple[str, int], Monitoring | None], versions, year: int) -> list[str]:
    """One sentence per policy that cannot monitor (or per lack of a policy), naming its villages."""
    villages: dict[object, list[str]] = defaultdict(list)
    for (village, _), version in sorted(versions.items()):
        if version is None or blocks[(village, year)] is None:
            villages[version].append(village)
    notes = []
    for version, codes in villages.items():
        place = "、".join(codes[:3]) + (f" 等 {len(codes)} 个村" if len(codes) > 3 else "")
        if version is None:
            notes.append(NO_POLICY.format(place=place, year=year))
        else:
            notes.append(NO_MONITORING.format(place=place, year=year, policy=version.policy.name))
    return notes


@transaction.atomic
def alerts_recompute(*, user: User, year: int, area: str = "") -> MonitorResult:
    """Recompute every monitored person-year of the area from the records and repair the alerts."""
    ensure_permitted(user, "monitoring.view_alert", "查看因病返贫致贫监测")
    prefix = area_within(user, area)
    medical, relief = _medical_by_person(prefix, year), _relief_by_person(prefix, year)
    held, villages = _held_by_person(prefix, year)
    versions = versions_in_force({(village, year) for village in set(villages.values())})
    blocks = _monitoring_blocks(versions)
    figures = {
        (person_id, year): _figures(blocks[(villages[person_id], year)], codes, medical.get(person_id, ZERO),
                                    relief.get(person_id, ZERO))
        for person_id, codes in held.items()
    }
    existing = {
        (a.beneficiary_id, a.year): a
        for a in Alert.objects.within(prefix).filter(year=year).select_for_update().iterator(chunk_size=BATCH)
    }
    for key, alert in existing.items():
        if key not in figures:  # no longer holds any category this year: not monitored
            figures[key] = _figures(None, (), medical.get(alert.beneficiary_id, ZERO),
                                    relief.get(alert.beneficiary_id, ZERO))
    created, updated = _apply(figures, existing, user=user, cause="监测重算")
    levels = [f.level for f in figures.values()]
    alerting = (
        Alert.objects.within(prefix).filter(year=year, level__in=[Level.WARNING, Level.OVER])
        .select_related("beneficiary")
    )
    return MonitorResult(
        year=year, area=prefix, monitored=sum(f.monitored for f in figures.values()),
        warning=levels.count(Level.WARNING), over=levels.count(Level.OVER),
        alerts=sorted(alerting, key=lambda a: (-(a.burden / a.threshold if a.threshold else 0), a.pk)),
        notes=_place_notes(blocks, versions, year), created=len(created), updated=len(updated),
    )


# --- The workflow ------------------------------------------------------------------------------------

S = Alert.Status
NEXT_STATUSES: dict[str, tuple[str, ...]] = {
    S.NEW: (S.VERIFIED, S.EXCLUDED),
    S.VERIFIED: (S.REFERRED, S.EXCLUDED),
    S.REFERRED: (S.MONITORED, S.EXCLUDED),
    S.MONITORED: (S.VERIFIED,),  # reopened when the family's situation changes
    S.EXCLUDED: (S.VERIFIED,),
}


@transaction.atomic
def alert_advance(
    *, user: User, alert: Alert, to: str, note: str, office: str = "", referred_on: datetime.date | None = None
) -> AlertStep:
    """Move an alert one step of its workflow (monitoring.md), with a note; kept as a step."""
    ensure_permitted(user, "monitoring.refer_alert", "核实、推送和办结预警")
    ensure_in_area(user, alert.beneficiary.village_id, alert.beneficiary.name)
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    errors: dict[str, str] = {}
    if to not in NEXT_STATUSES[alert.status]:
        allowed = "、".join(S(s).label for s in NEXT_STATUSES[alert.status])
        raise ValidationError(
            f"预警当前为“{alert.get_status_display()}”，只能改为：{allowed}。", code="bad_step"
        )
    if not note.strip():
        errors["note"] = "请填写说明（核实情况、推送内容或排除理由）。"
    if to == S.REFERRED:
        if office not in Alert.Office.values:
            errors["office"] = "请选择推送部门（民政 / 乡村振兴）。"
        if referred_on is None:
            errors["referred_on"] = "请填写推送日期。"
        elif referred_on > timezone.localdate():
            errors["referred_on"] = "推送日期不能晚于今天。"
    if errors:
        raise ValidationError(errors, code="bad_step")
    step = AlertStep.objects.create(
        alert=alert, status_before=alert.status, status_after=to, note=note.strip(),
        office=office if to == S.REFERRED else "", referred_on=referred_on if to == S.REFERRED else None, by=user,
    )
    alert.status = to
    fields = ["status", "updated_at"]
    if to == S.REFERRED:
        alert.office, alert.referred_on = office, referred_on
        fields += ["office", "referred_on"]
    alert.save(update_fields=fields)
    return step
