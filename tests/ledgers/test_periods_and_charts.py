"""Reporting periods as people type them, and the geometry of the server-drawn charts."""

import datetime
from decimal import Decimal

import pytest

from ledgers.charts import Series, line_chart, nice_ceiling, short_amount, stacked_bars
from config.periods import PeriodError, days_period, parse_day, parse_month, parse_quarter, quarter_code

D = datetime.date


def test_quarters_months_and_days():
    q = parse_quarter("2024q3")
    assert (q.first, q.last, q.label) == (D(2024, 7, 1), D(2024, 9, 30), "2024年第三季度")
    assert quarter_code(q) == "2024Q3"
    february = parse_month("2024-02")
    assert (february.first, february.last) == (D(2024, 2, 1), D(2024, 2, 29))
    assert parse_day(" 2024-03-31 ") == D(2024, 3, 31)
    assert list(days_period(D(2023, 12, 1), D(2024, 1, 31)).years) == [2023, 2024]


@pytest.mark.parametrize("parse, text", [
    (parse_quarter, "2024Q5"), (parse_quarter, "Q3 2024"), (parse_month, "2024-13"), (parse_month, "2024/05"),
    (parse_day, "20240331"), (parse_day, "2024-02-30"), (parse_day, "31/03/2024"),
])
def test_malformed_periods_are_refused_with_the_expected_form(parse, text):
    with pytest.raises(PeriodError) as caught:
        parse(text)
    assert "应写作" in str(caught.value)


def test_a_period_cannot_end_before_it_starts():
    with pytest.raises(PeriodError):
        days_period(D(2024, 2, 1), D(2024, 1, 1))


def test_axis_tops_are_round_and_labels_short():
    assert nice_ceiling(0) == 5
    assert nice_ceiling(Decimal("93000")) == 100000
    assert nice_ceiling(41) == 50
    assert [short_amount(v) for v in (800, 30000, 150000000)] == ["800", "3万", "1.5亿"]


def test_stacked_bars_stack_each_series_to_the_bar_total():
    chart = stacked_bars("费用", ["甲镇", "乙镇"], [
        Series("基本医保", "#000", [Decimal("600"), Decimal("0")]),
        Series("个人负担", "#999", [Decimal("400"), Decimal("0")]),
    ])
    first, second = chart.rects
    assert first.y + first.height == chart.bottom  # the first series sits on the axis
    assert second.y + second.height == pytest.approx(first.y)
    plot = chart.bottom - chart.top
    assert first.height + second.height == pytest.approx(plot * 1000 / nice_ceiling(1000), abs=0.2)
    assert chart.has_data and [label.text for label in chart.categories] == ["甲镇", "乙镇"]
    assert "¥600.00" in first.title


def test_a_line_chart_without_amounts_says_it_has_no_data():
    chart = line_chart("趋势", ["1月", "2月"], [Series("费用合计", "#000", [Decimal(0), Decimal(0)])])
    assert not chart.has_data and len(chart.lines[0].dots) == 2
