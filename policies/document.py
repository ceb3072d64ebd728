"""The policy document: the JSON a county loads for one year, parsed and validated.

The contract is ``reimbursement.md`` ("Policy document"). ``parse_policy`` turns the decoded JSON into
frozen dataclasses and refuses anything the contract does not allow, collecting every problem so
that the author can fix them all in one go; ``policy_to_dict`` gives the canonical JSON form back.
Pure Python (no Django), so the engine, the ``reimburse`` command and the database share it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cached_property, partial
from typing import Any

# Vocabularies, code -> name, in the order a person reads them.
VISIT_TYPES = {"outpatient": "普通门诊", "special_outpatient": "门诊特殊慢性病", "inpatient": "住院"}
HOSPITAL_LEVELS = {
    "village": "村卫生室",
    "township": "乡镇卫生院/社区卫生服务中心",
    "county": "县级医疗机构",
    "city": "市级医疗机构",
    "province": "省级及以上医疗机构",
}
# The categories of categories.md, for explanations; a county's own added categories show by code.
CATEGORY_NAMES = {
    "poor": "建档立卡贫困人口", "dibao_urban": "城镇低保对象", "dibao_rural": "农村低保对象",
    "tekun_urban": "城镇特困人员", "tekun_rural": "农村特困人员", "low_income_urban": "城镇低收入对象",
    "low_income_rural": "农村低收入对象", "other_hardship_urban": "城镇其他困难群体",
    "other_hardship_rural": "农村其他困难群体", "unstable": "脱贫不稳定人口", "marginal": "边缘易致贫人口",
    "sudden_hardship": "突发严重困难人口", "returned_poor": "返贫致贫人口",
}


def category_names(codes: Iterable[str]) -> str:
    return "、".join(CATEGORY_NAMES.get(code, code) for code in sorted(codes))


FUNDS = {"basic": "基本医保", "critical": "大病保险", "assistance": "医疗救助", "other": "其他保障"}
BASES = {"in_catalog": "政策范围内费用", "out_of_catalog": "目录外费用", "personal": "个人负担费用"}
SCOPES = {"visit": "按次", "year": "按年度累计"}
ALL_VISIT_TYPES = frozenset(VISIT_TYPES)
ALL_HOSPITAL_LEVELS = frozenset(HOSPITAL_LEVELS)

ZERO = Decimal("0.00")
ONE = Decimal(1)
CENT = Decimal("0.01")
# Stored money has 14 digits, two after the point (settings.MONEY_MAX_DIGITS).
MONEY_LIMIT = Decimal(10) ** 12

FULL_PREMIUM = "full"

# Messages, shared with the tests.
REQUIRED = "缺少必填字段"
UNKNOWN_FIELD = "未知字段"
NOT_OBJECT = "必须是 JSON 对象"
NOT_TEXT = "必须是非空文本"
NOT_STRING = "必须是文本"
NOT_LIST = "必须是非空列表"
NOT_A_LIST = "必须是列表"
NOT_CODE = "编码必须是非空文本，只能由字母、数字、下划线和连字符组成"
NOT_REGION_CODE = "必须是 2 到 12 位数字的行政区划代码"
NOT_YEAR = "必须是整数年份"
NOT_BOOL = "必须是 true 或 false"
NOT_MONEY = "必须是以元为单位的金额（十进制数字）"
MONEY_NEGATIVE = "金额不能为负数"
MONEY_DECIMALS = "金额最多两位小数"
MONEY_TOO_LARGE = "金额过大"
NOT_RATIO = "必须是 0 到 1 之间的比例（十进制数字）"
UNKNOWN_CHOICE = '未知取值 "{value}"，可选：{choices}'
BANDS_NOT_INCREASING = "分段上限必须递增"
LAST_BAND_NOT_OPEN = '最后一段的 "upto" 必须为 null'
OPEN_BAND_NOT_LAST = '只有最后一段的 "upto" 可以为 null'
NO_LAYERS = "至少要有一层"
DUPLICATE_LAYER = "层编码重复（第 {first} 层已使用）"
SUBSIDY_ABOVE_PREMIUM = "资助金额不能超过个人缴费标准"
NOT_NULLABLE = "不能为 null"
NOT_A_POLICY = "政策文件必须是一个 JSON 对象"

POLICY_FIELDS = ("code", "name", "region_code", "year", "note", "enrollment", "monitoring", "layers")
LAYER_FIELDS = (
    "code",
    "name",
    "fund",
    "visit_types",
    "hospital_levels",
    "categories",
    "insurance",
    "base",
    "scope",
    "deductible",
    "min_base",
    "base_share_of_total",
    "bands",
    "cap_per_visit",
    "cap_per_year",
    "rules",
)
TERM_FIELDS = ("deductible", "min_base", "base_share_of_total", "bands", "cap_per_visit", "cap_per_year")
# Terms whose default is "none": a rule may set them to null to remove the limit.
OPTIONAL_TERMS = ("base_share_of_total", "cap_per_visit", "cap_per_year")
WHEN_FIELDS = ("categories", "hospital_levels", "visit_types", "diseases")
BAND_FIELDS = ("upto", "ratio")
ENROLLMENT_FIELDS = ("insurance", "premium", "subsidies")
SUBSIDY_FIELDS = ("categories", "amount")
MONITORING_FIELDS = ("reference_income", "rules")
MONITORING_RULE_FIELDS = ("categories", "share", "label")

_CODE = re.compile(r"[A-Za-z0-9_-]+")
_REGION_CODE = re.compile(r"[0-9]{2,12}")  # ASCII digits: other scripts' digits are not a code
_DECIMAL_TEXT = re.compile(r"-?\d+(\.\d+)?")


@dataclass(frozen=True)
class PolicyIssue:
    """One problem in a policy document.

    ``layer`` is the layer's code, ``#n`` (counting from 1) for a layer without a usable code, or
    None for the document's own fields; ``field`` is a path such as ``bands[2].ratio`` (list
    positions count from 1).
    """

    layer: str | None
    field: str
    message: str

    def __str__(self) -> str:
        if self.layer is None and not self.field:
            return self.message
        if self.layer is None:
            where = f'字段 "{self.field}"'
        elif self.layer.startswith("#"):
            where = f'第 {self.layer[1:]} 层的字段 "{self.field}"'
        else:
            where = f'层 "{self.layer}" 的字段 "{self.field}"'
        return f"{where}：{self.message}"


class PolicyError(ValueError):
    """A policy document was refused; ``errors`` lists every problem found."""

    def __init__(self, errors: Iterable[PolicyIssue]):
        self.errors = list(errors)
        super().__init__("\n".join(str(issue) for issue in self.errors))


@dataclass(frozen=True)
class Band:
    upto: Decimal | None  # upper end; None for the last, open band
    ratio: Decimal


DEFAULT_BANDS = (Band(None, ONE),)


@dataclass(frozen=True)
class LayerTerms:
    """The amounts of a layer, the part a rule may override."""

    deductible: Decimal = ZERO
    min_base: Decimal = ZERO
    base_share_of_total: Decimal | None = None
    bands: tuple[Band, ...] = DEFAULT_BANDS
    cap_per_visit: Decimal | None = None
    cap_per_year: Decimal | None = None

    @cached_property
    def paying_bands(self) -> tuple[tuple[Decimal, Decimal | None, Decimal], ...]:
        """``(start, end, ratio)`` of every band that pays, cut at the deductible (end None = open).

        F(x) is the sum, over these, of ratio × the part of [start, end] below x.
        """
        paying = []
        start = ZERO
        for band in self.bands:
            lower = max(start, self.deductible)
            if band.ratio and (band.upto is None or band.upto > lower):
                paying.append((lower, band.upto, band.ratio))
            start = band.upto if band.upto is not None else start
        return tuple(paying)


@dataclass(frozen=True)
class RuleCondition:
    """A rule's ``when``: each given key must match; a key matches if the claim has any listed value."""

    categories: frozenset[str] | None = None
    hospital_levels: frozenset[str] | None = None
    visit_types: frozenset[str] | None = None
    diseases: tuple[str, ...] | None = None  # ICD-10 prefixes, upper case

    def matches(
        self, categories: frozenset[str], hospital_level: str, visit_type: str, diseases: Iterable[str]
    ) -> bool:
        if self.categories is not None and self.categories.isdisjoint(categories):
            return False
        if self.hospital_levels is not None and hospital_level not in self.hospital_levels:
            return False
        if self.visit_types is not None and visit_type not in self.visit_types:
            return False
        if self.diseases is not None:
            prefixes = self.diseases
            return any(code.upper().startswith(prefixes) for code in diseases)
        return True

    @cached_property
    def description(self) -> str:
        parts = []
        if self.categories is not None:
            parts.append("身份类别 " + category_names(self.categories))
        if self.hospital_levels is not None:
            parts.append(
                "医疗机构 " + "、".join(_in_order(self.hospital_levels, HOSPITAL_LEVELS, names=True))
            )
        if self.visit_types is not None:
            parts.append("就诊类型 " + "、".join(_in_order(self.visit_types, VISIT_TYPES, names=True)))
        if self.diseases is not None:
            parts.append("疾病 " + "、".join(self.diseases))
        return "；".join(parts) or "所有账单"


@dataclass(frozen=True)
class Rule:
    when: RuleCondition
    # The ``set`` block, parsed, as (field, value) pairs in TERM_FIELDS order (for policy_to_dict).
    overrides: tuple[tuple[str, Any], ...]
    terms: LayerTerms  # the layer's terms with the overrides applied
    skip: bool = False


@dataclass(frozen=True)
class Layer:
    code: str
    name: str
    fund: str
    base: str
    visit_types: frozenset[str] = ALL_VISIT_TYPES
    hospital_levels: frozenset[str] = ALL_HOSPITAL_LEVELS
    categories: frozenset[str] | None = None  # None: anyone
    insurance: str | None = None
    scope: str = "visit"
    terms: LayerTerms = LayerTerms()
    rules: tuple[Rule, ...] = ()


@dataclass(frozen=True)
class Subsidy:
    categories: frozenset[str]
    amount: Decimal  # the whole premium when ``full``
    full: bool = False


@dataclass(frozen=True)
class Enrollment:
    insurance: str
    premium: Decimal
    subsidies: tuple[Subsidy, ...]

    def subsidy_for(self, categories: Iterable[str]) -> Decimal:
        """The largest subsidy any of these categories gives (0 when none does)."""
        held = frozenset(categories)
        return max((s.amount for s in self.subsidies if not s.categories.isdisjoint(held)), default=ZERO)


@dataclass(frozen=True)
class MonitoringRule:
    categories: frozenset[str]
    share: Decimal  # of the reference income
    label: str


@dataclass(frozen=True)
class Monitoring:
    reference_income: Decimal
    rules: tuple[MonitoringRule, ...]


@dataclass(frozen=True)
class Policy:
    code: str
    name: str
    region_code: str
    year: int
    layers: tuple[Layer, ...]
    note: str = ""
    enrollment: Enrollment | None = None
    monitoring: Monitoring | None = None

    @cached_property
    def layer_codes(self) -> frozenset[str]:
        return frozenset(layer.code for layer in self.layers)


def _in_order(values: Iterable[str], vocabulary: dict[str, str], *, names: bool = False) -> list[str]:
    chosen = set(values)
    return [name if names else code for code, name in vocabulary.items() if code in chosen]


# --- Reading values -------------------------------------------------------------------------------


class _Invalid(Exception):
    def __init__(self, message: str, subfield: str = ""):
        super().__init__(message)
        self.message = message
        self.subfield = subfield  # appended to the field's path, e.g. "[2].ratio"


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Invalid(NOT_TEXT)
    return value


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise _Invalid(NOT_STRING)
    return value


def _code(value: Any) -> str:
    if not isinstance(value, str) or not _CODE.fullmatch(value):
        raise _Invalid(NOT_CODE)
    return value


def _region_code(value: Any) -> str:
    if not isinstance(value, str) or not _REGION_CODE.fullmatch(value):
        raise _Invalid(NOT_REGION_CODE)
    return value


def _year(value: Any) -> int:
    # A JSON reader with parse_int=Decimal hands over Decimal("2017").
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not 1000 <= value <= 9999:
        raise _Invalid(NOT_YEAR)
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Invalid(NOT_BOOL)
    return value


def parse_decimal(value: Any) -> Decimal:
    """A finite Decimal from decimal text ("1234.50"), an int, a Decimal, or a float that a JSON
    reader made of a number; ValueError otherwise. Text in exponent form or with spaces is refused."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, float):
        value = repr(value)  # the shortest text that reads back as this float: the JSON's own digits
    if isinstance(value, str):
        if not _DECIMAL_TEXT.fullmatch(value):
            raise ValueError(value)
        return Decimal(value)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal) and value.is_finite():
        return value
    raise ValueError(value)


def _decimal(value: Any, message: str) -> Decimal:
    try:
        return parse_decimal(value)
    except ValueError:
        raise _Invalid(message) from None


def _money(value: Any) -> Decimal:
    amount = _decimal(value, NOT_MONEY)
    if amount < 0:
        raise _Invalid(MONEY_NEGATIVE)
    if amount >= MONEY_LIMIT:
        raise _Invalid(MONEY_TOO_LARGE)
    cents = amount.quantize(CENT)
    if cents != amount:
        raise _Invalid(MONEY_DECIMALS)
    return cents


def _ratio(value: Any) -> Decimal:
    ratio = _decimal(value, NOT_RATIO)
    if not 0 <= ratio <= 1:
        raise _Invalid(NOT_RATIO)
    return ratio


def _list(value: Any) -> list:
    if not isinstance(value, list) or not value:
        raise _Invalid(NOT_LIST)
    return value


def _free_codes(value: Any) -> frozenset[str]:
    """Category codes: free strings, since categories are a table an administrator extends."""
    items = _list(value)
    for position, item in enumerate(items, 1):
        if not isinstance(item, str) or not item.strip():
            raise _Invalid(NOT_TEXT, f"[{position}]")
    return frozenset(items)


def _diseases(value: Any) -> tuple[str, ...]:
    items = _list(value)
    prefixes = []
    for position, item in enumerate(items, 1):
        if not isinstance(item, str) or not item.strip():
            raise _Invalid(NOT_TEXT, f"[{position}]")
        prefix = item.strip().upper()
        if prefix not in prefixes:
            prefixes.append(prefix)
    return tuple(prefixes)


def _choice(vocabulary: dict[str, str]) -> Callable[[Any], str]:
    def read(value: Any) -> str:
        if not isinstance(value, str) or value not in vocabulary:
            raise _Invalid(UNKNOWN_CHOICE.format(value=value, choices="、".join(vocabulary)))
        return value

    return read


def _choices(vocabulary: dict[str, str]) -> Callable[[Any], frozenset[str]]:
    one = _choice(vocabulary)

    def read(value: Any) -> frozenset[str]:
        chosen = set()
        for position, item in enumerate(_list(value), 1):
            try:
                chosen.add(one(item))
            except _Invalid as invalid:
                raise _Invalid(invalid.message, f"[{position}]") from None
        return frozenset(chosen)

    return read


def _object(value: Any, allowed: tuple[str, ...]) -> dict:
    if not isinstance(value, dict):
        raise _Invalid(NOT_OBJECT)
    for key in value:
        if key not in allowed:
            raise _Invalid(UNKNOWN_FIELD, f".{key}")
    return value


def _bands(value: Any) -> tuple[Band, ...]:
    bands = []
    for position, item in enumerate(_list(value), 1):
        where = f"[{position}]"
        try:
            _object(item, BAND_FIELDS)
        except _Invalid as invalid:
            raise _Invalid(invalid.message, where + invalid.subfield) from None
        for key, read in (("upto", _money), ("ratio", _ratio)):
            if key not in item:
                raise _Invalid(REQUIRED, f"{where}.{key}")
            if key == "upto" and item[key] is None:
                continue
            try:
                read(item[key])
            except _Invalid as invalid:
                raise _Invalid(invalid.message, f"{where}.{key}") from None
        upto = None if item["upto"] is None else _money(item["upto"])
        bands.append(Band(upto, _ratio(item["ratio"])))
    if any(band.upto is None for band in bands[:-1]):
        raise _Invalid(OPEN_BAND_NOT_LAST)
    if bands[-1].upto is not None:
        raise _Invalid(LAST_BAND_NOT_OPEN)
    previous = ZERO
    for band in bands[:-1]:
        if band.upto <= previous:
            raise _Invalid(BANDS_NOT_INCREASING)
        previous = band.upto
    return tuple(bands)


TERM_READERS: dict[str, Callable[[Any], Any]] = {
    "deductible": _money,
    "min_base": _money,
    "base_share_of_total": _ratio,
    "bands": _bands,
    "cap_per_visit": _money,
    "cap_per_year": _money,
}
WHEN_READERS: dict[str, Callable[[Any], Any]] = {
    "categories": _free_codes,
    "hospital_levels": _choices(HOSPITAL_LEVELS),
    "visit_types": _choices(VISIT_TYPES),
    "diseases": _diseases,
}


# --- Parsing --------------------------------------------------------------------------------------

_BAD = object()  # a value that was refused (its issue is already recorded)


class _Parser:
    def __init__(self) -> None:
        self.issues: list[PolicyIssue] = []

    def issue(self, layer: str | None, field: str, message: str) -> None:
        self.issues.append(PolicyIssue(layer, field, message))

    def read(self, layer: str | None, field: str, value: Any, read: Callable[[Any], Any]) -> Any:
        try:
            return read(value)
        except _Invalid as invalid:
            self.issue(layer, field + invalid.subfield, invalid.message)
            return _BAD

    def get(
        self,
        data: dict,
        key: str,
        read: Callable[[Any], Any],
        *,
        layer: str | None = None,
        prefix: str = "",
        default: Any = _BAD,
        nullable: bool = False,
    ) -> Any:
        """``data[key]`` read, or ``default`` when absent (no default: required); null allowed if nullable."""
        field = prefix + key
        if key not in data:
            if default is _BAD:
                self.issue(layer, field, REQUIRED)
            return default
        if data[key] is None and nullable:
            return None
        return self.read(layer, field, data[key], read)

    def unknown_keys(
        self, data: dict, allowed: tuple[str, ...], *, layer: str | None = None, prefix: str = ""
    ):
        for key in data:
            if key not in allowed:
                self.issue(layer, prefix + str(key), UNKNOWN_FIELD)

    def obj(self, value: Any, allowed: tuple[str, ...], *, layer: str | None, field: str) -> dict | None:
        if not isinstance(value, dict):
            self.issue(layer, field, NOT_OBJECT)
            return None
        self.unknown_keys(value, allowed, layer=layer, prefix=f"{field}." if field else "")
        return value

    def policy(self, data: Any) -> Policy | None:
        if not isinstance(data, dict):
            self.issue(None, "", NOT_A_POLICY)
            return None
        self.unknown_keys(data, POLICY_FIELDS)
        code = self.get(data, "code", _code)
        name = self.get(data, "name", _text)
        region_code = self.get(data, "region_code", _region_code)
        year = self.get(data, "year", _year)
        note = self.get(data, "note", _string, default="")
        enrollment = self.get(data, "enrollment", self.enrollment, default=None)
        monitoring = self.get(data, "monitoring", self.monitoring, default=None)
        layers = self.get(data, "layers", self.layers)
        if self.issues:
            return None
        return Policy(code, name, region_code, year, layers, note, enrollment, monitoring)

    def layers(self, value: Any) -> tuple[Layer, ...]:
        if not isinstance(value, list) or not value:
            raise _Invalid(NO_LAYERS)
        layers = []
        first_position: dict[str, int] = {}
        for position, item in enumerate(value, 1):
            code = item.get("code") if isinstance(item, dict) else None
            if isinstance(code, str) and _CODE.fullmatch(code):
                if code in first_position:
                    self.issue(code, "code", DUPLICATE_LAYER.format(first=first_position[code]))
                first_position.setdefault(code, position)
            layers.append(self.layer(item, position))
        if _BAD in layers:
            return _BAD
        return tuple(layers)

    def layer(self, data: Any, position: int) -> Layer | Any:
        if not isinstance(data, dict):
            self.issue(None, f"layers[{position}]", NOT_OBJECT)
            return _BAD
        code = data.get("code")
        label = code if isinstance(code, str) and _CODE.fullmatch(code) else f"#{position}"
        issues_before = len(self.issues)
        self.unknown_keys(data, LAYER_FIELDS, layer=label)
        fields = {
            "code": self.get(data, "code", _code, layer=label),
            "name": self.get(data, "name", _text, layer=label),
            "fund": self.get(data, "fund", _choice(FUNDS), layer=label),
            "base": self.get(data, "base", _choice(BASES), layer=label),
            "visit_types": self.get(
                data, "visit_types", _choices(VISIT_TYPES), layer=label, default=ALL_VISIT_TYPES
            ),
            "hospital_levels": self.get(
                data, "hospital_levels", _choices(HOSPITAL_LEVELS), layer=label, default=ALL_HOSPITAL_LEVELS
            ),
            "categories": self.get(data, "categories", _free_codes, layer=label, default=None, nullable=True),
            "insurance": self.get(data, "insurance", _text, layer=label, default=None, nullable=True),
            "scope": self.get(data, "scope", _choice(SCOPES), layer=label, default="visit"),
        }
        default_terms = LayerTerms()
        terms = {
            key: self.get(
                data,
                key,
                TERM_READERS[key],
                layer=label,
                default=getattr(default_terms, key),
                nullable=key in OPTIONAL_TERMS,
            )
            for key in TERM_FIELDS
        }
        rules = self.get(data, "rules", lambda value: self.rules(value, label), layer=label, default=[])
        if len(self.issues) > issues_before:
            return _BAD
        layer_terms = LayerTerms(**terms)
        return Layer(
            **fields,
            terms=layer_terms,
            rules=tuple(
                Rule(when, overrides, replace(layer_terms, **dict(overrides)), skip)
                for when, overrides, skip in rules
            ),
        )

    def rules(self, value: Any, label: str) -> list[tuple[RuleCondition, tuple[tuple[str, Any], ...], bool]]:
        if not isinstance(value, list):
            raise _Invalid(NOT_A_LIST)
        issues_before = len(self.issues)
        rules = []
        for position, item in enumerate(value, 1):
            field = f"rules[{position}]"
            rule = self.obj(item, ("when", "set"), layer=label, field=field)
            if rule is None:
                continue
            when = self.get(
                rule,
                "when",
                partial(self.when, label=label, field=f"{field}.when"),
                layer=label,
                prefix=f"{field}.",
            )
            settings = self.get(
                rule,
                "set",
                partial(self.set, label=label, field=f"{field}.set"),
                layer=label,
                prefix=f"{field}.",
            )
            if when is not _BAD and settings is not _BAD:
                overrides, skip = settings
                rules.append((when, overrides, skip))
        if len(self.issues) > issues_before:
            return _BAD
        return rules

    def when(self, value: Any, label: str, field: str) -> RuleCondition:
        when = self.obj(value, WHEN_FIELDS, layer=label, field=field)
        if when is None:
            return _BAD
        read = {
            key: self.read(label, f"{field}.{key}", when[key], WHEN_READERS[key])
            for key in WHEN_FIELDS
            if key in when
        }
        if _BAD in read.values() or set(when) - set(WHEN_FIELDS):
            return _BAD
        return RuleCondition(**read)

    def set(self, value: Any, label: str, field: str) -> tuple[tuple[tuple[str, Any], ...], bool]:
        settings = self.obj(value, (*TERM_FIELDS, "skip"), layer=label, field=field)
        if settings is None:
            return _BAD
        issues_before = len(self.issues)
        skip = self.get(settings, "skip", _bool, layer=label, prefix=f"{field}.", default=False)
        overrides = []
        for key in TERM_FIELDS:
            if key not in settings:
                continue
            if settings[key] is None and key not in OPTIONAL_TERMS:
                self.issue(label, f"{field}.{key}", NOT_NULLABLE)
                continue
            overrides.append(
                (
                    key,
                    self.get(
                        settings, key, TERM_READERS[key], layer=label, prefix=f"{field}.", nullable=True
                    ),
                )
            )
        if len(self.issues) > issues_before:
            return _BAD
        return tuple(overrides), skip

    def enrollment(self, value: Any) -> Enrollment:
        data = self.obj(value, ENROLLMENT_FIELDS, layer=None, field="enrollment")
        if data is None:
            return _BAD
        issues_before = len(self.issues)
        insurance = self.get(data, "insurance", _text, prefix="enrollment.", default="resident_basic")
        premium = self.get(data, "premium", _money, prefix="enrollment.")
        subsidies = []
        items = self.get(data, "subsidies", _list, prefix="enrollment.")
        for position, item in enumerate(items if items is not _BAD else [], 1):
            field = f"enrollment.subsidies[{position}]"
            subsidy = self.obj(item, SUBSIDY_FIELDS, layer=None, field=field)
            if subsidy is None:
                continue
            categories = self.get(subsidy, "categories", _free_codes, prefix=f"{field}.")
            if subsidy.get("amount") == FULL_PREMIUM:
                subsidies.append(Subsidy(categories, premium, full=True))
                continue
            amount = self.get(subsidy, "amount", _money, prefix=f"{field}.")
            if amount is not _BAD and premium is not _BAD and amount > premium:
                self.issue(None, f"{field}.amount", SUBSIDY_ABOVE_PREMIUM)
            subsidies.append(Subsidy(categories, amount))
        if len(self.issues) > issues_before:
            return _BAD
        return Enrollment(insurance, premium, tuple(subsidies))

    def monitoring(self, value: Any) -> Monitoring:
        data = self.obj(value, MONITORING_FIELDS, layer=None, field="monitoring")
        if data is None:
            return _BAD
        issues_before = len(self.issues)
        reference_income = self.get(data, "reference_income", _money, prefix="monitoring.")
        rules = []
        items = self.get(data, "rules", _list, prefix="monitoring.")
        for position, item in enumerate(items if items is not _BAD else [], 1):
            field = f"monitoring.rules[{position}]"
            rule = self.obj(item, MONITORING_RULE_FIELDS, layer=None, field=field)
            if rule is None:
                continue
            rules.append(
                MonitoringRule(
                    categories=self.get(rule, "categories", _free_codes, prefix=f"{field}."),
                    share=self.get(rule, "share", _ratio, prefix=f"{field}."),
                    label=self.get(rule, "label", _text, prefix=f"{field}."),
                )
            )
        if len(self.issues) > issues_before:
            return _BAD
        return Monitoring(reference_income, tuple(rules))


def parse_policy(data: dict) -> Policy:
    """Validate a decoded policy document; raise ``PolicyError`` listing every problem."""
    parser = _Parser()
    policy = parser.policy(data)
    if parser.issues:
        raise PolicyError(parser.issues)
    return policy


# --- Canonical form -------------------------------------------------------------------------------


def money_text(amount: Decimal) -> str:
    return str(amount.quantize(CENT))


def ratio_text(ratio: Decimal) -> str:
    return format(ratio.normalize(), "f")


def _term_value(key: str, value: Any) -> Any:
    if value is None:
        return None
    if key == "bands":
        return [
            {"upto": None if b.upto is None else money_text(b.upto), "ratio": ratio_text(b.ratio)}
            for b in value
        ]
    if key == "base_share_of_total":
        return ratio_text(value)
    return money_text(value)


def _rule_to_dict(rule: Rule) -> dict:
    when = {}
    if rule.when.categories is not None:
        when["categories"] = sorted(rule.when.categories)
    if rule.when.hospital_levels is not None:
        when["hospital_levels"] = _in_order(rule.when.hospital_levels, HOSPITAL_LEVELS)
    if rule.when.visit_types is not None:
        when["visit_types"] = _in_order(rule.when.visit_types, VISIT_TYPES)
    if rule.when.diseases is not None:
        when["diseases"] = list(rule.when.diseases)
    settings: dict[str, Any] = {"skip": True} if rule.skip else {}
    settings.update((key, _term_value(key, value)) for key, value in rule.overrides)
    return {"when": when, "set": settings}


def _layer_to_dict(layer: Layer) -> dict:
    doc: dict[str, Any] = {
        "code": layer.code,
        "name": layer.name,
        "fund": layer.fund,
    }
    # Absent means all, as in the contract.
    if layer.visit_types != ALL_VISIT_TYPES:
        doc["visit_types"] = _in_order(layer.visit_types, VISIT_TYPES)
    if layer.hospital_levels != ALL_HOSPITAL_LEVELS:
        doc["hospital_levels"] = _in_order(layer.hospital_levels, HOSPITAL_LEVELS)
    if layer.categories is not None:
        doc["categories"] = sorted(layer.categories)
    if layer.insurance is not None:
        doc["insurance"] = layer.insurance
    doc["base"] = layer.base
    doc["scope"] = layer.scope
    for key in TERM_FIELDS:
        value = getattr(layer.terms, key)
        if value is not None:
            doc[key] = _term_value(key, value)
    if layer.rules:
        doc["rules"] = [_rule_to_dict(rule) for rule in layer.rules]
    return doc


def policy_to_dict(policy: Policy) -> dict:
    """The canonical JSON-able form, which ``parse_policy`` reads back to an equal ``Policy``.

    Money is "0.00" text and ratios plain decimals; lists of codes are sorted (vocabularies in
    their own order); every amount is spelled out, including defaults.
    """
    doc: dict[str, Any] = {
        "code": policy.code,
        "name": policy.name,
        "region_code": policy.region_code,
        "year": policy.year,
    }
    if policy.note:
        doc["note"] = policy.note
    if policy.enrollment is not None:
        enrollment = policy.enrollment
        doc["enrollment"] = {
            "insurance": enrollment.insurance,
            "premium": money_text(enrollment.premium),
            "subsidies": [
                {
                    "categories": sorted(s.categories),
                    "amount": FULL_PREMIUM if s.full else money_text(s.amount),
                }
                for s in enrollment.subsidies
            ],
        }
    if policy.monitoring is not None:
        doc["monitoring"] = {
            "reference_income": money_text(policy.monitoring.reference_income),
            "rules": [
                {"categories": sorted(r.categories), "share": ratio_text(r.share), "label": r.label}
                for r in policy.monitoring.rules
            ],
        }
    doc["layers"] = [_layer_to_dict(layer) for layer in policy.layers]
    return doc
