"""Backups and restores: the database, the files under MEDIA_ROOT (uploaded rosters and scans, exports) and a
manifest, in one tar archive; a restore only into an empty database, verified against the manifest.

The manifest describes exactly the copy in the archive: on SQLite it is computed from the copy itself, on
PostgreSQL in the same snapshot pg_dump reads (an exported snapshot of a repeatable-read transaction), so a
backup taken while the server runs still agrees with itself. Archives hold personal data: they are written
readable by their owner only.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

import django
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from operations import databases
from operations.databases import OperationFailed, database_alias
from operations.fingerprints import fingerprint, fingerprint_differences

FORMAT = "yb-backup/1"
MANIFEST = "manifest.json"
MANIFEST_KEYS = {"created_at", "vendor", "database", "migrations", "tables", "money", "media"}
MEDIA = "media"
DATABASE_FILE = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}
PARTIAL = ".part"  # an export still being written (spreadsheets.writing.replaced_when_done): not a file yet
SHOWN = 10

ARCHIVE_EXISTS = "备份文件“{path}”已存在，不覆盖：请稍后再运行，或用 --output 指定另一个目录。"
INSIDE_MEDIA = "--output：备份目录“{path}”在 MEDIA_ROOT（{media}）之内，备份会把以前的备份也装进去；请换一个目录。"
NOT_AN_ARCHIVE = "“{path}”不是本系统的备份文件：{reason}"
OTHER_VENDOR = "备份来自 {archive} 数据库，目标是 {target} 数据库：只能恢复到同一种数据库。"
NEWER_CODE = "备份来自更新的程序版本，本程序没有这些数据库迁移：{names}。请先把程序更新到做备份时的版本再恢复。"
SQLITE_NOT_EMPTY = ("目标数据库“{name}”不是空的（文件已存在且有内容）：恢复只写入空数据库，不覆盖任何数据。"
                    "请把 DATABASE_URL 指向一个还不存在的文件（例如 sqlite:///var/restored.sqlite3）再运行，"
                    "或先把现有文件移走。")
POSTGRES_NOT_EMPTY = ("目标数据库“{name}”不是空的：已有 {tables} 张表，其中 {filled} 张有数据（{examples}）。"
                      "恢复只写入空数据库，不覆盖任何数据。请新建一个空数据库（例如 createdb -O 用户名 新库名），"
                      "把 DATABASE_URL 指向它再运行。")
NO_TARGET = "无法连接目标数据库“{name}”：{reason}。请先创建这个空数据库（例如 createdb -O 用户名 {name}）。"
MEDIA_EXISTS = ("MEDIA_ROOT（{media}）中已有备份里的 {count} 个文件（{examples}）：恢复不覆盖文件。"
                "请把 MEDIA_ROOT 指向一个空目录，或先把这些文件移走。")
MISMATCH = "恢复后的核对不一致（数据已写入，请勿使用这个数据库，保留备份文件并检查）：\n{lines}"


def _now():
    """The clock, as a hook the tests move (Django's ``tokens._now`` pattern)."""
    return timezone.localtime()


def _examples(names: list[str]) -> str:
    return "、".join(names[:SHOWN]) + ("……" if len(names) > SHOWN else "")


class _Hashing:
    """A file object that hashes what is read through it."""

    def __init__(self, handle: BinaryIO):
        self.handle, self.sha256 = handle, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.sha256.update(data)
        return data


def _add(tar: tarfile.TarFile, path: Path, name: str) -> dict:
    """Add the file at ``path`` as ``name``; its size and sha256."""
    with open(path, "rb") as handle:
        info = tar.gettarinfo(arcname=name, fileobj=handle)
        info.mode, info.uid, info.gid, info.uname, info.gname = 0o600, 0, 0, "", ""
        reader = _Hashing(handle)
        tar.addfile(info, reader)
    return {"size": info.size, "sha256": reader.sha256.hexdigest()}


def _media_files(media_root: Path) -> list[tuple[Path, str]]:
    """Every regular file under MEDIA_ROOT with its path relative to it, in a stable order."""
    if not media_root.is_dir():
        return []
    found = []
    for folder, names, files in os.walk(media_root):
        names.sort()
        for name in sorted(files):
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink() and not name.endswith(PARTIAL):
                found.append((path, path.relative_to(media_root).as_posix()))
    return found


def _applied_migrations(alias: str) -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connections[alias]).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def _snapshot(settings_dict: dict, vendor: str, work: Path) -> tuple[Path, dict, dict]:
    """A consistent copy of the database in ``work``, and the fingerprint and migrations of that very copy."""
    dest = work / DATABASE_FILE[vendor]
    if vendor == "sqlite":
        databases.sqlite_snapshot(settings_dict, dest)
        with database_alias(settings_dict, NAME=databases.sqlite_uri(dest, "ro"), OPTIONS={}) as alias:
            return dest, fingerprint(alias), _applied_migrations(alias)
    with database_alias(settings_dict) as alias, transaction.atomic(using=alias):
        with connections[alias].cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        prints, migrations = fingerprint(alias), _applied_migrations(alias)
        # pg_dump reads the exported snapshot, which lives as long as this transaction.
        databases.postgres_dump(settings_dict, dest, snapshot=snapshot)
    return dest, prints, migrations


def _vendor(alias: str) -> str:
    vendor = connections[alias].vendor
    if vendor not in DATABASE_FILE:
        raise ValidationError(f"不支持备份或恢复 {vendor} 数据库（只支持 SQLite 和 PostgreSQL）。", code="vendor")
    return vendor


def backup_create(*, output_dir: Path | None = None, using: str = DEFAULT_DB_ALIAS) -> dict:
    """Write ``backup-YYYYmmdd-HHMMSS.tar`` into ``output_dir`` (``VAR_DIR/backups`` by default) and return
    what it holds. Refused (nothing written) when the archive exists or the folder lies inside MEDIA_ROOT."""
    vendor = _vendor(using)
    media_root = Path(settings.MEDIA_ROOT).resolve()
    folder = Path(output_dir or Path(settings.VAR_DIR) / "backups")
    if folder.resolve().is_relative_to(media_root):
        raise ValidationError(INSIDE_MEDIA.format(path=folder, media=media_root), code="inside_media")
    started = _now()
    archive = folder / f"backup-{started:%Y%m%d-%H%M%S}.tar"
    if archive.exists():
        raise ValidationError(ARCHIVE_EXISTS.format(path=archive), code="exists")
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise ValidationError(f"无法创建备份目录“{folder}”：{exc.strerror}", code="folder") from None
    settings_dict = connections[using].settings_dict
    partial = archive.with_name(archive.name + PARTIAL)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".backup-") as work:
        database, prints, migrations = _snapshot(settings_dict, vendor, Path(work))
        # Opened exclusively and private: a second backup in the same second is refused, not mixed in.
        handle = os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")
        try:
            with handle, tarfile.open(fileobj=handle, mode="w", format=tarfile.PAX_FORMAT) as tar:
                database_entry = _add(tar, database, database.name)
                media = [{"path": name, **_add(tar, path, f"{MEDIA}/{name}")}
                         for path, name in _media_files(media_root)]
                manifest = {
                    "format": FORMAT,
                    "created_at": started.isoformat(),
                    "vendor": vendor,
                    "django": django.get_version(),
                    "database": {"file": database.name, **database_entry},
                    "migrations": migrations,
                    "tables": prints["tables"],
                    "money": prints["money"],
                    "media": media,
                }
                content = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mode, info.mtime = len(content), 0o600, int(started.timestamp())
                tar.addfile(info, io.BytesIO(content))
            os.link(partial, archive)
        except FileExistsError:
            raise ValidationError(ARCHIVE_EXISTS.format(path=archive), code="exists") from None
        finally:
            partial.unlink(missing_ok=True)
    return {
        "archive": str(archive.absolute()),
        "vendor": vendor,
        "created_at": started.isoformat(),
        "tables": len(prints["tables"]),
        "rows": sum(prints["tables"].values()),
        "money_tables": len(prints["money"]),
        "media_files": len(media),
        "bytes": archive.stat().st_size,
    }


def _read_manifest(tar: tarfile.TarFile, archive: Path) -> dict:
    def refuse(reason: str) -> ValidationError:
        return ValidationError(NOT_AN_ARCHIVE.format(path=archive, reason=reason), code="not_an_archive")

    try:
        member = tar.getmember(MANIFEST)
        manifest = json.loads(tar.extractfile(member).read())
    except KeyError:
        raise refuse(f"里面没有 {MANIFEST}") from None
    except (ValueError, tarfile.TarError, AttributeError) as exc:
        raise refuse(f"{MANIFEST} 无法读取（{exc}）") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise refuse(f"格式不是 {FORMAT}")
    missing_keys = sorted(MANIFEST_KEYS - manifest.keys())
    if missing_keys:
        raise refuse(f"{MANIFEST} 缺少 {'、'.join(missing_keys)}")
    try:
        database = manifest["database"]["file"]
        paths = [str(entry["path"]) for entry in manifest["media"]]
    except (KeyError, TypeError):
        raise refuse(f"{MANIFEST} 的数据库或文件清单不完整") from None
    if database != DATABASE_FILE.get(manifest["vendor"]):
        raise refuse(f"数据库文件名“{database}”与数据库类型不符")
    for path in paths:  # each is written under MEDIA_ROOT: never outside it
        parts = PurePosixPath(path).parts
        if not parts or PurePosixPath(path).is_absolute() or ".." in parts:
            raise refuse(f"文件路径“{path}”不在 MEDIA_ROOT 之内")
    expected = {MANIFEST, database, *(f"{MEDIA}/{path}" for path in paths)}
    members = {member.name: member for member in tar.getmembers()}
    strange = sorted(name for name, member in members.items() if name not in expected or not member.isreg())
    missing = sorted(expected - members.keys())
    problems = [f"多出 {_examples(strange)}"] if strange else []
    problems += [f"缺少 {_examples(missing)}"] if missing else []
    if problems:
        raise refuse(f"内容与清单不符（{'；'.join(problems)}）")
    return manifest


def _copy_checked(tar: tarfile.TarFile, name: str, entry: dict, dest: BinaryIO, archive: Path) -> None:
    """Copy a member into ``dest``; refuse the archive when the bytes are not those the manifest records."""
    reader = _Hashing(tar.extractfile(name))
    size = 0
    while chunk := reader.read(1024 * 1024):
        dest.write(chunk)
        size += len(chunk)
    if size != entry["size"] or reader.sha256.hexdigest() != entry["sha256"]:
        reason = f"{name} 已损坏（与清单的校验值不符）"
        raise ValidationError(NOT_AN_ARCHIVE.format(path=archive, reason=reason), code="damaged")


class _Discard:
    """Where the archive's files go while only their checksums are wanted."""

    def write(self, data: bytes) -> None:
        pass


@dataclass
class RestorePlan:
    """A checked archive and target; the database's copy (``database``) waits in a temporary folder, and
    nothing is written yet."""

    archive: Path
    using: str
    manifest: dict
    tar: tarfile.TarFile
    database: Path
    media_root: Path
    summary: dict


def _target_check(using: str, vendor: str) -> str:
    """The target's name; refused unless it is empty."""
    settings_dict = connections[using].settings_dict
    if vendor == "sqlite":
        path = databases.sqlite_path(settings_dict)
        if not databases.sqlite_is_empty(path):
            raise ValidationError(SQLITE_NOT_EMPTY.format(name=path), code="not_empty")
        return str(path)
    name = settings_dict["NAME"]
    try:
        with database_alias(settings_dict) as alias:
            tables, filled = databases.postgres_tables_with_rows(alias)
    except DatabaseError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValidationError(NO_TARGET.format(name=name, reason=reason), code="no_target") from None
    if tables:
        text = POSTGRES_NOT_EMPTY.format(name=name, tables=len(tables), filled=len(filled),
                                         examples=_examples(filled or tables))
        raise ValidationError(text, code="not_empty")
    return name


@contextlib.contextmanager
def restore_plan(*, archive: Path, using: str = DEFAULT_DB_ALIAS) -> Iterator[RestorePlan]:
    """Check everything a restore needs before anything is written: the archive (its manifest, every member's
    checksum), the database kind, that the program knows every migration of the backup, that the target
    database is empty and that no file of the backup exists under MEDIA_ROOT."""
    vendor = _vendor(using)
    try:
        tar = tarfile.open(archive, mode="r:")
    except OSError as exc:
        raise ValidationError(f"无法读取备份文件“{archive}”：{exc.strerror}", code="unreadable") from None
    except tarfile.TarError:
        raise ValidationError(NOT_AN_ARCHIVE.format(path=archive, reason="不是 tar 文件"),
                              code="not_an_archive") from None
    with tar:
        manifest = _read_manifest(tar, archive)
        if manifest["vendor"] != vendor:
            raise ValidationError(OTHER_VENDOR.format(archive=manifest["vendor"], target=vendor),
                                  code="vendor")
        known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations.keys()
        unknown = [f"{app}.{name}" for app, names in manifest["migrations"].items() for name in names
                   if (app, name) not in known]
        if unknown:
            raise ValidationError(NEWER_CODE.format(names=_examples(unknown)), code="newer")
        target = _target_check(using, vendor)
        media_root = Path(settings.MEDIA_ROOT)
        present = [entry["path"] for entry in manifest["media"] if (media_root / entry["path"]).exists()]
        if present:
            raise ValidationError(MEDIA_EXISTS.format(media=media_root, count=len(present),
                                                      examples=_examples(present)), code="media_exists")
        # SQLite's copy waits beside the target, so that putting it in place is a rename.
        settings_dict = connections[using].settings_dict
        beside = databases.sqlite_path(settings_dict).parent if vendor == "sqlite" else None
        with tempfile.TemporaryDirectory(dir=beside, prefix=".restore-") as work:
            database = Path(work) / manifest["database"]["file"]
            with open(database, "wb") as dest:
                _copy_checked(tar, manifest["database"]["file"], manifest["database"], dest, archive)
            for entry in manifest["media"]:
                _copy_checked(tar, f"{MEDIA}/{entry['path']}", entry, _Discard(), archive)
            yield RestorePlan(archive=archive, using=using, manifest=manifest, tar=tar, database=database,
                              media_root=media_root, summary={
                                  "archive": str(archive.absolute()),
                                  "created_at": manifest["created_at"],
                                  "vendor": vendor,
                                  "database": target,
                                  "tables": len(manifest["tables"]),
                                  "rows": sum(manifest["tables"].values()),
                                  "media_files": len(manifest["media"]),
                                  "applied": False,
                              })


def restore_apply(plan: RestorePlan) -> dict:
    """Put the database and the files in place, then compare the restored database with the manifest (row
    counts of every table, the money checksums) and the files with their checksums. A difference raises
    ``OperationFailed`` carrying the summary; the data stays written for inspection."""
    connection = connections[plan.using]
    settings_dict = connection.settings_dict
    connection.close()
    if plan.summary["vendor"] == "sqlite":
        databases.sqlite_put_in_place(plan.database, databases.sqlite_path(settings_dict))
    else:
        databases.postgres_restore(settings_dict, plan.database)
    for entry in plan.manifest["media"]:
        dest = plan.media_root / entry["path"]
        dest.parent.mkdir(parents=True, exist_ok=True)
        with open(dest, "xb") as handle:
            _copy_checked(plan.tar, f"{MEDIA}/{entry['path']}", entry, handle, plan.archive)
    with database_alias(settings_dict) as alias:
        differences = fingerprint_differences(
            {"tables": plan.manifest["tables"], "money": plan.manifest["money"]}, fingerprint(alias))
        executor = MigrationExecutor(connections[alias])
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    summary = {**plan.summary, "applied": True, "verified": not differences, "differences": differences,
               "pending_migrations": [f"{migration.app_label}.{migration.name}" for migration, _ in pending]}
    if differences:
        raise OperationFailed(MISMATCH.format(lines="\n".join(differences[:50])), summary)
    return summary
