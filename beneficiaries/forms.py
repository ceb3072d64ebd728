import json

from django import forms
from django.urls import reverse_lazy

from beneficiaries import selectors
from beneficiaries.models import Beneficiary, Category, Enrollment, Household, Insurance, PovertyCause, Relation
from config.pickers import PickerSelect, RemotePickerSelect, pinyin_order
from regions.codes import Level
from regions.models import Region


def village_choices(user) -> list[tuple[str, str]]:
    """The villages of the user's area as “乡镇 / 村”, in pinyin order (a county has a few hundred)."""
    villages = Region.objects.within(user.area_id or "").filter(level=Level.VILLAGE).select_related("parent")
    labels = [(v.code, f"{v.parent.name} / {v.name}" if v.parent else v.name) for v in villages]
    return [("", "请选择")] + sorted(labels, key=lambda choice: pinyin_order(choice[1]))


class VillageField(forms.CharField):
    """A village chosen by its township's and its own name (or pinyin, or code); the service checks the
    code is one of the user's area."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "所在村")
        kwargs.setdefault("max_length", 12)
        kwargs.setdefault("min_length", 12)
        kwargs.setdefault(
            "error_messages",
            {"min_length": "请选择所在村（村级区划代码应为 12 位数字）。",
             "max_length": "请选择所在村（村级区划代码应为 12 位数字）。",
             "required": "请选择所在村。"},
        )
        kwargs.setdefault("widget", PickerSelect(extra=str, placeholder="输入乡镇或村名、拼音首字母或区划代码"))
        super().__init__(**kwargs)

    def offer(self, user) -> None:
        self.widget.choices = village_choices(user)


class HouseholdField(forms.ModelChoiceField):
    """A household found by its number, or its head's (or a member's) name or ID number, through
    ``household_pick``: never a list of every household of the area."""

    def __init__(self, **kwargs):
        super().__init__(
            queryset=Household.objects.none(), empty_label="（不属于任何家庭户）",
            error_messages={"invalid_choice": "所选家庭户不存在或不在您的管辖区域内，请按户编号或户主姓名重新查找。"},
            widget=RemotePickerSelect(reverse_lazy("household_pick"),
                                      placeholder="输入户编号、户主姓名或身份证号"),
            **kwargs,
        )

    def offer(self, user) -> None:
        self.queryset = selectors.households_labelled(Household.objects.visible_to(user))

    def label_from_instance(self, obj) -> str:
        return selectors.household_label(obj)


class BeneficiaryForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=50)
    id_number = forms.CharField(label="身份证号", max_length=30)
    village_code = VillageField()
    household = HouseholdField(label="家庭户", required=False)
    relation = forms.ChoiceField(label="与户主关系", choices=[("", "——")] + Relation.choices, required=False)
    phone = forms.CharField(label="联系电话", max_length=30, required=False)

    def __init__(self, *args, user, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village_code"].offer(user)
        self.fields["household"].offer(user)
        if editing:
            # The ID number is corrected only by an administrator, through its own form.
            del self.fields["id_number"]


class HouseholdForm(forms.Form):
    number = forms.CharField(label="户编号", max_length=40)
    village_code = VillageField()
    address = forms.CharField(label="住址", max_length=200, required=False)
    poverty_cause = forms.ChoiceField(label="主要致贫原因", choices=[("", "——")] + PovertyCause.choices, required=False)
    phone = forms.CharField(label="联系电话", max_length=30, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village_code"].offer(user)


class StatusForm(forms.Form):
    status = forms.ChoiceField(label="状态", choices=Beneficiary.Status.choices)
    day = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))


class CorrectIdForm(forms.Form):
    id_number = forms.CharField(label="正确的身份证号", max_length=30)
    reason = forms.CharField(label="更正原因", max_length=200)


class HoldingForm(forms.Form):
    category = forms.ModelChoiceField(label="身份类别", queryset=Category.objects.all())
    start = forms.DateField(label="起始日期", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="终止日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label="备注", max_length=200, required=False)


class HoldingEndForm(forms.Form):
    end = forms.DateField(label="终止日期", widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label="备注", max_length=200, required=False)


class EnrollmentForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    insurance = forms.ModelChoiceField(label="险种", queryset=Insurance.objects.all())
    status = forms.ChoiceField(label="参保状态", choices=Enrollment.Status.choices)
    subsidy = forms.DecimalField(label="参保财政补助（元）", max_digits=12, decimal_places=2, min_value=0, initial=0)
    reason = forms.ChoiceField(label="未参保原因", choices=[("", "——")] + Enrollment.Reason.choices, required=False)
    note = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args, person: Beneficiary, today, **kwargs):
        """This year, and the subsidy the policy gives the person for the year and insurance chosen (followed
        in the page as they change, static/js/entry.js, until the clerk types an amount)."""
        super().__init__(*args, **kwargs)
        defaults = selectors.enrollment_subsidy_defaults(person, range(today.year - 1, today.year + 2), today)
        self.fields["subsidy"].widget.attrs.update(
            {"data-defaults": json.dumps(defaults.amounts), "data-defaults-from": "year insurance"}
        )
        self.initial.setdefault("year", today.year)
        if defaults.insurance_id is not None:
            self.initial.setdefault("insurance", defaults.insurance_id)
        chosen = f"{self.initial['year']}|{self.initial.get('insurance', '')}"
        if chosen in defaults.amounts:
            self.initial.setdefault("subsidy", defaults.amounts[chosen])
