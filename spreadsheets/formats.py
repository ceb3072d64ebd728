"""The rows of the first sheet of a file we are given (xlsx, xls or csv, told by content), read within ``Limits``.

python-calamine builds a sheet as one block of rows × columns cells, and before that keeps every cell
and shared string it met: a 2 KB xlsx with one cell at XFD1048576 asks for 512 GB and aborts the
process, whatever Python does around it; a 9 MB zip of repeated cells inflates to gigabytes; an xls
may declare four billion rows, or an xlsx four billion shared strings, and calamine reserves room for
them. So each file is measured before calamine sees it, the way calamine will read it:

- xlsx: the parts calamine reads (the sheets the workbook lists, the shared strings) are found as
  calamine finds them and inflated in chunks from their own deflate streams (a header that lies about
  sizes changes nothing), the total counted. A sheet whose cells are all written ``<c r="A1"`` in rows
  written in order, as every spreadsheet program writes them, is measured with a few searches per
  chunk; any other sheet is parsed element by element, each cell placed as calamine places it (from
  its ``r``, or counted on from the previous cell and row). A zip that calamine would read as ods or
  xlsb is refused.
- xls: every sheet's records, from the offset its BOUNDSHEET record gives, as calamine reads them: the
  declared DIMENSIONS (whose area calamine reserves) and every value's row and column.
- csv: rows and cells are counted as they are read; UTF-8, GBK or UTF-16, never two mixed.
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
from xml.parsers import expat

from python_calamine import CalamineWorkbook

from spreadsheets.errors import SpreadsheetError
from spreadsheets.limits import Limits, size_text

EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".csv", ".txt")
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
CHUNK = 1 << 20
OVERLAP = 64  # longer than any pattern searched for across the seam of two chunks
MAX_PARTS = 1000  # a workbook has a dozen parts; thousands only slow the reader down

TOO_LARGE = "文件“{name}”有 {size}，超过上限 {limit}：请拆分后分批导入。"
EMPTY = "文件“{name}”是空的。"
UNSUPPORTED = "文件“{name}”的格式不受支持：请上传 xlsx、xls 或 csv 文件。"
NOT_A_TABLE = "文件“{name}”不是 Excel 或 CSV 表格（看起来是{kind}）：请在 Excel 中打开后另存为 xlsx 再上传。"
ENCRYPTED = "文件“{name}”设置了打开密码：请在 Excel 中取消密码后再上传。"
DAMAGED = "无法读取文件“{name}”：文件已损坏或不是有效的 {kind} 文件（{reason}）。"
INFLATED = "文件“{name}”解压后超过 {limit}（上限），不能读取：请检查文件，或拆分后分批导入。"
OTHER_FORMAT = "文件“{name}”是 {kind} 格式，不是 xlsx：请在 Excel 中打开后另存为 xlsx 再上传。"
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
    """Refuse what ``sheet_rows`` would refuse, without building an Excel sheet's rows (a csv is read,
    its reading being its measure): for a page that keeps an upload to read later, so that a file
    over the limits leaves nothing behind."""
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

# Parts whose presence makes calamine read the zip as something other than xlsx (it tries xlsx, then
# xlsb, then ods), with readers this module does not measure.
OTHER_FORMATS = {"mimetype": "ods", "content.xml": "ods", "xl/workbook.bin": "xlsb", "xl/_rels/workbook.bin.rels": "xlsb"}
OFFICE_DOCUMENT = "/relationships/officeDocument"


def _check_zipped_workbook(content: bytes, name: str, limits: Limits) -> None:
    """Refuse a workbook whose parts inflate past the limit, or whose sheets or shared strings reach past
    the limits. The parts measured are the ones calamine reads, found as calamine finds them: the folder
    of the workbook from ``_rels/.rels``, every sheet the workbook lists through its relationships, and
    the shared strings beside it; zip names compared as calamine compares them (backslash as slash, in
    any case)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise SpreadsheetError(DAMAGED.format(name=name, kind="xlsx", reason=exc)) from None
    if len(parts) > MAX_PARTS:
        raise SpreadsheetError(TOO_MANY_PARTS.format(name=name, parts=len(parts), limit=MAX_PARTS))
    if sum(part.file_size for part in parts) > limits.inflated_bytes:
        raise SpreadsheetError(INFLATED.format(name=name, limit=size_text(limits.inflated_bytes)))
    by_path = {part.filename.replace("\\", "/").lower(): part for part in parts}
    other = next((kind for path, kind in OTHER_FORMATS.items() if path in by_path), None)
    if other:
        raise SpreadsheetError(OTHER_FORMAT.format(name=name, kind=other))
    budget = _InflateBudget(name, limits.inflated_bytes)

    def part(path: str) -> zipfile.ZipInfo | None:
        return by_path.get(path.lower())

    def elements(path: str, local_name: str) -> list[dict[str, str]]:
        found = part(path)
        return _elements(content, found, name, budget, local_name) if found is not None else []

    folder = next(
        (
            _folder_of(rel["Target"])
            for rel in elements("_rels/.rels", "Relationship")
            if rel.get("Type", "").endswith(OFFICE_DOCUMENT) and "Target" in rel
        ),
        "xl/",
    )
    targets = {
        rel["Id"]: rel["Target"]
        for rel in elements(f"{folder}_rels/workbook.xml.rels", "Relationship")
        if "Id" in rel and "Target" in rel
    }
    sheets = []
    for sheet in elements(f"{folder}workbook.xml", "sheet"):
        target = next((targets.get(value) for key, value in sheet.items() if key.rpartition(":")[2] == "id"), None)
        if target is not None:
            sheets.append(target[1:] if target.startswith("/") else f"{folder}{target}")
    for path, strings in [*((sheet, False) for sheet in sheets), (f"{folder}sharedStrings.xml", True)]:
        found = part(path)
        if found is not None:
            _check_extent(_part_extent(content, found, name, limits, budget, strings=strings), name, limits)


def _folder_of(target: str) -> str:
    """``/xl/workbook.xml`` → ``xl/``, as calamine takes the workbook's folder from its relationship."""
    cut = target.rfind("/")
    return target[: cut + 1].removeprefix("/") if cut >= 0 else ""


class _InflateBudget:
    """What the parts inflate to, counted as they are inflated; refused past the limit."""

    def __init__(self, name: str, limit: int):
        self.name, self.limit, self.used = name, limit, 0

    def spend(self, size: int) -> None:
        self.used += size
        if self.used > self.limit:
            raise SpreadsheetError(INFLATED.format(name=self.name, limit=size_text(self.limit)))

    def refund(self, size: int) -> None:
        self.used -= size


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


def _reference(text: str) -> tuple[int, int] | None:
    """``XFD1048576`` → ``(1048576, 16384)`` (1-based row, column; column 0 when there are no letters),
    as calamine reads an ``r``; None where calamine would refuse it."""
    match = re.fullmatch(r"([A-Za-z]*)([0-9]+)", text)
    if match is None or int(match.group(2)) == 0:
        return None
    column = 0
    for letter in match.group(1).upper():
        column = column * 26 + ord(letter) - ord("A") + 1
    return int(match.group(2)), column


UNIQUE_COUNT = re.compile(rb"<(?:[\w.\-]+:)?sst\s[^>]*?\buniqueCount\s*=\s*[\"'](\d+)")
PREFIXED_ELEMENT = re.compile(rb":(?:c|si|row|sst)[\s/>]")
LAST_ROW = re.compile(rb'<row r="(\d{1,7})"')
WIDE_COLUMNS = re.compile(rb'<c r="([A-Z]{2,3})\d')
LETTERS = [letter.encode() for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"]


def _part_extent(
    content: bytes, part: zipfile.ZipInfo, name: str, limits: Limits, budget: _InflateBudget, *, strings: bool
) -> _Extent:
    """The cells of a sheet, or (``strings``) the shared strings.

    Spreadsheet programs write every cell as ``<c r="B7"`` inside rows written in order as
    ``<row r="7"``. For such a part the extent is found with a few searches per chunk: the rows reach
    the last ``<row r`` seen (each chunk checks that none of its cells lies below the last row it has
    seen so far), the columns the widest letters written. At the first cell written otherwise the
    part is walked instead, element by element as calamine reads it (``_walked_extent``).
    """
    shared_strings = strings
    rows = columns = cells = strings = 0
    spent = 0
    tail = b""
    for chunk in _inflated(content, part, name, budget):
        spent += len(chunk)
        window, seam = tail + chunk, tail
        tail = window[-OVERLAP:]
        if shared_strings:
            if (count := UNIQUE_COUNT.search(window)) and int(count.group(1)) > limits.cells:
                _check_extent(_Extent(strings=int(count.group(1))), name, limits)
            strings += _count_strings(window) - _count_strings(seam)
        if PREFIXED_ELEMENT.search(window) or (
            b"<c" in window and _misplaced(window, rows := max(rows, _last_row(window)), len(window) - OVERLAP)
        ):
            budget.refund(spent)  # the walk inflates the part again, from its start
            return _walked_extent(content, part, name, limits, budget)
        cells += window.count(b'<c r="') - seam.count(b'<c r="')
        columns = _widest_column(window, columns)
        if cells > limits.cells or strings > limits.cells:
            _check_extent(_Extent(rows, columns, cells, strings), name, limits)
    if _misplaced(tail, rows, len(tail)):
        budget.refund(spent)
        return _walked_extent(content, part, name, limits, budget)
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
    """A cell tag not written ``<c r="…"`` with one to three capitals and a row number up to ``rows``
    (the columns are read by ``_widest_column``: one search for both is slower than two)."""
    if rows == 0:
        return re.compile(rb"<c[\s/>]")
    return re.compile(f'<c(?! r="[A-Z]{{1,3}}{_numbers_up_to(rows)}")[\\s/>]'.encode())


def _widest_column(window: bytes, known: int) -> int:
    """The widest column written in ``window``, or ``known`` if none is wider."""
    wider = _columns_beyond(known).findall(window)
    return max([known] + [_reference(letters.decode() + "1")[1] for letters in set(wider)])


@functools.lru_cache(maxsize=32)
def _columns_beyond(known: int) -> re.Pattern:
    """Cell tags ``<c r="`` whose column letters may be beyond the ``known``-th column: single letters
    after it, and every two or three letters (few in the lists we read)."""
    if known >= 26:
        return WIDE_COLUMNS
    return re.compile(rb'<c r="([A-Z]{2,3}|[%s-Z])\d' % LETTERS[known])


def _count_strings(data: bytes) -> int:
    return data.count(b"<si>") + data.count(b"<si ") + data.count(b"<si/>")


def _parser(name: str) -> expat.XMLParserType:
    """An XML parser that refuses a document type declaration (the only way to define entities)."""
    parser = expat.ParserCreate()

    def refuse(*_args) -> None:
        raise SpreadsheetError(DAMAGED.format(name=name, kind="xlsx", reason="含有文档类型定义"))

    parser.StartDoctypeDeclHandler = refuse
    return parser


def _parse(content: bytes, part: zipfile.ZipInfo, name: str, budget: _InflateBudget, parser) -> None:
    try:
        for chunk in _inflated(content, part, name, budget):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise SpreadsheetError(DAMAGED.format(name=name, kind="xlsx", reason=f"{part.filename}：{exc}")) from None


def _elements(
    content: bytes, part: zipfile.ZipInfo, name: str, budget: _InflateBudget, local_name: str
) -> list[dict[str, str]]:
    """The attributes of every element of a (small) part with that local name, in order."""
    found: list[dict[str, str]] = []
    parser = _parser(name)

    def start(tag: str, attributes: dict[str, str]) -> None:
        if tag.rpartition(":")[2] == local_name and len(found) < MAX_PARTS:
            found.append(attributes)

    parser.StartElementHandler = start
    _parse(content, part, name, budget, parser)
    return found


class _Walk:
    """Where calamine places each cell of a sheet: at its ``r``, else after the previous cell of the
    row, the row being the one its ``<row r>`` names or the one after the previous row. An empty
    element counts as opened and closed (calamine reads them so), and every cell counts, with a
    value or without. Refused at the first limit passed."""

    def __init__(self, name: str, limits: Limits):
        self.name, self.limits = name, limits
        self.row_index = self.column_index = 0  # 0-based, as calamine counts
        self.rows = self.columns = self.cells = self.strings = 0

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        local = tag.rpartition(":")[2]
        if local == "c":
            row_index = self.row_index
            if "r" in attributes:
                row, column = self._position(attributes["r"])
                if column == 0:
                    self._refuse(attributes["r"])
                row_index, self.column_index = row - 1, column - 1
            self.cells += 1
            self.rows, self.columns = max(self.rows, row_index + 1), max(self.columns, self.column_index + 1)
            limits = self.limits
            if (self.rows > limits.rows or self.columns > limits.columns or self.cells > limits.cells
                    or self.rows * self.columns > limits.cells):
                _check_extent(_Extent(self.rows, self.columns, self.cells), self.name, limits)
        elif local == "row" and "r" in attributes:
            self.row_index = self._position(attributes["r"])[0] - 1
        elif local == "si":
            self.strings += 1
            if self.strings > self.limits.cells:
                _check_extent(_Extent(strings=self.strings), self.name, self.limits)
        elif local == "sst" and attributes.get("uniqueCount", "").isdigit():
            _check_extent(_Extent(strings=int(attributes["uniqueCount"])), self.name, self.limits)

    def end(self, tag: str) -> None:
        local = tag.rpartition(":")[2]
        if local == "row":
            self.row_index, self.column_index = self.row_index + 1, 0
        elif local == "c":
            self.column_index += 1

    def _position(self, text: str) -> tuple[int, int]:
        position = _reference(text)
        if position is None:
            self._refuse(text)
        return position

    def _refuse(self, text: str) -> None:
        raise SpreadsheetError(DAMAGED.format(name=self.name, kind="xlsx", reason=f"单元格位置“{text[:20]}”无效"))


def _walked_extent(
    content: bytes, part: zipfile.ZipInfo, name: str, limits: Limits, budget: _InflateBudget
) -> _Extent:
    walk = _Walk(name, limits)
    parser = _parser(name)
    parser.StartElementHandler, parser.EndElementHandler = walk.start, walk.end
    _parse(content, part, name, budget, parser)
    return _Extent(walk.rows, walk.columns, walk.cells, walk.strings)


# xls -----------------------------------------------------------------------------------------------

# BIFF records that put one value at (row, column) in their first four bytes, as calamine reads them
# (a BLANK or MULBLANK holds no value and calamine skips it).
ONE_CELL_RECORDS = frozenset({0x0006, 0x00D6, 0x00FD, 0x0203, 0x0204, 0x0205, 0x027E})
MULRK_RECORD = 0x00BD  # row, first column, …, last column
FORMULA_STRING_RECORD = 0x0207  # the value of the formula before it, at its place
DIMENSIONS_RECORD = 0x0200
BOUNDSHEET_RECORD = 0x0085
BOF_RECORD, EOF_RECORD = 0x0809, 0x000A
U32 = 0xFFFFFFFF


def _check_binary_workbook(content: bytes, name: str, limits: Limits) -> None:
    """Refuse an xls any sheet of which declares, or holds values, past the limits. calamine reads every
    sheet when it opens the file, each from the offset its BOUNDSHEET record gives."""
    stream = _workbook_stream(content, name)
    for kind, body, _length in _records(stream, 0):
        if kind == BOUNDSHEET_RECORD and body + 4 <= len(stream):
            (offset,) = struct.unpack_from("<I", stream, body)
            _check_extent(_sheet_extent(stream, offset, name, limits), name, limits)
        elif kind == EOF_RECORD:
            break


def _records(stream: bytes, offset: int) -> Iterator[tuple[int, int, int]]:
    """``(kind, body offset, length)`` of each record from ``offset`` on, as long as they are whole."""
    size = len(stream)
    while offset + 4 <= size:
        kind, length = struct.unpack_from("<HH", stream, offset)
        if offset + 4 + length > size:
            return
        yield kind, offset + 4, length
        offset += 4 + length


def _sheet_extent(stream: bytes, offset: int, name: str, limits: Limits) -> _Extent:
    """One sheet's values, as calamine reads them: from its BOF to its EOF, skipping the substreams
    (embedded charts) nested inside it."""
    rows = columns = cells = 0
    unpack = struct.unpack_from
    sheet_started, nested = False, 0
    for kind, body, length in _records(stream, offset):
        if nested:
            nested += {BOF_RECORD: 1, EOF_RECORD: -1}.get(kind, 0)
            continue
        if kind in ONE_CELL_RECORDS and length >= 4:
            row, column = unpack("<HH", stream, body)
            rows, columns, cells = max(rows, row + 1), max(columns, column + 1), cells + 1
        elif kind == MULRK_RECORD and length >= 6:
            row, first = unpack("<HH", stream, body)
            (last,) = unpack("<H", stream, body + length - 2)
            rows, columns, cells = max(rows, row + 1), max(columns, last + 1), cells + max(0, last - first + 1)
        elif kind == FORMULA_STRING_RECORD:
            cells += 1
        elif kind == DIMENSIONS_RECORD:
            # calamine reserves room for the declared area before it reads a value
            _check_extent(_Extent(*_xls_dimensions(stream[body : body + length])), name, limits)
        elif kind == BOF_RECORD:
            nested, sheet_started = (nested + 1 if sheet_started else nested), True
        elif kind == EOF_RECORD:
            break
        if cells > limits.cells:
            _check_extent(_Extent(rows, columns, cells), name, limits)
    return _Extent(rows, columns, cells)


def _xls_dimensions(body: bytes) -> tuple[int, int]:
    """The rows and columns a DIMENSIONS record makes calamine reserve, in its unsigned 32-bit arithmetic."""
    if len(body) == 14:
        first_row, last_row, first_column, last_column = struct.unpack("<IIHH", body[:12])
    elif len(body) == 10:
        first_row, last_row, first_column, last_column = struct.unpack("<HHHH", body[:8])
    else:
        return 0, 0  # calamine refuses the file
    if first_column > 0xFF or last_column < first_column:
        first_column = 0
    if last_row >= 1 and last_column >= 1:
        end_row, end_column = last_row - 1, last_column - 1
    else:
        end_row, end_column = first_row, first_column
    rows = ((end_row - first_row) & U32) + 1
    columns = ((end_column - first_column) & U32) + 1
    return rows & U32, columns & U32


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
