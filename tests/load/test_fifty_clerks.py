"""Fifty clerks at once, the short form (benchmarks/load.py is the full one, docs/performance.md): the production
server (bin/serve) against the test database, three clerks of one township, an official and an administrator
driven by the same locustfile at once, each for a fixed number of rounds, then the same checks in the database:
no failed request, every saved bill there once as entered, none saved twice, no annual cap exceeded, every
export and roster finished, no ERROR record logged. No figure about time is asserted (CI's machine is shared)."""

from __future__ import annotations

import datetime
import json
import signal
import subprocess
import uuid
from decimal import Decimal

import pytest
from django.utils import timezone
from test_serve import ROOT, database_url, environment, free_port, leftovers, login_page, wait_until  # noqa: F401

from accounts.models import Role, User
from accounts.services import system_user
from beneficiaries import demo
from beneficiaries.models import Category, CategoryHolding, Enrollment, Insurance
from benchmarks import harness, load
from claims.demo import load_demo_policy, load_hospitals
from claims.models import Claim, SettlementPayment
from claims.services import BillFacts, claim_settle
from regions.models import Region

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PASSWORD = "Load-test-2026"
CLERKS, ROUNDS = 3, 2


@pytest.fixture
def plan(tmp_path, county):
    """The demo county's townships, hospitals and policy of this year, 300 people, the accounts and the plan."""
    demo.load_regions()
    load_hospitals()
    load_demo_policy(system_user(), timezone.localdate().year)
    load.add_people(300, seed=1)
    return load.write_plan(tmp_path / "load", clerks=CLERKS, officials=1, password=PASSWORD)


def test_clerks_officials_and_an_administrator_at_once_lose_double_and_overpay_nothing(
        plan, database_url, tmp_path, leftovers):  # noqa: F811
    port = free_port()
    env = environment(tmp_path, DATABASE_URL=database_url, BIND=f"127.0.0.1:{port}", WEB_WORKERS="2",
                      TRUSTED_PROXY_COUNT="1", WORKER_ID="load-test")
    server = subprocess.Popen(["bin/serve"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
    try:
        wait_until(lambda: login_page(server, port))
        # Two bills per clerk, two exports, the roster applied then the list looked at: done when all are, the
        # run time only a bound.
        run = load.run_locust(f"http://127.0.0.1:{port}", plan, users=CLERKS + 2, spawn_rate=CLERKS + 2,
                              run_time="240s", stop_timeout=60, think=0.05, rounds=ROUNDS, out=plan.parent,
                              timeout=400)
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=120)
    assert server.returncode == 0, output
    # gzipped copies of the static files, no brotli ones although locust brings the module (config/staticfiles.py)
    collected = tmp_path / "var" / "staticfiles"
    assert list(collected.rglob("*.css.gz")) and not list(collected.rglob("*.br"))
    checked = harness.stage(load.__file__, "check", env, "--plan", str(plan), "--log-dir",
                            str(tmp_path / "var" / "log"))
    assert load.broken(checked, run) == []
    assert checked["bills"]["saved_bills"] == CLERKS * ROUNDS, (plan.parent / "locust.out").read_text()
    assert checked["jobs"] == {"exports": ROUNDS, "exports_done": ROUNDS, "rosters": 1, "rosters_applied": 1}
    # A preview as each part of the bill is typed, counted by the clerks themselves: locust's own tally of requests
    # once came one short of what was sent.
    assert [line["previews"] for line in load.saved_bills(json.loads(plan.read_text()))] == [5] * CLERKS * ROUNDS


@pytest.fixture
def settled(county, make_person):
    """One bill of a poor person, mostly outside the catalogue and large enough for the three layers that pay
    from that part to reach their annual caps at once, saved by a load-test clerk."""
    demo.load_regions()
    hospitals = load_hospitals()
    today = timezone.localdate()
    load_demo_policy(system_user(), today.year)
    person = make_person(Region.objects.get(code="500242100200"))
    CategoryHolding.objects.create(beneficiary=person, category=Category.objects.get(code="poor"),
                                   source="poverty_office", start=datetime.date(today.year, 1, 1))
    Enrollment.objects.create(beneficiary=person, year=today.year, status="enrolled",
                              insurance=Insurance.objects.get(code="resident_basic"))
    clerk = User.objects.create(username="load_clerk_01", role=Role.CLERK, area_id="500242100")
    bill = BillFacts(hospital=hospitals["province重庆医科大学附属第一医院"], visit_type="inpatient",
                     admitted_on=today - datetime.timedelta(days=5), discharged_on=today,
                     total=Decimal("1000000.00"), in_catalog=Decimal("100000.00"))
    return claim_settle(user=clerk, person=person, bill=bill, submission=uuid.uuid4()).claim


def test_the_check_finds_a_lost_bill_one_saved_twice_and_a_cap_exceeded(settled, tmp_path):
    """The checks can fail: a bill acknowledged but not there, the same bill twice, a layer paid over its cap."""
    claim = settled
    line = {"claim": claim.pk, "submission": str(claim.submission), "person": claim.beneficiary_id,
            "hospital": claim.hospital_id, "discharged_on": claim.discharged_on.isoformat(),
            "total": str(claim.total), "in_catalog": str(claim.in_catalog), "clerk": "load_clerk_01"}
    saved = tmp_path / "saved.jsonl"
    saved.write_text(json.dumps(line) + "\n" + json.dumps(line | {"claim": claim.pk + 1000}) + "\n")
    plan = {"saved": str(saved), "accounts": {"clerk": [{"username": "load_clerk_01"}]}}
    assert load.check_bills(plan) == {"saved_responses": 2, "saved_bills": 2,
                                      "missing_or_different": [claim.pk + 1000], "not_acknowledged": [], "doubled": 0}
    capped = load.check_caps()
    assert capped["breaches"] == [] and capped["at_cap"] == 3

    twin = Claim.objects.get(pk=claim.pk)
    twin.pk, twin.submission = None, None
    twin.save()
    assert load.check_bills(plan) | {"missing_or_different": []} == {
        "saved_responses": 2, "saved_bills": 2, "missing_or_different": [], "not_acknowledged": [twin.pk],
        "doubled": 1}
    SettlementPayment.objects.filter(settlement__claim=claim, layer="civil_fund").update(amount=Decimal("50000.01"))
    assert load.check_caps()["breaches"] == [
        f"person {claim.beneficiary_id} {claim.year} civil_fund: paid 50000.01 > cap 50000.00"]

