"""The comparison report, an Excel workbook for the other department: a summary, then a sheet per outcome."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import BinaryIO

from django.utils import timezone
from openpyxl import Workbook

from beneficiaries.idnumbers import mask
from rosters.comparison import Outcome
from rosters.models import ROSTER_SOURCES, RosterBatch, RosterFindingList
from rosters.selectors import CategoryLabels, village_names
from rosters.services import RosterPreview, finding_lines
from spreadsheets.writing import safe_text

WIDTHS = [10, 22, 12, 16, 16, 28, 28, 60]
# The report's columns: the stored lines' (RosterFindingList.COLUMNS) with the village's name beside its code.
COLUMNS = [*RosterFindingList.COLUMNS[:4], "村名", *RosterFindingList.COLUMNS[4:]]


def roster_report_write(
    target: str | BinaryIO,
    *,
    facts: list[tuple[str, str]],
    counts: dict[str, int],
    lines_of: Callable[[Outcome], Iterable[list[str]]],
    mask_ids: bool,
) -> int:
    """Write the workbook; ``facts`` head the summary sheet. Returns the number of report lines written."""
    labels = CategoryLabels()
    villages = village_names()
    workbook = Workbook(write_only=True)
    summary = workbook.create_sheet("汇总")
    summary.column_dimensions["A"].width = 16
    summary.column_dimensions["B"].width = 60
    for label, value in facts:
        summary.append([label, safe_text(value)])
    summary.append([])
    summary.append(["结果", "人数（身份证号无效、不可用为行数）"])
    for outcome in Outcome:
        summary.append([outcome.label, counts.get(outcome.value, 0)])

    written = 0
    for outcome in Outcome:
        sheet = workbook.create_sheet(outcome.label)
        for index, width in enumerate(WIDTHS):
            sheet.column_dimensions[chr(ord("A") + index)].width = width
        sheet.append(COLUMNS)
        for rows, number, name, village_code, before, after, message in lines_of(outcome):
            number = mask(number) if mask_ids else number
            sheet.append(
                [
                    int(rows) if rows.isdigit() else rows,
                    safe_text(number),
                    safe_text(name),
                    safe_text(village_code),
                    villages.get(village_code, ""),
                    labels(before),
                    labels(after),
                    message,
                ]
            )
            written += 1
    workbook.save(target)
    return written


def _facts(
    *, source: str, month: str, area: str, file_name: str, sha256: str, state: str
) -> list[tuple[str, str]]:
    return [
        ("名单来源", dict(ROSTER_SOURCES)[source]),
        ("名单月份", month),
        ("比对区域", area or "全国"),
        ("文件名", file_name),
        ("文件 SHA-256", sha256),
        ("状态", state),
        ("报告生成时间", timezone.localtime().strftime("%Y-%m-%d %H:%M")),
    ]


def batch_report_write(target: str | BinaryIO, batch: RosterBatch, *, mask_ids: bool) -> int:
    """The report of a stored batch (previewed or applied), from its stored lines."""
    facts = _facts(
        source=batch.source,
        month=batch.month_text,
        area=batch.area_code,
        file_name=batch.file_name,
        sha256=batch.file_sha256,
        state=f"批次 #{batch.pk}，{batch.get_status_display()}",
    )
    stored = dict(batch.findings.values_list("outcome", "lines"))
    return roster_report_write(
        target,
        facts=facts,
        counts=batch.counts,
        mask_ids=mask_ids,
        lines_of=lambda outcome: stored.get(outcome.value, []),
    )


def preview_report_write(target: str | BinaryIO, preview: RosterPreview, *, mask_ids: bool) -> int:
    """The report of a preview that wrote nothing, from the findings in memory."""
    lines = finding_lines(preview.comparison)
    request = preview.request
    facts = _facts(
        source=request.source,
        month=f"{request.month:%Y-%m}",
        area=request.area_prefix,
        file_name=preview.file_name,
        sha256=preview.sha256,
        state="预览（未写入）",
    )
    return roster_report_write(
        target,
        facts=facts,
        counts=preview.counts(),
        mask_ids=mask_ids,
        lines_of=lambda outcome: lines[outcome.value],
    )
