"""The policy editor: a form per layer, per band and per rule over one policy document.

The forms edit a copy of the document they were drawn from (``base``): what they show is written back into
it, and every key they do not show (a layer's own ``when``, a rule's conditions on age, sex or date, the
enrollment and monitoring blocks…) is kept as it is, so an expert edits those in the JSON. Money and ratios
are taken as typed: the document's own validation (``parse_policy``) judges them, and each of its
messages is put back at the field it names (``PolicyEditor.place``), in the document's own words.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django import forms

from policies.document import (
    _CODE,
    BASES,
    FUNDS,
    HOSPITAL_LEVELS,
    OPTIONAL_TERMS,
    SCOPES,
    VISIT_TYPES,
    PolicyError,
    PolicyIssue,
    parse_policy,
)

NO_LIMIT = "不封顶"  # typed in a rule's cap: the rule removes the layer's cap (null in the document)
MONEY_KEYS = ("deductible", "min_base", "cap_per_visit", "cap_per_year")
TERM_KEYS = (*MONEY_KEYS, "base_share_of_total")
LIST_SEPARATORS = re.compile(r"[\s,，、;；]+")


def _text_field(label: str, help_text: str = "") -> forms.CharField:
    return forms.CharField(label=label, required=False, help_text=help_text,
                           widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 10}))


def _checkboxes(label: str, choices) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(label=label, required=False, choices=choices,
                                     widget=forms.CheckboxSelectMultiple)


def _with_codes(choices: list[tuple[str, str]], codes: Iterable[str]) -> list[tuple[str, str]]:
    """The choices, plus codes the document uses that the table does not know (shown by code)."""
    known = {code for code, _ in choices}
    return choices + [(code, code) for code in sorted(set(codes) - known)]


class HeadForm(forms.Form):
    name = forms.CharField(label="政策名称", required=False, widget=forms.TextInput(attrs={"size": 40}))
    until_year = forms.CharField(label="适用至年度", required=False,
                                 help_text="多年度（过渡期）政策的最后一年；留空为只适用于本年度。")


class NoteForm(forms.Form):
    note = forms.CharField(label="修订说明", max_length=200, widget=forms.TextInput(attrs={"size": 60}),
                           error_messages={"required": "请填写修订说明：这一版改了什么、依据哪个文件。"})


class BandForm(forms.Form):
    upto = _text_field("分段上限（元）", "最后一段留空（以上不限）")
    ratio = _text_field("比例", "0 到 1，如 0.7 即 70%")

    def is_blank(self) -> bool:
        return not (self.cleaned_data["upto"] or self.cleaned_data["ratio"])

    def band(self) -> dict:
        return {"upto": self.cleaned_data["upto"] or None, "ratio": self.cleaned_data["ratio"]}


class LayerForm(forms.Form):
    code = forms.CharField(label="层编码", required=False, widget=forms.TextInput(attrs={"size": 16}),
                           help_text="字母、数字、下划线；在政策内唯一")
    name = forms.CharField(label="名称", required=False, widget=forms.TextInput(attrs={"size": 24}))
    fund = forms.ChoiceField(label="支付资金", required=False, choices=[("", "请选择"), *FUNDS.items()])
    base = forms.ChoiceField(label="计算基数", required=False, choices=[("", "请选择"), *BASES.items()])
    scope = forms.ChoiceField(label="起付线和分段", required=False, choices=list(SCOPES.items()))
    visit_types = _checkboxes("就诊类型", list(VISIT_TYPES.items()))
    hospital_levels = _checkboxes("医疗机构级别", list(HOSPITAL_LEVELS.items()))
    categories = _checkboxes("身份类别（都不选：不限）", [])
    insurance = forms.ChoiceField(label="参保险种", required=False)
    deductible = _text_field("起付线（元）")
    min_base = _text_field("起付门槛（元）", "单次计算基数超过此数才支付")
    base_share_of_total = _text_field("计算基数上限（比例）", "不超过总费用的这一比例，如 0.3；留空不限")
    cap_per_visit = _text_field("单次封顶（元）", "留空不封顶")
    cap_per_year = _text_field("年度封顶（元）", "留空不封顶")
    delete = forms.BooleanField(label="删除此层", required=False)

    def __init__(self, *args, categories, insurances, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["categories"].choices = categories
        self.fields["insurance"].choices = [("", "不限"), *insurances]

    def is_blank(self) -> bool:
        return not (self.cleaned_data["code"] or self.cleaned_data["name"])


class RuleForm(forms.Form):
    when_categories = _checkboxes("身份类别", [])
    when_hospital_levels = _checkboxes("医疗机构级别", list(HOSPITAL_LEVELS.items()))
    when_visit_types = _checkboxes("就诊类型", list(VISIT_TYPES.items()))
    when_diseases = forms.CharField(label="疾病（ICD-10 编码开头）", required=False,
                                    help_text="多个用逗号或空格分隔，如 C34 I10")
    when_hospitals = forms.CharField(label="医疗机构编码", required=False, help_text="多个用逗号或空格分隔")
    set_skip = forms.BooleanField(label="本层不适用", required=False)
    set_deductible = _text_field("起付线（元）")
    set_min_base = _text_field("起付门槛（元）")
    set_base_share_of_total = _text_field("计算基数上限（比例）", f"填“{NO_LIMIT}”取消")
    set_cap_per_visit = _text_field("单次封顶（元）", f"填“{NO_LIMIT}”取消封顶")
    set_cap_per_year = _text_field("年度封顶（元）", f"填“{NO_LIMIT}”取消封顶")
    delete = forms.BooleanField(label="删除此规则", required=False)

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["when_categories"].choices = categories

    def is_blank(self) -> bool:
        return not any(value for name, value in self.cleaned_data.items() if name != "delete")


@dataclass
class BandRows:
    """The band forms of a layer or of a rule's ``set``, and the errors about the bands as a whole."""

    forms: list[BandForm]
    errors: list[str] = field(default_factory=list)
    kept: list[BandForm] = field(default_factory=list)  # the rows in the document, in order

    def bands(self) -> list[dict]:
        self.kept = [form for form in self.forms if not form.is_blank()]
        return [form.band() for form in self.kept]


@dataclass
class RuleBlock:
    form: RuleForm
    bands: BandRows
    extra: bool  # the empty form for a new rule
    errors: list[str] = field(default_factory=list)


@dataclass
class LayerBlock:
    form: LayerForm
    bands: BandRows
    rules: list[RuleBlock]
    extra: bool  # the empty form for a new layer
    kept_rules: list[RuleBlock] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return bool(self.form.errors or self.bands.errors or any(f.errors for f in self.bands.forms)
                    or any(r.form.errors or r.errors or r.bands.errors or any(f.errors for f in r.bands.forms)
                           for r in self.rules))


def _band_rows(bands: list[dict] | None, data, prefix: str) -> BandRows:
    bands = bands if isinstance(bands, list) else []
    rows = [b if isinstance(b, dict) else {} for b in bands] + [{}]  # one empty row to add a band
    return BandRows([
        BandForm(data, prefix=f"{prefix}-band-{n}",
                 initial={"upto": _shown(row.get("upto")), "ratio": _shown(row.get("ratio"))})
        for n, row in enumerate(rows)
    ])


def _shown(value) -> str:
    return "" if value is None else str(value)


def _codes(value) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else []


def _put(target: dict, key: str, value) -> None:
    """Set ``key``, or take it out when the form left it empty (the document's default applies)."""
    if value in ("", None, []):
        target.pop(key, None)
    else:
        target[key] = value


def _split(text: str) -> list[str]:
    return [item for item in LIST_SEPARATORS.split(text) if item]


def _year(text: str):
    return int(text) if text.isascii() and text.isdigit() else text


class PolicyEditor:
    """The forms for one document (``base``), bound to ``data`` when posted."""

    def __init__(self, base: dict, data=None, *, categories: list[tuple[str, str]],
                 insurances: list[tuple[str, str]]):
        self.base = base
        self.data = data
        layers = base.get("layers") if isinstance(base.get("layers"), list) else []
        self.base_layers = [layer if isinstance(layer, dict) else {} for layer in layers]
        used = {code for layer in self.base_layers for code in _codes(layer.get("categories"))}
        used |= {code for layer in self.base_layers for rule in _rules(layer)
                 for code in _codes(_dict(rule.get("when")).get("categories"))}
        self.categories = _with_codes(categories, used)
        self.insurances = _with_codes(insurances, {layer["insurance"] for layer in self.base_layers
                                                   if isinstance(layer.get("insurance"), str)})
        self.head = HeadForm(data, initial={"name": base.get("name", ""),
                                            "until_year": _shown(base.get("until_year"))})
        self.layers = [self._layer_block(layer, n, extra=False) for n, layer in enumerate(self.base_layers)]
        self.layers.append(self._layer_block({}, len(self.base_layers), extra=True))
        self.messages: list[str] = []  # problems no field shows
        self.placed: list[tuple[LayerBlock, dict]] = []  # the layers written into the document, in order

    def _layer_block(self, layer: dict, n: int, *, extra: bool) -> LayerBlock:
        prefix = f"layer-{n}"
        initial = {key: _shown(layer.get(key)) for key in ("code", "name", "fund", "base", "insurance", *TERM_KEYS)}
        initial["scope"] = layer.get("scope", "visit")
        initial["visit_types"] = _codes(layer.get("visit_types")) or list(VISIT_TYPES)
        initial["hospital_levels"] = _codes(layer.get("hospital_levels")) or list(HOSPITAL_LEVELS)
        initial["categories"] = _codes(layer.get("categories"))
        form = LayerForm(self.data, prefix=prefix, initial=initial, categories=self.categories,
                         insurances=self.insurances)
        rules = [self._rule_block(rule, f"{prefix}-rule-{k}", extra=False) for k, rule in enumerate(_rules(layer))]
        rules.append(self._rule_block({}, f"{prefix}-rule-{len(rules)}", extra=True))
        return LayerBlock(form, _band_rows(layer.get("bands"), self.data, prefix), rules, extra)

    def _rule_block(self, rule: dict, prefix: str, *, extra: bool) -> RuleBlock:
        when, settings = _dict(rule.get("when")), _dict(rule.get("set"))
        initial = {
            "when_categories": _codes(when.get("categories")),
            "when_hospital_levels": _codes(when.get("hospital_levels")),
            "when_visit_types": _codes(when.get("visit_types")),
            "when_diseases": " ".join(_codes(when.get("diseases"))),
            "when_hospitals": " ".join(_codes(when.get("hospitals"))),
            "set_skip": settings.get("skip") is True,
            **{f"set_{key}": NO_LIMIT if key in settings and settings[key] is None else _shown(settings.get(key))
               for key in TERM_KEYS},
        }
        form = RuleForm(self.data, prefix=prefix, initial=initial, categories=self.categories)
        return RuleBlock(form, _band_rows(settings.get("bands"), self.data, prefix), extra)

    def all_forms(self) -> list[forms.Form]:
        found: list[forms.Form] = [self.head]
        for block in self.layers:
            found += [block.form, *block.bands.forms]
            for rule in block.rules:
                found += [rule.form, *rule.bands.forms]
        return found

    def document(self) -> dict | None:
        """The base document with the forms' values written in; None when a form itself is invalid."""
        if not all([form.is_valid() for form in self.all_forms()]):  # every form, so each shows its errors
            return None
        document = copy.deepcopy(self.base)
        _put(document, "name", self.head.cleaned_data["name"])
        _put(document, "until_year", _year(self.head.cleaned_data["until_year"]))
        layers = []
        for block, base in zip(self.layers, [*self.base_layers, {}]):
            if block.form.cleaned_data["delete"] or (block.extra and block.form.is_blank()):
                continue
            layers.append((block, self._layer(block, copy.deepcopy(base))))
        document["layers"] = [layer for _, layer in layers]
        self.placed = layers
        return document

    def _layer(self, block: LayerBlock, layer: dict) -> dict:
        data = block.form.cleaned_data
        for key in ("code", "name", "fund", "base", "insurance", *TERM_KEYS):
            _put(layer, key, data[key])
        layer["scope"] = data["scope"] or "visit"
        for key, vocabulary in (("visit_types", VISIT_TYPES), ("hospital_levels", HOSPITAL_LEVELS)):
            # Every box ticked is the document's "all" (the key left out); none ticked is refused there.
            if set(data[key]) == set(vocabulary):
                layer.pop(key, None)
            else:
                layer[key] = [code for code in vocabulary if code in data[key]]
        _put(layer, "categories", sorted(data["categories"]))
        _put(layer, "bands", block.bands.bands())
        rules = []
        block.kept_rules = []
        for rule_block, base in zip(block.rules, [*_rules(layer), {}]):
            if rule_block.form.cleaned_data["delete"] or (rule_block.extra and rule_block.form.is_blank()):
                continue
            rules.append(self._rule(rule_block, copy.deepcopy(base)))
            block.kept_rules.append(rule_block)
        _put(layer, "rules", rules)
        return layer

    @staticmethod
    def _rule(block: RuleBlock, rule: dict) -> dict:
        data = block.form.cleaned_data
        when = _dict(rule.get("when"))
        for key in ("categories", "hospital_levels", "visit_types"):
            _put(when, key, sorted(data[f"when_{key}"]))
        for key in ("diseases", "hospitals"):
            _put(when, key, _split(data[f"when_{key}"]))
        settings = _dict(rule.get("set"))
        _put(settings, "skip", data["set_skip"] or None)
        for key in TERM_KEYS:
            value = data[f"set_{key}"]
            if value == NO_LIMIT and key in OPTIONAL_TERMS:
                settings[key] = None
            else:
                _put(settings, key, value)
        _put(settings, "bands", block.bands.bands())
        return {**rule, "when": when, "set": settings}

    def check(self, document: dict) -> list[PolicyIssue]:
        """The document's problems, each also put at the field it names."""
        try:
            parse_policy(document)
        except PolicyError as exc:
            for issue in exc.errors:
                self.place(issue)
            return exc.errors
        return []

    def place(self, issue: PolicyIssue) -> None:
        if issue.layer is None:
            if issue.field in ("name", "until_year"):
                self.head.add_error(issue.field, issue.message)
            else:
                self.messages.append(str(issue))
            return
        block = self._block_of(issue.layer)
        if block is None:
            self.messages.append(str(issue))
            return
        rule = re.fullmatch(r"rules\[(\d+)\]\.(when|set)\.(\w+)(.*)", issue.field)
        if rule:
            position = int(rule[1])
            if position > len(block.kept_rules):
                self.messages.append(str(issue))
                return
            target = block.kept_rules[position - 1]
            if rule[2] == "set" and rule[3] == "bands":
                _place_band(target.bands, rule[4], issue.message)
            elif f"{rule[2]}_{rule[3]}" in target.form.fields:
                target.form.add_error(f"{rule[2]}_{rule[3]}", issue.message)
            else:
                target.errors.append(f"{issue.field}：{issue.message}")
            return
        key = re.match(r"\w+", issue.field)
        key = key[0] if key else ""
        if key == "bands":
            _place_band(block.bands, issue.field[len("bands"):], issue.message)
        elif key in block.form.fields and key != "delete":
            block.form.add_error(key, issue.message)
        else:
            block.form.add_error(None, str(issue))

    def _block_of(self, label: str) -> LayerBlock | None:
        """The layer form a label of ``PolicyIssue`` names: its code, or ``#n`` (position in the document)."""
        for position, (block, layer) in enumerate(self.placed, 1):
            code = layer.get("code")
            own = code if isinstance(code, str) and _CODE.fullmatch(code) else f"#{position}"
            if own == label:
                return block
        return None


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _rules(layer: dict) -> list[dict]:
    rules = layer.get("rules")
    return [rule if isinstance(rule, dict) else {} for rule in rules] if isinstance(rules, list) else []


def _place_band(rows: BandRows, rest: str, message: str) -> None:
    """A band's problem at its row and column (``[2].ratio``), or about the bands as a whole."""
    match = re.fullmatch(r"\[(\d+)\]\.(upto|ratio)", rest)
    if match and int(match[1]) <= len(rows.kept):
        rows.kept[int(match[1]) - 1].add_error(match[2], message)
    else:
        rows.errors.append(message)
