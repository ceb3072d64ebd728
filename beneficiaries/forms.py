from django import forms

from beneficiaries.models import Beneficiary, Category, Enrollment, Household, Insurance, PovertyCause, Relation


class VillageField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", "所在村（12 位区划代码）")
        kwargs.setdefault("max_length", 12)
        kwargs.setdefault("min_length", 12)
        kwargs.setdefault(
            "error_messages",
            {"min_length": "村级区划代码应为 12 位数字。", "max_length": "村级区划代码应为 12 位数字。"},
        )
        super().__init__(**kwargs)


class BeneficiaryForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=50)
    id_number = forms.CharField(label="身份证号", max_length=30)
    village_code = VillageField()
    household = forms.ModelChoiceField(label="家庭户", queryset=Household.objects.none(), required=False)
    relation = forms.ChoiceField(label="与户主关系", choices=[("", "——")] + Relation.choices, required=False)
    phone = forms.CharField(label="联系电话", max_length=30, required=False)

    def __init__(self, *args, user, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household"].queryset = Household.objects.visible_to(user)
        if editing:
            # The ID number is corrected only by an administrator, through its own form.
            del self.fields["id_number"]


class HouseholdForm(forms.Form):
    number = forms.CharField(label="户编号", max_length=40)
    village_code = VillageField()
    address = forms.CharField(label="住址", max_length=200, required=False)
    poverty_cause = forms.ChoiceField(label="主要致贫原因", choices=[("", "——")] + PovertyCause.choices, required=False)
    phone = forms.CharField(label="联系电话", max_length=30, required=False)


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
