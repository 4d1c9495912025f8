"""Certificates as A4 landscape PDF pages (reportlab canvas, DejaVu embedded).

Drawn straight on the canvas, not through a layout engine or an overlay on a background PDF:
~100 pages a second as one document on this machine (see DESIGN.md), so a site's 150
certificates print as one file in under two seconds. Fonts are registered by the programme
agenda's helper; the QR symbol is drawn as one path of module runs, as on the badges.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from io import BytesIO

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from diemcau.programme.pdf import FONT, FONT_BOLD, draw_qr, register_fonts

PAGE_W, PAGE_H = landscape(A4)
RED = colors.HexColor("#B71C1C")
QR_SIZE = 32 * mm
FIXED_MASK = 2  # vertical stripes: no large blocks on the URL-shaped payloads we print


@dataclass(frozen=True)
class BodyLine:
    """A paragraph of the certificate text: style "name" (large), "strong" or "normal"."""

    text: str
    style: str = "normal"


@dataclass(frozen=True)
class CertificatePage:
    title: str
    holder_name: str
    conference: str
    host: str
    issued_on: dt.date
    signer_name: str
    signer_title: str
    verify_url: str
    code: str
    body: tuple[BodyLine, ...] = ()  # empty: the default text with the name and conference
    emblem: str | None = None  # file paths of checked PNG/JPEG images
    seal: str | None = None


# The double frame: (distance from the page's edge, line width in points), outer then inner.
FRAMES = ((10 * mm, 3.0), (13 * mm, 0.8))
# The QR code's lower left corner; its caption and the code's lines (CODE_SIZE points, at most
# three of CODE_WIDTH) go below it and end ~4 mm above the inner frame.
QR_X, QR_Y = 22 * mm, 28 * mm
CODE_SIZE = 5.5
CODE_LEADING = 2.5 * mm
CODE_WIDTH = 100 * mm
EMBLEM_SIZE = 24 * mm
SEAL_BOX = (40 * mm, 24 * mm)
BODY_TOP = PAGE_H - 72 * mm
BODY_FLOOR = 70 * mm  # the date and signature block start below


def default_body(page: CertificatePage) -> tuple[BodyLine, ...]:
    return (
        BodyLine("Chứng nhận Ông/Bà"),
        BodyLine(page.holder_name, "name"),
        BodyLine("Đã hoàn thành chương trình"),
        BodyLine(page.conference, "strong"),
    )


def _body(canvas: Canvas, lines: tuple[BodyLine, ...], width: float) -> None:
    y = BODY_TOP
    for line in lines:
        if y < BODY_FLOOR:
            break
        if line.style == "name":
            y -= 4 * mm
            canvas.setFillColor(colors.HexColor("#0D47A1"))
            _centered(canvas, line.text, y - 10 * mm, font=FONT_BOLD, largest=28, width=width)
            canvas.setFillColor(colors.black)
            y -= 18 * mm
        elif line.style == "strong":
            y = _wrapped(canvas, line.text, y, font=FONT_BOLD, size=15, width=width)
        else:
            y = _wrapped(canvas, line.text, y, font=FONT, size=14, width=width)


def _image(canvas: Canvas, path: str, x: float, y: float, box: tuple[float, float]) -> None:
    # A file name, so reportlab embeds each image once per document however many pages use it.
    w, h = box
    canvas.drawImage(path, x, y, w, h, preserveAspectRatio=True, anchor="c", mask="auto")


def _centered(
    canvas: Canvas, text: str, y: float, *, font: str, largest: float, width: float
) -> None:
    size = largest
    while size > 8 and stringWidth(text, font, size) > width:
        size -= 0.5
    canvas.setFont(font, size)
    canvas.drawCentredString(PAGE_W / 2, y, text)


def _wrapped(canvas: Canvas, text: str, y: float, *, font: str, size: float, width: float) -> float:
    words = text.split()
    line: list[str] = []
    canvas.setFont(font, size)
    for word in words:
        if line and stringWidth(" ".join([*line, word]), font, size) > width:
            canvas.drawCentredString(PAGE_W / 2, y, " ".join(line))
            y -= size * 1.35
            line = []
        line.append(word)
    if line:
        canvas.drawCentredString(PAGE_W / 2, y, " ".join(line))
        y -= size * 1.35
    return y


def qr_modules(payload: str) -> list[list[bool]]:
    """The QR symbol with a fixed mask pattern.

    reportlab tries all eight masks and scores each (90% of a certificate's drawing time for
    a 150-character URL); any mask is valid QR, the score only avoids patterns that some old
    scanners misread, and a printed A4 code 32 mm wide is far from that limit.
    """
    code = QrCodeWidget(payload, barLevel="M").__dict__["qr"]
    if code.version is None:
        code.version = code.calculate_version()
    code.makeImpl(False, FIXED_MASK)
    return [[bool(m) for m in row] for row in code.modules]


def _qr(canvas: Canvas, payload: str, x: float, y: float) -> None:
    draw_qr(canvas, qr_modules(payload), x, y, QR_SIZE)


def _page(canvas: Canvas, page: CertificatePage) -> None:
    width = PAGE_W - 60 * mm
    canvas.setStrokeColor(RED)
    for inset, line_width in FRAMES:
        canvas.setLineWidth(line_width)
        canvas.rect(inset, inset, PAGE_W - 2 * inset, PAGE_H - 2 * inset)
    canvas.setFillColor(colors.black)
    _centered(canvas, page.host.upper(), PAGE_H - 30 * mm, font=FONT_BOLD, largest=13, width=width)
    canvas.setFillColor(RED)
    _centered(canvas, page.title.upper(), PAGE_H - 55 * mm, font=FONT_BOLD, largest=34, width=width)
    canvas.setFillColor(colors.black)
    if page.emblem:
        _image(
            canvas, page.emblem, 20 * mm, PAGE_H - 20 * mm - EMBLEM_SIZE, (EMBLEM_SIZE, EMBLEM_SIZE)
        )
    _body(canvas, page.body or default_body(page), width)
    d = page.issued_on
    right_x = PAGE_W - 75 * mm
    if page.seal:
        _image(canvas, page.seal, right_x - SEAL_BOX[0] / 2, 31 * mm, SEAL_BOX)
    canvas.setFont(FONT, 12)
    canvas.drawCentredString(right_x, 62 * mm, f"Ngày {d.day:02d} tháng {d.month:02d} năm {d.year}")
    canvas.setFont(FONT_BOLD, 12)
    canvas.drawCentredString(right_x, 55 * mm, page.signer_title.upper())
    canvas.drawCentredString(right_x, 28 * mm, page.signer_name)
    _verification(canvas, page)
    canvas.showPage()


def code_lines(code: str, width: float = CODE_WIDTH) -> list[str]:
    """The verification code cut into lines no wider than `width` (it has no spaces)."""
    lines = [""]
    for ch in code:
        if lines[-1] and stringWidth(lines[-1] + ch, FONT, CODE_SIZE) > width:
            lines.append("")
        lines[-1] += ch
    return lines


def _verification(canvas: Canvas, page: CertificatePage) -> None:
    """The QR code, its caption and the code in full, all inside the inner border: the code's
    last line once sat on the inner frame's line and was struck through by it."""
    _qr(canvas, page.verify_url, QR_X, QR_Y)
    y = QR_Y - 4.5 * mm
    canvas.setFont(FONT, 7)
    canvas.drawString(QR_X, y, "Quét mã để kiểm tra tính xác thực")
    canvas.setFont(FONT, CODE_SIZE)
    for line in code_lines(page.code):
        y -= CODE_LEADING
        canvas.drawString(QR_X, y, line)


def render(pages: Iterable[CertificatePage], title: str = "Giấy chứng nhận") -> bytes:
    """One PDF holding a page per certificate."""
    register_fonts()
    out = BytesIO()
    canvas = Canvas(out, pagesize=(PAGE_W, PAGE_H), pageCompression=1)
    canvas.setTitle(title)
    for page in pages:
        _page(canvas, page)
    canvas.save()
    return out.getvalue()
