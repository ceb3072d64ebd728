"""A past day's children's figures read what was known then, and a child at work again is no longer at risk."""

import datetime

from employment import selectors, services

D = datetime.date


def test_a_survey_made_after_the_day_is_not_in_that_days_figures(clerk_a, child_a, survey, township_a):
    survey(child_a, year=2026, surveyed_on=D(2026, 6, 15), graduation_year=2025)
    before = selectors.township_table(clerk_a, area_code=township_a.code, day=D(2026, 3, 31)).total.values
    after = selectors.township_table(clerk_a, area_code=township_a.code, day=D(2026, 6, 30)).total.values
    assert (before["surveyed"], before["graduated"], before["unplaced"]) == (0, 0, 0)
    assert (after["surveyed"], after["graduated"], after["unplaced"]) == (1, 1, 1)
    assert not selectors.unplaced(clerk_a, area_code=township_a.code, day=D(2026, 3, 31)).exists()
    assert list(selectors.unplaced(clerk_a, area_code=township_a.code, day=D(2026, 6, 30))) == [child_a]


def test_a_child_placed_again_after_leaving_early_is_no_longer_at_risk(clerk_a, child_a, survey, township_a):
    survey(child_a, year=2026, surveyed_on=D(2026, 1, 2), graduation_year=2024)
    first = services.placement_start(user=clerk_a, person=child_a, kind="enterprise", employer="甲厂",
                                     starts_on=D(2025, 1, 1))
    services.placement_end(user=clerk_a, placement=first, ends_on=D(2026, 6, 30), reason="工厂搬迁")
    assert [w.placement for w in selectors.at_risk(clerk_a, area_code=township_a.code, day=D(2026, 7, 1))] == [first]
    second = services.placement_start(user=clerk_a, person=child_a, kind="enterprise", employer="乙厂",
                                      starts_on=D(2026, 7, 2))
    services.visit_record(user=clerk_a, placement=second, visited_on=D(2026, 9, 1), visitor="冉干部",
                          status="stable")
    assert selectors.at_risk(clerk_a, area_code=township_a.code, day=D(2026, 9, 2)) == []
    table = selectors.township_table(clerk_a, area_code=township_a.code, day=D(2026, 9, 2)).total.values
    assert (table["three_years"], table["at_risk"]) == (1, 0)
