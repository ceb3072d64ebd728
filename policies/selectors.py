from __future__ import annotations

from functools import lru_cache

from policies.document import Policy as PolicyDocument
from policies.document import parse_policy
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


def current_version(policy: Policy) -> PolicyVersion | None:
    return policy.versions.order_by("-number").first()


def version_of(code: str, number: int | None = None) -> PolicyVersion | None:
    versions = PolicyVersion.objects.filter(policy__code=code).select_related("policy")
    if number is not None:
        return versions.filter(number=number).first()
    return versions.order_by("-number").first()


@lru_cache(maxsize=64)
def _parsed(version_id: int, digest: str) -> PolicyDocument:
    return parse_policy(PolicyVersion.objects.get(pk=version_id).document)


def parsed_policy(version: PolicyVersion) -> PolicyDocument:
    """The engine's policy for a stored version; versions never change, so each is parsed once."""
    return _parsed(version.pk, version.digest)


def enrollment_block(area_code: str, year: int) -> dict | None:
    """The ``enrollment`` block (premium and subsidies by category) of the policy in force, if it has one."""
    policy = policy_in_force(area_code, year)
    if policy is None:
        return None
    version = current_version(policy)
    return version.document.get("enrollment") if version else None
