"""Batch import of hospital and platform settlement lists (import_claims).

All or nothing: every row is read and checked, then the bills are settled in date order inside
one transaction; a preview runs exactly the same and rolls back, so what it reports is what
applying would do. Rows already imported (same person, hospital, dates and total) are skipped.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from accounts.models import User
from accounts.services import ensure_permitted
from beneficiaries import idnumbers
from beneficiaries.models import Beneficiary
from claims.models import Claim, Hospital
from claims.services import BillFacts, claim_settle, policy_version_for, recorded_layers
from spreadsheets.errors import RowError
from spreadsheets.reading import Table, read_table

ALIASES = {
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "证件号码", "psn_cert_no", "certno"),
    "name": ("姓名", "psn_name"),
    "visit_type": ("就诊类型", "医疗类别", "med_type"),
    "hospital": ("医疗机构", "医疗机构名称", "定点医药机构名称", "fixmedins_name"),
    "hospital_code": ("机构编码", "医疗机构编码", "定点医药机构编号", "fixmedins_code"),
    "in_county": ("县域内", "是否县域内", "县域内机构"),
    "level": ("医疗机构等级", "医疗机构级别", "机构级别"),
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
    "pay_later": ("先诊疗后付费", "是否先诊疗后付费", "先诊疗后付费标志"),
    "admission_number": ("住院号", "门诊号", "住院号/门诊号", "门诊号/住院号", "住院号或门诊号", "ipt_otp_no"),
    "invoice_number": ("发票号", "发票号码", "票据号", "票据号码"),
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


@dataclass
class ImportReport:
    rows: int = 0
    settled: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)
    hospitals_created: list[str] = field(default_factory=list)
    applied: bool = False

    def as_dict(self) -> dict:
        return {"rows": self.rows, "settled": self.settled, "skipped": self.skipped,
                "errors": [e.as_dict() for e in self.errors], "hospitals_created": self.hospitals_created,
                "applied": self.applied}


@dataclass
class ParsedRow:
    number: int
    person: Beneficiary
    hospital_name: str
    level: str | None
    bill: dict
    hospital_code: str = ""
    in_county: bool = False


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
            self.fail(fieldname, f"“{text}”不是金额，应为以元为单位的数字。")
            return None
        if amount < 0 or amount != amount.quantize(Decimal("0.01")):
            self.fail(fieldname, f"“{text}”应为不小于 0、最多两位小数的金额。")
            return None
        return amount

    def flag(self, fieldname: str) -> bool:
        """A yes/no column (empty is no)."""
        text = self.record.get(fieldname, "").strip().lower()
        if text in YES:
            return True
        if text and text not in NO:
            self.fail(fieldname, f"“{text}”应为 是 / 否。")
        return False

    def hospital_number(self, fieldname: str) -> str:
        """One of the hospital's numbers (``NUMBER_COLUMNS``), no longer than the bill's field keeps: nothing
        checks its length on the way to the database but this."""
        text = self.record.get(fieldname, "").strip()
        limit = Claim._meta.get_field(fieldname).max_length
        if len(text) > limit:
            self.fail(fieldname, f"“{text}”超过 {limit} 个字符，应为医院票据上的编号。")
        return text

    def date(self, fieldname: str) -> datetime.date | None:
        text = self.record.get(fieldname, "").strip()
        if not text:
            return None
        match = re.match(r"^(\d{4})[-/.年]?(\d{1,2})[-/.月]?(\d{1,2})", text)
        try:
            return datetime.date(int(match[1]), int(match[2]), int(match[3])) if match else None
        except ValueError:
            pass
        self.fail(fieldname, f"“{text}”不是有效日期，应为 YYYY-MM-DD。")
        return None


def _read_rows(table: Table, user: User, report: ImportReport) -> list[ParsedRow]:
    records = list(table.records())
    report.rows = len(records)
    numbers = set()
    for _, record in records:
        try:
            numbers.add(idnumbers.parse(record["id_number"]).number)
        except idnumbers.IdNumberError:
            pass
    people = {p.id_number: p for p in Beneficiary.objects.visible_to(user).filter(id_number__in=numbers)}
    parsed = []
    for number, record in records:
        reader = _RowReader(table, number, record, report)
        person = None
        try:
            id_number = idnumbers.parse(record["id_number"]).number
            person = people.get(id_number)
            if person is None:
                reader.fail("id_number", f"{id_number} 不在登记册中（或不在您的管辖区域内）。")
            elif record["name"].strip() and record["name"].strip() != person.name:
                reader.fail("name", f"姓名“{record['name']}”与登记的“{person.name}”不符。")
        except idnumbers.IdNumberError as exc:
            reader.fail("id_number", exc.message)
        visit_type = VISIT_TYPES.get(record["visit_type"].strip())
        if visit_type is None:
            reader.fail("visit_type", f"“{record['visit_type']}”不是就诊类型，应为 普通门诊 / 门诊特慢病 / 住院。")
        level_text = record.get("level", "").strip()
        level = LEVELS.get(level_text) if level_text else None
        if level_text and level is None:
            reader.fail("level", f"“{level_text}”不是医疗机构等级，应为 村 / 乡镇 / 县级 / 市级 / 省级。")
        hospital_name = record["hospital"].strip()
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
        numbers = {key: reader.hospital_number(key) for key in NUMBER_COLUMNS}
        diagnoses = tuple({"code": code.strip().upper(), "name": ""}
                          for code in re.split(r"[,，;；/\s]+", record.get("diagnoses", "")) if code.strip())
        if reader.ok:
            parsed.append(ParsedRow(number, person, hospital_name, level, {
                "visit_type": visit_type, "admitted_on": admitted if visit_type == "inpatient" else None,
                "discharged_on": discharged, "total": total, "in_catalog": in_catalog, "diagnoses": diagnoses,
                "by_fund": by_fund, "referred": referred, "pay_later": pay_later, **numbers,
            }, hospital_code=record.get("hospital_code", "").strip(), in_county=in_county))
    return parsed


def _hospitals(rows: list[ParsedRow], report: ImportReport, user: User) -> dict[str, Hospital]:
    """The hospitals the rows name (row's hospital name → hospital): accepted ones, the user's own proposals,
    and new ones, which are accepted at once when an administrator imports and otherwise proposed until one
    accepts them. A row's 机构编码 finds its hospital whatever name the list gives it; a new hospital takes the
    row's code and 县域内 (otherwise out of county, the spec's default)."""
    names = {row.hospital_name for row in rows}
    codes = {row.hospital_code for row in rows} - {""}
    usable = Hospital.objects.filter(Q(status=Hospital.Status.ACCEPTED) | Q(proposed_by=user))
    known = {hospital.name: hospital for hospital in usable.filter(name__in=names)}
    by_code = {hospital.code: hospital for hospital in usable.filter(code__in=codes)}
    proposed_by_others = set(Hospital.objects.filter(name__in=names - known.keys()).values_list("name", flat=True))
    accepts = user.has_perm("claims.accept_hospital")
    for row in rows:
        if row.hospital_name in known:
            continue
        if row.hospital_code in by_code:
            known[row.hospital_name] = by_code[row.hospital_code]
            continue
        if row.hospital_name in proposed_by_others:
            report.errors.append(RowError(row.number, "医疗机构", PROPOSED_ELSEWHERE.format(name=row.hospital_name)))
            continue
        if row.level is None:
            report.errors.append(RowError(row.number, "医疗机构等级", f"新的医疗机构“{row.hospital_name}”需要填写等级。"))
            continue
        known[row.hospital_name] = Hospital.objects.create(
            name=row.hospital_name,
            code=row.hospital_code,
            in_county=row.in_county,
            level=row.level,
            status=Hospital.Status.ACCEPTED if accepts else Hospital.Status.PROPOSED,
            proposed_by=None if accepts else user,
        )
        if row.hospital_code:
            by_code[row.hospital_code] = known[row.hospital_name]
        report.hospitals_created.append(row.hospital_name)
    return known


def claims_import(*, user: User, content: bytes, filename: str, apply: bool) -> ImportReport:
    ensure_permitted(user, "claims.add_claim", "导入结算清单")
    table = read_table(content, filename, ALIASES, REQUIRED)
    report = ImportReport()
    with transaction.atomic():
        _import(table, user, report)
        report.applied = apply and not report.errors
        if not report.applied:
            transaction.set_rollback(True)
    return report


def _import(table: Table, user: User, report: ImportReport) -> None:
    rows = _read_rows(table, user, report)
    hospitals = _hospitals(rows, report, user)
    seen = set()
    for row in sorted(rows, key=lambda r: (r.bill["discharged_on"], r.number)):
        hospital = hospitals.get(row.hospital_name)
        if hospital is None:
            continue
        bill = row.bill
        key = (row.person.pk, hospital.pk, bill["admitted_on"], bill["discharged_on"], bill["total"])
        already = Claim.objects.filter(beneficiary=row.person, hospital=hospital, admitted_on=bill["admitted_on"],
                                       discharged_on=bill["discharged_on"], total=bill["total"]).exists()
        if key in seen or already:
            report.skipped += 1
            continue
        seen.add(key)
        try:
            version = policy_version_for(row.person, bill["discharged_on"].year)
            recorded = recorded_layers(version, bill["visit_type"], hospital.level, bill["by_fund"])
            facts = BillFacts(hospital=hospital, visit_type=bill["visit_type"], admitted_on=bill["admitted_on"],
                              discharged_on=bill["discharged_on"], total=bill["total"],
                              in_catalog=bill["in_catalog"], diagnoses=bill["diagnoses"], recorded=recorded,
                              referred=bill["referred"], pay_later=bill["pay_later"],
                              admission_number=bill["admission_number"], invoice_number=bill["invoice_number"])
            with transaction.atomic():
                claim_settle(user=user, person=row.person, bill=facts, allow_duplicate=True,
                             origin=Claim.Origin.IMPORT)
            report.settled += 1
        except ValidationError as exc:
            for fieldname, messages in exc.message_dict.items() if hasattr(exc, "error_dict") else [
                    ("__all__", exc.messages)]:
                column = _column_for(table, fieldname)
                report.errors.extend(RowError(row.number, column, message) for message in messages)


def _column_for(table: Table, fieldname: str) -> str:
    name = {"recorded_basic": "basic", "recorded_critical": "critical", "recorded_assistance": "assistance",
            "recorded_other": "other", "recorded": "basic"}.get(fieldname, fieldname)
    if name in table.columns:
        return table.headers[table.columns[name]]
    return ALIASES[name][0] if name in ALIASES else "—"
