"""The policy document: the JSON a county loads for one year, parsed and validated.

The contract is ``reimbursement.md`` ("Policy document"). ``parse_policy`` turns the decoded JSON into
frozen dataclasses and refuses anything the contract does not allow, collecting every problem so
that the author can fix them all in one go; ``policy_to_dict`` gives the canonical JSON form back.
Pure Python (no Django), so the engine, the ``reimburse`` command and the database share it.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property, partial
from typing import Any, NamedTuple

# Vocabularies, code -> name, in the order a person reads them.
VISIT_TYPES = {"outpatient": "普通门诊", "special_outpatient": "门诊特殊慢性病", "inpatient": "住院"}
HOSPITAL_LEVELS = {
    "village": "村卫生室",
    "township": "乡镇卫生院/社区卫生服务中心",
    "county": "县级医疗机构",
    "city": "市级医疗机构",
    "province": "省级及以上医疗机构",
}
# The categories of categories.md and those our migrations add, for explanations; a county's own
# added categories show by code.
CATEGORY_NAMES = {
    "poor": "建档立卡贫困人口", "dibao_urban": "城镇低保对象", "dibao_rural": "农村低保对象",
    "tekun_urban": "城镇特困人员", "tekun_rural": "农村特困人员", "low_income_urban": "城镇低收入对象",
    "low_income_rural": "农村低收入对象", "other_hardship_urban": "城镇其他困难群体",
    "other_hardship_rural": "农村其他困难群体", "unstable": "脱贫不稳定人口", "marginal": "边缘易致贫人口",
    "sudden_hardship": "突发严重困难人口", "returned_poor": "返贫致贫人口",
    # Added for seed 004's fund (beneficiaries migration 0004).
    "orphan": "孤儿", "youfu": "重点优抚对象", "severe_disability": "重度残疾人",
    "needy_student": "家庭经济困难的在校大学生", "illness_impoverished": "因病致贫家庭重病患者",
}


def category_names(codes: Iterable[str]) -> str:
    return "、".join(CATEGORY_NAMES.get(code, code) for code in sorted(codes))


# The insurances our migrations seed (beneficiaries migration 0002), for explanations; others show by code.
INSURANCE_NAMES = {"resident_basic": "城乡居民基本医疗保险", "supplementary": "商业补充医疗保险"}


SEXES = {"male": "男性", "female": "女性"}
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
DEFAULT_WARN_AT = Decimal("0.8")
# Monitoring levels (monitoring.md, "Thresholds").
LEVEL_OVER = "over"
LEVEL_WARNING = "warning"

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
NOT_DATE = "必须是 YYYY-MM-DD 格式的有效日期"
NOT_AGE = "必须是非负整数（周岁）"
AGE_RANGE_REVERSED = "最小年龄 age_min 不能大于最大年龄 age_max"
DATE_RANGE_REVERSED = "起始日期 date_from 不能晚于截止日期 date_to"
UNTIL_BEFORE_YEAR = "不能早于 year（{year}）"
NOT_WARN_AT = "必须是大于 0、不超过 1 的比例（十进制数字）"

POLICY_FIELDS = (
    "code", "name", "region_code", "year", "until_year", "note", "enrollment", "monitoring", "layers"
)
LAYER_FIELDS = (
    "code",
    "name",
    "fund",
    "visit_types",
    "hospital_levels",
    "categories",
    "insurance",
    "when",
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
WHEN_FIELDS = (
    "categories",
    "hospital_levels",
    "visit_types",
    "diseases",
    "hospitals",
    "in_county",
    "referred",
    "sex",
    "age_min",
    "age_max",
    "date_from",
    "date_to",
)
BAND_FIELDS = ("upto", "ratio")
ENROLLMENT_FIELDS = ("insurance", "premium", "subsidies")
SUBSIDY_FIELDS = ("categories", "amount")
MONITORING_FIELDS = ("reference_income", "warn_at", "rules")
MONITORING_RULE_FIELDS = ("categories", "share", "label")

_CODE = re.compile(r"[A-Za-z0-9_-]+")
_REGION_CODE = re.compile(r"[0-9]{2,12}")  # ASCII digits: other scripts' digits are not a code
_DECIMAL_TEXT = re.compile(r"-?\d+(\.\d+)?")
_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


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


def age_on(birth_date: datetime.date | None, day: datetime.date) -> int | None:
    """Age in full years (周岁) on ``day``: the years since birth, less one before this year's
    birthday. A 29 February birthday counts on 1 March in common years. None without a birth date."""
    if birth_date is None:
        return None
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


@dataclass(frozen=True)
class RuleCondition:
    """A ``when`` (of a rule, or of a layer): each given key must match.

    A list key matches if the claim has any listed value; ``sex`` never matches a claim without a
    sex, ``age_min``/``age_max`` never a claim without a birth date.
    """

    categories: frozenset[str] | None = None
    hospital_levels: frozenset[str] | None = None
    visit_types: frozenset[str] | None = None
    diseases: tuple[str, ...] | None = None  # ICD-10 prefixes, upper case
    hospitals: frozenset[str] | None = None  # hospital codes
    in_county: bool | None = None
    referred: bool | None = None
    sex: str | None = None  # male / female
    age_min: int | None = None  # full years, inclusive
    age_max: int | None = None
    date_from: datetime.date | None = None  # the claim date, inclusive
    date_to: datetime.date | None = None

    @property
    def age_range(self) -> tuple[int | None, int | None] | None:
        """``(age_min, age_max)``, or None when the condition does not look at the age."""
        if self.age_min is None and self.age_max is None:
            return None
        return self.age_min, self.age_max

    @property
    def date_range(self) -> tuple[datetime.date | None, datetime.date | None] | None:
        """``(date_from, date_to)``, or None when the condition does not look at the date."""
        if self.date_from is None and self.date_to is None:
            return None
        return self.date_from, self.date_to

    def unmet(
        self,
        categories: frozenset[str],
        hospital_level: str,
        visit_type: str,
        diseases: Iterable[str],
        *,
        hospital: str | None = None,
        in_county: bool = False,
        referred: bool = False,
        sex: str | None = None,
        age: int | None = None,
        date: datetime.date | None = None,
    ) -> tuple[str, ...]:
        """The parts of the condition a bill fails, named as in ``parts`` (``age`` for
        ``age_min``/``age_max``, ``date`` for ``date_from``/``date_to``); empty when it matches.
        ``age`` is the patient's age in full years on the claim date (``age_on``)."""
        failed = []
        if self.categories is not None and self.categories.isdisjoint(categories):
            failed.append("categories")
        if self.hospital_levels is not None and hospital_level not in self.hospital_levels:
            failed.append("hospital_levels")
        if self.visit_types is not None and visit_type not in self.visit_types:
            failed.append("visit_types")
        if self.diseases is not None:
            prefixes = self.diseases
            if not any(code.upper().startswith(prefixes) for code in diseases):
                failed.append("diseases")
        if self.hospitals is not None and hospital not in self.hospitals:
            failed.append("hospitals")
        if self.in_county is not None and bool(in_county) is not self.in_county:
            failed.append("in_county")
        if self.referred is not None and bool(referred) is not self.referred:
            failed.append("referred")
        if self.sex is not None and sex != self.sex:
            failed.append("sex")
        if self.age_range is not None and not within(age, self.age_min, self.age_max):
            failed.append("age")
        if self.date_range is not None and not within(date, self.date_from, self.date_to):
            failed.append("date")
        return tuple(failed)

    def matches(
        self,
        categories: frozenset[str],
        hospital_level: str,
        visit_type: str,
        diseases: Iterable[str],
        **facts: Any,
    ) -> bool:
        """Whether a bill matches; ``facts`` are the keyword arguments of ``unmet``."""
        return not self.unmet(categories, hospital_level, visit_type, diseases, **facts)

    def parts(self, hospital_names: Mapping[str, str] | None = None) -> dict[str, str]:
        """Each part of the condition as Chinese text, keyed as ``unmet`` names them, in reading
        order. Hospitals show by name where ``hospital_names`` knows the code, else by code."""
        parts = {}
        if self.categories is not None:
            parts["categories"] = "身份类别 " + category_names(self.categories)
        if self.hospital_levels is not None:
            parts["hospital_levels"] = "医疗机构 " + "、".join(
                _in_order(self.hospital_levels, HOSPITAL_LEVELS, names=True)
            )
        if self.visit_types is not None:
            parts["visit_types"] = "就诊类型 " + "、".join(_in_order(self.visit_types, VISIT_TYPES, names=True))
        if self.diseases is not None:
            parts["diseases"] = "疾病 " + "、".join(self.diseases)
        if self.hospitals is not None:
            names = hospital_names or {}
            hospitals = (names.get(code) or code for code in sorted(self.hospitals))
            parts["hospitals"] = "医疗机构 " + "、".join(hospitals)
        if self.in_county is not None:
            parts["in_county"] = "县域内就医" if self.in_county else "县域外就医"
        if self.referred is not None:
            parts["referred"] = "按规定转诊" if self.referred else "未按规定转诊"
        if self.sex is not None:
            parts["sex"] = SEXES[self.sex]
        if self.age_range is not None:
            parts["age"] = _age_text(self.age_min, self.age_max)
        if self.date_range is not None:
            parts["date"] = _date_text(self.date_from, self.date_to)
        return parts

    def describe(
        self, hospital_names: Mapping[str, str] | None = None, only: Iterable[str] | None = None
    ) -> str:
        """The condition as Chinese text (``only``: just these parts), e.g. "女性；年龄 17 周岁及以下"."""
        parts = self.parts(hospital_names)
        if only is not None:
            wanted = set(only)
            parts = {key: text for key, text in parts.items() if key in wanted}
        return "；".join(parts.values()) or "所有账单"

    @cached_property
    def description(self) -> str:
        return self.describe()


def within(value: Any, low: Any, high: Any) -> bool:
    """``value`` is known and lies in [low, high] (an absent bound does not limit)."""
    return value is not None and (low is None or value >= low) and (high is None or value <= high)


def _age_text(low: int | None, high: int | None) -> str:
    if high is None:
        return f"年龄 {low} 周岁及以上"
    if low is None:
        return f"年龄 {high} 周岁及以下"
    if low == high:
        return f"年龄 {low} 周岁"
    return f"年龄 {low} 至 {high} 周岁"


def _date_text(start: datetime.date | None, end: datetime.date | None) -> str:
    if end is None:
        return f"{start.isoformat()} 起"
    if start is None:
        return f"{end.isoformat()} 止"
    if start == end:
        return f"{start.isoformat()} 当日"
    return f"{start.isoformat()} 至 {end.isoformat()}"


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
    when: RuleCondition | None = None  # the layer's own condition; None: every bill
    scope: str = "visit"
    terms: LayerTerms = LayerTerms()
    rules: tuple[Rule, ...] = ()

    @property
    def conditions(self) -> tuple[RuleCondition, ...]:
        """The layer's own ``when`` (if any) and its rules' ``when``s."""
        whens = tuple(rule.when for rule in self.rules)
        return whens if self.when is None else (self.when, *whens)


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


class Threshold(NamedTuple):
    """A monitored person's threshold for a year (monitoring.md, "Thresholds")."""

    amount: Decimal  # share × reference income, half up to the fen
    label: str  # the label of the rule that gave it


@dataclass(frozen=True)
class Monitoring:
    reference_income: Decimal
    rules: tuple[MonitoringRule, ...]
    warn_at: Decimal = DEFAULT_WARN_AT  # a warning from this share of the threshold

    def threshold_for(self, categories: Iterable[str]) -> Threshold | None:
        """See ``monitoring_threshold``."""
        held = frozenset(categories)
        chosen = None
        for rule in self.rules:
            if not rule.categories.isdisjoint(held) and (chosen is None or rule.share < chosen.share):
                chosen = rule
        if chosen is None:
            return None
        amount = (chosen.share * self.reference_income).quantize(CENT, rounding=ROUND_HALF_UP)
        return Threshold(amount, chosen.label)

    def level_for(self, burden: Decimal, threshold: Decimal) -> str | None:
        """See ``monitoring_level``; with this block's ``warn_at``."""
        return monitoring_level(burden, threshold, self.warn_at)


def monitoring_threshold(monitoring: Monitoring | None, categories: Iterable[str]) -> Threshold | None:
    """The threshold of a person who held ``categories`` (on any day of the year), or None when not
    monitored (no block, or no rule names a category they held).

    The amount is ``share × reference_income`` of the rule with the smallest share among those
    naming a category they held (the first such rule in policy order on a tie), rounded half up to
    the fen; the label is that rule's.
    """
    if monitoring is None:
        return None
    return monitoring.threshold_for(categories)


def monitoring_level(burden: Decimal, threshold: Decimal, warn_at: Decimal = DEFAULT_WARN_AT) -> str | None:
    """``over`` when burden > threshold, ``warning`` when burden ≥ warn_at × threshold (compared
    exactly, not rounded), else None. A burden of 0 has no level, even against a threshold of 0."""
    if burden <= 0:
        return None
    if burden > threshold:
        return LEVEL_OVER
    if burden >= warn_at * threshold:
        return LEVEL_WARNING
    return None


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
    until_year: int | None = None  # the last calendar year it settles; None: ``year`` alone

    @cached_property
    def layer_codes(self) -> frozenset[str]:
        return frozenset(layer.code for layer in self.layers)

    @property
    def last_year(self) -> int:
        return self.year if self.until_year is None else self.until_year

    def covers_year(self, year: int) -> bool:
        """Whether the policy settles claims of this calendar year (``year`` through ``until_year``)."""
        return self.year <= year <= self.last_year

    @cached_property
    def hospital_codes(self) -> frozenset[str]:
        """Every hospital code a condition of the policy names (a layer's or a rule's ``when``)."""
        return frozenset(
            code
            for layer in self.layers
            for condition in layer.conditions
            if condition.hospitals is not None
            for code in condition.hospitals
        )


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


def _age(value: Any) -> int:
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise _Invalid(NOT_AGE)
    return value


def _date(value: Any) -> datetime.date:
    if not isinstance(value, str) or not _DATE_TEXT.fullmatch(value):
        raise _Invalid(NOT_DATE)
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise _Invalid(NOT_DATE) from None


def parse_decimal(value: Any) -> Decimal:
    """A finite Decimal from decimal text ("1234.50"), an int, a Decimal, or a float that a JSON
    reader made of a number; ValueError otherwise. Text in exponent form or with spaces is refused."""
    if isinstance(value, float):
        value = repr(value)  # the shortest text that reads back as this float: the JSON's own digits
    if isinstance(value, str):
        if not _DECIMAL_TEXT.fullmatch(value):
            raise ValueError(value)
        return Decimal(value)
    if isinstance(value, bool):
        raise ValueError(value)
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


def _warn_at(value: Any) -> Decimal:
    ratio = _decimal(value, NOT_WARN_AT)
    if not 0 < ratio <= 1:
        raise _Invalid(NOT_WARN_AT)
    return ratio


def _list(value: Any) -> list:
    if not isinstance(value, list) or not value:
        raise _Invalid(NOT_LIST)
    return value


def _free_codes(value: Any) -> frozenset[str]:
    """Category or hospital codes: free strings, since both are tables an administrator extends.
    Spaces around a code are dropped: " 500242-ZYY" would otherwise never match a bill."""
    items = _list(value)
    for position, item in enumerate(items, 1):
        if not isinstance(item, str) or not item.strip():
            raise _Invalid(NOT_TEXT, f"[{position}]")
    return frozenset(item.strip() for item in items)


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
    "hospitals": _free_codes,
    "in_county": _bool,
    "referred": _bool,
    "sex": _choice(SEXES),
    "age_min": _age,
    "age_max": _age,
    "date_from": _date,
    "date_to": _date,
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
        until_year = self.get(data, "until_year", _year, default=None, nullable=True)
        if until_year not in (None, _BAD) and year is not _BAD and until_year < year:
            self.issue(None, "until_year", UNTIL_BEFORE_YEAR.format(year=year))
        note = self.get(data, "note", _string, default="")
        enrollment = self.get(data, "enrollment", self.enrollment, default=None)
        monitoring = self.get(data, "monitoring", self.monitoring, default=None)
        layers = self.get(data, "layers", self.layers)
        if self.issues:
            return None
        return Policy(code, name, region_code, year, layers, note, enrollment, monitoring, until_year)

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
            "when": self.get(
                data,
                "when",
                partial(self.when, label=label, field="when"),
                layer=label,
                default=None,
                nullable=True,
            ),
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
        if fields["when"] == RuleCondition():
            fields["when"] = None  # an empty condition: every bill, as without one
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
        reversed_ranges = [
            (low, message)
            for low, high, message in (
                ("age_min", "age_max", AGE_RANGE_REVERSED), ("date_from", "date_to", DATE_RANGE_REVERSED)
            )
            if read.get(low) is not None and read.get(high) is not None and read[low] > read[high]
        ]
        for low, message in reversed_ranges:
            self.issue(label, f"{field}.{low}", message)
        return _BAD if reversed_ranges else RuleCondition(**read)

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
        warn_at = self.get(data, "warn_at", _warn_at, prefix="monitoring.", default=DEFAULT_WARN_AT)
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
        return Monitoring(reference_income, tuple(rules), warn_at)


def parse_policy(data: dict) -> Policy:
    """Validate a decoded policy document; raise ``PolicyError`` listing every problem."""
    parser = _Parser()
    policy = parser.policy(data)
    if parser.issues:
        raise PolicyError(parser.issues)
    return policy


# --- Canonical form -------------------------------------------------------------------------------


def money_text(amount: Decimal) -> str:
    text = str(amount)
    # Already two decimals, as the engine's amounts are: the text as it is (a point third from the
    # end means plain notation, never an exponent), without quantizing it again.
    return text if text[-3:-2] == "." else str(amount.quantize(CENT))


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


def _when_to_dict(condition: RuleCondition) -> dict:
    when: dict[str, Any] = {}
    if condition.categories is not None:
        when["categories"] = sorted(condition.categories)
    if condition.hospital_levels is not None:
        when["hospital_levels"] = _in_order(condition.hospital_levels, HOSPITAL_LEVELS)
    if condition.visit_types is not None:
        when["visit_types"] = _in_order(condition.visit_types, VISIT_TYPES)
    if condition.diseases is not None:
        when["diseases"] = list(condition.diseases)
    if condition.hospitals is not None:
        when["hospitals"] = sorted(condition.hospitals)
    for key in ("in_county", "referred", "sex", "age_min", "age_max"):
        if getattr(condition, key) is not None:
            when[key] = getattr(condition, key)
    for key in ("date_from", "date_to"):
        if getattr(condition, key) is not None:
            when[key] = getattr(condition, key).isoformat()
    return when


def _rule_to_dict(rule: Rule) -> dict:
    when = _when_to_dict(rule.when)
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
    if layer.when is not None:
        doc["when"] = _when_to_dict(layer.when)
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
    their own order); every amount is spelled out, including defaults, except a monitoring
    ``warn_at`` of 0.8 (left out, so that documents written before it existed keep their digest).
    """
    doc: dict[str, Any] = {
        "code": policy.code,
        "name": policy.name,
        "region_code": policy.region_code,
        "year": policy.year,
    }
    if policy.until_year is not None:
        doc["until_year"] = policy.until_year
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
        # The default is left out, so that documents written before warn_at keep their digest.
        if policy.monitoring.warn_at != DEFAULT_WARN_AT:
            doc["monitoring"]["warn_at"] = ratio_text(policy.monitoring.warn_at)
    doc["layers"] = [_layer_to_dict(layer) for layer in policy.layers]
    return doc
