"""The agenda as a printable A4 PDF (reportlab).

The PDF embeds DejaVu Sans (Debian package fonts-dejavu-core), which covers every Vietnamese
letter with its diacritics; the built-in PDF fonts do not. Import this module lazily: reportlab
costs half a second of start-up.
"""

from io import BytesIO
from itertools import groupby
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from diemcau.programme.models import Conference, Day, Topic
from diemcau.programme.services import session_bounds

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"


class FontMissing(RuntimeError):
    pass


def draw_qr(canvas: Canvas, modules: list[list[bool]], x: float, y: float, size: float) -> None:
    """A QR symbol's dark modules as one filled path of horizontal runs, `size` wide with its
    bottom-left corner at (x, y): badges, learner link sheets and certificates draw them so.

    Integer `re` operators go straight into the path: PathObject.rect formats each number
    through reportlab's pure-Python float formatter, a third of a certificate page's time.
    """
    box = size / len(modules)
    canvas.saveState()
    canvas.transform(box, 0, 0, -box, x, y + size)  # origin top left, one unit per module
    path = canvas.beginPath()
    ops: list[str] = path._code  # type: ignore[attr-defined]
    for r, row in enumerate(modules):
        c = 0
        for dark, run in groupby(row):
            count = len(list(run))
            if dark:
                ops.append(f"{c} {r} {count} 1 re")
            c += count
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()


def register_fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    for name in (FONT, FONT_BOLD):
        path = FONT_DIR / f"{name}.ttf"
        if not path.exists():
            raise FontMissing(f"{path} is missing: install the Debian package fonts-dejavu-core")
        pdfmetrics.registerFont(TTFont(name, str(path)))
    # <b> and <i> inside paragraphs resolve through the family; there is no italic file in
    # fonts-dejavu-core's Sans we rely on, so italic falls back to the regular face.
    pdfmetrics.registerFontFamily(
        FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD
    )


def _speakers_text(topic: Topic) -> str:
    parts = []
    for speaker in topic.speakers.all():
        who = speaker.name
        if speaker.title:
            who = f"{speaker.title} {who}"
        parts.append(who)
    return "; ".join(parts)


def agenda_pdf(conference: Conference, days: list[Day]) -> bytes:
    """An A4 agenda: one table per day, a row per topic, changed items marked."""
    register_fonts()
    out = BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=conference.name,
        author=conference.host,
    )
    base = ParagraphStyle("base", fontName=FONT, fontSize=9, leading=12)
    small = ParagraphStyle("small", parent=base, fontSize=8, leading=10, textColor=colors.grey)
    h1 = ParagraphStyle("h1", parent=base, fontName=FONT_BOLD, fontSize=14, leading=18)
    h2 = ParagraphStyle("h2", parent=base, fontName=FONT_BOLD, fontSize=11, leading=15)
    bold = ParagraphStyle("bold", parent=base, fontName=FONT_BOLD)
    changed = _("changed")
    dates = f"{conference.starts_on:%d/%m/%Y} – {conference.ends_on:%d/%m/%Y}"
    story: list = [
        Paragraph(escape(conference.name), h1),
        Paragraph(escape(f"{conference.host} · {dates}"), base),
        Spacer(1, 6 * mm),
    ]
    for day in days:
        story.append(Paragraph(escape(_("Day %(date)s") % {"date": f"{day.date:%d/%m/%Y}"}), h2))
        for session in day.sessions.all():
            start, end = session_bounds(session)
            head = f"{start:%H:%M}–{end:%H:%M} · {session.title}"
            if session.chair:
                head += f" · {_('Chair')}: {session.chair}"
            if session.changed_at:
                head += f" [{changed}]"
            story.append(Paragraph(escape(head), bold))
            rows: list[list[Any]] = [[_("No."), _("Topic"), _("Speakers"), _("Minutes")]]
            for topic in session.topics.all():
                title = escape(topic.title)
                if topic.is_sample:
                    title += f" <i>({escape(_('sample topic'))})</i>"
                if topic.changed_at:
                    title += f" <b>[{escape(changed)}]</b>"
                rows.append(
                    [
                        Paragraph(str(topic.number), base),
                        Paragraph(title, base),
                        Paragraph(escape(_speakers_text(topic)), small),
                        Paragraph(str(topic.planned_minutes), base),
                    ]
                )
            table = Table(rows, colWidths=[12 * mm, 95 * mm, 57 * mm, 16 * mm], repeatRows=1)
            table.setStyle(
                TableStyle(
                    [
                        ("FONT", (0, 0), (-1, 0), FONT_BOLD, 8),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eceff3")),
                        ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#c8cdd4")),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ]
                )
            )
            story += [Spacer(1, 2 * mm), table, Spacer(1, 4 * mm)]
    doc.build(story)
    return out.getvalue()
