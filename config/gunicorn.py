"""gunicorn's settings for ``bin/serve`` (``gunicorn -c config/gunicorn.py config.wsgi``), from the
environment; docs/deploy.md lists the variables and docs/decisions.md says why these values."""

import os

from config import logs


def _count(name: str, default: int) -> int:
    text = os.environ.get(name) or str(default)
    if not text.isdigit() or int(text) < 1:
        raise SystemExit(f"{name} 应为正整数（当前为“{text}”）。")
    return int(text)


bind = [os.environ.get("BIND") or "127.0.0.1:8000"]
# Threads let a worker go on answering while one of its requests waits on the database or builds a
# workbook; the gthread worker keeps telling the master it is alive meanwhile, so `timeout` ends only a
# worker that hangs as a whole, never a long export.
worker_class = "gthread"
workers = _count("WEB_WORKERS", 2 * len(os.sched_getaffinity(0)) + 1)
threads = _count("WEB_THREADS", 2)
timeout = _count("WEB_TIMEOUT", 300)
# On stop (SIGTERM), requests under way get this long to finish (workbooks made in a request take seconds).
graceful_timeout = _count("WEB_GRACEFUL_TIMEOUT", 60)
keepalive = 5
# Only Django decides whether a request came over HTTPS (TRUSTED_PROXY_COUNT, SECURE_PROXY_SSL_HEADER):
# gunicorn would otherwise believe X-Forwarded-Proto (and SCRIPT_NAME, PATH_INFO headers) from any local
# process.
secure_scheme_headers = {}
forwarder_headers = ""
# The control socket (gunicornc) defaults to one path per user, which two servers on a machine would share.
control_socket_disable = True
# One line per request: client, X-Forwarded-For (nginx's), request, status, bytes, milliseconds, referrer,
# browser.
access_log_format = '%(h)s %({x-forwarded-for}i)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'
logconfig_dict = logs.configuration(os.environ, gunicorn=True)
loglevel = logconfig_dict["root"]["level"].lower()  # LOG_LEVEL, as for the application
