"""Log records: one line each, printed once (in production, through bin/serve: tests/serving/test_serve.py),
and log files rotated safely while several processes write them."""

from __future__ import annotations

import logging
import multiprocessing
import os
import re
import subprocess
import sys
from pathlib import Path

from log_lines import LINE

from config.logs import SharedRotatingFileHandler

ROOT = Path(__file__).resolve().parents[2]

# Django's request logger (a 404), its runserver logger, one of ours with a line break in its message, and an
# exception with its traceback.
LOGGING_SCRIPT = """
import logging, django
django.setup()
logging.getLogger("django.request").warning("Not Found: /no-such-page/")
logging.getLogger("django.server").info('"GET /login/ HTTP/1.1" 200 1204')
logging.getLogger("accounts.worker").warning("第一行\\n2026-01-01 00:00:00.000+08:00 ERROR forged 1 伪造的一行")
try:
    1 / 0
except ZeroDivisionError:
    logging.getLogger("claims").exception("结算失败")
"""


def test_in_development_each_record_reaches_standard_error_once_on_a_line_of_its_own():
    # Django's own console handler for its "django" logger prints while DEBUG is on: with ours, twice.
    environment = {k: v for k, v in os.environ.items() if not k.startswith("LOG_")}
    environment |= {"DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "1"}
    result = subprocess.run([sys.executable, "-c", LOGGING_SCRIPT], cwd=ROOT, env=environment,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert [line.split(" ", 5)[5] for line in lines[:4] if LINE.fullmatch(line)] == [
        "Not Found: /no-such-page/",
        '"GET /login/ HTTP/1.1" 200 1204',
        "第一行\\n2026-01-01 00:00:00.000+08:00 ERROR forged 1 伪造的一行",  # its line break as \\n
        "结算失败",
    ], result.stderr
    # then the traceback of the last one, and nothing else
    assert lines[4] == "Traceback (most recent call last):"
    assert lines[-1] == "ZeroDivisionError: division by zero"
    assert not any(LINE.fullmatch(line) for line in lines[4:]), result.stderr


# --- several processes writing one rotated file ---------------------------------------------------------

WRITERS, RECORDS, MAX_BYTES, BACKUPS = 3, 400, 4096, 3
RECORD = re.compile(r"writer=(\d) record=(\d{5}) x{40}")
RECORD_BYTES = len("writer=0 record=00000 " + "x" * 40 + "\n")


def write_records(path: Path, writer: int, start) -> None:
    handler = SharedRotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.Logger(f"writer-{writer}")
    logger.addHandler(handler)
    start.wait()
    for number in range(RECORDS):
        logger.warning("writer=%d record=%05d %s", writer, number, "x" * 40)
    handler.close()


def test_processes_writing_one_log_rotate_it_without_losing_or_shortening_generations(tmp_path):
    """Three processes whose records fill 20 files: each rotation happens once, when the file is full, and
    every process goes on writing into the current file. (The standard handler fails this: processes rotate
    away files that another one has just begun, and write on into files that a rotation deletes.)"""
    context = multiprocessing.get_context("fork")
    start = context.Barrier(WRITERS)
    path = tmp_path / "app.log"
    writers = [context.Process(target=write_records, args=(path, writer, start)) for writer in range(WRITERS)]
    for process in writers:
        process.start()
    for process in writers:
        process.join(timeout=60)
        assert process.exitcode == 0
    files = [path] + [Path(f"{path}.{n}") for n in range(1, BACKUPS + 1)]
    assert sorted(file for file in tmp_path.glob("app.log*") if file.suffix != ".lock") == sorted(files)
    kept: dict[int, list[int]] = {writer: [] for writer in range(WRITERS)}
    for file in files:
        size = file.stat().st_size
        assert size < MAX_BYTES
        if file != path:
            assert size + RECORD_BYTES >= MAX_BYTES, f"{file.name} rotated before it was full ({size} bytes)"
        for line in file.read_text(encoding="utf-8").splitlines():
            match = RECORD.fullmatch(line)
            assert match, line
            kept[int(match[1])].append(int(match[2]))
    assert sum(map(len, kept.values())) > (BACKUPS * MAX_BYTES) // RECORD_BYTES
    for writer, numbers in kept.items():
        # a writer's newest records, none twice, none missing since its oldest one kept (a writer that wrote
        # all its records before the others wrote theirs may have none left)
        assert sorted(numbers) == list(range(min(numbers, default=RECORDS), RECORDS)), (writer, numbers)
