"""Batch import of hospital and platform settlement lists (import_claims), and of the settlements the
platform pushes to the API (the same reading and settling, its items read as rows).

All or nothing: every row is read and checked, then the bills are settled in date order inside
one transaction; a preview runs exactly the same and rolls back, so what it reports is what
applying would do. Rows already imported are skipped: those with the platform's settlement ID (结算ID,
``setl_id``) when a bill has that ID, the others when a bill has the same person, hospital, dates and total.
A row flagged as a cancelled platform settlement (退费结算标志) voids the bill of its settlement ID, as a
clerk voids one, before the new bills are settled.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from accounts.services import ensure_permitted
from beneficiaries import idnumbers
from beneficiaries.models import Beneficiary
from claims.models import Claim, Hospital
from claims.services import (
    BillFacts,
    BillsRefused,
    claim_void,
    claims_settle_batch,
    recorded_layers,
    version_in_force,
)
from policies.selectors import versions_in_force
from spreadsheets.errors import RowError
from spreadsheets.reading import Table, read_records, read_table

# Each field's headers as lists name it, then the platform's field names, which the API takes too (with a few
# plain ones where the platform has none). The first is the one messages and the template use.
ALIASES = {
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "证件号码", "psn_cert_no", "certno", "id_number"),
    "name": ("姓名", "psn_name"),
    "visit_type": ("就诊类型", "医疗类别", "med_type"),
    "hospital": ("医疗机构", "医疗机构名称", "定点医药机构名称", "fixmedins_name"),
    "hospital_code": ("机构编码", "医疗机构编码", "定点医药机构编号", "fixmedins_code"),
    "in_county": ("县域内", "是否县域内", "县域内机构", "in_county"),
    "level": ("医疗机构等级", "医疗机构级别", "机构级别", "level"),
    "admitted_on": ("入院日期", "begndate", "adm_date"),
    "discharged_on": ("出院日期", "enddate", "dscg_date"),
    "visit_on": ("就诊日期", "结算日期", "setl_time"),
    "diagnoses": ("诊断编码", "诊断代码", "dise_no", "dise_codg"),
    "total": ("总费用", "医疗费总额", "medfee_sumamt"),
    "in_catalog": ("政策范围内费用", "符合政策范围金额", "inscp_scp_amt"),
    "basic": ("基本医保支付", "统筹基金支出", "hifp_pay"),
    "critical": ("大病保险支付", "大病保险资金支出", "hifmi_pay"),
    "assistance": ("医疗救助支付", "医疗救助基金支出", "maf_pay"),
    "other": ("其他保障支付", "其他支出", "oth_pay"),
    "referred": ("是否转诊", "按规定转诊", "转诊", "转诊标志", "转诊备案", "refl_flag"),
    "pay_later": ("先诊疗后付费", "是否先诊疗后付费", "先诊疗后付费标志", "pay_later"),
    "admission_number": ("住院号", "门诊号", "住院号/门诊号", "门诊号/住院号", "住院号或门诊号", "ipt_otp_no"),
    "invoice_number": ("发票号", "发票号码", "票据号", "票据号码"),
    "platform_settlement_id": ("结算ID", "结算流水号", "医保结算ID", "setl_id"),
    "cancelled": ("退费结算标志", "撤销结算", "refd_setl_flag", "cancelled"),
}
# The yes/no columns (转诊, 县域内, 先诊疗后付费): how lists say yes and no.
YES = {"是", "y", "yes", "1", "true", "已转诊", "转诊", "已备案"}
NO = {"否", "n", "no", "0", "false", "未转诊", "无"}
REQUIRED = ("id_number", "name", "visit_type", "hospital", "total", "in_catalog")
VISIT_TYPES = {
    "普通门诊": "outpatient", "门诊": "outpatient", "outpatient": "outpatient",
    "门诊特慢病": "special_outpatient", "门诊特殊慢性病": "special_outpatient", "门诊慢特病": "special_outpatient",
    "门诊特殊疾病": "special_outpatient", "特慢病": "special_outpatient", "special_outpatient": "special_outpatient",
    "住院": "inpatient", "inpatient": "inpatient",
    # The platform's 医疗类别 (med_type) codes: 普通门诊, 门诊慢特病, 普通住院.
    "11": "outpatient", "14": "special_outpatient", "21": "inpatient",
}
LEVELS = {
    "村": "village", "村级": "village", "村卫生室": "village", "village": "village",
    "乡镇": "township", "乡级": "township", "乡镇卫生院": "township", "社区卫生服务中心": "township",
    "township": "township",
    "县级": "county", "县": "county", "县区级": "county", "county": "county",
    "市级": "city", "市": "city", "地市级": "city", "city": "city",
    "省级": "province", "省": "province", "省级及以上": "province", "province": "province",
}
FUND_COLUMNS = ("basic", "critical", "assistance", "other")
# The hospital's own numbers of the bill, printed on the slip; optional.
NUMBER_COLUMNS = ("admission_number", "invoice_number")
PROPOSED_ELSEWHERE = "医疗机构“{name}”是其他经办员导入时新建的，管理员确认后才能使用。"
SETTLEMENT_REPEATED = "结算ID“{id}”在本批中已出现过：同一笔结算只能出现一次。"
SETTLEMENT_OF_ANOTHER = "结算ID“{id}”已是其他人员的账单，请核对结算ID与身份证号。"
CANCEL_WITHOUT_ID = "撤销（退费）结算须给出被撤销结算的结算ID。"
CANCEL_UNKNOWN = "结算ID“{id}”没有对应的账单（或不在您的管辖区域内），无法撤销。"
CANCEL_REASON = "医保平台撤销结算 {id}"
RECORDS_NAME = "接口推送的结算"  # the name of a batch of records, where a file's name would be
NO_COLUMN = "—"  # the column of a message about a row as a whole

SETTLED, SKIPPED, VOIDED = "settled", "skipped", "voided"


@dataclass(frozen=True)
class RowResult:
    """What became of one row (settled, skipped as already entered, or voided by a cancellation) and its bill."""

    row: int
    outcome: str
    claim: int


@dataclass
class ImportReport:
    rows: int = 0
    settled: int = 0
    skipped: int = 0
    voided: int = 0
    errors: list[RowError] = field(default_factory=list)
    hospitals_created: list[str] = field(default_factory=list)
    applied: bool = False
    results: list[RowResult] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"rows": self.rows, "settled": self.settled, "skipped": self.skipped, "voided": self.voided,
                "errors": [e.as_dict() for e in self.errors], "hospitals_created": self.hospitals_created,
                "applied": self.applied}

    def result(self, row: int, outcome: str, claim: int) -> None:
        self.results.append(RowResult(row, outcome, claim))
        if outcome == SETTLED:
            self.settled += 1
        elif outcome == SKIPPED:
            self.skipped += 1
        else:
            self.voided += 1


@dataclass
class ParsedRow:
    number: int
    person: Beneficiary
    hospital_name: str
    level: str | None
    bill: dict
    hospital_code: str = ""
    in_county: bool = False


@dataclass(frozen=True)
class Cancellation:
    """A row saying the platform cancelled (退费) the settlement with this ID."""

    number: int
    settlement_id: str


class _RowReader:
    def __init__(self, table: Table, number: int, record: dict, report: ImportReport):
        self.table, self.number, self.record, self.report = table, number, record, report
        self.ok = True

    def fail(self, fieldname: str, message: str) -> None:
        header = self.table.headers[self.table.columns[fieldname]] if fieldname in self.table.columns else \
            ALIASES[fieldname][0]
        self.report.errors.append(RowError(self.number, header, message))
        self.ok = False

    def money(self, fieldname: str, required: bool = True) -> Decimal | None:
        text = self.record.get(fieldname, "").replace(",", "").replace("¥", "").strip()
        if not text:
            if required:
                self.fail(fieldname, "不能为空，应为金额（元）。")
            return None
        try:
            amount = Decimal(text)
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite():
            self.fail(fieldname, f"“{text}”不是金额，应为以元为单位的数字。")
            return None
        # Compared with the bill's largest amount before rounding: a huge number cannot be rounded to cents.
        largest = Decimal(10) ** (Claim._meta.get_field("total").max_digits - 2)
        if amount < 0 or amount >= largest or amount != amount.quantize(Decimal("0.01")):
            self.fail(fieldname, f"“{text}”应为不小于 0、小于 {largest} 元、最多两位小数的金额。")
            return None
        return amount

    def flag(self, fieldname: str) -> bool:
        """A yes/no column (empty is no)."""
        text = self.record.get(fieldname, "").strip().lower()
        if text in YES:
            return True
        if text and text not in NO:
            self.fail(fieldname, f"“{text}”应为 是 / 否（或 1 / 0）。")
        return False

    def bill_number(self, fieldname: str) -> str:
        """One of the bill's numbers (the hospital's, ``NUMBER_COLUMNS``, or the platform's settlement ID), no
        longer than the bill's field keeps: nothing checks its length on the way to the database but this."""
        text = self.record.get(fieldname, "").strip()
        limit = Claim._meta.get_field(fieldname).max_length
        if len(text) > limit:
            source = "医保平台的结算ID" if fieldname == "platform_settlement_id" else "医院票据上的编号"
            self.fail(fieldname, f"“{text}”超过 {limit} 个字符，应为{source}。")
        return text

    def date(self, fieldname: str) -> datetime.date | None:
        text = self.record.get(fieldname, "").strip()
        if not text:
            return None
        match = re.match(r"^(\d{4})[-/.年]?(\d{1,2})[-/.月]?(\d{1,2})", text)
        if match:
            try:
                return datetime.date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:
                pass
        self.fail(fieldname, f"“{text}”不是有效日期，应为 YYYY-MM-DD。")
        return None


def _read_rows(table: Table, user: User, report: ImportReport) -> tuple[list[ParsedRow], list[Cancellation]]:
    """The rows to settle and the cancellations, every fault of either recorded in ``report``."""
    records = list(table.records())
    report.rows = len(records)
    numbers = set()
    for _, record in records:
        try:
            numbers.add(idnumbers.parse(record.get("id_number", "")).number)
        except idnumbers.IdNumberError:
            pass
    people = {p.id_number: p for p in Beneficiary.objects.visible_to(user).filter(id_number__in=numbers)}
    parsed, cancellations, settlement_ids = [], [], set()
    for number, record in records:
        reader = _RowReader(table, number, record, report)
        settlement_id = reader.bill_number("platform_settlement_id")
        if settlement_id in settlement_ids:
            reader.fail("platform_settlement_id", SETTLEMENT_REPEATED.format(id=settlement_id))
        elif settlement_id:
            settlement_ids.add(settlement_id)
        readable = reader.ok
        if reader.flag("cancelled") or (readable and not reader.ok):
            # A cancellation names the settlement it cancels; nothing else of the row is used (nor checked, when
            # its flag cannot be read).
            if not settlement_id:
                reader.fail("platform_settlement_id", CANCEL_WITHOUT_ID)
            if reader.ok:
                cancellations.append(Cancellation(number, settlement_id))
            continue
        person = None
        name = record.get("name", "").strip()
        try:
            id_number = idnumbers.parse(record.get("id_number", "")).number
            person = people.get(id_number)
            if person is None:
                reader.fail("id_number", f"{id_number} 不在登记册中（或不在您的管辖区域内）。")
            elif name and name != person.name:
                reader.fail("name", f"姓名“{name}”与登记的“{person.name}”不符。")
        except idnumbers.IdNumberError as exc:
            reader.fail("id_number", exc.message)
        visit_text = record.get("visit_type", "").strip()
        visit_type = VISIT_TYPES.get(visit_text)
        if visit_type is None:
            reader.fail("visit_type", f"“{visit_text}”不是就诊类型，应为 普通门诊 / 门诊特慢病 / 住院"
                                      "（医保平台的医疗类别 11 / 14 / 21）。")
        level_text = record.get("level", "").strip()
        level = LEVELS.get(level_text) if level_text else None
        if level_text and level is None:
            reader.fail("level", f"“{level_text}”不是医疗机构等级，应为 村 / 乡镇 / 县级 / 市级 / 省级。")
        hospital_name = record.get("hospital", "").strip()
        if not hospital_name:
            reader.fail("hospital", "不能为空。")
        admitted = reader.date("admitted_on")
        discharged = reader.date("discharged_on") or reader.date("visit_on")
        if discharged is None and reader.ok:
            reader.fail("discharged_on" if "discharged_on" in table.columns else "visit_on",
                        "缺少出院日期或就诊日期。")
        total, in_catalog = reader.money("total"), reader.money("in_catalog")
        if total is not None and in_catalog is not None and in_catalog > total:
            reader.fail("in_catalog", "政策范围内费用不能超过总费用。")
        by_fund = {fund: amount for fund in FUND_COLUMNS if (amount := reader.money(fund, required=False)) is not None}
        referred, pay_later, in_county = reader.flag("referred"), reader.flag("pay_later"), reader.flag("in_county")
        numbers = {key: reader.bill_number(key) for key in NUMBER_COLUMNS}
        diagnoses = tuple({"code": code.strip().upper(), "name": ""}
                          for code in re.split(r"[,，;；/\s]+", record.get("diagnoses", "")) if code.strip())
        if reader.ok:
            parsed.append(ParsedRow(number, person, hospital_name, level, {
                "visit_type": visit_type, "admitted_on": admitted if visit_type == "inpatient" else None,
                "discharged_on": discharged, "total": total, "in_catalog": in_catalog, "diagnoses": diagnoses,
                "by_fund": by_fund, "referred": referred, "pay_later": pay_later, **numbers,
                "platform_settlement_id": settlement_id,
            }, hospital_code=record.get("hospital_code", "").strip(), in_county=in_county))
    return parsed, cancellations


def _hospitals(rows: list[ParsedRow], report: ImportReport, user: User, table: Table) -> dict[str, Hospital]:
    """The hospitals the rows name (row's hospital name → hospital): accepted ones, the user's own proposals,
    and new ones, which are accepted at once when an administrator imports and otherwise proposed until one
    accepts them. A row's 机构编码 finds its hospital whatever name the list gives it; a new hospital takes the
    row's code, and is 待分类 whoever imports: out of county (the spec's default) until an administrator
    classifies it, the row's 县域内 kept only as the suggestion shown to them."""
    names = {row.hospital_name for row in rows}
    codes = {row.hospital_code for row in rows} - {""}
    usable = Hospital.objects.filter(Q(status=Hospital.Status.ACCEPTED) | Q(proposed_by=user))
    known = {hospital.name: hospital for hospital in usable.filter(name__in=names)}
    by_code = {hospital.code: hospital for hospital in usable.filter(code__in=codes)}
    proposed_by_others = set(Hospital.objects.filter(name__in=names - known.keys()).values_list("name", flat=True))
    accepts = user.has_perm("claims.accept_hospital")
    now = timezone.now()
    for row in rows:
        if row.hospital_name in known:
            continue
        if row.hospital_code in by_code:
            known[row.hospital_name] = by_code[row.hospital_code]
            continue
        if row.hospital_name in proposed_by_others:
            report.errors.append(RowError(row.number, _column_for(table, "hospital"),
                                          PROPOSED_ELSEWHERE.format(name=row.hospital_name)))
            continue
        if row.level is None:
            report.errors.append(RowError(row.number, _column_for(table, "level"),
                                          f"新的医疗机构“{row.hospital_name}”需要填写等级。"))
            continue
        known[row.hospital_name] = Hospital.objects.create(
            name=row.hospital_name,
            code=row.hospital_code,
            suggested_in_county=row.in_county,
            place_confirmed_at=None,
            level=row.level,
            status=Hospital.Status.ACCEPTED if accepts else Hospital.Status.PROPOSED,
            proposed_by=user,
            proposed_at=now,
        )
        if row.hospital_code:
            by_code[row.hospital_code] = known[row.hospital_name]
        report.hospitals_created.append(row.hospital_name)
    return known


def claims_import(*, user: User, content: bytes, filename: str, apply: bool) -> ImportReport:
    ensure_permitted(user, "claims.add_claim", "导入结算清单")
    return _run(read_table(content, filename, ALIASES, REQUIRED), user, apply)


def claims_import_records(*, user: User, records: Sequence[Mapping[str, object]], apply: bool) -> ImportReport:
    """The same import of a batch of records keyed by the platform's field names (or any of ``ALIASES``), as the
    platform pushes them to the API: item n of the batch is row n of the report."""
    ensure_permitted(user, "claims.add_claim", "导入结算清单")
    return _run(read_records(records, RECORDS_NAME, ALIASES), user, apply)


def _run(table: Table, user: User, apply: bool) -> ImportReport:
    report = ImportReport()
    with transaction.atomic():
        _import(table, user, report)
        report.applied = apply and not report.errors
        if not report.applied:
            transaction.set_rollback(True)
    return report


def _import(table: Table, user: User, report: ImportReport) -> None:
    rows, cancellations = _read_rows(table, user, report)
    entered = _entered(rows, cancellations)
    _cancel(cancellations, entered, table, user, report)
    hospitals = _hospitals(rows, report, user, table)
    rows = [row for row in rows if row.hospital_name in hospitals]
    versions = versions_in_force({(row.person.village_id, row.bill["discharged_on"].year) for row in rows})
    same_bills = _same_bills(rows, hospitals)
    seen: dict[tuple, ParsedRow] = {}  # rows of this list without a settlement ID, by their bill's key
    batch: list[tuple[ParsedRow, BillFacts]] = []
    for row in sorted(rows, key=lambda r: (r.bill["discharged_on"], r.number)):
        hospital, bill = hospitals[row.hospital_name], row.bill
        settlement_id = bill["platform_settlement_id"]
        if settlement_id:
            # The platform's ID alone says whether it is entered: two like visits on one day are two settlements.
            existing = entered.get(settlement_id)
            if existing is not None and existing.beneficiary_id != row.person.pk:
                report.errors.append(RowError(row.number, _column_for(table, "platform_settlement_id"),
                                              SETTLEMENT_OF_ANOTHER.format(id=settlement_id)))
                continue
            already = existing.pk if existing is not None else None
        else:
            key = (row.person.pk, hospital.pk, bill["admitted_on"], bill["discharged_on"], bill["total"])
            already = same_bills.get(key)
            if already is None and key in seen:
                batch.append((row, None))  # the bill of the same key's first row, once entered
                continue
            seen[key] = row
        if already is not None:
            report.result(row.number, SKIPPED, already)
            continue
        try:
            version = version_in_force(versions, row.person, bill["discharged_on"].year)
            recorded = recorded_layers(version, bill["visit_type"], hospital.level, bill["by_fund"])
        except ValidationError as exc:
            report.errors.extend(_row_errors(table, row.number, exc))
            continue
        batch.append((row, BillFacts(
            hospital=hospital, visit_type=bill["visit_type"], admitted_on=bill["admitted_on"],
            discharged_on=bill["discharged_on"], total=bill["total"], in_catalog=bill["in_catalog"],
            diagnoses=bill["diagnoses"], recorded=recorded, referred=bill["referred"], pay_later=bill["pay_later"],
            admission_number=bill["admission_number"], invoice_number=bill["invoice_number"],
            platform_settlement_id=settlement_id)))
    _settle(batch, table, user, report)


def _same_bills(rows: list[ParsedRow], hospitals: dict[str, Hospital]) -> dict[tuple, int]:
    """Bills entered already with the key (person, hospital, dates, total) of a row without a settlement ID."""
    plain = [row for row in rows if not row.bill["platform_settlement_id"]]
    if not plain:
        return {}
    claims = Claim.objects.filter(beneficiary_id__in={row.person.pk for row in plain},
                                  discharged_on__in={row.bill["discharged_on"] for row in plain})
    return {tuple(key): pk for *key, pk in claims.values_list(
        "beneficiary_id", "hospital_id", "admitted_on", "discharged_on", "total", "pk")}


def _settle(batch: list[tuple[ParsedRow, BillFacts | None]], table: Table, user: User, report: ImportReport) -> None:
    """Settle the rows' bills as one batch (``claims_settle_batch``), in date order; a row repeating an earlier
    row's bill (``None``) is answered with that bill."""
    bills = [(row, bill) for row, bill in batch if bill is not None]
    if not bills:
        return
    # Settled even when other rows have faults (nothing is then applied): its checks name every fault at once.
    try:
        with transaction.atomic():
            outcome = claims_settle_batch(user=user, bills=[(row.person, bill) for row, bill in bills],
                                          origin=Claim.Origin.IMPORT)
    except BillsRefused as refused:
        for index, exc in refused.errors.items():
            report.errors.extend(_row_errors(table, bills[index][0].number, exc))
        return
    except ValidationError as exc:  # a refusal of the batch as a whole: named at its first row
        report.errors.extend(_row_errors(table, bills[0][0].number, exc))
        return
    claims = {row.number: claim for (row, _), claim in zip(bills, outcome.claims, strict=True)}
    created = {row.number: made for (row, _), made in zip(bills, outcome.created, strict=True)}
    keys = {}
    for row, bill in batch:
        if bill is not None:
            keys[_bill_key(row)] = claims[row.number]
            # Not created: another push of the same settlement entered it meanwhile.
            report.result(row.number, SETTLED if created[row.number] else SKIPPED, claims[row.number].pk)
        elif _bill_key(row) in keys:  # (not when the first row was refused: then nothing is applied anyway)
            report.result(row.number, SKIPPED, keys[_bill_key(row)].pk)


def _bill_key(row: ParsedRow) -> tuple:
    return (row.person.pk, row.hospital_name, row.bill["admitted_on"], row.bill["discharged_on"], row.bill["total"])


def _entered(rows: list[ParsedRow], cancellations: list[Cancellation]) -> dict[str, Claim]:
    """The bills already entered with the settlement IDs the rows name, read at once."""
    ids = {row.bill["platform_settlement_id"] for row in rows} | {row.settlement_id for row in cancellations}
    # Excluding the empty ID too lets PostgreSQL use the partial unique index on the ID.
    claims = Claim.objects.filter(platform_settlement_id__in=ids - {""}).exclude(platform_settlement_id="")
    return {claim.platform_settlement_id: claim for claim in claims.select_related("beneficiary")}


def _cancel(cancellations: list[Cancellation], entered: dict[str, Claim], table: Table, user: User,
            report: ImportReport) -> None:
    """Void the bills whose platform settlements were cancelled, as a clerk voids one (the person's later bills
    of the year settled again); a bill voided already is skipped."""
    for row in cancellations:
        claim = entered.get(row.settlement_id)
        if claim is None or not user.can_see_code(claim.beneficiary.village_id):
            report.errors.append(RowError(row.number, _column_for(table, "platform_settlement_id"),
                                          CANCEL_UNKNOWN.format(id=row.settlement_id)))
            continue
        if claim.status == Claim.Status.VOIDED:
            report.result(row.number, SKIPPED, claim.pk)
            continue
        try:
            with transaction.atomic():
                claim_void(user=user, claim=claim, reason=CANCEL_REASON.format(id=row.settlement_id))
        except ValidationError as exc:
            report.errors.extend(_row_errors(table, row.number, exc))
            continue
        report.result(row.number, VOIDED, claim.pk)


def _row_errors(table: Table, number: int, exc: ValidationError) -> list[RowError]:
    """A service's refusal of one row, each message under the column it concerns."""
    pairs = exc.message_dict.items() if hasattr(exc, "error_dict") else [("__all__", exc.messages)]
    return [RowError(number, _column_for(table, fieldname), message)
            for fieldname, messages in pairs for message in messages]


def _column_for(table: Table, fieldname: str) -> str:
    name = {"recorded_basic": "basic", "recorded_critical": "critical", "recorded_assistance": "assistance",
            "recorded_other": "other", "recorded": "basic"}.get(fieldname, fieldname)
    if name in table.columns:
        return table.headers[table.columns[name]]
    return ALIASES[name][0] if name in ALIASES else NO_COLUMN
