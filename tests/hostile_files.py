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


def zip_bomb_xlsx(inflated: int = 3_300_000_000, *, honest: bool = True) -> bytes:
    """An xlsx whose sheet inflates to ``inflated`` bytes of repeated rows (the reported 9.3 MB file:
    3.3 GB). ``honest``: its headers say so; otherwise they claim a 1 MB sheet."""
    row = b'<row><c t="inlineStr"><is><t>500242196005040016</t></is></c><c t="inlineStr"><is><t>x</t></is></c></row>'
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
