"""The forms of the employment pages. They only read the input; the rules are the services'
(employment/services.py), whose refusals the views show on the form they came from."""

from __future__ import annotations

from django import forms

from beneficiaries.pages import AreaPeriodForm, TargetForm, date_field, reason_field
from employment.models import FollowUpVisit, Placement, SchoolLevel, Support


class AreaDayForm(AreaPeriodForm):
    """The area and the day of the overview and its lists (the user's area and today unless asked otherwise)."""

    quarter = None


class SurveyForm(forms.Form):
    year = forms.IntegerField(label="摸排年度", min_value=2000, max_value=2100)
    school = forms.CharField(label="毕业（就读）学校", max_length=100)
    level = forms.ChoiceField(label="学历层次", choices=SchoolLevel.choices)
    major = forms.CharField(label="专业", max_length=100, required=False)
    graduation_year = forms.IntegerField(label="毕业年份", min_value=1900, max_value=2100,
                                         help_text="在读的填预计毕业年份")
    intention = forms.CharField(label="就业意向", max_length=200, required=False,
                                help_text="如：县内企业、外出务工、事业单位、继续升学")
    wants_business = forms.BooleanField(label="有创业愿望", required=False)
    business_plan = forms.CharField(label="创业意向", max_length=200, required=False)
    needs = forms.CharField(label="帮扶需求", max_length=300, required=False,
                            help_text="如：技能培训、岗位推荐、创业贷款、求职补贴")
    surveyed_on = date_field("摸排日期")
    surveyed_by = forms.CharField(label="摸排人", max_length=50)


class PlacementStartForm(forms.Form):
    kind = forms.ChoiceField(label="安置方式", choices=Placement.Kind.choices)
    employer = forms.CharField(label="用人单位", max_length=100)
    position = forms.CharField(label="岗位", max_length=100, required=False)
    place = forms.CharField(label="就业地点", max_length=100, required=False)
    monthly_wage = forms.DecimalField(label="月工资（元）", max_digits=10, decimal_places=2, required=False)
    starts_on = date_field("上岗日期")


class PlacementEndForm(TargetForm):
    target = forms.ModelChoiceField(label="离岗的安置", queryset=Placement.objects.none())
    ends_on = date_field("离岗日期", help_text="最后一天在岗的日期")
    reason = reason_field("离岗原因")


class SupportForm(forms.Form):
    kind = forms.ChoiceField(label="帮扶措施", choices=Support.Kind.choices)
    given_on = date_field("日期")
    amount = forms.DecimalField(label="金额（元）", max_digits=12, decimal_places=2, required=False,
                                help_text="补助、贷款填写；培训、指导不填")
    provider = forms.CharField(label="经办单位或指导人", max_length=100,
                               help_text="补助的发放单位、贷款银行、培训机构，或一对一指导人")
    detail = forms.CharField(label="内容", max_length=200, required=False, help_text="如：培训项目、贷款期限和贴息比例")


class SupportVoidForm(TargetForm):
    target = forms.ModelChoiceField(label="作废的帮扶记录", queryset=Support.objects.none())
    voided_on = date_field("作废日期")
    reason = reason_field("作废原因")


class VisitForm(TargetForm):
    target = forms.ModelChoiceField(label="回访的安置", queryset=Placement.objects.none())
    visited_on = date_field("回访日期")
    visitor = forms.CharField(label="回访人", max_length=50)
    status = forms.ChoiceField(label="就业状态", choices=FollowUpVisit.Status.choices,
                               help_text="选“已离岗”时，该安置按回访日期登记离岗")
    difficulties = forms.CharField(label="困难和问题", max_length=300, required=False)
    action = forms.CharField(label="采取的措施", max_length=300, required=False)
