from django import forms

from claims.models import Hospital


class BatchForm(forms.Form):
    through = forms.DateField(label="出院/就诊日期截至", widget=forms.DateInput(attrs={"type": "date"}),
                              help_text="拨付这一日期（含）之前出院或就诊、在窗口结算且尚未拨付的账单")
    paid_on = forms.DateField(label="拨付日期", widget=forms.DateInput(attrs={"type": "date"}))
    hospital = forms.ModelChoiceField(label="医疗机构", queryset=Hospital.objects.order_by("name"), required=False,
                                      empty_label="全部医疗机构")
    area = forms.CharField(label="区域代码", max_length=12, required=False,
                           help_text="区域代码前缀；不填为您的管辖区域")
    note = forms.CharField(label="备注", max_length=200, required=False)


class BatchConfirmForm(BatchForm):
    """The previewed batch, sent back with what the preview showed, so that a changed plan is refused."""

    expected_lines = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    expected_total = forms.DecimalField(max_digits=16, decimal_places=2, widget=forms.HiddenInput)
