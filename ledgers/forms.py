from __future__ import annotations

import datetime

from django import forms

from accounts.models import User
from beneficiaries.models import Category
from config.periods import (
    Period, PeriodError, days_period, parse_month, parse_quarter, quarter_code, year_period,
)
from ledgers.selectors import RESPONSIBILITY_FIELDS, LedgerFilter, region_code_of, responsibility_areas
from regions.codes import Level
from regions.models import Region

LEVEL_DEPTH = {Level.PROVINCE: 0, Level.CITY: 1, Level.COUNTY: 2, Level.TOWNSHIP: 3, Level.VILLAGE: 4}


def area_choices(user: User, regions=None) -> list[tuple[str, str]]:
    """The user's area and the regions inside it, indented by level; villages only below county level."""
    if regions is None:
        regions = Region.objects.within(user.area_id or "")
        if user.area is None or LEVEL_DEPTH[user.area.level] < LEVEL_DEPTH[Level.COUNTY]:
            regions = regions.exclude(level=Level.VILLAGE)
    choices = [] if user.area_id else [("", "全国")]
    top = LEVEL_DEPTH[user.area.level] if user.area_id else 0
    for code, name, level in regions.values_list("code", "name", "level"):
        choices.append((code, f"{'　' * max(0, LEVEL_DEPTH[level] - top)}{name}（{code}）"))
    return choices


def own_area(user: User) -> str:
    """The code of the user's area ('' for the whole country)."""
    return region_code_of(user.area_id) if user.area_id else ""


def current_quarter(today: datetime.date) -> str:
    return quarter_code(Period(today, today, ""))


class LedgerFilterForm(forms.Form):
    PERIODS = [("month", "月度"), ("quarter", "季度"), ("year", "年度"), ("custom", "自定义日期")]
    PERIOD_FIELDS = {"month": ["month"], "quarter": ["quarter"], "year": ["year"], "custom": ["start", "end"]}
    ENROLLED = [("", "全部"), ("yes", "已参加城乡居民医保"), ("no", "未参加城乡居民医保")]

    area = forms.ChoiceField(label="区域")
    # data-period-choice: static/js/period.js shows only the fields of the chosen kind (PERIOD_FIELDS).
    period = forms.ChoiceField(label="期间", choices=PERIODS, widget=forms.Select(attrs={"data-period-choice": ""}))
    month = forms.CharField(label="月份", required=False, widget=forms.TextInput(attrs={"type": "month"}))
    quarter = forms.CharField(label="季度", required=False,
                              widget=forms.TextInput(attrs={"placeholder": "2024Q3", "size": 8}))
    year = forms.IntegerField(label="年度", required=False, min_value=1990, max_value=2100)
    start = forms.DateField(label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    as_of = forms.DateField(label="类别状态日期", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                            help_text="留空：期间内任何一天持有该类别即为“是”；填写：只看这一天。")
    categories = forms.MultipleChoiceField(label="身份类别", required=False, widget=forms.CheckboxSelectMultiple)
    enrolled = forms.ChoiceField(label="参保情况", required=False, choices=ENROLLED)

    def __init__(self, data=None, *, user: User, today: datetime.date):
        super().__init__(data, initial={
            "area": own_area(user), "period": "year", "year": today.year, "month": f"{today:%Y-%m}",
            "quarter": current_quarter(today),
        })
        self.fields["area"].choices = area_choices(user)
        self.fields["categories"].choices = list(Category.objects.values_list("code", "name"))

    def period_fields(self) -> list[tuple[str, forms.BoundField]]:
        """(period kind, field) for every field that says when: the page shows those of the chosen kind."""
        return [(kind, self[name]) for kind, names in self.PERIOD_FIELDS.items() for name in names]

    def clean(self):
        data = super().clean()
        kind = data.get("period")
        try:
            if kind == "month":
                data["dates"] = parse_month(data.get("month") or "")
            elif kind == "quarter":
                data["dates"] = parse_quarter(data.get("quarter") or "")
            elif kind == "year":
                if not data.get("year"):
                    raise PeriodError("请填写年度。")
                data["dates"] = year_period(data["year"])
            elif kind == "custom":
                if not data.get("start") or not data.get("end"):
                    raise PeriodError("自定义期间请填写起始日期和截止日期。")
                data["dates"] = days_period(data["start"], data["end"])
        except PeriodError as exc:
            raise forms.ValidationError({kind if kind != "custom" else "start": str(exc)}) from None
        return data

    def ledger_filter(self) -> LedgerFilter | None:
        """The filter the form asks for: its defaults when unbound, None when the input is invalid."""
        if not self.is_bound:
            initial = self.initial
            return LedgerFilter(area_code=initial["area"], period=year_period(initial["year"]))
        if not self.is_valid():
            return None
        data = self.cleaned_data
        enrolled = {"yes": True, "no": False}.get(data.get("enrolled") or "")
        return LedgerFilter(area_code=data["area"], period=data["dates"], as_of=data.get("as_of"),
                            categories=tuple(data.get("categories") or ()), enrolled=enrolled)


class StatsForm(forms.Form):
    area = forms.ChoiceField(label="区域")
    quarter = forms.CharField(label="季度", widget=forms.TextInput(attrs={"placeholder": "2024Q3", "size": 8}),
                              help_text="写作 年份Q季度，例如 2024Q3（2024 年第三季度）。")

    def __init__(self, data=None, *, user: User, today: datetime.date):
        super().__init__(data, initial={"area": own_area(user), "quarter": current_quarter(today)})
        self.fields["area"].choices = area_choices(user)

    def clean_quarter(self) -> Period:
        try:
            return parse_quarter(self.cleaned_data["quarter"])
        except PeriodError as exc:
            raise forms.ValidationError(str(exc)) from None

    def chosen(self) -> tuple[str, Period] | None:
        """(area code, quarter) asked for: the defaults when unbound, None when invalid."""
        if not self.is_bound:
            return self.initial["area"], parse_quarter(self.initial["quarter"])
        if not self.is_valid():
            return None
        return self.cleaned_data["area"], self.cleaned_data["quarter"]


class ResponsibilityAreaForm(forms.Form):
    area = forms.ChoiceField(label="区域")

    def __init__(self, data=None, *, user: User):
        super().__init__(data, initial={"area": own_area(user)})
        self.fields["area"].choices = [c for c in area_choices(user, responsibility_areas(user)) if c[0]]


class ResponsibilityLineForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=50, required=False)
    unit = forms.CharField(label="单位及部门", max_length=100, required=False)
    post = forms.CharField(label="职务", max_length=50, required=False)
    phone = forms.CharField(label="联系电话", max_length=30, required=False)


def responsibility_line_forms(data=None, *, lines) -> list[tuple[object, ResponsibilityLineForm]]:
    """One small form per line of the table, prefixed with its duty."""
    forms_by_line = []
    for line in lines:
        record = line.record
        initial = {name: getattr(record, name) for name in RESPONSIBILITY_FIELDS} if record else {}
        forms_by_line.append((line, ResponsibilityLineForm(data, prefix=line.duty, initial=initial)))
    return forms_by_line

