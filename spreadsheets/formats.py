"""The rows of the first sheet of a file we are given (xlsx, xls or csv, told by content), read within ``Limits``.

python-calamine builds a sheet as one block of rows × columns cells, and before that keeps every cell
and shared string it met: a 2 KB xlsx with one cell at XFD1048576 asks for 512 GB and aborts the
process, whatever Python does around it; a 9 MB zip of repeated cells inflates to gigabytes; an xls
may declare four billion rows, or an xlsx four billion shared strings, and calamine reserves room for
them. So each file is measured before calamine sees it, the way calamine will read it:

- xlsx: every part is inflated from its own deflate stream (a header that lies about sizes changes
  nothing), in chunks, and the total counted. In each part the cells are found where calamine finds
  them. A sheet whose cells are all written ``<c r="A1"`` inside the area its ``<dimension>``
  declares, as every spreadsheet program writes them, is checked with one search per chunk; any other
  sheet is walked tag by tag as calamine walks it (a cell's position from its ``r``, or counted on
  from the previous cell and row).
- xls: the records of the workbook stream are walked: the declared DIMENSIONS and every cell's row
  and column.
- csv: rows and cells are counted as they are read; UTF-8 or GBK, never the two mixed.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from python_calamine import CalamineWorkbook

from spreadsheets.errors import SpreadsheetError
from spreadsheets.limits import Limits, size_text

EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".csv", ".txt")
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
CHUNK = 1 << 20
OVERLAP = 64  # longer than any pattern searched for across the seam of two chunks
MAX_PARTS = 1000  # a workbook has a dozen parts; thousands only slow the reader down
MAX_TAG_BYTES = 1 << 20

TOO_LARGE = "文件“{name}”有 {size}，超过上限 {limit}：请拆分后分批导入。"
EMPTY = "文件“{name}”是空的。"
UNSUPPORTED = "文件“{name}”的格式不受支持：请上传 xlsx、xls 或 csv 文件。"
NOT_A_TABLE = "文件“{name}”不是 Excel 或 CSV 表格（看起来是{kind}）：请在 Excel 中打开后另存为 xlsx 再上传。"
ENCRYPTED = "文件“{name}”设置了打开密码：请在 Excel 中取消密码后再上传。"
DAMAGED = "无法读取文件“{name}”：文件已损坏或不是有效的 {kind} 文件（{reason}）。"
INFLATED = "文件“{name}”解压后超过 {limit}（上限），不能读取：请检查文件，或拆分后分批导入。"
TOO_MANY_PARTS = "文件“{name}”包含 {parts} 个部件，超过上限 {limit} 个，不是正常的 Excel 文件。"
TOO_MANY_ROWS = "文件“{name}”的表格有 {rows:,} 行，超过上限 {limit:,} 行：请拆分后分批导入。"
TOO_MANY_COLUMNS = "文件“{name}”的表格有 {columns:,} 列，超过上限 {limit:,} 列。"
TOO_MANY_CELLS = "文件“{name}”的表格有 {cells:,} 个单元格，超过上限 {limit:,} 个：请删去多余的行列或拆分后导入。"
TOO_LARGE_AREA = (
    "文件“{name}”的表格范围达 {rows:,} 行 × {columns:,} 列，超过上限 {limit:,} 个单元格："
    "请删去远处多余的单元格或拆分后导入。"
)
TOO_MANY_STRINGS = "文件“{name}”的共享文本有 {strings:,} 条，超过上限 {limit:,} 条。"
NOT_TEXT = "文件“{name}”既不是 UTF-8 也不是 GBK 编码的 CSV（第 {line} 行无法识别）：请另存为“CSV UTF-8”。"
MIXED_ENCODING = (
    "文件“{name}”混用了两种编码：第 {utf8_line} 行是 UTF-8，第 {other_line} 行不是："
    "请在 Excel 中打开后统一另存为“CSV UTF-8”。"
)
BAD_CSV = "文件“{name}”第 {line} 行无法按 CSV 读取：{reason}。"


@dataclass(frozen=True)
class _Extent:
    """How far a sheet reaches (1-based last row and column) and how many cells and shared strings it holds."""

    rows: int = 0
    columns: int = 0
    cells: int = 0
    strings: int = 0


def sheet_rows(content: bytes, filename: str, limits: Limits) -> list[list[object]]:
    """Every row of the file's first sheet as calamine or the csv module gives it, or SpreadsheetError saying why not."""
    return _checked_reader(content, filename, limits)()


def check_file(content: bytes, filename: str, limits: Limits) -> None:
    """Refuse what ``sheet_rows`` would refuse before parsing a sheet, without parsing it: for a page that
    keeps an upload to read later, so that a file over the limits leaves nothing behind."""
    _checked_reader(content, filename, limits)


def _checked_reader(content: bytes, filename: str, limits: Limits) -> Callable[[], list[list[object]]]:
    """The reader of the file's rows once the file has been measured against the limits."""
    if len(content) > limits.file_bytes:
        raise SpreadsheetError(
            TOO_LARGE.format(name=filename, size=size_text(len(content)), limit=size_text(limits.file_bytes))
        )
    if not filename.lower().endswith(EXTENSIONS):
        raise SpreadsheetError(UNSUPPORTED.format(name=filename))
    if not content or content.isspace():
        raise SpreadsheetError(EMPTY.format(name=filename))
    if content.startswith(ZIP_MAGIC):
        _check_zipped_workbook(content, filename, limits)
        return lambda: _calamine_rows(content, filename, "xlsx")
    if content.startswith(OLE_MAGIC):
        _check_binary_workbook(content, filename, limits)
        return lambda: _calamine_rows(content, filename, "xls")
    rows = _csv_rows(content, filename, limits)  # counted as they are read: the reading is the check
    return lambda: rows


def _check_extent(extent: _Extent, name: str, limits: Limits) -> None:
    if extent.rows > limits.rows:
        raise SpreadsheetError(TOO_MANY_ROWS.format(name=name, rows=extent.rows, limit=limits.rows))
    if extent.columns > limits.columns:
        raise SpreadsheetError(TOO_MANY_COLUMNS.format(name=name, columns=extent.columns, limit=limits.columns))
    if extent.rows * extent.columns > limits.cells:
        raise SpreadsheetError(
            TOO_LARGE_AREA.format(name=name, rows=extent.rows, columns=extent.columns, limit=limits.cells)
        )
    if extent.cells > limits.cells:
        raise SpreadsheetError(TOO_MANY_CELLS.format(name=name, cells=extent.cells, limit=limits.cells))
    if extent.strings > limits.cells:
        raise SpreadsheetError(TOO_MANY_STRINGS.format(name=name, strings=extent.strings, limit=limits.cells))


def _calamine_rows(content: bytes, filename: str, kind: str) -> list[list[object]]:
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
        return workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own error types for damaged files
        raise SpreadsheetError(DAMAGED.format(name=filename, kind=kind, reason=exc)) from exc


# xlsx ----------------------------------------------------------------------------------------------


def _check_zipped_workbook(content: bytes, name: str, limits: Limits) -> None:
    """Refuse a workbook whose parts inflate past the limit, or any part of which (a sheet, the shared
    strings) reaches past the limits: calamine would load the first sheet, wherever its part lies."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise SpreadsheetError(DAMAGED.format(name=name, kind="xlsx", reason=exc)) from None
    if len(parts) > MAX_PARTS:
        raise SpreadsheetError(TOO_MANY_PARTS.format(name=name, parts=len(parts), limit=MAX_PARTS))
    if sum(part.file_size for part in parts) > limits.inflated_bytes:
        raise SpreadsheetError(INFLATED.format(name=name, limit=size_text(limits.inflated_bytes)))
    budget = _InflateBudget(name, limits.inflated_bytes)
    for part in parts:
        _check_extent(_part_extent(content, part, name, limits, budget), name, limits)


class _InflateBudget:
    """What all the parts inflate to, counted as they are inflated; refused past the limit."""

    def __init__(self, name: str, limit: int):
        self.name, self.limit, self.used = name, limit, 0

    def spend(self, size: int) -> None:
        self.used += size
        if self.used > self.limit:
            raise SpreadsheetError(INFLATED.format(name=self.name, limit=size_text(self.limit)))


def _inflated(content: bytes, part: zipfile.ZipInfo, name: str, budget: _InflateBudget) -> Iterator[bytes]:
    """The part's bytes in chunks, inflated from the compressed bytes the way any zip reader gets them."""
    header = content[part.header_offset : part.header_offset + 30]
    if len(header) < 30 or not header.startswith(ZIP_MAGIC):
        raise SpreadsheetError(DAMAGED.format(name=name, kind="xlsx", reason=f"部件 {part.filename} 的位置无效"))
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    start = part.header_offset + 30 + name_length + extra_length
    raw = memoryview(content)[start : start + part.compress_size]
    if part.compress_type == zipfile.ZIP_STORED:
        for offset in range(0, len(raw), CHUNK):
            budget.spend(min(CHUNK, len(raw) - offset))
            yield bytes(raw[offset : offset + CHUNK])
        return
    if part.compress_type != zipfile.ZIP_DEFLATED:
        raise SpreadsheetError(DAMAGED.format(name=name, kind="xlsx", reason=f"部件 {part.filename} 的压缩方式不受支持"))
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    offset = 0
    try:
        while not inflater.eof:
            if inflater.unconsumed_tail:
                data = inflater.decompress(inflater.unconsumed_tail, CHUNK)
            elif offset < len(raw):
                data = inflater.decompress(raw[offset : offset + CHUNK], CHUNK)
                offset += CHUNK
            else:
                break
            if data:
                budget.spend(len(data))
                yield data
        rest = inflater.flush()  # what the last call decoded but had no room to return
        if rest:
            budget.spend(len(rest))
            yield rest
    except zlib.error as exc:
        raise SpreadsheetError(DAMAGED.format(name=name, kind="xlsx", reason=exc)) from None


def _numbers_up_to(limit: int) -> str:
    """A pattern for the decimal numbers 1 … ``limit`` written without leading zeros."""
    text = str(limit)
    options = [rf"[1-9]\d{{0,{len(text) - 2}}}"] if len(text) > 1 else []
    for position, digit in enumerate(text):
        lowest = 1 if position == 0 else 0
        if int(digit) > lowest:
            options.append(rf"{text[:position]}[{lowest}-{int(digit) - 1}]\d{{{len(text) - position - 1}}}")
    options.append(text)
    return "(?:" + "|".join(options) + ")"


def _reference(text: bytes) -> tuple[int, int] | None:
    """``XFD1048576`` → ``(1048576, 16384)`` (1-based row, column; column 0 when there are no letters),
    as calamine reads a cell's ``r``; None where calamine would refuse it."""
    match = re.fullmatch(rb"([A-Za-z]*)(\d+)", text)
    if match is None or int(match.group(2)) == 0:
        return None
    column = 0
    for letter in match.group(1).upper():
        column = column * 26 + letter - ord("A") + 1
    return int(match.group(2)), column


UNIQUE_COUNT = re.compile(rb"<(?:[\w.\-]+:)?sst\s[^>]*?\buniqueCount\s*=\s*[\"'](\d+)")
PREFIXED_CELL = re.compile(rb":(?:c|si|row)[\s/>]")
LAST_ROW = re.compile(rb'<row r="(\d{1,7})"')
WIDE_COLUMNS = re.compile(rb'<c r="([A-Z]{2,3})\d')
LETTERS = [letter.encode() for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"]
TAG = re.compile(rb"<(/?)(?:[A-Za-z_][\w.\-]*:)?(row|c|si)(?=[\s/>])((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
POSITION = re.compile(rb"(?:^|\s)r\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")


def _part_extent(
    content: bytes, part: zipfile.ZipInfo, name: str, limits: Limits, budget: _InflateBudget
) -> _Extent:
    """The cells (or shared strings) of one part.

    Spreadsheet programs write every cell as ``<c r="B7"`` inside rows written in order as
    ``<row r="7"``. For such a part the extent is found with a few searches per chunk: the rows reach
    the last ``<row r`` seen (each chunk checks that none of its cells lies below the last row it has
    seen so far), the columns the widest letters written. Any cell written otherwise sends the part
    to ``_walked_extent``, which places every cell as calamine does.
    """
    shared_strings = part.filename.endswith("sharedStrings.xml")
    rows = columns = cells = strings = 0
    tail = b""
    walk = False
    for chunk in _inflated(content, part, name, budget):
        window, seam = tail + chunk, tail
        tail = window[-OVERLAP:]
        if shared_strings:
            if not seam and (count := UNIQUE_COUNT.search(window)) and int(count.group(1)) > limits.cells:
                _check_extent(_Extent(strings=int(count.group(1))), name, limits)
            strings += _count_strings(window) - _count_strings(seam)
        walk = walk or PREFIXED_CELL.search(window) is not None
        if walk or b"<c" not in window:
            continue
        rows = max(rows, _last_row(window))
        if _misplaced(window, rows, len(window) - OVERLAP):
            walk = True  # a cell the quick count cannot place: inflate on for the budget, then walk
            continue
        cells += window.count(b'<c r="') - seam.count(b'<c r="')
        columns = _widest_column(window, columns)
    if walk or _misplaced(tail, rows, len(tail)):
        return _walked_extent(content, part, name, limits)
    return _Extent(rows=rows if cells else 0, columns=columns, cells=cells, strings=strings)


def _last_row(window: bytes) -> int:
    """The number of the last ``<row r="…">`` written whole in ``window`` (0 if none)."""
    position = len(window)
    while (position := window.rfind(b'<row r="', 0, position)) >= 0:
        if row := LAST_ROW.match(window, position):
            return int(row.group(1))
    return 0


def _misplaced(window: bytes, rows: int, before: int) -> bool:
    """Whether a cell tag starting before ``before`` is not ``<c r="…"`` within the rows seen; a tag
    starting later may be cut at the window's end, and is looked at again at the start of the next."""
    found = _cells_below(rows).search(window)
    return found is not None and found.start() < before


@functools.lru_cache(maxsize=64)
def _cells_below(rows: int) -> re.Pattern:
    """A cell tag not written ``<c r="…"`` with one to three capitals and a row number up to ``rows``."""
    if rows == 0:
        return re.compile(rb"<c[\s/>]")
    return re.compile(f'<c(?! r="[A-Z]{{1,3}}{_numbers_up_to(rows)}")[\\s/>]'.encode())


def _widest_column(window: bytes, known: int) -> int:
    """The widest column written in ``window``, or ``known`` if none is wider."""
    wider = _columns_beyond(known).findall(window)
    return max([known] + [_reference(letters + b"1")[1] for letters in set(wider)])


@functools.lru_cache(maxsize=32)
def _columns_beyond(known: int) -> re.Pattern:
    """Cell tags ``<c r="`` whose column letters may be beyond the ``known``-th column: single letters
    after it, and every two or three letters (few in the lists we read)."""
    if known >= 26:
        return WIDE_COLUMNS
    return re.compile(rb'<c r="([A-Z]{2,3}|[%s-Z])\d' % LETTERS[known])


def _count_strings(data: bytes) -> int:
    return data.count(b"<si>") + data.count(b"<si ")


def _walked_extent(content: bytes, part: zipfile.ZipInfo, name: str, limits: Limits) -> _Extent:
    """Every cell's position as calamine's reader assigns it, stopping at the first limit passed."""
    row_index = column_index = 0  # 0-based, as calamine counts
    rows = columns = cells = strings = 0
    carry = b""
    for chunk in _inflated(content, part, name, _InflateBudget(name, limits.inflated_bytes)):
        buffer = carry + chunk
        end = 0
        for match in TAG.finditer(buffer):
            end = match.end()
            closing, tag, attributes = match.groups()
            if closing:
                if tag == b"row":
                    row_index, column_index = row_index + 1, 0
                continue
            if attributes.endswith(b"/"):
                continue  # calamine reads only elements with content
            if tag == b"si":
                strings += 1
                continue
            position = _position(attributes, name)
            if tag == b"row":
                if position is not None:
                    row_index = position[0] - 1
                continue
            if position is not None:
                row_index_of_cell, column_index = position[0] - 1, position[1] - 1
            else:
                row_index_of_cell = row_index
            cells += 1
            rows, columns = max(rows, row_index_of_cell + 1), max(columns, column_index + 1)
            column_index += 1
            if rows > limits.rows or columns > limits.columns or cells > limits.cells or rows * columns > limits.cells:
                _check_extent(_Extent(rows, columns, cells), name, limits)
        if strings > limits.cells:
            _check_extent(_Extent(strings=strings), name, limits)
        start = buffer.rfind(b"<", end)
        carry = buffer[start:] if start >= 0 else b""
        if len(carry) > MAX_TAG_BYTES:
            raise SpreadsheetError(DAMAGED.format(name=name, kind="xlsx", reason="标记过长"))
    return _Extent(rows, columns, cells, strings)


def _position(attributes: bytes, name: str) -> tuple[int, int] | None:
    match = POSITION.search(attributes)
    if match is None:
        return None
    text = match.group(1) if match.group(1) is not None else match.group(2)
    position = _reference(text)
    if position is None:
        raise SpreadsheetError(DAMAGED.format(name=name, kind="xlsx", reason=f"单元格位置“{text[:20].decode(errors='replace')}”无效"))
    return position


# xls -----------------------------------------------------------------------------------------------

# BIFF records that place one cell at (row, column) in their first four bytes.
ONE_CELL_RECORDS = frozenset({0x0006, 0x00D6, 0x00FD, 0x0201, 0x0203, 0x0204, 0x0205, 0x027E})
MANY_CELL_RECORDS = frozenset({0x00BD, 0x00BE})  # MULRK, MULBLANK: row, first column, …, last column
DIMENSIONS_RECORD = 0x0200
BOF_RECORD, EOF_RECORD = 0x0809, 0x000A


def _check_binary_workbook(content: bytes, name: str, limits: Limits) -> None:
    """Refuse an xls any sheet of which declares, or holds cells, past the limits (each sheet on its own:
    its records run from a BOF to an EOF in the workbook stream)."""
    stream = _workbook_stream(content, name)
    rows = columns = cells = 0
    offset, size = 0, len(stream)
    unpack = struct.unpack_from
    while offset + 4 <= size:
        kind, length = unpack("<HH", stream, offset)
        body = offset + 4
        offset = body + length
        if kind in ONE_CELL_RECORDS and length >= 4:
            row, column = unpack("<HH", stream, body)
            rows, columns, cells = max(rows, row + 1), max(columns, column + 1), cells + 1
        elif kind in MANY_CELL_RECORDS and length >= 6:
            row, first = unpack("<HH", stream, body)
            (last,) = unpack("<H", stream, body + length - 2)
            rows, columns, cells = max(rows, row + 1), max(columns, last + 1), cells + max(0, last - first + 1)
        elif kind == DIMENSIONS_RECORD:
            declared = _xls_dimensions(stream[body : body + length])
            # calamine reserves room for the declared area before it reads a cell.
            _check_extent(_Extent(rows=declared[0], columns=declared[1]), name, limits)
            continue
        elif kind in (BOF_RECORD, EOF_RECORD):
            _check_extent(_Extent(rows, columns, cells), name, limits)
            rows = columns = cells = 0
            continue
        else:
            continue
        if cells > limits.cells:
            _check_extent(_Extent(rows, columns, cells), name, limits)
    _check_extent(_Extent(rows, columns, cells), name, limits)


def _xls_dimensions(body: bytes) -> tuple[int, int]:
    if len(body) == 14:
        first_row, last_row, first_column, last_column = struct.unpack("<IIHH", body[:12])
    elif len(body) == 10:
        first_row, last_row, first_column, last_column = struct.unpack("<HHHH", body[:8])
    else:
        return 0, 0
    if first_column > 0xFF or last_column < first_column:
        first_column = 0
    return max(0, last_row - first_row), max(0, last_column - first_column)


def _workbook_stream(content: bytes, name: str) -> bytes:
    from xlrd import compdoc

    try:
        document = compdoc.CompDoc(content, logfile=io.StringIO())
        for stream_name in ("Workbook", "Book"):
            stream, base, size = document.locate_named_stream(stream_name)
            if stream is not None:
                return bytes(stream[base : base + size])
        encrypted, _, _ = document.locate_named_stream("EncryptedPackage")
    except Exception as exc:  # xlrd raises CompDocError, struct.error, IndexError … on a damaged container
        raise SpreadsheetError(DAMAGED.format(name=name, kind="xls", reason=exc)) from None
    if encrypted is not None:
        raise SpreadsheetError(ENCRYPTED.format(name=name))
    raise SpreadsheetError(DAMAGED.format(name=name, kind="xls", reason="没有工作簿数据"))


# csv -----------------------------------------------------------------------------------------------


def _csv_rows(content: bytes, name: str, limits: Limits) -> list[list[str]]:
    kind = _not_a_table(content)
    if kind:
        raise SpreadsheetError(NOT_A_TABLE.format(name=name, kind=kind))
    text = _decoded(content, name)
    first_line = text[: text.find("\n")] if "\n" in text else text
    dialect = "excel-tab" if "\t" in first_line and "," not in first_line else "excel"
    if text.count("\n") >= limits.rows:
        _count_rows(text, dialect, name, limits)  # refuses before a row is kept
    rows: list[list[str]] = []
    cells = 0
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        for row in reader:
            if len(row) > limits.columns:
                raise SpreadsheetError(
                    f"文件“{name}”第 {reader.line_num} 行有 {len(row):,} 列，超过上限 {limits.columns:,} 列。"
                )
            cells += len(row)
            if cells > limits.cells:
                raise SpreadsheetError(TOO_MANY_CELLS.format(name=name, cells=cells, limit=limits.cells))
            rows.append(row)
    except csv.Error as exc:
        raise SpreadsheetError(BAD_CSV.format(name=name, line=reader.line_num, reason=exc)) from None
    return rows


def _count_rows(text: str, dialect: str, name: str, limits: Limits) -> None:
    """Refuse a csv of more rows than the limit, counting them without keeping any."""
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        count = sum(1 for _row in reader)
    except csv.Error as exc:
        raise SpreadsheetError(BAD_CSV.format(name=name, line=reader.line_num, reason=exc)) from None
    if count > limits.rows:
        raise SpreadsheetError(TOO_MANY_ROWS.format(name=name, rows=count, limit=limits.rows))


def _not_a_table(content: bytes) -> str:
    """What a file that is no table looks like, for the message; empty for text that may be a csv."""
    head = content[:4096].lstrip(codecs.BOM_UTF8 + b" \t\r\n").lower()
    if head.startswith(b"%pdf"):
        return " PDF 文件"
    if head.startswith(b"<") and (b"<html" in head or b"<table" in head or b"<!doctype" in head):
        return "网页（HTML）文件"
    if head.startswith(b"<?xml"):
        return " XML 文件"
    if b"\x00" in head and not content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "二进制文件（图片、压缩包或其他程序的文件）"
    return ""


def _decoded(content: bytes, name: str) -> str:
    """The text of a csv: UTF-16 or UTF-8 when it says so, else UTF-8, else GBK; a file mixing UTF-8 lines
    with lines in another encoding (two lists pasted together) is refused naming a line of each."""
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return content.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise SpreadsheetError(NOT_TEXT.format(name=name, line=content[: exc.start].count(b"\n") // 2 + 1)) from None
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        other_line = content[: exc.start].count(b"\n") + 1
    utf8_line = next(
        (number for number, line in enumerate(content.splitlines(), start=1) if not line.isascii() and _is_utf8(line)),
        None,
    )
    if utf8_line is not None:
        raise SpreadsheetError(MIXED_ENCODING.format(name=name, utf8_line=utf8_line, other_line=other_line))
    try:
        return content.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise SpreadsheetError(NOT_TEXT.format(name=name, line=content[: exc.start].count(b"\n") + 1)) from None


def _is_utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
