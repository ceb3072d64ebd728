from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from beneficiaries.models import Category, Insurance
from policies.document import HOSPITAL_LEVELS, VISIT_TYPES
from policies.models import PolicyVersion


def money_field(label: str, required: bool = True) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, max_digits=14, decimal_places=2, min_value=Decimal("0"), required=required,
        error_messages={"max_decimal_places": "金额最多两位小数。", "min_value": "金额不能为负数。",
                        "invalid": "请输入金额（元）。", "required": "请填写金额。"},
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )


class BillForm(forms.Form):
    """A bill's facts as the engine needs them; shared by the 明白卡 page and the clerk's claim form."""

    visit_type = forms.ChoiceField(label="就诊类型", choices=list(VISIT_TYPES.items()), initial="inpatient")
    hospital_level = forms.ChoiceField(label="医疗机构级别", choices=list(HOSPITAL_LEVELS.items()), initial="county")
    diseases = forms.CharField(label="诊断编码（ICD-10，多个用逗号分隔）", required=False, max_length=200)
    total = money_field("总费用（元）")
    in_catalog = money_field("政策范围内费用（元）")

    def clean_diseases(self):
        text = self.cleaned_data["diseases"].replace("，", ",").replace("；", ",").replace(";", ",")
        return tuple(code.strip().upper() for code in text.split(",") if code.strip())

    def clean(self):
        cleaned = super().clean()
        total, in_catalog = cleaned.get("total"), cleaned.get("in_catalog")
        if total is not None and in_catalog is not None and in_catalog > total:
            self.add_error("in_catalog", "政策范围内费用不能超过总费用。")
        return cleaned


def recorded_fields(form: forms.Form, layers) -> None:
    """One optional field per layer for amounts the national platform already settled."""
    for layer in layers:
        form.fields[f"recorded_{layer.code}"] = money_field(f"{layer.name}（平台已结算）", required=False)


def recorded_amounts(cleaned: dict, layers) -> dict[str, Decimal]:
    return {layer.code: cleaned[f"recorded_{layer.code}"] for layer in layers
            if cleaned.get(f"recorded_{layer.code}") is not None}


class CalculatorForm(BillForm):
    version = forms.ModelChoiceField(label="报销政策", queryset=PolicyVersion.objects.none(), empty_label=None)
    date = forms.DateField(label="出院/就诊日期", widget=forms.DateInput(attrs={"type": "date"}))
    categories = forms.ModelMultipleChoiceField(
        label="身份类别", queryset=Category.objects.all(), required=False, widget=forms.CheckboxSelectMultiple,
        to_field_name="code",
    )
    insurances = forms.ModelMultipleChoiceField(
        label="参保险种", queryset=Insurance.objects.all(), required=False, widget=forms.CheckboxSelectMultiple,
        to_field_name="code",
    )
    hospital = forms.ChoiceField(label="医疗机构", required=False, choices=[("", "其他医疗机构")])
    in_county = forms.BooleanField(label="县域内医疗机构", required=False)
    referred = forms.BooleanField(label="按规定转诊（或已办异地就医备案）", required=False)
    birth_date = forms.DateField(
        label="出生日期（按年龄的政策用）", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sex = forms.ChoiceField(label="性别", required=False, choices=[("", "不指定"), ("female", "女"), ("male", "男")])
    field_order = ["version", "date", "visit_type", "hospital_level", "hospital", "in_county", "referred",
                   "categories", "insurances", "birth_date", "sex", "diseases", "total", "in_catalog"]

    def __init__(self, *args, versions, policy=None, hospital_names=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = versions
        self.policy = policy
        if policy is not None:
            recorded_fields(self, policy.layers)
            # The hospitals the policy names by code: a bill elsewhere is "其他医疗机构".
            names = hospital_names or {}
            self.fields["hospital"].choices += sorted(
                ((code, names.get(code, code)) for code in policy.hospital_codes), key=lambda choice: choice[1]
            )

    def clean_date(self):
        date = self.cleaned_data["date"]
        version = self.cleaned_data.get("version")
        if version is not None:
            first, last = version.policy.year, version.policy.until_year or version.policy.year
            if not first <= date.year <= last:
                years = f"{first}–{last}" if last != first else f"{first}"
                raise ValidationError(f"该政策适用于 {years} 年的账单。")
        return date
