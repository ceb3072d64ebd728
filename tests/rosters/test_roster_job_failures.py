"""A background preview or apply that fails ends with its batch 失败 and the reason on the batch page, never
"正在比对" or "正在应用" for ever: whether the job raised, the database failed under it, or its worker stopped."""

import io

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from accounts import jobs
from rosters import services, views
from rosters.models import RosterBatch
from tests.rosters.conftest import new_id_number, registry_state, roster_rows, xlsx_bytes

pytestmark = pytest.mark.usefixtures("media", "immediate_tasks", "in_background", "quick_retries")
FAILED = RosterBatch.Status.FAILED


@pytest.fixture
def in_background(monkeypatch):
    """Every file counts as big: it goes to the task backend (immediate unless a test says otherwise)."""
    monkeypatch.setattr(views, "INLINE_LIMIT_BYTES", 0)


@pytest.fixture
def quick_retries(monkeypatch):
    monkeypatch.setattr(jobs, "BACKOFF", jobs.Backoff(first=0.001, cap=0.001, budget=0.05))


@pytest.fixture
def listed(registry, village_a):
    """Everybody stays, three newcomers arrive (no exits to confirm)."""
    people = [[name, registry[name].id_number, "农村低保", village_a.code] for name in "甲乙"]
    people.append(["丁", registry["丁"].id_number, "特困供养", village_a.code])
    people += [[f"新人{index}", new_id_number(), "农村低保", village_a.code] for index in range(3)]
    return xlsx_bytes(roster_rows(*people))


def upload(client, user, content):
    client.force_login(user)
    data = {"source": "civil_affairs", "month": "2024-05", "area": "", "category": ""}
    data["file"] = io.BytesIO(content)
    data["file"].name = "名单.xlsx"
    return client.post(reverse("rosters:batch_upload"), data)


def locked(*args, **kwargs):
    raise OperationalError("database is locked")


def shown_failed(client, batch, reason: str) -> None:
    """The batch page says 失败 and why, and polls no more; the progress bar tells the page to reload."""
    page = client.get(reverse("rosters:batch_detail", args=[batch.pk])).content.decode()
    assert "<dd>失败</dd>" in page and "处理失败，未写入任何数据" in page and reason in page
    assert 'hx-trigger="every 1s"' not in page
    assert client.get(reverse("rosters:batch_progress", args=[batch.pk]))["HX-Refresh"] == "true"


def test_a_database_error_in_a_background_preview_fails_the_batch_and_its_page_says_why(
    client, county_admin, listed, monkeypatch
):
    monkeypatch.setattr(services, "roster_findings_store", locked)
    upload(client, county_admin, listed)
    batch = RosterBatch.objects.get()
    assert (batch.status, batch.error, batch.stage) == (FAILED, jobs.DATABASE_FAILURE, "")
    assert not batch.findings.exists()
    shown_failed(client, batch, "数据库繁忙或暂时无法访问")


def test_an_unexpected_error_in_a_background_apply_fails_the_batch_and_writes_nothing(
    client, county_admin, listed, monkeypatch
):
    upload(client, county_admin, listed)
    batch = RosterBatch.objects.get()
    assert batch.status == RosterBatch.Status.PREVIEWED and batch.counts["exited"] == 0
    before = registry_state()
    # the apply's last step fails
    monkeypatch.setattr(services, "roster_findings_store", lambda **kwargs: 1 / 0)
    client.post(reverse("rosters:batch_apply", args=[batch.pk]))
    batch.refresh_from_db()
    assert (batch.status, batch.error) == (FAILED, jobs.UNEXPECTED_FAILURE)
    after = registry_state()
    assert {key: value for key, value in after.items() if key != "batches"} == {
        key: value for key, value in before.items() if key != "batches"
    }
    shown_failed(client, batch, "处理时发生意外错误")


# A failed UPDATE marks the enclosing transaction for rollback; the worker has none, the test's must commit.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_when_recording_the_failure_meets_a_locked_database_it_is_retried(client, county_admin, listed,
                                                                          monkeypatch):
    monkeypatch.setattr(services, "roster_findings_store", locked)
    failures = []

    def lock_first_failure_report(execute, sql, params, many, context):
        if sql.startswith("UPDATE") and RosterBatch._meta.db_table in sql and "failed" in (params or ()):
            if len(failures) < 2:
                failures.append(sql)
                raise OperationalError("database is locked")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(lock_first_failure_report):
        upload(client, county_admin, listed)
    batch = RosterBatch.objects.get()
    assert len(failures) == 2
    assert (batch.status, batch.error) == (FAILED, jobs.DATABASE_FAILURE)


def test_a_batch_whose_worker_stopped_mid_preview_fails_when_the_worker_starts_again(
    client, county_admin, listed, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    upload(client, county_admin, listed)
    batch = RosterBatch.objects.get()
    assert batch.status == RosterBatch.Status.QUEUED
    # a worker claimed the job and was killed half-way through
    DBTaskResult.objects.get().claim("bin-run-8000")
    RosterBatch.objects.filter(pk=batch.pk).update(status=RosterBatch.Status.PREVIEWING, progress=50,
                                                   stage="与系统中的人员比对")
    call_command("run_worker", "--batch", "--no-startup-delay", "--worker-id", "bin-run-8000")
    batch.refresh_from_db()
    assert (batch.status, batch.error, batch.stage) == (FAILED, jobs.WORKER_LOST, "")
    assert DBTaskResult.objects.get().status == "FAILED"
    shown_failed(client, batch, "后台任务进程在处理过程中中断")


def test_a_late_failure_report_leaves_a_finished_batch_alone(client, county_admin, listed):
    upload(client, county_admin, listed)
    batch = RosterBatch.objects.get()
    assert not services.roster_batch_fail(batch_id=batch.pk, message="迟到的失败")
    batch.refresh_from_db()
    assert (batch.status, batch.error) == (RosterBatch.Status.PREVIEWED, "")
