"""The project workbooks: a list of people (no project yet, or labour capacity not recorded), the statistics (both
township tables), and the ledger (台账: the library, one row per project, and the participants, one row per
participation).

Cells are typed and formula-safe (``spreadsheets.small_books``); ID numbers are text, masked unless the user may see
sensitive data. Each export goes to the access log (``EXPORT``) with its area, day and number of rows."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import BinaryIO

import xlsxwriter
from django.db.models import Count, Q, Sum

from accounts.models import AccessLog, User
from accounts.services import access_log_record
from beneficiaries.idnumbers import mask
from config.figures import money
from policies.document import age_on
from projects import selectors
from projects.models import Funding, Participation
from regions.models import Region
from spreadsheets.small_books import SAFE_TEXT, SheetWriter, small_book_formats, township_tables_write

PEOPLE_LISTS = {"no_project": ("未参与产业项目的劳动年龄有劳动能力贫困人口", selectors.no_project),
                "unrecorded": ("劳动能力未登记的劳动年龄贫困人口", selectors.unrecorded_capacity)}
PEOPLE_HEADERS = [("乡镇", 12), ("村", 12), ("户编号", 20), ("姓名", 10), ("身份证号", 21), ("年龄", 6),
                  ("劳动能力", 12)]
LIBRARY_HEADERS = [("乡镇", 12), ("村", 12), ("项目编号", 16), ("项目名称", 24), ("项目类型", 10), ("状态", 8),
                   ("状态日期", 12), ("主管部门", 16)]
PARTICIPANT_HEADERS = [("乡镇", 12), ("村", 12), ("户编号", 20), ("姓名", 10), ("身份证号", 21), ("劳动能力", 12),
                       ("项目编号", 16), ("项目名称", 24), ("参与方式", 14), ("参与日期", 12), ("退出日期", 12),
                       ("当年收入（元）", 14)]


def _names(codes: set[str]) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))


def _book(target: str | Path | BinaryIO):
    path = str(target) if isinstance(target, str | Path) else target
    book = xlsxwriter.Workbook(path, {**SAFE_TEXT, "in_memory": True})
    return book, small_book_formats(book)


def _sheet(book, formats, name: str, title: str, headers: list[tuple[str, int]]) -> SheetWriter:
    sheet = book.add_worksheet(name)
    writer = SheetWriter(book, sheet, formats)
    writer.merged(0, 0, len(headers) - 1, title, "title")
    for column, (heading, width) in enumerate(headers):
        writer.put(1, column, heading, "head")
        sheet.set_column(column, column, width)
    sheet.freeze_panes(2, 0)
    return writer


def _id(user: User, number: str) -> str:
    return number if user.sees_sensitive else mask(number)


def people_list_write(*, user: User, area_code: str, day: datetime.date, which: str,
                      target: str | Path | BinaryIO) -> int:
    """The people of the list ``which`` on ``day`` in the area (of the user's area); returns the rows."""
    title, select = PEOPLE_LISTS[which]
    people = list(select(user, area_code=area_code, day=day))
    townships = _names({person.village_id[:9] for person in people})
    book, formats = _book(target)
    area_name = Region.objects.area_name(area_code)
    writer = _sheet(book, formats, "名单", f"{area_name} {day.isoformat()} {title}（共 {len(people)} 人）",
                    PEOPLE_HEADERS)
    for row, person in enumerate(people, start=2):
        cells = [townships.get(person.village_id[:9], ""), person.village.name,
                 person.household.number if person.household else "", person.name, _id(user, person.id_number)]
        for column, value in enumerate(cells):
            writer.put(row, column, value)
        writer.put(row, 5, age_on(person.birth_date, day), "count")
        writer.put(row, 6, person.get_labour_capacity_display() or "未登记")
    book.close()
    access_log_record(user=user, action=AccessLog.Action.EXPORT, object_id=f"projects:{which}",
                      detail=f"{title}导出：{area_name} {day.isoformat()}", rows=len(people))
    return len(people)


def stats_write(*, user: User, area_code: str, day: datetime.date, target: str | Path | BinaryIO) -> int:
    """Both statistics tables, a sheet each; returns the rows."""
    heading = f"{Region.objects.area_name(area_code)} {day.isoformat()}"
    return township_tables_write(target, [
        (selectors.participation_table(user, area_code=area_code, day=day), f"产业项目参与情况（{heading}）"),
        (selectors.library_table(user, area_code=area_code, day=day), f"产业项目库（{heading}）"),
    ])


def ledger_write(*, user: User, area_code: str, day: datetime.date, target: str | Path | BinaryIO) -> dict:
    """The ledger of the area on ``day``: the library (status as it stands, funding arrived by ``day`` by source and
    in total, participants in force on ``day``) and every participation started by ``day`` with its income from
    1 January of ``day``'s year through ``day``. Returns the rows of each sheet."""
    area_name = Region.objects.area_name(area_code)
    projects = list(selectors.library(user, area_code=area_code).select_related(None).select_related("area"))
    by_source: dict[int, dict[str, object]] = {}
    for line in (Funding.objects.filter(project__in=[p.pk for p in projects], arrived_on__lte=day)
                 .values("project", "source").annotate(total=Sum("amount")).order_by()):
        by_source.setdefault(line["project"], {})[line["source"]] = money(line["total"])
    in_force = dict(Participation.objects.in_force_on(day).filter(project__in=[p.pk for p in projects])
                    .values("project").annotate(n=Count("person", distinct=True)).values_list("project", "n")
                    .order_by())
    participations = list(
        Participation.objects.visible_to(user).within(area_code).filter(starts_on__lte=day)
        .select_related("person", "person__household", "person__village", "project")
        .annotate(income=Sum("incomes__amount", filter=Q(incomes__received_on__range=(day.replace(month=1, day=1),
                                                                                       day))))
        .order_by("person__village_id", "person__household__number", "person__id_number", "starts_on"))
    townships = _names({p.area_id[:9] for p in projects} | {p.person.village_id[:9] for p in participations})
    book, formats = _book(target)
    sources = Funding.Source.choices
    writer = _sheet(book, formats, "项目库", f"{area_name} 产业扶贫项目库（{day.isoformat()}）",
                    LIBRARY_HEADERS + [(label, 14) for _, label in sources] + [("资金合计", 14), ("参与人数", 10)])
    for row, project in enumerate(projects, start=2):
        village = project.area.name if len(project.area_id) == 12 else ""
        cells = [townships.get(project.area_id[:9], ""), village, project.code, project.name,
                 project.get_kind_display(), project.get_status_display(), project.status_on.isoformat(),
                 project.lead_department]
        for column, value in enumerate(cells):
            writer.put(row, column, value)
        funded = by_source.get(project.pk, {})
        for column, (source, _) in enumerate(sources, start=len(cells)):
            writer.put(row, column, funded.get(source, 0), "money")
        writer.put(row, len(cells) + len(sources), sum(funded.values()), "money")
        writer.put(row, len(cells) + len(sources) + 1, in_force.get(project.pk, 0), "count")
    writer = _sheet(book, formats, "参与台账", f"{area_name} 产业项目参与台账（{day.isoformat()}）", PARTICIPANT_HEADERS)
    for row, participation in enumerate(participations, start=2):
        person = participation.person
        cells = [townships.get(person.village_id[:9], ""), person.village.name,
                 person.household.number if person.household else "", person.name, _id(user, person.id_number),
                 person.get_labour_capacity_display() or "未登记", participation.project.code,
                 participation.project.name, participation.get_role_display(),
                 participation.starts_on.isoformat(),
                 participation.ends_on.isoformat() if participation.ends_on else None]
        for column, value in enumerate(cells):
            writer.put(row, column, value)
        writer.put(row, len(cells), money(participation.income), "money")
    book.close()
    access_log_record(user=user, action=AccessLog.Action.EXPORT, object_id="projects:ledger",
                      detail=f"产业扶贫台账导出：{area_name} {day.isoformat()}", rows=len(participations))
    return {"projects": len(projects), "participations": len(participations)}
