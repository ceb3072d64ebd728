"""Shared helpers for the browser tests: Debian's Chromium, headless, driven by Playwright.

A test directory makes the fixtures available by importing them in its conftest::

    from browser_support import browser_page  # noqa: F401

(``tests/`` is on ``sys.path`` because ``tests/conftest.py`` has no package around it.)
When ``/usr/bin/chromium`` is missing or Playwright cannot start it, the fixtures skip the test and say why;
``bin/test`` installs Chromium with apt-get where it may.
"""

from __future__ import annotations

import os
import re

import pytest

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1366, "height": 900}
TIMEOUT_MS = 15_000


@pytest.fixture
def browser_page(request, monkeypatch):
    """A fresh page in a fresh headless Chromium; everything is closed afterwards. A test marked
    ``@pytest.mark.browser_context(locale=…, extra_http_headers=…)`` gets a context with those options."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium 未安装（{CHROMIUM}）：浏览器测试跳过")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - playwright is in requirements.txt
        pytest.skip(f"Playwright 未安装（{exc}）：浏览器测试跳过")
    # Playwright's sync API keeps an asyncio loop running in this thread; the test's own ORM calls
    # (fixtures, assertions on the database) are still synchronous, so Django must not refuse them.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    try:
        playwright = sync_playwright().start()
    except Exception as exc:  # noqa: BLE001 - any failure to start means "cannot run here"
        pytest.skip(f"Playwright 无法启动（{exc}）：浏览器测试跳过")
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
    except Exception as exc:  # noqa: BLE001
        playwright.stop()
        pytest.skip(f"Chromium 无法启动（{CHROMIUM}：{str(exc).splitlines()[0]}）：浏览器测试跳过")
    marker = request.node.get_closest_marker("browser_context")
    options = {"locale": "zh-CN", "timezone_id": "Asia/Shanghai", "viewport": VIEWPORT}
    options |= marker.kwargs if marker else {}
    context = browser.new_context(**options)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        _close_connections_opened_while_browsing()
        context.close()
        browser.close()
        playwright.stop()


def _close_connections_opened_while_browsing() -> None:
    """While Playwright's sync API runs, the test's code runs in another contextvars context than the
    fixtures before and after it (Playwright resumes it from its event loop), and Django's connections are
    per context: the test's own queries open a second connection that the database teardown never sees, and
    PostgreSQL then refuses to drop the test database ("being accessed by other users"). Close it here,
    unless it holds a transaction (a test without a live server); in-memory SQLite ignores the close."""
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close()


def log_in(page, live_server, username: str, password: str) -> None:
    """Log in through the real login form (django-axes sees a real form post) and land on the home page."""
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("form button[type=submit]")
    if re.search(r"/login/", page.url):
        raise AssertionError(f"登录失败，仍在登录页：{page.inner_text('main')}")


def masked(id_number: str) -> str:
    """An ID number as the pages show it outside the person's own page."""
    return id_number[:4] + "*" * 10 + id_number[-4:]
