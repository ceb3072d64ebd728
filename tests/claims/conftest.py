import datetime
import json
from decimal import Decimal
from pathlib import Path

import pytest

from accounts.services import system_user
from beneficiaries.models import CategoryHolding, Enrollment, Insurance
from claims.models import Hospital
from claims.services import BillFacts, claim_settle
from policies.services import policy_load

VECTORS = Path(__file__).resolve().parent.parent / "data" / "vectors"


def vector(name: str, part: str) -> dict:
    return json.loads((VECTORS / f"{name}.{part}.json").read_text(encoding="utf-8"))


@pytest.fixture
def load_vector_policy(db):
    def load(name: str, **changes):
        document = vector(name, "policy") | changes
        return policy_load(user=system_user(), document=document)[0]

    return load


@pytest.fixture
def hospital(db):
    def make(level: str = "county", name: str | None = None, in_county: bool = True) -> Hospital:
        return Hospital.objects.get_or_create(name=name or f"{level} 医院", defaults={"level": level,
                                                                                   "in_county": in_county})[0]

    return make


@pytest.fixture
def covered(category):
    """Give a person categories from the start of a year and enrollment in insurances for that year."""

    def cover(person, year: int, categories=(), insurances=("resident_basic",)):
        for code in categories:
            CategoryHolding.objects.create(beneficiary=person, category=category(code), source="other",
                                           start=datetime.date(year, 1, 1))
        for code in insurances:
            Enrollment.objects.create(beneficiary=person, year=year, insurance=Insurance.objects.get(code=code),
                                      status="enrolled")
        return person

    return cover


@pytest.fixture
def settle(hospital):
    def enter(user, person, *, day, total, in_catalog, visit_type="inpatient", level="county", recorded=None,
              **extra):
        bill = BillFacts(hospital=hospital(level), visit_type=visit_type, discharged_on=day,
                         admitted_on=day - datetime.timedelta(days=5) if visit_type == "inpatient" else None,
                         total=Decimal(total), in_catalog=Decimal(in_catalog),
                         recorded={k: Decimal(v) for k, v in (recorded or {}).items()}, **extra)
        return claim_settle(user=user, person=person, bill=bill)

    return enter
