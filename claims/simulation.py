"""政策试算: settle every current bill of a year in an area again under a draft policy, writing nothing.

The bills are those the ledger counts (settled, not voided, each with its current settlement), read
set-based by ``selectors.billed_people`` and turned into the engine's bills by the same builder as
the window's (``selectors.engine_bill``). Each person's bills of the year are settled in the same
order as the database settles them (discharge date, then id) with the same platform (``recorded``)
amounts, through ``engine.settle_claims``, ``CHUNK_BILLS`` bills at a time; ``policies.simulation``
adds up the comparison. Nothing is written to the registry or to any money: the browser's run record
(``PolicySimulation``), its Excel file and the access log of that file are all it leaves.

Choices (docs/decisions.md, "政策试算"):

- **Which bills.** Every current bill of the year whose person lives in the area, settled under the
  draft as if it were the policy of the whole area; the area must lie inside the draft's region.
- **Platform amounts.** A recorded amount keeps its layer when the draft has that layer code, and
  otherwise moves by its fund to the draft's first layer of that fund for the bill's visit type and
  hospital level (``policies.simulation.draft_claim``). A bill the draft cannot settle so (no such
  layer, or a platform amount above what the draft leaves in the pool) is left out of both sides
  and listed with the reason.
- **Thresholds.** The current level uses the monitoring block of the policy in force for the person's
  village; the draft's level uses the draft's block when it has one, else the same one in force.
  Burden is personal minus relief received outside the cascade (the grants paid, as the person-year
  keeps their sum).
"""

from __future__ import annotations

import contextlib
import json
import secrets
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from accounts.jobs import job_failure_reason, retry_database
from accounts.models import AccessLog, User
from accounts.services import access_log_record, area_within, ensure_permitted
from beneficiaries.idnumbers import mask
from beneficiaries.models import Category
from claims import selectors
from claims.models import PersonYear, PolicySimulation
from policies import engine
from policies.document import (
    CATEGORY_NAMES, FUNDS, LEVEL_OVER, LEVEL_WARNING, ZERO, Monitoring, PolicyError, money_text, parse_policy,
    policy_to_dict,
)
from policies.document import Policy as PolicyDocument
from policies.models import Policy, PolicyVersion
from policies.selectors import current_version, parsed_policy, policy_in_force
from policies.simulation import (
    NO_CATEGORY, Change, Comparison, LayerAmount, PersonChange, PersonFacts, Report, draft_claim,
)
from regions.codes import AreaCodeError, area_prefix
from regions.models import Region
from spreadsheets.errors import SpreadsheetError
from spreadsheets.json_documents import load_json
from spreadsheets.writing import replaced_when_done

SIMULATE = "claims.view_policysimulation"
EXPORT_DIR = "policy_simulations"
CHUNK_BILLS = 20_000  # bills settled per call of the engine (whole people): memory stays flat
PAGE_PEOPLE = 50  # the largest changes shown, and kept for the page
PAGE_LIST_LIMIT = 200  # people kept for the page of each monitoring list (the Excel file has them all)
PAGE_EXCLUDED_LIMIT = 100
LEVELS = {LEVEL_OVER: "超标", LEVEL_WARNING: "预警", None: "—"}
FIRST_YEAR, LAST_YEAR = 1990, 2100

# Messages, shared with the tests.
OUTSIDE_DRAFT = "试算区域 {area} 不在草案适用区域 {region} 之内：草案只能试算其适用区域内的账单。"
NO_COMMON_AREA = "草案适用区域 {region} 与您的管辖区域 {area} 不重叠，无法试算。"
BAD_YEAR = f"年度应为 {FIRST_YEAR} 到 {LAST_YEAR} 之间的整数。"
NOT_UTF8_JSON = "政策文件“{name}”不是有效的 UTF-8 JSON：{reason}"
BAD_POLICY = "政策文件“{name}”有误：{errors}"
YEAR_NOT_COVERED = (
    "草案适用于 {years} 年，本次用它试算 {year} 年的账单："
    "草案中按日期（date_from / date_to）的规则以账单的实际日期判断。"
)
EXCLUDED_NOTE = "{count} 张账单无法按草案照录医保平台已结算金额，未计入两边的合计，见“未能试算的账单”。"
NO_MONITORING = "现行政策和草案都没有监测（monitoring）设置，无法判断监测标准。"


@dataclass(frozen=True)
class Draft:
    """The policy tried: an uploaded document or a stored version."""

    policy: PolicyDocument
    document: dict  # canonical (``policy_to_dict``)
    source: str  # PolicySimulation.Source
    label: str  # the file's name, or the version
    version: PolicyVersion | None = None


def _policy_error(name: str, error: PolicyError) -> ValidationError:
    errors = "；".join(str(issue) for issue in error.errors)
    return ValidationError(BAD_POLICY.format(name=name, errors=errors), code="invalid_policy")


def draft_from_file(content: bytes, name: str) -> Draft:
    """An uploaded draft (JSON); refused with the reason when it is not a valid policy document."""
    try:
        document = load_json(content.decode("utf-8-sig"), name)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(NOT_UTF8_JSON.format(name=name, reason=exc), code="not_json") from None
    except SpreadsheetError as exc:
        raise ValidationError(str(exc), code="not_json") from None
    try:
        policy = parse_policy(document)
    except PolicyError as exc:
        raise _policy_error(name, exc) from None
    return Draft(policy, policy_to_dict(policy), PolicySimulation.Source.UPLOAD, name[:200])


def draft_from_version(version: PolicyVersion) -> Draft:
    """A stored version (the one in force gives no change; an earlier one shows what going back would do)."""
    label = f"{version.policy.name} 第 {version.number} 版"
    source = PolicySimulation.Source.VERSION
    return Draft(parsed_policy(version), version.document, source, label[:200], version)


def simulation_area(user: User, area: str, policy: PolicyDocument) -> str:
    """The area prefix to simulate: inside the user's area and inside the draft's region. Without an
    area, the narrower of the two (refused when they do not overlap)."""
    try:
        region = area_prefix(policy.region_code)
    except AreaCodeError as exc:
        raise ValidationError(str(exc), code="bad_area") from None
    if not area:
        own = user.area_prefix
        if own.startswith(region):
            return own
        if region.startswith(own):
            return region
        raise ValidationError(NO_COMMON_AREA.format(region=policy.region_code, area=own or "全国"),
                              code="outside_draft")
    prefix = area_within(user, area)
    if not prefix.startswith(region):
        raise ValidationError(OUTSIDE_DRAFT.format(area=area, region=policy.region_code),
                              code="outside_draft")
    return prefix


def checked_year(year) -> int:
    try:
        value = int(str(year).strip())
    except (TypeError, ValueError):
        raise ValidationError(BAD_YEAR, code="bad_year") from None
    if not FIRST_YEAR <= value <= LAST_YEAR:
        raise ValidationError(BAD_YEAR, code="bad_year")
    return value


@dataclass
class Simulation:
    """A finished trial: the comparison and what is needed to show it with names."""

    report: Report
    draft: PolicyDocument
    area: str  # the code prefix simulated
    area_name: str
    year: int
    people: dict[str, tuple[str, str, str]]  # person id → (name, ID number, village code)
    township_names: dict[str, str]
    category_names: dict[str, str]  # in the registry's order
    notes: list[str] = field(default_factory=list)


class _Thresholds:
    """The monitoring blocks of each village: the one in force now, and the one the draft would use.

    Which policy is in force for a village depends only on which policies' regions contain it, and those
    regions are all prefixes of the longest of them: so ``policy_in_force`` is asked once per such longest
    region (once for a whole county, usually), not once per village.
    """

    def __init__(self, year: int, draft: PolicyDocument):
        self.year = year
        self.draft = draft.monitoring
        regions = set()
        for code in Policy.objects.values_list("region_code", flat=True).distinct():
            with contextlib.suppress(AreaCodeError):
                regions.add(area_prefix(code))
        self.regions = sorted(regions, key=len, reverse=True)
        self.by_village: dict[str, tuple[Monitoring | None, Monitoring | None]] = {}
        self.by_region: dict[str, Monitoring | None] = {}

    def of(self, village: str) -> tuple[Monitoring | None, Monitoring | None]:
        blocks = self.by_village.get(village)
        if blocks is None:
            region = next((region for region in self.regions if village.startswith(region)), None)
            if region not in self.by_region:
                policy = policy_in_force(region, self.year) if region is not None else None
                version = current_version(policy) if policy is not None else None
                self.by_region[region] = parsed_policy(version).monitoring if version is not None else None
            current = self.by_region[region]
            blocks = self.by_village[village] = (current, self.draft or current)
        return blocks


class _Beside:
    """A read run in a thread of its own, on its own database connection, so that the database works on it
    while this thread reads and settles the bills. Only outside a transaction: a second connection would not
    see what an open transaction (a test's) holds, so there the read runs when its result is asked for."""

    def __init__(self, read: Callable[[], list]):
        self.read = read
        self.outcome: tuple[bool, object] | None = None
        self.thread = None
        if not connection.in_atomic_block:
            self.thread = threading.Thread(target=self._run, name="simulation-read", daemon=True)
            self.thread.start()

    def _run(self) -> None:
        try:
            self.outcome = (True, self.read())
        except BaseException as exc:  # handed to the caller's thread
            self.outcome = (False, exc)
        finally:
            connections.close_all()  # this thread's connections only

    def result(self) -> list:
        if self.thread is None:
            return self.read()
        self.thread.join()
        succeeded, value = self.outcome
        if not succeeded:
            raise value
        return value


def _relief_received(prefix: str, year: int) -> dict[int, Decimal]:
    """Grants paid to each person for the year outside the cascade (monitoring.md: 临时救助, 二次救助, the
    hardship fund, charity), as assistance keeps their sum on the person-year: one query."""
    return dict(
        PersonYear.objects.filter(year=year, relief__gt=0, beneficiary__village__code__startswith=prefix)
        .values_list("beneficiary_id", "relief")
    )


def _settled(draft: PolicyDocument, claims: list[engine.ClaimInput],
             refuse: Callable[[int, str], None]) -> dict[int, engine.ClaimSettlement]:
    """Settle ``claims`` (whole people, each person's bills together in settling order) through the engine,
    by index. A bill the engine refuses (a platform amount above what the draft leaves in its pool) is left
    out with ``refuse(index, reason)``; the bills before its person's are settled again (the engine keeps
    nothing of a run it stopped) and the run goes on from that person's first bill without it, so their
    later bills follow without it and each refusal costs little more than its own person."""
    settled: dict[int, engine.ClaimSettlement] = {}
    skipped: set[int] = set()
    start = 0
    while True:
        order = [index for index in range(start, len(claims)) if index not in skipped]
        reached = [-1]

        def feed() -> Iterator[engine.ClaimInput]:
            for index in order:
                reached[0] = index
                yield claims[index]

        try:
            settled.update(zip(order, engine.settle_claims(draft, feed())))
            return settled
        except engine.ClaimError as exc:
            bad = reached[0]
            skipped.add(bad)
            refuse(bad, "；".join(f"{issue.field}：{issue.message}" for issue in exc.errors))
            first = bad
            while first > start and claims[first - 1].person == claims[bad].person:
                first -= 1
            before = [index for index in order if index < first]
            settled.update(zip(before, engine.settle_claims(draft, [claims[index] for index in before])))
            start = first


def policy_simulate(
    *,
    user: User,
    draft: PolicyDocument,
    year: int,
    area: str = "",
    progress: Callable[[int], None] | None = None,
) -> Simulation:
    """Settle every current bill of ``year`` in the area again under ``draft`` and compare; writes nothing.

    Officials (read-only role) may run it within their area. ``progress`` hears the bills done so far.
    """
    ensure_permitted(user, SIMULATE, "进行政策试算")
    year = checked_year(year)
    prefix = simulation_area(user, area, draft)
    # The database sums the current payments per layer while the bills are read and settled.
    current_layers = _Beside(lambda: selectors.current_layer_amounts(prefix, year))
    thresholds = _Thresholds(year, draft)
    relief = _relief_received(prefix, year)
    comparison = Comparison(draft)
    funds_of: dict[int, dict[str, str]] = {}
    people: dict[str, tuple[str, str, str]] = {}
    excluded_claims: list[int] = []
    done = 0

    def funds(version_id: int) -> dict[str, str]:
        if version_id not in funds_of:
            version = PolicyVersion.objects.get(pk=version_id)
            funds_of[version_id] = {layer.code: layer.fund for layer in parsed_policy(version).layers}
        return funds_of[version_id]

    def settle(batch: list[selectors.BilledPerson]) -> None:
        # The batch's bills to settle, one list, and where each person's run of them ends.
        claims: list[engine.ClaimInput] = []
        personals: list[Decimal] = []
        ends: list[int] = []
        for person in batch:
            for bill in person.bills:
                claim = draft_claim(draft, bill.claim, funds(bill.version_id))
                if isinstance(claim, str):
                    comparison.exclude(bill.claim.id, bill.claim.person, claim)
                    excluded_claims.append(int(bill.claim.id))
                    continue
                claims.append(claim)
                personals.append(bill.personal)
            ends.append(len(claims))

        def refuse(index: int, reason: str) -> None:
            claim = claims[index]
            comparison.exclude(claim.id, claim.person, reason)
            excluded_claims.append(int(claim.id))

        settled = _settled(draft, claims, refuse)
        results = [settled.get(index) for index in range(len(claims))]  # None: refused
        first = 0
        for person, end in zip(batch, ends):
            pairs = zip(results[first:end], personals[first:end])
            compared = [(result, personal) for result, personal in pairs if result is not None]
            first = end
            current, drafted = thresholds.of(person.village)
            facts = PersonFacts(str(person.id), person.village[:9], person.facts.held, current, drafted,
                                relief.get(person.id, ZERO))
            comparison.add_person(facts, compared)
            people[str(person.id)] = (person.name, person.id_number, person.village)

    # Closed however the loop ends: the reader's thread and connection end with it.
    with engine.cyclic_collector_paused(), contextlib.closing(selectors.billed_people(prefix, year)) as billed:
        batch: list[selectors.BilledPerson] = []
        size = 0
        for person in billed:
            batch.append(person)
            size += len(person.bills)
            if size >= CHUNK_BILLS:
                settle(batch)
                done += size
                batch, size = [], 0
                if progress is not None:
                    progress(done)
        if batch:
            settle(batch)
            done += size
            if progress is not None:
                progress(done)

    layers = current_layers.result()
    for layer, fund, amount in selectors.current_payments(excluded_claims):
        layers.append(LayerAmount(layer, "", fund, -amount))  # the bills left out count on neither side
    report = comparison.report(layers)
    townships = [row.key for row in report.townships]
    categories = {code: name for code, name in Category.objects.values_list("code", "name")}
    order = list(categories)
    report.categories.sort(key=lambda row: (
        row.key == NO_CATEGORY, order.index(row.key) if row.key in categories else len(order), row.key))
    notes = []
    if not draft.covers_year(year):
        last = draft.last_year
        years = f"{draft.year}" if last == draft.year else f"{draft.year}–{last}"
        notes.append(YEAR_NOT_COVERED.format(years=years, year=year))
    if report.excluded:
        notes.append(EXCLUDED_NOTE.format(count=len(report.excluded)))
    if report.people and draft.monitoring is None and not any(thresholds.by_region.values()):
        notes.append(NO_MONITORING)
    return Simulation(
        report=report, draft=draft, area=prefix, area_name=_area_name(prefix), year=year, people=people,
        township_names=dict(Region.objects.filter(code__in=townships).values_list("code", "name")),
        category_names={**CATEGORY_NAMES, **categories, NO_CATEGORY: "无身份类别"}, notes=notes,
    )


def _area_name(prefix: str) -> str:
    if not prefix:
        return "全国"
    code = prefix.ljust(6, "0") if len(prefix) < 6 else prefix
    region = Region.objects.filter(code=code).first()
    if region is None:
        return prefix
    return region.full_name() or region.name


# --- The report as data (the command's JSON, the page) --------------------------------------------------


def _change(change: Change) -> dict:
    return {"current": money_text(change.current), "draft": money_text(change.draft),
            "change": money_text(change.change)}


def _count(change: Change) -> dict:
    return {"current": change.current, "draft": change.draft, "change": change.draft - change.current}


def _person(simulation: Simulation, person: PersonChange, mask_ids: bool) -> dict:
    name, id_number, village = simulation.people.get(person.person, ("", "", ""))
    threshold = person.draft_threshold or person.current_threshold
    return {
        "person": int(person.person),
        "name": name,
        "id_number": mask(id_number) if mask_ids else id_number,
        "township": person.township,
        "township_name": simulation.township_names.get(person.township, person.township),
        "village": village,
        "bills": person.bills,
        "total": money_text(person.total),
        "personal": _change(person.personal),
        "burden": _change(person.burden),
        "threshold": {
            "current": money_text(person.current_threshold.amount) if person.current_threshold else None,
            "draft": money_text(person.draft_threshold.amount) if person.draft_threshold else None,
        },
        "label": threshold.label if threshold else "",
        "level": {"current": person.current_level, "draft": person.draft_level},
    }


def _group(row, name: str) -> dict:
    return {"code": row.key, "name": name, "bills": row.bills, "people": row.people,
            "total": money_text(row.total), "paid": _change(row.paid), "personal": _change(row.personal),
            "people_up": row.people_up, "people_down": row.people_down}


def simulation_summary(simulation: Simulation, *, mask_ids: bool, list_limit: int | None = None) -> dict:
    """The report as JSON-able data: the command's ``--json`` (every list whole) and the page's record
    (``list_limit`` people per monitoring list). Money is decimal text."""
    report, draft = simulation.report, simulation.draft

    def people(rows: list[PersonChange]) -> list[dict]:
        return [_person(simulation, row, mask_ids) for row in rows[:list_limit]]

    return {
        "area": simulation.area,
        "area_name": simulation.area_name,
        "year": simulation.year,
        "draft": {"code": draft.code, "name": draft.name, "region_code": draft.region_code,
                  "year": draft.year, "until_year": draft.until_year},
        "bills": report.bills,
        "people": report.people,
        "total": money_text(report.total),
        "by_fund": {fund: _change(report.by_fund[fund]) for fund in FUNDS},
        "paid": _change(report.paid),
        "personal": _change(report.personal),
        "burden_up": report.burden_up,
        "burden_down": report.burden_down,
        "burden_up_amount": money_text(report.up_amount),
        "burden_down_amount": money_text(report.down_amount),
        "unchanged": report.unchanged,
        "newly_over": len(report.newly_over),
        "newly_warning": len(report.newly_warning),
        "no_longer_over": len(report.no_longer_over),
        "monitored": _count(report.monitored),
        "over": _count(report.over),
        "warning": _count(report.warning),
        "layers": [{"code": row.code, "name": row.name, "fund": row.fund, "in_draft": row.in_draft,
                    **_change(row.amount)} for row in report.layers],
        "townships": [_group(row, simulation.township_names.get(row.key, row.key))
                      for row in report.townships],
        "categories": [_group(row, simulation.category_names.get(row.key, row.key))
                       for row in report.categories],
        "distribution": [{"label": b.label, "people": b.people, "direction": b.direction}
                         for b in report.distribution],
        "newly_over_people": people(report.newly_over),
        "newly_warning_people": people(report.newly_warning),
        "no_longer_over_people": people(report.no_longer_over),
        "largest": [_person(simulation, row, mask_ids) for row in report.changes[:PAGE_PEOPLE]],
        "excluded": len(report.excluded),
        "excluded_bills": [{"claim": int(e.claim), "person": int(e.person), "reason": e.reason}
                           for e in report.excluded[:PAGE_EXCLUDED_LIMIT if list_limit else None]],
        "notes": list(simulation.notes),
    }


def simulation_export_write(*, user: User, simulation: Simulation, path: str | Path) -> int:
    """The report as an Excel workbook at ``path``, written to the access log; returns its person rows."""
    from claims.simulation_workbook import simulation_workbook_write

    with replaced_when_done(Path(path)) as partial:
        rows = simulation_workbook_write(str(partial), simulation, mask_ids=not user.sees_sensitive)
    draft = simulation.draft
    access_log_record(
        user=user, action=AccessLog.Action.EXPORT, object_id="policy_simulation",
        detail=f"政策试算导出：草案 {draft.name}（{draft.code}），{simulation.year} 年，区域 {simulation.area or '全国'}",
        rows=rows,
    )
    return rows


# --- Trial runs asked for in the browser -----------------------------------------------------------------


def simulation_request(*, user: User, draft: Draft, year, area: str) -> PolicySimulation:
    """Queue a trial run as a background job (checked now, so that the form can say what is wrong)."""
    from claims.tasks import policy_simulation_task  # the task module imports this one

    ensure_permitted(user, SIMULATE, "进行政策试算")
    year = checked_year(year)
    prefix = simulation_area(user, area, draft.policy)
    simulation = PolicySimulation.objects.create(
        requested_by=user, area_code=prefix, year=year, source=draft.source, source_label=draft.label,
        policy_version=draft.version, document=draft.document, draft_code=draft.policy.code,
        draft_name=draft.policy.name[:200],
    )
    policy_simulation_task.enqueue(simulation.pk)
    simulation.refresh_from_db()
    return simulation


def simulation_path(simulation: PolicySimulation) -> Path:
    return Path(settings.MEDIA_ROOT) / simulation.file


def simulation_run(*, simulation_id: int) -> PolicySimulation:
    """Run a queued trial (the background task's body); a failure is recorded on the run, then raised."""
    simulation = PolicySimulation.objects.select_related("requested_by").get(pk=simulation_id)
    if simulation.status != PolicySimulation.Status.QUEUED:
        return simulation
    runs = PolicySimulation.objects.filter(pk=simulation.pk)
    try:
        user = simulation.requested_by
        draft = parse_policy(simulation.document)
        simulation.status = PolicySimulation.Status.RUNNING
        simulation.bills_total = selectors.billed_bills_count(simulation.area_code, simulation.year)
        simulation.file = f"{EXPORT_DIR}/simulation-{simulation.pk}-{secrets.token_hex(8)}.xlsx"
        simulation.save(update_fields=["status", "bills_total", "file"])
        result = policy_simulate(user=user, draft=draft, year=simulation.year, area=simulation.area_code,
                                 progress=lambda done: runs.update(bills_done=done))
        path = simulation_path(simulation)
        path.parent.mkdir(parents=True, exist_ok=True)
        simulation_export_write(user=user, simulation=result, path=path)
        summary = simulation_summary(result, mask_ids=not user.sees_sensitive, list_limit=PAGE_LIST_LIMIT)
        runs.update(status=PolicySimulation.Status.DONE,
                    bills_done=result.report.bills + len(result.report.excluded), summary=summary,
                    finished_at=timezone.now())
    except Exception as exc:
        reason = job_failure_reason(exc)
        retry_database(lambda: simulation_fail(simulation_id=simulation.pk, message=reason),
                       what=f"记录政策试算 #{simulation.pk} 失败")
        raise
    simulation.refresh_from_db()
    return simulation


def simulation_fail(*, simulation_id: int, message: str) -> bool:
    """Record why a trial run failed and remove any file it wrote. Only a queued or running run changes (a
    late report never undoes a finished one); returns whether it did."""
    unfinished = PolicySimulation.objects.filter(
        pk=simulation_id, status__in=(PolicySimulation.Status.QUEUED, PolicySimulation.Status.RUNNING)
    )
    for simulation in unfinished.exclude(file=""):
        with contextlib.suppress(OSError):
            simulation_path(simulation).unlink(missing_ok=True)
    return bool(unfinished.update(status=PolicySimulation.Status.FAILED, error=message,
                                  finished_at=timezone.now(), file=""))
