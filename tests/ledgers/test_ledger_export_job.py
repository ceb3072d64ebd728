"""Exports started in the browser run as background jobs; only their requester may download the file."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import AccessLog
from ledgers import workbooks
from ledgers.models import LedgerExport
from tests.ledgers.conftest import YEAR

FILTER = {"area": "500242", "period": "year", "year": str(YEAR)}


def start(client, user, data=FILTER):
    client.force_login(user)
    return client.post(reverse("ledger_export_start"), data)


def test_an_export_runs_in_the_background_and_its_requester_downloads_it(
    client, county_2017, county_admin, media, immediate_tasks
):
    response = start(client, county_admin)
    export = LedgerExport.objects.get()
    assert response.url == reverse("ledger_export_detail", args=[export.pk])
    assert (export.status, export.rows_total, export.rows_written, export.percent) == ("done", 3, 3, 100)
    page = client.get(response.url).content.decode()
    assert "已完成" in page and reverse("ledger_export_download", args=[export.pk]) in page
    assert "hx-get" not in page  # nothing left to poll
    download = client.get(reverse("ledger_export_download", args=[export.pk]))
    assert download["Content-Disposition"].startswith("attachment")
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).worksheets[0]
    assert sheet.cell(7, 4).value == "田小红"
    log = AccessLog.objects.get(action=AccessLog.Action.EXPORT)
    assert (log.user, log.rows) == (county_admin, 3)


def test_nobody_else_can_see_or_download_the_file(client, county_2017, county_admin, viewer, media, immediate_tasks):
    start(client, county_admin)
    export = LedgerExport.objects.get()
    client.force_login(viewer)
    for name in ("ledger_export_detail", "ledger_export_progress", "ledger_export_download"):
        assert client.get(reverse(name, args=[export.pk])).status_code == 404


def test_a_clerk_cannot_export_another_township(client, county_2017, clerk_a, media, immediate_tasks):
    response = start(client, clerk_a, FILTER | {"area": "500242101"})
    assert response.url == reverse("ledger")
    assert not LedgerExport.objects.exists()


def test_a_clerks_export_holds_only_the_township(client, county_2017, clerk_a, media, immediate_tasks):
    start(client, clerk_a, FILTER | {"area": "500242100"})
    download = client.get(reverse("ledger_export_download", args=[LedgerExport.objects.get().pk]))
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).worksheets[0]
    people = [row[3].value for row in sheet.iter_rows(min_row=7)][:-1]
    assert "白明华" not in people and "田小红" in people


def test_a_failed_export_says_why_and_leaves_no_file(client, county_2017, county_admin, media, immediate_tasks,
                                                     monkeypatch):
    def broken(self, cells):
        raise OSError("磁盘已满")

    monkeypatch.setattr(workbooks.LedgerWorkbook, "write", broken)
    start(client, county_admin)
    export = LedgerExport.objects.get()
    assert export.status == "failed" and "磁盘已满" in export.error
    assert not any(path.is_file() for path in media.rglob("*"))
    assert client.get(reverse("ledger_export_download", args=[export.pk])).status_code == 404


# The worker closes connections that are inside a transaction, as a test's would be: let the test commit.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_with_the_database_queue_the_job_waits_for_the_worker(client, county_2017, county_admin, media, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    response = start(client, county_admin)
    export = LedgerExport.objects.get()
    assert export.status == "queued"
    progress = client.get(reverse("ledger_export_progress", args=[export.pk])).content.decode()
    assert "排队中" in progress and "hx-get" in progress and "<progress" in progress
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")
    export.refresh_from_db()
    assert export.status == "done" and export.rows_written == 3
    assert client.get(response.url).status_code == 200
