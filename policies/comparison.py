"""What changed between two versions of a policy, in words a county's administrator reads.

``compare_policies`` takes two parsed documents (``policies.document.Policy``) and says, field by field,
what the newer one adds, removes or changes: the document's own fields, the order of the layers, and for
each layer (matched by its code) its fields and its rules (matched by position: rules have no name).
``layer_rows`` gives every field of one layer as text, for the pages that show a whole layer.
Pure Python, like the document module: the pages and the tests call it on parsed documents.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from policies.document import (
    ALL_HOSPITAL_LEVELS,
    ALL_VISIT_TYPES,
    BASES,
    FUNDS,
    HOSPITAL_LEVELS,
    INSURANCE_NAMES,
    SCOPES,
    VISIT_TYPES,
    Layer,
    Policy,
    Rule,
    category_names,
    money_text,
)

ADDED, REMOVED, CHANGED, SAME = "added", "removed", "changed", "same"
STATUS_NAMES = {ADDED: "新增", REMOVED: "删除", CHANGED: "修改", SAME: "未变"}


@dataclass(frozen=True)
class FieldChange:
    """One field, as text, in the older (``old``) and the newer (``new``) version; "" where absent."""

    field: str  # the document's name for it, e.g. "deductible", "rules[2]"
    label: str  # what a person calls it, e.g. "起付线"
    old: str
    new: str


@dataclass(frozen=True)
class LayerChange:
    code: str
    name: str  # the newer version's name (the older one's for a removed layer)
    status: str  # ADDED, REMOVED, CHANGED or SAME
    rows: tuple[FieldChange, ...]  # changed fields; every field for an added or removed layer

    @property
    def status_name(self) -> str:
        return STATUS_NAMES[self.status]


@dataclass(frozen=True)
class PolicyComparison:
    policy: tuple[FieldChange, ...]  # the document's own fields, and the order of the layers
    layers: tuple[LayerChange, ...]  # in the newer version's order, removed layers last

    @property
    def changed(self) -> bool:
        return bool(self.policy) or any(layer.status != SAME for layer in self.layers)


def percent(ratio: Decimal) -> str:
    return f"{format((ratio * 100).normalize(), 'f')}%"


def yuan(amount: Decimal | None, none: str = "") -> str:
    return none if amount is None else f"{money_text(amount)} 元"


def bands_text(bands) -> str:
    """``0–10000.00 元 50%；10000.00 元以上 60%``; one open band is its ratio alone."""
    if len(bands) == 1:
        return percent(bands[0].ratio)
    parts, start = [], Decimal(0)
    for band in bands:
        if band.upto is None:
            parts.append(f"{money_text(start)} 元以上 {percent(band.ratio)}")
        else:
            parts.append(f"{money_text(start)}–{money_text(band.upto)} 元 {percent(band.ratio)}")
            start = band.upto
    return "；".join(parts)


def _names(values, vocabulary: dict[str, str], everything: frozenset[str]) -> str:
    if frozenset(values) == everything:
        return "全部"
    return "、".join(name for code, name in vocabulary.items() if code in values)


TERM_LABELS = {
    "deductible": "起付线",
    "min_base": "起付门槛（单次超过）",
    "base_share_of_total": "计算基数上限（占总费用）",
    "bands": "报销比例（分段）",
    "cap_per_visit": "单次封顶",
    "cap_per_year": "年度封顶",
}


def _term_text(key: str, value: Any) -> str:
    if key == "bands":
        return bands_text(value)
    if key == "base_share_of_total":
        return "不限" if value is None else percent(value)
    if key.startswith("cap_"):
        return yuan(value, none="不封顶")
    return yuan(value)


def _when_text(condition, hospital_names: Mapping[str, str] | None) -> str:
    return condition.describe(hospital_names) if hospital_names else condition.description


def rule_text(rule: Rule, hospital_names: Mapping[str, str] | None = None) -> str:
    """``当 身份类别 …：起付线 150.00 元；报销比例 75%``; hospitals by name where ``hospital_names`` knows
    their code."""
    if rule.skip:
        effect = "本层不适用"
    else:
        effect = "；".join(f"{TERM_LABELS[key]} {_term_text(key, value)}" for key, value in rule.overrides)
    return f"当 {_when_text(rule.when, hospital_names)}：{effect or '不改变'}"


# Each row: (field, label, text of the layer and the hospital names). The text decides equality too: two
# values that read the same are the same to the person comparing.
LAYER_FIELDS: tuple[tuple[str, str, Callable[..., str]], ...] = (
    ("name", "名称", lambda layer, names: layer.name),
    ("fund", "支付资金", lambda layer, names: FUNDS[layer.fund]),
    ("visit_types", "就诊类型", lambda layer, names: _names(layer.visit_types, VISIT_TYPES, ALL_VISIT_TYPES)),
    ("hospital_levels", "医疗机构级别",
     lambda layer, names: _names(layer.hospital_levels, HOSPITAL_LEVELS, ALL_HOSPITAL_LEVELS)),
    ("categories", "身份类别",
     lambda layer, names: "不限" if layer.categories is None else category_names(layer.categories)),
    ("insurance", "参保险种",
     lambda layer, names: INSURANCE_NAMES.get(layer.insurance, layer.insurance) or "不限"),
    ("when", "适用条件",
     lambda layer, names: "所有账单" if layer.when is None else _when_text(layer.when, names)),
    ("base", "计算基数", lambda layer, names: BASES[layer.base]),
    ("scope", "起付线和分段", lambda layer, names: SCOPES[layer.scope]),
    *((key, label, lambda layer, names, key=key: _term_text(key, getattr(layer.terms, key)))
      for key, label in TERM_LABELS.items()),
)


def layer_rows(layer: Layer, hospital_names: Mapping[str, str] | None = None) -> list[tuple[str, str, str]]:
    """Every field of a layer and each of its rules, as (field, label, text)."""
    rows = [(field, label, text(layer, hospital_names)) for field, label, text in LAYER_FIELDS]
    rows += [(f"rules[{n}]", f"第 {n} 条规则", rule_text(rule, hospital_names))
             for n, rule in enumerate(layer.rules, 1)]
    return rows


def _enrollment_text(policy: Policy) -> str:
    block = policy.enrollment
    if block is None:
        return ""
    subsidies = "；".join(
        f"{category_names(s.categories)} {'全额' if s.full else yuan(s.amount)}" for s in block.subsidies
    )
    insurance = INSURANCE_NAMES.get(block.insurance, block.insurance)
    return f"险种 {insurance}，个人缴费 {yuan(block.premium)}；资助：{subsidies or '无'}"


def _monitoring_text(policy: Policy) -> str:
    block = policy.monitoring
    if block is None:
        return ""
    rules = "；".join(f"{r.label}：{category_names(r.categories)} {percent(r.share)}" for r in block.rules)
    return f"参考收入 {yuan(block.reference_income)}，预警线 {percent(block.warn_at)}；{rules}"


POLICY_FIELDS: tuple[tuple[str, str, Callable[[Policy], str]], ...] = (
    ("name", "名称", lambda p: p.name),
    ("region_code", "适用区域代码", lambda p: p.region_code),
    ("year", "年度", lambda p: str(p.year)),
    ("until_year", "适用至年度", lambda p: "" if p.until_year is None else str(p.until_year)),
    ("note", "说明", lambda p: p.note),
    ("enrollment", "参保资助", _enrollment_text),
    ("monitoring", "因病返贫致贫监测", _monitoring_text),
)


def _changes(rows_old: list[tuple[str, str, str]], rows_new: list[tuple[str, str, str]]) -> list[FieldChange]:
    """The rows whose text differs, matched by field (a row only one side has is "" on the other)."""
    old = {field: (label, text) for field, label, text in rows_old}
    new = {field: (label, text) for field, label, text in rows_new}
    fields = list(new) + [field for field in old if field not in new]
    changes = []
    for field in fields:
        label = (new.get(field) or old[field])[0]
        before, after = old.get(field, ("", ""))[1], new.get(field, ("", ""))[1]
        if before != after:
            changes.append(FieldChange(field, label, before, after))
    return changes


def compare_policies(
    old: Policy, new: Policy, hospital_names: Mapping[str, str] | None = None
) -> PolicyComparison:
    """What ``new`` changes of ``old`` (see the module's docstring); hospitals by name where
    ``hospital_names`` knows their code."""
    policy_rows = [(field, label, text(old)) for field, label, text in POLICY_FIELDS]
    changes = _changes(policy_rows, [(field, label, text(new)) for field, label, text in POLICY_FIELDS])
    old_layers = {layer.code: layer for layer in old.layers}
    new_layers = {layer.code: layer for layer in new.layers}
    kept_old = [code for code in old_layers if code in new_layers]
    kept_new = [code for code in new_layers if code in old_layers]
    if kept_old != kept_new:
        changes.append(FieldChange("layers", "层的顺序", _order(old, kept_old), _order(new, kept_new)))
    layers = []
    for layer in new.layers:
        before = old_layers.get(layer.code)
        rows_new = layer_rows(layer, hospital_names)
        if before is None:
            layers.append(LayerChange(layer.code, layer.name, ADDED, tuple(_changes([], rows_new))))
            continue
        rows = tuple(_changes(layer_rows(before, hospital_names), rows_new))
        layers.append(LayerChange(layer.code, layer.name, CHANGED if rows else SAME, rows))
    layers += [
        LayerChange(layer.code, layer.name, REMOVED, tuple(_changes(layer_rows(layer, hospital_names), [])))
        for layer in old.layers if layer.code not in new_layers
    ]
    return PolicyComparison(tuple(changes), tuple(layers))


def _order(policy: Policy, codes: list[str]) -> str:
    names = {layer.code: layer.name for layer in policy.layers}
    return " → ".join(names[code] for code in codes)

