"""bin/serve: production settings checked before anything starts; gunicorn serving pages and WhiteNoise the
static files; logs in files, one line per record, none twice; a graceful stop of everything on SIGTERM."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import sqlite3
import subprocess
import time
from contextlib import closing
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from log_lines import LINE

from config.logs import ACCESS_FILE, APP_FILE, GUNICORN_FILE

ROOT = Path(__file__).resolve().parents[2]
MARK = "YB_SERVE_TEST"  # in the environment of every process bin/serve starts: to find them if the test fails
# What bin/serve derives or the test sets; the rest of the environment (PATH, HOME) passes on.
SETTINGS_VARIABLES = ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "TRUSTED_PROXY_COUNT",
                      "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "VAR_DIR", "STATIC_ROOT", "MEDIA_ROOT",
                      "BIND", "WORKER_ID")


def environment(tmp_path: Path, **env) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items()
                 if k not in SETTINGS_VARIABLES and not k.startswith(("LOG_", "WEB_"))}
    return inherited | {"VAR_DIR": str(tmp_path / "var"), MARK: str(tmp_path), **env}


def marked_processes(mark: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                variables = (entry / "environ").read_bytes().split(b"\0")
            except OSError:
                continue
            if f"{MARK}={mark}".encode() in variables:
                found.append(int(entry.name))
    return found


@pytest.fixture
def leftovers(tmp_path):
    """Ends whatever bin/serve started that a failing test left running (by process id, found by MARK)."""
    yield
    for pid in marked_processes(str(tmp_path)):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.fixture
def database_url(db, tmp_path) -> str:
    """A migrated database bin/serve may use: migrating a new one takes longer than the whole test.

    SQLite: a copy of the suite's test database. PostgreSQL: the suite's test database itself (no copy can be
    made of it while the suite is connected to it); bin/serve finds nothing to migrate there, and what is
    fetched here writes nothing.
    """
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        copy = tmp_path / "db.sqlite3"
        with closing(sqlite3.connect(settings["NAME"])) as source, closing(sqlite3.connect(copy)) as target:
            source.backup(target)
        return f"sqlite:///{copy}"
    user = quote(settings["USER"] or "", safe="")
    password = f":{quote(settings['PASSWORD'], safe='')}" if settings["PASSWORD"] else ""
    host = quote(settings["HOST"] or "localhost", safe="")
    return f"postgres://{user}{password}@{host}:{settings['PORT'] or 5432}/{quote(settings['NAME'], safe='')}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(port: int, path: str, **headers) -> tuple[int, http.client.HTTPMessage, bytes]:
    # As nginx passes a request on (TRUSTED_PROXY_COUNT=1): over HTTPS, the client's address appended.
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        client.request("GET", path,
                       headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "192.0.2.7", **headers})
        response = client.getresponse()
        return response.status, response.headers, response.read()
    finally:
        client.close()


def wait_until(probe, seconds: float = 120):
    """``probe()`` again until it returns something, which is returned. Generous: on a loaded machine
    bin/serve's interpreters start slowly."""
    deadline = time.monotonic() + seconds
    while not (result := probe()):
        assert time.monotonic() < deadline, f"{seconds} 秒内未等到"
        time.sleep(0.2)
    return result


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""


def login_page(server: subprocess.Popen, port: int) -> str | None:
    """The login page once gunicorn answers (None before), as long as bin/serve runs."""
    assert server.poll() is None, server.communicate()[0]
    try:
        status, _, body = fetch(port, "/login/")
    except ConnectionError:
        return None
    assert status == 200, body
    return body.decode()


def records(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines and all(LINE.fullmatch(line) for line in lines), lines  # a line per record, no traceback
    assert len(set(lines)) == len(lines), [line for line in lines if lines.count(line) > 1]  # none twice
    return lines


def test_bin_serve_refuses_settings_that_fail_the_deploy_check_and_starts_nothing(tmp_path, leftovers):
    env = environment(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", SECRET_KEY="too-short",
                      ALLOWED_HOSTS="")
    result = subprocess.run(["bin/serve"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "生产设置检查未通过（2 项），服务未启动" in result.stderr
    assert "[security.W009] SECRET_KEY 太短或太简单" in result.stderr
    assert "[security.W020] ALLOWED_HOSTS 为空" in result.stderr
    # nothing migrated, collected or started
    assert not (tmp_path / "db.sqlite3").exists() and not (tmp_path / "var" / "staticfiles").exists()
    assert not (tmp_path / "var" / "log" / GUNICORN_FILE).exists()


def test_bin_serve_serves_pages_and_static_files_logs_each_record_once_and_stops_gracefully(
        tmp_path, database_url, leftovers):
    port = free_port()
    env = environment(tmp_path, DATABASE_URL=database_url, BIND=f"127.0.0.1:{port}", WEB_WORKERS="1",
                      TRUSTED_PROXY_COUNT="1", WORKER_ID="serve-test")
    server = subprocess.Popen(["bin/serve"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        login = wait_until(lambda: login_page(server, port))
        assert 'name="username"' in login
        # the stylesheet by its collected name, with a hash of its content: cached for ever, also gzipped
        stylesheet = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', login)
        assert stylesheet, login
        status, headers, body = fetch(port, stylesheet[1])
        assert status == 200 and headers["Content-Type"].startswith("text/css") and b"{" in body
        assert headers["Cache-Control"] == "max-age=315360000, public, immutable"
        status, headers, _ = fetch(port, stylesheet[1], **{"Accept-Encoding": "gzip"})
        assert status == 200 and headers["Content-Encoding"] == "gzip"
        # a page that does not exist: Django logs it (once, checked below)
        assert fetch(port, "/no-such-page/")[0] == 404
        # not over HTTPS: sent there
        status, headers, _ = fetch(port, "/login/", **{"X-Forwarded-Proto": "http"})
        assert status == 301 and headers["Location"] == f"https://127.0.0.1:{port}/login/"
        # the worker is running (its signal handling in place) before it is asked to stop
        wait_until(lambda: "后台任务进程启动" in read(tmp_path / "var" / "log" / APP_FILE))
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=120)
    assert server.returncode == 0, output
    assert f"http://127.0.0.1:{port}/" in output
    assert not marked_processes(str(tmp_path)), "bin/serve 退出后仍有进程在运行"

    log_dir = tmp_path / "var" / "log"
    app, access, web = (records(log_dir / name) for name in (APP_FILE, ACCESS_FILE, GUNICORN_FILE))
    assert sum(line.endswith("Not Found: /no-such-page/") for line in app) == 1
    assert sum("后台任务进程启动 worker_id=serve-test" in line for line in app) == 1
    # the worker was asked to stop once (a second signal would have ended the job it was running)
    assert sum("shutting down gracefully" in line for line in app) == 1
    assert sum('"GET /login/ HTTP/1.1" 200' in line for line in access) == 1
    assert sum(f'"GET {stylesheet[1]} HTTP/1.1" 200' in line for line in access) == 2
    assert sum(f"Listening at: http://127.0.0.1:{port}" in line for line in web) == 1
    assert sum("Shutting down: Master" in line for line in web) == 1
    # the key bin/serve generated is readable by its owner alone
    assert (tmp_path / "var" / "secret_key").stat().st_mode & 0o777 == 0o600
