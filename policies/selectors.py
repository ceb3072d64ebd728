from __future__ import annotations

from collections.abc import Iterable

from django.db.models import OuterRef, Q, Subquery

from policies.document import Policy as PolicyDocument
from policies.document import parse_policy
from policies.models import Policy, PolicyVersion
from regions.codes import area_prefix
from regions.models import Region


def _covering(first_year: int, last_year: int):
    """Policies whose years meet [first_year, last_year]."""
    return Policy.objects.filter(year__lte=last_year).filter(
        Q(until_year__gte=first_year) | Q(until_year__isnull=True, year__gte=first_year)
    )


def _most_specific(policies: Iterable[Policy], area_code: str, year: int) -> Policy | None:
    """reimbursement.md: among the policies whose years cover ``year`` and whose region contains the
    area, the most specific region; among policies of one region whose years overlap, the one that
    starts later (the newer text)."""
    prefix = area_prefix(area_code)
    candidates = [
        policy for policy in policies
        if policy.covers(year) and prefix.startswith(area_prefix(policy.region_code))
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda policy: (len(area_prefix(policy.region_code)), policy.year, policy.pk))


def policy_in_force(area_code: str, year: int) -> Policy | None:
    """The policy in force for a bill of ``year`` in the area (see ``_most_specific``): a county's
    own policy wins over its city's or province's, and a policy with ``until_year`` covers every
    year from its ``year`` through that one."""
    return _most_specific(_covering(year, year), area_code, year)


def versions_in_force(places: Iterable[tuple[str, int]]) -> dict[tuple[str, int], PolicyVersion | None]:
    """The current version of the policy in force for each (area code, year), in one query."""
    places = set(places)
    if not places:
        return {}
    years = [year for _, year in places]
    latest = PolicyVersion.objects.filter(policy=OuterRef("policy")).order_by("-number").values("number")[:1]
    versions = {
        version.policy_id: version
        for version in PolicyVersion.objects.filter(policy__in=_covering(min(years), max(years)))
        .filter(number=Subquery(latest)).select_related("policy")
    }
    policies = [version.policy for version in versions.values()]
    chosen = {place: _most_specific(policies, *place) for place in places}
    return {place: None if policy is None else versions[policy.pk] for place, policy in chosen.items()}


def current_version(policy: Policy) -> PolicyVersion | None:
    return policy.versions.order_by("-number").first()


def version_of(code: str, number: int | None = None) -> PolicyVersion | None:
    versions = PolicyVersion.objects.filter(policy__code=code).select_related("policy")
    if number is not None:
        return versions.filter(number=number).first()
    return versions.order_by("-number").first()


_PARSED: dict[tuple[int, str], PolicyDocument] = {}


def parsed_policy(version: PolicyVersion) -> PolicyDocument:
    """The engine's policy for a stored version; versions never change, so each is parsed once
    per process (at most 64 kept)."""
    key = (version.pk, version.digest)
    parsed = _PARSED.get(key)
    if parsed is None:
        if len(_PARSED) >= 64:
            _PARSED.clear()
        parsed = _PARSED[key] = parse_policy(version.document)
    return parsed


def enrollment_block(area_code: str, year: int) -> dict | None:
    """The ``enrollment`` block (premium and subsidies by category) of the policy in force, if it has one."""
    policy = policy_in_force(area_code, year)
    if policy is None:
        return None
    version = current_version(policy)
    return version.document.get("enrollment") if version else None


def policies_visible(user) -> list[Policy]:
    """The policies a user may read: of their area, of the areas above it (a county works under its city's
    or province's policy too) and of the areas inside it; newest year first, then by region."""
    mine = user.area_prefix
    return [
        policy for policy in Policy.objects.order_by("-year", "region_code", "code")
        if area_prefix(policy.region_code).startswith(mine) or mine.startswith(area_prefix(policy.region_code))
    ]


def policy_region_names(codes) -> dict[str, str]:
    """Region code of a policy → the region's name; a policy's region may be a prefix (``2109`` = 210900)."""
    padded = {code: code.ljust(6, "0") for code in codes}
    names = dict(Region.objects.filter(code__in=set(padded.values())).values_list("code", "name"))
    return {code: names.get(full, code) for code, full in padded.items()}
