from django import forms

from rosters.models import ROSTER_SOURCES


class RosterUploadForm(forms.Form):
    source = forms.ChoiceField(label="名单来源", choices=ROSTER_SOURCES)
    month = forms.CharField(
        label="名单月份",
        widget=forms.DateInput(attrs={"type": "month"}),
        help_text="年-月，例如 2024-05；新增类别从该月 1 日起，退出到上月末止。",
    )
    area = forms.CharField(
        label="比对区域",
        required=False,
        max_length=12,
        help_text="区划代码前缀；不填为您的整个管辖区域。只有区域内的人会被判为退出。",
    )
    category = forms.CharField(
        label="整表类别",
        required=False,
        max_length=100,
        help_text="名单没有类别列、整表同属一个类别时填写（如“特困供养”），否则不填。",
    )
    file = forms.FileField(label="名单文件", help_text="xlsx、xls 或 csv（UTF-8 或 GBK）。")


class ExitConfirmationForm(forms.Form):
    """A list that ends many people's cover is applied only with the number of holdings it ends typed back."""

    confirm_exits = forms.BooleanField(label="我已核对名单完整、区域和类别无误，确认结束这些类别认定", required=True)
    allow_exits = forms.IntegerField(label="将结束的认定数", min_value=0)


class EnrollmentUploadForm(forms.Form):
    year = forms.IntegerField(label="参保年度", min_value=2000, max_value=2100)
    file = forms.FileField(
        label="参保名单文件",
        help_text="xlsx、xls 或 csv；列：身份证号、姓名、险种、参保状态，可选 财政补助金额、未参保原因。",
    )
