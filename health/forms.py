"""The forms of the health pages. They only read the input; the rules are the services' (health/services.py),
whose refusals the views show on the form they came from."""

from __future__ import annotations

from django import forms

from beneficiaries.pages import TargetForm, date_field, reason_field
from health.models import Disease, DoctorContract, HealthCard, TreatmentCase, TwoDiseaseRecognition, TwoDiseases


class ContractSignForm(forms.Form):
    team = forms.CharField(label="签约团队", max_length=100)
    doctor = forms.CharField(label="签约医生", max_length=50)
    doctor_phone = forms.CharField(label="医生电话", max_length=30, required=False)
    clinic = forms.CharField(label="签约机构", max_length=100, help_text="乡镇卫生院、社区卫生服务中心或村卫生室")
    package = forms.CharField(label="服务包", max_length=100, help_text="如：基础包、慢病包、个性化包")
    signed_on = date_field("签约日期")
    starts_on = date_field("生效日期")
    ends_on = date_field("到期日期")


class ContractRenewForm(TargetForm):
    target = forms.ModelChoiceField(label="续签的签约", queryset=DoctorContract.objects.none(),
                                    help_text="新签约从原签约到期次日起生效，团队、医生、机构和服务包不变")
    signed_on = date_field("续签日期")
    ends_on = date_field("新的到期日期")


class ContractEndForm(TargetForm):
    target = forms.ModelChoiceField(label="解约的签约", queryset=DoctorContract.objects.none())
    ended_on = date_field("解约日期")
    reason = reason_field("解约原因")


class RecordForm(forms.Form):
    number = forms.CharField(label="档案编号", max_length=40)
    established_on = date_field("建档日期")
    institution = forms.CharField(label="建档机构", max_length=100, required=False)


class CardIssueForm(forms.Form):
    number = forms.CharField(label="卡号", max_length=40)
    issued_on = date_field("发放日期")
    handed_over_by = forms.CharField(label="发放人", max_length=50)


class CardRevokeForm(TargetForm):
    target = forms.ModelChoiceField(label="作废的健康卡", queryset=HealthCard.objects.none())
    revoked_on = date_field("作废日期")
    reason = reason_field("作废原因")


class CaseRegisterForm(forms.Form):
    disease = forms.ModelChoiceField(label="病种", queryset=Disease.objects.filter(active=True))
    treatment_class = forms.ChoiceField(label="救治类别", choices=TreatmentCase.TreatmentClass.choices)
    institution = forms.CharField(label="救治机构", max_length=100)
    registered_on = date_field("登记日期")
    note = forms.CharField(label="说明", max_length=200, required=False)


class CaseStatusForm(TargetForm):
    target = forms.ModelChoiceField(label="救治", queryset=TreatmentCase.objects.none())
    status = forms.ChoiceField(label="新状态", choices=TreatmentCase.Status.choices)
    on = date_field("状态日期")
    note = forms.CharField(label="说明", max_length=200, required=False)
    institution = forms.CharField(label="救治机构", max_length=100, required=False, help_text="转诊时填写新的机构")


class RecogniseForm(forms.Form):
    disease = forms.ChoiceField(label="病种", choices=TwoDiseases.choices)
    recognised_on = date_field("认定日期")
    recognised_by = forms.CharField(label="认定医生或机构", max_length=100)
    evidence = forms.CharField(label="认定依据", max_length=200,
                               help_text="如：二级以上医院诊断证明、门诊病历、检验报告")


class WithdrawForm(TargetForm):
    target = forms.ModelChoiceField(label="撤销的认定", queryset=TwoDiseaseRecognition.objects.none())
    withdrawn_on = date_field("撤销日期")
    reason = reason_field("撤销原因")


class DiseaseForm(forms.Form):
    code = forms.SlugField(label="代码", max_length=40,
                           help_text="病种的固定代码：小写字母、数字和连字符，保存后用于命令行和导入")
    name = forms.CharField(label="病种", max_length=100)
    kind = forms.ChoiceField(label="类别", choices=Disease.Kind.choices)
    special = forms.BooleanField(label="大病专项救治病种", required=False)
    icd_codes = forms.CharField(label="ICD-10 编码", max_length=200, required=False,
                                help_text="以空格分隔的编码前缀，诊断编码以其中之一开头即属本病种")
    active = forms.BooleanField(label="启用", required=False, initial=True)
    order = forms.IntegerField(label="排序", min_value=0, max_value=32767, initial=100)
