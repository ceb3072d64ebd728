"""The background-task worker: django-tasks-db's ``db_worker``, made to survive a busy database or to exit.

django-tasks-db's loop opens its claiming transaction outside its error handling, so a database locked
for longer than the busy timeout (SQLite while a long import holds the write lock) ends the loop with
``OperationalError``; under the autoreloader that loop is a thread, and the process stayed up doing
nothing. Here every database step of the loop (finding jobs left running, claiming a job, saving its
outcome) is retried with exponential backoff within a budget, and when the worker cannot go on
(budget spent, or anything unexpected escaping the loop) the process exits with status 1 so that
``bin/run`` or a process manager starts it again. On start it marks the jobs it left running under
the same ``--worker-id`` as failed, so their pages show why instead of "running" for ever.
"""

from __future__ import annotations

import logging
import os
import random
import sys
import threading
import time
from argparse import ArgumentParser

from django.core.exceptions import SuspiciousOperation
from django.core.management.base import CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.compat import task_finished
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from accounts import jobs

logger = logging.getLogger("accounts.worker")

EXIT_CANNOT_GO_ON = 1


class ResilientWorker(db_worker.Worker):
    """The library's worker with its loop rewritten around retried steps (signals and running a task are the
    library's)."""

    def __init__(self, *, backoff: jobs.Backoff, **kwargs):
        super().__init__(**kwargs)
        self.backoff = backoff

    def _retry(self, what: str, action):
        return jobs.retry_database(action, what=what, backoff=self.backoff)

    def run(self) -> None:
        logger.info("后台任务进程启动 worker_id=%s 队列=%s", self.worker_id, ",".join(self.queue_names))
        if self.startup_delay and self.interval:
            time.sleep(random.random())  # noqa: S311  (spread workers started together, as the library does)
        self._retry("接管上次中断的任务", self.fail_abandoned)
        while self.running:
            task_result = self._retry("领取任务", self.claim_next)
            if task_result is not None:
                self.run_task(task_result)
            if self.batch and task_result is None:
                logger.info("队列已空，退出 worker_id=%s", self.worker_id)
                return
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                logger.info("已执行 %d 个任务，退出 worker_id=%s", self._run_tasks, self.worker_id)
                return
            jobs.tidy_connections()
            if self.running and task_result is None:
                time.sleep(self.interval)

    def claim_next(self) -> DBTaskResult | None:
        """Claim the next ready job in one exclusive transaction, as the library does, or None."""
        jobs.tidy_connections()
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        with exclusive_transaction(tasks.db):
            task_result = tasks.get_locked()
            if task_result is not None:
                task_result.claim(self.worker_id)
        return task_result

    def run_task(self, db_task_result: DBTaskResult) -> None:
        """The library runs the task; saving its outcome (which the library tries three times in 0.3 s) is
        retried with backoff here: a database locked for a while delays the outcome instead of losing it."""
        what = f"保存任务 id={db_task_result.id} 的结果"
        for name in ("set_successful", "set_failed"):
            setattr(db_task_result, name, self._retried(what, getattr(db_task_result, name)))
        super().run_task(db_task_result)

    def _retried(self, what: str, save):
        return lambda *args: self._retry(what, lambda: save(*args))

    def fail_abandoned(self) -> None:
        """Mark as failed the jobs a previous run under this worker id left running (it stopped mid-job)."""
        running = DBTaskResult.objects.running().filter(backend_name=self.backend_name)
        for db_task_result in running:
            if db_task_result.worker_ids and db_task_result.worker_ids[-1] == self.worker_id:
                logger.warning("任务 id=%s 在上次运行中未完成，记为失败", db_task_result.id)
                self.record_failure(
                    db_task_result, jobs.WorkerLost(f"后台任务进程 {self.worker_id} 在执行本任务时退出")
                )

    @staticmethod
    def record_failure(db_task_result: DBTaskResult, exc: BaseException) -> None:
        """Record the job as failed and tell the task's app (``task_finished``), which marks its own record
        failed too."""
        db_task_result.set_failed(exc)
        try:
            sender = type(db_task_result.task.get_backend())
            task_result = db_task_result.task_result
        except (ImportError, SuspiciousOperation):
            logger.exception("任务 id=%s 已记为失败，但找不到它的任务函数", db_task_result.id)
        else:
            task_finished.send(sender=sender, task_result=task_result)


class Command(db_worker.Command):
    help = (
        "运行后台任务进程（django-tasks-db 的 db_worker，数据库出错时按退避重试；无法继续时以状态 1 退出，"
        "由 bin/run 或进程管理器重新启动）。"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        # A supervisor restarts the worker. Reloading runs it in a thread, whose death went unnoticed: off.
        parser.set_defaults(reload=False)
        next(action for action in parser._actions if action.dest == "reload").help = (
            "代码改动时自动重载（默认关闭；退出后由 bin/run 或进程管理器重新启动）"
        )
        parser.add_argument("--retry-delay", type=db_worker.valid_interval, default=jobs.Backoff.first,
                            help="数据库出错后第一次重试前等待的秒数，此后每次加倍（默认：%(default)s）")
        parser.add_argument("--retry-max-delay", type=db_worker.valid_interval, default=jobs.Backoff.cap,
                            help="两次重试之间最长等待的秒数（默认：%(default)s）")
        parser.add_argument("--retry-budget", type=db_worker.valid_interval, default=jobs.Backoff.budget,
                            help="数据库持续出错多少秒后放弃并以状态 1 退出（默认：%(default)s）")

    def configure_logging(self, verbosity: int) -> None:
        super().configure_logging(verbosity)
        level = {0: logging.CRITICAL, 1: logging.INFO}.get(verbosity, logging.DEBUG)
        for name in ("accounts.worker", "accounts.jobs"):
            logging.getLogger(name).setLevel(level)

    def handle(self, *, verbosity, queue_name, interval, batch, backend_name, startup_delay, reload,
               max_tasks, worker_id, exclude_queues, retry_delay, retry_max_delay, retry_budget, **options):
        self.configure_logging(verbosity)
        if reload and batch:
            logger.warning("--reload 与 --batch 不能同时使用，不自动重载。")
            reload = False
        queue_names = queue_name.split(",")
        excluded_queue_names = exclude_queues.split(",") if exclude_queues else []
        if excluded_queue_names and "*" not in queue_names:
            raise CommandError("--exclude-queues 只能与 --queue-name='*' 一起使用。")
        backoff = jobs.Backoff(first=retry_delay, cap=max(retry_delay, retry_max_delay), budget=retry_budget)
        worker = ResilientWorker(
            queue_names=queue_names, interval=interval, batch=batch, backend_name=backend_name,
            startup_delay=startup_delay, max_tasks=max_tasks, worker_id=worker_id,
            excluded_queue_names=excluded_queue_names, backoff=backoff,
        )
        previous, jobs.BACKOFF = jobs.BACKOFF, backoff  # the jobs' own retries use the same budget
        try:
            if reload:
                if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                    worker.configure_signals()
                run_with_reloader(self.serve, worker)
            else:
                worker.configure_signals()
                self.serve(worker)
        finally:
            jobs.BACKOFF = previous

    def serve(self, worker: ResilientWorker) -> None:
        """Run the worker; when it cannot go on, end the process with status 1 (also from the reloader's
        thread)."""
        try:
            worker.run()
        except (SystemExit, KeyboardInterrupt):
            raise
        except jobs.DatabaseUnavailable as exc:
            logger.critical("数据库持续不可用，后台任务进程退出（状态 %d）：%s", EXIT_CANNOT_GO_ON, exc)
            self.exit_process(EXIT_CANNOT_GO_ON)
        except BaseException:
            logger.critical("后台任务进程遇到意外错误，退出（状态 %d）", EXIT_CANNOT_GO_ON, exc_info=True)
            self.exit_process(EXIT_CANNOT_GO_ON)

    @staticmethod
    def exit_process(code: int) -> None:
        if threading.current_thread() is threading.main_thread():
            sys.exit(code)
        # In the autoreloader's thread sys.exit would end only the thread: end the process (the reloader's
        # parent then exits with the same status).
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
