"""The one reader of the files we are given: what it refuses, with which message, and that it still reads
every file a spreadsheet program writes, the way python-calamine reads it."""

from __future__ import annotations

import codecs
import io
import zipfile

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from spreadsheets import formats
from spreadsheets.errors import SpreadsheetError
from spreadsheets.limits import Limits
from spreadsheets.reading import read_table
from tests import hostile_files as hostile

LIMITS = Limits(
    file_bytes=64 << 20, inflated_bytes=512 << 20, rows=1_048_576, columns=256, cells=12_000_000, json_depth=64
)


def refusal(content: bytes, name: str, limits: Limits = LIMITS) -> str:
    with pytest.raises(SpreadsheetError) as info:
        formats.sheet_rows(content, name, limits)
    return str(info.value)


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [case for case in hostile.SPREADSHEETS if case[0] != "headers.xlsx"]  # a header alone is read_table's to refuse
    + [
        ("blank.csv", lambda: b" \r\n", "是空的"),
        ("broken.xlsx", lambda: b"PK\x03\x04" + b"\x00" * 40, "文件已损坏或不是有效的 xlsx 文件"),
        ("web.xls", lambda: hostile.HTML_AS_XLS, "看起来是网页（HTML）文件"),
    ],
)
def test_hostile_and_wrong_files_are_refused_with_a_message_naming_the_limit(name, make, message):
    text = refusal(make(), name)
    assert message in text and f"“{name}”" in text


def test_refusal_of_the_bombs_costs_little_memory_and_little_time():
    # the honest bomb is refused from its headers, the lying one after inflating only up to the limit
    import time
    import tracemalloc

    bomb = hostile.zip_bomb_xlsx(honest=False)
    limits = Limits(**{**LIMITS.__dict__, "inflated_bytes": 64 << 20})
    started = time.process_time()
    refusal(bomb, "liar.xlsx", limits)
    assert time.process_time() - started < 2
    tracemalloc.start()  # (tracing slows the reading: the time is taken without it)
    try:
        refusal(bomb, "liar.xlsx", limits)
        assert tracemalloc.get_traced_memory()[1] < 16 << 20  # chunks, never the sheet
    finally:
        tracemalloc.stop()


def test_a_file_over_the_size_limit_is_refused_before_it_is_parsed():
    text = refusal(b"a" * 2048, "list.csv", Limits(**{**LIMITS.__dict__, "file_bytes": 1024}))
    assert "有 2 KB，超过上限 1 KB" in text


def test_rows_columns_and_cells_limits_apply_to_every_format():
    limits = Limits(**{**LIMITS.__dict__, "rows": 3, "columns": 4, "cells": 10})
    wide = [[f"c{index}" for index in range(5)]]
    assert "5 列，超过上限 4 列" in refusal(hostile.workbook(wide), "wide.xlsx", limits)
    assert "超过上限 4 列" in refusal(",".join(wide[0]).encode(), "wide.csv", limits)
    tall = [["a"]] * 4
    assert "4 行，超过上限 3 行" in refusal(hostile.workbook(tall), "tall.xlsx", limits)
    assert "4 行，超过上限 3 行" in refusal(b"a\n" * 4, "tall.csv", limits)
    assert "3 行 × 4 列，超过上限 10 个" in refusal(hostile.workbook([["a"]] * 2 + [["x"] * 4]), "area.xlsx", limits)


def calamine_rows(content: bytes) -> list[list]:
    return CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python(skip_empty_area=False)


def rewritten_sheet(content: bytes, change) -> bytes:
    """The workbook with its sheet's XML passed through ``change``, as another program might write it."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = change(data)
            target.writestr(item.filename, data)
    return out.getvalue()


def streamed_workbook(rows: list[list]) -> bytes:
    """openpyxl's write-only mode writes no <dimension>, as many streaming writers do."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("名单")
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


ROWS = [["2024年5月名单"], ["身份证号", "姓名"] + [f"列{n}" for n in range(3, 31)]] + [
    [f"50024219600504{n:04d}", f"人{n}"] + [n] * 28 for n in range(300)
]


@pytest.mark.parametrize(
    "content",
    [
        hostile.workbook(ROWS),
        streamed_workbook(ROWS),
        # attributes in another order, and cells without a position: walked tag by tag
        rewritten_sheet(hostile.workbook(ROWS), lambda xml: xml.replace(b'<c r="', b'<c s="0" r="')),
        rewritten_sheet(hostile.workbook(ROWS), lambda xml: xml.replace(b' r="B', b' x="B')),
        # a namespace prefix on every element
        rewritten_sheet(
            hostile.workbook(ROWS),
            lambda xml: xml.replace(b"<", b"<x:").replace(b"<x:/", b"</x:").replace(b"<x:?", b"<?")
            .replace(b'xmlns="', b'xmlns:x="'),
        ),
    ],
    ids=["openpyxl", "streamed", "reordered", "positionless", "prefixed"],
)
def test_every_way_a_program_writes_a_sheet_is_read_as_calamine_reads_it(content):
    assert formats.sheet_rows(content, "list.xlsx", LIMITS) == calamine_rows(content)
    tight = Limits(**{**LIMITS.__dict__, "rows": 301, "columns": 30})
    with pytest.raises(SpreadsheetError):  # one row and one column beyond these
        formats.sheet_rows(content, "list.xlsx", Limits(**{**tight.__dict__, "rows": 300}))
    with pytest.raises(SpreadsheetError):
        formats.sheet_rows(content, "list.xlsx", Limits(**{**tight.__dict__, "columns": 29}))
    assert len(formats.sheet_rows(content, "list.xlsx", Limits(**{**tight.__dict__, "rows": 302}))) == 302


def test_a_cell_placed_outside_the_rows_written_is_found():
    content = rewritten_sheet(
        hostile.workbook(ROWS), lambda xml: xml.replace(b'<c r="B5"', b'<c r="B900000"', 1)
    )
    limits = Limits(**{**LIMITS.__dict__, "cells": 20_000_000})
    assert "900,000 行 × 30 列" in refusal(content, "list.xlsx", Limits(**{**limits.__dict__, "cells": 1_000_000}))


def test_positionless_cells_counted_on_past_the_columns_limit_are_refused():
    many = b"".join(b'<c t="inlineStr"><is><t>x</t></is></c>' for _ in range(300))
    content = rewritten_sheet(hostile.workbook([["a"]]), lambda xml: xml.replace(b"</row>", many + b"</row>", 1))
    assert "257 列，超过上限 256 列" in refusal(content, "list.xlsx")  # refused at the first one past


def test_the_xls_the_offices_send_is_read():
    rows = formats.sheet_rows(hostile.XLS_SAMPLE.read_bytes(), "list.xls", LIMITS)
    assert rows == calamine_rows(hostile.XLS_SAMPLE.read_bytes())


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("身份证号,姓名\r\n1,张三\r\n".encode("utf-8-sig"), [["身份证号", "姓名"], ["1", "张三"]]),
        ("身份证号,姓名\n1,张三\n".encode("gbk"), [["身份证号", "姓名"], ["1", "张三"]]),
        # Excel's "Unicode text": UTF-16 with tabs
        (codecs.BOM_UTF16_LE + "身份证号\t姓名\n1\t张三\n".encode("utf-16-le"), [["身份证号", "姓名"], ["1", "张三"]]),
    ],
    ids=["utf-8", "gbk", "utf-16-tabs"],
)
def test_csv_in_the_encodings_offices_use(content, expected):
    assert formats.sheet_rows(content, "list.csv", LIMITS) == expected


def test_a_header_without_data_rows_is_refused():
    with pytest.raises(SpreadsheetError) as info:
        read_table(hostile.headers_only_xlsx(), "名单.xlsx", {"id": ("身份证号",)}, required=["id"])
    assert str(info.value) == "文件“名单.xlsx”在表头（第 1 行）之下没有数据行。"


def test_each_sheet_is_measured_on_its_own():
    # a tall list and a wide note sheet beside it: neither spans more than the area limit
    book = openpyxl.Workbook()
    book.active.append(["身份证号"])
    for number in range(99):
        book.active.append([str(number)])
    book.create_sheet("说明").append([f"说明{n}" for n in range(100)])
    buffer = io.BytesIO()
    book.save(buffer)
    limits = Limits(**{**LIMITS.__dict__, "cells": 1000})
    assert len(formats.sheet_rows(buffer.getvalue(), "list.xlsx", limits)) == 100



# --- crafted files and the reader against calamine itself ----------------------------------------

TIGHT = Limits(**{**LIMITS.__dict__, "rows": 10, "columns": 10, "cells": 100})


@pytest.mark.parametrize(
    ("make", "name", "message"),
    [
        (lambda: hostile.minimal_xlsx(b'<row r="1"><c r="A1"><v>1</v></c></row><row r="50"/><row><c><v>2</v></c></row>'),
         "empty-row.xlsx", "51 行，超过上限 10 行"),
        (lambda: hostile.minimal_xlsx(b'<row r="1"><c r="A1"><v>1</v></c><c r="Z1"/><c><v>2</v></c></row>'),
         "empty-cell.xlsx", "列，超过上限 10 列"),
        (lambda: hostile.minimal_xlsx(hostile.ONE_STRING_CELL, {"xl/SharedStrings.xml": hostile.SHARED_STRINGS % 5000}),
         "case.xlsx", "共享文本有 5,000 条"),
        (lambda: hostile.minimal_xlsx(hostile.ONE_STRING_CELL, {
            "xl/sharedStrings.xml": b'<?xml version="1.0"?>' + b" " * (2 << 20) + hostile.SHARED_STRINGS % 5000}),
         "late-count.xlsx", "共享文本有 5,000 条"),
        (lambda: hostile.minimal_xlsx(hostile.ONE_STRING_CELL, {
            "xl/sharedStrings.xml": b'<sst xmlns="x">' + b"<si/>" * 200 + b"</sst>"}),
         "empty-strings.xlsx", "共享文本有 200 条"),
        (lambda: hostile.minimal_xlsx(b'<row r="1"><c r="A1"><v>1</v></c></row>' + b"<c " * 7000 + b"'"),
         "slow.xlsx", "文件已损坏或不是有效的 xlsx 文件"),
        (hostile.ods_as_xlsx, "ods.xlsx", "是 ods 格式，不是 xlsx"),
        (hostile.wrapped_dimensions_xls, "wrapped.xls", "4,294,967,246 行"),
        (hostile.hidden_sheet_xls, "hidden.xls", "60,001 行"),
    ],
)
def test_files_crafted_against_the_reader_are_refused_quickly(make, name, message):
    import time

    started = time.process_time()
    assert message in refusal(make(), name, TIGHT)
    assert time.process_time() - started < 2


def test_a_sheet_without_positions_is_walked_within_bounded_memory():
    # cells without ``r`` send the sheet to the element-by-element walk, the slow path
    import tracemalloc

    bomb = hostile.zip_bomb_xlsx(honest=False, positions=False)
    tracemalloc.start()
    try:
        assert "解压后超过 8 MB" in refusal(bomb, "walk.xlsx", Limits(**{**LIMITS.__dict__, "inflated_bytes": 8 << 20}))
        assert tracemalloc.get_traced_memory()[1] < 16 << 20
    finally:
        tracemalloc.stop()


@st.composite
def sheets(draw):
    """Sheet XML of every shape calamine places cells by: rows with or without ``r``, empty or not;
    cells with or without ``r``, with a value, without one, or self-closing; prefixed or not."""
    prefix = draw(st.sampled_from(["", "x:"]))
    xml = []
    for _ in range(draw(st.integers(0, 6))):
        row = draw(st.one_of(st.none(), st.integers(1, 30)))
        opening = f"<{prefix}row" + (f' r="{row}"' if row else "")
        cells = []
        for _ in range(draw(st.integers(0, 5))):
            position = draw(st.one_of(st.none(), st.tuples(st.integers(1, 30), st.integers(1, 30))))
            attribute = f' r="{formats_column(position[0])}{position[1]}"' if position else ""
            form = draw(st.sampled_from(["value", "valueless", "self-closing"]))
            if form == "value":
                cells.append(f"<{prefix}c{attribute}><{prefix}v>1</{prefix}v></{prefix}c>")
            elif form == "valueless":
                cells.append(f"<{prefix}c{attribute}></{prefix}c>")
            else:
                cells.append(f"<{prefix}c{attribute}/>")
        xml.append(f"{opening}>{''.join(cells)}</{prefix}row>" if cells or draw(st.booleans()) else f"{opening}/>")
    return "".join(xml).encode(), prefix


def formats_column(number: int) -> str:
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


@given(sheets())
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_the_reader_never_finds_a_sheet_smaller_than_calamine_does(sheet):
    data, prefix = sheet
    open_tag = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    content = hostile.minimal_xlsx(data, open_tag=open_tag)
    shape = calamine_rows(content)
    height, width = len(shape), max((len(row) for row in shape), default=0)
    if height:
        with pytest.raises(SpreadsheetError):
            formats.sheet_rows(content, "s.xlsx", Limits(**{**LIMITS.__dict__, "rows": height - 1}))
    if width:
        with pytest.raises(SpreadsheetError):
            formats.sheet_rows(content, "s.xlsx", Limits(**{**LIMITS.__dict__, "columns": width - 1}))
    assert formats.sheet_rows(content, "s.xlsx", LIMITS) == shape
