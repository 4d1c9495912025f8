"""Badge sheets: an A4 PDF per site, eight badges a page (2 × 4), with cut marks.

A site prints its delegates' badges on plain A4 and cuts them out, so badges touch each other
and the cut marks sit in the page margin, where no badge is. Each badge carries the conference,
the delegate's name (large), position, workplace, the site, the delegate code in text (typed at
check-in when a scanner fails) and a QR of `badge_token.badge_url` — the public address of the
delegate's own page, ``…/d/<code>.<mac>``: a phone camera opens it, a USB scanner types it into
the console. The code and an HMAC, never the national ID.

Text is set in DejaVu Sans (embedded; the built-in PDF fonts lack Vietnamese letters) through
the agenda's font helper. A long name wraps onto a second line and then shrinks; what still does
not fit ends in "…" — a badge never overflows into its neighbour. reportlab is imported lazily by
the callers (half a second of start-up).
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from io import BytesIO

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from diemcau import publicurl
from diemcau.delegates.badge_token import badge_url
from diemcau.delegates.services import BadgeRow
from diemcau.programme.pdf import FONT, FONT_BOLD, draw_qr, register_fonts

COLUMNS, ROWS = 2, 4
PER_PAGE = COLUMNS * ROWS
BADGE_W, BADGE_H = 95 * mm, 68 * mm
PAD = 4 * mm
QR_SIZE = 27 * mm
MARK = 5 * mm  # length of a cut mark, drawn in the margin 1 mm away from the badges
ACCENT = colors.HexColor("#a50f15")

PAGE_W, PAGE_H = A4
LEFT = (PAGE_W - COLUMNS * BADGE_W) / 2
BOTTOM = (PAGE_H - ROWS * BADGE_H) / 2

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Fitted:
    size: float
    lines: list[str]


def fit(
    text: str, font: str, width: float, *, largest: float, smallest: float, lines: int
) -> Fitted:
    """The largest size (down to `smallest`) at which `text` fits `lines` lines of `width`.

    At the smallest size what is left over is cut with an ellipsis, so the text stays inside.
    """
    size = largest
    while True:
        wrapped = simpleSplit(text, font, size, width)
        if len(wrapped) <= lines or size <= smallest:
            break
        size = max(smallest, size - 0.5)
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = _ellipsis(wrapped[-1], font, size, width, cut=True)
    # simpleSplit cannot break a single word longer than the line: cut it too.
    wrapped = [_ellipsis(line, font, size, width) for line in wrapped]
    return Fitted(size, wrapped)


def _ellipsis(line: str, font: str, size: float, width: float, cut: bool = False) -> str:
    """`line` if it fits (and nothing after it was `cut`), else shortened to end in "…"."""
    if not cut and stringWidth(line, font, size) <= width:
        return line
    text = line
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _text(canvas: Canvas, x: float, top: float, fitted: Fitted, font: str) -> float:
    """Draw the lines from `top` down; return where the next block may start."""
    leading = fitted.size * 1.2
    y = top
    for line in fitted.lines:
        y -= fitted.size
        canvas.setFont(font, fitted.size)
        canvas.drawString(x, y, line)
        y -= leading - fitted.size
    return y


def qr_modules(payload: str) -> list[list[bool]]:
    """The QR symbol's dark modules, top row first, as reportlab's QR widget encodes them."""
    # The widget keeps its encoder (reportlab's qrencoder, given the widget's mode and level)
    # in its __dict__; we draw its modules ourselves.
    code = QrCodeWidget(payload, barLevel="M").__dict__["qr"]
    code.make()
    return [[bool(m) for m in row] for row in code.modules]


def _qr(canvas: Canvas, payload: str, x: float, y: float) -> None:
    draw_qr(canvas, qr_modules(payload), x, y, QR_SIZE)


def _badge(
    canvas: Canvas, x: float, y: float, row: BadgeRow, *, conference: str, site: str, base: str
) -> None:
    inner = BADGE_W - 2 * PAD
    top = y + BADGE_H - PAD
    canvas.setFillColor(ACCENT)
    head = fit(conference.upper(), FONT_BOLD, inner, largest=8, smallest=6, lines=3)
    after_head = _text(canvas, x + PAD, top, head, FONT_BOLD)
    canvas.setStrokeColor(ACCENT)
    canvas.setLineWidth(0.8)
    rule = after_head - 1.2 * mm
    canvas.line(x + PAD, rule, x + BADGE_W - PAD, rule)

    canvas.setFillColor(colors.black)
    name = fit(row.full_name, FONT_BOLD, inner, largest=17, smallest=10, lines=2)
    below = _text(canvas, x + PAD, rule - 2.5 * mm, name, FONT_BOLD)
    text_w = inner - QR_SIZE - 3 * mm  # beside the QR
    for value, largest, smallest, gap in (
        (row.position, 9, 7, 1 * mm),
        (row.workplace, 8, 6.5, 0.5 * mm),
    ):
        if value:
            fitted = fit(value, FONT, text_w, largest=largest, smallest=smallest, lines=2)
            below = _text(canvas, x + PAD, below - gap, fitted, FONT)

    qr_x, qr_y = x + BADGE_W - PAD - QR_SIZE, y + PAD
    _qr(canvas, badge_url(row.code, row.secret, base), qr_x, qr_y)
    # The site and the code sit at the bottom left, whatever the text above took.
    canvas.setFillColor(colors.HexColor("#444444"))
    site_fit = fit(site, FONT, text_w, largest=7.5, smallest=6, lines=2)
    site_h = len(site_fit.lines) * site_fit.size * 1.2
    _text(canvas, x + PAD, y + PAD + 6 * mm + site_h, site_fit, FONT)
    canvas.setFillColor(colors.black)
    canvas.setFont(FONT_BOLD, 12)
    canvas.drawString(x + PAD, y + PAD + 1 * mm, row.code)


def _cut_marks(canvas: Canvas) -> None:
    canvas.setStrokeColor(colors.black)
    canvas.setLineWidth(0.3)
    right, top = LEFT + COLUMNS * BADGE_W, BOTTOM + ROWS * BADGE_H
    for i in range(COLUMNS + 1):
        x = LEFT + i * BADGE_W
        canvas.line(x, top + 1 * mm, x, top + 1 * mm + MARK)
        canvas.line(x, BOTTOM - 1 * mm, x, BOTTOM - 1 * mm - MARK)
    for j in range(ROWS + 1):
        y = BOTTOM + j * BADGE_H
        canvas.line(LEFT - 1 * mm, y, LEFT - 1 * mm - MARK, y)
        canvas.line(right + 1 * mm, y, right + 1 * mm + MARK, y)


def _positions() -> Sequence[tuple[float, float]]:
    """Badge corners in reading order: left to right, top to bottom."""
    return [
        (LEFT + c * BADGE_W, BOTTOM + (ROWS - 1 - r) * BADGE_H)
        for r in range(ROWS)
        for c in range(COLUMNS)
    ]


def badge_sheet(
    rows: Iterable[BadgeRow],
    *,
    conference: str,
    site: str,
    base: str = "",
    total: int = 0,
    progress: Progress | None = None,
) -> bytes:
    """The PDF: ⌈n / 8⌉ A4 pages (one blank page with cut marks when there is nobody).

    `base` starts every QR address (publicurl.base(request)); "" means publicurl.base().
    """
    base = base or publicurl.base()
    register_fonts()
    out = BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    canvas.setTitle(f"{conference} – {site}")
    canvas.setCreator("diemcau")
    positions = _positions()
    done = 0
    for done, row in enumerate(rows, start=1):
        slot = (done - 1) % PER_PAGE
        if slot == 0 and done > 1:
            canvas.showPage()
        if slot == 0:
            _cut_marks(canvas)
        _badge(canvas, *positions[slot], row, conference=conference, site=site, base=base)
        if progress is not None and done % PER_PAGE == 0:
            progress(done, total or done)
    if done == 0:
        _cut_marks(canvas)
    canvas.showPage()
    canvas.save()
    if progress is not None:
        progress(done, total or done)
    return out.getvalue()
