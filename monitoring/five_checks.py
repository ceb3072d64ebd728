"""五查 (monitoring.md): for a year and an area, the people, bills and households that fail each check.

Set-based: one query each for the category holdings (with the people), the enrollment records, the
policies in force, the in-county inpatient bills, the households and the year's publicity visits,
and the bills of the year with their platform amounts streamed by ``claims.selectors.billed_people``
(the reader the policy simulation uses), whatever the number of people. The choices the spec leaves
open are in ``docs/decisions.md`` ("五查"):

- a **covered** person holds any category (categories.md) on some day of the year, as reconciliation.md
  counts 应保未保; a **covered household** has such a member;
- the **enrollment insurance** is the policy's ``enrollment.insurance`` (``resident_basic`` without a
  block); a recorded reason excuses only 异地参保, 参加职工医保, 死亡 (a person recorded as deceased by the
  end of the year also passes); “其他” stays listed with its note, for the clerk to decide;
- the **enrollment date** is the day the enrollment record was made, kept within the year before and
  the year itself (a record loaded after the year is judged by the categories held on its last day);
- **查服务** passes a bill settled under 先诊疗后付费 (``pay_later``) or imported from a hospital's or the
  platform's own settlement list (settled at the hospital on discharge: 一站式); the person must hold a
  category on the bill's date;
- **查待遇** settles each person-year in order (with the platform amounts as recorded: they count toward the
  year's totals) under the policy version in force today; the probe of a layer on a bill settles that bill
  with the person's year before it, keeping the platform amounts of the layers before it (which make its
  pool) and only the layers up to it (the later ones cannot change it); a bill counts once, however many
  of its layers fall short.
"""

from __future__ import annotations

import contextlib
import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from accounts.models import AccessLog, User
from accounts.services import access_log_record, area_within, ensure_permitted
from beneficiaries.idnumbers import mask
from beneficiaries.models import Beneficiary, CategoryHolding, Enrollment, Insurance
from claims.models import Claim
from claims.selectors import YearFacts, billed_people
from monitoring.models import PublicityVisit
from policies import engine
from policies.document import Policy as PolicyDocument
from policies.document import category_names
from policies.selectors import parsed_policy, versions_in_force
from regions.codes import Level
from regions.models import Region
from spreadsheets.writing import MONEY_FORMAT, safe_text

CHECKS = {
    "enrollment": "查参保",
    "subsidy": "查缴费",
    "service": "查服务",
    "benefits": "查待遇",
    "publicity": "查宣传",
}
DEFAULT_INSURANCE = "resident_basic"
EXCUSED = {Enrollment.Reason.ELSEWHERE, Enrollment.Reason.EMPLOYEE, Enrollment.Reason.DECEASED}
TOLERANCE = Decimal("0.01")
ZERO = Decimal("0.00")
BATCH = 5000

UNKNOWN_CHECK = "没有“{check}”这一项检查，可选：" + "、".join(f"{code}（{name}）" for code, name in CHECKS.items()) + "。"
BAD_YEAR = "年度“{year}”无效，应为 1990 至 2100 之间的四位数字。"
NO_POLICY = "{place} {year} 年没有适用的报销政策：按城乡居民基本医保查参保，不查缴费和待遇。"
NO_ENROLLMENT_BLOCK = "{place} {year} 年适用的政策“{policy}”没有参保资助标准（enrollment），不查缴费。"
UNSETTLABLE = "{name}（{id_number}）{year} 年的账单无法按现行政策“{policy}”计算（{error}），未查待遇。"
NO_HOUSEHOLD = "{count} 名保障对象未登记家庭户，无法核对政策宣传走访，请先登记家庭户。"


@dataclass(frozen=True, slots=True)
class Finding:
    """One person, bill or household that fails a check: where, who, why and what to do."""

    check: str
    township: str  # 9-digit code
    village: str  # 12-digit code
    name: str
    id_number: str
    household: str = ""  # 户编号
    person_id: int | None = None
    household_id: int | None = None
    claim_id: int | None = None
    day: datetime.date | None = None  # the bill's date, for bills
    why: str = ""
    todo: str = ""


@dataclass
class FiveChecks:
    year: int
    area: str  # the code prefix checked
    lists: dict[str, list[Finding]]  # by check code, each sorted by township, village, name
    township_names: dict[str, str]
    notes: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {check: len(self.lists.get(check, ())) for check in CHECKS}

    @property
    def by_township(self) -> dict[str, dict[str, int]]:
        """``{township code: {check: count}}`` for every township with at least one finding."""
        table: dict[str, dict[str, int]] = {}
        for check in CHECKS:
            for finding in self.lists.get(check, ()):
                row = table.setdefault(finding.township, dict.fromkeys(CHECKS, 0))
                row[check] += 1
        return dict(sorted(table.items()))

    def as_json(self) -> dict:
        return {**self.counts, "by_township": self.by_township, "year": self.year, "area": self.area,
                "notes": self.notes}


# --- What the checks read ------------------------------------------------------------------------


@dataclass(slots=True)
class _Person:
    id: int
    name: str
    id_number: str
    village: str
    household_id: int | None
    household: str
    household_village: str
    household_head: int | None
    status: str
    status_date: datetime.date | None
    holdings: list[tuple[str, datetime.date, datetime.date | None]] = field(default_factory=list)

    def held_during(self, first: datetime.date, last: datetime.date) -> frozenset[str]:
        return frozenset(code for code, start, end in self.holdings if start <= last and (end is None or end >= first))

    def held_on(self, day: datetime.date) -> frozenset[str]:
        return self.held_during(day, day)

    def deceased_by(self, day: datetime.date) -> bool:
        return self.status == Beneficiary.Status.DECEASED and (self.status_date is None or self.status_date <= day)


@dataclass(frozen=True, slots=True)
class _Record:
    insurance: str
    status: str
    subsidy: Decimal
    reason: str
    note: str
    recorded_on: datetime.date


class _Year:
    """Everything the checks of one area-year share, each read in one query."""

    def __init__(self, prefix: str, year: int):
        self.prefix, self.year = prefix, year
        self.first, self.last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        self.people = self._people()
        self.covered = {pk: person for pk, person in self.people.items()
                        if person.held_during(self.first, self.last)}
        self.records = self._records()
        self.covered_villages = {person.village for person in self.covered.values()}
        # Every village of the area, not only the covered people's: 查待遇 reads the bills of anyone.
        villages = set(Region.objects.within(prefix).filter(level=Level.VILLAGE).values_list("code", flat=True))
        self.versions = versions_in_force((village, year) for village in villages | self.covered_villages)
        self.policies: dict[str, PolicyDocument | None] = {
            village: None if version is None else parsed_policy(version)
            for (village, _), version in self.versions.items()
        }

    def _people(self) -> dict[int, _Person]:
        """Every person of the area with a holding in force on some day of the year or the year before
        (the enrollment for a year is made in the autumn before it), with their holdings."""
        people: dict[int, _Person] = {}
        rows = (
            CategoryHolding.objects.within(self.prefix)
            .during(datetime.date(self.year - 1, 1, 1), self.last)
            .values_list("beneficiary_id", "category__code", "start", "end", "beneficiary__name",
                         "beneficiary__id_number", "beneficiary__village_id", "beneficiary__household_id",
                         "beneficiary__household__number", "beneficiary__household__village_id",
                         "beneficiary__household__head_id", "beneficiary__status", "beneficiary__status_date")
            .order_by()
        )
        for (pk, code, start, end, name, number, village, household_id, household, household_village, head, status,
             status_date) in rows.iterator(chunk_size=BATCH):
            person = people.get(pk)
            if person is None:
                person = people[pk] = _Person(pk, name, number, village, household_id, household or "",
                                              household_village or village, head, status, status_date)
            person.holdings.append((code, start, end))
        return people

    def _records(self) -> dict[int, list[_Record]]:
        records: dict[int, list[_Record]] = defaultdict(list)
        rows = (
            Enrollment.objects.within(self.prefix).filter(year=self.year)
            .values_list("beneficiary_id", "insurance__code", "status", "subsidy", "reason", "note", "recorded_at")
            .order_by("pk")
        )
        for pk, insurance, status, subsidy, reason, note, recorded_at in rows.iterator(chunk_size=BATCH):
            recorded_on = timezone.localtime(recorded_at).date() if timezone.is_aware(recorded_at) else recorded_at.date()
            records[pk].append(_Record(insurance, status, subsidy, reason, note, recorded_on))
        return records

    def policy(self, village: str) -> PolicyDocument | None:
        return self.policies.get(village)

    def insurance_of(self, village: str) -> str:
        policy = self.policy(village)
        if policy is None or policy.enrollment is None:
            return DEFAULT_INSURANCE
        return policy.enrollment.insurance

    def enrollment_day(self, record: _Record) -> datetime.date:
        return min(max(record.recorded_on, datetime.date(self.year - 1, 1, 1)), self.last)

    def facts(self) -> dict[int, YearFacts]:
        """The engine's facts of each person of the year (``claims.selectors.year_facts`` without reading
        the holdings and enrollments again)."""
        facts = {}
        for pk in self.covered.keys() | self.records.keys():
            person = self.people.get(pk)
            holdings = [] if person is None else [
                (code, start, end) for code, start, end in person.holdings
                if start <= self.last and (end is None or end >= self.first)
            ]
            insurances = [r.insurance for r in self.records.get(pk, ()) if r.status == Enrollment.Status.ENROLLED]
            facts[pk] = YearFacts(holdings, insurances)
        return facts


def _finding(check: str, person: _Person, **fields) -> Finding:
    return Finding(check=check, township=person.village[:9], village=person.village, name=person.name,
                   id_number=person.id_number, household=person.household, person_id=person.id,
                   household_id=person.household_id, **fields)


def _yuan(amount: Decimal) -> str:
    return f"{amount:,.2f} 元"


# --- The five checks -----------------------------------------------------------------------------


def _enrollment(year: _Year, insurance_names: Mapping[str, str]) -> list[Finding]:
    """查参保: covered, no 已参保 record in the enrollment insurance, no reason that excuses it."""
    found = []
    for person in year.covered.values():
        insurance = year.insurance_of(person.village)
        records = [r for r in year.records.get(person.id, ()) if r.insurance == insurance]
        if any(r.status == Enrollment.Status.ENROLLED for r in records):
            continue
        if any(r.reason in EXCUSED for r in records) or person.deceased_by(year.last):
            continue
        name = insurance_names.get(insurance, insurance)
        others = [r for r in records if r.reason]
        if others:
            reasons = "；".join(
                Enrollment.Reason(r.reason).label + (f"：{r.note}" if r.note else "") for r in others
            )
            why = f"{year.year} 年未参加{name}，登记的原因“{reasons}”不属于异地参保、参加职工医保或死亡"
        elif records:
            why = f"{year.year} 年{name}登记为未参保，未登记原因"
        else:
            why = f"{year.year} 年没有{name}参保记录"
        if person.status == Beneficiary.Status.MOVED_AWAY:
            todo = "已迁出：核实是否异地参保，取得证明后登记未参保原因“异地参保”"
        else:
            todo = "协助办理参保手续并落实资助参保；如属异地参保、参加职工医保或已死亡，查明情况后登记未参保原因"
        found.append(_finding("enrollment", person, why=why, todo=todo))
    return found


def _subsidy(year: _Year, insurance_names: Mapping[str, str]) -> list[Finding]:
    """查缴费: enrolled and covered, recorded subsidy ≠ the policy's for the categories held on the enrollment date."""
    found = []
    for person in year.covered.values():
        policy = year.policy(person.village)
        if policy is None or policy.enrollment is None:
            continue
        block = policy.enrollment
        for record in year.records.get(person.id, ()):
            if record.insurance != block.insurance or record.status != Enrollment.Status.ENROLLED:
                continue
            day = year.enrollment_day(record)
            held = person.held_on(day)
            expected = block.subsidy_for(held)
            if record.subsidy == expected:
                continue
            held_text = category_names(held) if held else "无类别"
            why = (f"{insurance_names.get(block.insurance, block.insurance)}参保财政补助记录为 {_yuan(record.subsidy)}，"
                   f"按参保时（{day:%Y-%m-%d}）持有的类别（{held_text}）应为 {_yuan(expected)}")
            if expected > record.subsidy:
                todo = f"补足资助参保资金 {_yuan(expected - record.subsidy)}，或更正补助记录"
            else:
                todo = f"核实多记的 {_yuan(record.subsidy - expected)}：按规定收回或更正补助记录"
            found.append(_finding("subsidy", person, why=why, todo=todo))
            break
    return found


def _service(year: _Year) -> list[Finding]:
    """查服务: a covered person's inpatient bill at an in-county hospital, neither 先诊疗后付费 nor from the
    hospital's own settlement list."""
    rows = (
        Claim.objects.within(year.prefix)
        .filter(status=Claim.Status.SETTLED, visit_type="inpatient", hospital__in_county=True, pay_later=False,
                discharged_on__gte=year.first, discharged_on__lte=year.last)
        .exclude(origin=Claim.Origin.IMPORT)
        .values_list("pk", "beneficiary_id", "discharged_on", "hospital__name")
        .order_by()
    )
    found = []
    for pk, person_id, day, hospital in rows.iterator(chunk_size=BATCH):
        person = year.covered.get(person_id)
        if person is None or not person.held_on(day):
            continue
        why = f"{day:%Y-%m-%d} 在县域内{hospital}住院，未实行先诊疗后付费，也未在医院“一站式”结算（窗口录入）"
        todo = f"核实{hospital}是否落实县域内住院先诊疗后付费和“一站式”结算，督促整改"
        found.append(_finding("service", person, claim_id=pk, day=day, why=why, todo=todo))
    return found


def _layer_names(policy: PolicyDocument) -> dict[str, str]:
    return {layer.code: layer.name for layer in policy.layers}


class _Probes:
    """What the policy computes for one layer of a bill, given the person's year before it.

    Only the layers up to the probed one are settled: the layers after it come later in the cascade and
    cannot change its payment, so a probe of 基本医保 (the first layer, where most platform amounts are)
    settles one layer, not the whole policy. The shortened policies are made once per run."""

    def __init__(self, policy: PolicyDocument):
        self.policy = policy
        self.order = [layer.code for layer in policy.layers]
        self.shortened: dict[int, PolicyDocument] = {}

    def up_to(self, position: int) -> PolicyDocument:
        shortened = self.shortened.get(position)
        if shortened is None:
            shortened = self.shortened[position] = replace(self.policy, layers=self.policy.layers[:position + 1])
        return shortened

    def short_layers(self, claim: engine.ClaimInput, ytd: engine.YearToDate) -> list[tuple[str, Decimal, Decimal]]:
        """(layer code, recorded, computed) of each layer whose platform amount on this bill is smaller, by
        more than 0.01, than what the policy computes for it with the platform amounts of the layers before
        it kept (they make its pool) and its own removed."""
        short = []
        for position, code in enumerate(self.order):
            if code not in claim.recorded:
                continue
            before = set(self.order[:position])
            probe = replace(claim, recorded={k: v for k, v in claim.recorded.items() if k in before})
            settlement, _ = engine.settle_claim(self.up_to(position), probe, ytd)
            computed = settlement.payments[position].amount
            recorded = claim.recorded[code]
            if computed - recorded > TOLERANCE:
                short.append((code, recorded, computed))
        return short


def _benefits(year: _Year) -> tuple[list[Finding], list[str]]:
    """查待遇: a bill whose platform amount for a layer falls short of what the policy computes for it."""
    found, notes = [], []
    probes_of: dict[int, _Probes] = {}  # by policy (one parsed policy per version)
    with contextlib.closing(billed_people(year.prefix, year.year, facts=year.facts())) as billed:
        for billed_person in billed:
            if not any(bill.claim.recorded for bill in billed_person.bills):
                continue
            key = (billed_person.village, year.year)
            if key not in year.versions:
                version = versions_in_force([key])[key]  # a person not covered this year
                year.versions[key] = version
                year.policies[billed_person.village] = None if version is None else parsed_policy(version)
            policy = year.policy(billed_person.village)
            if policy is None:
                continue
            person = year.people.get(billed_person.id) or _Person(
                billed_person.id, billed_person.name, billed_person.id_number, billed_person.village, None, "",
                billed_person.village, None, "", None,
            )
            names = _layer_names(policy)
            probes = probes_of.get(id(policy))
            if probes is None:
                probes = probes_of[id(policy)] = _Probes(policy)
            last = max(i for i, bill in enumerate(billed_person.bills) if bill.claim.recorded)
            ytd = engine.YearToDate()
            try:
                for position, bill in enumerate(billed_person.bills[:last + 1]):
                    claim = bill.claim
                    short = probes.short_layers(claim, ytd) if claim.recorded else []
                    if position < last:  # the year before the next bill with platform amounts
                        _, ytd = engine.settle_claim(policy, claim, ytd)
                    if not short:
                        continue
                    why = "；".join(
                        f"{names[code]}平台记录支付 {_yuan(recorded)}，按政策应支付 {_yuan(computed)}，少 {_yuan(computed - recorded)}"
                        for code, recorded, computed in short
                    )
                    missing = sum((computed - recorded for _, recorded, computed in short), ZERO)
                    todo = f"向医保平台核实该笔结算，按政策补付 {_yuan(missing)}（或更正记录的平台支付金额）"
                    found.append(_finding("benefits", person, claim_id=int(claim.id), day=claim.date, why=why,
                                          todo=todo))
            except engine.ClaimError as exc:
                notes.append(UNSETTLABLE.format(name=person.name, id_number=mask(person.id_number), year=year.year,
                                                policy=policy.name, error=exc))
    return found, notes


def _publicity(year: _Year) -> tuple[list[Finding], list[str]]:
    """查宣传: a covered household with no publicity visit recorded in the year. The household is listed
    under its head when the head is covered, else under its first covered member."""
    households: dict[int, list[_Person]] = defaultdict(list)
    without = 0
    for person in year.covered.values():
        if person.household_id is None:
            without += 1
        else:
            households[person.household_id].append(person)
    visits = PublicityVisit.objects.filter(visited_on__gte=year.first, visited_on__lte=year.last)
    if year.prefix:
        visits = visits.filter(household__members__village__code__startswith=year.prefix)
    visited = set(visits.values_list("household_id", flat=True).order_by().distinct())
    found = []
    for pk, members in households.items():
        if pk in visited:
            continue
        members.sort(key=lambda m: m.id)
        shown = next((m for m in members if m.id == m.household_head), members[0])
        names = "、".join(m.name for m in members)
        village = shown.household_village
        found.append(Finding(
            check="publicity", township=village[:9], village=village, name=shown.name,
            id_number=shown.id_number, household=shown.household, person_id=shown.id, household_id=pk,
            why=f"{year.year} 年没有政策宣传或明白卡送达走访记录（保障对象：{names}）",
            todo="入户开展政策宣传、送达明白卡，并登记走访记录",
        ))
    notes = [NO_HOUSEHOLD.format(count=without)] if without else []
    return found, notes


def _place_notes(year: _Year) -> list[str]:
    """One note for the covered people's villages without a policy, one per policy without an enrollment block."""
    without_policy: list[str] = []
    without_block: dict[str, list[str]] = defaultdict(list)
    for (village, _), version in sorted(year.versions.items()):
        if village not in year.covered_villages:
            continue
        if version is None:
            without_policy.append(village)
        elif year.policies[village].enrollment is None:
            without_block[version.policy.name].append(village)
    if not without_policy and not without_block:
        return []
    listed = without_policy + [village for villages in without_block.values() for village in villages]
    names = dict(Region.objects.filter(code__in=listed).values_list("code", "name"))

    def places(villages: list[str]) -> str:
        shown = "、".join(f"{names.get(v, v)}（{v}）" for v in villages[:10])
        return shown + (f"等 {len(villages)} 个村" if len(villages) > 10 else "")

    notes = [NO_POLICY.format(place=places(without_policy), year=year.year)] if without_policy else []
    notes += [NO_ENROLLMENT_BLOCK.format(place=places(villages), year=year.year, policy=policy)
              for policy, villages in without_block.items()]
    return notes


def checked_year(value) -> int:
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError(BAD_YEAR.format(year=value), code="bad_year") from None
    if not 1990 <= year <= 2100:
        raise ValidationError(BAD_YEAR.format(year=value), code="bad_year")
    return year


def five_checks(*, user: User, year: int, area: str = "", only: Iterable[str] | None = None) -> FiveChecks:
    """The 五查 of a year in an area inside the user's own (their whole area when none is given).

    ``only`` limits the work to some checks (a drill-down page needs one); the others are then empty.
    """
    ensure_permitted(user, "monitoring.view_alert", "查看五查")
    year = checked_year(year)
    prefix = area_within(user, area)
    wanted = list(CHECKS) if only is None else list(only)
    for check in wanted:
        if check not in CHECKS:
            raise ValidationError(UNKNOWN_CHECK.format(check=check), code="unknown_check")
    data = _Year(prefix, year)
    insurance_names = dict(Insurance.objects.values_list("code", "name"))
    lists: dict[str, list[Finding]] = {check: [] for check in CHECKS}
    notes = _place_notes(data)
    if "enrollment" in wanted:
        lists["enrollment"] = _enrollment(data, insurance_names)
    if "subsidy" in wanted:
        lists["subsidy"] = _subsidy(data, insurance_names)
    if "service" in wanted:
        lists["service"] = _service(data)
    if "benefits" in wanted:
        lists["benefits"], more = _benefits(data)
        notes += more
    if "publicity" in wanted:
        lists["publicity"], more = _publicity(data)
        notes += more
    for check, findings in lists.items():
        findings.sort(key=lambda f: (f.township, f.village, f.household, f.name, f.day or datetime.date.min,
                                     f.claim_id or 0))
    townships = {f.township for findings in lists.values() for f in findings}
    names = dict(Region.objects.filter(code__in=townships).values_list("code", "name")) if townships else {}
    return FiveChecks(year=year, area=prefix, lists=lists, township_names=names, notes=notes)


# --- The workbook ----------------------------------------------------------------------------------

LIST_HEADERS = ["乡镇", "村（社区）代码", "户编号", "姓名", "身份证号", "账单号", "日期", "问题", "建议"]


def _cell(sheet, value, *, bold: bool = False):
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=safe_text(value))
        cell.data_type = "s"
    else:
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, Decimal):
            cell.number_format = MONEY_FORMAT
    if bold:
        cell.font = Font(bold=True)
    return cell


def _row(sheet, values, *, bold: bool = False):
    sheet.append([_cell(sheet, value, bold=bold) for value in values])


def _list_rows(result: FiveChecks, check: str, show_ids: bool):
    for f in result.lists[check]:
        yield [
            result.township_names.get(f.township, f.township), f.village, f.household, f.name,
            f.id_number if show_ids else mask(f.id_number), "" if f.claim_id is None else str(f.claim_id),
            "" if f.day is None else f.day.isoformat(), f.why, f.todo,
        ]


def five_checks_workbook_write(result: FiveChecks, target: str | BinaryIO, *, user: User,
                               checks: Iterable[str] | None = None) -> int:
    """A 汇总 sheet (counts by township) and one sheet per check listing who, why and what to do; ID numbers
    masked unless the user may see them. Returns the number of listed rows."""
    checks = list(CHECKS) if checks is None else list(checks)
    book = Workbook(write_only=True)
    summary = book.create_sheet("汇总")
    _row(summary, [f"{result.year} 年五查（区域 {result.area or '全国'}）"], bold=True)
    _row(summary, ["乡镇代码", "乡镇", *(CHECKS[c] for c in checks), "合计"], bold=True)
    for code, counts in result.by_township.items():
        if any(counts[c] for c in checks):
            _row(summary, [code, result.township_names.get(code, code), *(counts[c] for c in checks),
                           sum(counts[c] for c in checks)])
    totals = result.counts
    _row(summary, ["合计", "", *(totals[c] for c in checks), sum(totals[c] for c in checks)], bold=True)
    for note in result.notes:
        _row(summary, [note])
    rows = 0
    for check in checks:
        sheet = book.create_sheet(CHECKS[check])
        sheet.freeze_panes = "A2"
        _row(sheet, LIST_HEADERS, bold=True)
        for values in _list_rows(result, check, user.sees_sensitive):
            _row(sheet, values)
            rows += 1
    book.save(target)
    return rows


def five_checks_export_write(*, user: User, result: FiveChecks, target: str | BinaryIO,
                             checks: Iterable[str] | None = None) -> int:
    """Write the workbook and record the export in the access log (people's data leave the system)."""
    checks = list(CHECKS) if checks is None else list(checks)
    rows = five_checks_workbook_write(result, target, user=user, checks=checks)
    listed = "、".join(CHECKS[c] for c in checks)
    access_log_record(user=user, action=AccessLog.Action.EXPORT, object_id="five_checks",
                      detail=f"{result.year} 年五查导出（{listed}）：区域 {result.area or '全国'}", rows=rows)
    return rows
