"""The three-year rule, the visit due day and the risks of a placement, as plain functions of dates."""

import datetime
from decimal import Decimal

from employment import rules
from employment.models import FollowUpVisit, Placement, SchoolLevel, Support

D = datetime.date


def test_the_rules_name_the_models_choices():
    assert rules.ENTERPRISE == Placement.Kind.ENTERPRISE
    assert rules.SECONDARY_VOCATIONAL == SchoolLevel.SECONDARY_VOCATIONAL
    assert set(rules.RISKY_STATUSES) == {FollowUpVisit.Status.UNSTABLE, FollowUpVisit.Status.LEFT}
    assert set(rules.WITH_AMOUNT) == {Support.Kind.SUBSIDY, Support.Kind.LOAN}


def test_three_years_from_a_day_and_from_29_february():
    assert rules.stable_until(D(2025, 7, 1)) == D(2028, 7, 1)
    assert rules.stable_until(D(2024, 2, 29)) == D(2027, 2, 28)
    assert rules.stable_progress(D(2024, 2, 29), D(2025, 2, 28)) == (365, 1095)
    assert rules.stable_progress(D(2025, 7, 1), D(2030, 1, 1)) == (1096, 1096)
    assert rules.stable_progress(D(2025, 7, 1), D(2025, 6, 1)) == (0, 1096)


def test_the_rule_applies_to_a_secondary_vocational_child_in_a_firm_only():
    assert rules.three_years_apply("enterprise", "secondary_vocational")
    assert not rules.three_years_apply("enterprise", "university")
    assert not rules.three_years_apply("public_welfare", "secondary_vocational")
    assert not rules.three_years_apply("enterprise", None)


def test_a_visit_is_due_90_days_after_the_start_or_the_last_visit():
    assert rules.visit_due_on(D(2026, 1, 1), None) == D(2026, 4, 1)
    assert rules.visit_due_on(D(2026, 1, 1), D(2026, 3, 1)) == D(2026, 5, 30)


START = D(2025, 3, 1)


def risks(day, *, ends_on=None, last_visit_on=None, status=None):
    return rules.risks(starts_on=START, ends_on=ends_on, last_visit_on=last_visit_on, last_visit_status=status,
                       day=day)


def test_a_visited_stable_placement_is_not_at_risk():
    assert risks(D(2026, 3, 1), last_visit_on=D(2026, 2, 1), status="stable") == []


def test_an_overdue_visit_puts_it_at_risk_the_day_after_it_was_due():
    due = rules.visit_due_on(START, D(2025, 12, 1))
    assert risks(due, last_visit_on=D(2025, 12, 1), status="stable") == []
    assert risks(due + datetime.timedelta(days=1), last_visit_on=D(2025, 12, 1), status="stable") == [
        f"逾期未回访（应于 {due.isoformat()} 前回访）"]


def test_an_unsettled_or_gone_child_is_at_risk():
    assert risks(D(2026, 1, 10), last_visit_on=D(2026, 1, 5), status="unstable") == ["回访为不稳定（2026-01-05）"]
    assert risks(D(2026, 1, 10), last_visit_on=D(2026, 1, 5), status="left") == ["回访为已离岗（2026-01-05）"]


def test_an_ended_placement_is_at_risk_for_a_year_after_it_ended():
    ended = D(2026, 5, 31)
    assert risks(ended, ends_on=ended, last_visit_on=D(2026, 5, 1), status="stable") == []  # at work that day
    assert risks(ended + datetime.timedelta(days=1), ends_on=ended) == ["未满三年于 2026-05-31 离岗"]
    assert risks(ended + datetime.timedelta(days=365), ends_on=ended) == ["未满三年于 2026-05-31 离岗"]
    assert risks(ended + datetime.timedelta(days=366), ends_on=ended) == []


def test_nothing_is_at_risk_outside_the_three_years():
    assert risks(D(2025, 2, 28)) == []  # not begun
    assert risks(D(2028, 3, 1)) == []  # stable: three years done, however long unvisited
    assert risks(D(2028, 2, 29)) == ["逾期未回访（应于 2025-05-30 前回访）"]


def test_support_needs_an_amount_for_money_only_and_a_provider():
    today = D(2026, 6, 1)
    assert rules.support_problems(kind="subsidy", amount=None, provider="人社局", given_on=today, today=today) == {
        "amount": ["补助和贷款请填写金额。"]}
    assert rules.support_problems(kind="loan", amount=Decimal("0"), provider="农商行", given_on=today,
                                  today=today) == {"amount": ["金额应大于 0。"]}
    assert rules.support_problems(kind="training", amount=Decimal("800"), provider=" ", given_on=today,
                                  today=today) == {"amount": ["技能培训和一对一指导不填金额。"],
                                                   "provider": ["请填写经办单位或指导人。"]}
    assert rules.support_problems(kind="guidance", amount=None, provider="冉老师", given_on=today, today=today) == {}


def test_a_placement_ends_once_not_before_its_start_nor_in_the_future():
    today = D(2026, 6, 1)
    assert rules.placement_end_problems(starts_on=D(2026, 3, 1), ends_on=D(2026, 2, 1), already_ended=None,
                                        reason="辞职", today=today) == ["离岗日期 2026-02-01 早于上岗日期 2026-03-01。"]
    assert rules.placement_end_problems(starts_on=D(2026, 3, 1), ends_on=D(2026, 6, 2), already_ended=D(2026, 4, 1),
                                        reason="", today=today) == [
        "该安置已于 2026-04-01 离岗。", "离岗日期 2026-06-02 晚于今天。", "请填写离岗原因。"]
    assert rules.placement_end_problems(starts_on=D(2026, 3, 1), ends_on=D(2026, 3, 1), already_ended=None,
                                        reason="辞职", today=today) == []


def test_visits_are_made_while_the_placement_is_in_force():
    today = D(2026, 6, 1)
    assert rules.visit_problems(starts_on=D(2026, 3, 1), ends_on=None, visited_on=D(2026, 2, 28), today=today) == [
        "回访日期 2026-02-28 早于上岗日期 2026-03-01。"]
    assert rules.visit_problems(starts_on=D(2026, 3, 1), ends_on=D(2026, 4, 1), visited_on=D(2026, 4, 2),
                                today=today)[0].startswith("该安置已于 2026-04-01 离岗")
    assert rules.visit_problems(starts_on=D(2026, 3, 1), ends_on=None, visited_on=D(2026, 6, 2), today=today) == [
        "回访日期 2026-06-02 晚于今天。"]


def test_a_placement_does_not_end_before_a_visit_that_found_the_child_at_work():
    assert rules.placement_end_problems(starts_on=D(2026, 3, 1), ends_on=D(2026, 4, 1), already_ended=None,
                                        reason="辞职", today=D(2026, 6, 1), last_visit_on=D(2026, 4, 2)) == [
        "离岗日期 2026-04-01 早于 2026-04-02 的回访。"]
