import uuid

from django import forms

from claims.models import Claim, Hospital
from claims.services import TOWNSHIP_OUT_OF_COUNTY
from config.pickers import PickerSelect, PinyinModelChoiceField
from policies.document import FUNDS, VISIT_TYPES
from policies.forms import money_field
from regions.models import Region

# Dates are typed as the bill prints them, 20170803 or 2017-08-03, in a text box: a date input's segments
# follow the browser's language (month first in an English one), so the same keys would give another date.
DATE = forms.DateInput(attrs={"placeholder": "如 20170803", "autocomplete": "off"}, format="%Y-%m-%d")
DATE_FORMATS = ["%Y-%m-%d", "%Y%m%d", "%Y/%m/%d", "%Y.%m.%d"]
DATE_ERRORS = {"invalid": "日期应写作 20170803 或 2017-08-03。"}


class ClaimForm(forms.Form):
    # The first field of the form (focused on load), searched by name, pinyin initials or the hospital's code.
    hospital = PinyinModelChoiceField(
        label="医疗机构", queryset=Hospital.accepted.all(), empty_label="请选择",
        widget=PickerSelect(attrs={"autofocus": True}, extra=lambda value: value.instance.code),
    )
    visit_type = forms.ChoiceField(label="就诊类型", choices=list(VISIT_TYPES.items()), initial="inpatient")
    admitted_on = forms.DateField(label="入院日期（住院）", required=False, widget=DATE, input_formats=DATE_FORMATS,
                                  error_messages=DATE_ERRORS)
    discharged_on = forms.DateField(label="出院日期 / 就诊日期", widget=DATE, input_formats=DATE_FORMATS,
                                    error_messages=DATE_ERRORS | {"required": "请填写出院日期或就诊日期。"})
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

    @staticmethod
    def initial_for(user, today) -> dict:
        """Today's date and the hospital of the clerk's latest window bill: a clerk at a hospital's desk
        enters that hospital's bills all day."""
        last = (Claim.objects.filter(entered_by=user, origin=Claim.Origin.WINDOW).order_by("-pk")
                .values_list("hospital", flat=True).first())
        return {"discharged_on": today, "hospital": last}

    def main_fields(self):
        """The fields in the order a clerk reads them off the bill (and Tab / Enter move through them)."""
        return [self[name] for name in self.fields
                if name not in ("submission", "allow_duplicate") and not name.startswith("recorded_")]

    def recorded_fields(self):
        """What the medical insurance platform already paid: only for bills settled there first."""
        return [self[name] for name in self.fields if name.startswith("recorded_")]

    def refused_as_duplicate(self) -> bool:
        """Whether saving was refused as a possible duplicate (the box to confirm it is then shown)."""
        return any(error.code == "duplicate" for error in self.non_field_errors().as_data())

    def recorded_entered(self) -> bool:
        """Whether a platform amount was typed (or refused): its fold then stays open."""
        return any(field.value() not in (None, "") or field.errors for field in self.recorded_fields())

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


PLACES = [("", "暂不分类"), ("in", "县域内"), ("out", "县域外")]
NOTHING_CHOSEN = "请至少为一家医疗机构选择“县域内”或“县域外”。"


class HospitalPlacesForm(forms.Form):
    """The 待分类 hospitals as one form: each 县域内 (with its township, if known) or 县域外; a row left at 暂不分类
    stays 待分类. Nothing is preselected from the list's 县域内 column: the administrator's word is the point."""

    def __init__(self, *args, hospitals, townships, **kwargs):
        super().__init__(*args, **kwargs)
        self.hospitals = list(hospitals)
        self.townships = {region.code: region for region in townships}  # read once for every row's list
        choices = [("", "（不填）"), *((code, region.name) for code, region in self.townships.items())]
        for hospital in self.hospitals:
            place, township = f"{hospital.name}：县域内/县域外", f"{hospital.name}：所在乡镇"
            self.fields[f"place_{hospital.pk}"] = forms.ChoiceField(
                label=place, choices=PLACES, required=False, widget=forms.Select(attrs={"aria-label": place}))
            self.fields[f"township_{hospital.pk}"] = forms.ChoiceField(
                label=township, choices=choices, required=False, widget=forms.Select(attrs={"aria-label": township}))

    def rows(self):
        return [(hospital, self[f"place_{hospital.pk}"], self[f"township_{hospital.pk}"])
                for hospital in self.hospitals]

    def clean(self):
        chosen = False
        for hospital in self.hospitals:
            place = self.cleaned_data.get(f"place_{hospital.pk}")
            chosen = chosen or bool(place)
            if self.cleaned_data.get(f"township_{hospital.pk}") and place != "in":
                self.add_error(f"township_{hospital.pk}", TOWNSHIP_OUT_OF_COUNTY)
        if not chosen:
            raise forms.ValidationError(NOTHING_CHOSEN)
        return self.cleaned_data

    def places(self) -> list[tuple[Hospital, bool, Region | None]]:
        """(hospital, 县域内, township) of each row given a place."""
        return [(hospital, place == "in", self.townships.get(self.cleaned_data[f"township_{hospital.pk}"]))
                for hospital in self.hospitals if (place := self.cleaned_data[f"place_{hospital.pk}"])]


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
