"""A province on one PostgreSQL, measured as its users run it: ``.venv/bin/python benchmarks/province.py``.

Builds, in a PostgreSQL database made afresh (``--postgres URL``: a server on which the database
``province_benchmark`` is dropped and created), a province of ``--counties`` counties of 重庆 (default 14, real
county codes: 酉阳 500242 first) with ``--people`` people (default 1,000,000) and ``--bills`` bills of 2017
(default 3,000,000), plus the townships and villages of a 15th county (南川区 500119) left empty for the first
roster load:

* regions through ``manage.py import_regions`` (30 townships of 10 villages per county), each county's policy
  through ``manage.py load_policy`` (the shipped 酉阳 2017 document, ``policies/data/youyang-2017.json``, loaded
  once per county with that county's region code and hospital codes), hospitals, two users (``admin`` of 酉阳,
  ``province`` of 重庆市);
* the home county (酉阳) by ``COPY`` (psycopg2 ``copy_expert`` of CSV streamed in chunks of 50,000 rows):
  households of one to five people with valid ID numbers, their category holdings (poverty-office and
  civil-affairs categories by household, some starting or ending within 2017), their 2017 enrollment, the
  bills (60 % outpatient, 15 % special outpatient, 25 % inpatient; 1 % voided, 2 % with an earlier settlement
  superseded) settled by the pure engine (``policies.engine.settle_claims`` under the county's policy, each
  person's bills in date order) and stored as the window stores them (a settlement with the categories and
  insurances it used, one payment row per layer with its explanation), the ``claims.PersonYear`` row of every
  billed person-year, and the ``simple_history`` rows a registry loaded through the application has (people,
  households, holdings, enrollment, bills);
* every other county a copy of it made by the server (``INSERT … SELECT``, ids shifted): its own village codes,
  ID numbers (check character computed afresh), household numbers, hospitals, policy version and name in the
  explanations; the amounts are the home county's, which that county's policy (the same numbers) gives again;
* foreign-key triggers off while loading (``session_replication_role``), every reference checked afterwards by
  anti-joins; the alert list by ``manage.py monitor --year 2017`` (the whole province); ``VACUUM ANALYZE``.

So each county holds ``ceil(people / counties)`` people and ``ceil(bills / counties)`` bills (1,000,006 people
and 3,000,004 bills by default).

Then each measurement in a fresh process, as a user runs it:

1. ``resettle --year 2017 --area 500242`` (``--resettle-area``: a township when time is short, the county's
   time then extrapolated from it): every bill of the county-year settled again; it must report no bill
   changed (the stored settlements agree with the engine), else the benchmark stops;
2. ``export_ledger`` of 酉阳 and of the province for 2017, each against xlsxwriter alone writing as many rows
   of the same 36 columns (the county's first 5,000 real ledger rows, over and over, with the export's
   formats) in the same run; ``export_stats`` for 2017Q4 of the county and of the province;
3. a monthly roster of 酉阳: the county's civil-affairs list for 2018-02 with 2 % of its people gone, 3 %
   changed category and 2 % new, ``reconcile`` previewed, applied, and the batch reverted (``revert_batch``);
4. pages over HTTP against a server started as in production (``bin/serve`` if the project has it, else
   gunicorn if installed, else ``runserver --noreload``; ``DEBUG=0`` with ``TRUSTED_PROXY_COUNT=1`` and
   ``X-Forwarded-Proto: https`` as behind a TLS proxy): log in through the login form, then ``--requests``
   sequential requests (default 200; fewer, at least 5, once a page kind has taken ``--page-seconds``) of each
   page kind: the person page of random people, the search by name prefix and by ID number, the ledger page
   (random page numbers) and the statistics page (random quarters), as 酉阳's administrator and, for the
   search, ledger and statistics pages, as the province's; the SQL queries of each page kind are counted
   separately in a fresh process through Django's test client;
5. last, the first roster load: ``reconcile --source civil_affairs --month 2018-01 --area 500119 --apply`` of a
   ``--roster-rows`` (default 100,000) row list of people none of whom is registered. It is left applied; a
   ``--reuse`` run reverts it first (``revert_batch``, timed and reported).

Each command's wall time and peak memory come from ``/usr/bin/time`` (the whole process: interpreter and
Django start-up included); the load average is recorded with each.

Options: ``--people``, ``--bills``, ``--counties``, ``--seed``, ``--roster-rows``, ``--resettle-area``,
``--requests``, ``--page-seconds``, ``--postgres URL``, ``--reuse`` (skip the building when the database already
holds this province), ``--build-only``, ``--write-doc`` (replace the "A province on one PostgreSQL" section of ``docs/performance.md``).

A throwaway server::

    runuser -u postgres -- /usr/lib/postgresql/15/bin/initdb -D /tmp/pg-5443 -A trust -U postgres -E UTF8 \\
        --locale=C.UTF-8
    runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D /tmp/pg-5443 \\
        -o "-p 5443 -k /tmp -c listen_addresses=127.0.0.1" -l /tmp/pg-5443.log start
"""

from __future__ import annotations

import argparse
import csv
import datetime
import http.client
import importlib.util
import io
import itertools
import json
import math
import os
import random
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from decimal import Decimal
from functools import partial
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SECTION = "## A province on one PostgreSQL"
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5443/postgres"
BENCH_DATABASE = "province_benchmark"
FACTS_TABLE = "bench_province"  # what the build made, for --reuse
YEAR = 2017
PROVINCE = "500000"
# 重庆's counties of the 渝东南 / 渝东北 poverty areas, 酉阳 first (its administrator's pages and rosters).
COUNTIES = ["500242", "500229", "500230", "500231", "500233", "500235", "500236", "500237", "500238", "500240",
            "500241", "500243", "500114", "500156"]
EMPTY_COUNTY = "500119"  # 南川区: townships and villages only, for the first roster load
HOME_COUNTY = COUNTIES[0]
TOWNSHIPS, VILLAGES_PER_TOWNSHIP = 30, 10
FIRST_MONTH, MONTHLY_MONTH = "2018-01", "2018-02"
PASSWORD = "Youyang-2026"
PORT = 8743
CHUNK_ROWS = 50_000  # rows per COPY
SLICE_BILLS = 20_000  # bills settled and written at a time (whole people)
SETTLED_AT = datetime.timezone(datetime.timedelta(hours=8))
GOAL_PAGE_MS, GOAL_EXPORT_RATIO = 300, 1.5

SURNAMES = "冉田白何向杨张王李刘陈黄吴周徐孙马胡朱郭谭彭罗石龙吕邓谢冯"
GIVEN = "小大明华红梅山水玉兰秀英国强军平春秋云芳德福贵成文建志永光海燕丽"
PLACE = "龙潭酉溪桃花麻旺钟多板兴隆黑水宜居后腴地苍岭天馆丁市官清毛坝双泉大车田涂小河浪坪楠木铜鼓两罾庙"
# Categories held by a household (weights in per cent) and the share of holdings starting or ending in the year.
CATEGORY_MIX = [(("poor",), 45), (("poor", "dibao_rural"), 10), (("dibao_rural",), 12), (("tekun_rural",), 4),
                (("marginal",), 6), (("low_income_rural",), 8), ((), 15)]
STARTS_IN_YEAR, ENDS_IN_YEAR = 0.05, 0.07
HOUSEHOLD_SIZES = [1, 2, 2, 3, 3, 3, 4, 4, 5]
RELATIONS = ["head", "spouse", "child", "child", "parent"]
VISIT_MIX = [
    ("outpatient", ("village", "township", "county"), 60, (15, 600)),
    ("special_outpatient", ("township", "county", "city"), 15, (200, 8000)),
    ("inpatient", ("township", "county", "city", "province"), 25, (800, 180000)),
]
DISEASES = ["I10", "E11.900", "J44.100", "C34.900", "N18.500", "I63.900", "K74.600", "J18.900"]
VOIDED, SUPERSEDED = 0.01, 0.02
# The civil-affairs list of a month: the categories it names, as the office writes them.
LIST_ALIASES = {"dibao_rural": "农村低保", "tekun_rural": "特困供养", "low_income_rural": "农村低收入"}
LIST_HEADER = ["序号", "姓名", "身份证号", "人员类别", "行政区划代码", "户主身份证号", "与户主关系", "联系电话"]

# The shared harness, bound to this benchmark.
from benchmarks import harness  # noqa: E402  (after ROOT is on the path)
from benchmarks.harness import load_average, machine, median, peak_mb, setup_django  # noqa: E402

stage = partial(harness.stage, __file__)
postgres = partial(harness.postgres, database=BENCH_DATABASE)
write_section = partial(harness.write_section, SECTION)


# --- Building the province -----------------------------------------------------------------------------

NULL = r"\N"  # COPY's NULL in the CSV we write


class CopyWriter:
    """Rows streamed into one model's table by COPY, in chunks of CSV; refuses to start when a NOT NULL
    column is left out (a column a migration added since would otherwise fail at the first chunk)."""

    def __init__(self, cursor, model, columns: list[str]):
        table = model._meta.db_table
        required = {field.column for field in model._meta.concrete_fields if not field.null}
        missing = required - set(columns)
        if missing:
            raise SystemExit(f"{table}: the benchmark does not fill {sorted(missing)}")
        quoted = ", ".join(f'"{column}"' for column in columns)
        self.sql = f"COPY {table} ({quoted}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
        self.table, self.cursor, self.columns = table, cursor, columns
        self.key = "history_id" if "history_id" in columns else "id"
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\n")
        self.pending = self.count = 0

    def add(self, row: tuple) -> None:
        self.writer.writerow(row)
        self.pending += 1
        if self.pending >= CHUNK_ROWS:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.buffer.seek(0)
            self.cursor.copy_expert(self.sql, self.buffer)
            self.count += self.pending
            self.pending = 0
            self.buffer.seek(0)
            self.buffer.truncate()


def _nullable(value):
    return NULL if value is None else value


def _stamp(day: datetime.date, hour: int = 9) -> str:
    return datetime.datetime.combine(day, datetime.time(hour), SETTLED_AT).isoformat()


def id_number(county: str, index: int) -> tuple[datetime.date, str]:
    """A valid 18-character ID number of the county, unique per index: births spread over 80 years, and the
    sequence number counts the rounds (7919 is prime to the 29,200 days, so each day comes once a round)."""
    from beneficiaries.idnumbers import check_character

    span = 80 * 365
    birth = datetime.date(1935, 1, 1) + datetime.timedelta(days=index * 7919 % span)
    first17 = f"{county}{birth:%Y%m%d}{index // span + 1:03d}"
    return birth, first17 + check_character(first17)


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def region_rows(counties: list[str]) -> list[tuple[str, str]]:
    """Townships and villages (code, name) of the counties, for ``import_regions``."""
    rows = []
    for number, county in enumerate(counties):
        for t in range(TOWNSHIPS):
            township = f"{county}{100 + t:03d}"
            rows.append((township, PLACE[(t + number) % len(PLACE)] + PLACE[(t * 7 + 3) % len(PLACE)] + "镇"))
            for v in range(VILLAGES_PER_TOWNSHIP):
                rows.append((f"{township}{200 + v:03d}",
                             PLACE[(v * 5 + t) % len(PLACE)] + PLACE[(v * 11 + number) % len(PLACE)] + "村"))
    return rows


def villages_of(county: str) -> list[str]:
    return [f"{county}{100 + t:03d}{200 + v:03d}" for t in range(TOWNSHIPS) for v in range(VILLAGES_PER_TOWNSHIP)]


def county_policy(county: str, name: str) -> dict:
    """The shipped 酉阳 2017 policy as the county's own: its region code and its hospitals' codes."""
    document = harness.shipped()
    if county == "500242":
        return document
    document = json.loads(json.dumps(document, ensure_ascii=False).replace("500242", county))
    document["code"] = f"cq{county}-2017"
    document["name"] = f"{name}健康扶贫 2017（基准测试：按酉阳 2017 政策）"
    return document


def county_names() -> dict[str, str]:
    from regions.models import Region

    return dict(Region.objects.filter(code__in=[*COUNTIES, EMPTY_COUNTY]).values_list("code", "name"))


class Province:
    """Everything written by COPY, county by county; ids given here, in settling order for the bills."""

    def __init__(self, raw, seed: int, user_id: int):
        from beneficiaries.models import Beneficiary, CategoryHolding, Enrollment, Household
        from claims.models import Claim, PersonYear, Settlement, SettlementPayment

        self.rng = random.Random(seed)
        self.user_id = user_id
        history = ["history_id", "history_date", "history_type", "history_user_id"]
        self.people = CopyWriter(raw, Beneficiary, ["id", "name", "id_number", "sex", "birth_date", "household_id",
                                                    "relation", "village_id", "phone", "status", "created_at"])
        self.people_history = CopyWriter(raw, Beneficiary.history.model, [
            "id", "name", "id_number", "sex", "birth_date", "household_id", "relation", "village_id", "phone",
            "status", "created_at", *history])
        household_columns = ["id", "number", "head_id", "village_id", "address", "poverty_cause", "phone",
                             "created_at"]
        self.households = CopyWriter(raw, Household, household_columns)
        self.households_history = CopyWriter(raw, Household.history.model, [*household_columns, *history])
        holding_columns = ["id", "beneficiary_id", "category_id", "source", "start", "end", "recorded_by_id", "note",
                           "recorded_at"]
        self.holdings = CopyWriter(raw, CategoryHolding, holding_columns)
        self.holdings_history = CopyWriter(raw, CategoryHolding.history.model, [*holding_columns, *history])
        enrollment_columns = ["id", "beneficiary_id", "year", "insurance_id", "status", "subsidy", "reason", "note",
                              "recorded_by_id", "recorded_at"]
        self.enrollments = CopyWriter(raw, Enrollment, enrollment_columns)
        self.enrollments_history = CopyWriter(raw, Enrollment.history.model, [*enrollment_columns, *history])
        claim_columns = ["id", "beneficiary_id", "hospital_id", "visit_type", "admitted_on", "discharged_on",
                         "diagnoses", "total", "in_catalog", "recorded", "pay_later", "referred", "status", "origin",
                         "entered_by_id", "entered_at", "void_reason", "voided_by_id", "voided_at"]
        self.claims = CopyWriter(raw, Claim, claim_columns)
        self.claims_history = CopyWriter(raw, Claim.history.model, [*claim_columns, *history])
        self.settlements = CopyWriter(raw, Settlement, [
            "id", "claim_id", "policy_version_id", "reason", "total", "basic", "critical", "assistance", "other",
            "personal", "in_catalog_personal", "categories", "insurances", "settled_by_id", "settled_at",
            "superseded_at"])
        self.payments = CopyWriter(raw, SettlementPayment, [
            "id", "settlement_id", "position", "layer", "name", "fund", "amount", "base_added", "applied", "recorded",
            "explanation"])
        self.person_years = CopyWriter(raw, PersonYear, ["id", "beneficiary_id", "year", "relief"])
        self.writers = [self.people, self.people_history, self.households, self.households_history, self.holdings,
                        self.holdings_history, self.enrollments, self.enrollments_history, self.claims,
                        self.claims_history, self.settlements, self.payments, self.person_years]
        self.ids = {writer.table: 0 for writer in self.writers}

    def next_id(self, writer: CopyWriter) -> int:
        self.ids[writer.table] += 1
        return self.ids[writer.table]

    def history(self, writer: CopyWriter, row: tuple, when: str, kind: str = "+") -> None:
        writer.add((*row, self.next_id(writer), when, kind, self.user_id))

    def flush(self) -> None:
        for writer in self.writers:
            writer.flush()

    # People, households, holdings, enrollment ---------------------------------------------------------

    def registry(self, county: str, count: int, categories: dict, insurances: dict, subsidies: dict) -> dict:
        """The county's households and people; returns person id → (birth date, sex, village, YearFacts)."""
        from claims.selectors import YearFacts

        rng, first = self.rng, datetime.date(YEAR, 1, 1)
        villages = villages_of(county)
        mixes, weights = [held for held, _ in CATEGORY_MIX], [weight for _, weight in CATEGORY_MIX]
        people: dict[int, tuple] = {}
        index = 0
        while index < count:
            size = min(rng.choice(HOUSEHOLD_SIZES), count - index)
            village = rng.choice(villages)
            household = self.next_id(self.households)
            registered = datetime.date(2016, 1, 1) + datetime.timedelta(days=rng.randrange(300))
            created = _stamp(registered)
            (held,) = rng.choices(mixes, weights)
            head = None
            for member in range(size):
                person = self.next_id(self.people)
                head = head or person
                birth, number = id_number(county, index)
                index += 1
                sex = "M" if int(number[16]) % 2 else "F"
                row = (person, person_name(rng), number, sex, birth, household, RELATIONS[member], village,
                       "", "active", created)
                self.people.add(row)
                self.history(self.people_history, row, created)
                holdings = []
                for code in held:
                    draw = rng.random()
                    start, end = datetime.date(2016, 1, 1), None
                    if draw < STARTS_IN_YEAR:
                        start = first + datetime.timedelta(days=rng.randrange(20, 330))
                    elif draw < STARTS_IN_YEAR + ENDS_IN_YEAR:
                        end = first + datetime.timedelta(days=rng.randrange(20, 360))
                    category, source = categories[code]
                    row = (self.next_id(self.holdings), person, category, source, start, _nullable(end),
                           self.user_id, "", created)
                    self.holdings.add(row)
                    self.history(self.holdings_history, row, created)
                    holdings.append((code, start, end))
                enrolled = []
                if rng.random() < 0.97:
                    subsidy = max((subsidies.get(code, Decimal("0.00")) for code in held), default=Decimal("0.00"))
                    enrolled.append(("resident_basic", subsidy))
                if rng.random() < 0.3:
                    enrolled.append(("supplementary", Decimal("0.00")))
                for code, subsidy in enrolled:
                    row = (self.next_id(self.enrollments), person, YEAR, insurances[code], "enrolled", subsidy, "", "",
                           self.user_id, _stamp(datetime.date(YEAR - 1, 12, 1)))
                    self.enrollments.add(row)
                    self.history(self.enrollments_history, row, row[-1])
                people[person] = (birth, sex, village, YearFacts(holdings, [code for code, _ in enrolled]))
            row = (household, f"{village}{household:07d}", head, village, "", "illness", "", created)
            self.households.add(row)
            self.history(self.households_history, row, created)
        return people

    # Bills and their settlements ----------------------------------------------------------------------

    def bills(self, county: str, count: int, people: dict, version, hospitals: dict) -> dict:
        """The county's bills of the year, settled by the engine as the window settles them."""
        from claims.selectors import engine_bill, hospital_names
        from policies import engine
        from policies.selectors import parsed_policy

        rng = self.rng
        policy = parsed_policy(version)
        names = hospital_names(policy)
        ids = list(people)
        owners = sorted(rng.choice(ids) for _ in range(count))
        weights = [mix[2] for mix in VISIT_MIX]
        counts = {"settled": 0, "voided": 0, "superseded": 0, "payments": 0}
        drafts = []  # (person, bill fields), in settling order: person, date
        for person, group in itertools.groupby(owners):
            days = sorted(datetime.date(YEAR, 1, 1) + datetime.timedelta(days=rng.randrange(365)) for _ in group)
            for day in days:
                visit_type, levels, _, (low, high) = rng.choices(VISIT_MIX, weights=weights)[0]
                level = rng.choice(levels)
                hospital = rng.choice(hospitals[(county, level)] if level in ("village", "township", "county")
                                      else hospitals[level])
                total = Decimal(round(low * (high / low) ** rng.random(), 2)).quantize(Decimal("0.01"))
                in_catalog = (total * Decimal(rng.randint(60, 100)) / 100).quantize(Decimal("0.01"))
                facts = people[person][3]
                recorded = {}
                layer = {"outpatient": "basic_outpatient", "special_outpatient": "basic_special"}.get(visit_type)
                if layer and "resident_basic" in facts.insurances:
                    recorded[layer] = str((in_catalog * Decimal("0.5")).quantize(Decimal("0.01")))
                diagnoses = [{"code": code, "name": ""} for code in rng.sample(DISEASES, rng.randint(0, 2))]
                drafts.append((person, day, visit_type, hospital, total, in_catalog, recorded, diagnoses,
                               rng.random() < 0.05, rng.random() < VOIDED))

        def engine_input(claim_id: int, draft: tuple):
            person, day, visit_type, hospital, total, in_catalog, recorded, diagnoses, referred, _ = draft
            birth, sex, _, facts = people[person]
            return engine_bill(
                claim_id=claim_id, person_id=person, facts=facts, visit_type=visit_type,
                hospital_level=hospital.level, hospital_code=hospital.code, in_county=hospital.in_county,
                diagnoses=diagnoses, day=day, total=total, in_catalog=in_catalog, recorded=recorded, referred=referred,
                birth_date=birth, sex=sex)

        start = 0
        while start < len(drafts):
            end = min(start + SLICE_BILLS, len(drafts))
            while end < len(drafts) and drafts[end][0] == drafts[end - 1][0]:
                end += 1  # whole people per slice: each person's year carries from bill to bill
            piece = [(self.next_id(self.claims), draft) for draft in drafts[start:end]]
            start = end
            inputs = {claim_id: engine_input(claim_id, draft) for claim_id, draft in piece}
            settled = [claim_id for claim_id, draft in piece if not draft[-1]]
            results = engine.settle_claims(policy, [inputs[claim_id] for claim_id in settled], hospital_names=names)
            outcome = dict(zip(settled, results))
            billed = {}  # person → None, in order (a person's bills are all in one slice)
            for claim_id, draft in piece:
                person, day, voided = draft[0], draft[1], draft[-1]
                billed[person] = None
                facts = people[person][3]
                bill = inputs[claim_id]
                # A voided bill keeps the settlement it had (made before the void, with nothing before it).
                result = outcome.get(claim_id) or engine.settle_claim(policy, bill, engine.YearToDate(),
                                                                      hospital_names=names)[0]
                self.claim(claim_id, draft, voided)
                entered = _stamp(day + datetime.timedelta(days=1))
                categories = json.dumps(sorted(facts.categories_on(day)))
                insurances = json.dumps(sorted(facts.insurances))
                if not voided and rng.random() < SUPERSEDED:
                    # Settled first before an earlier bill of the year was entered, then again after it.
                    earlier = engine.settle_claim(policy, bill, engine.YearToDate(), hospital_names=names)[0]
                    self.settlement(claim_id, version.pk, "initial", earlier, categories, insurances, entered,
                                    _stamp(day + datetime.timedelta(days=20)))
                    counts["superseded"] += 1
                    self.settlement(claim_id, version.pk, "earlier_bill", result, categories, insurances,
                                    _stamp(day + datetime.timedelta(days=20)), None)
                else:
                    self.settlement(claim_id, version.pk, "initial", result, categories, insurances, entered, None)
                counts["voided" if voided else "settled"] += 1
                counts["payments"] += len(result.payments)
            for person in billed:
                self.person_years.add((self.next_id(self.person_years), person, YEAR, Decimal("0.00")))
        return counts

    def claim(self, claim_id: int, draft: tuple, voided: bool) -> None:
        """The bill, with its history: entered, and voided afterwards when it was."""
        person, day, visit_type, hospital, total, in_catalog, recorded, diagnoses, referred, _ = draft
        entered = _stamp(day + datetime.timedelta(days=1))
        row = [claim_id, person, hospital.pk, visit_type,
               day - datetime.timedelta(days=3) if visit_type == "inpatient" else NULL, day,
               json.dumps(diagnoses, ensure_ascii=False), total, in_catalog, json.dumps(recorded), False, referred,
               "settled", "window", self.user_id, entered, "", NULL, NULL]
        self.history(self.claims_history, tuple(row), entered)
        if voided:
            row[12], row[16], row[17], row[18] = "voided", "重复录入", self.user_id, _stamp(day + datetime.timedelta(days=2))
            self.history(self.claims_history, tuple(row), row[18], "~")
        self.claims.add(tuple(row))

    def settlement(self, claim_id: int, version_id: int, reason: str, result, categories: str, insurances: str,
                   settled_at: str, superseded_at: str | None) -> None:
        settlement = self.next_id(self.settlements)
        by_fund = result.by_fund
        self.settlements.add((settlement, claim_id, version_id, reason, result.total, by_fund["basic"],
                              by_fund["critical"], by_fund["assistance"], by_fund["other"], result.personal,
                              result.in_catalog_personal, categories, insurances, self.user_id, settled_at,
                              _nullable(superseded_at)))
        add, next_id = self.payments.add, partial(self.next_id, self.payments)
        for position, p in enumerate(result.payments):
            add((next_id(), settlement, position, p.layer, p.name, p.fund, p.amount, p.base_added, p.applied,
                 p.recorded, p.explanation))


def build(people: int, bills: int, counties: int, seed: int, work: str) -> dict:
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from accounts.models import Role, User
    from accounts.services import system_user, user_save
    from beneficiaries.models import Category, Insurance
    from claims.models import Hospital
    from policies.selectors import version_of
    from regions.models import Region

    chosen = COUNTIES[:counties]
    user = system_user()
    quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
    regions_file = Path(work) / "regions.csv"
    with regions_file.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["区划代码", "名称"])
        writer.writerows(region_rows([*chosen, EMPTY_COUNTY]))
    call_command("import_regions", str(regions_file), **quiet)
    names = county_names()
    versions, subsidies = {}, {}
    for county in chosen:
        document = county_policy(county, names[county])
        path = Path(work) / f"policy-{county}.json"
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        call_command("load_policy", str(path), **quiet)
        versions[county] = version_of(document["code"])
    enrollment = harness.shipped()["enrollment"]
    for rule in enrollment["subsidies"]:
        for code in rule["categories"]:
            subsidies[code] = Decimal(enrollment["premium"] if rule["amount"] == "full" else rule["amount"])

    hospitals: dict = {}
    for county in chosen:
        name = names[county]
        for level, suffix, code in (("village", "村卫生室", ""), ("township", "乡镇卫生院", ""),
                                    ("county", "人民医院", f"{county}-RMYY"), ("county", "中医院", f"{county}-ZYY"),
                                    ("county", "妇幼保健院", f"{county}-FYBJ")):
            hospital = Hospital.objects.create(name=f"{name}{suffix}", code=code, level=level, in_county=True)
            hospitals.setdefault((county, level), []).append(hospital)
    hospitals["city"] = [Hospital.objects.create(name="重庆市黔江中心医院", level="city", in_county=False),
                         Hospital.objects.create(name="重庆三峡中心医院", level="city", in_county=False)]
    hospitals["province"] = [Hospital.objects.create(name="重庆医科大学附属第一医院", level="province",
                                                     in_county=False)]
    for username, role, area, full_name in (("admin", Role.ADMIN, HOME_COUNTY, "县医保局管理员"),
                                            ("province", Role.ADMIN, PROVINCE, "市医保局管理员")):
        user_save(actor=user, user=User(username=username, first_name=full_name, role=role,
                                        area=Region.objects.get(code=area), unit="医疗保障局"), password=PASSWORD)

    categories = {c.code: (c.pk, c.source) for c in Category.objects.all()}
    insurances = {i.code: i.pk for i in Insurance.objects.all()}
    raw = connection.cursor().cursor  # psycopg2's own cursor, for COPY
    try:
        # Every row is written consistent; the foreign keys' per-row triggers would only double the load.
        raw.execute("SET session_replication_role = replica")
    except Exception:  # not a superuser: the triggers run
        connection.rollback()
    # The home county generated and settled row by row; the others its copies, made by the server.
    province = Province(raw, seed, user.pk)
    began = time.perf_counter()
    registry = province.registry(HOME_COUNTY, math.ceil(people / counties), categories, insurances, subsidies)
    counts = province.bills(HOME_COUNTY, math.ceil(bills / counties), registry, versions[HOME_COUNTY], hospitals)
    province.flush()
    generated = round(time.perf_counter() - began, 1)
    print(f"» {names[HOME_COUNTY]}: generated, settled and copied in {generated:.0f} s", file=sys.stderr)
    began = time.perf_counter()
    template = dict(province.ids)
    replicate(raw, province.writers, template, chosen, names, versions, hospitals)
    replicated = round(time.perf_counter() - began, 1)
    raw.execute("SET session_replication_role = DEFAULT")
    for writer in province.writers:
        column = writer.key
        raw.execute(f"SELECT setval(pg_get_serial_sequence('{writer.table}', '{column}'), "
                    f"(SELECT coalesce(max({column}), 1) FROM {writer.table}))")
    check_integrity(raw)
    began = time.perf_counter()
    monitored = json.loads(_call_json("monitor", "--year", str(YEAR)))
    monitor_seconds = round(time.perf_counter() - began, 1)
    copies = {table: count * counties for table, count in template.items()}
    return {"people": copies["beneficiaries_beneficiary"], "counties": counties, "seed": seed,
            "requested": {"people": people, "bills": bills},
            "households": copies["beneficiaries_household"], "holdings": copies["beneficiaries_categoryholding"],
            "enrollments": copies["beneficiaries_enrollment"], "bills": copies["claims_claim"],
            "voided": counts["voided"] * counties, "superseded": counts["superseded"] * counties,
            "settlements": copies["claims_settlement"], "payments": copies["claims_settlementpayment"],
            "person_years": copies["claims_personyear"],
            "history_rows": sum(count for table, count in copies.items() if "historical" in table),
            "alerts": {key: monitored[key] for key in ("monitored", "warning", "over")},
            "generate_seconds": generated, "replicate_seconds": replicated, "monitor_seconds": monitor_seconds}


# The GB 11643 check character of 17 digits, for ID numbers the server makes.
CHECK_CHARACTER_SQL = """
CREATE FUNCTION pg_temp.bench_id(first17 text) RETURNS text IMMUTABLE LANGUAGE sql AS $$
    SELECT first17 || substr('10X98765432', (sum(substr(first17, i, 1)::int * (2 ^ (18 - i))::int % 11) % 11)::int + 1, 1)
    FROM generate_series(1, 17) AS i
$$"""


def replicate(cursor, writers: list, template: dict, counties: list[str], names: dict, versions: dict,
              hospitals: dict) -> None:
    """Copy the home county's rows (ids 1 … template[table]) into each other county, by INSERT … SELECT: ids
    shifted by a multiple of the template's, the county's code in village codes, household numbers and ID
    numbers (check character made afresh), its hospitals, its policy version, its name in explanations."""
    cursor.execute(CHECK_CHARACTER_SQL)
    cursor.execute("CREATE TEMPORARY TABLE bench_hospitals (county text, template bigint, id bigint)")
    for county in counties[1:]:
        for level in ("village", "township", "county"):
            for template_hospital, hospital in zip(hospitals[(HOME_COUNTY, level)], hospitals[(county, level)]):
                cursor.execute("INSERT INTO bench_hospitals VALUES (%s, %s, %s)",
                               [county, template_hospital.pk, hospital.pk])
    tables = {writer.table: writer for writer in writers}
    own = lambda table: f"t.{tables[table].key} + %(k)s * {template[table]}"  # noqa: E731
    shift = lambda column, table: f"t.{column} + %(k)s * {template[table]}"  # noqa: E731
    recoded = "%(county)s || substr(t.{}, 7)"
    people, households, claims, settlements = ("beneficiaries_beneficiary", "beneficiaries_household",
                                               "claims_claim", "claims_settlement")
    for table, writer in tables.items():
        history = writer.key == "history_id"
        base = table.replace("historical", "") if history else table
        changed = {writer.key: own(table)}
        if history:
            changed["id"] = shift("id", base)
        changed |= {
            "beneficiaries_beneficiary": {"household_id": shift("household_id", households),
                                          "village_id": recoded.format("village_id"),
                                          "id_number": "pg_temp.bench_id(%(county)s || substr(t.id_number, 7, 11))"},
            "beneficiaries_household": {"head_id": shift("head_id", people), "village_id": recoded.format("village_id"),
                                        "number": recoded.format("number")},
            "claims_claim": {"beneficiary_id": shift("beneficiary_id", people),
                             "hospital_id": "coalesce(m.id, t.hospital_id)"},
            "claims_settlement": {"claim_id": shift("claim_id", claims), "policy_version_id": "%(version)s"},
            "claims_settlementpayment": {"settlement_id": shift("settlement_id", settlements),
                                         "explanation": "replace(replace(t.explanation, %(home_name)s, %(name)s), "
                                                        "%(home_code)s, %(code)s)"},
        }.get(base, {"beneficiary_id": shift("beneficiary_id", people)})
        columns = writer.columns
        select = ", ".join(changed.get(column, f't."{column}"') for column in columns)
        joined = " LEFT JOIN bench_hospitals m ON m.template = t.hospital_id AND m.county = %(county)s" \
            if base == claims else ""
        quoted = ", ".join(f'"{column}"' for column in columns)
        for k, county in enumerate(counties[1:], start=1):
            cursor.execute(
                f"INSERT INTO {table} ({quoted}) SELECT {select} FROM {table} t{joined} "
                f"WHERE t.{writer.key} <= {template[table]}",
                {"k": k, "county": county, "version": versions[county].pk, "home_name": names[HOME_COUNTY],
                 "name": names[county], "home_code": f"{HOME_COUNTY}-", "code": f"{county}-"})
        print(f"» {table}: {template[table]:,} rows copied into {len(counties) - 1} counties", file=sys.stderr)


def _call_json(command: str, *args: str) -> str:
    from django.core.management import call_command

    out = io.StringIO()
    call_command(command, *args, "--json", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def check_integrity(cursor) -> None:
    """What the foreign keys would have checked while loading: every reference written points at a row."""
    for table, column, target in [
        ("claims_settlementpayment", "settlement_id", "claims_settlement"),
        ("claims_settlement", "claim_id", "claims_claim"),
        ("claims_claim", "beneficiary_id", "beneficiaries_beneficiary"),
        ("claims_claim", "hospital_id", "claims_hospital"),
        ("beneficiaries_categoryholding", "beneficiary_id", "beneficiaries_beneficiary"),
        ("beneficiaries_enrollment", "beneficiary_id", "beneficiaries_beneficiary"),
        ("beneficiaries_beneficiary", "household_id", "beneficiaries_household"),
        ("beneficiaries_beneficiary", "village_id", "regions_region"),
        ("claims_personyear", "beneficiary_id", "beneficiaries_beneficiary"),
    ]:
        cursor.execute(f"SELECT count(*) FROM {table} t WHERE t.{column} IS NOT NULL AND NOT EXISTS "
                       f"(SELECT 1 FROM {target} r WHERE r.{'code' if target == 'regions_region' else 'id'} = "
                       f"t.{column})")
        (dangling,) = cursor.fetchone()
        if dangling:
            raise SystemExit(f"{table}.{column}: {dangling} rows point at no {target}")


def vacuum(database_url: str) -> float:
    import psycopg2

    started = time.perf_counter()
    connection = psycopg2.connect(database_url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    connection.close()
    return round(time.perf_counter() - started, 1)


def facts_stored(database_url: str) -> dict | None:
    import psycopg2

    connection = psycopg2.connect(database_url)
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [FACTS_TABLE])
        facts = None
        if cursor.fetchone()[0]:
            cursor.execute(f"SELECT facts FROM {FACTS_TABLE}")
            facts = cursor.fetchone()[0]
    connection.close()
    return facts


def facts_store(database_url: str, facts: dict) -> None:
    import psycopg2

    connection = psycopg2.connect(database_url)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {FACTS_TABLE} (facts jsonb NOT NULL)")
        cursor.execute(f"INSERT INTO {FACTS_TABLE} VALUES (%s)", [json.dumps(facts)])
    connection.commit()
    connection.close()


# --- The lists, the samples, the clean-up ----------------------------------------------------------------


def write_list(path: Path, title: str, rows) -> int:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("名单")
    sheet.write_row(0, 0, [title])
    sheet.write_row(1, 0, LIST_HEADER)
    count = 0
    for count, row in enumerate(rows, start=1):
        sheet.write_row(count + 1, 0, [count, *row])
    book.close()
    return count


def lists(work: str, roster_rows: int, seed: int) -> dict:
    """The two roster lists, the monthly one from the registry; and how many bills the home county has."""
    from beneficiaries.models import Beneficiary, CategoryHolding
    from claims.models import Claim
    from rosters.services import month_first_day

    rng = random.Random(seed)

    # The first roster load: people none of whom is registered, in families of three, in the empty county.
    villages = villages_of(EMPTY_COUNTY)
    aliases = list(LIST_ALIASES.values())

    def first_rows():
        for index in range(roster_rows):
            _, number = id_number(EMPTY_COUNTY, index)
            _, head = id_number(EMPTY_COUNTY, index - index % 3)
            yield [person_name(rng), number, aliases[index // 3 % 3], villages[index // 3 % len(villages)], head,
                   "户主" if head == number else "子女", "13800000000"]

    first = write_list(Path(work) / "first.xlsx", f"南川区 {FIRST_MONTH} 城乡困难群众名单", first_rows())

    # The monthly list of the home county: its civil-affairs holdings on the month's first day, 2 % of the people
    # gone, 3 % with another category, 2 % new.
    day = month_first_day(MONTHLY_MONTH)
    held: dict[int, list[str]] = {}
    for person, code in (CategoryHolding.objects.within(HOME_COUNTY).on(day).filter(source="civil_affairs")
                         .order_by("beneficiary_id").values_list("beneficiary_id", "category__code")):
        held.setdefault(person, []).append(code)
    people = {pk: (name, number, village) for pk, name, number, village in
              Beneficiary.objects.filter(pk__in=list(held)).values_list("pk", "name", "id_number", "village_id")}
    ids = sorted(held)
    gone = set(rng.sample(ids, len(ids) * 2 // 100))
    changed = set(rng.sample(sorted(set(ids) - gone), len(ids) * 3 // 100))
    codes = list(LIST_ALIASES)
    registered = Beneficiary.objects.within(HOME_COUNTY).count()
    home_villages = villages_of(HOME_COUNTY)

    def monthly_rows():
        for pk in ids:
            if pk in gone:
                continue
            name, number, village = people[pk]
            listed = held[pk]
            if pk in changed:
                listed = [codes[(codes.index(listed[0]) + 1) % len(codes)]] if listed[0] in codes else listed
            for code in listed:
                yield [name, number, LIST_ALIASES.get(code, code), village, "", "", ""]
        for offset in range(len(ids) * 2 // 100):
            # Beyond every index the build gave the county: IDs no one holds.
            _, number = id_number(HOME_COUNTY, registered + 10_000 + offset)
            _, head = id_number(HOME_COUNTY, registered + 10_000 + offset - offset % 3)
            yield [person_name(rng), number, "农村低保", home_villages[offset % len(home_villages)], head,
                   "户主" if head == number else "子女", "13800000000"]

    monthly = write_list(Path(work) / "monthly.xlsx", f"酉阳县 {MONTHLY_MONTH} 城乡困难群众名单", monthly_rows())
    county_bills = Claim.objects.within(HOME_COUNTY).filter(discharged_on__year=YEAR, status=Claim.Status.SETTLED)
    return {"county_bills": county_bills.count(), "first_rows": first, "monthly_rows": monthly, "monthly_people": len(ids),
            "monthly_gone": len(gone), "monthly_changed": len(changed), "monthly_new": len(ids) * 2 // 100}


def baseline(rows: int, out: str) -> dict:
    """xlsxwriter alone writing ``rows`` rows of the home county's real ledger cells (its first 5,000 rows,
    over and over; read beforehand, not timed) with the export's formats."""
    from accounts.services import system_user
    from benchmarks.ledger_export import stored_cells, xlsxwriter_alone
    from config.periods import year_period
    from ledgers.selectors import LedgerFilter, ledger_rows

    sample = stored_cells(itertools.islice(ledger_rows(system_user(), LedgerFilter(
        area_code=HOME_COUNTY, period=year_period(YEAR))), 5000))
    started, cpu = time.perf_counter(), time.process_time()
    written = xlsxwriter_alone(itertools.islice(itertools.cycle(sample), rows), out)
    return {"rows": written, "seconds": round(time.perf_counter() - started, 2),
            "cpu": round(time.process_time() - cpu, 2), "peak_mb": round(peak_mb())}


# --- Pages ---------------------------------------------------------------------------------------------------


def page_plan(database_url: str, requests: int, seed: int) -> dict[str, tuple[str, list[str]]]:
    """Page kind → (user, the paths to request), drawn from the database."""
    import psycopg2

    rng = random.Random(seed)
    connection = psycopg2.connect(database_url)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, name, id_number FROM beneficiaries_beneficiary WHERE village_id LIKE %s "
                       "ORDER BY random() LIMIT %s", [f"{HOME_COUNTY}%", requests])
        home = cursor.fetchall()
        cursor.execute("SELECT name FROM beneficiaries_beneficiary ORDER BY random() LIMIT %s", [requests])
        anywhere = [name for (name,) in cursor.fetchall()]
        cursor.execute("SELECT count(*) FROM beneficiaries_beneficiary WHERE village_id LIKE %s", [f"{HOME_COUNTY}%"])
        (home_people,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM beneficiaries_beneficiary")
        (all_people,) = cursor.fetchone()
    connection.close()
    year = {"period": "year", "year": str(YEAR)}

    def ledger(area: str, people: int) -> list[str]:
        pages = max(1, people // 50)
        return [f"/ledger/?{urlencode({'area': area, **year, 'page': rng.randint(1, pages)})}" for _ in range(requests)]

    def stats(area: str) -> list[str]:
        return [f"/ledger/stats/?{urlencode({'area': area, 'quarter': f'{YEAR}Q{rng.randint(1, 4)}'})}"
                for _ in range(requests)]

    return {
        "person": ("admin", [f"/people/{pk}/" for pk, _, _ in home]),
        "search_name": ("admin", [f"/people/?{urlencode({'q': name[:2]})}" for _, name, _ in home]),
        "search_id": ("admin", [f"/people/?{urlencode({'q': number})}" for _, _, number in home]),
        "ledger": ("admin", ledger(HOME_COUNTY, home_people)),
        "stats": ("admin", stats(HOME_COUNTY)),
        "search_name_province": ("province", [f"/people/?{urlencode({'q': name[:2]})}" for name in anywhere]),
        "ledger_province": ("province", ledger(PROVINCE, all_people)),
        "stats_province": ("province", stats(PROVINCE)),
    }


PAGE_NAMES = {
    "person": "person page (个人档案: holdings, enrollment, bills with their settlements, history)",
    "search_name": "search by name prefix (two characters)",
    "search_id": "search by ID number (18 characters)",
    "ledger": "ledger page, 2017, a random page of 50",
    "stats": "statistics page, a random quarter of 2017",
    "search_name_province": "search by name prefix",
    "ledger_province": "ledger page, 2017, a random page of 50",
    "stats_province": "statistics page, a random quarter of 2017",
}


class Browser:
    """A signed-in user over HTTP, as a browser behind the TLS proxy (the proxy's headers set by hand)."""

    def __init__(self, port: int):
        self.port, self.cookies = port, {}

    def request(self, method: str, path: str, body: str | None = None, headers: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=900)
        sent = {"Host": f"127.0.0.1:{self.port}", "X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.1",
                "Cookie": "; ".join(f"{key}={value}" for key, value in self.cookies.items()), **(headers or {})}
        started = time.perf_counter()
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        content = response.read()
        seconds = time.perf_counter() - started
        connection.close()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        return response.status, response.getheader("Location"), content, seconds

    def login(self, username: str) -> None:
        status, _, content, _ = self.request("GET", "/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', content)
        if status != 200 or token is None:
            raise SystemExit(f"login page: status {status}")
        form = urlencode({"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)})
        status, location, _, _ = self.request("POST", "/login/", form, {
            "Content-Type": "application/x-www-form-urlencoded", "Referer": f"https://127.0.0.1:{self.port}/login/"})
        if status != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"login as {username}: status {status}, to {location}")


def server_command(port: int) -> tuple[list[str], str]:
    """The production way to serve, as the project offers it."""
    serve = ROOT / "bin" / "serve"
    if serve.exists():
        return [str(serve)], "`bin/serve` (gunicorn, config/gunicorn.py, and the task worker beside it)"
    if importlib.util.find_spec("gunicorn"):
        return [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"], \
            "gunicorn config.wsgi, 2 workers"
    return [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"], \
        "manage.py runserver --noreload (gunicorn is not installed)"


def pages(env: dict, database_url: str, requests: int, budget: float, seed: int) -> dict:
    command, how = server_command(PORT)
    log = Path(env["VAR_DIR"]) / "server.log"
    with log.open("w") as output:
        server = subprocess.Popen(command, cwd=ROOT, env=env | {"BIND": f"127.0.0.1:{PORT}"}, stdout=output,
                                  stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                socket.create_connection(("127.0.0.1", PORT), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the server ({how}) did not start:\n{log.read_text()[-3000:]}") from None
                time.sleep(0.5)
        browsers = {}
        for username in ("admin", "province"):
            browsers[username] = Browser(PORT)
            browsers[username].login(username)
        results = {}
        for kind, (username, paths) in page_plan(database_url, requests, seed).items():
            browser, times = browsers[username], []
            browser.request("GET", paths[0])  # the first of a kind warms the worker's caches
            began = time.monotonic()
            for path in paths:
                status, location, _, seconds = browser.request("GET", path)
                if status != 200:
                    raise SystemExit(f"{kind}: {path} answered {status} {location or ''}")
                times.append(seconds * 1000)
                if time.monotonic() - began > budget and len(times) >= 5:
                    break
            ordered = sorted(times)
            results[kind] = {"user": username, "requests": len(times), "median_ms": round(median(times)),
                             "p95_ms": round(ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]),
                             "max_ms": round(ordered[-1]), "load": load_average()}
            print(f"» {kind}: {results[kind]}", file=sys.stderr)
        return {"server": how, "pages": results}
    finally:
        server.terminate()
        server.wait(timeout=90)


def queries(database_url: str, seed: int) -> dict:
    """The SQL queries of one request of each page kind (after one to warm the caches), by Django's test client."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User

    plan = page_plan(database_url, 2, seed)
    clients = {}
    for username in ("admin", "province"):
        clients[username] = Client()
        clients[username].force_login(User.objects.get(username=username))
    counts = {}
    for kind, (username, paths) in plan.items():
        client = clients[username]
        client.get(paths[0], secure=True)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(paths[1], secure=True)
        if response.status_code != 200:
            raise SystemExit(f"{kind}: {paths[1]} answered {response.status_code}")
        counts[kind] = len(captured.captured_queries)
    return counts


# --- Commands -----------------------------------------------------------------------------------------------


def timed_command(env: dict, *args: str) -> dict:
    """``manage.py ARGS --json`` in a fresh process: wall time, peak memory (``/usr/bin/time``), its JSON."""
    with tempfile.NamedTemporaryFile(suffix=".time") as timing:
        load = load_average()
        started = time.perf_counter()
        result = subprocess.run(["/usr/bin/time", "-f", "%M %U %S", "-o", timing.name, sys.executable, "manage.py",
                                 *args, "--json"], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - started
        peak_kb, user, system = Path(timing.name).read_text().strip().splitlines()[-1].split()
    if result.returncode != 0:
        sys.stderr.write(result.stderr[-5000:])
        raise SystemExit(f"manage.py {' '.join(args)} exited with {result.returncode}")
    figures = {"seconds": round(seconds, 2), "cpu": round(float(user) + float(system), 2),
               "peak_mb": round(int(peak_kb) / 1024), "load": load, "json": json.loads(result.stdout)}
    shown = {key: value for key, value in figures.items() if key != "json"}
    print(f"» manage.py {' '.join(args)}: {shown}", file=sys.stderr)
    return figures


def applied_batches(database_url: str) -> list[int]:
    """The roster batches an earlier run applied and left (its first load is not reverted), newest first."""
    import psycopg2

    connection = psycopg2.connect(database_url)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM rosters_rosterbatch WHERE status = 'applied' AND area_code IN (%s, %s) "
                       "ORDER BY id DESC", [EMPTY_COUNTY, HOME_COUNTY])
        batches = [batch for (batch,) in cursor.fetchall()]
    connection.close()
    return batches


def measure(env: dict, database_url: str, work: str, args) -> dict:
    results: dict = {"reverted_first": [timed_command(env, "revert_batch", str(batch))
                                        for batch in applied_batches(database_url)]}
    results["lists"] = stage("lists", env, "--work", work, "--roster-rows", str(args.roster_rows),
                             "--seed", str(args.seed))
    print(f"» lists: {results['lists']}", file=sys.stderr)

    resettle = timed_command(env, "resettle", "--year", str(YEAR), "--area", args.resettle_area)
    if resettle["json"]["changed"]:
        raise SystemExit(f"resettle changed {resettle['json']['changed']} bills: the build disagrees with the engine")
    resettle["claims"], resettle["area"] = resettle["json"]["claims"], args.resettle_area
    results["resettle"] = resettle

    period = ["--from", f"{YEAR}-01-01", "--to", f"{YEAR}-12-31"]
    for key, area in (("ledger_county", HOME_COUNTY), ("ledger_province", PROVINCE)):
        out = f"{work}/{key}.xlsx"
        figures = timed_command(env, "export_ledger", "--area", area, *period, "--out", out)
        figures["rows"] = figures["json"]["rows"]
        figures["file_mb"] = round(Path(out).stat().st_size / 2**20, 1)
        figures["baseline"] = stage("baseline", env, "--rows", str(figures["rows"]), "--out", f"{work}/bare.xlsx")
        print(f"» xlsxwriter alone, {figures['rows']:,} rows: {figures['baseline']}", file=sys.stderr)
        results[key] = figures
    for key, area in (("stats_county", HOME_COUNTY), ("stats_province", PROVINCE)):
        results[key] = timed_command(env, "export_stats", "--quarter", f"{YEAR}Q4", "--area", area,
                                     "--out", f"{work}/{key}.xlsx")

    monthly = ["reconcile", "--source", "civil_affairs", "--month", MONTHLY_MONTH, "--area", HOME_COUNTY,
               f"{work}/monthly.xlsx"]
    results["monthly_preview"] = timed_command(env, *monthly)
    results["monthly_apply"] = timed_command(env, *monthly, "--apply")
    results["revert_monthly"] = timed_command(env, "revert_batch", str(results["monthly_apply"]["json"]["batch"]))

    # DEBUG=0 serves static files from the collected, hashed copies (as a deployment does before starting).
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    results["queries"] = stage("queries", env | {"ALLOWED_HOSTS": "127.0.0.1,testserver"}, "--seed",
                               str(args.seed))
    results |= pages(env, database_url, args.requests, args.page_seconds, args.seed)

    # Last, and left applied: undoing 100,000 new people is slow, so a later --reuse run reverts it first.
    results["first_roster"] = timed_command(env, "reconcile", "--source", "civil_affairs", "--month", FIRST_MONTH,
                                            "--area", EMPTY_COUNTY, "--apply", f"{work}/first.xlsx")
    return results


# --- The report --------------------------------------------------------------------------------------------

# Where the time goes (profiled on 2026-12-02 on the default province, load average about 1, each query's
# time from EXPLAIN (ANALYZE, BUFFERS)); kept here so that --write-doc keeps it with the figures.
FINDINGS = """Where the time goes where a goal is missed (profiled on 2026-12-02 on this province with the machine
nearly idle, load average about 1; query times from `EXPLAIN (ANALYZE, BUFFERS)`), and what would close it:

* **Ledger page** (酉阳, 4.2 s idle when profiled with PostgreSQL's JIT on, 4.0 s of it in SQL; 3.0 s median in
  the table above, with JIT off for the product's connections since, `config/settings.py`). The totals row is recomputed on every page from everyone
  listed: the settlements' sums 1.5 s (212,159 bills reached by nested loops from the 70,885 listed people, 1.4
  million buffer hits), the categories 0.7 s, the enrollment 0.8 s; the paginator's count 0.36 s and the page's
  50 people 0.39 s each evaluate the list again (a person is listed when an `EXISTS` finds a holding in the
  period or a settled bill). The planner expects 2,940 people instead of 70,885, so each big aggregate also
  paid PostgreSQL's JIT compilation: 0.47 s of the 1.5 s, 0.32 s of the 0.7 s (hence JIT off). For the
  province every part is fourteen times larger (25 s). To close it: the totals (and the count) computed once per filter and kept
  until a settlement, holding or enrollment of the area changes, or read from per-person-year sums that the
  settling transaction keeps (it already locks `claims.PersonYear`).
  The 36 × 50 cells rendered by the template (an `if`/`elif` chain per cell) cost about 0.3 s more on a busy
  machine: rendering each row's cells in Python (a filter or a simple tag) would remove most of it.
* **Statistics page** (酉阳, 5.5 s idle with JIT on, 5.4 s in SQL; 5.1 s median with it off): five aggregates (by township, by category, the total and
  the months, plus the people) each find the covered people again and walk the quarter's ~50,000 bills one
  person at a time through three indexes (bills by person and date, the current settlement, the hospital),
  0.4–1.8 s each, sorting to disk with the default 4 MB `work_mem`. One pass over the quarter's bills for all
  tables would bring the county near 1.2 s; for the province (22 s) the 300 ms goal needs figures kept
  aggregated — per township × category × month × visit type, maintained by the settling transaction or
  refreshed after each import — so that the page reads hundreds of rows instead of millions.
* **resettle**: about 15 round trips per person-year, each in its own transaction: the person-year row
  (`get_or_create`, then locked), the policy in force and its current version (and again in the alert
  receiver), the hospital names of the policy, a count of the bills, the holdings, the enrollment, the bills
  with their settlements and payments (three), the alert locked, `BEGIN`/`COMMIT`; the engine itself is under
  2 % of the time. So a county-year (212,159 bills, 67,904 person-years) takes about 50 min idle. To close it:
  settle an area-year as 政策试算 reads one (`claims.selectors.year_facts` and the bills of every person in a
  handful of queries), `engine.settle_claims` over all of them (20,000 bills/s), compare with the stored
  payments, and lock, write and announce only the person-years whose payments moved (alerts afterwards by
  `alerts_recompute`, as `monitor` does): minutes for a county instead of hours.
"""


def _seconds(value: float) -> str:
    return f"{value:,.1f} s" if value < 100 else f"{value:,.0f} s"


def report(built: dict, results: dict, how_built: str, version: str) -> str:
    today = datetime.date.today().isoformat()
    rows = []

    def command_row(what: str, figures: dict, note: str = "") -> None:
        rows.append(f"| {what} | {_seconds(figures['seconds'])} | {_seconds(figures['cpu'])} | "
                    f"{figures['peak_mb']:,} MB | {figures['load']} | {note} |")

    lists_ = results["lists"]
    resettled = results["resettle"]
    note = f"{resettled['claims']:,} bills, none changed"
    if resettled["area"] != HOME_COUNTY:
        per_bill = resettled["seconds"] / resettled["claims"]
        note += (f"; the county's {lists_['county_bills']:,} bills at this rate: about "
                 f"{per_bill * lists_['county_bills'] / 60:,.0f} min (extrapolated, not run)")
    command_row(f"`resettle --year {YEAR} --area {resettled['area']}`", resettled, note)
    for key, what in (("ledger_county", "酉阳"), ("ledger_province", "the province")):
        figures, alone = results[key], results[key]["baseline"]
        cpu = f", CPU {figures['cpu'] / alone['cpu']:.2f}×" if "cpu" in alone else ""
        command_row(f"`export_ledger` of {what}, {YEAR}", figures,
                    f"{figures['rows']:,} rows, {figures['file_mb']} MB; xlsxwriter alone {_seconds(alone['seconds'])}"
                    f"{' (CPU ' + _seconds(alone['cpu']) + ')' if cpu else ''}: "
                    f"**{figures['seconds'] / alone['seconds']:.2f}×**{cpu}")
    command_row(f"`export_stats --quarter {YEAR}Q4` of 酉阳", results["stats_county"])
    command_row(f"`export_stats --quarter {YEAR}Q4` of the province", results["stats_province"])
    preview, applied = results["monthly_preview"]["json"], results["monthly_apply"]["json"]
    command_row(f"monthly roster of 酉阳 ({lists_['monthly_rows']:,} rows), preview", results["monthly_preview"],
                f"new {preview['new']:,}, changed {preview['changed']:,}, exited {preview['exited']:,}")
    command_row("the same, `--apply`", results["monthly_apply"],
                f"new {applied['new']:,}, changed {applied['changed']:,}, exited {applied['exited']:,}, "
                f"unchanged {applied['unchanged']:,}")
    command_row("`revert_batch` of that batch", results["revert_monthly"])
    command_row(f"first roster load: `reconcile --apply` of {lists_['first_rows']:,} new people (南川区)",
                results["first_roster"], f"new {results['first_roster']['json']['new']:,}")
    for figures in results["reverted_first"]:
        command_row("`revert_batch` of the first roster load the run before left", figures)

    page_rows = []
    for kind, figures in results["pages"].items():
        who = "酉阳 admin" if figures["user"] == "admin" else "province admin"
        met = "yes" if figures["p95_ms"] < GOAL_PAGE_MS else "**no**"
        page_rows.append(f"| {PAGE_NAMES[kind]} | {who} | {figures['requests']} | {figures['median_ms']:,} ms | "
                         f"{figures['p95_ms']:,} ms | {figures['max_ms']:,} ms | {results['queries'][kind]} | {met} |")
    built_text = textwrap.fill(
        f"Built: {built['people']:,} people in {built['households']:,} households of {built['counties']} "
        f"counties ({built['counties'] * TOWNSHIPS} townships, {built['counties'] * TOWNSHIPS * VILLAGES_PER_TOWNSHIP:,} "
        f"villages), {built['holdings']:,} category holdings, {built['enrollments']:,} enrollments, {built['bills']:,} "
        f"bills of {YEAR} ({built['voided']:,} voided) with {built['settlements']:,} settlements "
        f"({built['superseded']:,} superseded) and {built['payments']:,} payment rows, {built['person_years']:,} "
        f"person-years, {built['history_rows']:,} history rows; the alert list by `monitor` "
        f"({built['alerts']['warning']:,} warning, {built['alerts']['over']:,} over). {how_built}", width=110)
    return f"""{SECTION}

Run: `.venv/bin/python benchmarks/province.py --write-doc` (options `--people`, `--bills`, `--counties`, `--seed`,
`--roster-rows`, `--resettle-area`, `--requests`, `--page-seconds`, `--postgres URL`, `--build-only`, `--reuse`
to measure a database built before). The module's docstring says what it builds and how; its PostgreSQL is a
throwaway server:

```
runuser -u postgres -- /usr/lib/postgresql/15/bin/initdb -D /tmp/pg-5443 -A trust -U postgres -E UTF8 --locale=C.UTF-8
runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D /tmp/pg-5443 \\
    -o "-p 5443 -k /tmp -c listen_addresses=127.0.0.1" -l /tmp/pg-5443.log start
# {DEFAULT_POSTGRES} is the default; the database {BENCH_DATABASE} is dropped and created afresh
```

{built_text}

Measured {today} on {machine()}, PostgreSQL {version} with its default settings (128 MB shared buffers) on
the same machine. Commands: each `manage.py … --json` in a fresh process with `DEBUG=0`; wall time and
peak memory (maximum resident set) from `/usr/bin/time`, interpreter and Django start-up included; CPU is the
command's own (user + system), the database server's is not in it. Load average (1, 5, 15 min) as each began.

| what | wall | CPU | peak memory | load | outcome |
| --- | --- | --- | --- | --- | --- |
{chr(10).join(rows)}

Pages: HTTP requests one after another against {results['server']} with `DEBUG=0`, signed in through the
login form; time from sending the request to the last byte of the HTML (static files not requested).
Queries: one request of each kind through Django's test client in a fresh process, after one to warm the
caches. Goal: p95 under {GOAL_PAGE_MS} ms.

| page | user | requests | median | p95 | max | queries | goal met |
| --- | --- | --- | --- | --- | --- | --- | --- |
{chr(10).join(page_rows)}

{FINDINGS}
What the figures leave out: payment batches (拨付) and relief grants (no bill is paid out, no grant decided),
so the ledger's and statistics' grant columns and the payables pages do less than a county with them; two
years of enrollment and bills (only {YEAR}); the browser's own work (static files, rendering); concurrent
users (requests are sequential, one at a time); a database larger than the machine's memory (the tables
fit in the page cache after the build); variety between counties (each is a copy of the home county with its
own codes, hospitals and policy); the building itself (COPY with the foreign-key triggers off, then checked by
anti-joins), which is not how the data would arrive.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--bills", type=int, default=3_000_000)
    parser.add_argument("--counties", type=int, default=len(COUNTIES), choices=range(1, len(COUNTIES) + 1))
    parser.add_argument("--seed", type=int, default=YEAR)
    parser.add_argument("--roster-rows", type=int, default=100_000)
    parser.add_argument("--resettle-area", default=HOME_COUNTY,
                        help="the area of the resettle measured (default the county; a township when time is short)")
    parser.add_argument("--requests", type=int, default=200, help="requests of each page kind")
    parser.add_argument("--page-seconds", type=float, default=60,
                        help="stop a page kind after this many seconds (at least 5 requests)")
    parser.add_argument("--postgres", default=os.environ.get("BENCHMARK_POSTGRES", DEFAULT_POSTGRES))
    parser.add_argument("--reuse", action="store_true", help="measure the province built by an earlier run")
    parser.add_argument("--build-only", action="store_true", help="build (or, with --reuse, keep) and stop")
    parser.add_argument("--write-doc", action="store_true")
    parser.add_argument("--stage", choices=["build", "lists", "baseline", "queries"], help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        setup_django()
        if args.stage == "build":
            result = build(args.people, args.bills, args.counties, args.seed, args.work)
        elif args.stage == "lists":
            result = lists(args.work, args.roster_rows, args.seed)
        elif args.stage == "baseline":
            result = baseline(args.rows, args.out)
        else:
            result = queries(os.environ["DATABASE_URL"], args.seed)
        print(json.dumps(result, default=str))
        return

    wanted = {"requested": {"people": args.people, "bills": args.bills}, "counties": args.counties, "seed": args.seed}
    database_url, version = postgres(args.postgres, fresh=False)
    stored = facts_stored(database_url) if args.reuse else None
    with tempfile.TemporaryDirectory(prefix="province-") as work:
        env = os.environ | {"DATABASE_URL": database_url, "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(64),
                            "ALLOWED_HOSTS": "127.0.0.1", "TRUSTED_PROXY_COUNT": "1", "VAR_DIR": work,
                            "MEDIA_ROOT": work, "PYTHONPATH": str(ROOT)}
        if stored is not None and all(stored.get(key) == value for key, value in wanted.items()):
            built = stored
            print(f"» reusing the province built on {built['built_on']}", file=sys.stderr)
        else:
            if args.reuse:
                raise SystemExit("--reuse: the database holds no such province (run without --reuse to build it)")
            database_url, version = postgres(args.postgres, fresh=True)
            started = time.perf_counter()
            built = stage("build", env, "--people", str(args.people), "--bills", str(args.bills), "--counties",
                          str(args.counties), "--seed", str(args.seed), "--work", work, progress=True)
            built["vacuum_seconds"] = vacuum(database_url)
            built["seconds"] = round(time.perf_counter() - started)
            built["built_on"] = datetime.date.today().isoformat()
            built["load"] = load_average()
            facts_store(database_url, built)
            print(f"» built: {built}", file=sys.stderr)
        how_built = (f"Building took {built['seconds'] / 60:.0f} min on {built['built_on']}: "
                     f"{built['generate_seconds']:.0f} s to generate, settle and COPY the home county, "
                     f"{built['replicate_seconds']:.0f} s to copy it into the other counties, "
                     f"{built['monitor_seconds']:.0f} s for `monitor`, {built['vacuum_seconds']:.0f} s for "
                     f"`VACUUM ANALYZE` (load average {built['load']} at its end).")
        if args.build_only:
            return
        results = measure(env, database_url, work, args)
    text = report(built, results, how_built, version)
    print(text)
    Path(tempfile.gettempdir(), "province-results.json").write_text(json.dumps(
        {"built": built, "results": results}, ensure_ascii=False, default=str, indent=1), encoding="utf-8")
    if args.write_doc:
        write_section(text)


if __name__ == "__main__":
    main()
