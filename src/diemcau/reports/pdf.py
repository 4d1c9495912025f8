"""The report on paper: A4, Vietnamese fonts embedded, the headline, a bar chart per table.

Built from the same dict as the page and the XLSX (services.report), so the printed figures are
the filed figures. Charts are reportlab drawings (vector, no image files, no browser).
"""

from io import BytesIO
from typing import Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from diemcau.programme.pdf import FONT, FONT_BOLD, register_fonts
from diemcau.reports.figures import CHART_COLUMN

CHART_ROWS = 34  # provinces fit; longer lists are cut to the largest


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    if isinstance(value, float):
        return f"{value:,.1f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return str(value)


def _timeline(table: dict[str, Any], width: float) -> Drawing | None:
    """Columns per time bucket (column 1) and, above them, the running line (column 2)."""
    rows = [r for r in table["rows"] if len(r) >= 3]
    if len(rows) < 2:
        return None
    labels = [str(r[0]) for r in rows]
    every = max(1, -(-len(rows) // 12))
    shown = [label if i % every == 0 else "" for i, label in enumerate(labels)]
    drawing = Drawing(width, 230)
    bars = VerticalBarChart()
    bars.x, bars.y, bars.width, bars.height = 40, 20, int(width - 60), 85
    bars.data = [[_value(r[1]) for r in rows]]
    line = HorizontalLineChart()
    line.x, line.y, line.width, line.height = 40, 135, int(width - 60), 85
    line.data = [[_value(r[2]) for r in rows]]
    line.lines[0].strokeColor = colors.HexColor("#d9822b")
    line.lines[0].strokeWidth = 1.5
    bars.bars[0].fillColor = colors.HexColor("#2f6fb5")
    for chart in (bars, line):
        chart.categoryAxis.categoryNames = shown
        chart.categoryAxis.labels.fontName = FONT
        chart.categoryAxis.labels.fontSize = 6
        chart.valueAxis.labels.fontName = FONT
        chart.valueAxis.labels.fontSize = 6
        chart.valueAxis.valueMin = 0
        drawing.add(chart)
    for y, name in ((108, table["columns"][1]), (223, table["columns"][2])):
        drawing.add(String(40, y, name, fontName=FONT, fontSize=7))
    return drawing


def _value(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _chart(table: dict[str, Any], width: float) -> Drawing | None:
    if table.get("chart") == "timeline":
        return _timeline(table, width)
    col = CHART_COLUMN.get(table["key"], 1)
    rows = [r for r in table["rows"] if col < len(r) and isinstance(r[col], int | float)]
    rows = sorted(rows, key=lambda r: r[col], reverse=True)[:CHART_ROWS]
    if len(rows) < 2:
        return None
    rows.reverse()  # largest at the top
    height = 12 * len(rows) + 30
    drawing = Drawing(width, height)
    chart = HorizontalBarChart()
    chart.x, chart.y = 150, 15
    chart.width, chart.height = int(width - 170), height - 25
    chart.data = [[float(r[col]) for r in rows]]
    chart.categoryAxis.categoryNames = [str(r[0])[:30] for r in rows]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 6
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 6
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = colors.HexColor("#2f6fb5")
    drawing.add(chart)
    return drawing


def to_pdf(data: dict[str, Any]) -> bytes:
    register_fonts()
    out = BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
        bottomMargin=15 * mm, title=f"Báo cáo {data['node']['name']}", author="diemcau",
    )  # fmt: skip
    base = ParagraphStyle("base", fontName=FONT, fontSize=9, leading=12)
    h1 = ParagraphStyle("h1", parent=base, fontName=FONT_BOLD, fontSize=14, leading=18)
    h2 = ParagraphStyle("h2", parent=base, fontName=FONT_BOLD, fontSize=11, leading=15)
    story: list[Any] = [Paragraph(f"Báo cáo: {data['node']['name']}", h1)]
    if data.get("session"):
        story.append(Paragraph(str(data["session"]["title"]), base))
    frozen = data.get("frozen")
    when = (
        f"Đã chốt lúc {frozen['at']} bởi {frozen['by']}"
        if frozen
        else f"Số liệu lúc {data['generated_at']}"
    )
    story += [Paragraph(when, base), Spacer(1, 4 * mm), Paragraph(data["headline"], base)]
    for table in data["tables"]:
        story += [Spacer(1, 5 * mm), Paragraph(table["title"], h2)]
        chart = _chart(table, doc.width)
        if chart is not None:
            story.append(chart)
        rows: list[list[Any]] = [[Paragraph(str(c), base) for c in table["columns"]]]
        rows += [[_cell(v) for v in r] for r in table["rows"]]
        if table.get("total"):
            rows.append([_cell(v) for v in table["total"]])
        grid = Table(rows, repeatRows=1, colWidths=[doc.width * 0.3] + [None] * (len(rows[0]) - 1))
        style: list[Any] = [
            ("FONT", (0, 0), (-1, -1), FONT, 7.5),
            ("FONT", (0, 0), (-1, 0), FONT_BOLD, 7.5),
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8EEF7")),
            ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
        if table.get("total"):
            style.append(("FONT", (0, -1), (-1, -1), FONT_BOLD, 7.5))
        grid.setStyle(TableStyle(style))
        story.append(grid)
        if table.get("note"):
            story.append(Paragraph(table["note"], base))
    doc.build(story)
    return out.getvalue()
