"""Background jobs for the browser: previewing and applying a large list run in the task worker."""

from django.core.exceptions import ValidationError
from django_tasks import task

from accounts.models import User
from rosters.models import RosterBatch
from rosters.services import roster_batch_apply, roster_batch_fail, roster_batch_preview

UNEXPECTED_FAILURE = "处理时发生意外错误，未写入任何数据。请联系系统管理员查看后台任务日志。"


def _run(batch: RosterBatch, step) -> None:
    try:
        step()
    except ValidationError as exc:
        roster_batch_fail(batch=batch, message="\n".join(exc.messages))
    except Exception:
        roster_batch_fail(batch=batch, message=UNEXPECTED_FAILURE)
        raise


@task()
def preview_roster_batch(batch_id: int) -> None:
    batch = RosterBatch.objects.get(pk=batch_id)
    _run(batch, lambda: roster_batch_preview(batch=batch))


@task()
def apply_roster_batch(batch_id: int, user_id: int) -> None:
    batch = RosterBatch.objects.get(pk=batch_id)
    _run(batch, lambda: roster_batch_apply(batch=batch, user=User.objects.get(pk=user_id)))
