"""The certificate as printed: the verification code stays clear of the frame, and the QR code
and links carry the address people reach the server at (issue 17)."""

import io
import shutil
import subprocess
from html.parser import HTMLParser
from typing import Any

import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream

from diemcau.accounts.scopes import scope_for
from diemcau.assessment.certificates import services as certificates
from diemcau.assessment.links import token_for
from diemcau.assessment.models import Certificate
from diemcau.assessment.tests.helpers import passed_client, world
from diemcau.assessment.tests.test_completion import complete

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(make_site: Any, make_user: Any, settings: Any, tmp_path: Any) -> dict[str, Any]:
    settings.DATA_DIR = tmp_path
    found = world(make_site)
    central = scope_for(make_user("central_organiser"))
    complete(found, "an", central)
    found["central"] = central
    return found


class _Words(HTMLParser):
    """pdftotext -bbox's words: (text, x0, y0, x1, y1) in points from the page's top left."""

    def __init__(self) -> None:
        super().__init__()
        self.words: list[tuple[str, float, float, float, float]] = []
        self._box: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._box = dict(attrs) if tag == "word" else None

    def handle_data(self, data: str) -> None:
        if self._box is not None and data.strip():
            b = self._box
            coords = (float(b[k] or 0) for k in ("xmin", "ymin", "xmax", "ymax"))
            self.words.append((data.strip(), *coords))
            self._box = None


def _stroked_lines(pdf: bytes) -> tuple[float, list[tuple[float, float, float, float]]]:
    """Every stroked rectangle's four sides as boxes as wide as the line (PDF coordinates, from
    the bottom left), read from the page's drawing operators; and the page's height."""
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    ops = ContentStream(page.get_contents(), page.pdf).operations
    width, pending, sides = 1.0, [], []
    for operands, op in ops:
        if op == b"w":
            width = float(operands[0])
        elif op == b"re":
            pending.append([float(v) for v in operands])
        elif op in (b"S", b"s"):
            half = width / 2
            for x, y, w_, h in pending:
                sides += [
                    (x - half, y - half, x + w_ + half, y + half),  # bottom
                    (x - half, y + h - half, x + w_ + half, y + h + half),  # top
                    (x - half, y - half, x + half, y + h + half),  # left
                    (x + w_ - half, y - half, x + w_ + half, y + h + half),  # right
                ]
            pending = []
        elif op in (b"f", b"F", b"f*", b"n", b"B", b"b"):
            pending = []
    return float(page.mediabox.height), sides


def _code_boxes(pdf: bytes, code: str, tmp_path: Any) -> list[tuple[float, float, float, float]]:
    pdftotext = shutil.which("pdftotext")
    assert pdftotext
    path = tmp_path / "layout.pdf"
    path.write_bytes(pdf)
    html = subprocess.run(  # noqa: S603 - fixed arguments, our own file
        [pdftotext, "-bbox", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    parser = _Words()
    parser.feed(html)
    return [
        (x0, y0, x1, y1) for text, x0, y0, x1, y1 in parser.words if len(text) > 8 and text in code
    ]


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_the_frame_does_not_strike_through_the_verification_code(
    w: dict[str, Any], tmp_path: Any
) -> None:
    cert = certificates.issue(w["an"], w["conference"].pk)
    pdf = certificates.pdf_of(cert)
    height, sides = _stroked_lines(pdf)
    assert len(sides) == 8  # the outer and the inner frame
    boxes = _code_boxes(pdf, cert.code, tmp_path)
    # the top edge of the inner frame's bottom line (the highest wide line below the middle)
    inner = max(s[3] for s in sides if s[1] < height / 2 and s[2] - s[0] > 100)
    assert len("".join(_texts(pdf, cert.code, tmp_path))) == len(cert.code)  # printed in full
    printed = [(x0, height - bottom, x1, height - top) for x0, top, x1, bottom in boxes]
    struck = [(box, side) for box in printed for side in sides if _overlap(box, side)]
    assert struck == []  # no line of the code meets a line of the frame
    assert min(box[1] for box in printed) > inner + 5  # clear of it by more than a line of text


def _texts(pdf: bytes, code: str, tmp_path: Any) -> list[str]:
    pdftotext = shutil.which("pdftotext")
    assert pdftotext
    path = tmp_path / "text.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(  # noqa: S603
        [pdftotext, str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [t for t in text.split() if len(t) > 8 and t in code]


def _scanned(pdf: bytes, tmp_path: Any) -> str:
    pdftoppm, zbarimg = shutil.which("pdftoppm"), shutil.which("zbarimg")
    assert pdftoppm and zbarimg
    path = tmp_path / "scan.pdf"
    path.write_bytes(pdf)
    subprocess.run(  # noqa: S603 - fixed arguments, our own file
        [pdftoppm, "-r", "150", "-png", str(path), str(tmp_path / "scan")], check=True
    )
    image = next(tmp_path.glob("scan*.png"))
    return subprocess.run(  # noqa: S603
        [zbarimg, "-q", "--raw", str(image)], capture_output=True, text=True, check=False
    ).stdout.strip()


def test_the_qr_code_holds_the_public_address_when_one_is_set(
    w: dict[str, Any], settings: Any, tmp_path: Any
) -> None:
    settings.DIEMCAU_PUBLIC_URL = "https://hoinghi.example.gov.vn"
    cert = certificates.issue(w["an"], w["conference"].pk)
    assert _scanned(certificates.pdf_of(cert), tmp_path) == (
        f"https://hoinghi.example.gov.vn/xac-minh/{cert.code}/"
    )


def test_unset_the_qr_code_holds_the_address_the_delegate_reached(
    w: dict[str, Any], settings: Any, tmp_path: Any
) -> None:
    """Not 127.0.0.1 whatever the server answers on (issue 17): a delegate who opened the
    server at 10.1.2.3 gets a certificate whose QR code a phone on that network opens."""
    settings.ALLOWED_HOSTS = ["10.1.2.3"]
    phone = passed_client(w["an"])
    url = f"/hoc-vien/{token_for(w['an'])}/{w['conference'].pk}/certificate.pdf"
    response = phone.get(url, HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200
    code = Certificate.objects.get(delegate=w["an"]).code
    assert _scanned(response.content, tmp_path) == f"http://10.1.2.3:8000/xac-minh/{code}/"


def test_a_pdf_kept_for_another_address_is_redrawn(
    w: dict[str, Any], settings: Any, tmp_path: Any
) -> None:
    cert = certificates.issue(w["an"], w["conference"].pk)
    first = certificates.pdf_of(cert, "http://10.1.2.3:8000")
    assert certificates.pdf_of(cert, "http://10.1.2.3:8000") == first  # kept: the same file
    old = settings.DATA_DIR / "assessment" / "certificates" / cert.pdf_path
    assert old.exists()
    settings.DIEMCAU_PUBLIC_URL = "https://hoinghi.example.gov.vn"
    again = certificates.pdf_of(Certificate.objects.get(pk=cert.pk))
    assert _scanned(again, tmp_path).startswith("https://hoinghi.example.gov.vn/xac-minh/")
    assert not old.exists()  # the copy with the old address is not handed out any more
