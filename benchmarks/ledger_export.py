"""How fast and how lean the 36-column ledger export is: ``.venv/bin/python benchmarks/ledger_export.py``.

Builds one county of ``--people`` people (default 100,000) in five townships and 100 villages with a
year of settled bills (about four per person; 3 % of bills re-settled, 1 % voided), enrollment and
categories, in a throwaway SQLite database (or the empty database of ``--database-url``), with
``bulk_create`` in batches. Then, each in a fresh process so that peak memory is the export's own:

1. ``export``: the whole county through ``ledgers.services.ledger_export_write`` (the queries, the
   merge of the per-person aggregates, the totals, the xlsxwriter constant-memory workbook);
2. ``export`` of one township (a fifth of the rows), to show that memory does not grow with rows;
3. ``baseline``: the same cells (read from the database first, untimed, and converted to what
   xlsxwriter stores) written by xlsxwriter in constant-memory mode alone, with the same formats.

Prints the figures and writes them to the ``## Ledger export`` section of ``docs/performance.md``
(``--no-write`` to leave it). Goal: the export within 1.5 × the baseline's time, peak memory under 300 MB.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PERFORMANCE = ROOT / "docs" / "performance.md"
SECTION = "## Ledger export"
COUNTY = "500242"
YEAR = 2024
TOWNSHIPS = 5
VILLAGES_PER_TOWNSHIP = 20
BATCH = 5000
CENT = Decimal("0.01")
SUPERSEDED_AT = datetime.datetime(YEAR, 12, 31, tzinfo=datetime.timezone.utc)

# (categories, weight): who holds what; "billed only" people hold nothing but have bills.
CATEGORY_MIX = [(("poor",), 55), (("poor", "dibao_rural"), 10), (("dibao_rural",), 15), (("tekun_rural",), 3),
                (("marginal",), 7), (("low_income_rural",), 5), ((), 5)]
# (visit type, weight, total range in yuan)
VISIT_MIX = [("outpatient", 60, (15, 600)), ("special_outpatient", 15, (200, 8000)),
             ("inpatient", 25, (800, 60000))]


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def village_codes() -> list[str]:
    return [f"{COUNTY}{100 + t:03d}{200 + v:03d}" for t in range(TOWNSHIPS) for v in range(VILLAGES_PER_TOWNSHIP)]


def build(people: int, seed: int) -> dict:
    """Fill the empty database: regions, a policy version, hospitals, people and their year."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from accounts.services import system_user
    from beneficiaries.idnumbers import check_character
    from beneficiaries.models import Beneficiary, Category, CategoryHolding, Enrollment, Insurance
    from claims.models import Claim, Hospital, Settlement
    from policies.models import Policy, PolicyVersion
    from regions.models import Region

    started = time.perf_counter()
    rng = random.Random(seed)
    user = system_user()
    county = Region.objects.get(code=COUNTY)
    townships = Region.objects.bulk_create(
        Region(code=f"{COUNTY}{100 + t:03d}", name=f"第{t + 1}镇", level="township", parent=county)
        for t in range(TOWNSHIPS)
    )
    Region.objects.bulk_create(
        Region(code=code, name=f"第{int(code[9:]) - 199}村", level="village", parent=townships[int(code[6:9]) - 100])
        for code in village_codes()
    )
    policy = Policy.objects.create(code="bench", name="基准测试政策", region_code=COUNTY, year=YEAR)
    version = PolicyVersion.objects.create(policy=policy, number=1, document={}, digest="bench")
    hospitals = {level: Hospital.objects.create(name=f"{level} 医院", level=level, in_county=level != "city")
                 for level in ("village", "township", "county", "city")}
    categories = {c.code: c for c in Category.objects.all()}
    insurances = {i.code: i for i in Insurance.objects.all()}
    villages = village_codes()
    first_day = datetime.date(YEAR, 1, 1)

    def people_batches():
        for start in range(0, people, BATCH):
            batch = []
            for index in range(start, min(start + BATCH, people)):
                birth = datetime.date(1940, 1, 1) + datetime.timedelta(days=index // 900)
                first17 = f"{COUNTY}{birth:%Y%m%d}{index % 900 + 100:03d}"
                number = first17 + check_character(first17)
                batch.append(Beneficiary(name=f"测试{index:06d}", id_number=number, sex="M" if int(number[16]) % 2 else "F",
                                         birth_date=birth, village_id=villages[index % len(villages)]))
            yield batch

    counts = {"people": 0, "holdings": 0, "enrollments": 0, "claims": 0, "settlements": 0}
    weights = [w for _, w, _ in VISIT_MIX]
    for batch in people_batches():
        created = Beneficiary.objects.bulk_create(batch)
        holdings, enrollments, claims = [], [], []
        for person in created:
            (held,) = rng.choices([c for c, _ in CATEGORY_MIX], weights=[w for _, w in CATEGORY_MIX])
            for code in held:
                end = first_day + datetime.timedelta(days=rng.randrange(30, 365)) if rng.random() < 0.1 else None
                holdings.append(CategoryHolding(beneficiary=person, category=categories[code], source="other",
                                                start=datetime.date(YEAR - 1, 1, 1), end=end))
            if rng.random() < 0.97:
                enrollments.append(Enrollment(beneficiary=person, year=YEAR, insurance=insurances["resident_basic"],
                                              status="enrolled", subsidy=Decimal(rng.choice([0, 180, 320]))))
            if rng.random() < 0.3:
                enrollments.append(Enrollment(beneficiary=person, year=YEAR, insurance=insurances["supplementary"],
                                              status="enrolled"))
            for _ in range(rng.randrange(0, 9)):
                (visit_type, _, (low, high)) = rng.choices(VISIT_MIX, weights=weights)[0]
                total = Decimal(str(round(rng.uniform(low, high), 2)))
                level = rng.choice(("city", "county")) if visit_type == "inpatient" else rng.choice(("village", "township"))
                claims.append(Claim(
                    beneficiary=person, hospital=hospitals[level], visit_type=visit_type,
                    discharged_on=first_day + datetime.timedelta(days=rng.randrange(366)), total=total,
                    in_catalog=(total * Decimal("0.8")).quantize(CENT), entered_by=user, pay_later=rng.random() < 0.2,
                    status="voided" if rng.random() < 0.01 else "settled",
                ))
        CategoryHolding.objects.bulk_create(holdings)
        Enrollment.objects.bulk_create(enrollments)
        Claim.objects.bulk_create(claims)
        settlements = []
        for claim in claims:
            shares = [Decimal(s) for s in ("0.55", "0.08", "0.10", "0.04")]
            paid = [(claim.total * share).quantize(CENT) for share in shares]
            fields = dict(claim=claim, policy_version=version, total=claim.total, basic=paid[0], critical=paid[1],
                          assistance=paid[2], other=paid[3], personal=claim.total - sum(paid),
                          in_catalog_personal=Decimal(0), settled_by=user)
            if rng.random() < 0.03:  # re-settled once: the first settlement is superseded
                settlements.append(Settlement(**fields | {"basic": paid[0] + 1, "superseded_at": SUPERSEDED_AT}))
            settlements.append(Settlement(**fields))
        Settlement.objects.bulk_create(settlements)
        for name, rows in (("people", created), ("holdings", holdings), ("enrollments", enrollments),
                           ("claims", claims), ("settlements", settlements)):
            counts[name] += len(rows)
    return counts | {"seconds": round(time.perf_counter() - started, 1)}


def ledger_filter(area: str):
    from config.periods import year_period
    from ledgers.selectors import LedgerFilter

    return LedgerFilter(area_code=area, period=year_period(YEAR))


def export(area: str, out: str) -> dict:
    from accounts.services import system_user
    from ledgers.services import ledger_export_write

    user = system_user()
    started = time.perf_counter()
    rows = ledger_export_write(user=user, ledger_filter=ledger_filter(area), path=out)
    seconds = time.perf_counter() - started
    return {"rows": rows, "seconds": round(seconds, 2), "peak_mb": round(peak_mb(), 1),
            "file_mb": round(Path(out).stat().st_size / 2**20, 1)}


def baseline(area: str, out: str) -> dict:
    """xlsxwriter alone, constant-memory, writing the export's cells with the export's formats."""
    from accounts.services import system_user
    from ledgers.selectors import ledger_rows

    cells = stored_cells(ledger_rows(system_user(), ledger_filter(area)))
    started = time.perf_counter()
    rows = xlsxwriter_alone(cells, out)
    return {"rows": rows, "seconds": round(time.perf_counter() - started, 2)}


def stored_cells(rows) -> list[list]:
    """The ledger rows' cells as xlsxwriter stores them (money as floats)."""
    from ledgers.columns import COLUMNS, Kind

    kinds = [column.kind for column in COLUMNS]
    return [[float(value) if kind == Kind.MONEY else value for value, kind in zip(row.cells, kinds)] for row in rows]


def xlsxwriter_alone(cells, out: str) -> int:
    """Write rows of ledger cells (``stored_cells``) by xlsxwriter alone, constant-memory, with the export's
    formats; returns how many rows."""
    import xlsxwriter

    from ledgers.columns import COLUMNS, Kind
    from ledgers.workbooks import HEADER_ROWS

    kinds = [column.kind for column in COLUMNS]
    book = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_formulas": False,
                                     "strings_to_numbers": False, "strings_to_urls": False})
    sheet = book.add_worksheet()
    border = {"border": 1, "valign": "vcenter"}
    formats = {Kind.TEXT: book.add_format(border), Kind.FLAG: book.add_format({**border, "align": "center"}),
               Kind.ID_NUMBER: book.add_format({**border, "num_format": "@"}),
               Kind.COUNT: book.add_format({**border, "num_format": "0"}),
               Kind.MONEY: book.add_format({**border, "num_format": "#,##0.00"})}
    plan = [(index, kind in (Kind.TEXT, Kind.FLAG, Kind.ID_NUMBER), formats[kind]) for index, kind in enumerate(kinds)]
    write_string, write_number = sheet.write_string, sheet.write_number
    rows = 0
    for row_number, row in enumerate(cells, start=HEADER_ROWS):
        for index, is_text, cell_format in plan:
            if is_text:
                write_string(row_number, index, row[index], cell_format)
            else:
                write_number(row_number, index, row[index], cell_format)
        rows += 1
    book.close()
    return rows


def stage(name: str, env: dict, *args: str) -> dict:
    result = subprocess.run([sys.executable, __file__, "--stage", name, *args], env=env, capture_output=True,
                            text=True, check=False)
    if result.returncode != 0:
        sys.stderr.write(result.stderr)
        raise SystemExit(f"stage {name} failed")
    return json.loads(result.stdout.strip().splitlines()[-1])


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    return f"nproc={os.cpu_count()}, {cpu}, load average {os.getloadavg()[0]:.1f}"


def write_section(text: str) -> None:
    current = PERFORMANCE.read_text(encoding="utf-8") if PERFORMANCE.exists() else "# Performance\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(current):
        current = pattern.sub(lambda _: text, current)
    else:
        current = current.rstrip("\n") + "\n\n" + text
    PERFORMANCE.write_text(current.rstrip("\n") + "\n", encoding="utf-8")


def report(runs: list[dict]) -> str:
    today = datetime.date.today().isoformat()
    rows = []
    for run in runs:
        county, township, base = run["county"], run["township"], run["baseline"]
        ratio = county["seconds"] / base["seconds"]
        rows.append(f"| {today} | {run['database']} | {county['rows']:,} | {county['seconds']} s | {base['seconds']} s "
                    f"| {ratio:.2f} | {county['peak_mb']} MB | {county['file_mb']} MB |")
        rows.append(f"| {today} | {run['database']}, one township | {township['rows']:,} | {township['seconds']} s "
                    f"| — | — | {township['peak_mb']} MB | {township['file_mb']} MB |")
    built = runs[0]["built"]
    table = "\n".join(rows)
    return f"""{SECTION}

Run: `.venv/bin/python benchmarks/ledger_export.py` (options `--people N`, `--seed N`,
`--database-url URL` for an empty PostgreSQL database instead of a throwaway SQLite file — give it
twice with `sqlite` as one of them to measure both — and `--no-write`). For each database it builds
one county with `bulk_create` ({built['people']:,} people in {TOWNSHIPS} townships and
{TOWNSHIPS * VILLAGES_PER_TOWNSHIP} villages, {built['holdings']:,} category holdings, {built['enrollments']:,}
enrollments, {built['claims']:,} bills of {YEAR} with {built['settlements']:,} settlements, 3 % of bills re-settled
and 1 % voided), then in fresh processes exports the county's {YEAR} ledger with `ledger_export_write`
(the queries, the merge, the totals and the xlsxwriter constant-memory workbook), exports one township,
and writes the county's same cells with the same formats by xlsxwriter in constant-memory mode alone
(the cells read beforehand, not timed). Peak memory is the process's peak resident set (`ru_maxrss`),
Django included.

Goal: the export within 1.5 × the xlsxwriter-alone time of the same run; peak memory under 300 MB
whatever the number of rows.

Machine: {machine()}, CPython {platform.python_version()}.

| date | database | rows | export | xlsxwriter alone | ratio | peak memory | file |
| --- | --- | --- | --- | --- | --- | --- | --- |
{table}

Peak memory does not grow with the rows: the people and the three per-person aggregates (holdings,
enrollment, settlements) are each one query ordered by person id, read in chunks of 5,000 (server-side
cursors on PostgreSQL) and merged as they come, and xlsxwriter's constant-memory mode writes each row
to a temporary file as soon as the next begins. The time beyond xlsxwriter's own is the four queries
and building the rows and the totals.

How it got there: ordering the streams by village code and person id made the settlement aggregate sort
400,000 bills (3.4 s on SQLite); ordered by person id alone, and limited to the area by an `IN` over the
area's people, the databases walk the bills' person index instead (0.9 s). On PostgreSQL the list of
people was first written as an `OR` of two `IN` subqueries, which the planner ran as a scan per person
(61 s for this county); as two correlated `EXISTS` it takes 0.5 s.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=YEAR)
    parser.add_argument("--database-url", action="append",
                        help="an empty database to fill, or 'sqlite' for a throwaway SQLite file (the default); repeatable")
    parser.add_argument("--no-write", action="store_true", help="print the figures without writing docs/performance.md")
    parser.add_argument("--stage", choices=["build", "export", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--area", default=COUNTY, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        setup_django()
        if args.stage == "build":
            result = build(args.people, args.seed)
        elif args.stage == "export":
            result = export(args.area, args.out)
        else:
            result = baseline(args.area, args.out)
        print(json.dumps(result))
        return

    runs = []
    for url in args.database_url or ["sqlite"]:
        with tempfile.TemporaryDirectory(prefix="ledger-bench-") as work:
            database = f"sqlite:///{work}/bench.sqlite3" if url == "sqlite" else url
            runs.append(measure(database, work, args))
    text = report(runs)
    print(text)
    if not args.no_write:
        write_section(text)


def measure(database: str, work: str, args) -> dict:
    engine = "PostgreSQL" if database.startswith("postgres") else "SQLite"
    env = os.environ | {"DATABASE_URL": database, "DEBUG": "1", "VAR_DIR": work, "MEDIA_ROOT": work}
    print(f"» {engine}：建库 {args.people:,} 人", file=sys.stderr)
    built = stage("build", env, "--people", str(args.people), "--seed", str(args.seed))
    print(f"» 建库完成：{built}", file=sys.stderr)
    county = stage("export", env, "--area", COUNTY, "--out", f"{work}/county.xlsx")
    print(f"» 全县导出：{county}", file=sys.stderr)
    township = stage("export", env, "--area", f"{COUNTY}100", "--out", f"{work}/township.xlsx")
    print(f"» 单乡镇导出：{township}", file=sys.stderr)
    base = stage("baseline", env, "--area", COUNTY, "--out", f"{work}/baseline.xlsx")
    print(f"» xlsxwriter 单独写同样的单元格：{base}", file=sys.stderr)
    return {"database": engine, "built": built, "county": county, "township": township, "baseline": base}


if __name__ == "__main__":
    main()
