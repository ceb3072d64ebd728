"""A realistic demo county: 酉阳土家族苗族自治县 (500242), its townships, villages and covered people.

Everything is generated from a fixed seed, so running it again produces the same people and adds
nothing. Township and village codes follow GB/T 2260 / 统计用区划代码 shapes; the names are real
township names of 酉阳, the village names are made up for the demo.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from accounts.models import Role, User
from accounts.services import user_save
from beneficiaries.idnumbers import check_character
from beneficiaries.models import Beneficiary, Category, CategoryHolding, Enrollment, Household, Insurance
from regions.models import Region

COUNTY = "500242"
DEMO_PASSWORD = "Youyang-2026"
SEED = 500242
TOWNSHIPS = [
    ("500242001", "钟多街道"),
    ("500242100", "龙潭镇"),
    ("500242101", "麻旺镇"),
    ("500242102", "酉酬镇"),
    ("500242103", "大溪镇"),
    ("500242104", "兴隆镇"),
    ("500242105", "黑水镇"),
    ("500242106", "丁市镇"),
    ("500242107", "龚滩镇"),
    ("500242200", "花田乡"),
]
VILLAGE_NAMES = ["红花村", "青龙村", "金竹村", "桂花村", "大坝村", "新田村", "双河村", "凉风村", "楠木村", "石堡村"]
VILLAGES_PER_TOWNSHIP = 5
HOUSEHOLDS = 1000
SURNAMES = "冉田白彭杨何石陈罗吴张李王刘黄龙向姚曾肖谢任冯"
GIVEN = "明华国英秀兰桂芳建军德勇志强玉梅春生福成海燕小红丽娟永林光辉金凤宏才俊平"
POVERTY_CAUSES = ["illness"] * 4 + ["disability"] * 2 + ["schooling", "lack_of_labour", "lack_of_skills", "other"]
# Share of households per kind of coverage; a household's members share its categories.
HOUSEHOLD_KINDS = [
    (0.55, ["poor"]),
    (0.10, ["poor", "dibao_rural"]),
    (0.10, ["dibao_rural"]),
    (0.03, ["tekun_rural"]),
    (0.02, ["poor", "tekun_rural"]),
    (0.06, ["marginal"]),
    (0.04, ["unstable"]),
    (0.04, ["low_income_rural"]),
    (0.03, ["other_hardship_rural"]),
    (0.03, ["sudden_hardship"]),
]
# The premium subsidies of the demo policy (酉阳 2017's enrollment block: 特困 the whole 180, the poor and 低保 90),
# so that 查缴费 finds only what the demo means it to.
SUBSIDY = {"tekun_rural": Decimal("180.00"), "dibao_rural": Decimal("90.00"), "poor": Decimal("90.00")}


def _id_number(rng: random.Random, birth: datetime.date, male: bool, taken: set[str]) -> str:
    while True:
        sequence = rng.randrange(0, 500) * 2 + (1 if male else 0)
        first17 = f"{COUNTY}{birth:%Y%m%d}{sequence:03d}"
        number = first17 + check_character(first17)
        if number not in taken:
            taken.add(number)
            return number


def _name(rng: random.Random, surname: str) -> str:
    return surname + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _birth(rng: random.Random, lo: int, hi: int) -> datetime.date:
    return datetime.date(rng.randint(lo, hi), rng.randint(1, 12), rng.randint(1, 28))


def load_regions() -> list[Region]:
    county = Region.objects.get(code=COUNTY)
    villages = []
    for township_code, township_name in TOWNSHIPS:
        township, _ = Region.objects.update_or_create(
            code=township_code, defaults={"name": township_name, "level": "township", "parent": county}
        )
        for index in range(VILLAGES_PER_TOWNSHIP):
            code = f"{township_code}{200 + index:03d}"
            name = VILLAGE_NAMES[(index + int(township_code[-2:])) % len(VILLAGE_NAMES)]
            village, _ = Region.objects.update_or_create(
                code=code, defaults={"name": name, "level": "village", "parent": township}
            )
            villages.append(village)
    return villages


def load_users(actor: User) -> dict[str, User]:
    county = Region.objects.get(code=COUNTY)
    specs = [
        ("admin", "县医保局管理员", Role.ADMIN, county, "酉阳县医疗保障局"),
        ("clerk", "县医保局经办员", Role.CLERK, county, "酉阳县医疗保障局"),
        ("official", "县乡村振兴局查询员", Role.VIEWER, county, "酉阳县乡村振兴局"),
    ] + [
        (f"clerk_{code}", f"{name}经办员", Role.CLERK, Region.objects.get(code=code), f"{name}便民服务中心")
        for code, name in TOWNSHIPS
    ]
    users = {}
    for username, full_name, role, area, unit in specs:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, first_name=full_name, role=role, area=area, unit=unit)
            user_save(actor=actor, user=user, password=DEMO_PASSWORD)
        users[username] = user
    return users


@transaction.atomic
def load_people(villages: list[Region], actor: User) -> int:
    """About 1,000 households and 3,000 people with their category holdings and two years of enrollment."""
    rng = random.Random(SEED)
    categories = {c.code: c for c in Category.objects.all()}
    resident = Insurance.objects.get(code="resident_basic")
    supplementary = Insurance.objects.get(code="supplementary")
    this_year = timezone.localdate().year
    years = (this_year - 1, this_year)
    taken = set(Beneficiary.objects.filter(id_number__startswith=COUNTY).values_list("id_number", flat=True))
    existing_households = set(Household.objects.filter(number__startswith="Y").values_list("number", flat=True))

    households, people, plans = [], [], []
    for index in range(HOUSEHOLDS):
        village = villages[index % len(villages)]
        number = f"Y{village.code[6:9]}{index:05d}"
        surname = rng.choice(SURNAMES)
        kind = rng.choices([k for _, k in HOUSEHOLD_KINDS], weights=[w for w, _ in HOUSEHOLD_KINDS])[0]
        since = datetime.date(rng.randint(2016, this_year - 2), rng.randint(1, 12), 1)
        members = [("head", _birth(rng, 1940, 1985), rng.random() < 0.8)]
        if rng.random() < 0.8:
            members.append(("spouse", _birth(rng, 1945, 1990), not members[0][2]))
        for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
            members.append(("child", _birth(rng, 1995, this_year - 1), rng.random() < 0.5))
        if rng.random() < 0.2:
            members.append(("parent", _birth(rng, 1930, 1955), rng.random() < 0.5))
        phone = f"1{rng.choice('35789')}{rng.randrange(10**9):09d}"
        cause = rng.choice(POVERTY_CAUSES)
        ended = rng.random() < 0.06
        records = []
        for relation, birth, male in members:
            number_id = _id_number(rng, birth, male, taken)
            records.append(
                Beneficiary(
                    name=_name(rng, surname if relation in ("head", "child") else rng.choice(SURNAMES)),
                    id_number=number_id, sex="M" if male else "F", birth_date=birth, village=village,
                    relation=relation, phone=phone if relation == "head" else "",
                )
            )
        plans.append((number, village, cause, phone, records, kind, since, ended))

    new_households = [
        Household(number=number, village=village, poverty_cause=cause, phone=phone,
                  address=f"{village.parent.name}{village.name}{rng.randint(1, 12)}组")
        for number, village, cause, phone, *_ in plans
        if number not in existing_households
    ]
    if not new_households:
        return 0
    bulk_create_with_history(new_households, Household, default_user=actor, batch_size=500)
    by_number = {h.number: h for h in Household.objects.filter(number__in=[h.number for h in new_households])}
    for number, _village, _cause, _phone, records, *_ in plans:
        for person in records:
            person.household = by_number.get(number)
        people.extend(r for r in records if r.household is not None)
    bulk_create_with_history(people, Beneficiary, default_user=actor, batch_size=500)
    stored = {p.id_number: p for p in Beneficiary.objects.filter(id_number__in=[p.id_number for p in people])}

    heads, holdings, enrollments = [], [], []
    for number, _village, _cause, _phone, records, kind, since, ended in plans:
        household = by_number.get(number)
        if household is None:
            continue
        household.head = stored[records[0].id_number]
        heads.append(household)
        for record in records:
            person = stored[record.id_number]
            for code in kind:
                end = datetime.date(this_year - 1, rng.randint(1, 12), 28) if ended else None
                holdings.append(CategoryHolding(
                    beneficiary=person, category=categories[code], source=categories[code].source,
                    start=max(since, person.birth_date), end=end, recorded_by=actor, note="演示数据",
                ))
            subsidy = max((SUBSIDY.get(code, Decimal("0")) for code in kind), default=Decimal("0"))
            for year in years:
                roll = rng.random()
                if roll < 0.95:
                    enrollments.append(Enrollment(beneficiary=person, year=year, insurance=resident,
                                                  status="enrolled", subsidy=subsidy, recorded_by=actor))
                else:
                    reason = "elsewhere" if roll < 0.975 else "employee"
                    enrollments.append(Enrollment(beneficiary=person, year=year, insurance=resident,
                                                  status="not_enrolled", reason=reason, recorded_by=actor))
                if "poor" in kind and year == this_year:
                    enrollments.append(Enrollment(beneficiary=person, year=year, insurance=supplementary,
                                                  status="enrolled", recorded_by=actor))
    Household.objects.bulk_update(heads, ["head"], batch_size=500)
    bulk_create_with_history(holdings, CategoryHolding, default_user=actor, batch_size=500)
    bulk_create_with_history(enrollments, Enrollment, default_user=actor, batch_size=500)
    return len(people)
