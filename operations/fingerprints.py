"""What a database holds, in a form two databases can be compared by: every table's row count and, for
every model with money columns (``DecimalField``), the rows, the sum of each column and a digest of the
values.

One function serves the backup's manifest, the verification after a restore and the tests. The digest is
the same on SQLite and PostgreSQL for the same data: each row is written as text (the primary key, then
each decimal at its field's places) and hashed, and the rows' hashes are added modulo 2**256, so the order
the database returns them in (a text key sorts by the database's collation) does not matter.
"""

from __future__ import annotations

import decimal
import hashlib
from decimal import Decimal

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connections, models

SEPARATOR = "\x1f"
MODULUS = 2**256
CHUNK = 2000


def money_models() -> list[type[models.Model]]:
    """Every model with a table of its own and at least one decimal column, history models included."""
    return [
        model for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy and _decimal_fields(model)
    ]


def _decimal_fields(model: type[models.Model]) -> list[models.DecimalField]:
    return [field for field in model._meta.concrete_fields if isinstance(field, models.DecimalField)]


def _text(value: Decimal | None, places: int) -> str:
    return "" if value is None else format(value.quantize(Decimal(1).scaleb(-places)), "f")


def money_fingerprint(model: type[models.Model], using: str = DEFAULT_DB_ALIAS,
                      fields: list[models.DecimalField] | None = None) -> dict:
    """``{"rows", "sums": {column: text}, "digest"}`` of one model's decimal columns (or of ``fields``)."""
    fields = _decimal_fields(model) if fields is None else fields
    rows, digest = 0, 0
    # Sums of many 24-digit columns need more than the default 28 digits of precision to stay exact.
    with decimal.localcontext(prec=80):
        sums = [Decimal(0)] * len(fields)
        query = model._base_manager.using(using).values_list("pk", *(field.attname for field in fields))
        for pk, *values in query.iterator(chunk_size=CHUNK):
            texts = [_text(value, field.decimal_places) for field, value in zip(fields, values)]
            line = SEPARATOR.join([str(pk), *texts]).encode()
            digest = (digest + int.from_bytes(hashlib.sha256(line).digest(), "big")) % MODULUS
            sums = [total + (value or 0) for total, value in zip(sums, values)]
            rows += 1
        return {
            "rows": rows,
            "sums": {field.column: _text(total, field.decimal_places) for field, total in zip(fields, sums)},
            "digest": f"{digest:064x}",
        }


def fingerprint(using: str = DEFAULT_DB_ALIAS) -> dict:
    """``{"tables": {table: rows}, "money": {table: money_fingerprint}}`` of the database behind ``using``.

    The database is taken as it is: a restored backup is checked before ``migrate`` brings it up to the
    program, so a money table or column the program has and the database has not yet is left out (as it
    was when the backup was made)."""
    connection = connections[using]
    tables, money = {}, {}
    with connection.cursor() as cursor:
        for name in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(name)}")  # noqa: S608 (quoted)
            tables[name] = cursor.fetchone()[0]
        for model in money_models():
            table = model._meta.db_table
            if table in tables:
                described = connection.introspection.get_table_description(cursor, table)
                columns = {column.name for column in described}
                fields = [field for field in _decimal_fields(model) if field.column in columns]
                money[table] = money_fingerprint(model, using, fields)
    return {"tables": tables, "money": dict(sorted(money.items()))}


def fingerprint_differences(expected: dict, actual: dict) -> list[str]:
    """Where ``actual`` differs from ``expected``, one line each (empty when they agree)."""
    lines = []
    for table in sorted(expected["tables"].keys() | actual["tables"].keys()):
        want, got = expected["tables"].get(table), actual["tables"].get(table)
        if want is None:
            lines.append(f"表 {table}：备份中没有这张表，恢复后却有（{got} 行）")
        elif got is None:
            lines.append(f"表 {table}：备份中有 {want} 行，恢复后没有这张表")
        elif want != got:
            lines.append(f"表 {table}：备份中有 {want} 行，恢复后有 {got} 行")
    for table in sorted(expected["money"].keys() | actual["money"].keys()):
        want, got = expected["money"].get(table), actual["money"].get(table)
        if want is None or got is None:
            lines.append(f"表 {table}：{'备份' if want is None else '恢复后的数据库'}中没有它的金额校验")
            continue
        for column in sorted(want["sums"].keys() | got["sums"].keys()):
            if want["sums"].get(column) != got["sums"].get(column):
                lines.append(f"表 {table} 金额列 {column} 合计：备份中为 {want['sums'].get(column)}，"
                             f"恢复后为 {got['sums'].get(column)}")
        if want["digest"] != got["digest"]:
            lines.append(f"表 {table}：金额校验值不同"
                         f"（备份中 {want['digest'][:16]}…，恢复后 {got['digest'][:16]}…）")
    return lines
