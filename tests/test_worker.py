"""The task worker (``manage.py run_worker``) outlasts a database that fails for a while, and exits when it
cannot go on."""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from accounts import jobs
from accounts.management.commands import run_worker

ROOT = Path(__file__).resolve().parent.parent
QUICK = ["--batch", "--no-startup-delay", "--retry-delay", "0.001", "--retry-max-delay", "0.004"]
DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@task()
def shout(text: str) -> str:
    return text.upper()


def claiming(sql, params) -> bool:
    """The query with which the worker picks the next ready job."""
    return sql.lstrip().upper().startswith("SELECT") and "READY" in (params or ())


def saving_success(sql, params) -> bool:
    return sql.lstrip().upper().startswith("UPDATE") and "SUCCESSFUL" in (params or ())


@contextlib.contextmanager
def failing(statement, times: int | None, message: str = "database is locked"):
    """The next ``times`` (None: every) statements on the task table for which ``statement(sql, params)``
    holds fail in the database layer, as they fail while the database is locked or its connection lost."""
    failures = []

    def wrapper(execute, sql, params, many, context):
        if (DBTaskResult._meta.db_table in sql and statement(sql, params)
                and (times is None or len(failures) < times)):
            failures.append(sql)
            raise OperationalError(message)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield failures


def test_retries_wait_twice_as_long_each_time_up_to_the_cap_and_stop_when_the_budget_is_spent():
    clock = [0.0]
    waits = []

    def sleep(seconds):
        waits.append(seconds)
        clock[0] += seconds

    backoff = jobs.Backoff(first=1, cap=4, budget=12, sleep=sleep, clock=lambda: clock[0])
    attempts = []

    def locked():
        attempts.append(clock[0])
        raise OperationalError("database is locked")

    with pytest.raises(jobs.DatabaseUnavailable) as raised:
        jobs.retry_database(locked, what="测试", backoff=backoff)
    assert waits == [1, 2, 4, 4] and len(attempts) == 5  # one more wait: 11 + 4 > 12
    assert isinstance(raised.value.__cause__, OperationalError)
    # an enclosing retry does not start over with a new budget
    with pytest.raises(jobs.DatabaseUnavailable):
        jobs.retry_database(lambda: jobs.retry_database(locked, what="内层", backoff=backoff), what="外层",
                            backoff=backoff)
    assert len(attempts) == 10
    # other errors are not the database being busy: not retried
    with pytest.raises(ZeroDivisionError):
        jobs.retry_database(lambda: 1 / 0, what="测试", backoff=backoff)
    # a transient failure is retried, and the answer returned
    outcomes = iter([OperationalError("database is locked"), OperationalError("database is locked"), "done"])

    def flaky():
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    waits.clear()
    assert jobs.retry_database(flaky, what="测试", backoff=backoff) == "done" and waits == [1, 2]


@pytest.mark.django_db
@pytest.mark.parametrize("error", ["database is locked", "server closed the connection unexpectedly"])
def test_a_database_error_while_claiming_a_job_is_retried_and_the_job_still_runs(settings, caplog, error):
    settings.TASKS = DATABASE_QUEUE
    result = shout.enqueue("ok")
    with failing(claiming, times=3, message=error) as failures, caplog.at_level(logging.WARNING):
        call_command("run_worker", *QUICK)
    db_result = DBTaskResult.objects.get(pk=result.id)
    assert len(failures) == 3
    assert (db_result.status, db_result.return_value) == ("SUCCESSFUL", "OK")
    retries = [record.getMessage() for record in caplog.records if record.getMessage().startswith("领取任务")]
    assert retries == [f"领取任务：数据库错误（第 {n} 次）：{error}；0.00 秒后重试" for n in (1, 2, 3)]


# A failed save marks the enclosing transaction for rollback; the worker has none, the test's must commit.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_locked_database_while_saving_a_result_is_retried_and_the_result_kept(settings):
    settings.TASKS = DATABASE_QUEUE
    result = shout.enqueue("ok")
    # more failures than the library's own three quick tries, after which it would record a failure
    with failing(saving_success, times=5) as failures:
        call_command("run_worker", *QUICK)
    db_result = DBTaskResult.objects.get(pk=result.id)
    assert len(failures) == 5
    assert (db_result.status, db_result.return_value) == ("SUCCESSFUL", "OK")


@pytest.mark.django_db
def test_when_the_database_stays_unavailable_the_worker_exits_with_status_1(settings, caplog):
    settings.TASKS = DATABASE_QUEUE
    result = shout.enqueue("ok")
    with failing(claiming, times=None) as failures, pytest.raises(SystemExit) as exited:
        call_command("run_worker", *QUICK, "--retry-budget", "0.05")
    assert exited.value.code == 1 and len(failures) >= 2
    assert any(record.levelno == logging.CRITICAL and "数据库持续不可用" in record.getMessage()
               for record in caplog.records)
    assert DBTaskResult.objects.get(pk=result.id).status == "READY"  # left for the restarted worker


def test_the_worker_process_exits_with_status_1_when_it_cannot_use_its_table(tmp_path):
    """A real process on a database without the task table (never migrated): it retries, then exits."""
    env = {**os.environ, "VAR_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
           "DJANGO_SETTINGS_MODULE": "config.settings"}
    process = subprocess.run(
        [sys.executable, "manage.py", "run_worker", "--no-startup-delay", "--retry-delay", "0.01",
         "--retry-budget", "0.2"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert process.returncode == 1, process.stderr
    assert "no such table" in process.stderr and "放弃" in process.stderr and "退出（状态 1）" in process.stderr


@pytest.mark.django_db
def test_an_unexpected_error_escaping_the_loop_exits_with_status_1(settings, monkeypatch, caplog):
    settings.TASKS = DATABASE_QUEUE

    def broken(self):
        raise RuntimeError("出乎意料")

    monkeypatch.setattr(run_worker.ResilientWorker, "claim_next", broken)
    with pytest.raises(SystemExit) as exited:
        call_command("run_worker", *QUICK)
    assert exited.value.code == 1
    assert any("意外错误" in record.getMessage() and record.exc_info for record in caplog.records)


def test_when_the_loop_runs_in_a_thread_its_death_ends_the_whole_process(monkeypatch):
    """Under --reload the loop is a thread; a thread's sys.exit would end only the thread."""
    exits = []
    monkeypatch.setattr(run_worker.os, "_exit", exits.append)

    class Dying:
        def run(self):
            raise RuntimeError("线程中的错误")

    thread = threading.Thread(target=run_worker.Command().serve, args=(Dying(),))
    thread.start()
    thread.join(timeout=10)
    assert exits == [1]


@pytest.mark.django_db
def test_a_job_left_running_by_a_stopped_worker_fails_when_that_worker_starts_again(settings):
    settings.TASKS = DATABASE_QUEUE
    mine, others = shout.enqueue("mine").db_result, shout.enqueue("others").db_result
    mine.claim("worker-1")
    others.claim("worker-2")  # another worker, maybe still running it
    call_command("run_worker", *QUICK, "--worker-id", "worker-1")
    mine.refresh_from_db()
    others.refresh_from_db()
    assert mine.status == "FAILED" and mine.exception_class_path == "accounts.jobs.WorkerLost"
    assert others.status == "RUNNING"


# The test's own transaction would hold SQLite's write lock: the test must commit.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's database-wide write lock")
def test_a_write_lock_held_by_another_connection_delays_the_job_but_does_not_stop_the_worker(settings):
    """The reported defect: a long write (an import preview) holds SQLite's lock past the busy timeout."""
    settings.TASKS = DATABASE_QUEUE
    result = shout.enqueue("ok")
    blocker = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    waits = []

    def sleep(seconds):
        waits.append(seconds)
        if len(waits) == 2:
            blocker.execute("COMMIT")

    worker = run_worker.ResilientWorker(
        queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False,
        max_tasks=None, worker_id="worker-1", excluded_queue_names=[],
        backoff=jobs.Backoff(first=0.001, sleep=sleep),
    )
    options = connection.settings_dict["OPTIONS"]
    timeout = options.get("timeout")
    options["timeout"] = 0.05  # the busy timeout, 20 s in production
    connection.close()
    try:
        worker.run()
    finally:
        options["timeout"] = timeout
        connection.close()
        blocker.close()
    assert len(waits) == 2
    assert DBTaskResult.objects.get(pk=result.id).status == "SUCCESSFUL"


def worker_script_with(tmp_path: Path, python: str) -> Path:
    """bin/worker as it is, beside an env.sh whose Python is the given stand-in script."""
    (tmp_path / "bin").mkdir()
    script = tmp_path / "bin" / "worker"
    script.write_text((ROOT / "bin" / "worker").read_text())
    fake = tmp_path / "python"
    fake.write_text(f"#!/usr/bin/env bash\n{python}")
    fake.chmod(0o755)
    (tmp_path / "bin" / "env.sh").write_text(f'set -euo pipefail\ncd "{tmp_path}"\nPY="{fake}"\n')
    return script


def test_bin_worker_starts_the_worker_again_after_a_pause_when_it_exits_non_zero(tmp_path):
    """The loop bin/run and bin/serve keep the worker in, with a stand-in that fails twice and then stops."""
    for runner in ("run", "serve"):
        assert '"$ROOT/bin/worker" "' in (ROOT / "bin" / runner).read_text()
    script = worker_script_with(tmp_path, 'echo "$*" >> runs\n[ "$(wc -l < runs)" -ge 3 ]\n')
    result = subprocess.run(["bash", str(script), "bin-run-8123"], capture_output=True, text=True, timeout=30,
                            env={**os.environ, "WORKER_RESTART_DELAY": "0"})
    assert result.returncode == 0, result.stderr
    runs = (tmp_path / "runs").read_text().splitlines()
    assert runs == ["manage.py run_worker --interval 1 --worker-id bin-run-8123"] * 3
    assert result.stderr.count("后台任务进程退出（状态 1），0 秒后重新启动") == 2


def test_bin_worker_passes_sigterm_on_once_and_waits_for_the_worker_to_finish_its_job(tmp_path):
    # The stand-in finishes "its job" a moment after the first SIGTERM; a second one would end it at once.
    script = worker_script_with(tmp_path, (
        "trap 'echo TERM >> signals; [ $(wc -l < signals) -ge 2 ] && exit 1; stopping=1' TERM\n"
        "echo started > state\n"
        "while [ -z \"${stopping:-}\" ]; do sleep 0.05; done\n"
        "sleep 0.5; echo finished > state\n"
    ))
    loop = subprocess.Popen(["bash", str(script), "worker-1"], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not (tmp_path / "state").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    loop.terminate()
    assert loop.wait(timeout=30) == 0, loop.stderr.read()
    assert (tmp_path / "state").read_text() == "finished\n"
    assert (tmp_path / "signals").read_text() == "TERM\n"
