"""The employment lists, figures and ledger as rows and as Excel workbooks: the pages, the downloads and the
commands read the same rows. ID numbers are masked unless the user may see sensitive data; every download and
file goes to the access log (``EXPORT``) with its rows."""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum

from accounts.models import AccessLog, User
from accounts.services import access_log_record
from beneficiaries.idnumbers import mask
from config.figures import TownshipTable
from employment import rules, selectors
from employment.models import FollowUpVisit, Placement, SchoolLevel, Support
from regions.models import Region
from spreadsheets.small_books import township_tables_write
from spreadsheets.writing import simple_workbook

PERSON_COLUMNS = [("township", "乡镇"), ("village", "村"), ("household", "户编号"), ("name", "姓名"),
                  ("id_number", "身份证号")]
LEVELS = dict(SchoolLevel.choices)
KINDS = dict(Placement.Kind.choices)
VISIT_STATUSES = dict(FollowUpVisit.Status.choices)


def _day(value: datetime.date | None) -> str:
    return value.isoformat() if value else ""


def _person(person, show_ids: bool) -> dict:
    return {"person": person.pk, "township": person.village.parent.name if person.village.parent else "",
            "village": person.village.name, "household": person.household.number if person.household else "",
            "name": person.name, "id_number": person.id_number if show_ids else mask(person.id_number)}


def _unplaced(child, show_ids: bool) -> dict:
    return _person(child, show_ids) | {
        "survey_year": child.survey_year, "level": LEVELS.get(child.survey_level, ""), "school": child.survey_school,
        "major": child.survey_major, "graduation_year": child.survey_graduation_year,
        "intention": child.survey_intention, "needs": child.survey_needs}


def _visit_due(placement: Placement, show_ids: bool) -> dict:
    return _person(placement.person, show_ids) | {
        "kind": placement.get_kind_display(), "employer": placement.employer, "starts_on": _day(placement.starts_on),
        "last_visit_on": _day(placement.last_visit_on), "due_on": _day(selectors.due_on(placement))}


def _at_risk(watched: selectors.Watched, show_ids: bool) -> dict:
    placement = watched.placement
    return _person(placement.person, show_ids) | {
        "employer": placement.employer, "starts_on": _day(placement.starts_on),
        "stable_until": _day(watched.stable_until), "ends_on": _day(placement.ends_on),
        "last_visit_on": _day(placement.last_visit_on),
        "last_visit_status": VISIT_STATUSES.get(placement.last_visit_status, ""), "risks": "；".join(watched.risks)}


@dataclass(frozen=True)
class WorkList:
    """One of the lists the clerks work from: how it is read, its columns (key, heading), and one row of it."""

    title: str
    read: Callable
    columns: list[tuple[str, str]]
    row: Callable[[object, bool], dict]
    explained: str


LISTS = {
    "unplaced": WorkList(
        "未就业的贫困家庭子女", selectors.unplaced,
        [*PERSON_COLUMNS, ("survey_year", "摸排年度"), ("level", "学历层次"), ("school", "学校"), ("major", "专业"),
         ("graduation_year", "毕业年份"), ("intention", "就业意向"), ("needs", "帮扶需求")], _unplaced,
        "最近一次摸排显示已在统计年度或之前毕业、统计日没有在岗安置的在册子女。"),
    "visits_due": WorkList(
        "待回访的安置", selectors.visits_due,
        [*PERSON_COLUMNS, ("kind", "安置方式"), ("employer", "用人单位"), ("starts_on", "上岗日期"),
         ("last_visit_on", "上次回访"), ("due_on", "应回访日期")], _visit_due,
        "统计日在岗、距上岗或上次回访已满 90 天的安置。"),
    "at_risk": WorkList(
        "中职企业安置稳岗风险", selectors.at_risk,
        [*PERSON_COLUMNS, ("employer", "用人单位"), ("starts_on", "上岗日期"), ("stable_until", "满三年日期"),
         ("ends_on", "离岗日期"), ("last_visit_on", "上次回访"), ("last_visit_status", "回访状态"),
         ("risks", "风险")], _at_risk,
        "中职毕业生企业吸纳未满三年，且近一年内离岗、最近回访为不稳定或已离岗，或逾期未回访。"),
}


def list_rows(user: User, name: str, *, area_code: str, day: datetime.date, items=None) -> list[dict]:
    """The rows of list ``name`` (of ``items`` when given: a page of it)."""
    work = LISTS[name]
    if items is None:
        items = work.read(user, area_code=area_code, day=day)
    return [work.row(item, user.sees_sensitive) for item in items]


def _book(title: str, columns: list[tuple[str, str]], rows: list[dict]) -> io.BytesIO:
    return simple_workbook(title, [label for _, label in columns], ([row[key] for key, _ in columns] for row in rows))


def list_workbook(user: User, name: str, *, area_code: str, day: datetime.date) -> tuple[io.BytesIO, int]:
    """List ``name`` as a workbook, and its number of rows."""
    rows = list_rows(user, name, area_code=area_code, day=day)
    work = LISTS[name]
    access_log_record(user=user, action=AccessLog.Action.EXPORT, object_id=f"employment:{name}",
                      detail=f"{work.title}导出：{Region.objects.area_name(area_code)} {day.isoformat()}", rows=len(rows))
    return _book(work.title, work.columns, rows), len(rows)


def table_workbook(table: TownshipTable, *, area_code: str, day: datetime.date) -> io.BytesIO:
    """The township table as a workbook (the page's download and ``employment_stats --out``)."""
    target = io.BytesIO()
    township_tables_write(target, [(table, f"{Region.objects.area_name(area_code)}{table.title}（{day.isoformat()}）")])
    target.seek(0)
    return target


LEDGER_COLUMNS = [
    *PERSON_COLUMNS, ("survey_year", "摸排年度"), ("level", "学历层次"), ("school", "学校"), ("major", "专业"),
    ("graduation_year", "毕业年份"), ("intention", "就业意向"), ("needs", "帮扶需求"), ("kind", "在岗安置方式"),
    ("employer", "用人单位"), ("starts_on", "上岗日期"), ("stable_until", "满三年日期"),
    ("subsidy_amount", "求职创业补助（元）"), ("loan_amount", "创业贷款（元）"), ("trainings", "培训次数"),
    ("guidances", "一对一指导次数"), ("last_visit_on", "最近回访日期"), ("last_visit_status", "最近回访状态"),
]


def ledger_rows(user: User, *, area_code: str, day: datetime.date) -> list[dict]:
    """The per-child ledger on ``day``: each living child surveyed by its year, with the latest survey, the
    placement in force, its date of three stable years when the rule applies, the support given by ``day`` and
    not voided then (by kind, all years), and the placement's latest visit. Four queries."""
    children = list(selectors.surveyed_children(user, area_code=area_code, day=day)
                    .select_related("household", "village__parent")
                    .order_by("village_id", "household__number", "id_number"))
    ids = [child.pk for child in children]
    placements = {p.person_id: p for p in selectors.with_last_visit(
        Placement.objects.in_force_on(day).filter(person_id__in=ids), day)}
    given = (Support.objects.filter(person_id__in=ids, given_on__lte=day)
             .filter(Q(voided_on__isnull=True) | Q(voided_on__gt=day)).values("person_id")
             .annotate(subsidy_amount=Sum("amount", filter=Q(kind=Support.Kind.SUBSIDY)),
                       loan_amount=Sum("amount", filter=Q(kind=Support.Kind.LOAN)),
                       trainings=Count("pk", filter=Q(kind=Support.Kind.TRAINING)),
                       guidances=Count("pk", filter=Q(kind=Support.Kind.GUIDANCE))).order_by())
    supports = {row.pop("person_id"): row for row in given}
    rows = []
    for child in children:
        placement = placements.get(child.pk)
        support = supports.get(child.pk, {})
        row = _unplaced(child, user.sees_sensitive) | {
            "kind": "", "employer": "", "starts_on": "", "stable_until": "", "last_visit_on": "",
            "last_visit_status": "", "subsidy_amount": support.get("subsidy_amount") or Decimal("0.00"),
            "loan_amount": support.get("loan_amount") or Decimal("0.00"), "trainings": support.get("trainings", 0),
            "guidances": support.get("guidances", 0)}
        if placement is not None:
            row |= {"kind": KINDS[placement.kind], "employer": placement.employer,
                    "starts_on": _day(placement.starts_on), "last_visit_on": _day(placement.last_visit_on),
                    "last_visit_status": VISIT_STATUSES.get(placement.last_visit_status, ""),
                    "stable_until": _day(rules.stable_until(placement.starts_on))
                    if rules.three_years_apply(placement.kind, child.survey_level) else ""}
        rows.append(row)
    return rows


def ledger_workbook(user: User, *, area_code: str, day: datetime.date) -> tuple[io.BytesIO, int]:
    rows = ledger_rows(user, area_code=area_code, day=day)
    access_log_record(user=user, action=AccessLog.Action.EXPORT, object_id="employment:ledger",
                      detail=f"贫困家庭子女就业台账导出：{Region.objects.area_name(area_code)} {day.isoformat()}", rows=len(rows))
    return _book("贫困家庭子女就业台账", LEDGER_COLUMNS, rows), len(rows)
