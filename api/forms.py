from __future__ import annotations

from django import forms

from accounts.models import User
from api.models import Partner, Scope
from ledgers.forms import area_choices


class PartnerForm(forms.ModelForm):
    """A partner as an administrator sets it up: the area by name, the scopes as boxes to tick.

    The view hands the instance to ``api.services.partner_save``, which decides what may be saved.
    """

    area = forms.ChoiceField(label="区域", help_text="对接系统只能读写这一区域内的数据。")
    scopes = forms.MultipleChoiceField(label="权限范围", choices=Scope.choices, widget=forms.CheckboxSelectMultiple)
    field_order = ["name", "kind", "area", "scopes", "rate_limit", "contact"]

    class Meta:
        model = Partner
        fields = ["name", "kind", "rate_limit", "contact"]
        help_texts = {
            "name": "如“县医保信息平台”“县民政局低保系统”。",
            "rate_limit": "超过后接口答复 429，并告知需等待的秒数。",
            "contact": "对接系统一方的联系人和电话，密钥出问题时联系。",
        }

    def __init__(self, *args, actor: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = area_choices(actor)
        if self.instance.pk:
            self.initial.update(area=self.instance.area_id, scopes=self.instance.scopes)
        else:
            self.initial.update(area=actor.area_id or "")

    def partner(self) -> Partner:
        """The instance with the area and scopes written in (not saved)."""
        partner = self.instance
        partner.area_id = self.cleaned_data["area"] or None
        partner.scopes = self.cleaned_data["scopes"]
        return partner


class RevokeForm(forms.Form):
    reason = forms.CharField(label="吊销原因", max_length=200,
                             help_text="如“对接系统停用”“密钥可能泄露”；记入该对接系统的变更记录。")
