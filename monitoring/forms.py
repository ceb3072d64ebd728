from __future__ import annotations

import datetime

from django import forms

from accounts.models import User
from monitoring import selectors
from monitoring.models import Alert, Level
from monitoring.services import NEXT_STATUSES

ANY = [("", "全部")]


class AlertFilterForm(forms.Form):
    """The alert list's filter, always bound (the year defaults to this year)."""

    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    township = forms.ChoiceField(label="乡镇", required=False)
    level = forms.ChoiceField(label="等级", required=False, choices=ANY + Level.choices)
    label = forms.ChoiceField(label="监测类别", required=False)
    status = forms.ChoiceField(label="状态", required=False, choices=ANY + Alert.Status.choices)
    q = forms.CharField(label="姓名/身份证号", required=False, max_length=50)

    def __init__(self, data, *, user: User, today: datetime.date):
        data = data.copy()
        if not data.get("year"):
            data["year"] = str(today.year)
        super().__init__(data)
        self.fields["township"].choices = ANY + [(r.code, r.name) for r in selectors.township_choices(user)]
        self.fields["label"].choices = ANY + [(label, label) for label in selectors.alert_labels(user)]
        self.fields["q"].widget.attrs["placeholder"] = "姓名或身份证号后几位"

    def alert_filter(self) -> selectors.AlertFilter | None:
        if not self.is_valid():
            return None
        data = self.cleaned_data
        return selectors.AlertFilter(
            year=data["year"], township=data["township"], level=data["level"], label=data["label"],
            status=data["status"], query=data["q"].strip(),
        )


class AlertStepForm(forms.Form):
    """The next step of an alert's workflow. Every status is accepted here and only the allowed next ones
    are offered: the service refuses a wrong step (a stale page) with its own message, as it refuses a
    missing note."""

    to = forms.ChoiceField(label="改为", choices=Alert.Status.choices)
    note = forms.CharField(label="说明", required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="核实情况、推送内容或排除理由（必填）")
    office = forms.ChoiceField(label="推送部门", required=False, choices=[("", "—")] + Alert.Office.choices,
                               help_text="推送时填写")
    referred_on = forms.DateField(label="推送日期", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                  help_text="推送时填写")

    def __init__(self, *args, alert: Alert, today: datetime.date, **kwargs):
        kwargs.setdefault("initial", {"referred_on": today.isoformat()})
        super().__init__(*args, **kwargs)
        self.fields["to"].widget.choices = [(s, Alert.Status(s).label) for s in NEXT_STATUSES[alert.status]]
