"""Set-based writes for the bulk paths (a county's first roster is a hundred thousand people at once).

Rows go in as tuples through one prepared statement (SQLite's ``executemany``, psycopg2's
``execute_values``), not as model objects through ``bulk_create``: building and converting a model object
per row, and SQLite's 999-parameter statements, cost more than the database's own work. Their history
rows are copied from the rows themselves inside the database, one statement per chunk of keys, so a
history row says exactly what was written.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from itertools import islice

from django.db import connections, router
from django.db.models import Model
from django.utils import timezone

# Columns whose Python values the database drivers do not take as they are.
CONVERTED = frozenset({"DateField", "DateTimeField", "DecimalField", "JSONField"})
PAGE = 5000  # rows per INSERT statement on PostgreSQL
KEYS = 900  # keys per history copy (within SQLite's parameter limit)


def _connection(model: type[Model]):
    return connections[router.db_for_write(model)]


def _converter(field, connection):
    """How a Python value of this field becomes what the driver takes, or None when it takes it as it is."""
    kind = field.get_internal_type()
    if kind not in CONVERTED:
        return None
    if kind == "JSONField" and field.encoder is None:
        # Text, which both databases cast to their JSON type; Django's own path costs several calls a value.
        return lambda value: None if value is None else json.dumps(value, ensure_ascii=False)
    return lambda value: field.get_db_prep_save(value, connection)


def insert_rows(
    model: type[Model], columns: Sequence[str], rows: Iterable[Sequence], *, returning: Sequence[str] = ()
) -> list[tuple]:
    """Insert ``rows`` (tuples in the order of ``columns``, given as field attnames) into ``model``'s table;
    the model's other columns take their defaults (``auto_now_add`` the time of the call). No signals, no
    history: see ``copy_to_history``. With ``returning`` (attnames, the key among them), the values of
    those columns of every row inserted, in no particular order; else an empty list."""
    connection = _connection(model)
    fields = [model._meta.get_field(name) for name in columns]
    others = [field for field in model._meta.concrete_fields if not field.primary_key and field not in fields]
    now = timezone.now()
    constants = tuple(
        field.get_db_prep_save(
            now if getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False) else field.get_default(),
            connection,
        )
        for field in others
    )
    converters = [
        (index, convert) for index, field in enumerate(fields) if (convert := _converter(field, connection))
    ]

    def prepared(row: Sequence) -> tuple:
        if converters:
            row = list(row)
            for index, convert in converters:
                row[index] = convert(row[index])
        return (*row, *constants)

    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    width = len(fields) + len(others)
    names = ", ".join(quote(field.column) for field in [*fields, *others])
    back = " RETURNING " + ", ".join(quote(model._meta.get_field(name).column) for name in returning) if returning else ""
    values = map(prepared, rows)  # streamed: a list of a hundred thousand tuples is not kept twice
    # The driver's own cursor: with DEBUG on, Django's would quote every parameter of every statement
    # into its query log (most of the time of a large insert).
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor
        if connection.vendor == "postgresql":
            from psycopg2.extras import execute_values

            found = execute_values(
                cursor, f"INSERT INTO {table} ({names}) VALUES %s{back}", values, page_size=PAGE,
                fetch=bool(returning),
            )
            return found if returning else []
        row_marks = "(" + ", ".join(["?"] * width) + ")"
        if not returning:
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES {row_marks}", values)
            return []
        # SQLite's executemany returns no rows: as many rows per statement as its parameter limit allows.
        per_statement = max(1, connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // width)
        found = []
        while chunk := list(islice(values, per_statement)):
            cursor.execute(
                f"INSERT INTO {table} ({names}) VALUES {', '.join([row_marks] * len(chunk))}{back}",
                [value for row in chunk for value in row],
            )
            found += cursor.fetchall()
        return found


def copy_to_history(model: type[Model], pks: Iterable[int], *, user, reason: str, history_type: str = "+") -> None:
    """Write the django-simple-history rows of these rows as they now are, by ``user`` for ``reason``
    (``+`` created, ``~`` changed), copied inside the database."""
    connection = _connection(model)
    history = model.history.model
    quote = connection.ops.quote_name
    tracked = [
        field
        for field in history._meta.concrete_fields
        if not field.attname.startswith("history_")
    ]
    source_columns = ", ".join(quote(model._meta.get_field(field.attname).column) for field in tracked)
    names = ", ".join(quote(field.column) for field in tracked)
    history_fields = [history._meta.get_field(name) for name in ("history_date", "history_change_reason",
                                                                 "history_type", "history_user")]
    stamp = [
        history_fields[0].get_db_prep_save(timezone.now(), connection),
        reason[: history_fields[1].max_length],
        history_type,
        user.pk if user is not None else None,
    ]
    pk_column = quote(model._meta.pk.column)
    statement = (
        f"INSERT INTO {quote(history._meta.db_table)} ({names}, "
        + ", ".join(quote(field.column) for field in history_fields)
        + f") SELECT {source_columns}, %s, %s, %s, %s FROM {quote(model._meta.db_table)} WHERE {pk_column} IN "
    )
    keys = list(pks)
    mark = "%s" if connection.vendor == "postgresql" else "?"
    statement = statement.replace("%s", mark)
    with connection.cursor() as wrapper:  # the driver's own cursor, as in insert_rows
        for start in range(0, len(keys), KEYS):
            chunk = keys[start : start + KEYS]
            wrapper.cursor.execute(statement + "(" + ", ".join([mark] * len(chunk)) + ")", [*stamp, *chunk])
