"""Backup and restore: a backup restored into a new empty database holds every table's rows and every yuan of
the source (the same function computes both sides), and a restore refuses, writing nothing, a target that is
not empty, files it would overwrite and an archive that does not match its manifest.

On SQLite the restored database is a new file; on PostgreSQL a new database on the test server, dropped
afterwards. Both are read through a connection of their own, never the test's.
"""

from __future__ import annotations

import datetime
import io
import json
import tarfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections

from accounts.models import AccessLog
from accounts.services import access_log_record
from assistance.models import Fund
from claims.models import Settlement
from claims.services import claim_void
from operations import backups
from operations.databases import database_alias, postgres_tables_with_rows
from operations.fingerprints import fingerprint, fingerprint_differences, money_fingerprint
from payments.services import batch_create
from tests.claims.conftest import covered, hospital, load_vector_policy, settle  # noqa: F401  (fixtures)
from tests.payments.conftest import county_hospital, december, policy, poor_a, poor_b  # noqa: F401

D = datetime.date
FILES = {
    "rosters/2017/06/民政名单.xlsx": b"PK\x03\x04 roster",
    "hardship/2017/12/scan.pdf": b"%PDF-1.7 scan",
    "ledger_exports/ledger-1-ab12.xlsx": b"PK\x03\x04 ledger",
}


def call(args: list[str]) -> dict:
    out = io.StringIO()
    call_command(*args, "--json", stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue())


@pytest.fixture
def files(media):
    """Uploaded and exported files under MEDIA_ROOT, and an export still being written."""
    for name, content in FILES.items():
        (media / name).parent.mkdir(parents=True, exist_ok=True)
        (media / name).write_bytes(content)
    (media / "ledger_exports" / "ledger-2.xlsx.part").write_bytes(b"still being written")
    return media


@pytest.fixture
def money_and_files(december, county_admin, clerk_a, files):  # noqa: F811
    """Settled, voided and paid-out bills (settlements, payments, a payment batch, a recovery adjustment,
    their history), an export in the access log, and the files."""
    batch_create(user=county_admin, through=D(2017, 12, 31), paid_on=D(2018, 1, 10))
    claim_void(user=clerk_a, claim=december["a_city"], reason="重复录入")  # after payment: a 追回 to recover
    access_log_record(user=county_admin, action=AccessLog.Action.EXPORT, object_id="ledger", detail="台账导出",
                      rows=7)
    return december


@pytest.fixture
def empty_target(tmp_path):
    """A connection alias to a new, empty database of the test's kind: for SQLite a file not created yet, for
    PostgreSQL a database created on the test server (through a connection of its own, outside the test's
    transaction) and dropped afterwards."""
    source = connection.settings_dict
    if connection.vendor == "sqlite":
        with database_alias(source, NAME=str(tmp_path / "restored.sqlite3")) as alias:
            yield alias
        return
    name = f"{source['NAME']}_restored"
    with database_alias(source, NAME="postgres") as server:
        with connections[server].cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}"')
        try:
            with database_alias(source, NAME=name) as alias:
                yield alias
        finally:
            with connections[server].cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def is_empty(alias: str) -> bool:
    if connections[alias].vendor == "sqlite":
        return not Path(connections[alias].settings_dict["NAME"]).exists()
    return postgres_tables_with_rows(alias) == ([], [])


def rewritten(archive: Path, dest: Path, change) -> Path:
    """A copy of ``archive`` whose members pass through ``change(name, bytes) -> bytes``."""
    with tarfile.open(archive) as source, tarfile.open(dest, "w", format=tarfile.PAX_FORMAT) as copy:
        for member in source.getmembers():
            content = change(member.name, source.extractfile(member).read())
            member.size = len(content)
            copy.addfile(member, io.BytesIO(content))
    return dest


# The backup reads the database through another connection (pg_dump is another process): the data must be
# committed.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_backup_restored_into_an_empty_database_has_every_row_and_every_yuan(
        money_and_files, media, empty_target, settings, tmp_path):
    # given
    source = fingerprint()
    made = call(["backup", f"--output={tmp_path / 'backups'}"])
    settings.MEDIA_ROOT = restored_media = tmp_path / "restored-media"

    # when: a check first, then the restore
    checked = call(["restore", made["archive"], f"--database={empty_target}"])
    assert checked["applied"] is False and is_empty(empty_target) and not restored_media.exists()
    restored = call(["restore", made["archive"], "--yes", f"--database={empty_target}"])

    # then
    assert restored["applied"] and restored["verified"] and restored["differences"] == []
    assert restored["pending_migrations"] == []
    assert fingerprint(empty_target) == source
    assert restored["rows"] == made["rows"] == sum(source["tables"].values())
    money = source["money"]
    for table in ("claims_claim", "claims_settlement", "claims_historicalclaim", "claims_adjustment",
                  "payments_paymentbatch", "payments_batchline"):
        assert money[table]["rows"] > 0, table
    assert source["tables"]["accounts_accesslog"] == 1
    assert Decimal(money["claims_settlement"]["sums"]["total"]) > 0
    assert {path.relative_to(restored_media).as_posix(): path.read_bytes()
            for path in restored_media.rglob("*") if path.is_file()} == FILES
    # the program works with the restored database: the bills settled before are there, new rows get new keys
    assert (Settlement.objects.using(empty_target).filter(superseded_at__isnull=True).count()
            == Settlement.objects.filter(superseded_at__isnull=True).count() > 0)
    logged = AccessLog.objects.using(empty_target).create(user_id=AccessLog.objects.get().user_id,
                                                          action=AccessLog.Action.EXPORT)
    assert logged.pk > AccessLog.objects.get().pk


def test_restore_refuses_a_database_that_is_not_empty_and_writes_nothing(money_and_files, settings, tmp_path):
    # given
    made = call(["backup", f"--output={tmp_path / 'backups'}"])
    before = fingerprint()
    settings.MEDIA_ROOT = tmp_path / "new-media"

    # when
    with pytest.raises(CommandError) as info:
        call(["restore", made["archive"], "--yes"])

    # then
    assert info.value.returncode == 2
    assert "不是空的" in str(info.value) and "不覆盖任何数据" in str(info.value)
    assert ("createdb" if connection.vendor == "postgresql" else "还不存在的文件") in str(info.value)
    assert fingerprint() == before
    assert not (tmp_path / "new-media").exists()


def test_restore_refuses_to_overwrite_files_and_leaves_the_database_empty(
        db, files, media, empty_target, tmp_path):
    # given: MEDIA_ROOT still holds the files the backup has
    made = call(["backup", f"--output={tmp_path / 'backups'}"])
    (media / "hardship/2017/12/scan.pdf").write_bytes(b"a newer scan")

    # when
    with pytest.raises(CommandError) as info:
        call(["restore", made["archive"], "--yes", f"--database={empty_target}"])

    # then
    assert info.value.returncode == 2 and "恢复不覆盖文件" in str(info.value)
    assert "hardship/2017/12/scan.pdf" in str(info.value)
    assert is_empty(empty_target)
    assert (media / "hardship/2017/12/scan.pdf").read_bytes() == b"a newer scan"


def test_a_restore_that_does_not_match_its_manifest_exits_1_naming_the_tables(
        db, empty_target, media, settings, tmp_path):
    # given: a backup whose manifest claims one more region and other money in the claims than the copy holds
    made = call(["backup", f"--output={tmp_path / 'backups'}"])

    def tamper(name: str, content: bytes) -> bytes:
        if name != backups.MANIFEST:
            return content
        manifest = json.loads(content)
        manifest["tables"]["regions_region"] += 1
        manifest["money"]["claims_claim"]["digest"] = "f" * 64
        return json.dumps(manifest).encode()

    archive = rewritten(Path(made["archive"]), tmp_path / "tampered.tar", tamper)
    settings.MEDIA_ROOT = tmp_path / "restored-media"

    # when
    out = io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command("restore", str(archive), "--yes", f"--database={empty_target}", "--json", stdout=out,
                     stderr=io.StringIO())

    # then
    assert info.value.returncode == 1
    assert "regions_region" in str(info.value) and "claims_claim" in str(info.value)
    result = json.loads(out.getvalue())
    assert result["applied"] is True and result["verified"] is False and len(result["differences"]) == 2


def test_an_archive_with_a_damaged_file_is_refused_before_anything_is_written(
        db, files, empty_target, settings, tmp_path):
    # given: one file's bytes differ from the checksum the manifest recorded
    made = call(["backup", f"--output={tmp_path / 'backups'}"])
    archive = rewritten(Path(made["archive"]), tmp_path / "damaged.tar",
                        lambda name, content: b"X" + content[1:] if name.endswith("scan.pdf") else content)
    settings.MEDIA_ROOT = tmp_path / "restored-media"

    # when
    with pytest.raises(CommandError) as info:
        call(["restore", str(archive), "--yes", f"--database={empty_target}"])

    # then
    assert info.value.returncode == 2 and "media/hardship/2017/12/scan.pdf 已损坏" in str(info.value)
    assert is_empty(empty_target) and not (tmp_path / "restored-media").exists()


def test_a_backup_never_overwrites_an_archive_nor_goes_inside_media_root(db, media, tmp_path, monkeypatch):
    # given: two backups in the same second
    monkeypatch.setattr(backups, "_now", lambda: datetime.datetime(2026, 3, 1, 8, 30, 5, tzinfo=datetime.UTC))
    first = Path(call(["backup", f"--output={tmp_path}"])["archive"])
    content = first.read_bytes()

    # when
    with pytest.raises(CommandError) as exists:
        call(["backup", f"--output={tmp_path}"])
    with pytest.raises(CommandError) as inside:
        call(["backup", f"--output={media / 'backups'}"])

    # then
    assert first.name == "backup-20260301-083005.tar" and first.stat().st_mode & 0o777 == 0o600
    assert exists.value.returncode == 2 and "已存在，不覆盖" in str(exists.value)
    assert first.read_bytes() == content and sorted(p.name for p in tmp_path.iterdir()) == [first.name]
    assert inside.value.returncode == 2 and "在 MEDIA_ROOT" in str(inside.value)
    assert not (media / "backups").exists()


def test_the_operators_commands_take_no_user():
    # Backups and restores act on the whole server, not for a user of an area: a --user would limit nothing.
    for command in (["backup"], ["restore", "x.tar"]):
        with pytest.raises(CommandError, match="unrecognized arguments: --user"):
            call_command(*command, "--user=admin")


def test_a_changed_cent_changes_the_tables_checksum(money_and_files):
    # given
    before = fingerprint()
    settlement = Settlement.objects.filter(basic__gt=0).first()

    # when
    Settlement.objects.filter(pk=settlement.pk).update(basic=settlement.basic + Decimal("0.01"))

    # then
    lines = fingerprint_differences(before, fingerprint())
    assert [line for line in lines if "claims_settlement" in line and "basic" in line]
    assert any("claims_settlement：金额校验值不同" in line for line in lines)
    assert not [line for line in lines if "claims_settlement" not in line]


def test_the_money_checksum_is_the_same_text_on_every_database(county):
    # The digest is sha256("901␟0.80␟20000.00␟5000.50␟") + sha256("902␟0.75␟123456789012.34␟-0.01␟0.00")
    # modulo 2**256 (␟ is U+001F), worked out apart from the code; CI runs this test on SQLite and PostgreSQL.
    Fund.objects.all().delete()
    Fund.objects.bulk_create([
        Fund(pk=901, code="hardship", name="困难救助", kind="grants", region=county, warn_at=Decimal("0.8"),
             amount_per_year=Decimal("20000"), chronic_cap=Decimal("5000.50"), major_cap=None),
        Fund(pk=902, code="charity", name="慈善", kind="grants", region=county, warn_at=Decimal("0.75"),
             amount_per_year=Decimal("123456789012.34"), chronic_cap=Decimal("-0.01"),
             major_cap=Decimal("0")),
    ])

    assert money_fingerprint(Fund) == {
        "rows": 2,
        "sums": {"warn_at": "1.55", "amount_per_year": "123456809012.34", "chronic_cap": "5000.49",
                 "major_cap": "0.00"},
        "digest": "71397f044cffb4c145b26dcf5e3a49be4432deeb135ccd5779ef6ba886fa98fb",
    }


def test_a_database_older_than_the_program_is_fingerprinted_as_it_is(db):
    # A restored backup is checked before `migrate`: a money column or table the program has and the database
    # has not yet is left out, as it was when the backup was made (the DDL is undone with the test).
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE claims_settlement DROP COLUMN basic")
        cursor.execute("DROP TABLE payments_batchline")

    prints = fingerprint()

    assert "basic" not in prints["money"]["claims_settlement"]["sums"]
    assert "total" in prints["money"]["claims_settlement"]["sums"]
    assert "payments_batchline" not in prints["money"] and "payments_batchline" not in prints["tables"]
