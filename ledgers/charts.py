"""Charts drawn on the server as SVG geometry (no script, nothing fetched from the internet).

``stacked_bars`` and ``line_chart`` return a Chart of plain shapes in a fixed coordinate space; the
templates ``ledgers/_chart.html`` turn it into an inline ``<svg>`` that scales with the page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

WIDTH, HEIGHT = 600, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 48, 40
TICKS = 5


@dataclass(frozen=True)
class Series:
    name: str
    color: str
    values: list[Decimal]


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    color: str
    title: str


@dataclass(frozen=True)
class Polyline:
    points: str
    color: str
    dots: list[tuple[float, float, str]]  # x, y, title


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class LegendItem:
    x: float
    color: str
    name: str


@dataclass
class Chart:
    title: str
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM
    rects: list[Rect] = field(default_factory=list)
    lines: list[Polyline] = field(default_factory=list)
    ticks: list[Label] = field(default_factory=list)
    categories: list[Label] = field(default_factory=list)
    legend: list[LegendItem] = field(default_factory=list)
    has_data: bool = False


def nice_ceiling(value: Decimal | float) -> float:
    """The smallest 1, 2 or 5 × 10ⁿ step times TICKS that reaches ``value`` (at least 1)."""
    value = float(value)
    if value <= 0:
        return float(TICKS)
    rough = value / TICKS
    magnitude = 10 ** math.floor(math.log10(rough))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= rough)
    return step * TICKS


def short_amount(value: float) -> str:
    """Axis labels: 1.5亿, 30万, 800."""
    if value >= 1e8:
        return f"{value / 1e8:g}亿"
    if value >= 1e4:
        return f"{value / 1e4:g}万"
    return f"{value:g}"


def _frame(title: str, series: list[Series], highest: Decimal) -> tuple[Chart, float]:
    """The axes and legend, and the value at the top of the axis."""
    top_value = nice_ceiling(highest)
    chart = Chart(title=title, has_data=highest > 0)
    plot_height = chart.bottom - chart.top
    for index in range(TICKS + 1):
        value = top_value * index / TICKS
        y = chart.bottom - plot_height * index / TICKS
        chart.ticks.append(Label(chart.left - 6, y, short_amount(value)))
    x = float(chart.left)
    for item in series:
        chart.legend.append(LegendItem(x, item.color, item.name))
        x += 22 + 13 * len(item.name)
    return chart, top_value


def _slot(chart: Chart, count: int) -> float:
    return (chart.right - chart.left) / max(count, 1)


def stacked_bars(title: str, labels: list[str], series: list[Series]) -> Chart:
    """One bar per label, the series stacked bottom to top in the order given."""
    totals = [sum((s.values[i] for s in series), Decimal(0)) for i in range(len(labels))]
    chart, top_value = _frame(title, series, max(totals, default=Decimal(0)))
    slot = _slot(chart, len(labels))
    bar_width = min(56.0, slot * 0.6)
    scale = (chart.bottom - chart.top) / top_value
    for index, label in enumerate(labels):
        x = chart.left + slot * index + (slot - bar_width) / 2
        y = float(chart.bottom)
        for item in series:
            height = float(item.values[index]) * scale
            if height > 0:
                y -= height
                title = f"{label} {item.name}：¥{item.values[index]:,.2f}"
                chart.rects.append(
                    Rect(round(x, 1), round(y, 1), round(bar_width, 1), round(height, 1), item.color, title)
                )
        chart.categories.append(Label(round(x + bar_width / 2, 1), chart.bottom + 18, label))
    return chart


def line_chart(title: str, labels: list[str], series: list[Series]) -> Chart:
    """One line per series across the labels (months)."""
    highest = max((max(s.values, default=Decimal(0)) for s in series), default=Decimal(0))
    chart, top_value = _frame(title, series, highest)
    slot = _slot(chart, len(labels))
    scale = (chart.bottom - chart.top) / top_value
    xs = [round(chart.left + slot * index + slot / 2, 1) for index in range(len(labels))]
    for item in series:
        dots = [(x, round(chart.bottom - float(value) * scale, 1), f"{label} {item.name}：¥{value:,.2f}")
                for x, value, label in zip(xs, item.values, labels)]
        chart.lines.append(Polyline(" ".join(f"{x},{y}" for x, y, _ in dots), item.color, dots))
    chart.categories = [Label(x, chart.bottom + 18, label) for x, label in zip(xs, labels)]
    return chart
