from __future__ import annotations

import hashlib
import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from policies.document import PolicyError, parse_policy, policy_to_dict
from policies.models import Policy, PolicyVersion
from policies.selectors import current_version


def policy_digest(document: dict) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def policy_validation_error(error: PolicyError) -> ValidationError:
    return ValidationError([str(issue) for issue in error.errors], code="invalid_policy")


@transaction.atomic
def policy_load(*, user: User, document: dict, note: str = "") -> tuple[PolicyVersion, bool]:
    """Store a policy document; a changed document becomes a new version, an unchanged one nothing.

    Returns the version in force and whether it was created. A document that breaks the spec is
    refused with every problem named by layer and field, and nothing is stored.
    """
    try:
        parsed = parse_policy(document)
    except PolicyError as exc:
        raise policy_validation_error(exc) from None
    if not parsed.region_code.startswith(user.area_prefix) and not user.area_prefix.startswith(parsed.region_code):
        raise ValidationError(f"政策适用区域 {parsed.region_code} 不在您的管辖区域内。", code="outside_area")
    canonical = policy_to_dict(parsed)
    digest = policy_digest(canonical)
    policy, _ = Policy.objects.select_for_update().get_or_create(
        code=parsed.code, defaults={"name": parsed.name, "region_code": parsed.region_code, "year": parsed.year}
    )
    latest = current_version(policy)
    if latest is not None and latest.digest == digest:
        return latest, False
    policy.name, policy.region_code, policy.year = parsed.name, parsed.region_code, parsed.year
    policy.save(update_fields=["name", "region_code", "year"])
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
