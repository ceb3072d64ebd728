"""How large a file we are given may be, read from settings when a file is read (never at import time).

Every limit is a setting (config/settings.py, each from the environment) so that a county with a
larger list can raise it; the defaults keep a refused file's cost to a fraction of a second and a
few megabytes, and an accepted one's well under a gigabyte.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Limits:
    file_bytes: int  # the file as uploaded or given to a command
    inflated_bytes: int  # an xlsx's parts once unzipped, all together
    rows: int  # rows of a sheet, as far down as its last cell
    columns: int  # columns of a sheet, as far right as its last cell
    cells: int  # rows × columns of the area a sheet spans, and the cells and shared strings it holds
    json_depth: int  # nesting of arrays and objects in a JSON document

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            file_bytes=settings.UPLOAD_MAX_BYTES,
            inflated_bytes=settings.SPREADSHEET_MAX_INFLATED_BYTES,
            rows=settings.SPREADSHEET_MAX_ROWS,
            columns=settings.SPREADSHEET_MAX_COLUMNS,
            cells=settings.SPREADSHEET_MAX_CELLS,
            json_depth=settings.JSON_MAX_DEPTH,
        )


def size_text(size: int) -> str:
    """``64 MB``, ``1.5 MB``, ``900 KB``: sizes as a clerk reads them."""
    if size >= 1024 * 1024:
        megabytes = size / (1024 * 1024)
        text = f"{megabytes:.0f}" if megabytes >= 10 else f"{megabytes:.1f}".removesuffix(".0")
        return f"{text} MB"
    return f"{max(1, round(size / 1024))} KB"
