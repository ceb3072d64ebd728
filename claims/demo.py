"""A year of realistic settled bills for the demo county, entered through the same service as the window.

The shipped 酉阳 policy is the 2017 one; for the demo year the county's parameters are carried
forward into a policy named as a demo, so that every page has current data to show.
"""

from __future__ import annotations

import datetime
import json
import random
from decimal import Decimal

from django.db import transaction

from accounts.models import User
from beneficiaries.demo import COUNTY, SEED
from beneficiaries.models import Beneficiary
from claims.models import Claim, Hospital
from claims.services import BillFacts, claim_settle, policy_version_for, recorded_layers
from policies.services import SHIPPED, policy_load

# (name, level, grade, in county, township, code, takes the demo's random bills). The four county
# hospitals carry the codes the shipped 酉阳 policy names (docs/policies.md, "Hospital codes"): the poor's
# deductible is 150 instead of 300 there, and 50 instead of 100 at the 中医院, at no other hospital of
# the county level. The maternal and child health centre and the psychiatric hospital are there for
# that, but get none of the general diagnoses below.
HOSPITALS = [
    ("酉阳土家族苗族自治县人民医院", "county", "2", True, None, "500242-RMYY", True),
    ("酉阳土家族苗族自治县中医院", "county", "2", True, None, "500242-ZYY", True),
    ("酉阳土家族苗族自治县妇幼保健计划生育服务中心", "county", "2", True, None, "500242-FYBJ", False),
    ("酉阳土家族苗族自治县精神病医院", "county", "2", True, None, "500242-JSBYY", False),
    ("龙潭镇中心卫生院", "township", "1", True, "500242100", "", True),
    ("麻旺镇卫生院", "township", "1", True, "500242101", "", True),
    ("大溪镇卫生院", "township", "1", True, "500242103", "", True),
    ("钟多街道社区卫生服务中心", "township", "1", True, "500242001", "", True),
    ("重庆市黔江中心医院", "city", "3", False, None, "", True),
    ("重庆医科大学附属第一医院", "province", "3", False, None, "", True),
]
DIAGNOSES = [("I10.x00", "原发性高血压"), ("E11.900", "2型糖尿病"), ("J18.900", "肺炎"), ("I63.900", "脑梗死"),
             ("K80.200", "胆囊结石"), ("C34.900", "肺恶性肿瘤"), ("N18.500", "慢性肾脏病5期"), ("M17.900", "膝关节病"),
             ("J44.100", "慢性阻塞性肺病急性加重"), ("S72.000", "股骨颈骨折")]


def load_demo_policy(actor: User, year: int) -> None:
    document = json.loads((SHIPPED / "youyang-2017.json").read_text(encoding="utf-8"))
    document.update(code=f"youyang-demo-{year}", year=year,
                    name=f"酉阳自治县健康扶贫 {year}（演示：沿用 2017 年政策参数）")
    policy_load(user=actor, document=document, note="演示数据")


def load_hospitals() -> dict[str, Hospital]:
    """The demo county's hospitals, by level + name; a hospital loaded before it had a code gets its code."""
    hospitals = {}
    for name, level, grade, in_county, township, code, _ in HOSPITALS:
        hospital, created = Hospital.objects.get_or_create(
            name=name,
            defaults={
                "level": level, "grade": grade, "in_county": in_county, "township_id": township, "code": code,
            },
        )
        if not created and (hospital.code, hospital.in_county) != (code, in_county):
            hospital.code, hospital.in_county = code, in_county
            hospital.save(update_fields=["code", "in_county"])
        hospitals[level + name] = hospital
    return hospitals


def _amount(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low * 100, high * 100)) / 100


@transaction.atomic
def load_claims(actor: User, year: int, today: datetime.date) -> int:
    """About 1,500 bills across the year to date; nothing if the demo county already has bills that year."""
    loaded = load_hospitals()  # first, so that a demo county loaded before the codes gets them
    if Claim.objects.within(COUNTY).filter(discharged_on__year=year).exists():
        return 0
    load_demo_policy(actor, year)
    hospitals = [loaded[level + name] for name, level, *_, general in HOSPITALS if general]
    by_level = {level: [h for h in hospitals if h.level == level] for level in ("township", "county", "city", "province")}
    rng = random.Random(SEED + year)
    people = list(Beneficiary.objects.within(COUNTY).filter(status="active").order_by("pk"))
    days = (today - datetime.date(year, 1, 1)).days
    count = 0
    for person in rng.sample(people, min(len(people), 900)):
        for _ in range(rng.choice((1, 1, 1, 2, 3))):
            day = datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randrange(max(days, 1)))
            kind = rng.choices(("outpatient", "special_outpatient", "inpatient"), weights=(5, 2, 3))[0]
            if kind == "inpatient":
                level = rng.choices(("township", "county", "city", "province"), weights=(3, 6, 1.5, 0.5))[0]
                total = _amount(rng, 1500, {"township": 6000, "county": 40000, "city": 90000, "province": 200000}[level])
                in_catalog = (total * Decimal(rng.uniform(0.7, 0.95))).quantize(Decimal("0.01"))
                admitted = day - datetime.timedelta(days=rng.randint(2, 20))
            else:
                level = "township" if kind == "outpatient" else rng.choice(("township", "county"))
                total = _amount(rng, 30, 400 if kind == "outpatient" else 3000)
                in_catalog = (total * Decimal(rng.uniform(0.8, 1))).quantize(Decimal("0.01"))
                admitted = None
            code, name = rng.choice(DIAGNOSES)
            recorded = {}
            if kind != "inpatient":
                # The seeds give no outpatient basic-insurance terms, so the platform's payment is recorded
                # from the hospital's slip, as a county does (docs/policies.md).
                share = Decimal("0.50") if kind == "outpatient" else Decimal("0.60")
                paid = (in_catalog * share).quantize(Decimal("0.01"))
                recorded = recorded_layers(policy_version_for(person, year), kind, level, {"basic": paid})
            bill = BillFacts(
                hospital=rng.choice(by_level[level]), visit_type=kind, admitted_on=admitted, discharged_on=day,
                total=total, in_catalog=in_catalog, diagnoses=({"code": code, "name": name},),
                pay_later=kind == "inpatient" and rng.random() < 0.7, recorded=recorded,
            )
            claim_settle(user=actor, person=person, bill=bill, allow_duplicate=True)
            count += 1
    return count
