"""Writing the project library and who takes part: each service checks the role and the area, applies the rules of
projects/rules.py (which the participation-list import applies too) and writes in a transaction, the history table
recording who changed what. Nothing is deleted: a project is cancelled, a participation ended, money corrected by a
new line."""

from __future__ import annotations

import datetime
import hashlib
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import ensure_in_area, ensure_permitted, refuse, save_as
from beneficiaries.models import Beneficiary
from projects import rules
from projects.models import Attachment, Funding, Income, Participation, Project
from projects.selectors import funding_total_by_source, income_total, open_since
from regions.codes import Level
from regions.models import Region
from spreadsheets.limits import size_text

# Project documents (实施方案、批复、验收报告、照片): office documents, PDF/OFD and photos, each recognised by its first
# bytes as well as its name, so that a page or a program renamed .pdf is not kept and handed out later.
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
_ZIP, _OLE = (b"PK\x03\x04",), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)
ATTACHMENT_TYPES = {
    ".pdf": (b"%PDF-",), ".ofd": _ZIP, ".docx": _ZIP, ".xlsx": _ZIP, ".doc": _OLE, ".xls": _OLE, ".wps": _OLE,
    ".et": _OLE, ".jpg": (b"\xff\xd8\xff",), ".jpeg": (b"\xff\xd8\xff",), ".png": (b"\x89PNG\r\n\x1a\n",),
}


def _not_after_today(label: str, day: datetime.date) -> list[str]:
    return [f"{label} {day.isoformat()} 晚于今天。"] if day > timezone.localdate() else []


def _ensure_project_in_area(user: User, project: Project) -> None:
    ensure_in_area(user, project.area_id, f"项目 {project.code}")


@transaction.atomic
def project_save(*, user: User, project: Project | None = None, code: str, name: str, kind: str, area: Region | str,
                 lead_department: str, description: str = "", planned_start: datetime.date | None = None,
                 planned_end: datetime.date | None = None, status_on: datetime.date | None = None) -> Project:
    """A project added to the library (储备, from ``status_on`` or today), or its particulars changed; its status moves
    only through ``project_move``. Its place is a township or a village, within the user's area."""
    if project is None:
        ensure_permitted(user, "projects.add_project", "添加产业项目")
        status_on = status_on or timezone.localdate()
        project = Project(status=Project.Status.RESERVE, status_on=status_on, recorded_by=user)
        problems = _not_after_today("入库日期", status_on)
    else:
        ensure_permitted(user, "projects.change_project", "修改产业项目")
        _ensure_project_in_area(user, project)
        project = Project.objects.select_for_update().get(pk=project.pk)
        problems = []
    place = area if isinstance(area, Region) else Region.objects.filter(code=str(area).strip()).first()
    if place is None:
        raise ValidationError({"area": f"区划代码 {area} 不存在。"})
    if place.level not in (Level.TOWNSHIP, Level.VILLAGE):
        raise ValidationError({"area": f"{place.name} 不是乡镇或村：项目要落实到乡镇或村。"})
    ensure_in_area(user, place.code, place.name)
    if project.pk and place.code[:9] != project.area_id[:9] and \
            Participation.objects.filter(project=project, ends_on__isnull=True).exists():
        # participants are of the project's township: moving it would leave them counted in the old one
        raise ValidationError({"area": "项目已有参与人，不能改到其他乡镇；请先登记参与人退出。"})
    code = code.strip()
    if Project.objects.filter(code=code).exclude(pk=project.pk).exists():
        raise ValidationError({"code": f"项目编号 {code} 已被使用。"})
    refuse(problems, "status_on")
    refuse(rules.planned_dates_problems(planned_start, planned_end), "planned_end")
    project.code, project.name, project.kind, project.area = code, name.strip(), kind, place
    project.lead_department, project.description = lead_department.strip(), description.strip()
    project.planned_start, project.planned_end = planned_start, planned_end
    project.full_clean()
    return save_as(project, user)


@transaction.atomic
def project_move(*, user: User, project: Project, status: str, on: datetime.date, note: str = "") -> Project:
    """The project moves to ``status`` on ``on`` (立项, 实施, 完工, 验收, or 终止); each move is a row of its history."""
    ensure_permitted(user, "projects.change_project", "更新项目状态")
    _ensure_project_in_area(user, project)
    project = Project.objects.select_for_update().get(pk=project.pk)
    labels = dict(Project.Status.choices)
    refuse(rules.status_move_problems(project.status, status, on, project.status_on, timezone.localdate(), labels),
            "status")
    if status == Project.Status.CANCELLED and not note.strip():
        raise ValidationError({"note": "终止项目请填写原因。"})
    project.status, project.status_on, project.status_note = status, on, note.strip()
    if status == Project.Status.CANCELLED:
        _end_participations(project, on, f"项目终止：{note.strip()}", user)
    return save_as(project, user, update_fields=["status", "status_on", "status_note"])


def _end_participations(project: Project, on: datetime.date, reason: str, user: User) -> None:
    """A cancelled project's participants leave it that day, so that nobody counts as in a project that stopped."""
    still_in = list(Participation.objects.select_for_update().filter(project=project, ends_on__isnull=True)
                    .select_related("person"))
    later = [p for p in still_in if p.starts_on > on]
    refuse([f"{p.person.name} 于 {p.starts_on.isoformat()} 参与该项目，终止日期不能早于此。" for p in later], "status")
    for participation in still_in:
        participation.ends_on, participation.end_reason = on, reason[:200]
        save_as(participation, user, update_fields=["ends_on", "end_reason"])


@transaction.atomic
def funding_add(*, user: User, project: Project, source: str, amount: Decimal, arrived_on: datetime.date,
                note: str = "") -> Funding:
    """A line of money for the project from one source; a correction is a negative line, which may take back no more
    than the source has put in."""
    ensure_permitted(user, "projects.add_funding", "登记项目资金")
    _ensure_project_in_area(user, project)
    Project.objects.select_for_update().filter(pk=project.pk).first()  # one line at a time per project
    label = dict(Funding.Source.choices).get(source, source)
    # a correction may take back neither more than the source holds nor more than it held on its own date, so
    # that no past day's figures fall below zero
    held = min(funding_total_by_source(project).get(source, Decimal("0")),
               funding_total_by_source(project, until=arrived_on).get(source, Decimal("0")))
    problems = rules.correction_problems(total=held, amount=amount, what=f"“{label}”资金")
    refuse(problems + _not_after_today("到位日期", arrived_on), "amount")
    line = Funding(project=project, source=source, amount=amount, arrived_on=arrived_on, note=note.strip(),
                   recorded_by=user)
    line.full_clean()
    return save_as(line, user)


def attachment_problems(file_name: str, content: bytes) -> list[str]:
    suffix = Path(file_name).suffix.lower()
    if suffix not in ATTACHMENT_TYPES:
        kinds = "、".join(sorted({s.lstrip(".").upper() for s in ATTACHMENT_TYPES}))
        return [f"文件“{file_name}”的类型不能作为附件：请上传 {kinds} 文件。"]
    if len(content) > ATTACHMENT_MAX_BYTES:
        return [f"文件“{file_name}”为 {size_text(len(content))}，超过附件上限 {size_text(ATTACHMENT_MAX_BYTES)}。"]
    if not content:
        return [f"文件“{file_name}”是空的。"]
    if not content.startswith(ATTACHMENT_TYPES[suffix]):
        return [f"文件“{file_name}”的内容不是 {suffix.lstrip('.').upper()} 文件。"]
    return []


@transaction.atomic
def attachment_add(*, user: User, project: Project, title: str, file_name: str, content: bytes) -> Attachment:
    """A document kept with the project and its sha256 (to show later that it is the file uploaded)."""
    ensure_permitted(user, "projects.add_attachment", "上传项目附件")
    _ensure_project_in_area(user, project)
    refuse(attachment_problems(file_name, content), "file")
    if not title.strip():
        raise ValidationError({"title": "请填写附件名称。"})
    attachment = Attachment(project=project, title=title.strip(), uploaded_by=user,
                            file_sha256=hashlib.sha256(content).hexdigest())
    attachment.file.save(Path(file_name).name, ContentFile(content), save=False)
    return save_as(attachment, user)


@transaction.atomic
def participation_start(*, user: User, project: Project, person: Beneficiary, role: str,
                        starts_on: datetime.date) -> Participation:
    """A living person of the project's township joins it (a project approved, under way, completed or accepted)."""
    ensure_permitted(user, "projects.add_participation", "登记项目参与")
    ensure_in_area(user, person.village_id, person.name)
    _ensure_project_in_area(user, project)
    person = Beneficiary.objects.select_for_update().get(pk=person.pk)  # one joining per person at a time
    if person.status != Beneficiary.Status.ACTIVE:
        raise ValidationError({"person": f"{person.name} 已{person.get_status_display()}，不能登记参与。"})
    refuse(rules.participant_place_problems(person_village=person.village_id, project_area=project.area_id,
                                             project_area_name=project.area.name), "person")
    problems = rules.participation_problems(
        project_status=project.status, project_status_label=project.get_status_display(), starts_on=starts_on,
        today=timezone.localdate(), open_since=open_since([project.pk]).get(project.pk),
        already_open=Participation.objects.filter(project=project, person=person, ends_on__isnull=True).exists())
    if problems:
        raise ValidationError(problems)
    participation = Participation(project=project, person=person, role=role, starts_on=starts_on, recorded_by=user)
    participation.full_clean(validate_constraints=False)  # the rules above say it in words
    return save_as(participation, user)


@transaction.atomic
def participation_end(*, user: User, participation: Participation, ends_on: datetime.date,
                      reason: str) -> Participation:
    """The person leaves the project (退出): the participation stays on record with the day and the reason."""
    ensure_permitted(user, "projects.change_participation", "登记退出项目")
    ensure_in_area(user, participation.person.village_id, participation.person.name)
    participation = Participation.objects.select_for_update().get(pk=participation.pk)
    problems = rules.participation_end_problems(starts_on=participation.starts_on, ends_on=ends_on,
                                                today=timezone.localdate(), already_ended=participation.ends_on)
    if not reason.strip():
        problems.append("请填写退出原因。")
    refuse(problems, "ends_on")
    participation.ends_on, participation.end_reason = ends_on, reason.strip()
    return save_as(participation, user, update_fields=["ends_on", "end_reason"])


@transaction.atomic
def income_add(*, user: User, participation: Participation, received_on: datetime.date, amount: Decimal,
               note: str = "") -> Income:
    """Income the participant received from the project; a correction is a negative line, which may take back no
    more than was recorded for the participation. Income may arrive after leaving (a year's dividend), never before
    joining."""
    ensure_permitted(user, "projects.add_income", "登记项目收入")
    ensure_in_area(user, participation.person.village_id, participation.person.name)
    participation = Participation.objects.select_for_update().get(pk=participation.pk)
    held = min(income_total(participation), income_total(participation, until=received_on))  # as for funding
    problems = rules.correction_problems(total=held, amount=amount, what="该参与的收入")
    problems += _not_after_today("收入日期", received_on)
    if received_on < participation.starts_on:
        problems.append(f"收入日期 {received_on.isoformat()} 早于参与日期 {participation.starts_on.isoformat()}。")
    refuse(problems, "amount")
    income = Income(participation=participation, received_on=received_on, amount=amount, note=note.strip(),
                    recorded_by=user)
    income.full_clean()
    return save_as(income, user)
