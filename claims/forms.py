import uuid

from django import forms

from claims.models import Hospital
from policies.document import FUNDS, VISIT_TYPES
from policies.forms import money_field

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ClaimForm(forms.Form):
    hospital = forms.ModelChoiceField(label="医疗机构", queryset=Hospital.accepted.all(), empty_label="请选择")
    visit_type = forms.ChoiceField(label="就诊类型", choices=list(VISIT_TYPES.items()), initial="inpatient")
    admitted_on = forms.DateField(label="入院日期（住院）", required=False, widget=DATE)
    discharged_on = forms.DateField(label="出院日期 / 就诊日期", widget=DATE)
    admission_number = forms.CharField(label="住院号 / 门诊号", max_length=40, required=False)
    invoice_number = forms.CharField(label="发票号", max_length=40, required=False)
    diagnoses = forms.CharField(
        label="诊断（每行一个：ICD-10 编码 名称）", required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "I10.x00 高血压"}),
    )
    total = money_field("总费用（元）")
    in_catalog = money_field("政策范围内费用（元）")
    pay_later = forms.BooleanField(label="先诊疗后付费", required=False)
    referred = forms.BooleanField(label="按规定转诊（或已办异地就医备案）", required=False)
    submission = forms.UUIDField(widget=forms.HiddenInput)
    allow_duplicate = forms.BooleanField(label="确认不是重复录入，仍然结算", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["submission"].initial = uuid.uuid4()
        for fund, name in FUNDS.items():
            self.fields[f"recorded_{fund}"] = money_field(f"{name}（医保平台已结算，元）", required=False)

    def clean_diagnoses(self):
        diagnoses = []
        for line in self.cleaned_data["diagnoses"].splitlines():
            parts = line.strip().replace("\u3000", " ").split(None, 1)
            if parts:
                # Only the chapter letter is upper case: the national edition writes extensions as "I10.x00".
                code = parts[0][:1].upper() + parts[0][1:]
                diagnoses.append({"code": code, "name": parts[1].strip() if len(parts) > 1 else ""})
        return tuple(diagnoses)

    def clean(self):
        cleaned = super().clean()
        total, in_catalog = cleaned.get("total"), cleaned.get("in_catalog")
        if total is not None and in_catalog is not None and in_catalog > total:
            self.add_error("in_catalog", "政策范围内费用不能超过总费用。")
        if cleaned.get("visit_type") != "inpatient":
            cleaned["admitted_on"] = None
        elif not cleaned.get("admitted_on"):
            self.add_error("admitted_on", "住院账单请填写入院日期。")
        elif cleaned.get("discharged_on") and cleaned["admitted_on"] > cleaned["discharged_on"]:
            self.add_error("admitted_on", "入院日期不能晚于出院日期。")
        return cleaned

    def recorded_by_fund(self) -> dict:
        return {fund: self.cleaned_data[f"recorded_{fund}"] for fund in FUNDS
                if self.cleaned_data.get(f"recorded_{fund}") is not None}


class VoidForm(forms.Form):
    reason = forms.CharField(label="作废原因", max_length=200)


class ImportForm(forms.Form):
    file = forms.FileField(label="结算清单文件（xlsx / xls / csv）")


class AdjustmentPeriodForm(forms.Form):
    """The dates the 补付/追回 list is filtered by, from the query string."""

    first = forms.DateField(label="从", required=False)
    last = forms.DateField(label="至", required=False)

    def __init__(self, query):
        super().__init__({"first": query.get("from", ""), "last": query.get("to", "")})

    def refusal(self) -> str:
        """The filter's problems in one line, for a 400 page."""
        return "；".join(
            f"“{self.fields[name].label}”日期“{self.data[name]}”无效，应为 YYYY-MM-DD" for name in self.errors
        ) + "。"
