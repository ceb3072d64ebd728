"""Files an attacker or a careless user might hand the product, built in memory in a moment.

Each is what a real one would be to the reader: the zip bombs carry a deflate stream that really
inflates to gigabytes (one compressed chunk repeated after a full flush, which is how such files are
made), the far cell really sits at XFD1048576.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from pathlib import Path

import openpyxl

ROSTER_HEADER = ["身份证号", "姓名", "类别", "行政区划代码"]
XLS_SAMPLE = Path(__file__).resolve().parent / "rosters" / "files" / "civil_affairs_may.xls"


def workbook(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def far_cell_xlsx(header: list[str] = ROSTER_HEADER) -> bytes:
    """The header and one cell at XFD1048576: about 2 KB that ask calamine for 512 GB."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    sheet["XFD1048576"] = "x"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _parts_of(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _zip(entries: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip of (name, deflated bytes, declared inflated size, crc) entries, written by hand so that the
    declared sizes can be whatever the attacker likes."""
    out = io.BytesIO()
    central = []
    for name, data, size, crc in entries:
        offset = out.tell()
        encoded = name.encode()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(data), size, len(encoded), 0))
        out.write(encoded)
        out.write(data)
        central.append(
            struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(data), size,
                        len(encoded), 0, 0, 0, 0, 0, offset) + encoded
        )
    start = out.tell()
    for record in central:
        out.write(record)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), out.tell() - start, start, 0))
    return out.getvalue()


def _deflated(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


def zip_bomb_xlsx(inflated: int = 3_300_000_000, *, honest: bool = True, positions: bool = True) -> bytes:
    """An xlsx whose sheet inflates to ``inflated`` bytes of one row repeated (the reported 9.3 MB file:
    3.3 GB). ``honest``: its headers say so; otherwise they claim a 1 MB sheet. Without ``positions``
    its cells carry no ``r``, which makes the reader walk the sheet element by element."""
    cell = b'<c r="A1" t="inlineStr">' if positions else b'<c t="inlineStr">'
    row = (b'<row r="1">' if positions else b"<row>") + cell + b"<is><t>500242196005040016</t></is></c></row>"
    chunk = row * ((1 << 20) // len(row))
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    repeated = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)  # the same bytes each time
    head = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    opening = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    stream = opening.compress(head) + opening.flush(zlib.Z_FULL_FLUSH)
    count = max(1, (inflated - len(head)) // len(chunk))
    stream += repeated * count + zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS).flush()
    size = len(head) + count * len(chunk)
    parts = _parts_of(workbook([["身份证号", "姓名"]]))
    entries = [
        (name, _deflated(data), len(data), zlib.crc32(data))
        for name, data in parts.items()
        if name != "xl/worksheets/sheet1.xml"
    ]
    # The CRC is left 0: the reader must refuse before anything would check it.
    entries.append(("xl/worksheets/sheet1.xml", stream, size if honest else 1 << 20, 0))
    return _zip(entries)


def shared_strings_bomb_xlsx() -> bytes:
    """A tiny xlsx whose shared strings declare four billion entries (calamine reserves room for them)."""
    parts = _parts_of(workbook([["身份证号", "姓名"], ["500242196005040016", "张三"]]))
    parts["xl/sharedStrings.xml"] = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="4000000000" '
        b'uniqueCount="4000000000"><si><t>x</t></si></sst>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def huge_dimensions_xls() -> bytes:
    """A real xls whose DIMENSIONS record declares four billion rows (calamine reserves rows × columns)."""
    content = bytearray(XLS_SAMPLE.read_bytes())
    found = [match.start() for match in re.finditer(rb"\x00\x02\x0e\x00", content)]
    assert found, "the sample xls has no BIFF8 DIMENSIONS record"
    for start in found:
        struct.pack_into("<I", content, start + 8, 0xFFFFFFF0)  # the last row, after first row (4 bytes)
    return bytes(content)


def many_rows_csv(rows: int = 2_000_000) -> bytes:
    """A list of two million rows (more than a sheet can hold), kept small per row."""
    return "身份证号,姓名\n".encode() + b"1,a\n" * rows


def mixed_encoding_csv() -> bytes:
    """Two lists pasted together: a UTF-8 header and first row, then rows saved in GBK."""
    head = "身份证号,姓名,类别,行政区划代码\n500242196005040016,张三,农村低保,500242100201\n".encode()
    return head + "500242196005040032,李四,农村低保,500242100201\n".encode("gbk")


def headers_only_xlsx(header: list[str] = ROSTER_HEADER) -> bytes:
    return workbook([header])


def nested_json(depth: int = 100_000) -> bytes:
    return b"[" * depth + b"]" * depth


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n"
HTML_AS_XLS = "<html><body><table><tr><td>身份证号</td><td>姓名</td></tr></table></body></html>".encode()
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")


# --- crafted to slip past a reader that does not read exactly as calamine does -------------------

CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/'
    b'2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
    b'+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>'
)
PACKAGE_RELS = (
    b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    b'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    b'<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    b'<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    b'Target="%s"/></Relationships>'
)


def minimal_xlsx(sheet_data: bytes, extra: dict[str, bytes] | None = None, sheet_path: str = "worksheets/sheet1.xml",
                 open_tag: bytes = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                 ) -> bytes:
    """The smallest xlsx calamine reads: one sheet holding ``sheet_data`` inside ``<sheetData>``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", PACKAGE_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS % sheet_path.encode())
        close = b"</" + open_tag[1:].split(b" ")[0].split(b">")[0] + b">"
        sheet = open_tag + b"<sheetData>" + sheet_data + b"</sheetData>" + close
        archive.writestr("xl/" + sheet_path, b'<?xml version="1.0"?>' + sheet)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


SHARED_STRINGS = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" uniqueCount="%d"><si><t>x</t></si></sst>'
ONE_STRING_CELL = b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>'


def ods_as_xlsx() -> bytes:
    """An OpenDocument spreadsheet named .xlsx: calamine reads it too, repeating cells as it says."""
    content = (
        b'<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        b' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:'
        b'xmlns:text:1.0"><office:body><office:spreadsheet><table:table table:name="S"><table:table-row '
        b'table:number-rows-repeated="200"><table:table-cell table:number-columns-repeated="50" '
        b'office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row></table:table>'
        b"</office:spreadsheet></office:body></office:document-content>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", b"application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _xls_records(stream: bytes) -> list[tuple[int, int, int]]:
    records, offset = [], 0
    while offset + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, offset)
        records.append((offset, kind, length))
        offset += 4 + length
    return records


def _xls_patched(changes) -> bytes:
    """The sample xls with its workbook stream changed in place by ``changes(stream, patch)``, where
    ``patch(stream offset, bytes)`` writes into the file where that part of the stream lies."""
    from spreadsheets.formats import _workbook_stream

    content = bytearray(XLS_SAMPLE.read_bytes())
    stream = _workbook_stream(bytes(content), "sample.xls")

    def patch(offset: int, new: bytes) -> None:
        context = stream[offset - 8 : offset + 24]
        found = content.find(context)
        assert found >= 0 and content.find(context, found + 1) < 0, "the stream's bytes are not where expected"
        content[found + 8 : found + 8 + len(new)] = new

    changes(stream, patch)
    return bytes(content)


def wrapped_dimensions_xls() -> bytes:
    """DIMENSIONS with the last row before the first: in calamine's unsigned arithmetic, four billion rows."""
    def changes(stream, patch):
        for offset, kind, length in _xls_records(stream):
            if kind == 0x0200 and length == 14:
                patch(offset + 4, struct.pack("<II", 100, 50))

    return _xls_patched(changes)


def hidden_sheet_xls(row: int = 60000, column: int = 200) -> bytes:
    """The first sheet's BOUNDSHEET pointing into the body of the WRITEACCESS record (the author's name),
    where a value at (row, column) and an EOF are hidden: calamine reads the sheet from there, a walk of
    the stream from its start never does."""
    def changes(stream, patch):
        records = _xls_records(stream)
        offset, _kind, length = next(record for record in records if record[1] == 0x005C)
        hidden = struct.pack("<HHHHHd", 0x0203, 14, row, column, 0, 7.0) + struct.pack("<HH", 0x000A, 0)
        assert len(hidden) <= length
        patch(offset + 4, hidden)
        boundsheet = next(record for record in records if record[1] == 0x0085)
        patch(boundsheet[0] + 4, struct.pack("<I", offset + 4))

    return _xls_patched(changes)


# One header naming what every importer requires, so that a list without data rows meets each of them.
EVERY_HEADER = [
    "身份证号", "姓名", "类别", "行政区划代码", "就诊类型", "医疗机构", "总费用", "政策范围内费用", "险种", "参保状态", "名称",
]

SPREADSHEETS = [
    ("far.xlsx", lambda: far_cell_xlsx(EVERY_HEADER), "的表格有 16,384 列，超过上限 256 列"),
    ("bomb.xlsx", zip_bomb_xlsx, "解压后超过 512 MB（上限）"),
    ("liar.xlsx", lambda: zip_bomb_xlsx(honest=False), "解压后超过 512 MB（上限）"),
    ("strings.xlsx", shared_strings_bomb_xlsx, "超过上限 12,000,000 条"),
    ("dims.xls", huge_dimensions_xls, "的表格有 4,294,967,280 行，超过上限 1,048,576 行"),
    ("rows.csv", many_rows_csv, "的表格有 2,000,001 行，超过上限 1,048,576 行"),
    ("picture.xlsx", lambda: PNG, "不是 Excel 或 CSV 表格（看起来是二进制文件"),
    ("scan.csv", lambda: PDF, "看起来是 PDF 文件"),
    ("list.pdf", lambda: PDF, "的格式不受支持"),
    ("empty.xlsx", lambda: b"", "是空的"),
    ("headers.xlsx", lambda: headers_only_xlsx(EVERY_HEADER), "在表头（第 1 行）之下没有数据行"),
    ("mixed.csv", mixed_encoding_csv, "混用了两种编码"),
]


# The claims import and admin pages' file field refuses an empty upload itself, in its own words.
PAGE_MESSAGES = {"empty.xlsx": "所提交的是空文件"}
