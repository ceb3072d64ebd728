"""The API benchmark's short form (benchmarks/api.py is the full one, docs/performance.md): the platform's
settlements pushed over HTTP in batches to the production server (bin/serve) against the test database, then the
same batches again, each push followed by the benchmark's checks in the database: every bill there once, settled
with one current settlement, the bill the answer named, nothing written by the second push, every call recorded.
No figure about time is asserted (CI's machine is shared)."""

from __future__ import annotations

import json
import signal
import subprocess

import pytest
from django.utils import timezone
from test_serve import ROOT, database_url, environment, free_port, leftovers, login_page, wait_until  # noqa: F401

from api.models import Partner
from benchmarks import api as benchmark
from benchmarks import harness
from claims.imports import claims_import_records
from claims.models import Settlement

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
SETTLEMENTS, BATCH = 45, 15


@pytest.fixture
def items(county):
    """The benchmark's county with 30 people, and its settlements on 22 of them."""
    benchmark.build_county(30, seed=1)
    return benchmark.settlements(SETTLEMENTS, seed=1)


def stage(name: str, env: dict, *args: str) -> dict:
    return harness.stage(benchmark.__file__, name, env, *args)


def test_settlements_pushed_twice_over_http_are_settled_once(items, database_url, tmp_path, leftovers):  # noqa: F811
    assert len({item["setl_id"] for item in items}) == SETTLEMENTS
    assert len({item["psn_cert_no"] for item in items}) <= SETTLEMENTS // 2  # two bills a person on average
    assert [item["setl_time"] for item in items] == sorted(item["setl_time"] for item in items)
    batches = [items[start:start + BATCH] for start in range(0, SETTLEMENTS, BATCH)]
    items_path = tmp_path / "settlements.json"
    items_path.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    port = free_port()
    env = environment(tmp_path, DATABASE_URL=database_url, BIND=f"127.0.0.1:{port}", WEB_WORKERS="2",
                      TRUSTED_PROXY_COUNT="1", WORKER_ID="api-push-test")
    key = stage("key", env)["key"]
    server = subprocess.Popen(["bin/serve"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
    try:
        wait_until(lambda: login_page(server, port))
        first = benchmark.read_answers(benchmark.push(port, key, batches), batches, "settled")
        (tmp_path / "first.json").write_text(json.dumps(first["answered"]), encoding="utf-8")
        checked_first = stage("check", env, "--items", str(items_path), "--answers", str(tmp_path / "first.json"))
        again = benchmark.read_answers(benchmark.push(port, key, batches), batches, "skipped",
                                       earlier=first["answered"])
        checked_again = stage("check", env, "--items", str(items_path), "--answers", str(tmp_path / "first.json"))
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=120)
    assert server.returncode == 0, output
    assert benchmark.broken(checked_first, first) == [], first["failures"]
    assert benchmark.broken(checked_again, again, checked_first) == [], again["failures"]
    assert (first["counts"], again["counts"]) == ({"settled": SETTLEMENTS}, {"skipped": SETTLEMENTS})
    assert checked_first["bills"]["found"] == SETTLEMENTS
    assert checked_first["totals"] == checked_again["totals"]
    assert [(call["status"], call["counts"]) for call in checked_again["calls"]] == (
        [(200, {"items": BATCH, "settled": BATCH, "skipped": 0, "voided": 0})] * len(batches)
        + [(200, {"items": BATCH, "settled": 0, "skipped": BATCH, "voided": 0})] * len(batches))


def test_the_checks_find_a_change_by_a_second_push_and_bills_missing_not_answered_not_settled_or_not_pushed(
        items):
    """The checks can fail: each fault made by hand is named."""
    account = Partner.objects.get(name=benchmark.PARTNER).account
    report = claims_import_records(user=account, records=items[:4], apply=True)
    assert report.errors == [] and report.settled == 4
    answered = {items[result.row - 1]["setl_id"]: result.claim for result in report.results}
    before = benchmark.check(items[:4], answered)
    assert benchmark.broken(before) == []

    claims_import_records(user=account, records=items[4:5], apply=True)
    run = {"again": True, "unanswered": [], "wrong_answers": [], "batch_seconds": [], "failures": []}
    after = benchmark.check(items[:4], answered)
    assert benchmark.broken(after, run, before) == [
        f"not_pushed: 1 ({items[4]['setl_id']})",
        f"pushed again, the database changed: {before['totals']} → {after['totals']}"]

    wrong = dict(answered, **{items[0]["setl_id"]: answered[items[1]["setl_id"]]})
    Settlement.objects.filter(claim__platform_settlement_id=items[1]["setl_id"]).update(superseded_at=timezone.now())
    checked = benchmark.check([items[0], items[1], items[2], items[5]], wrong)
    assert {name: values for name, values in checked["bills"].items() if values and isinstance(values, list)} == {
        "missing": [items[5]["setl_id"]], "not_pushed": [items[3]["setl_id"], items[4]["setl_id"]],
        "not_settled_once": [items[1]["setl_id"]], "not_as_answered": [items[0]["setl_id"]]}
