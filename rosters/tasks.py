"""Background jobs for the browser: previewing and applying a large list run in the task worker.

A job that fails marks its batch failed with the reason, which the batch page shows. Should even that
fail (the database stayed unavailable) or the worker stop mid-job, the worker's report that the job
failed marks the batch instead (``record_failures``), so that no batch stays "正在比对" or "正在应用" for ever.
"""

from django.core.exceptions import ValidationError
from django_tasks import task

from accounts.jobs import job_failure_reason, record_failures, retry_database
from accounts.models import User
from rosters.models import RosterBatch
from rosters.services import roster_batch_apply, roster_batch_fail, roster_batch_preview


def _fail(batch_id: int, message: str) -> None:
    retry_database(lambda: roster_batch_fail(batch_id=batch_id, message=message),
                   what=f"记录名单比对批次 #{batch_id} 失败")


def _run(batch_id: int, step) -> None:
    try:
        step(RosterBatch.objects.get(pk=batch_id))
    except ValidationError as exc:
        _fail(batch_id, job_failure_reason(exc))
    except Exception as exc:
        _fail(batch_id, job_failure_reason(exc))
        raise


@task()
def preview_roster_batch(batch_id: int) -> None:
    _run(batch_id, lambda batch: roster_batch_preview(batch=batch))


@task()
def apply_roster_batch(batch_id: int, user_id: int, allow_exits: int | None = None) -> None:
    _run(
        batch_id,
        lambda batch: roster_batch_apply(batch=batch, user=User.objects.get(pk=user_id), allow_exits=allow_exits),
    )


# Connected whenever a result of these tasks exists: django-tasks imports this module to build it.
record_failures(preview_roster_batch, apply_roster_batch, argument="batch_id", record=_fail,
                uid="rosters.tasks.job_failed")
