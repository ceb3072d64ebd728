"""Background jobs (django-tasks): run by ``manage.py run_worker``; tests use the immediate backend.

A failed export records its reason itself; should even that fail (the database stayed unavailable) or the
worker stop mid-job, the worker's report that the job failed records it instead (``record_failures``), so that
no export stays "排队中" or "正在生成" for ever.
"""

from django_tasks import task

from accounts.jobs import record_failures, retry_database
from ledgers.services import ledger_export_fail, ledger_export_run


@task()
def ledger_export_task(export_id: int) -> int:
    """Write a ledger export queued in the browser; returns the number of rows."""
    return ledger_export_run(export_id=export_id).rows_written


# Connected whenever a result of this task exists: django-tasks imports this module to build it.
record_failures(
    ledger_export_task,
    argument="export_id",
    record=lambda export_id, message: retry_database(
        lambda: ledger_export_fail(export_id=export_id, message=message), what=f"记录台账导出 #{export_id} 失败"
    ),
    uid="ledgers.tasks.job_failed",
)
