"""How fast a county imports issue 17's two lists: ``.venv/bin/python benchmarks/relief_lists.py``.

Builds, in a database made afresh (PostgreSQL: ``--postgres URL``, a server on which the database
``relief_lists_benchmark`` is dropped and created; SQLite: a file in a temporary folder), a county the size of
酉阳 (500242): 30 townships of 10 villages, ``--households`` poor households (default 10,000) of two working-age
adults (head and spouse: the 20,000 working-age poor), an elder in two of five, and a child of school or working
age in the first ``--children`` (default 5,000); everyone living and holding ``poor`` since 2016, their labour
capacity not yet recorded. The library holds 8 projects a township (240), added, approved and put under way
through ``projects.services`` with a funding line each. People, households and holdings are inserted set-wise
(``config.bulk``, with their history rows); none of the building is timed.

Then, each a whole process as a county's IT runs it (``manage.py … --user bench_county``, a county
administrator; the server's settings, ``DEBUG`` off; wall time from start to exit, the process's peak memory):

1. ``survey_import`` of the year's survey list (one row a child: all 新增), preview then ``--apply``;
2. the same list again (all 相同), preview then ``--apply``;
3. the list with 10 % of the children's rows changed (major, wishes or needs: 更新), preview then ``--apply``;
4. ``participation_import`` of the participation list (one row a working-age person: labour capacity for all,
   written in the registry's words or the field's own, and for 80 % a project of their township, role and date):
   preview then ``--apply``;
5. the same participation list again (all 已在项目中 / 劳动能力相同), preview then ``--apply``;
6. ``no_project --area 500242 --json``, ``project_stats --json`` and ``employment_stats --json`` (median of three).

Each printed summary is checked against what the list was built to hold (the counts of new, changed and
unchanged rows; the no-project count against the list's own count of people given a capacity and no project),
and the benchmark stops otherwise.

Options: ``--households``, ``--children``, ``--databases postgres,sqlite``, ``--postgres URL``, ``--write-doc``
(replace the "Issue 17's lists" section of ``docs/performance.md``), ``--profile STEP`` (a cProfile of that
step's command instead of the figures: survey, survey-changed, participation).

A throwaway server::

    runuser -u postgres -- /usr/lib/postgresql/15/bin/initdb -D /tmp/pglists -A trust -U postgres -E UTF8
    runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D /tmp/pglists -o "-p 5447 -k /tmp" start
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import sqlite3
import sys
import tempfile
import time
from decimal import Decimal
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import harness  # noqa: E402  (after ROOT is on the path)
from benchmarks.harness import load_average, machine, median, postgres_cpu, setup_django  # noqa: E402
from benchmarks.reconcile import command  # noqa: E402  (a whole process as a county runs it)

SECTION = "## Issue 17's lists: the survey and the participation list"
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5447/postgres"
BENCH_DATABASE = "relief_lists_benchmark"
COUNTY = "500242"
TOWNSHIPS, VILLAGES_PER_TOWNSHIP, PROJECTS_PER_TOWNSHIP = 30, 10, 8
USERNAME = "bench_county"
YEAR = 2026  # the survey year; every date of the lists is in it and not after the day the benchmark runs
CHANGED_SHARE, JOINING_SHARE = 0.10, 0.80
SURNAMES = "冉田白何向杨张王李刘陈黄吴周徐孙马胡朱郭"
GIVEN = "小大明华红梅山水玉兰秀英国强军平春秋云芳德福贵"
SCHOOLS = ["重庆大学", "重庆三峡学院", "长江师范学院", "重庆工程职业技术学院", "重庆城市管理职业学院",
           "酉阳职业教育中心", "重庆市黔江区民族职业教育中心", "重庆工商职业学院"]
LEVELS = ["普通高校"] * 3 + ["高职（专科）"] * 2 + ["大专"] + ["中职"] * 2 + ["中专"] + ["其他"]
MAJORS = ["计算机应用", "护理", "学前教育", "汽车维修", "电子商务", "会计", "旅游管理", "机电一体化", "烹饪", ""]
INTENTIONS = ["县内就业", "重庆主城就业", "沿海务工", "考公务员或事业单位", "继续升学", "暂无", ""]
NEEDS = ["职业技能培训", "就业岗位推荐", "创业贷款", "求职补贴", "一对一就业指导", ""]
CAPACITY_WORDS = {"able": ["有劳动能力", "普通劳动力", "技能劳动力"], "weak": ["弱劳动能力", "弱劳动力或半劳动力"],
                  "none": ["无劳动能力", "丧失劳动力"]}
ROLE_WORDS = ["务工就业", "务工", "种养户", "入股分红", "土地流转", "公益岗位"]

stage = partial(harness.stage, __file__)
write_section = partial(harness.write_section, SECTION)


# --- Building the county (not timed) ---------------------------------------------------------------------------


def _id_number(birth: datetime.date, sequence: int) -> str:
    from beneficiaries.idnumbers import check_character

    first17 = f"{COUNTY}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)


def _born(index: int, first: datetime.date, years: int) -> tuple[datetime.date, int]:
    """A birth date within ``years`` from ``first`` and a sequence number, each pair once (7919 is prime)."""
    span = years * 365
    return first + datetime.timedelta(days=index * 7919 % span), index // span + 1


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)


def _survey_row(rng: random.Random, person: tuple[str, str, datetime.date]) -> list:
    number, name, birth = person
    wants = rng.random() < 0.15
    graduation = min(max(birth.year + rng.randint(18, 22), birth.year + 14), YEAR + 5)
    return [number, name, YEAR, rng.choice(SCHOOLS), rng.choice(LEVELS), rng.choice(MAJORS), graduation,
            rng.choice(INTENTIONS), "是" if wants else "否", "电商创业" if wants else "", rng.choice(NEEDS),
            datetime.date(YEAR, 3, 1) + datetime.timedelta(days=rng.randrange(240)), _name(rng)]


def _write(path: Path, title: str, header: list[str], rows: list[list]) -> None:
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("名单")
    sheet.append([title])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)


def build(households: int, children: int, folder: Path) -> dict:
    """Migrate; the county, its registry and library; the four lists in ``folder``. Returns what the lists hold."""
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    from accounts.models import User
    from accounts.roles import Role
    from beneficiaries.models import Beneficiary, Category, CategoryHolding, Household
    from config.bulk import copy_to_history, insert_rows
    from projects.models import Funding, Project
    from projects.services import funding_add, project_move, project_save
    from regions.models import Region

    rng = random.Random(2026)
    county = Region.objects.get(code=COUNTY)
    user = User(username=USERNAME, role=Role.ADMIN, area=county, is_staff=True, first_name="县管理员")
    user.set_unusable_password()
    user.save()
    townships = Region.objects.bulk_create(
        Region(code=f"{COUNTY}{100 + t:03d}", name=f"第{t + 1}镇", level="township", parent=county)
        for t in range(TOWNSHIPS))
    villages = [f"{t.code}{200 + v:03d}" for t in townships for v in range(VILLAGES_PER_TOWNSHIP)]
    Region.objects.bulk_create(Region(code=code, name=f"{code[6:9]}镇第{int(code[9:]) - 199}村", level="village",
                                      parent_id=code[:9]) for code in villages)

    with transaction.atomic():
        household_ids = [pk for (pk,) in insert_rows(Household, ("number", "village_id", "address"), (
            (f"{COUNTY}H{h:06d}", villages[h % len(villages)], "") for h in range(households)), returning=("id",))]
        household_ids.sort()
        people, adults, kids = [], [], []  # (id number, name, birth, village, household, relation)
        for h, household in enumerate(household_ids):
            village = villages[h % len(villages)]
            for relation, index in (("head", 2 * h), ("spouse", 2 * h + 1)):
                birth, sequence = _born(index, datetime.date(1968, 1, 1), 32)  # 25 to 58 in 2026
                adults.append((_id_number(birth, sequence), _name(rng), birth, village, household, relation))
            if h < children:
                birth, sequence = _born(h, datetime.date(2002, 1, 1), 8)  # 17 to 24
                kids.append((_id_number(birth, sequence), _name(rng), birth, village, household, "child"))
            if h % 5 < 2:
                birth, sequence = _born(h, datetime.date(1935, 1, 1), 25)
                people.append((_id_number(birth, sequence), _name(rng), birth, village, household, "parent"))
        people += adults + kids
        columns = ("id_number", "name", "birth_date", "sex", "village_id", "household_id", "relation")
        person_ids = insert_rows(Beneficiary, columns, (
            (number, name, birth, "M" if int(number[16]) % 2 else "F", village, household, relation)
            for number, name, birth, village, household, relation in people), returning=("id",))
        person_ids = sorted(pk for (pk,) in person_ids)
        with connection.cursor() as cursor:
            cursor.execute("UPDATE beneficiaries_household SET head_id = (SELECT p.id FROM beneficiaries_beneficiary p "
                           "WHERE p.household_id = beneficiaries_household.id AND p.relation = 'head')")
        copy_to_history(Beneficiary, person_ids, user=user, reason="基准测试建库")
        copy_to_history(Household, household_ids, user=user, reason="基准测试建库")
        poor = Category.objects.get(code="poor")
        holding_ids = insert_rows(CategoryHolding, ("beneficiary_id", "category_id", "source", "start",
                                                    "recorded_by_id"), (
            (pk, poor.pk, "poverty_office", datetime.date(2016, 1, 1), user.pk) for pk in person_ids),
            returning=("id",))
        copy_to_history(CategoryHolding, sorted(pk for (pk,) in holding_ids), user=user, reason="基准测试建库")

    # The library, through the services: 储备 → 立项 → 实施, with a funding line each.
    projects: dict[str, list[str]] = {}
    for township in townships:
        for p in range(PROJECTS_PER_TOWNSHIP):
            code = f"YY{YEAR}-{township.code[6:9]}-{p + 1:02d}"
            area = villages[(int(township.code[6:9]) - 100) * VILLAGES_PER_TOWNSHIP + p] if p % 2 else township
            project = project_save(user=user, code=code, name=f"{township.name}产业项目{p + 1}",
                                   kind=Project.Kind.values[p % len(Project.Kind.values)], area=area,
                                   lead_department="县农业农村委", status_on=datetime.date(YEAR, 1, 10))
            project = project_move(user=user, project=project, status="approved", on=datetime.date(YEAR, 2, 1))
            project = project_move(user=user, project=project, status="implementing", on=datetime.date(YEAR, 2, 20))
            funding_add(user=user, project=project, source=Funding.Source.values[p % len(Funding.Source.values)],
                        amount=Decimal(rng.randrange(200_000, 3_000_000)), arrived_on=datetime.date(YEAR, 2, 25))
            projects.setdefault(township.code, []).append(code)

    # The survey list, the same again, and one with 10 % of its rows changed.
    survey_header = ["身份证号", "姓名", "摸排年度", "毕业（就读）学校", "学历层次", "专业", "毕业年份", "就业意向",
                     "创业愿望", "创业意向", "帮扶需求", "摸排日期", "摸排人"]
    survey = [_survey_row(rng, (number, name, birth)) for number, name, birth, *_ in kids]
    _write(folder / "survey.xlsx", f"酉阳县 {YEAR} 年贫困家庭子女摸排表", survey_header, survey)
    changed_rows = set(rng.sample(range(len(survey)), round(len(survey) * CHANGED_SHARE)))
    changed = []
    for index, row in enumerate(survey):
        row = list(row)
        if index in changed_rows:  # a new major, wish or need, each different from before
            column = (5, 7, 10)[index % 3]
            choices = {5: MAJORS, 7: INTENTIONS, 10: NEEDS}[column]
            row[column] = choices[(choices.index(row[column]) + 1) % len(choices)]
        changed.append(row)
    _write(folder / "survey-changed.xlsx", f"酉阳县 {YEAR} 年贫困家庭子女摸排表（更正）", survey_header, changed)

    # The participation list: every working-age adult's capacity, and a project for most of the capable.
    participation, joining, capable_idle = [], 0, 0
    for number, name, _birth, village, _household, _relation in adults:
        capacity = rng.choices(["able", "weak", "none"], [80, 15, 5])[0]
        row = [number, name, rng.choice(CAPACITY_WORDS[capacity]), "", "", ""]
        if capacity != "none" and rng.random() < JOINING_SHARE / 0.95:
            row[3:] = [rng.choice(projects[village[:9]]), rng.choice(ROLE_WORDS),
                       datetime.date(YEAR, 3, 1) + datetime.timedelta(days=rng.randrange(240))]
            joining += 1
        elif capacity != "none":
            capable_idle += 1
        participation.append(row)
    _write(folder / "participation.xlsx", f"酉阳县 {YEAR} 年产业参与名单",
           ["身份证号", "姓名", "劳动能力", "项目编号", "参与方式", "参与日期"], participation)
    return {"people": len(people), "households": households, "children": len(kids), "adults": len(adults),
            "projects": sum(len(codes) for codes in projects.values()), "survey_rows": len(survey),
            "changed": len(changed_rows), "participation_rows": len(participation), "joining": joining,
            "capable_idle": capable_idle}


# --- Measuring ---------------------------------------------------------------------------------------------------


def _expect(step: str, output: str, expected: dict[str, int]) -> None:
    """The command's result holds what the list was built to hold; stop otherwise."""
    result = json.loads(output)
    found = {key: result[key] for key in expected}
    if found != expected or result["errors"]:
        raise SystemExit(f"{step}: expected {expected}, the command said {found} ({result['errors'][:3]})")


def measure(url: str, folder: Path, facts: dict, profile: str | None) -> list[dict]:
    """The lists imported in order, preview then apply, and the three reports; one dict a figure."""
    user = ["--user", USERNAME]
    results = []
    steps = [
        ("survey", "survey_import", "survey.xlsx", facts["survey_rows"],
         {"new": facts["survey_rows"], "updated": 0, "unchanged": 0, "error": 0}),
        ("survey-again", "survey_import", "survey.xlsx", facts["survey_rows"],
         {"new": 0, "updated": 0, "unchanged": facts["survey_rows"]}),
        ("survey-changed", "survey_import", "survey-changed.xlsx", facts["survey_rows"],
         {"new": 0, "updated": facts["changed"], "unchanged": facts["survey_rows"] - facts["changed"]}),
        ("participation", "participation_import", "participation.xlsx", facts["participation_rows"],
         {"new": facts["joining"], "already": 0, "capacity_changed": facts["participation_rows"],
          "capacity_same": 0}),
        ("participation-again", "participation_import", "participation.xlsx", facts["participation_rows"],
         {"new": 0, "already": facts["joining"], "capacity_changed": 0,
          "capacity_same": facts["participation_rows"]}),
    ]
    for step, name, file, rows, expected in steps:
        arguments = ["manage.py", name, str(folder / file), *user, "--json"]
        if profile == step:
            out = folder / f"{step}.prof"
            command(url, "-m", "cProfile", "-o", str(out), *arguments, "--apply")
            import pstats

            pstats.Stats(str(out)).sort_stats("cumulative").print_stats(45)
            return []
        preview_seconds, preview_mb, output = command(url, *arguments)
        _expect(f"{step} preview", output, expected)
        server_before = postgres_cpu(url) if url.startswith("postgres") else None
        apply_seconds, apply_mb, output = command(url, *arguments, "--apply")
        server = postgres_cpu(url) - server_before if server_before is not None else None
        _expect(f"{step} apply", output, expected)
        result = {"step": step, "rows": rows, "preview": round(preview_seconds, 2), "apply": round(apply_seconds, 2),
                  "preview_mb": round(preview_mb), "apply_mb": round(apply_mb),
                  "server_cpu": round(server, 2) if server is not None else None}
        print(json.dumps(result, ensure_ascii=False), file=sys.stderr)
        results.append(result)
    if profile:
        return []
    reports = [("no_project", ["no_project", "--area", COUNTY, "--json"]),
               ("project_stats", ["project_stats", "--json"]), ("employment_stats", ["employment_stats", "--json"])]
    # Right after the imports PostgreSQL may still plan with the statistics of the tables before them (autovacuum
    # analyses a table a minute or so after it grew); the reports are timed again after an ANALYZE.
    rounds = [("", reports)] + ([(" analysed", reports)] if url.startswith("postgres") else [])
    for suffix, batch in rounds:
        if suffix:
            _analyse(url)
        results += _reports(url, batch, facts, suffix)
    startup = [command(url, "manage.py", "survey_import", "--help")[0] for _ in range(3)]
    results.append({"step": "startup", "seconds": round(median(startup), 2)})
    return results


def _analyse(url: str) -> None:
    import psycopg2

    connection = psycopg2.connect(url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    connection.close()


def _reports(url: str, reports: list, facts: dict, suffix: str) -> list[dict]:
    """Each report three times, a whole process each: the median time."""
    user = ["--user", USERNAME]
    results = []
    for step, arguments in reports:
        runs = [command(url, "manage.py", *arguments, *user) for _ in range(3)]
        if step == "no_project":
            listed = json.loads(runs[0][2])
            # the capable adults given no project, and the children of working age (capacity not recorded: apart)
            if listed["count"] != facts["capable_idle"]:
                raise SystemExit(f"no_project: {listed['count']} people, the list left {facts['capable_idle']}")
        result = {"step": step + suffix, "seconds": round(median([seconds for seconds, _mb, _out in runs]), 2),
                  "each": [round(seconds, 2) for seconds, _mb, _out in runs],
                  "mb": round(max(mb for _seconds, mb, _out in runs))}
        print(json.dumps(result, ensure_ascii=False), file=sys.stderr)
        results.append(result)
    return results


# --- The section of docs/performance.md ---------------------------------------------------------------------------

STEP_TEXT = {
    "survey": "摸排表, first of the year (all 新增)",
    "survey-again": "摸排表, the same again (all 相同)",
    "survey-changed": "摸排表, 10 % changed (更新)",
    "participation": "参与名单, first (新参与 + 劳动能力变更)",
    "participation-again": "参与名单, the same again (all skipped)",
}


# What the profiles showed (2026-12-02); kept here so that --write-doc reproduces the whole section.
FINDINGS = [
    "",
    "Nothing comes near a minute: the 20,000-row participation list applies in 6–19 s (the spread is the",
    "machine's load: the same run at load 1.3 gave 2.7 / 2.6 / 3.8 s for the three survey lists and 9.0 / 7.6 s",
    "for the two participation lists on PostgreSQL), the 5,000-row survey list in 3–6 s, and a preview takes 1–4",
    "s, of which about 0.65–0.8 s is Python and Django starting. Peak memory stays under 350 MB.",
    "",
    "Where the apply's time goes (cProfile of `participation_import … --apply`, SQLite, 10.9 s under the",
    "profiler): **the list is read and compared three times**: once by `participation_list_import` to see",
    "whether any row is in error, again by `participation_batch_upload` to keep the batch and its preview, and",
    "again by `participation_batch_apply` under the people's locks; the three `_read`s are 7.2 s (66 %). Within",
    "each: finding the people and projects 1.0 s (the ORM building 20,000 `Beneficiary` instances), comparing",
    "0.6 s, the cells 0.5 s, the sheet 0.2 s. The rows' JSON is built three times too (`as_dict`, 1.3 s, of",
    "which 1.0 s is `outcome_text` rebuilding `dict(Outcome.choices)` on every call: Django builds `choices`",
    "afresh on each access) and stored in the batch and in its history twice (`batch_keep` 0.8 s). The writes",
    "themselves (16,015 participations, 20,000 capacities and their history rows) are under 0.6 s. That is why",
    "applying the same list again, which writes nothing but the batch, costs nearly as much as the first apply,",
    "and why apply ÷ preview is 2–4.5×.",
    "",
    "Suggestions (product code not changed by this benchmark): in the command path, read once: lock the",
    "people first and pass the list read under the lock to the upload (`batch_keep(listed=…)`) and to the writes,",
    "instead of reading again in `*_batch_upload` and `*_batch_apply` (the window's two-step path must still read",
    "again at apply, since the file may be hours old); make `outcome_text`'s labels a module constant; fetch",
    "people with `.values_list` rather than model instances. By the profile, reading once would take about two",
    "thirds off the apply.",
    "",
    "**`project_stats` right after the participation import: 7–8 s on PostgreSQL instead of 0.8 s**, when",
    "autovacuum has not yet analysed the tables (in the run of the table above it had, the imports having taken",
    "longer under load). In a first run at load 1.3 (7.88 s) and in a run with autovacuum off, to make it",
    "repeatable (7.90, 7.83, 7.72 s), one query took",
    "6.9–7.1 s (the server's `log_min_duration_statement`): `participation_table`'s count of households with a",
    "member in a project, whose `Exists(… person__household=OuterRef('pk'))` is a correlated subquery. Planned",
    "with the statistics of the empty participation table (the import wrote 16,015 rows in one transaction and",
    "autovacuum had not analysed it yet), PostgreSQL runs it once per household: a hash join of all",
    "participations with all 29,000 people, 10,000 times. After an `ANALYZE` it chooses the hashed form (one",
    "pass, 91 ms; the command 0.83 s). The choice rests on estimates that are wrong even when fresh (2,900",
    "target households estimated, 10,000 real, from the category join), so a larger county could meet the slow",
    "plan with fresh statistics too. Suggestion: count `households_joined` with an uncorrelated",
    "`Q(pk__in=Participation.objects.in_force_on(day).values('person__household_id'))`, which PostgreSQL hashes",
    "whatever the estimates. Nothing in the product runs `ANALYZE` after a big import; an `ANALYZE` of the",
    "written tables at the end of the command's apply would cost well under a second.",
    "SQLite is not affected (0.75–1.05 s).",
    "",
    "What the benchmark leaves out: the browser's path (upload page, preview page, apply button, the Excel",
    "report), which runs the same services but reads the list twice instead of three times; the Excel outputs",
    "of the reports (`--out`); lists with errors (refused before any write: their cost is a preview's); the",
    "window's one-by-one services; several clerks importing at once (the apply holds the people's rows); a",
    "registry larger than the county's 29,000 people or a ledger carrying earlier years' surveys and",
    "participations; the server's own CPU beyond the apply (the server CPU column counts the PostgreSQL",
    "processes during the apply only); and the building of the county, whose tables are fresh in the page cache.",
]


def section(runs: dict[str, list[dict]], facts: dict, versions: dict[str, str]) -> str:
    today = datetime.date.today().isoformat()
    lines = [
        SECTION, "",
        "Run: `.venv/bin/python benchmarks/relief_lists.py --postgres postgres://postgres@127.0.0.1:PORT/postgres "
        "--write-doc` (a throwaway PostgreSQL 15 server started by hand as the script's docstring shows; options "
        "`--households`, `--children`, `--databases postgres,sqlite`, `--profile STEP`).", "",
        f"The county: {facts['people']:,} people in {facts['households']:,} poor households in 30 townships of 10 "
        f"villages, all holding `poor`: {facts['adults']:,} working-age adults, {facts['children']:,} children of "
        f"17–24, elders; {facts['projects']} projects under way (8 a township, added and moved through "
        "`projects.services`). Built set-wise and not timed. Each figure is a whole process as a county's IT runs "
        "it (`manage.py survey_import FILE --user … --json` for the preview, the same with `--apply`; `--json` "
        "prints the same result as the text summary, small: counts and errors; `DEBUG` off), wall "
        "time from start to exit, the apply timed right after its preview in the same run. The survey list has "
        f"{facts['survey_rows']:,} rows (one a child); the changed one differs in {facts['changed']:,} rows (major, "
        f"wishes or needs). The participation list has {facts['participation_rows']:,} rows: every working-age "
        f"adult's labour capacity (in the registry's words or the field's), and for {facts['joining']:,} of them a "
        "project of their township with role and date. Each printed summary is checked against what the list was "
        "built to hold, and `no_project`'s count against the capable adults the list left without a project.", "",
        f"Measured {today}: {machine()}; load average {load_average()} at the end (the machine's 2 CPUs were "
        "shared with other sessions' test runs, so the figures include waiting for a CPU). "
        f"Servers: {', '.join(versions.values())}.", "",
        "| database | list | rows | preview | apply | apply ÷ preview | rows/s (apply) | peak MB (preview / apply) "
        "| server CPU (apply) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for database, results in runs.items():
        for result in results:
            if result["step"] in STEP_TEXT:
                server = f"{result['server_cpu']:.1f} s" if result["server_cpu"] is not None else "—"
                lines.append(
                    f"| {database} | {STEP_TEXT[result['step']]} | {result['rows']:,} | {result['preview']:.2f} s | "
                    f"{result['apply']:.2f} s | {result['apply'] / result['preview']:.2f}× | "
                    f"{result['rows'] / result['apply']:,.0f} | {result['preview_mb']} / {result['apply_mb']} | "
                    f"{server} |")
    lines += ["", "The county's reports on the same database right after the imports, and on PostgreSQL again after an "
              "`ANALYZE` (three runs each, a whole process each; the median and the three):", "",
              "| database | command | seconds (median) | the three runs | peak MB |", "| --- | --- | --- | --- | --- |"]
    shown = {"no_project": "`no_project --area 500242 --json`", "project_stats": "`project_stats --json`",
             "employment_stats": "`employment_stats --json`"}
    for database, results in runs.items():
        for result in results:
            report, _, analysed = result["step"].partition(" ")
            if report in shown:
                each = ", ".join(f"{seconds:.2f}" for seconds in result["each"])
                lines.append(f"| {database} | {shown[report]}{' after `ANALYZE`' if analysed else ''} | "
                             f"{result['seconds']:.2f} s | {each} | {result['mb']} |")
            if report == "startup":
                lines.append(f"| {database} | `survey_import --help` (Python and Django starting) | "
                             f"{result['seconds']:.2f} s | — | — |")
    return "\n".join(lines + FINDINGS) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--children", type=int, default=5_000)
    parser.add_argument("--databases", default="postgres,sqlite")
    parser.add_argument("--postgres", default=os.environ.get("BENCHMARK_POSTGRES", DEFAULT_POSTGRES))
    parser.add_argument("--write-doc", action="store_true")
    parser.add_argument("--profile", choices=["survey", "survey-changed", "participation"])
    parser.add_argument("--stage", choices=["build"], help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.stage == "build":
        setup_django()
        print(json.dumps(build(options.households, options.children, Path(options.folder))))
        return

    runs, versions, facts = {}, {}, {}
    with tempfile.TemporaryDirectory(prefix="relief-lists-") as temporary:
        folder = Path(temporary)
        # The batches' files and the logs go to the temporary folder, not the working tree's var/.
        os.environ["VAR_DIR"] = os.environ["MEDIA_ROOT"] = str(folder / "var")
        for database in options.databases.split(","):
            if database == "postgres":
                url, version = harness.postgres(options.postgres, database=BENCH_DATABASE, fresh=True)
                versions[database] = f"PostgreSQL {version}"
            else:
                url, versions[database] = f"sqlite:///{folder}/lists.sqlite3", f"SQLite {sqlite3.sqlite_version}"
            print(f"» {database}: building the county and the lists", file=sys.stderr)
            started = time.perf_counter()
            facts = stage("build", {**os.environ, "DATABASE_URL": url}, f"--households={options.households}",
                          f"--children={options.children}", f"--folder={folder}")
            print(f"» built in {time.perf_counter() - started:.0f} s: {json.dumps(facts)}", file=sys.stderr)
            runs[database] = measure(url, folder, facts, options.profile)
    if options.profile:
        return
    text = section(runs, facts, versions)
    print(text)
    if options.write_doc:
        write_section(text)


if __name__ == "__main__":
    main()
