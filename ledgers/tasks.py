"""Background jobs (django-tasks): run by ``manage.py run_worker``; tests use the immediate backend.

A failed export records its reason itself; should even that fail (the database stayed unavailable) or the
worker stop mid-job, the worker's report that the job failed records it instead (``_job_failed``), so that
no export stays "排队中" or "正在生成" for ever.
"""

from django.dispatch import receiver
from django_tasks import TaskResultStatus, task
from django_tasks.signals import task_finished

from accounts.jobs import retry_database, task_failure_reason
from ledgers.services import ledger_export_fail, ledger_export_run


@task()
def ledger_export_task(export_id: int) -> int:
    """Write a ledger export queued in the browser; returns the number of rows."""
    return ledger_export_run(export_id=export_id).rows_written


# Connected whenever a result of this task exists: django-tasks imports this module to build it.
@receiver(task_finished, dispatch_uid="ledgers.tasks.job_failed")
def _job_failed(sender, task_result, **kwargs) -> None:
    failed = task_result.status == TaskResultStatus.FAILED
    if not failed or task_result.task.module_path != ledger_export_task.module_path:
        return
    export_id = task_result.args[0] if task_result.args else task_result.kwargs["export_id"]
    message = task_failure_reason(task_result)
    retry_database(lambda: ledger_export_fail(export_id=export_id, message=message),
                   what=f"记录台账导出 #{export_id} 失败")
