"""The employment services: who may write, where, and what each refuses; the history says who changed what."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from beneficiaries.models import Beneficiary
from employment import rules, services
from employment.models import ChildSurvey, FollowUpVisit, Placement, SchoolLevel, Support
from employment.services import NOT_IN_REGISTRY, NOT_SURVEYED

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)

START = TODAY - 200 * DAY


def start(child, user, **changes):
    fields = {"kind": Placement.Kind.ENTERPRISE, "employer": "酉阳某电子厂", "starts_on": START} | changes
    return services.placement_start(user=user, person=child, **fields)


def messages(exc: pytest.ExceptionInfo) -> list[str]:
    return exc.value.messages


def test_a_survey_is_recorded_once_a_year_and_a_second_one_changes_it(child_a, clerk_a, survey):
    first = survey(child_a)
    again = survey(child_a, major="电子技术", needs="技能培训")
    assert again.pk == first.pk and ChildSurvey.objects.count() == 1
    assert (again.major, again.needs, again.recorded_by) == ("电子技术", "技能培训", clerk_a)
    records = list(ChildSurvey.history.filter(id=first.pk).order_by("history_id"))
    assert [(r.history_type, r.major, r.history_user) for r in records] == [
        ("+", "数控技术", clerk_a), ("~", "电子技术", clerk_a)]
    last_year = survey(child_a, year=TODAY.year - 1, surveyed_on=TODAY.replace(year=TODAY.year - 1, month=1, day=1))
    assert last_year.pk != first.pk


def test_a_survey_is_refused_by_field(child_a, survey):
    with pytest.raises(ValidationError) as exc:
        survey(child_a, surveyed_on=TODAY + DAY, graduation_year=2010, business_plan="开网店")
    fields = exc.value.message_dict
    assert fields["surveyed_on"][0] == f"摸排日期 {(TODAY + DAY).isoformat()} 晚于今天。"
    assert fields["graduation_year"] == ["毕业年份 2010 早于本人 14 岁（2004 年出生）。"]
    assert fields["business_plan"] == ["填写了创业意向，但“有创业愿望”为否。"]
    assert not ChildSurvey.objects.exists()


def test_an_official_and_another_township_are_refused(child_a, child_b, viewer, clerk_b, survey):
    with pytest.raises(ValidationError, match="不能"):
        survey(child_a, user=viewer)
    with pytest.raises(ValidationError, match="不在您的管辖区域内"):
        survey(child_a, user=clerk_b)
    survey(child_b, user=clerk_b)
    placement = start(child_b, clerk_b)
    for refused in (lambda u: start(child_b, u, starts_on=TODAY),
                    lambda u: services.placement_end(user=u, placement=placement, ends_on=TODAY, reason="辞职"),
                    lambda u: services.visit_record(user=u, placement=placement, visited_on=TODAY, visitor="冉",
                                                    status="stable"),
                    lambda u: services.support_give(user=u, person=child_b, kind="guidance", given_on=TODAY,
                                                    provider="冉老师")):
        with pytest.raises(ValidationError):
            refused(viewer)
    assert (Placement.objects.count(), FollowUpVisit.objects.count(), Support.objects.count()) == (1, 0, 0)


def test_only_a_living_child_of_a_registry_household_is_surveyed(make_person, village_a, child_a, survey):
    loner = make_person(village_a, name="冉独", birth=datetime.date(2004, 1, 1))
    with pytest.raises(ValidationError) as exc:
        survey(loner)
    assert messages(exc) == [NOT_IN_REGISTRY.format(name="冉独")]
    Beneficiary.objects.filter(pk=child_a.pk).update(status=Beneficiary.Status.DECEASED, status_date=TODAY)
    with pytest.raises(ValidationError, match="已死亡"):
        survey(child_a)


def test_a_placement_needs_a_survey_and_one_job_at_a_time(child_a, clerk_a, survey):
    with pytest.raises(ValidationError) as exc:
        start(child_a, clerk_a)
    assert messages(exc) == [NOT_SURVEYED.format(name="冉小军")]
    survey(child_a)
    first = start(child_a, clerk_a, monthly_wage=Decimal("3200.00"))
    with pytest.raises(ValidationError, match="同一时间只能有一个安置"):
        start(child_a, clerk_a, starts_on=TODAY - DAY)
    services.placement_end(user=clerk_a, placement=first, ends_on=TODAY - 10 * DAY, reason="合同到期")
    with pytest.raises(ValidationError, match="同一时间只能有一个安置"):
        start(child_a, clerk_a, starts_on=TODAY - 10 * DAY)  # the last day of the first job
    second = start(child_a, clerk_a, starts_on=TODAY - 9 * DAY, kind=Placement.Kind.FLEXIBLE, employer="快递网点")
    assert second.recorded_by == clerk_a
    with pytest.raises(ValidationError, match="晚于今天"):
        services.placement_end(user=clerk_a, placement=second, ends_on=TODAY + DAY, reason="辞职")


def test_a_placement_ends_once(child_a, clerk_a, survey):
    survey(child_a)
    placement = start(child_a, clerk_a)
    with pytest.raises(ValidationError) as exc:
        services.placement_end(user=clerk_a, placement=placement, ends_on=START - DAY, reason="辞职")
    assert exc.value.message_dict["ends_on"] == [f"离岗日期 {(START - DAY).isoformat()} 早于上岗日期 {START.isoformat()}。"]
    services.placement_end(user=clerk_a, placement=placement, ends_on=TODAY, reason="辞职")
    with pytest.raises(ValidationError, match="该安置已于"):
        services.placement_end(user=clerk_a, placement=placement, ends_on=TODAY, reason="辞职")
    record = Placement.history.filter(id=placement.pk).latest("history_id")
    assert (record.ends_on, record.end_reason, record.history_user) == (TODAY, "辞职", clerk_a)


def test_a_visit_finding_the_child_gone_ends_the_placement_on_its_day(child_a, clerk_a, survey):
    survey(child_a)
    placement = start(child_a, clerk_a)
    with pytest.raises(ValidationError, match="早于上岗日期"):
        services.visit_record(user=clerk_a, placement=placement, visited_on=START - DAY, visitor="冉干部",
                              status="stable")
    services.visit_record(user=clerk_a, placement=placement, visited_on=START + 30 * DAY, visitor="冉干部",
                          status="unstable", difficulties="工资低", action="联系企业协调")
    placement.refresh_from_db()
    assert placement.ends_on is None
    visit = services.visit_record(user=clerk_a, placement=placement, visited_on=TODAY - DAY, visitor="冉干部",
                                  status=FollowUpVisit.Status.LEFT)
    placement.refresh_from_db()
    assert (placement.ends_on, placement.end_reason) == (TODAY - DAY, rules.LEFT_ON_VISIT)
    assert visit.history.get().history_user == clerk_a
    with pytest.raises(ValidationError, match="离岗后不再回访"):
        services.visit_record(user=clerk_a, placement=placement, visited_on=TODAY, visitor="冉干部", status="left")


def test_support_is_given_with_its_amount_and_voided_once(child_a, clerk_a, survey):
    survey(child_a)
    with pytest.raises(ValidationError) as exc:
        services.support_give(user=clerk_a, person=child_a, kind=Support.Kind.SUBSIDY, given_on=TODAY, provider="")
    assert exc.value.message_dict == {"amount": ["补助和贷款请填写金额。"], "provider": ["请填写经办单位或指导人。"]}
    subsidy = services.support_give(user=clerk_a, person=child_a, kind=Support.Kind.SUBSIDY, given_on=TODAY - DAY,
                                    provider="县人社局", amount=Decimal("1000.00"))
    with pytest.raises(ValidationError, match="早于发放日期"):
        services.support_void(user=clerk_a, support=subsidy, voided_on=TODAY - 2 * DAY, reason="重复")
    services.support_void(user=clerk_a, support=subsidy, voided_on=TODAY, reason="重复登记")
    with pytest.raises(ValidationError, match="已于"):
        services.support_void(user=clerk_a, support=subsidy, voided_on=TODAY, reason="重复登记")
    subsidy.refresh_from_db()
    assert (subsidy.voided_on, subsidy.void_reason, subsidy.amount) == (TODAY, "重复登记", Decimal("1000.00"))
    assert [r.history_user for r in Support.history.filter(id=subsidy.pk)] == [clerk_a, clerk_a]


def test_level_choices_are_the_surveys(child_a, survey):
    assert survey(child_a, level=SchoolLevel.UNIVERSITY).get_level_display() == "普通高校"
