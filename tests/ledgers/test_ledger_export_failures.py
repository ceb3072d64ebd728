"""A background export that fails ends 失败 with the reason on its page, never "排队中" or "正在生成" for ever:
whether writing failed, the database failed under it, or its worker stopped."""

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from accounts import jobs
from ledgers import services, workbooks
from ledgers.models import LedgerExport
from tests.ledgers.conftest import YEAR

FILTER = {"area": "500242", "period": "year", "year": str(YEAR)}


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch):
    monkeypatch.setattr(jobs, "BACKOFF", jobs.Backoff(first=0.001, cap=0.001, budget=0.05))


def start(client, user):
    client.force_login(user)
    return client.post(reverse("ledger_export_start"), FILTER)


def shown_failed(client, export, reason: str) -> None:
    """Its page and its progress box say 失败 and why, poll no more, and offer no download."""
    for name in ("ledger_export_detail", "ledger_export_progress"):
        page = client.get(reverse(name, args=[export.pk])).content.decode()
        assert '<strong id="export-status">失败</strong>' in page and f"导出失败：{reason}" in page
        assert "hx-get" not in page and "export-download" not in page
    assert client.get(reverse("ledger_export_download", args=[export.pk])).status_code == 404


def test_a_database_error_before_writing_fails_the_export_and_its_page_says_why(
    client, county_2017, county_admin, media, immediate_tasks, monkeypatch
):
    def locked(*args):
        raise OperationalError("database is locked")

    # counting the rows is the first thing the job does after taking the export
    monkeypatch.setattr(services, "ledger_people", locked)
    start(client, county_admin)
    export = LedgerExport.objects.get()
    assert (export.status, export.error, export.file) == ("failed", jobs.DATABASE_FAILURE, "")
    assert export.finished_at is not None
    shown_failed(client, export, "数据库繁忙或暂时无法访问")


def test_an_unexpected_error_while_writing_fails_the_export_and_leaves_no_file(
    client, county_2017, county_admin, media, immediate_tasks, monkeypatch
):
    def broken(self, cells):
        raise KeyError("内部细节")

    monkeypatch.setattr(workbooks.LedgerWorkbook, "write", broken)
    start(client, county_admin)
    export = LedgerExport.objects.get()
    assert (export.status, export.error) == ("failed", jobs.UNEXPECTED_FAILURE)
    assert not any(path.is_file() for path in media.rglob("*"))
    shown_failed(client, export, "处理时发生意外错误")  # and not the exception's own words
    assert "内部细节" not in client.get(reverse("ledger_export_detail", args=[export.pk])).content.decode()


def test_an_export_whose_worker_stopped_fails_when_the_worker_starts_again(
    client, county_2017, county_admin, media, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    start(client, county_admin)
    export = LedgerExport.objects.get()
    # a worker claimed the job and was killed half-way through writing the file
    DBTaskResult.objects.get().claim("bin-run-8000")
    partial = media / "ledger_exports" / "ledger-partial.xlsx"
    partial.parent.mkdir(parents=True)
    partial.write_bytes(b"half")
    LedgerExport.objects.filter(pk=export.pk).update(status="running", rows_total=3, rows_written=1,
                                                     file="ledger_exports/ledger-partial.xlsx")
    call_command("run_worker", "--batch", "--no-startup-delay", "--worker-id", "bin-run-8000")
    export.refresh_from_db()
    assert (export.status, export.error, export.file) == ("failed", jobs.WORKER_LOST, "")
    assert not partial.exists()
    shown_failed(client, export, "后台任务进程在处理过程中中断")


def test_a_late_failure_report_leaves_a_finished_export_alone(client, county_2017, county_admin, media,
                                                               immediate_tasks):
    start(client, county_admin)
    export = LedgerExport.objects.get()
    assert not services.ledger_export_fail(export_id=export.pk, message="迟到的失败")
    export.refresh_from_db()
    assert (export.status, export.error) == ("done", "")
    assert services.export_path(export).is_file()
