"""Chart geometry for the report page: computed here so the template only places shapes.

Inline SVG and CSS widths, no JavaScript: the page prints as it shows, and a frozen report draws
the same charts from its stored tables. Bars by unit use the table's CHART_COLUMN; a timeline
table draws column 1 as columns over time and column 2 (running total, or open incidents) as a
line on its own scale.
"""

from dataclasses import dataclass, field
from typing import Any

from diemcau.reports.figures import CHART_COLUMN

WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 44, 12, 34
MAX_LABELS = 12


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: Any
    label: str


@dataclass
class Timeline:
    width: int = WIDTH
    height: int = HEIGHT
    bars: list[Bar] = field(default_factory=list)
    line: str = ""  # polyline points
    ticks: list[tuple[float, str]] = field(default_factory=list)  # x, time label
    top: float = 0  # largest bar value (left scale)
    line_top: float = 0  # largest line value (right scale)
    bar_name: str = ""
    line_name: str = ""
    base_y: float = HEIGHT - BOTTOM
    right_x: float = WIDTH - RIGHT


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def timeline(table: dict[str, Any]) -> Timeline:
    rows = table["rows"]
    chart = Timeline(bar_name=table["columns"][1], line_name=table["columns"][2])
    if not rows:
        return chart
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / len(rows)
    chart.top = max((_number(r[1]) for r in rows), default=0)
    chart.line_top = max((_number(r[2]) for r in rows), default=0)
    points = []
    every = max(1, -(-len(rows) // MAX_LABELS))
    for i, row in enumerate(rows):
        value = _number(row[1])
        h = plot_h * value / chart.top if chart.top else 0.0
        x = LEFT + i * step
        chart.bars.append(
            Bar(round(x + step * 0.1, 1), round(TOP + plot_h - h, 1), round(step * 0.8, 1),
                round(h, 1), row[1], str(row[0]))
        )  # fmt: skip
        line_h = plot_h * _number(row[2]) / chart.line_top if chart.line_top else 0.0
        points.append(f"{x + step / 2:.1f},{TOP + plot_h - line_h:.1f}")
        if i % every == 0:
            chart.ticks.append((round(x + step / 2, 1), str(row[0])))
    chart.line = " ".join(points)
    return chart


def with_charts(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Each table with what to draw: a timeline, or a bar width (% of the largest) per row."""
    tables = []
    for table in data["tables"]:
        if table.get("chart") == "timeline" and len(table["columns"]) >= 3:
            tables.append({**table, "timeline": timeline(table), "bar_rows": None})
            continue
        col = CHART_COLUMN.get(table["key"], 1)
        values = [_number(r[col]) for r in table["rows"] if col < len(r)]
        top = max(values, default=0) or 1
        rows = [
            {"cells": r, "bar": round(100 * _number(r[col]) / top) if col < len(r) else 0}
            for r in table["rows"]
        ]
        tables.append({**table, "bar_rows": rows, "bar_column": table["columns"][col]})
    return tables
