"""The query strings of the bill list (今日账单) and of the 日结, read as forms: a bad value is refused with a
message naming the field and what was expected (a 400 page), never guessed."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from accounts.models import Role, User
from claims.models import Claim, Hospital
from claims.selectors import DATE_BASES, BillFilter
from regions.codes import Level
from regions.models import Region


class _ClerkChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


def _clerk_field() -> forms.ModelChoiceField:
    return _ClerkChoice(label="录入人", queryset=User.objects.none(), required=False, to_field_name="username",
                        empty_label="全部录入人")


def _township_field() -> forms.ChoiceField:
    return forms.ChoiceField(label="乡镇", required=False)


class _AreaQueryForm(forms.Form):
    """A form over a query string whose choices (clerks, townships) are those of the user's area."""

    names: dict[str, str] = {}  # query parameter → field, where the two differ

    def __init__(self, query, user: User, defaults: dict | None = None):
        data = {field: query.get(parameter, "") for parameter, field in self.names.items()}
        data |= {name: query.get(name, "") for name in self.base_fields if name not in self.names.values()}
        # Defaults only for a bare address: a search that empties the dates means every date.
        if defaults and not any(parameter in query for parameter in (*self.names, *self.base_fields)):
            data |= defaults
        super().__init__(data)
        prefix = user.area_prefix
        self.fields["clerk"].queryset = User.objects.filter(
            role__in=(Role.CLERK, Role.ADMIN), area__code__startswith=prefix).order_by("username")
        self.fields["township"].choices = [("", "全部乡镇")] + list(
            Region.objects.filter(level=Level.TOWNSHIP, code__startswith=prefix).values_list("code", "name"))

    def refusal(self) -> str:
        """The query's problems in one line, for a 400 page."""
        return "；".join(f"“{self.fields[name].label}”：{message}" for name, messages in self.errors.items()
                        for message in messages) + "。"


DATE_ERRORS = {"invalid": "日期无效，应为 YYYY-MM-DD"}


def _date_field(label: str) -> forms.DateField:
    # A date input takes and shows only ISO dates (YYYY-MM-DD), whatever the locale's format is.
    return forms.DateField(label=label, required=False, error_messages=DATE_ERRORS,
                           widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class BillSearchForm(_AreaQueryForm):
    """The bill list's search; with no search at all, 今日账单 (the bills entered today)."""

    names = {"from": "first", "to": "last"}

    first = _date_field("从")
    last = _date_field("至")
    by = forms.ChoiceField(label="日期类型", choices=list(DATE_BASES.items()), required=False)
    hospital = forms.ModelChoiceField(label="医疗机构", queryset=Hospital.objects.all(), required=False,
                                      empty_label="全部医疗机构")
    township = _township_field()
    status = forms.ChoiceField(label="状态", choices=[("", "全部状态"), *Claim.Status.choices], required=False)
    person = forms.CharField(label="姓名或身份证号", max_length=50, required=False)
    clerk = _clerk_field()

    def __init__(self, query, user: User):
        today = timezone.localdate().isoformat()
        super().__init__(query, user, defaults={"first": today, "last": today, "by": "entered"})

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("first"), cleaned.get("last")
        if first and last and first > last:
            self.add_error("last", f"结束日期 {last} 早于开始日期 {first}")
        return cleaned

    def bill_filter(self) -> BillFilter:
        cleaned = self.cleaned_data
        return BillFilter(first=cleaned["first"], last=cleaned["last"], by=cleaned["by"] or "entered",
                          hospital=cleaned["hospital"], township=cleaned["township"], status=cleaned["status"],
                          person=cleaned["person"], clerk=cleaned["clerk"])

    @property
    def today_only(self) -> bool:
        cleaned = self.cleaned_data
        today = timezone.localdate()
        return (cleaned["first"] == today and cleaned["last"] == today and cleaned["by"] in ("", "entered")
                and not any(cleaned[name] for name in ("hospital", "township", "status", "person", "clerk")))


class DayTallyForm(_AreaQueryForm):
    """The 日结's day (today when not given), township and clerk."""

    date = _date_field("日期")
    township = _township_field()
    clerk = _clerk_field()

    def clean_date(self):
        return self.cleaned_data["date"] or timezone.localdate()
