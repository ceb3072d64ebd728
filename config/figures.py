"""Figures the reports share."""

from dataclasses import dataclass, field
from decimal import Decimal


ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def money(value) -> Decimal:
    """An amount read from an aggregate, in yuan and fen (none: zero).

    SQLite sums in floating point; rounding to the fen makes its sums exact again."""
    return ZERO if value is None else value.quantize(CENT)


def ratio(part, whole) -> Decimal | None:
    """``part / whole`` to four decimals, or None when there is nothing to divide by."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"))


@dataclass(frozen=True)
class Column:
    """A column of a township table: its key in each row's ``values``, its heading, and how its figures read
    (``count``: whole numbers; ``money``: yuan to the cent; ``rate``: a ratio shown as a percentage), and the
    URL name of the list a count opens (asked with ``?area=<township>&day=``), if any."""

    key: str
    label: str
    kind: str = "count"
    link: str = ""


@dataclass
class TownshipRow:
    code: str  # the township's code, or "all" for the total
    name: str
    values: dict = field(default_factory=dict)


@dataclass
class TownshipTable:
    """Figures by township with their total, as the statistics page, the workbook and the commands show them.
    Counts and money of the total are the sums of the townships'; rates are worked out by whoever builds the
    table, since a rate of a total is not the sum of rates."""

    title: str
    columns: list[Column]
    rows: list[TownshipRow]
    total: TownshipRow

    def lines(self) -> list[tuple[TownshipRow, list[tuple[Column, object]]]]:
        """Each township and then the total, with its (column, value) cells in the columns' order."""
        return [(row, [(column, row.values.get(column.key)) for column in self.columns])
                for row in [*self.rows, self.total]]

    def as_json(self) -> dict:
        """The table as the commands' ``--json`` prints it: title, columns, each township's row and the total."""
        def row(item):
            return {"code": item.code, "name": item.name, **item.values}

        return {"title": self.title,
                "columns": [{"key": c.key, "label": c.label, "kind": c.kind} for c in self.columns],
                "townships": [row(item) for item in self.rows], "total": row(self.total)}


def by_township(rows, field: str, **aggregates) -> dict[str, dict]:
    """``aggregates`` of ``rows`` grouped by the township of the region code at ``field`` (its first nine digits),
    in one query: township code → the aggregates."""
    from django.db.models.functions import Left

    return {row.pop("township"): row for row in rows.annotate(township=Left(field, 9)).values("township")
            .annotate(**aggregates).order_by()}


def townships_seen(user, prefix: str) -> list[tuple[str, str]]:
    """(code, name) of the townships a table of the area ``prefix`` shows to ``user``: those of the area, within
    the user's own (a township's user asking for the county sees their township only)."""
    from regions.codes import Level
    from regions.models import Region

    seen = prefix if prefix.startswith(user.area_prefix) else user.area_prefix
    return list(Region.objects.filter(level=Level.TOWNSHIP, code__startswith=seen[:9]).values_list("code", "name"))
