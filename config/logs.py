"""Where log records go, one line each: ``settings.LOGGING`` and gunicorn's ``logconfig_dict`` are built here.

Development: standard error. Production (``LOG_DIR`` set, as ``bin/serve`` does): files in that folder,
rotated by size: ``app.log`` (the application: web workers, the task worker, commands) and gunicorn's
``access.log`` and ``gunicorn.log``. Several processes append to each file, so they rotate it under a lock
they all take (``SharedRotatingFileHandler``; docs/decisions.md, "Production serving").

Each record is printed once: Django's default configuration gives its ``django`` logger a console handler
of its own (printing while ``DEBUG`` is on) and ``django.server`` another, so a record of theirs that also
reached our root handler was printed twice; here they have none and pass their records to the root handler.
"""

from __future__ import annotations

import fcntl
import logging
import logging.handlers
import os
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

LINE_FORMAT = "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s"
APP_FILE = "app.log"
ACCESS_FILE = "access.log"
GUNICORN_FILE = "gunicorn.log"
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class OneLineFormatter(logging.Formatter):
    """A record on one line: line breaks inside its message (a multi-line error, text somebody typed) are
    written as ``\\n``, so that every record starts a line of its own and no input can forge one. A traceback,
    which the formatter appends after the message, keeps its lines."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return super().formatMessage(record).replace("\r", "\\r").replace("\n", "\\n")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        """ISO 8601 with the offset: gunicorn's master keeps the machine's time zone while processes that
        loaded Django use TIME_ZONE, and their lines meet in one file."""
        return datetime.fromtimestamp(record.created).astimezone().isoformat(sep=" ", timespec="milliseconds")


class SharedRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A size-rotated log file that several processes append to (gunicorn's workers, the task worker,
    commands).

    The standard handler rotates in each process on its own: two processes reaching the limit together both
    rename the files (a generation is lost), and a process whose file another one renamed writes on into the
    renamed file, which a later rotation deletes with its newest records. Here the size check, the rotation
    and the write happen under an exclusive lock (``flock`` on ``<file>.lock``) that every process takes, and
    a process whose file was rotated away by another opens the current one first.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._lock_fd: int | None = None
        self._lock_pid: int | None = None

    def emit(self, record: logging.LogRecord) -> None:
        try:
            fd = self._lock_descriptor()
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:
            self.handleError(record)
            return
        try:
            self._follow_rotation()
            super().emit(record)  # checks the size, rotates if needed, writes and flushes
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)

    def _lock_descriptor(self) -> int:
        # A flock belongs to an open file, which a forked child shares with its parent: each process opens
        # its own.
        if self._lock_pid != os.getpid():
            self._close_lock()
            flags = os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC
            self._lock_fd = os.open(f"{self.baseFilename}.lock", flags, 0o644)
            self._lock_pid = os.getpid()
        return self._lock_fd

    def _follow_rotation(self) -> None:
        """Open the file under our name again when another process has rotated away the one we hold."""
        if self.stream is None:
            return
        try:
            current = os.stat(self.baseFilename)
        except FileNotFoundError:
            current = None
        held = os.fstat(self.stream.fileno())
        if current is None or (current.st_dev, current.st_ino) != (held.st_dev, held.st_ino):
            self.stream.close()
            self.stream = self._open()

    def _close_lock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
        self._lock_fd = self._lock_pid = None

    def close(self) -> None:
        self.acquire()
        try:
            self._close_lock()
        finally:
            self.release()
        super().close()


def configuration(environ: Mapping[str, str], *, gunicorn: bool = False) -> dict:
    """The ``dictConfig`` for this process, from ``LOG_LEVEL``, ``LOG_DIR``, ``LOG_MAX_BYTES`` and
    ``LOG_BACKUP_COUNT``; with ``gunicorn``, also gunicorn's access and error loggers."""
    level = (environ.get("LOG_LEVEL") or "WARNING").upper()
    if level not in LEVELS:
        raise ImproperlyConfigured(f"LOG_LEVEL 应为 {'、'.join(LEVELS)} 之一（当前为“{level}”）。")
    log_dir = environ.get("LOG_DIR") or ""
    max_bytes = _whole_number(environ, "LOG_MAX_BYTES", 20 * 1024 * 1024)
    backup_count = _whole_number(environ, "LOG_BACKUP_COUNT", 10)

    def destination(file_name: str) -> dict:
        if not log_dir:
            return {"class": "logging.StreamHandler", "formatter": "line"}  # standard error
        return {"class": "config.logs.SharedRotatingFileHandler", "formatter": "line",
                "filename": str(Path(log_dir) / file_name), "encoding": "utf-8",
                "maxBytes": max_bytes, "backupCount": backup_count}

    if log_dir:
        Path(log_dir).mkdir(parents=True, exist_ok=True)
    config = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"line": {"class": "config.logs.OneLineFormatter", "format": LINE_FORMAT}},
        "handlers": {"app": destination(APP_FILE)},
        "root": {"handlers": ["app"], "level": level},
        "loggers": {
            # Django's defaults give these handlers of their own: without, their records reach ours, once.
            "django": {"handlers": [], "level": "NOTSET", "propagate": True},
            "django.server": {"handlers": [], "level": "INFO", "propagate": True},  # runserver's requests
        },
    }
    if gunicorn:
        config["handlers"] |= {"access": destination(ACCESS_FILE), "gunicorn": destination(GUNICORN_FILE)}
        config["loggers"] |= {
            "gunicorn.access": {"handlers": ["access"], "propagate": False},
            "gunicorn.error": {"handlers": ["gunicorn"], "propagate": False},
        }
    return config


def _whole_number(environ: Mapping[str, str], name: str, default: int) -> int:
    text = environ.get(name) or str(default)
    if not text.isdigit():
        raise ImproperlyConfigured(f"{name} 应为非负整数（当前为“{text}”）。")
    return int(text)
