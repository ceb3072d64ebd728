"""Reading the spreadsheets that arrive from other offices (xlsx, xls, csv in UTF-8 or GBK).

Real lists carry a title above the header, blank rows, numbers stored as numbers (ID numbers that
Excel turned into 1.1e17), trailing spaces and full-width characters. The reader finds the header
row by the column aliases the caller names, normalises every cell to text and keeps the file's own
row numbers so that every message can name the row a person sees in Excel. A batch of records sent to
the API is read through the same table (``read_records``), its items numbered as rows.
"""

from __future__ import annotations

import datetime
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from spreadsheets.errors import SpreadsheetError
from spreadsheets.formats import sheet_rows
from spreadsheets.limits import Limits

HEADER_SEARCH_ROWS = 20
EXCEL_DIGITS = 15  # Excel keeps 15 significant digits of a number; longer ones were rounded
NO_DATA_ROWS = "文件“{name}”在表头（第 {header_row} 行）之下没有数据行。"


def clean_text(value: object) -> str:
    """Full-width forms folded to ASCII, all white space trimmed and runs of it made one space."""
    text = unicodedata.normalize("NFKC", str(value))
    return " ".join(text.split())


def cell_text(value: object) -> str:
    """A cell as text. Checked by exact type, most frequent first: a list has a million cells."""
    kind = type(value)
    if kind is str:
        # NFKC leaves ASCII as it is, so plain ASCII only needs its spaces trimmed.
        return " ".join(value.split()) if value.isascii() else clean_text(value)
    if value is None:
        return ""
    if kind is float:
        if value.is_integer():
            if abs(value) >= 10**EXCEL_DIGITS:
                # Excel already rounded it: show it as Excel does, so validation can say so.
                return f"{value:.14E}"
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    if kind is bool:
        return "是" if value else "否"
    if kind is int:
        return str(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return clean_text(value)


def _blank(values: Sequence[object]) -> bool:
    return not any(value.strip() if type(value) is str else value is not None for value in values)


def _header_key(text: str) -> str:
    return clean_text(text).replace(" ", "").replace("*", "").replace("（", "(").replace("）", ")")


@dataclass
class Table:
    """Rows of one sheet under its header; ``columns`` maps each field the caller asked for to its column.

    Cells are kept as the file gave them and turned into text when asked for: ``records()`` converts
    only the columns the caller named, which is most of the time spent on a large list.
    """

    filename: str
    header_row: int
    columns: dict[str, int]
    headers: list[str]
    sheet: list[Sequence[object]]  # every row of the sheet as the file gave it, the header's included

    def _data_rows(self) -> Iterator[tuple[int, Sequence[object]]]:
        """``(row number, cells)`` of every non-blank row below the header."""
        sheet = self.sheet
        for index in range(self.header_row, len(sheet)):
            if not _blank(sheet[index]):
                yield index + 1, sheet[index]

    @cached_property
    def rows(self) -> list[tuple[int, list[str]]]:
        """Every non-blank row below the header with its file row number, every cell as text."""
        return [(number, [cell_text(value) for value in values]) for number, values in self._data_rows()]

    def value(self, cells: Sequence[str], field: str) -> str:
        index = self.columns.get(field)
        if index is None or index >= len(cells):
            return ""
        return cells[index]

    def values(self, fields: Sequence[str]) -> Iterator[tuple[int, list[str]]]:
        """``(row number, [text of each field])`` for every non-blank row: ``records()`` without the dicts,
        for callers reading a hundred thousand rows. A field the file lacks is empty."""
        positions = [self.columns.get(field, -1) for field in fields]
        for number, values in self._data_rows():
            width = len(values)
            yield number, [cell_text(values[index]) if 0 <= index < width else "" for index in positions]

    def records(self) -> Iterator[tuple[int, dict[str, str]]]:
        """``(row number, {field: text})`` of every non-blank row; a field past a short row's end is empty."""
        columns = list(self.columns.items())
        for number, values in self._data_rows():
            width = len(values)
            yield (
                number,
                {field: cell_text(values[index]) if index < width else "" for field, index in columns},
            )


def read_table(
    content: bytes,
    filename: str,
    aliases: Mapping[str, Sequence[str]],
    required: Sequence[str],
) -> Table:
    """The first sheet's rows below the header row that names every required field (by any alias).

    ``aliases`` maps a field name to the header texts that mean it; a row in the first
    ``HEADER_SEARCH_ROWS`` rows containing an alias of every required field is the header. The file is
    read within the limits of the settings (``spreadsheets.limits``), and a file with no data row below
    its header is refused: an empty list is never a list of nobody.
    """
    raw = sheet_rows(content, filename, Limits.from_settings())
    lookup = {_header_key(alias): field for field, names in aliases.items() for alias in names}
    best: tuple[int, dict[str, int]] | None = None
    for index, row in enumerate(raw[:HEADER_SEARCH_ROWS]):
        columns: dict[str, int] = {}
        for position, value in enumerate(row):
            field = lookup.get(_header_key(cell_text(value)))
            if field and field not in columns:
                columns[field] = position
        if best is None or len(columns) > len(best[1]):
            best = (index, columns)
        if all(field in columns for field in required):
            best = (index, columns)
            break
    if best is None:
        raise SpreadsheetError(f"文件“{filename}”是空的。")
    header_index, columns = best
    missing = [field for field in required if field not in columns]
    if missing:
        names = "、".join(f"“{aliases[field][0]}”" for field in missing)
        raise SpreadsheetError(
            f"文件“{filename}”缺少必需的列：{names}（在前 {HEADER_SEARCH_ROWS} 行中未找到表头）。"
        )
    headers = [cell_text(value) for value in raw[header_index]]
    table = Table(filename=filename, header_row=header_index + 1, columns=columns, headers=headers, sheet=raw)
    if next(table._data_rows(), None) is None:
        raise SpreadsheetError(NO_DATA_ROWS.format(name=filename, header_row=table.header_row))
    return table


def read_records(records: Sequence[Mapping[str, object]], name: str, aliases: Mapping[str, Sequence[str]]) -> Table:
    """A batch of records (dicts keyed by the caller's field names, as an API receives them) as a table that an
    importer reads exactly as it reads a sheet: each key is matched to a field by the same ``aliases`` as a header
    is, and each record's row number is its 1-based position in the batch.

    A field the records give under several aliases is read from whichever a record fills, and messages name it by
    the first key seen. No field is required here: the importer's reader says what each record lacks. A record
    with nothing in it is skipped, as a blank row is."""
    lookup = {_header_key(alias): field for field, names in aliases.items() for alias in names}
    keys: dict[str, list[str]] = {}  # field → the records' keys that name it, the first naming it in messages
    for record in records:
        for key in record:
            field = lookup.get(_header_key(key))
            if field is not None and key not in keys.setdefault(field, []):
                keys[field].append(key)
    sheet = [[_first_filled(record, names) for names in keys.values()] for record in records]
    return Table(filename=name, header_row=0, columns={field: index for index, field in enumerate(keys)},
                 headers=[names[0] for names in keys.values()], sheet=sheet)


def _first_filled(record: Mapping[str, object], keys: Sequence[str]) -> object:
    values = [record.get(key) for key in keys]
    return next((value for value in values if value is not None and cell_text(value) != ""), None)
