"""Background jobs of the claims app (django-tasks): run by ``manage.py run_worker``; tests use the immediate
backend.

A failed trial run records its reason itself; should even that fail (the database stayed unavailable) or the
worker stop mid-job, the worker's report that the job failed records it instead (``record_failures``), so that
no run stays "排队中" or "正在试算" for ever.
"""

from django_tasks import task

from accounts.jobs import record_failures, retry_database
from claims.simulation import simulation_fail, simulation_run


@task()
def policy_simulation_task(simulation_id: int) -> int:
    """Run a 政策试算 queued in the browser; returns the number of bills compared."""
    return simulation_run(simulation_id=simulation_id).bills_done


# Connected whenever a result of this task exists: django-tasks imports this module to build it.
record_failures(
    policy_simulation_task,
    argument="simulation_id",
    record=lambda simulation_id, message: retry_database(
        lambda: simulation_fail(simulation_id=simulation_id, message=message),
        what=f"记录政策试算 #{simulation_id} 失败",
    ),
    uid="claims.tasks.job_failed",
)
