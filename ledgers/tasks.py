"""Background jobs (django-tasks): run by ``manage.py db_worker``; tests use the immediate backend."""

from django_tasks import task

from ledgers.services import ledger_export_run


@task()
def ledger_export_task(export_id: int) -> int:
    """Write a ledger export queued in the browser; returns the number of rows."""
    return ledger_export_run(export_id=export_id).rows_written
