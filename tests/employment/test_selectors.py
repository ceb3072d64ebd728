"""The lists and the figures by township, on a county counted by hand (ledger_county.py): the lists move when a
placement starts or ends and when a visit is made; each user sees their own area."""

from decimal import Decimal

from employment import selectors, services
from employment.models import Placement
from tests.employment.ledger_county import (  # noqa: F401  (the fixture)
    DAY,
    EXPECTED_A,
    EXPECTED_B,
    EXPECTED_TOTAL,
    TODAY,
    ledger_county,
)


def names(rows):
    return sorted(row.name for row in rows)


def placed_names(placements):
    return sorted(p.person.name for p in placements)


def test_the_township_table_of_the_county_counted_by_hand(ledger_county, viewer, township_a, township_b,
                                                           django_assert_max_num_queries):
    with django_assert_max_num_queries(9):
        table = selectors.township_table(viewer, area_code="500242", day=TODAY)
    assert [(row.code, row.name) for row in table.rows] == [("500242100", "龙潭镇"), ("500242101", "麻旺镇")]
    assert table.rows[0].values == EXPECTED_A
    assert table.rows[1].values == EXPECTED_B
    assert table.total.values == EXPECTED_TOTAL
    assert table.total.values["subsidy_amount"] == Decimal("1000.50")
    assert [c.key for c in table.columns if c.kind == "money"] == ["subsidy_amount", "loan_amount"]


def test_a_township_clerk_sees_their_township_only(ledger_county, clerk_a):
    table = selectors.township_table(clerk_a, area_code="500242", day=TODAY)
    assert [row.code for row in table.rows] == ["500242100"]
    assert table.total.values == EXPECTED_A
    assert names(selectors.unplaced(clerk_a, area_code="", day=TODAY)) == ["冉三"]
    assert placed_names(w.placement for w in selectors.at_risk(clerk_a, area_code="", day=TODAY)) == ["冉二"]


def test_the_lists_of_the_county(ledger_county, viewer):
    assert names(selectors.unplaced(viewer, area_code="500242", day=TODAY)) == ["冉三", "白一"]
    due = list(selectors.visits_due(viewer, area_code="500242", day=TODAY))
    assert placed_names(due) == ["冉二"]
    assert selectors.due_on(due[0]) == TODAY - 110 * DAY
    risky = selectors.at_risk(viewer, area_code="500242", day=TODAY)
    assert [(w.placement.person.name, w.risks) for w in risky] == [
        ("冉二", [f"逾期未回访（应于 {(TODAY - 110 * DAY).isoformat()} 前回访）"]),
        ("白一", [f"未满三年于 {(TODAY - 20 * DAY).isoformat()} 离岗"])]


def test_the_lists_move_with_placements_and_visits(ledger_county, viewer, clerk_a):
    people = ledger_county
    services.placement_start(user=clerk_a, person=people["a3"], kind=Placement.Kind.MIGRANT, employer="浙江某厂",
                             starts_on=TODAY)
    assert names(selectors.unplaced(viewer, area_code="500242", day=TODAY)) == ["白一"]
    a2 = Placement.objects.get(person=people["a2"])
    services.visit_record(user=clerk_a, placement=a2, visited_on=TODAY, visitor="冉干部", status="stable")
    assert list(selectors.visits_due(viewer, area_code="500242", day=TODAY)) == []
    assert placed_names(w.placement for w in selectors.at_risk(viewer, area_code="500242", day=TODAY)) == ["白一"]
    a1 = Placement.objects.get(person=people["a1"])
    services.placement_end(user=clerk_a, placement=a1, ends_on=TODAY - DAY, reason="辞职")
    assert names(selectors.unplaced(viewer, area_code="500242", day=TODAY)) == ["冉一", "白一"]
    assert placed_names(w.placement for w in selectors.at_risk(viewer, area_code="500242", day=TODAY)) == [
        "冉一", "白一"]
    table = selectors.township_table(viewer, area_code="500242", day=TODAY)
    assert {key: table.rows[0].values[key] for key in ("placed", "unplaced", "three_years", "at_risk",
                                                       "visits_due", "kind_migrant")} == {
        "placed": 3, "unplaced": 1, "three_years": 1, "at_risk": 1, "visits_due": 0, "kind_migrant": 1}


def test_an_unsettled_visit_puts_a_three_year_placement_at_risk(ledger_county, viewer, clerk_a):
    a1 = Placement.objects.get(person=ledger_county["a1"])
    services.visit_record(user=clerk_a, placement=a1, visited_on=TODAY, visitor="冉干部", status="unstable")
    risky = {w.placement.person.name: w.risks for w in selectors.at_risk(viewer, area_code="500242", day=TODAY)}
    assert risky["冉一"] == [f"回访为不稳定（{TODAY.isoformat()}）"]


def test_yesterday_is_counted_as_it_was(ledger_county, viewer):
    """The child who died yesterday was living the day before: counted among the graduated then."""
    table = selectors.township_table(viewer, area_code="500242", day=TODAY - 2 * DAY)
    assert table.rows[1].values["graduated"] == 3
