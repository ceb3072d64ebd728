"""Writing workbooks people open in Excel: text stays text, and nothing a cell says is run as a formula."""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MONEY_FORMAT = "#,##0.00"


@contextlib.contextmanager
def replaced_when_done(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path`` that replaces it only when writing succeeds: a failed run
    writes nothing."""
    partial = path.with_name(path.name + ".part")
    try:
        yield partial
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def safe_text(value: str) -> str:
    """A cell text that Excel will show, never evaluate (OWASP CSV/formula injection)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def simple_workbook(title: str, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> io.BytesIO:
    """A one-sheet workbook: a bold header row, text as text, Decimal amounts as numbers with two decimals."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.freeze_panes = "A2"
    header_cells = []
    for header in headers:
        cell = _cell(sheet, header)
        cell.font = Font(bold=True)
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def _cell(sheet, value):
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, Decimal):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = MONEY_FORMAT
        return cell
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=safe_text(value))
        cell.data_type = "s"
        return cell
    return WriteOnlyCell(sheet, value=value)
