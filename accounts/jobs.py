"""What background jobs share: retrying database work with backoff, and the reason a failed job shows.

The task worker (``manage.py run_worker``) retries its own database work with ``retry_database``; so do
the jobs when they record that they failed, so that a database locked for a while (SQLite while a long
write holds it) delays a job's outcome instead of leaving it "running" for ever. ``job_failure_reason``
turns an exception into the Chinese sentence the job's page shows.
"""

from __future__ import annotations

import errno
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import DatabaseError, InterfaceError, OperationalError, close_old_connections, connections
from django.utils.module_loading import import_string

logger = logging.getLogger("accounts.jobs")

T = TypeVar("T")

DATABASE_FAILURE = (
    "数据库繁忙或暂时无法访问（可能有其他大批量操作正在进行），本次处理未完成。"
    "请稍后重试；如反复出现，请联系系统管理员查看后台任务日志。"
)
WORKER_LOST = "后台任务进程在处理过程中中断，本次处理未完成。请重新提交；如反复出现，请联系系统管理员查看后台任务日志。"
UNEXPECTED_FAILURE = "处理时发生意外错误，本次处理未完成。请联系系统管理员查看后台任务日志。"
FILE_ERRORS = {errno.ENOSPC: "磁盘空间不足", errno.EACCES: "没有读写权限", errno.EPERM: "没有读写权限",
               errno.ENOENT: "文件不存在", errno.EROFS: "磁盘只读"}

# The database errors worth trying again: a lock, a dropped connection, a server restarting.
RETRYABLE = (OperationalError, InterfaceError)


class DatabaseUnavailable(OperationalError):
    """The database kept failing for the whole retry budget; raised from the last error."""


class WorkerLost(Exception):
    """Recorded on a job that a worker left running when it stopped (found when it starts again)."""


@dataclass(frozen=True)
class Backoff:
    """Wait ``first`` seconds after the first failure, twice as long after each next one up to ``cap``,
    and give up once ``budget`` seconds have passed since the first failure of a run of failures."""

    first: float = 0.5
    cap: float = 30.0
    budget: float = 300.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic


# The process's backoff; ``run_worker`` replaces it with its options while it runs.
BACKOFF = Backoff()


def retry_database(action: Callable[[], T], *, what: str, backoff: Backoff | None = None) -> T:
    """``action()``, tried again after each retryable database error until the budget is spent.

    Each retry is logged (``what`` says what was being done); when the budget is spent the last error
    is raised as ``DatabaseUnavailable``, which is never retried again by an enclosing ``retry_database``.
    Call it outside transactions: inside one a failed statement cannot be repeated.
    """
    backoff = backoff or BACKOFF
    delay, first_failure, attempt = backoff.first, None, 0
    while True:
        try:
            return action()
        except DatabaseUnavailable:
            raise
        except RETRYABLE as exc:
            attempt += 1
            now = backoff.clock()
            first_failure = now if first_failure is None else first_failure
            spent = now - first_failure
            if spent + delay > backoff.budget:
                logger.error("%s：数据库错误，已尝试 %d 次（%.1f 秒），放弃：%s", what, attempt, spent, exc)
                raise DatabaseUnavailable(*exc.args) from exc
            logger.warning("%s：数据库错误（第 %d 次）：%s；%.2f 秒后重试", what, attempt, exc, delay)
            tidy_connections()
            backoff.sleep(delay)
            delay = min(delay * 2, backoff.cap)


def tidy_connections() -> None:
    """Close unusable or expired connections, so that the next query opens a fresh one; never one inside a
    transaction (the worker is never inside one here; a test is)."""
    if not any(connection.in_atomic_block for connection in connections.all(initialized_only=True)):
        try:
            close_old_connections()
        except DatabaseError:  # closing a broken connection may fail too; the next attempt reconnects
            logger.debug("关闭数据库连接失败", exc_info=True)


def job_failure_reason(exc: BaseException | type[BaseException] | None) -> str:
    """The sentence a failed job's page shows for ``exc`` (an exception or its class); details go to logs."""
    if isinstance(exc, ValidationError):
        return "\n".join(exc.messages)
    kind = exc if isinstance(exc, type) else type(exc)
    if issubclass(kind, WorkerLost):
        return WORKER_LOST
    if issubclass(kind, DatabaseError):
        return DATABASE_FAILURE
    if isinstance(exc, OSError):  # the system's words for it, never the path
        return f"读写文件失败：{FILE_ERRORS.get(exc.errno) or exc.strerror or exc}"
    if issubclass(kind, OSError):
        return "读写文件失败。请联系系统管理员查看后台任务日志。"
    return UNEXPECTED_FAILURE


def task_failure_reason(task_result) -> str:
    """The reason for a failed django-tasks result, from the class of the exception it recorded."""
    path = task_result.errors[-1].exception_class_path if task_result.errors else ""
    try:
        kind = import_string(path)
    except ImportError:
        kind = None
    return job_failure_reason(kind if isinstance(kind, type) and issubclass(kind, BaseException) else None)


def record_failures(*tasks, argument: str, record: Callable[[int, str], object], uid: str) -> None:
    """When the worker reports that one of ``tasks`` failed, ``record(its argument, the reason)``: the
    second line behind a job recording its own failure (it could not, or its worker stopped mid-job).
    ``argument`` names the task's first argument, the record's key."""
    from django_tasks import TaskResultStatus
    from django_tasks.signals import task_finished

    paths = {task.module_path for task in tasks}

    def failed(sender, task_result, **kwargs) -> None:
        if task_result.status == TaskResultStatus.FAILED and task_result.task.module_path in paths:
            key = task_result.args[0] if task_result.args else task_result.kwargs[argument]
            record(key, task_failure_reason(task_result))

    task_finished.connect(failed, weak=False, dispatch_uid=uid)
