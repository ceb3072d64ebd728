from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from regions.codes import AreaCodeError, canonical, level_of, parent_candidates
from regions.models import Region

NOT_PERMITTED = "您的角色（{role}）不能导入行政区划。"


@dataclass(frozen=True)
class RegionImportResult:
    created: int
    updated: int


@transaction.atomic
def regions_import(*, user, rows: list[tuple[int, str, str]]) -> RegionImportResult:
    """Create or rename regions from (row number, code, name), all inside the user's area; all or nothing.

    Rows may come in any order: parents are resolved after sorting by code length, so a file may
    list villages before their township. A code whose parent is neither stored nor in the file is
    refused, naming the row.
    """
    # ``user`` is an accounts.User; regions sit below accounts and do not import it.
    if not user.has_perm("regions.add_region"):
        raise ValidationError(NOT_PERMITTED.format(role=user.get_role_display()), code="not_permitted")
    errors: list[str] = []
    wanted: dict[str, tuple[int, str]] = {}
    for number, raw_code, raw_name in rows:
        name = raw_name.strip()
        try:
            code = canonical(raw_code)
        except AreaCodeError as exc:
            errors.append(f"第 {number} 行“区划代码”列：{exc}")
            continue
        if not user.can_see_code(code):
            errors.append(f"第 {number} 行“区划代码”列：区划 {code} 不在您的管辖区域内。")
            continue
        if not name:
            errors.append(f"第 {number} 行“名称”列：名称不能为空。")
            continue
        wanted[code] = (number, name)

    existing = Region.objects.in_bulk(list(wanted) + [p for c in wanted for p in parent_candidates(c)])
    known = set(existing) | set(wanted)
    parents: dict[str, str | None] = {}
    for code, (number, _name) in wanted.items():
        candidates = parent_candidates(code)
        parent = next((c for c in candidates if c in known), None)
        if candidates and parent is None:
            errors.append(f"第 {number} 行“区划代码”列：{code} 的上级区划 {candidates[0]} 不存在，请先导入上级。")
        parents[code] = parent
    if errors:
        raise ValidationError(errors)

    created = updated = 0
    for code in sorted(wanted, key=lambda c: (len(c), c)):
        number, name = wanted[code]
        region = existing.get(code)
        if region is None:
            region = Region(code=code, name=name, level=level_of(code), parent_id=parents[code])
            region.save(force_insert=True)
            existing[code] = region
            created += 1
        elif region.name != name or region.parent_id != parents[code]:
            region.name = name
            region.parent_id = parents[code]
            region.save(update_fields=["name", "parent"])
            updated += 1
    return RegionImportResult(created=created, updated=updated)
