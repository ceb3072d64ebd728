"""Small builders for the engine tests: a policy document from a few layers, a bill from a few fields."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from policies.document import Policy, parse_policy
from policies.engine import ClaimInput, ClaimSettlement

VECTORS = Path(__file__).resolve().parents[1] / "data" / "vectors"
VECTOR_SETS = ("youyang-2017", "public-examples", "conditions-example")


def read_vector(name: str, kind: str) -> Any:
    """A conformance file, numbers kept as their decimal text."""
    return json.loads((VECTORS / f"{name}.{kind}.json").read_text(encoding="utf-8"), parse_float=Decimal)


def policy_document(*layers: dict, **fields: Any) -> dict:
    return {
        "code": "test",
        "name": "测试政策",
        "region_code": "500242",
        "year": 2017,
        "layers": list(layers),
        **fields,
    }


def layer(code: str = "only", **fields: Any) -> dict:
    return {"code": code, "name": f"层 {code}", "fund": "other", "base": "in_catalog", **fields}


def policy(*layers: dict) -> Policy:
    return parse_policy(policy_document(*layers))


def claim(
    total: str = "1000.00",
    in_catalog: str | None = None,
    *,
    id: str = "C1",
    person: str = "P1",
    categories: tuple[str, ...] = (),
    insurances: tuple[str, ...] = ("resident_basic",),
    visit_type: str = "inpatient",
    hospital_level: str = "county",
    diseases: tuple[str, ...] = (),
    date: datetime.date = datetime.date(2017, 6, 1),
    recorded: dict[str, str] | None = None,
    hospital: str | None = None,
    in_county: bool = False,
    referred: bool = False,
    birth_date: datetime.date | None = None,
    sex: str | None = None,
) -> ClaimInput:
    return ClaimInput(
        id=id,
        person=person,
        categories=frozenset(categories),
        insurances=frozenset(insurances),
        visit_type=visit_type,
        hospital_level=hospital_level,
        diseases=diseases,
        date=date,
        total=Decimal(total),
        in_catalog=Decimal(total if in_catalog is None else in_catalog),
        recorded={code: Decimal(amount) for code, amount in (recorded or {}).items()},
        hospital=hospital,
        in_county=in_county,
        referred=referred,
        birth_date=birth_date,
        sex=sex,
    )


def claim_from_vector(data: dict) -> ClaimInput:
    return ClaimInput(
        id=data["id"],
        person=data["person"],
        categories=frozenset(data["categories"]),
        insurances=frozenset(data["insurances"]),
        visit_type=data["visit_type"],
        hospital_level=data["hospital_level"],
        diseases=tuple(data.get("diseases", ())),
        date=datetime.date.fromisoformat(data["date"]),
        total=Decimal(data["total"]),
        in_catalog=Decimal(data["in_catalog"]),
        recorded={code: Decimal(amount) for code, amount in data.get("recorded", {}).items()},
        hospital=data.get("hospital"),
        in_county=data.get("in_county", False),
        referred=data.get("referred", False),
        birth_date=datetime.date.fromisoformat(data["birth_date"]) if data.get("birth_date") else None,
        sex=data.get("sex"),
    )


def as_expected(settlement: ClaimSettlement) -> dict:
    """A settlement in the shape of the ``*.expected.json`` vectors."""
    return {
        "id": settlement.claim_id,
        "total": str(settlement.total),
        "payments": [
            {"layer": p.layer, "fund": p.fund, "amount": str(p.amount)} for p in settlement.payments
        ],
        "by_fund": {fund: str(amount) for fund, amount in settlement.by_fund.items()},
        "personal": str(settlement.personal),
        "in_catalog_personal": str(settlement.in_catalog_personal),
    }


def amounts(settlement: ClaimSettlement) -> dict[str, Decimal]:
    return {p.layer: p.amount for p in settlement.payments}
