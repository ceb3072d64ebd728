from __future__ import annotations

import hashlib
import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from accounts.services import area_within, ensure_permitted
from policies.document import Policy as ParsedPolicy
from policies.document import PolicyError, parse_policy, policy_to_dict
from policies.models import Policy, PolicyVersion
from policies.selectors import current_version

OUTSIDE_AREA = "政策适用区域 {area} 不在您的管辖区域内：只能为本区域及其下级区域载入政策。"
REGION_CHANGED = (
    "政策代码 {code} 已用于区域 {stored} 的政策，不能改为区域 {region}：另一区域的政策请使用新的政策代码。"
)


def policy_digest(document: dict) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def policy_validation_error(error: PolicyError) -> ValidationError:
    return ValidationError([str(issue) for issue in error.errors], code="invalid_policy")


def policy_checked(*, user: User, document: dict) -> ParsedPolicy:
    """The parsed document, or ValidationError saying why ``user`` may not store it: a document that
    breaks the spec (every problem named by layer and field), a role that may not write policies, a
    region outside the user's area, a code already used for another region."""
    ensure_permitted(user, "policies.add_policyversion", "载入或修订报销政策")
    try:
        parsed = parse_policy(document)
    except PolicyError as exc:
        raise policy_validation_error(exc) from None
    area_within(user, parsed.region_code, outside=OUTSIDE_AREA)
    _ensure_same_region(Policy.objects.filter(code=parsed.code).first(), parsed)
    return parsed


def _ensure_same_region(policy: Policy | None, parsed: ParsedPolicy) -> None:
    if policy is not None and policy.region_code != parsed.region_code:
        raise ValidationError(
            REGION_CHANGED.format(code=policy.code, stored=policy.region_code, region=parsed.region_code),
            code="region_changed",
        )


@transaction.atomic
def policy_load(*, user: User, document: dict, note: str = "") -> tuple[PolicyVersion, bool]:
    """Store a policy document; a changed document becomes a new version, an unchanged one nothing.

    Returns the version in force and whether it was created; refused as ``policy_checked`` says,
    with nothing stored.
    """
    parsed = policy_checked(user=user, document=document)
    canonical = policy_to_dict(parsed)
    digest = policy_digest(canonical)
    policy, _ = Policy.objects.select_for_update().get_or_create(
        code=parsed.code,
        defaults={"name": parsed.name, "region_code": parsed.region_code, "year": parsed.year,
                  "until_year": parsed.until_year},
    )
    _ensure_same_region(policy, parsed)  # again, now that the row is locked
    latest = current_version(policy)
    if latest is not None and latest.digest == digest:
        return latest, False
    policy.name, policy.region_code, policy.year = parsed.name, parsed.region_code, parsed.year
    policy.until_year = parsed.until_year
    policy.save(update_fields=["name", "region_code", "year", "until_year"])
    version = PolicyVersion.objects.create(
        policy=policy,
        number=(latest.number + 1) if latest else 1,
        document=canonical,
        digest=digest,
        note=note,
        created_by=user,
    )
    return version, True


SHIPPED = Path(__file__).resolve().parent / "data"


def policies_load_shipped(*, user: User) -> list[tuple[PolicyVersion, bool]]:
    """The policies of the four places in the seeds, shipped in ``policies/data/``."""
    return [
        policy_load(user=user, document=json.loads(path.read_text(encoding="utf-8")))
        for path in sorted(SHIPPED.glob("*.json"))
    ]
