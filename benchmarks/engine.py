"""How fast the pure reimbursement engine settles bills: ``.venv/bin/python benchmarks/engine.py``.

Settles 100,000 bills of 10,000 people (a seeded random mix of visit types, hospital levels,
categories, amounts and platform-recorded amounts) on the shipped 酉阳 2017 policy, explanations
included, on one core, and prints bills/second with the date and the machine. Options:
``--bills N --people N --seed N --profile`` (``--profile`` prints the top of a cProfile instead).
"""

import argparse
import cProfile
import datetime
import gc
import json
import os
import platform
import pstats
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from policies.document import parse_policy
from policies.engine import ClaimInput, settle_claims

SHIPPED_POLICY = ROOT / "policies/data/youyang-2017.json"
FALLBACK_POLICY = ROOT / "tests/data/vectors/youyang-2017.policy.json"

# (categories, weight): most covered people hold one category, some two, a few none any more.
CATEGORY_MIX = [
    (("poor",), 50),
    (("poor", "dibao_rural"), 10),
    (("dibao_rural",), 12),
    (("tekun_rural",), 4),
    (("marginal",), 8),
    (("low_income_rural",), 6),
    ((), 10),
]
# (visit type, hospital levels, weight, in-catalog total range in yuan)
VISIT_MIX = [
    ("outpatient", ("village", "township", "county"), 60, (15, 600)),
    ("special_outpatient", ("township", "county", "city"), 15, (200, 8000)),
    ("inpatient", ("township", "county", "city", "province"), 25, (800, 180000)),
]
DISEASES = ["I10", "E11.900", "J44.100", "C34.900", "N18.500", "I63.900", "K74.600", "J18.900"]


def make_bills(
    bill_count: int, people: int, seed: int, year: int, layer_codes: frozenset[str]
) -> list[ClaimInput]:
    rng = random.Random(seed)
    persons = []
    for number in range(people):
        (categories,) = rng.choices([c for c, _ in CATEGORY_MIX], weights=[w for _, w in CATEGORY_MIX])
        insurances = {"resident_basic"} if rng.random() < 0.97 else set()
        if rng.random() < 0.3:
            insurances.add("supplementary")
        persons.append((f"500242{number:012d}", frozenset(categories), frozenset(insurances)))
    start = datetime.date(year, 1, 1)
    bills = []
    for number in range(bill_count):
        person, categories, insurances = rng.choice(persons)
        visit_type, levels, _, (low, high) = rng.choices(VISIT_MIX, weights=[v[2] for v in VISIT_MIX])[0]
        # Log-uniform: many small bills, a long tail of large ones.
        total = Decimal(round(low * (high / low) ** rng.random(), 2)).quantize(Decimal("0.01"))
        in_catalog = (total * Decimal(rng.randint(60, 100)) / 100).quantize(Decimal("0.01"))
        recorded = {}
        # The platform settled basic insurance for outpatient bills; the county records what it paid.
        code = {"outpatient": "basic_outpatient", "special_outpatient": "basic_special"}.get(visit_type)
        if code in layer_codes and "resident_basic" in insurances:
            recorded[code] = (in_catalog * Decimal("0.5")).quantize(Decimal("0.01"))
        bills.append(
            ClaimInput(
                id=f"B{number}",
                person=person,
                categories=categories,
                insurances=insurances,
                visit_type=visit_type,
                hospital_level=rng.choice(levels),
                diseases=tuple(rng.sample(DISEASES, rng.randint(0, 2))),
                date=start + datetime.timedelta(days=rng.randrange(365)),
                total=total,
                in_catalog=in_catalog,
                recorded=recorded,
            )
        )
    bills.sort(key=lambda bill: bill.date)  # a person's bills are settled in date order
    return bills


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bills", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--profile", action="store_true")
    options = parser.parse_args()

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    policy_path = SHIPPED_POLICY if SHIPPED_POLICY.exists() else FALLBACK_POLICY
    policy = parse_policy(json.loads(policy_path.read_text(encoding="utf-8"), parse_float=Decimal))
    bills = make_bills(options.bills, options.people, options.seed, policy.year, policy.layer_codes)

    if options.profile:
        profiler = cProfile.Profile()
        profiler.runcall(settle_claims, policy, bills)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        return

    # The bills are the harness's data, not the engine's work: keep the cyclic collector from
    # re-scanning them. The settlements the engine builds stay under the collector as usual.
    gc.collect()
    gc.freeze()
    began, began_cpu = time.perf_counter(), time.process_time()
    settlements = settle_claims(policy, bills)
    seconds, cpu_seconds = time.perf_counter() - began, time.process_time() - began_cpu
    paid = sum(s.total - s.personal for s in settlements)
    explanation_chars = sum(len(p.explanation) for s in settlements for p in s.payments)
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    print(f"date: {datetime.date.today().isoformat()}")
    print(f"machine: nproc={os.cpu_count()}, {platform.machine()}, {platform.system()}, load average {load}")
    print(f"python: {platform.python_implementation()} {platform.python_version()}")
    fallback = (
        "" if policy_path == SHIPPED_POLICY else " (fallback: the shipped policy file does not exist yet)"
    )
    print(f"policy: {policy_path.relative_to(ROOT)}{fallback}, {len(policy.layers)} layers")
    print(f"bills: {len(bills):,} of {options.people:,} people, seed {options.seed}")
    print(f"paid: {paid:,.2f} yuan; explanations: {explanation_chars:,} characters")
    print(f"time: {seconds:.2f} s wall, {cpu_seconds:.2f} s CPU, one core")
    print(
        f"rate: {len(bills) / seconds:,.0f} bills/second wall ({len(bills) / cpu_seconds:,.0f} per CPU second)"
    )


if __name__ == "__main__":
    main()
