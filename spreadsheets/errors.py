"""What can go wrong with a file we are given: the whole file, or one cell of it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RowError:
    """A cell that could not be used: the file's own row number, the column's header, what was expected."""

    row: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


class SpreadsheetError(ValueError):
    """The file as a whole cannot be read (format, encoding, size, missing columns); the message says why."""
