"""Settlements pushed by the platform: ``.venv/bin/python benchmarks/api.py --postgres URL`` (``--write-doc`` to
write the figures).

The case a partner runs (issue 15, "Done when"): the medical-insurance platform pushes a county's settlements to
``POST /api/v1/settlements/`` in batches, over HTTP, to the production server. In a database made afresh
(``--postgres URL``: a server on which ``api_benchmark`` and ``api_benchmark_built`` may be dropped and created; the
built one is kept as the template of each copy, reused by ``--keep``) it builds the demo county's townships,
villages and hospitals (each given a platform code, 定点医药机构编号, where it has none), the shipped 酉阳 2017
policy (``policies/data/youyang-2017.json``), ``--people`` people (5,000) in the demo's villages holding the demo's
categories and enrolled in 2016 and 2017 (``load.add_people``), and the platform as a partner of the county with
the scope ``settlements:write`` (``api.services.partner_save``; its key issued afresh on each copy by
``partner_rotate_key``, since only the key's digest is stored).

The bills: ``--settlements`` (10,000) platform settlements of 2017 in the platform's field names (``setl_id``,
``psn_cert_no``, ``psn_name``, ``med_type`` 11 普通门诊 / 14 门诊慢特病 / 21 住院, ``fixmedins_code`` and
``fixmedins_name``, ``begndate``, ``enddate``, ``setl_time``, ``dise_codg``, ``medfee_sumamt``, ``inscp_scp_amt``,
``hifp_pay`` and ``psn_part_amt`` for outpatient bills, ``ipt_otp_no``): the demo's mix of visits, hospitals and
amounts (``claims/demo.py``), seeded random, on half as many people as bills (two bills a person on average), dated
through the year and sent in that order in batches of ``--batch`` (500), as a platform sends them day by day.

Then bin/serve (production settings: ``DEBUG=0``, gunicorn with its default workers and threads, the task worker)
on ``--port`` (8210), reached as nginx reaches it, and three pushes:

1. *first*: the batches one after another from one sender (one partner system), each ``POST`` with the partner's
   key; the wall time runs from the first request sent to the last answer read;
2. *again*: the same batches again, which must settle nothing (each item answered ``skipped``, with its bill);
3. *two senders*: on a fresh copy and a restarted server, the same batches from two threads at once (batches 1,
   3, 5 … and 2, 4, 6 …), the machine having two CPUs.

A batch answered 5xx or not at all is sent again (as a partner retries; the push is idempotent) after 1, 2, 4 …
seconds, one answered 429 after its ``Retry-After``, at most five times, each failed try counted. After each push it
checks in the database: each settlement's bill there once, settled, with one current settlement, the bill the answer
named, no other bill entered by the partner; after *again* no bill, settlement, payment or bill history row more
than after *first*; each answered call recorded (PartnerCall). It reports settlements/s end to end, p50/p95/max per
batch at the client and as the server recorded the call (``PartnerCall.duration_ms``: the view's own time), and the
CPU time of the server (bin/serve and every process under it), PostgreSQL and the whole machine. Last, on another
fresh copy and without HTTP, it pushes the first batch through the view in-process (``django.test.Client``), counts
the queries of the second by kind and table, profiles (cProfile) the third, and counts the queries of the second
pushed again. Exits 1 when a check fails.

Options: ``--settlements``, ``--batch``, ``--people``, ``--seed``, ``--port``, ``--postgres`` (default
``BENCHMARK_POSTGRES``), ``--keep`` (reuse the database built last with the same ``--people``), ``--write-doc``.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import http.client
import json
import os
import pstats
import random
import re
import secrets
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from contextlib import contextmanager
from decimal import Decimal
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import harness, load  # noqa: E402  (after ROOT is on the path)
from benchmarks.harness import load_average, machine, median, setup_django  # noqa: E402

SECTION = "## API: settlements pushed by the platform"
BENCH_DATABASE = "api_benchmark"
BUILT_DATABASE = "api_benchmark_built"
YEAR = 2017
GOAL = 1000  # settlements a second, end to end (issue 15)
PARTNER = "医保信息平台（基准测试）"
PARTNER_RATE = 1000  # calls a minute: above what a run makes, so that no batch waits for the limit
ENDPOINT = "/api/v1/settlements/"
RETRIES = 5
CENT = Decimal("0.01")
# The demo's mix (claims/demo.py): the platform's 医疗类别 code, the visit, its weight.
MED_TYPES = [("11", "outpatient", 5), ("14", "special_outpatient", 2), ("21", "inpatient", 3)]
INPATIENT_LEVELS = {"township": 3, "county": 6, "city": 1.5, "province": 0.5}
INPATIENT_TOP = {"township": 6000, "county": 40000, "city": 90000, "province": 200000}
# The platform's basic-insurance payment of an outpatient bill, a share of the part in the catalogue: the seeds give
# no outpatient terms, so the county records what the platform paid (as the demo does); an inpatient bill's basic
# insurance the engine computes from the policy.
PLATFORM_SHARE = {"outpatient": Decimal("0.50"), "special_outpatient": Decimal("0.60")}

# The project's own code, in a profile (the rest is Django, libraries and Python); its middleware left out of the
# list of functions (it wraps the whole view).
PROJECT_PACKAGES = {"accounts", "api", "beneficiaries", "claims", "config", "monitoring", "policies", "regions",
                    "spreadsheets", "assistance", "ledgers", "payments", "rosters", "operations"}
MIDDLEWARE = ("config/security.py", "spreadsheets/uploads.py")
# A profile's own time by part: waiting for PostgreSQL (the driver's calls), the engine, the rest of the project,
# Django, the rest.
PARTS = {"waiting for PostgreSQL": ("<method 'execute' of 'psycopg2", "<method 'executemany' of 'psycopg2",
                                    "<method 'commit' of 'psycopg2"),
         "the engine (policies/engine.py)": ("policies/engine.py",)}

stage = partial(harness.stage, __file__)


# --- the county, the bills and the checks (in a stage process, or in the test's own) --------------------------

def build_county(people: int, seed: int) -> dict:
    """The demo county's regions and hospitals (a platform code for each that has none), the shipped 酉阳 2017
    policy, ``people`` people enrolled in 2017, and the platform as a partner of the county."""
    from accounts.services import system_user
    from api.models import Partner, Scope
    from api.services import partner_save
    from beneficiaries import demo
    from claims.demo import load_hospitals
    from claims.models import Hospital
    from policies.services import policy_load

    actor = system_user()
    villages = demo.load_regions()
    hospitals = sorted(load_hospitals().values(), key=lambda hospital: hospital.pk)
    for number, hospital in enumerate(hospitals, start=1):
        if not hospital.code:
            Hospital.objects.filter(pk=hospital.pk).update(code=f"H{demo.COUNTY}{number:05d}")
    policy_load(user=actor, document=harness.shipped())
    load.add_people(people, seed, year=YEAR)
    partner_save(actor=actor, partner=Partner(
        name=PARTNER, kind=Partner.Kind.MEDICAL_INSURANCE, area_id=demo.COUNTY, scopes=[Scope.PUSH_SETTLEMENTS],
        rate_limit=PARTNER_RATE))
    return {"villages": len(villages), "hospitals": len(hospitals), "people": people}


def issue_key() -> str:
    """The partner's key, issued afresh (only its digest is stored)."""
    from accounts.services import system_user
    from api.models import Partner
    from api.services import partner_rotate_key

    return partner_rotate_key(actor=system_user(), partner=Partner.objects.get(name=PARTNER)).key


def _amount(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low * 100, high * 100)) / 100


def settlements(count: int, seed: int) -> list[dict]:
    """``count`` platform settlements of ``YEAR`` in the platform's field names, in the order of their settlement
    time, on ``count // 2`` people of the registry."""
    from beneficiaries.models import Beneficiary
    from claims.demo import DIAGNOSES, HOSPITALS
    from claims.models import Hospital

    rng = random.Random(seed)
    general = [name for name, *_, takes_bills in HOSPITALS if takes_bills]
    by_level = defaultdict(list)
    for hospital in Hospital.objects.filter(name__in=general).order_by("pk"):
        by_level[hospital.level].append(hospital)
    people = list(Beneficiary.objects.filter(status="active", birth_date__lt=datetime.date(YEAR, 1, 1))
                  .order_by("pk").values_list("id_number", "name"))
    pool = rng.sample(people, min(len(people), max(1, count // 2)))
    drafts = []
    for _ in range(count):
        id_number, name = rng.choice(pool)
        settled_at = datetime.datetime(YEAR, 1, 1, 8) + datetime.timedelta(days=rng.randrange(365),
                                                                          seconds=rng.randrange(10 * 3600))
        day = settled_at.date()
        med_type, kind, _ = rng.choices(MED_TYPES, weights=[weight for *_, weight in MED_TYPES])[0]
        if kind == "inpatient":
            level = rng.choices(list(INPATIENT_LEVELS), weights=list(INPATIENT_LEVELS.values()))[0]
            total = _amount(rng, 1500, INPATIENT_TOP[level])
            in_catalog = (total * Decimal(rng.uniform(0.7, 0.95))).quantize(CENT)
            admitted = day - datetime.timedelta(days=rng.randint(2, 20))
        else:
            level = "township" if kind == "outpatient" else rng.choice(("township", "county"))
            total = _amount(rng, 30, 400 if kind == "outpatient" else 3000)
            in_catalog = (total * Decimal(rng.uniform(0.8, 1))).quantize(CENT)
            admitted = day
        hospital = rng.choice(by_level[level])
        item = {
            "psn_cert_no": id_number, "psn_name": name, "med_type": med_type,
            "fixmedins_code": hospital.code, "fixmedins_name": hospital.name,
            "begndate": admitted.isoformat(), "enddate": day.isoformat(),
            "setl_time": f"{settled_at:%Y-%m-%d %H:%M:%S}",
            "dise_codg": rng.choice(DIAGNOSES)[0], "medfee_sumamt": str(total), "inscp_scp_amt": str(in_catalog),
        }
        if kind in PLATFORM_SHARE:
            paid = (in_catalog * PLATFORM_SHARE[kind]).quantize(CENT)
            item |= {"hifp_pay": str(paid), "psn_part_amt": str(total - paid)}
        drafts.append((settled_at, item))
    drafts.sort(key=lambda draft: draft[0])
    return [{"setl_id": f"{YEAR}{number:010d}", **item, "ipt_otp_no": f"{YEAR}-{number:06d}"}
            for number, (_, item) in enumerate(drafts, start=1)]


def check(items: list[dict], answered: dict[str, int]) -> dict:
    """In the database: each settlement's bill there once, settled, with one current settlement, the bill the
    answer named (``answered``: setl_id → bill); the partner's bills, none but these; the database's totals (bills,
    settlements, payments, bill history rows) and the partner's calls (status, outcome, counts, duration_ms)."""
    from django.db.models import Count, Q

    from api.models import Partner, PartnerCall
    from claims.models import Claim, Settlement, SettlementPayment

    partner = Partner.objects.get(name=PARTNER)
    found = defaultdict(list)
    for setl_id, pk, status, current in (
            Claim.objects.filter(entered_by=partner.account)
            .annotate(current=Count("settlements", filter=Q(settlements__superseded_at__isnull=True)))
            .values_list("platform_settlement_id", "pk", "status", "current")):
        found[setl_id].append({"claim": pk, "status": status, "current": current})
    ids = [item["setl_id"] for item in items]
    expected = set(ids)
    return {
        "bills": {
            "expected": len(ids), "found": sum(setl_id in found for setl_id in ids),
            "missing": [setl_id for setl_id in ids if setl_id not in found],
            "twice": sorted(setl_id for setl_id, bills in found.items() if len(bills) > 1),
            "not_pushed": sorted(setl_id for setl_id in found if setl_id not in expected),
            "not_settled_once": sorted(setl_id for setl_id, bills in found.items()
                                       if any((bill["status"], bill["current"]) != ("settled", 1) for bill in bills)),
            "not_as_answered": sorted(setl_id for setl_id in ids if setl_id in found and setl_id in answered
                                      and found[setl_id][0]["claim"] != answered[setl_id]),
        },
        "totals": {
            "bills": Claim.objects.count(), "settlements": Settlement.objects.count(),
            "superseded": Settlement.objects.filter(superseded_at__isnull=False).count(),
            "payments": SettlementPayment.objects.count(), "bill_history": Claim.history.count(),
        },
        "calls": list(PartnerCall.objects.filter(partner=partner).order_by("pk")
                      .values("status", "outcome", "counts", "duration_ms")),
    }


def broken(checked: dict, run: dict | None = None, before: dict | None = None) -> list[str]:
    """What failed, in words (empty when nothing did): ``checked`` after a push (``run``, its figures; ``before``,
    the check before it on the same database, whose totals must be unchanged when ``run`` pushed again)."""
    problems = [f"{name}: {len(values)} ({', '.join(values[:5])})"
                for name, values in checked["bills"].items() if isinstance(values, list) and values]
    if run is None:
        return problems
    if run["again"] and checked["totals"] != before["totals"]:
        problems.append(f"pushed again, the database changed: {before['totals']} → {checked['totals']}")
    if run["unanswered"]:
        problems.append(f"batches never answered 200: {run['unanswered']}")
    if run["wrong_answers"]:
        problems.append(f"{len(run['wrong_answers'])} answers not as expected: " + "; ".join(run["wrong_answers"][:5]))
    calls = checked["calls"][len(before["calls"]) if before else 0:]
    answered = sum(call["status"] == 200 for call in calls)
    if answered != len(run["batch_seconds"]) - len(run["unanswered"]):
        problems.append(f"{answered} calls recorded as answered, {len(run['batch_seconds'])} batches sent")
    return problems


# --- the push, over HTTP ----------------------------------------------------------------------------------------

def post(port: int, key: str, body: bytes) -> tuple[int | None, object, str]:
    """One POST of a batch as nginx passes it on: (status or None when nothing came back, the answer's JSON or the
    error, Retry-After)."""
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
    try:
        client.request("POST", ENDPOINT, body=body, headers={
            "Authorization": f"Bearer {key}", "Content-Type": "application/json", "Host": "127.0.0.1",
            "X-Forwarded-Proto": "https", "X-Forwarded-For": "10.255.0.9"})
        response = client.getresponse()
        text = response.read()
        try:
            answer = json.loads(text)
        except ValueError:
            answer = text[:300].decode("utf-8", "replace")
        return response.status, answer, response.headers.get("Retry-After", "")
    except (OSError, http.client.HTTPException) as exc:
        return None, repr(exc), ""
    finally:
        client.close()


def _gist(answer: object) -> str:
    """What a failed answer says: a problem's detail, or the title of Django's error page."""
    if isinstance(answer, dict):
        return str(answer.get("detail") or answer)[:200]
    title = re.search(r"<title>(.*?)</title>", str(answer))
    return title[1] if title else str(answer)[:200]


def push(port: int, key: str, batches: list[list[dict]], senders: int = 1) -> dict:
    """Every batch POSTed, by ``senders`` threads at once (sender n sends batches n, n + senders, … in turn); a
    batch answered 5xx or nothing is sent again after 1, 2, 4 … s, one answered 429 after its Retry-After
    (``RETRIES`` times at most). Returns the wall time from the first request to the last answer, each batch's
    answer and time (of its last try), and the failed tries."""
    bodies = [json.dumps({"items": batch}, ensure_ascii=False).encode() for batch in batches]
    answers: list[dict | None] = [None] * len(batches)
    seconds = [0.0] * len(batches)
    failures: list[str] = []

    def send(indexes: range) -> None:
        for index in indexes:
            for try_number in range(RETRIES + 1):
                started = time.perf_counter()
                status, answer, retry_after = post(port, key, bodies[index])
                seconds[index] = time.perf_counter() - started
                if status == 200:
                    answers[index] = answer
                    break
                failures.append(f"batch {index + 1}: {status} {_gist(answer)}")
                if (status is not None and status < 500 and status != 429) or try_number == RETRIES:
                    break  # refused (the bills or the API are wrong: sending it again changes nothing), or given up
                time.sleep(float(retry_after or 2 ** try_number))

    threads = [threading.Thread(target=send, args=(range(first, len(batches), senders),)) for first in range(senders)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"seconds": time.perf_counter() - started, "senders": senders, "answers": answers,
            "batch_seconds": seconds, "failures": failures}


def read_answers(run: dict, batches: list[list[dict]], expect: str, earlier: dict[str, int] | None = None) -> dict:
    """The run's answers against what the push must have done (``expect``: each item ``settled``, ``skipped``, or
    either): ``answered`` (setl_id → bill), the counts, and each answer that is not as it must be."""
    answered, counts, wrong = {}, Counter(), []
    answers = run.pop("answers")
    for number, (batch, answer) in enumerate(zip(batches, answers, strict=True), start=1):
        if answer is None:
            continue
        results = answer["results"]
        if [result["setl_id"] for result in results] != [item["setl_id"] for item in batch]:
            wrong.append(f"batch {number}: the results are not the batch's items in order")
        for result in results:
            answered[result["setl_id"]] = result["claim"]
            counts[result["outcome"]] += 1
            allowed = ("settled", "skipped") if expect == "either" else (expect,)
            if result["outcome"] not in allowed or result["status"] != "settled" or not result["payments"]:
                wrong.append(f"batch {number} item {result['item']}: {result['outcome']} {result['status']}")
            elif earlier is not None and earlier.get(result["setl_id"]) != result["claim"]:
                wrong.append(f"batch {number} item {result['item']}: bill #{result['claim']}, first answered "
                             f"#{earlier.get(result['setl_id'])}")
    return run | {"answered": answered, "counts": dict(counts), "wrong_answers": wrong, "again": earlier is not None,
                  "unanswered": [number for number, answer in enumerate(answers, start=1) if answer is None]}


# --- the profile, in-process ----------------------------------------------------------------------------------

@contextmanager
def counted_queries():
    """The statements sent to the database meanwhile (a list filled as they go; no limit, whatever DEBUG)."""
    from django.db import connection

    sent: list[str] = []

    def record(execute, sql, params, many, context):
        sent.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield sent


def query_kinds(queries: list[str]) -> list[tuple[str, int]]:
    """The queries by statement and first table (``SELECT claims_claim``, ``SAVEPOINT``), most frequent first."""
    kinds = Counter()
    for sql in queries:
        table = re.search(r'\b(?:FROM|INTO|UPDATE)\s+"(\w+)"', sql)
        verb = sql.split(None, 1)[0].upper()
        kinds[f"{verb} {table[1]}" if table and verb != "SAVEPOINT" and verb != "RELEASE" else verb] += 1
    return kinds.most_common()


def _function(key: tuple) -> str:
    filename, line, name = key
    for prefix in (str(ROOT) + "/", "site-packages/"):
        if prefix in filename:
            filename = filename.split(prefix, 1)[1]
    return f"{filename}:{line}({name})" if line else name


def top_functions(profiler: cProfile.Profile, count: int = 25) -> dict:
    """The profile's total, the project's functions by cumulative time and every function by its own time, the
    top ``count`` of each: (function, calls, own s, cumulative s)."""
    stats = pstats.Stats(profiler).stats
    rows = [(_function(key), calls, own, cumulative) for key, (_, calls, own, cumulative, _) in stats.items()]
    ours = [row for row in rows if row[0].split("/", 1)[0] in PROJECT_PACKAGES and not row[0].startswith(MIDDLEWARE)]
    parts = Counter()
    for name, _, own, _ in rows:
        part = next((part for part, starts in PARTS.items() if name.startswith(starts)), None)
        if part is None:
            part = ("the rest of the project" if name.split("/", 1)[0] in PROJECT_PACKAGES
                    else "Django" if name.startswith("django/") else "libraries and Python")
        parts[part] += own
    return {"total": sum(row[2] for row in rows), "parts": parts.most_common(),
            "cumulative": sorted(ours, key=lambda row: -row[3])[:count],
            "own": sorted(rows, key=lambda row: -row[2])[:count]}


def profile(batches: list[list[dict]]) -> dict:
    """The view in-process (no HTTP, no gunicorn): the first batch pushed and timed, the second with its queries
    counted, the third under cProfile, and the second pushed again, its queries counted (two batches: the first
    counted, the second profiled)."""
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {issue_key()}")

    def pushed(batch: list[dict]) -> float:
        started = time.perf_counter()
        response = client.post(ENDPOINT, json.dumps({"items": batch}, ensure_ascii=False),
                               content_type="application/json", secure=True)
        if response.status_code != 200:
            raise SystemExit(f"in-process push answered {response.status_code}: {response.content[:2000]!r}")
        return time.perf_counter() - started

    middle = 1 if len(batches) >= 3 else 0
    before = [pushed(batch) for batch in batches[:middle]]
    counted = batches[middle]
    with counted_queries() as fresh:
        seconds = pushed(counted)
    profiler = cProfile.Profile()
    profiler.enable()
    pushed(batches[middle + 1])
    profiler.disable()
    with counted_queries() as again:
        again_seconds = pushed(counted)
    return {"batch": middle + 1, "items": len(counted), "before_seconds": before, "seconds": seconds,
            "again_seconds": again_seconds, "queries": query_kinds(fresh),
            "queries_again": query_kinds(again), "profile": top_functions(profiler)}


# --- the benchmark ----------------------------------------------------------------------------------------------

def build(people: int, seed: int) -> dict:
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    figures = build_county(people, seed)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return figures | {"seconds": round(time.perf_counter() - started, 1)}


def database(args) -> str:
    """A fresh copy of the built database (built first unless ``--keep`` finds it built, or this run built it)."""

    def build_county_database(url: str) -> None:
        print(f"building the county ({args.people} people) …", file=sys.stderr)
        print(stage("build", os.environ | {"DATABASE_URL": url}, "--people", str(args.people), "--seed",
                    str(args.seed)), file=sys.stderr)

    url, args.postgres_version = harness.built_copy(args.postgres, built=BUILT_DATABASE, copy=BENCH_DATABASE,
                                                    signature=f"people={args.people}", build=build_county_database,
                                                    keep=args.keep)
    args.keep = True  # built now: the later copies reuse it
    return url


@contextmanager
def served(env: dict, folder: Path, port: int):
    """bin/serve on the copy, as load.py starts it, stopped at the end."""
    served_env = load.served_environment(env, folder / "var", port, "api-benchmark")
    folder.mkdir(parents=True, exist_ok=True)
    server = load.start_server(served_env, port, folder / "serve.log")
    try:
        yield server
    finally:
        load.stop_server(server)


def measured(server, database_url: str, port: int, key: str, batches: list[list[dict]], senders: int) -> dict:
    """``push`` with the CPU time the server (every process under bin/serve), PostgreSQL and the machine used."""
    busy, database_busy = harness.machine_busy(), harness.postgres_cpu(database_url)
    server_busy = harness.tree_cpu(server.pid)
    run = push(port, key, batches, senders)
    database_after = harness.postgres_cpu(database_url)
    return run | {"server_cpu": harness.tree_cpu(server.pid) - server_busy,
                  "machine_cpu": harness.machine_busy() - busy,
                  "postgres_cpu": None if database_busy is None else database_after - database_busy}


def checked_stage(env: dict, work: Path, items_path: Path, run: dict, name: str) -> dict:
    answers = work / f"answered-{name}.json"
    answers.write_text(json.dumps(run["answered"]), encoding="utf-8")
    return stage("check", env, "--items", str(items_path), "--answers", str(answers))


def _ms(seconds: list[float]) -> dict:
    ordered = sorted(seconds)
    return {"p50": 1000 * median(ordered), "p95": 1000 * ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))],
            "max": 1000 * ordered[-1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settlements", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500, help="settlements a request")
    parser.add_argument("--people", type=int, default=5_000, help="people in the registry")
    parser.add_argument("--seed", type=int, default=150_2017)
    parser.add_argument("--port", type=int, default=8210)
    parser.add_argument("--postgres", default=os.environ.get("BENCHMARK_POSTGRES", load.DEFAULT_POSTGRES))
    parser.add_argument("--keep", action="store_true", help="reuse the database built last (same --people)")
    parser.add_argument("--write-doc", action="store_true")
    parser.add_argument("--stage", choices=["build", "settlements", "key", "check", "profile"], help=argparse.SUPPRESS)
    parser.add_argument("--items", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--answers", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--figures", type=Path, help="only report (and with --write-doc write) a run's figures.json")
    args = parser.parse_args()

    if args.stage:
        setup_django()
        if args.stage == "build":
            result = build(args.people, args.seed)
        elif args.stage == "settlements":
            args.items.write_text(json.dumps(settlements(args.settlements, args.seed), ensure_ascii=False),
                                  encoding="utf-8")
            result = {"items": str(args.items)}
        elif args.stage == "key":
            result = {"key": issue_key()}
        elif args.stage == "check":
            result = check(json.loads(args.items.read_text(encoding="utf-8")),
                           json.loads(args.answers.read_text(encoding="utf-8")))
        else:
            items = json.loads(args.items.read_text(encoding="utf-8"))
            result = profile([items[start:start + args.batch] for start in range(0, len(items), args.batch)])
        print(json.dumps(result, ensure_ascii=False, default=str))
        return

    if args.figures:
        finish(json.loads(args.figures.read_text(encoding="utf-8")), args.write_doc)
        return
    work = Path(tempfile.mkdtemp(prefix="api-benchmark-"))
    facts = {"date": datetime.date.today().isoformat(), "load_before": load_average(), "machine": machine(),
             "options": {name: getattr(args, name) for name in ("settlements", "batch", "people", "seed")}}
    url = database(args)
    env = os.environ | {"DATABASE_URL": url}
    items_path = work / "settlements.json"
    stage("settlements", env, "--items", str(items_path), "--settlements", str(args.settlements), "--seed",
          str(args.seed))
    items = json.loads(items_path.read_text(encoding="utf-8"))
    batches = [items[start:start + args.batch] for start in range(0, len(items), args.batch)]
    facts |= {"postgres": args.postgres_version, "items": len(items), "batches": len(batches),
              "cpus": len(os.sched_getaffinity(0)),
              "workers": f"{2 * len(os.sched_getaffinity(0)) + 1} gunicorn workers × 2 threads",
              "people": len({item["psn_cert_no"] for item in items}),
              "visits": dict(Counter(item["med_type"] for item in items))}
    print(f"work folder {work}; {len(items):,} settlements in {len(batches)} batches; load average "
          f"{facts['load_before']}", file=sys.stderr)

    runs, checks = {}, {}
    with served(env, work / "one", args.port) as server:
        key = stage("key", env)["key"]
        print("first push, one sender …", file=sys.stderr)
        runs["first"] = read_answers(measured(server, url, args.port, key, batches, 1), batches, "settled")
        checks["first"] = checked_stage(env, work, items_path, runs["first"], "first")
        print(f"  {runs['first']['seconds']:.1f} s; the same batches again …", file=sys.stderr)
        runs["again"] = read_answers(measured(server, url, args.port, key, batches, 1), batches, "skipped",
                                     earlier=runs["first"]["answered"])
        checks["again"] = checked_stage(env, work, items_path, runs["again"], "again")
        print(f"  {runs['again']['seconds']:.1f} s", file=sys.stderr)
    url = database(args)
    with served(env, work / "two", args.port) as server:
        key = stage("key", env)["key"]
        print("two senders at once, on a fresh copy …", file=sys.stderr)
        runs["two"] = read_answers(measured(server, url, args.port, key, batches, 2), batches, "either")
        checks["two"] = checked_stage(env, work, items_path, runs["two"], "two")
        print(f"  {runs['two']['seconds']:.1f} s", file=sys.stderr)
    facts["load_after"] = load_average()
    url = database(args)
    print("the view in-process: queries and profile of a batch, on a fresh copy …", file=sys.stderr)
    profiled = stage("profile", env | {"DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50),
                                       "ALLOWED_HOSTS": "testserver", "VAR_DIR": str(work / "profile")},
                     "--items", str(items_path), "--batch", str(args.batch))
    for run in runs.values():
        run.pop("answered")
    figures = {"facts": facts, "runs": runs, "checks": checks, "profile": profiled}
    (work / "figures.json").write_text(json.dumps(figures, ensure_ascii=False, default=str), encoding="utf-8")
    finish(figures, args.write_doc)


def problems_of(figures: dict) -> list[str]:
    runs, checks = figures["runs"], figures["checks"]
    found = []
    for name in runs:
        before = checks["first"] if name == "again" else None
        found += [f"{name}: {problem}" for problem in broken(checks[name], runs[name], before)]
    return found


def finish(figures: dict, write_doc: bool) -> None:
    text = report(figures)
    print(text)
    if write_doc:
        harness.write_section(SECTION, text)
    if problems_of(figures):
        raise SystemExit(1)


PUSHES = {"first": "first, one sender", "again": "the same batches again, one sender",
          "two": "two senders at once (a fresh copy)"}


def _phase_calls(figures: dict, name: str) -> list[dict]:
    """The calls the push ``name`` made, as the server recorded them (PartnerCall)."""
    calls = figures["checks"][name]["calls"]
    return calls[len(figures["checks"]["first"]["calls"]):] if name == "again" else calls


def _failed(run: dict) -> str:
    kinds = Counter(re.sub(r"^batch \d+: ", "", failure) for failure in run["failures"])
    return "; ".join(f"{kind} ×{count}" for kind, count in kinds.most_common()) or "none"


def report(figures: dict) -> str:
    facts, runs, checks, profiled = figures["facts"], figures["runs"], figures["checks"], figures["profile"]
    options, visits = facts["options"], facts["visits"]
    command = (f".venv/bin/python benchmarks/api.py --postgres URL --settlements {options['settlements']} "
               f"--batch {options['batch']} --people {options['people']}")
    lines = [
        SECTION, "",
        f"Run: `{command}` (`--write-doc` to write this section; the module's docstring says what it builds, sends "
        "and checks). The CI short form: `tests/load/test_settlement_push.py`.", "",
        f"{facts['date']}: {facts['machine']}, PostgreSQL {facts['postgres']} on the same machine; load average "
        f"{facts['load_before']} before, {facts['load_after']} after the pushes (the machine was shared). "
        f"{facts['items']:,} platform settlements of {YEAR} ({visits.get('21', 0):,} 住院, {visits.get('11', 0):,} "
        f"普通门诊, {visits.get('14', 0):,} 门诊特慢病) of {facts['people']:,} people of a registry of "
        f"{options['people']:,}, under the shipped 酉阳 2017 policy, in {facts['batches']} batches of "
        f"{options['batch']}, over HTTP to bin/serve ({facts['workers']}) on the same machine.", "",
        f"Goal: at least {GOAL:,} settlements/s end to end (issue 15).", "",
        "| push | answered | wall | settlements/s | a batch at the client: p50 / p95 / max | the view's own time "
        "(PartnerCall): p50 / max | CPU: server / PostgreSQL / machine | failed tries | goal |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, label in PUSHES.items():
        run = runs[name]
        answered = sum(run["counts"].values())
        client = _ms(run["batch_seconds"])
        view = [call["duration_ms"] / 1000 for call in _phase_calls(figures, name) if call["status"] == 200]
        own = _ms(view) if view else {"p50": 0, "max": 0}
        rate = answered / run["seconds"]
        goal = "—" if name == "again" else "met" if rate >= GOAL and not run["unanswered"] else "**missed**"
        postgres = "—" if run["postgres_cpu"] is None else f"{run['postgres_cpu']:.0f}"
        lines.append(
            f"| {label} | {', '.join(f'{count:,} {outcome}' for outcome, count in sorted(run['counts'].items()))} "
            f"| {run['seconds']:,.1f} s | {rate:,.0f} | {client['p50'] / 1000:,.1f} / {client['p95'] / 1000:,.1f} / "
            f"{client['max'] / 1000:,.1f} s | {own['p50'] / 1000:,.1f} / {own['max'] / 1000:,.1f} s | "
            f"{run['server_cpu']:.0f} / {postgres} / {run['machine_cpu']:.0f} s | {len(run['failures'])} | {goal} |")
    first = runs["first"]
    settled = first["counts"].get("settled", 0) or 1
    lines += [
        "",
        f"CPU a settlement, first push: the server {1000 * first['server_cpu'] / settled:.0f} ms (gunicorn's workers "
        f"and the task worker), PostgreSQL "
        + ("not measured" if first["postgres_cpu"] is None else f"{1000 * first['postgres_cpu'] / settled:.0f} ms")
        + f"; the whole machine was busy {first['machine_cpu'] / first['seconds']:.1f} of its "
        f"{facts['cpus']} CPUs during it. Failed tries: first {_failed(first)}; again "
        f"{_failed(runs['again'])}; two senders {_failed(runs['two'])}.",
        "",
        "Checked in the database after each push: " + "; ".join(_checked(name, checks, runs) for name in PUSHES) + ".",
    ]
    lines += _profile_lines(profiled)
    problems = problems_of(figures)
    if problems:
        lines += ["", "Failed: " + "; ".join(problems)]
    return "\n".join(lines) + "\n\n" + WHY


def _checked(name: str, checks: dict, runs: dict) -> str:
    bills, totals = checks[name]["bills"], checks[name]["totals"]
    text = (f"*{name}*: {bills['found']:,} of {bills['expected']:,} bills found, "
            f"{len(bills['twice'])} twice, {len(bills['not_settled_once'])} not settled with one current settlement, "
            f"{len(bills['not_as_answered'])} not the bill answered, {len(bills['not_pushed'])} not pushed")
    if name == "again":
        unchanged = "unchanged" if totals == checks["first"]["totals"] else f"**changed** ({totals})"
        counted = ", ".join(f"{totals[kind]:,}" for kind in ("bills", "settlements", "payments", "bill_history"))
        text += f", the database's bills, settlements, payments and bill history rows {unchanged} ({counted})"
    else:
        text += f", {totals['superseded']:,} settlements superseded (a bill settled again after an earlier one came)"
    return text


def _profile_lines(profiled: dict) -> list[str]:
    items = profiled["items"]
    queries = sum(count for _, count in profiled["queries"])
    again = sum(count for _, count in profiled["queries_again"])
    before = ", ".join(f"{seconds:.1f} s" for seconds in profiled["before_seconds"])
    top = profiled["profile"]
    lines = [
        "",
        "The view alone, in-process (`django.test.Client`: no HTTP, no gunicorn; another fresh copy): "
        + (f"batch 1 took {before}, " if before else "")
        + f"batch {profiled['batch']} ({items} settlements) {profiled['seconds']:.1f} s with {queries:,} queries, "
        f"{queries / items:.2f} a settlement; pushed again {profiled['again_seconds']:.2f} s with {again} queries. "
        "The queries of the batch:",
        "",
        "| statement | the batch | pushed again |",
        "| --- | ---: | ---: |",
    ]
    repeated = dict(profiled["queries_again"])
    lines += [f"| `{kind}` | {count:,} | {repeated.pop(kind, 0)} |" for kind, count in profiled["queries"]]
    lines += [f"| `{kind}` | 0 | {count} |" for kind, count in repeated.items()]
    lines += [
        "",
        f"cProfile of batch {profiled['batch'] + 1} ({top['total']:.1f} s under the profiler), own time by part: "
        + ", ".join(f"{part} {seconds:.1f} s" for part, seconds in top["parts"])
        + ". The project's functions by cumulative time:",
        "",
        "| function | calls | cumulative s |",
        "| --- | ---: | ---: |",
    ]
    lines += [f"| `{name}` | {calls:,} | {cumulative:.2f} |" for name, calls, _, cumulative in top["cumulative"][:16]]
    return lines


# Why, and what would close the gap: from the run of 2026-12-02 and a cProfile of the view that day (constant: a
# later run's table may differ).
WHY = """Where the time goes (2026-12-02: the run above, and cProfile of the view pushing a fresh batch of 500
in-process, 3.5 s under the profiler against 1.8 s without it):

* **One sender is one CPU.** A batch is one request, settled in one gunicorn thread: the server spent about 4 ms
  of CPU a settlement and PostgreSQL 1 ms. Little waits on the database or the network: a batch of 500 takes 37
  statements (about 0.5 s in PostgreSQL), and the view's own time is within 0.2 s of the client's.
* **In the view** (times under the profiler): settling (`claims_settle_batch`) 2.4 s of 3.5: building the 500
  bills and their history rows as model objects (`bulk_create_with_history`) and the settlements, checking each
  bill, the locks (about 0.9 s together); the 5,000 payment rows (0.4 s, already written as tuples); the
  monitoring alerts (0.3 s); the engine (0.25 s for 500 bills through ten layers); reading the person-years'
  categories, enrollment and bills (0.45 s, the categories and enrollment read twice: once to check, once to
  settle). Then DRF checking the request's 13,500 fields before the import's reader reads them again (about 0.4 s
  together) and the answer (about 0.3 s).
* **Pushed again**, a batch takes 0.3–0.5 s (about 900 items a second): one query finds the bills by `setl_id`,
  then the answer is built from tuples.
* **Two senders** (about 270/s) kept both CPUs busy; two batches that share people wait for each other's
  person-year locks (taken in key order, so they wait rather than deadlock).

What would close it: 1,000/s end to end means about 1 ms of server CPU a settlement with one sender, or 2 ms with
two senders whose batches never share a person. Done in this issue: the batch settled in a few statements, the
payment rows written as tuples, the answer built from tuples (together 12 → 198 settlements/s). Still to do,
each a change to the settle path the window and the import share, measured with this benchmark:

1. Write the bills, their history rows and the settlements as tuples too (`config.bulk.insert_rows` and
   `copy_to_history`, as the rosters do), the keys read back with `RETURNING`: most of the 0.9 s.
2. Read the person-years' categories and enrollment once (the check and the settling share them): 0.1 s.
3. Check the request once: the import's reader checks every field and names the item already; DRF's serializer
   need only describe the fields for the schema: about 0.2 s.
4. Let the platform push with two senders split by person (say by the ID number's last digit), so that their
   batches never wait for each other and both CPUs work.

That would leave about 0.8 s a batch in the view: roughly 500/s with one sender and 900/s with two. Beyond that
the engine, the alerts and Django's request handling would have to shrink as well, or the county's server have
more CPUs (the work spreads over senders whose people differ).

How it got there: the first run on 2026-12-02, before `claims_settle_batch`, settled each item of a batch through
`claim_settle` (the window's service for one bill): 28 statements a settlement (the policy in force looked up three
times, the person-year locked with two statements, its categories and enrollment read twice, two savepoints, four
inserts, the alerts), 40 ms of server CPU a settlement, 12 settlements/s (821 s for the 10,000, load average about
4); and two senders deadlocked (each batch took its person-year locks one by one in date order): 11 batches answered
500, one given up after five tries, its 500 bills never settled. Settling a batch in a few statements, its
person-years locked up front in key order, cut the server's CPU eightfold and ended the deadlocks.

What it leaves out: nginx and TLS (the client speaks to gunicorn as nginx does, `X-Forwarded-Proto: https`) and the
network between the platform and the county; cancellations (`refd_setl_flag`) and hospitals new to the registry
(every hospital of the bills is known); other users of the server meanwhile; a registry larger than 5,000 people
(every read is by the batch's people, so its size should matter little). PostgreSQL runs with initdb's settings on
the same two CPUs; the building of the database is not timed.
"""


if __name__ == "__main__":
    main()
