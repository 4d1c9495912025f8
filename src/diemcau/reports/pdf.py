"""The report on paper: A4, Vietnamese fonts embedded, the headline, a bar chart per table.

Built from the same dict as the page and the XLSX (services.report), so the printed figures are
the filed figures. Charts are reportlab drawings (vector, no image files, no browser).
"""

from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from diemcau import vnformat
from diemcau.programme.pdf import FONT, FONT_BOLD, register_fonts
from diemcau.reports.figures import CHART_COLUMN

CHART_ROWS = 34  # provinces fit; longer lists are cut to the largest


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return vnformat.number(value)
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
        chart.valueAxis.labelTextFormat = _axis_label
        drawing.add(chart)
    for y, name in ((108, table["columns"][1]), (223, table["columns"][2])):
        drawing.add(String(40, y, name, fontName=FONT, fontSize=7))
    return drawing


def _short(name: str, limit: int = 30) -> str:
    """A unit's name beside its bar: whole when short, else cut with an ellipsis (the table
    below the chart has it whole)."""
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


def _axis_label(value: float) -> str:
    """Axis figures as in the tables: 10.000, 2,5."""
    return vnformat.number(int(value) if float(value).is_integer() else value)


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
    chart.categoryAxis.categoryNames = [_short(str(r[0])) for r in rows]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 6
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 6
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labelTextFormat = _axis_label
    chart.bars[0].fillColor = colors.HexColor("#2f6fb5")
    drawing.add(chart)
    return drawing


def _grid(table: dict[str, Any], width: float, base: ParagraphStyle) -> Table:
    """The figures as a grid whose text cells wrap inside their column (a long unit name such
    as "Ủy ban Mặt trận Tổ quốc Việt Nam thành phố Hà Nội" takes two lines, never the next
    column); numbers are right-aligned in the Vietnamese format."""
    head = ParagraphStyle("head", parent=base, fontName=FONT_BOLD, fontSize=7.5, leading=9)
    head_num = ParagraphStyle("head-num", parent=head, alignment=TA_RIGHT)
    text = ParagraphStyle("cell", parent=base, fontSize=7.5, leading=9)
    text_bold = ParagraphStyle("cell-bold", parent=text, fontName=FONT_BOLD)
    num = ParagraphStyle("num", parent=text, alignment=TA_RIGHT)
    num_bold = ParagraphStyle("num-bold", parent=num, fontName=FONT_BOLD)

    def row_of(values: list[Any], bold: bool) -> list[Paragraph]:
        cells = []
        for v in values:
            numeric = isinstance(v, int | float) and not isinstance(v, bool)
            style = (num_bold if bold else num) if numeric else (text_bold if bold else text)
            cells.append(Paragraph(escape(_cell(v)), style))
        return cells

    columns = len(table["columns"])
    first_number = table.get("numeric_from", 1)
    rows: list[list[Any]] = [
        [
            Paragraph(escape(str(c)), head_num if i >= first_number else head)
            for i, c in enumerate(table["columns"])
        ]
    ]
    rows += [row_of(r, bold=False) for r in table["rows"]]
    if table.get("total"):
        rows.append(row_of(table["total"], bold=True))
    first = width * (0.3 if columns > 2 else 0.5)
    widths = [first] + [(width - first) / max(1, columns - 1)] * (columns - 1)
    grid = Table(rows, repeatRows=1, colWidths=widths)
    grid.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8EEF7")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return grid


def to_pdf(data: dict[str, Any]) -> bytes:
    register_fonts()
    out = BytesIO()
    name = data["node"]["name"]
    doc = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
        bottomMargin=15 * mm, title=_("Report: %(name)s") % {"name": name}, author="diemcau",
    )  # fmt: skip
    base = ParagraphStyle("base", fontName=FONT, fontSize=9, leading=12)
    h1 = ParagraphStyle("h1", parent=base, fontName=FONT_BOLD, fontSize=14, leading=18)
    # A heading always stays with what follows it: never alone at the foot of a page.
    h2 = ParagraphStyle(
        "h2", parent=base, fontName=FONT_BOLD, fontSize=11, leading=15, keepWithNext=1
    )
    story: list[Any] = [Paragraph(escape(_("Report: %(name)s") % {"name": name}), h1)]
    about = _("Conference: %(name)s") % {"name": data.get("conference", "")}
    if data.get("session"):
        about += " · " + _("Session: %(title)s") % {"title": data["session"]["title"]}
    story.append(Paragraph(escape(about), base))
    frozen = data.get("frozen")
    when = (
        _("Frozen at %(at)s by %(by)s")
        % {"at": vnformat.datetime(frozen["at"]), "by": frozen["by"]}
        if frozen
        else _("Figures at %(at)s") % {"at": vnformat.datetime(data["generated_at"])}
    )
    story += [
        Paragraph(escape(when), base),
        Spacer(1, 4 * mm),
        Paragraph(escape(data["headline"]), base),
    ]
    for table in data["tables"]:
        chart = _chart(table, doc.width)
        # Room for the heading and a few rows (or the chart) before starting a table here.
        need = 30 * mm + (chart.height if chart is not None else 0)
        story += [
            Spacer(1, 5 * mm),
            CondPageBreak(min(need, doc.height / 2)),
            Paragraph(escape(table["title"]), h2),
        ]
        if chart is not None:
            story.append(chart)
        story.append(_grid(table, doc.width, base))
        if table.get("note"):
            story.append(Paragraph(escape(table["note"]), base))
    doc.build(story)
    return out.getvalue()
