"""What the PostgreSQL benchmarks share: running a stage in a fresh process, a database made afresh,
the machine's facts and load, peak memory, and their section of docs/performance.md."""

from __future__ import annotations

import json
import os
import platform
import re
import resource
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PERFORMANCE = ROOT / "docs" / "performance.md"
SHIPPED_YOUYANG = ROOT / "policies" / "data" / "youyang-2017.json"


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine_busy() -> float:
    """CPU seconds the whole machine has spent busy since boot (``/proc/stat``: all but idle and iowait)."""
    values = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(values) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"nproc={nproc}, {cpu} ({platform.machine()}, {platform.system()}), CPython {platform.python_version()}"


def load_average() -> str:
    return ", ".join(f"{value:.1f}" for value in os.getloadavg())


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def shipped() -> dict:
    """The shipped 酉阳 2017 policy document (both benchmarks' county)."""
    return json.loads(SHIPPED_YOUYANG.read_text(encoding="utf-8"))


def stage(script: str, name: str, env: dict, *args: str, progress: bool = False) -> dict:
    """Run ``script --stage name`` in a fresh process; its last line of output is its JSON figures.
    With ``progress`` its standard error is shown as it comes (a long stage's progress) instead of kept."""
    result = subprocess.run([sys.executable, script, "--stage", name, *args], env=env, stdout=subprocess.PIPE,
                            stderr=None if progress else subprocess.PIPE, text=True, check=False)
    if result.returncode != 0:
        sys.stderr.write((result.stderr or "")[-5000:])
        raise SystemExit(f"stage {name} failed")
    return json.loads(result.stdout.strip().splitlines()[-1])


def postgres(server_url: str, *, database: str, fresh: bool) -> tuple[str, str]:
    """The URL of ``database`` on that server (dropped and created afresh when ``fresh``) and the
    server's version."""
    import psycopg2

    connection = psycopg2.connect(server_url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        if fresh:
            cursor.execute(f"DROP DATABASE IF EXISTS {database}")
            cursor.execute(f"CREATE DATABASE {database}")
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0].split()[0]
    connection.close()
    parts = urlsplit(server_url)
    return urlunsplit(parts._replace(path=f"/{database}")), version


def built_copy(server_url: str, *, built: str, copy: str, signature: str, build, keep: bool) -> tuple[str, str]:
    """A fresh copy named ``copy`` of the database ``built``, which ``build(url)`` makes first unless ``keep``
    finds it built already with the same ``signature`` (kept as the database's comment); returns the copy's URL
    and the server's version. Nothing may be connected to ``copy`` (it is dropped) nor to ``built``."""
    import psycopg2

    built_url, version = postgres(server_url, database=built, fresh=False)
    connection = psycopg2.connect(server_url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [built])
        found = cursor.fetchone()
        if not (keep and found is not None and found[0] == signature):
            postgres(server_url, database=built, fresh=True)
            build(built_url)
            cursor.execute(f"COMMENT ON DATABASE {built} IS %s", [signature])
        cursor.execute(f"DROP DATABASE IF EXISTS {copy}")
        cursor.execute(f"CREATE DATABASE {copy} TEMPLATE {built}")
    connection.close()
    return postgres(server_url, database=copy, fresh=False)[0], version


def _stat(pid: int | str) -> list[str]:
    """``/proc/PID/stat`` after the command name: [0] state, [1] parent, [11] utime, [12] stime, [13] cutime,
    [14] cstime (clock ticks)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def tree_cpu(pid: int) -> float:
    """CPU seconds used by the process ``pid`` and every process under it: those running now, and those they
    have waited for (a process's children's time is counted in it once it has waited for them)."""
    parents, ticks = {}, {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = _stat(entry.name)
        except OSError:
            continue  # ended meanwhile
        parents[int(entry.name)] = int(fields[1])
        ticks[int(entry.name)] = sum(int(value) for value in fields[11:15])

    def under(candidate: int) -> bool:
        while candidate not in (pid, 0, 1):
            candidate = parents.get(candidate, 0)
        return candidate == pid

    return sum(value for process, value in ticks.items() if under(process)) / os.sysconf("SC_CLK_TCK")


def postgres_cpu(database_url: str) -> float | None:
    """CPU seconds the PostgreSQL server has used since it started, when it runs on this machine: the postmaster,
    the processes it started and has waited for (backends, parallel workers), and those running now."""
    import psycopg2

    connection = psycopg2.connect(database_url)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
        try:
            postmaster = int(_stat(backend)[1])
        except OSError:
            return None  # another machine's
        finally:
            connection.close()
    return tree_cpu(postmaster)


def write_section(section: str, text: str) -> None:
    """Replace (or append) the ``section`` heading's part of docs/performance.md with ``text``."""
    current = PERFORMANCE.read_text(encoding="utf-8")
    pattern = re.compile(rf"^{re.escape(section)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(current):
        current = pattern.sub(lambda _: text.rstrip("\n") + "\n\n", current)
    else:
        current = current.rstrip("\n") + "\n\n" + text
    PERFORMANCE.write_text(current.rstrip("\n") + "\n", encoding="utf-8")
