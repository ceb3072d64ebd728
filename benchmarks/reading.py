"""What measuring a file before it is parsed costs: ``.venv/bin/python benchmarks/reading.py``.

Builds a 100,000-row, 8-column xlsx list of the shape ``benchmarks/reconcile.py`` uses (every cell with
its position, as spreadsheet programs write them) and times, best of five, taking turns: python-calamine
alone turning the sheet into Python values, and ``spreadsheets.formats.check_file`` (the bounded
reader's check, which every import runs before calamine). Then the time each hostile file of
``tests/hostile_files.py`` takes to be refused under the default limits. Leaves out: the rest of an
import (header detection, the registry, the comparison), which ``benchmarks/reconcile.py`` measures.
"""

from __future__ import annotations

import io
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5


def roster(rows: int) -> bytes:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("名单")
    sheet.append(["酉阳县 2024-05 城乡困难群众名单"])
    sheet.append(["序号", "姓名", "身份证号", "人员类别", "行政区划代码", "户主身份证号", "与户主关系", "联系电话"])
    for index in range(rows):
        number = f"50024219{index:010d}"
        sheet.append([index + 1, "张小明", number, "农村低保", f"500242100{200 + index % 10}", number, "本人",
                      "13800000000"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def main() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from python_calamine import CalamineWorkbook

    from spreadsheets.errors import SpreadsheetError
    from spreadsheets.formats import check_file
    from spreadsheets.limits import Limits
    from tests import hostile_files

    limits = Limits.from_settings()
    content = roster(100_000)
    read_times, check_times = [], []
    for _ in range(RUNS):  # taking turns, so that a shared machine's load weighs on both alike
        read_times.append(_timed(
            lambda: CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python(
                skip_empty_area=False)))
        check_times.append(_timed(lambda: check_file(content, "名单.xlsx", limits)))
    read, check = min(read_times), min(check_times)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"{time.strftime('%Y-%m-%d')}, {platform.machine()}, {os.cpu_count()} CPUs, "
          f"CPython {platform.python_version()}, load average {load}")
    print(f"100,000 rows × 8 columns ({len(content) / 1e6:.1f} MB): calamine read {read:.2f} s, "
          f"check {check:.2f} s, check ÷ read {check / read:.2f}")
    for name, make, _message in hostile_files.SPREADSHEETS:
        data = make()
        started = time.perf_counter()
        try:
            check_file(data, name, limits)
            verdict = "accepted"
        except SpreadsheetError:
            verdict = "refused"
        print(f"{name} ({len(data) / 1e6:.1f} MB): {verdict} in {time.perf_counter() - started:.3f} s")


def _timed(run) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
