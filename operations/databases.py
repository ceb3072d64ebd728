"""The two database engines behind a backup and a restore: a consistent copy of the database, whether a
target is empty, and putting a copy in place. SQLite uses its online backup API; PostgreSQL pg_dump and
pg_restore, given the connection of ``settings.DATABASES`` through their environment (the password never
on a command line).
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.db import connections
from django.db.backends.postgresql.client import DatabaseClient
from django.db.utils import load_backend

_aliases = itertools.count(1)

NO_TOOL = ("找不到 PostgreSQL 的 {tool} 程序：请安装与服务器同一大版本的 PostgreSQL 客户端"
           "（如 postgresql-client-15）。")


class OperationFailed(Exception):
    """A step that was not refused but failed (pg_dump, pg_restore, the verification after a restore);
    ``result`` is what the command still reports with ``--json``."""

    def __init__(self, message: str, result: dict | None = None):
        super().__init__(message)
        self.result = result


@contextlib.contextmanager
def database_alias(settings_dict: dict, **changes) -> Iterator[str]:
    """A connection of its own for ``settings_dict`` with ``changes``, under an alias the ORM's ``using()``
    knows, closed and forgotten afterwards: a backup reads in a transaction of its own, a restore checks the
    database it wrote through a fresh connection. It is not added to settings, so nothing else iterating the
    connections (request cleanup, the test runner's database guards) ever sees it."""
    alias = f"operations_{next(_aliases)}"
    merged = {**copy.deepcopy(settings_dict), **changes}
    wrapper = load_backend(merged["ENGINE"]).DatabaseWrapper(merged, alias)
    connections[alias] = wrapper
    try:
        yield alias
    finally:
        wrapper.close()
        del connections[alias]


def sqlite_path(settings_dict: dict) -> Path:
    name = str(settings_dict["NAME"])
    if name == ":memory:" or name.startswith("file:"):
        raise ValidationError(f"SQLite 数据库“{name}”不是一个普通文件，无法备份或恢复。", code="sqlite_name")
    if not Path(name).parent.is_dir():
        raise ValidationError(f"SQLite 数据库“{name}”所在的目录不存在。", code="sqlite_folder")
    return Path(name)


def sqlite_uri(path: Path, mode: str) -> str:
    return f"file:{quote(str(path))}?mode={mode}"


def sqlite_snapshot(settings_dict: dict, dest: Path) -> None:
    """A consistent copy of the SQLite file while the server may be writing (the online backup API copies one
    state of the database, whatever the other connections do meanwhile), in rollback-journal mode so that it
    can be opened read-only."""
    source = sqlite3.connect(sqlite_uri(sqlite_path(settings_dict), "ro"), uri=True)
    target = sqlite3.connect(dest)
    try:
        source.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")
    finally:
        target.close()
        source.close()


def sqlite_is_empty(path: Path) -> bool:
    """A target SQLite database is empty when neither the file nor its write-ahead log holds anything."""
    wal = path.with_name(path.name + "-wal")
    return all(not part.exists() or part.stat().st_size == 0 for part in (path, wal))


def sqlite_put_in_place(copy_path: Path, target: Path) -> None:
    """Move the restored copy (in the target's folder) to the target's name; a file that appeared there
    meanwhile with content is never replaced."""
    if target.exists():
        if not sqlite_is_empty(target):
            raise OperationFailed(f"恢复期间“{target}”被写入了内容，未覆盖它。")
        os.replace(copy_path, target)
    else:
        os.link(copy_path, target)
        copy_path.unlink()


def postgres_tool(name: str) -> str:
    """The PostgreSQL client program ``name``: on PATH, else the newest one Debian installs."""
    found = shutil.which(name)
    if found:
        return found
    installed = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
                       key=lambda path: int(path.parts[-3]) if path.parts[-3].isdigit() else 0)
    if not installed:
        raise OperationFailed(NO_TOOL.format(tool=name))
    return str(installed[-1])


def postgres_env(settings_dict: dict) -> dict[str, str]:
    """The libpq environment for ``settings_dict``: the password (PGPASSWORD) and SSL options as Django's own
    ``dbshell`` passes them, and the host, port, user and database name."""
    _, secrets = DatabaseClient.settings_to_cmd_args_env(settings_dict, [])
    names = {"HOST": "PGHOST", "PORT": "PGPORT", "USER": "PGUSER", "NAME": "PGDATABASE"}
    where = {variable: str(settings_dict[key]) for key, variable in names.items() if settings_dict.get(key)}
    return {**os.environ, **(secrets or {}), **where}


def _run(tool: str, args: list[str], settings_dict: dict, what: str) -> None:
    process = subprocess.run(  # noqa: S603 (a fixed program; the arguments are ours, no shell)
        [postgres_tool(tool), *args], env=postgres_env(settings_dict), capture_output=True, text=True,
        check=False,
    )
    if process.returncode != 0:
        detail = "\n".join(process.stderr.strip().splitlines()[-10:])
        raise OperationFailed(f"{what}失败（{tool} 退出状态 {process.returncode}）：\n{detail}")


def postgres_dump(settings_dict: dict, dest: Path, *, snapshot: str) -> None:
    """pg_dump's custom format of the database as the exported ``snapshot`` sees it."""
    _run("pg_dump", ["--format=custom", f"--snapshot={snapshot}", "--no-password", f"--file={dest}"],
         settings_dict, "导出数据库")


def postgres_restore(settings_dict: dict, dump: Path) -> None:
    """Load a dump into the (empty) database in one transaction, so that a failure leaves it empty. Objects
    belong to the restoring user and no grants are replayed: the old server's roles need not exist here."""
    _run("pg_restore", ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
                        "--no-password", f"--dbname={settings_dict['NAME']}", str(dump)],
         settings_dict, "载入数据库")


def postgres_tables_with_rows(alias: str) -> tuple[list[str], list[str]]:
    """The target's tables, and those of them holding at least one row."""
    connection = connections[alias]
    with connection.cursor() as cursor:
        tables = sorted(connection.introspection.table_names(cursor))
        filled = []
        for name in tables:
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {connection.ops.quote_name(name)})")  # noqa: S608
            if cursor.fetchone()[0]:
                filled.append(name)
    return tables, filled
