from __future__ import annotations

from policies.models import Policy, PolicyVersion
from regions.codes import area_prefix


def policy_in_force(area_code: str, year: int) -> Policy | None:
    """The policy of ``year`` whose region contains the area, the most specific region first.

    A county's own policy wins over its city's or province's.
    """
    prefix = area_prefix(area_code)
    candidates = [
        policy
        for policy in Policy.objects.filter(year=year)
        if prefix.startswith(area_prefix(policy.region_code))
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda policy: (len(area_prefix(policy.region_code)), policy.pk))


def current_version(policy: Policy) -> PolicyVersion:
    return policy.versions.order_by("-number").first()


def enrollment_block(area_code: str, year: int) -> dict | None:
    """The ``enrollment`` block (premium and subsidies by category) of the policy in force, if it has one."""
    policy = policy_in_force(area_code, year)
    if policy is None:
        return None
    version = current_version(policy)
    return version.document.get("enrollment") if version else None
