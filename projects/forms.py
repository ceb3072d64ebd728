"""The forms of the project pages. They only read the input; the rules are the services' (projects/services.py),
whose refusals the views show on the form they came from."""

from __future__ import annotations

from django import forms

from beneficiaries import idnumbers
from beneficiaries.models import LabourCapacity
from beneficiaries.pages import TargetForm, date_field, reason_field
from projects.models import Funding, Participation, Project
from regions.codes import Level
from regions.models import Region


def _money(label: str, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(label=label, max_digits=14, decimal_places=2, **kwargs)


def places(user):
    """The townships and villages of the user's area, where a project may be placed."""
    return (Region.objects.within(user.area_id or "").filter(level__in=[Level.TOWNSHIP, Level.VILLAGE])
            .order_by("code"))


class PlaceField(forms.ModelChoiceField):
    def label_from_instance(self, region):
        return f"{'　' if region.level == Level.VILLAGE else ''}{region.name}（{region.code}）"


class LibraryFilterForm(forms.Form):
    """The library's filters, always bound: the user's area unless a township or village is chosen."""

    area = PlaceField(label="乡镇或村", queryset=Region.objects.none(), required=False, empty_label="全部")
    kind = forms.ChoiceField(label="项目类型", choices=[("", "全部"), *Project.Kind.choices], required=False)
    status = forms.ChoiceField(label="状态", choices=[("", "全部"), *Project.Status.choices], required=False)

    def __init__(self, query, *, user):
        super().__init__({name: query.get(name, "") for name in ("area", "kind", "status")})
        self.fields["area"].queryset = places(user)


class ProjectForm(forms.Form):
    code = forms.CharField(label="项目编号", max_length=40)
    name = forms.CharField(label="项目名称", max_length=200)
    kind = forms.ChoiceField(label="项目类型", choices=Project.Kind.choices)
    area = PlaceField(label="实施地点", queryset=Region.objects.none(), help_text="乡镇，或乡镇下的村")
    lead_department = forms.CharField(label="主管部门", max_length=100)
    description = forms.CharField(label="建设内容", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    planned_start = date_field("计划开工日期", required=False)
    planned_end = date_field("计划完工日期", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = places(user)


class NewProjectForm(ProjectForm):
    status_on = date_field("入库日期", required=False, help_text="项目进入储备库的日期，不填为今天")


class MoveForm(forms.Form):
    status = forms.ChoiceField(label="新状态", choices=Project.Status.choices)
    on = date_field("状态日期")
    note = forms.CharField(label="说明", max_length=200, required=False, help_text="如：批复文号；终止时填写原因")


class FundingForm(forms.Form):
    source = forms.ChoiceField(label="资金来源", choices=Funding.Source.choices)
    amount = _money("金额（元）", help_text="更正时填写差额，冲减填负数")
    arrived_on = date_field("到位日期")
    note = forms.CharField(label="说明", max_length=200, required=False)


class AttachmentForm(forms.Form):
    title = forms.CharField(label="附件名称", max_length=200, help_text="如：实施方案、立项批复、验收报告、现场照片")
    file = forms.FileField(label="文件", help_text="PDF、OFD、Word、Excel、WPS 或 JPG/PNG 图片，不超过 20 MB")


class JoinForm(forms.Form):
    id_number = forms.CharField(label="参与人身份证号", max_length=18)
    role = forms.ChoiceField(label="参与方式", choices=Participation.Role.choices)
    starts_on = date_field("参与日期")

    def clean_id_number(self):
        try:
            return idnumbers.parse(self.cleaned_data["id_number"]).number
        except idnumbers.IdNumberError as exc:
            raise forms.ValidationError(exc.message) from None


class ParticipationChoice(forms.ModelChoiceField):
    def label_from_instance(self, participation):
        return (f"{participation.person.name}：{participation.get_role_display()}，"
                f"{participation.starts_on.isoformat()} 起")


class EndForm(TargetForm):
    target = ParticipationChoice(label="退出的参与人", queryset=Participation.objects.none())
    ends_on = date_field("退出日期")
    reason = reason_field("退出原因")


class IncomeForm(TargetForm):
    target = ParticipationChoice(label="参与人", queryset=Participation.objects.none())
    received_on = date_field("收入日期")
    amount = _money("金额（元）", help_text="更正时填写差额，冲减填负数")
    note = forms.CharField(label="说明", max_length=200, required=False, help_text="如：3 月工资、2026 年度分红")


class CapacityForm(forms.Form):
    capacity = forms.ChoiceField(label="劳动能力", choices=[("", "未登记"), *LabourCapacity.choices], required=False)
