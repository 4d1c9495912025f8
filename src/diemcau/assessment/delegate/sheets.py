"""Printable sheets of a site's personal links: a PDF with a QR code per delegate, and an XLSX.

Until now the links were only in the JSON API (`/api/v1/assessment/links?site=`), which no site
operator reads; a sheet is what they print and cut into strips on the day, one per delegate,
so that a phone camera opens the delegate's own page (quiz, learning report, certificate).

Scoped like the API (links.managed_site: the site's operators and organisers; any other site is
404). Every link starts from publicurl.base(request): the public address, or the one the
request came in on. A loopback address (127.0.0.1, localhost) opens nothing on a delegate's
phone, so a sheet is refused with it unless the server runs in demo mode (DIEMCAU_DEMO), where
printing on the server's own machine is the point.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO

import segno
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from diemcau import csvsafe, publicurl
from diemcau.accounts.scopes import Scope
from diemcau.assessment import links
from diemcau.delegates.models import Delegate
from diemcau.errors import Forbidden, Invalid
from diemcau.programme.pdf import FONT, FONT_BOLD, draw_qr, register_fonts
from diemcau.sites.models import Site

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_W, PAGE_H = A4
MARGIN = 12 * mm
HEADER_H = 25 * mm
ROW_H = 30 * mm  # a strip to cut out and hand over: QR code, name, code, link
QR_SIZE = 25 * mm
ROWS_PER_PAGE = int((PAGE_H - 2 * MARGIN - HEADER_H) // ROW_H)


@dataclass(frozen=True)
class Line:
    name: str
    code: str
    url: str


@dataclass(frozen=True)
class LinkSheet:
    site: Site
    base: str
    lines: Sequence[Line]


def require_link_manager(scope: Scope) -> None:
    """The sheets page is for those who hand links out: a site's operators and organisers."""
    if scope.site_write_q() is None:
        raise Forbidden(_("Only site operators and organisers print delegates' links."))


def refusal(base: str) -> str:
    """Why links starting with `base` must not be printed; "" when they may."""
    if publicurl.is_loopback(base) and not getattr(settings, "DIEMCAU_DEMO", False):
        return _(
            "Links would point at %(url)s, which no delegate's phone can open. Ask the "
            "administrator to set DIEMCAU_PUBLIC_URL to the server's public address, then print."
        ) % {"url": base}
    return ""


def site_sheet(scope: Scope, site_code: str, base: str) -> LinkSheet:
    """The site's delegates (by name) and their links, or Invalid when `base` may not be
    printed (see refusal); NotFound for a site outside the caller's scope."""
    site = links.managed_site(scope, site_code)
    if reason := refusal(base):
        raise Invalid(reason)
    delegates = Delegate.objects.filter(site=site).order_by("full_name", "pk")
    lines = [Line(d.full_name, d.code, links.link_url(base, d)) for d in delegates]
    return LinkSheet(site, base, lines)


# -- XLSX -------------------------------------------------------------------------------------
def to_xlsx(sheet: LinkSheet) -> bytes:
    out = BytesIO()
    book = csvsafe.xlsx_workbook(out, {"in_memory": True})
    ws = book.add_worksheet(_("Links")[:31])
    bold = book.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1, "text_wrap": True})
    ws.write(0, 0, f"{sheet.site.name} ({sheet.site.code})", book.add_format({"bold": True}))
    headers = [_("No."), _("Full name"), _("Delegate code"), _("Personal link")]
    for col, (title, width) in enumerate(zip(headers, (6, 32, 16, 90), strict=True)):
        ws.write(2, col, title, bold)
        ws.set_column(col, col, width)
    for n, line in enumerate(sheet.lines, start=1):
        ws.write_number(2 + n, 0, n)
        ws.write_string(2 + n, 1, line.name)
        ws.write_string(2 + n, 2, line.code)
        ws.write_string(2 + n, 3, line.url)
    ws.freeze_panes(3, 0)
    ws.autofilter(2, 0, 2 + len(sheet.lines), len(headers) - 1)
    book.close()
    return out.getvalue()


# -- PDF --------------------------------------------------------------------------------------
def _qr(canvas: Canvas, url: str, x: float, y: float) -> None:
    """The link's QR symbol (segno encodes; drawn as one path, no image per code)."""
    matrix = segno.make(url, error="m", boost_error=False).matrix
    draw_qr(canvas, [[bool(m) for m in row] for row in matrix], x, y, QR_SIZE)


def _fitted(text: str, font: str, size: float, width: float) -> tuple[str, float]:
    """`text` at `size`, made smaller (down to 6 pt) and then cut with "…" to fit `width`."""
    while size > 6 and stringWidth(text, font, size) > width:
        size -= 0.5
    while text and stringWidth(text, font, size) > width:
        text = text[:-2] + "…"
    return text, size


def _header(canvas: Canvas, sheet: LinkSheet, page: int, pages: int, printed: dt.datetime) -> None:
    top = PAGE_H - MARGIN
    width = PAGE_W - 2 * MARGIN
    title, size = _fitted(
        _("Delegates' personal links: %(site)s (%(code)s)")
        % {"site": sheet.site.name, "code": sheet.site.code},
        FONT_BOLD,
        13,
        width,
    )
    canvas.setFont(FONT_BOLD, size)
    canvas.drawString(MARGIN, top - 5 * mm, title)
    canvas.setFont(FONT, 8.5)
    how = _(
        "Cut along the dashed lines and give each delegate their strip. The phone's camera "
        "opens the link; the page asks for the last 4 digits of the CCCD."
    )
    y = top - 10.5 * mm
    for part in simpleSplit(how, FONT, 8.5, width)[:2]:
        canvas.drawString(MARGIN, y, part)
        y -= 3.6 * mm
    canvas.setFillColor(colors.HexColor("#555555"))
    canvas.drawString(
        MARGIN,
        top - 19 * mm,
        _("Printed %(when)s · page %(page)s of %(pages)s · %(count)s delegates")
        % {
            "when": timezone.localtime(printed).strftime("%d/%m/%Y %H:%M"),
            "page": page,
            "pages": pages,
            "count": f"{len(sheet.lines):,}".replace(",", "."),
        },
    )
    canvas.setFillColor(colors.black)


def _strip(canvas: Canvas, line: Line, n: int, top: float) -> None:
    """One delegate's strip below `top`: QR code on the left, name, code and link beside it."""
    canvas.setDash(3, 3)
    canvas.setStrokeColor(colors.HexColor("#999999"))
    canvas.setLineWidth(0.5)
    canvas.line(MARGIN, top, PAGE_W - MARGIN, top)
    canvas.setDash()
    qr_y = top - (ROW_H + QR_SIZE) / 2
    _qr(canvas, line.url, MARGIN, qr_y)
    x = MARGIN + QR_SIZE + 5 * mm
    width = PAGE_W - MARGIN - x
    name, size = _fitted(f"{n}. {line.name}", FONT_BOLD, 13, width)
    canvas.setFont(FONT_BOLD, size)
    canvas.drawString(x, top - 9 * mm, name)
    canvas.setFont(FONT, 10)
    canvas.drawString(x, top - 15 * mm, _("Delegate code: %(code)s") % {"code": line.code})
    url, size = _fitted(line.url, FONT, 8.5, width)
    canvas.setFont(FONT, size)
    canvas.drawString(x, top - 21 * mm, url)


def to_pdf(sheet: LinkSheet) -> bytes:
    """A4 pages of strips, ROWS_PER_PAGE a page, in the order of the delegates' names."""
    register_fonts()
    out = BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    canvas.setTitle(f"{_('Personal links')} {sheet.site.code}")
    printed = timezone.now()
    lines = list(sheet.lines)
    pages = max(1, -(-len(lines) // ROWS_PER_PAGE))
    for page in range(pages):
        _header(canvas, sheet, page + 1, pages, printed)
        chunk = lines[page * ROWS_PER_PAGE : (page + 1) * ROWS_PER_PAGE]
        top = PAGE_H - MARGIN - HEADER_H
        if not chunk:
            canvas.setFont(FONT, 11)
            canvas.drawString(MARGIN, top - 10 * mm, _("No delegate is registered at this site."))
        for i, line in enumerate(chunk):
            _strip(canvas, line, page * ROWS_PER_PAGE + i + 1, top - i * ROW_H)
        if chunk:  # the last cut line
            canvas.setDash(3, 3)
            canvas.setStrokeColor(colors.HexColor("#999999"))
            canvas.line(MARGIN, top - len(chunk) * ROW_H, PAGE_W - MARGIN, top - len(chunk) * ROW_H)
            canvas.setDash()
        canvas.showPage()
    canvas.save()
    return out.getvalue()
