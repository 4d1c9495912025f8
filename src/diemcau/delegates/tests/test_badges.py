"""Badge sheets (PDF with QR) and badge revocation, over the API, the CLI and the layout code."""

import datetime as dt
import io
import shutil
import subprocess
from typing import Any

import pytest
from click.testing import CliRunner
from pypdf import PdfReader
from pypdf.generic import ContentStream
from reportlab.pdfbase.pdfmetrics import stringWidth

from diemcau.conftest import HANOI, HUE
from diemcau.delegates import badges
from diemcau.delegates.badge_token import badge_url, parse, payload_for, verify
from diemcau.delegates.importing import import_delegates
from diemcau.delegates.models import Delegate
from diemcau.delegates.services import BadgeRow
from diemcau.delegates.tests.helpers import csv_file
from diemcau.delegates.tests.test_views import EVERYTHING, people
from diemcau.programme.models import Conference

pytestmark = pytest.mark.django_db
__all__ = ["people"]
PUBLIC = "https://hoinghi.example.gov.vn"


@pytest.fixture(autouse=True)
def _public_address(settings: Any) -> None:
    settings.DIEMCAU_PUBLIC_URL = PUBLIC


def pdf_of(rows: list[BadgeRow], **kw: Any) -> PdfReader:
    data = badges.badge_sheet(rows, conference=kw.get("conference", "Hội nghị"), site="Điểm cầu")
    assert data.startswith(b"%PDF")
    return PdfReader(io.BytesIO(data))


def rows(n: int) -> list[BadgeRow]:
    return [
        BadgeRow(f"00000{i:02d}X", f"Nguyễn Văn Số {i}", "Bí thư", "Đảng uỷ phường", f"{i:032x}")
        for i in range(n)
    ]


@pytest.mark.parametrize(("n", "pages"), [(0, 1), (1, 1), (8, 1), (9, 2), (17, 3)])
def test_eight_badges_a_page(n: int, pages: int) -> None:
    assert len(pdf_of(rows(n)).pages) == pages


def qr_drawn_in_first_badge(reader: PdfReader, size: int) -> list[list[bool]]:
    """Rebuild the QR modules from the rectangles drawn in the first badge's QR square.

    The QR is drawn in module units under a transform that puts one unit per module with the
    origin at the square's top left corner: find that transform, then read the runs.
    """
    x0, y0 = badges._positions()[0]
    qx, qy = x0 + badges.BADGE_W - badges.PAD - badges.QR_SIZE, y0 + badges.PAD
    box = badges.QR_SIZE / size
    expected = [box, 0, 0, -box, qx, qy + badges.QR_SIZE]
    grid = [[False] * size for _ in range(size)]
    inside = False
    page = reader.pages[0]
    for operands, operator in ContentStream(page.get_contents(), reader).operations:
        if operator == b"cm":
            inside = all(abs(float(a) - b) < 0.01 for a, b in zip(operands, expected, strict=True))
        elif operator == b"Q" and inside:
            break
        elif operator == b"re" and inside:
            col, row, width, height = (round(float(v)) for v in operands)
            assert height == 1
            for c in range(col, col + width):
                grid[row][c] = True
    return grid


def test_the_qr_carries_the_public_address_and_never_the_national_id(people: Any) -> None:
    delegate = people["HK-01"]
    _, found = badges_rows_for("HK-01")
    reader = pdf_of(found, conference="Hội nghị toàn quốc")
    payload = badge_url(delegate.code, delegate.secret, PUBLIC)
    assert payload.startswith(f"{PUBLIC}/d/{delegate.code}.")  # a phone camera opens it
    expected = badges.qr_modules(payload)
    assert qr_drawn_in_first_badge(reader, len(expected)) == expected
    code, mac = parse(payload)  # type: ignore[misc]
    assert code == delegate.code and mac is not None and verify(code, delegate.secret, mac)
    assert parse(payload) == parse(payload_for(delegate.code, delegate.secret))  # the old form
    assert "001085012345" not in payload and "2345" not in payload.rsplit(".", 1)[1]
    text = reader.pages[0].extract_text()
    assert delegate.code in text and "Nguyễn Văn An" in text and "Chủ tịch UBND" in text
    assert "HỘI NGHỊ TOÀN QUỐC" in text
    assert "001085012345" not in text


def test_a_scanner_reads_every_badge_on_the_page(tmp_path: Any) -> None:
    """A real scan of a rendered page: what a USB scanner at the door will read."""
    found = rows(8)
    pdf = tmp_path / "badges.pdf"
    pdf.write_bytes(badges.badge_sheet(found, conference="Hội nghị", site="Điểm cầu"))
    pdftoppm, zbarimg = shutil.which("pdftoppm"), shutil.which("zbarimg")
    assert pdftoppm and zbarimg, "poppler-utils and zbar-tools are missing: run scripts/services"
    # Two resolutions, as a scanner held at two distances: zbar alone misses one code in a few
    # hundred renders of a whole page at a fixed resolution (seen once in CI).
    scanned: set[str] = set()
    for dpi in ("150", "300"):
        prefix = tmp_path / f"p{dpi}"
        subprocess.run(  # noqa: S603 - fixed arguments, our own file
            [pdftoppm, "-r", dpi, "-png", "-f", "1", "-l", "1", str(pdf), str(prefix)],
            check=True,
        )
        image = next(tmp_path.glob(f"p{dpi}*.png"))
        scanned |= set(
            subprocess.run(  # noqa: S603
                [zbarimg, "-q", "--raw", str(image)], capture_output=True, text=True, check=False
            ).stdout.split()
        )
    assert scanned == {badge_url(r.code, r.secret, PUBLIC) for r in found}
    old_form = {parse(payload_for(r.code, r.secret)) for r in found}
    assert {parse(text) for text in scanned} == old_form  # the same badges as before


def badges_rows_for(site_code: str) -> tuple[Any, list[BadgeRow]]:
    from diemcau.delegates.services import badge_rows

    return badge_rows(EVERYTHING, site_code)


def test_vietnamese_font_is_embedded() -> None:
    page = pdf_of(rows(1)).pages[0]
    fonts = {f["/BaseFont"] for f in page["/Resources"]["/Font"].values()}  # type: ignore[index]
    assert any("DejaVuSans" in str(name) for name in fonts)


def test_long_text_wraps_then_shrinks_and_never_overflows() -> None:
    width = 80.0
    short = badges.fit(
        "Trần Văn Bình", badges.FONT_BOLD, width * 3, largest=17, smallest=10, lines=2
    )
    assert (short.size, short.lines) == (17, ["Trần Văn Bình"])
    long_name = "Nguyễn Thị Phương Thảo Hoàng Lê Minh Châu Quỳnh Ngọc Anh " * 4
    fitted = badges.fit(long_name, badges.FONT_BOLD, width, largest=17, smallest=10, lines=2)
    assert fitted.size == 10 and len(fitted.lines) == 2 and fitted.lines[-1].endswith("…")
    word = badges.fit("X" * 80, badges.FONT_BOLD, width, largest=17, smallest=10, lines=2)
    for f in (fitted, word):
        assert all(stringWidth(line, badges.FONT_BOLD, f.size) <= width for line in f.lines)


def test_badges_over_the_api_follow_the_write_scope(api_as: Any, people: Any) -> None:
    url = "/api/v1/delegates/badges.pdf?site=HK-01"
    for role, scope in [("site_operator", "HK-01"), ("province_organiser", HANOI)]:
        response = api_as(role, scope).get(url)
        assert response.status_code == 200, (role, response.content[:200])
        assert response["Content-Type"] == "application/pdf"
        assert len(PdfReader(io.BytesIO(response.content)).pages) == 1
    assert api_as("central_organiser").get(url).status_code == 200
    assert api_as("viewer", HANOI).get(url).status_code == 403
    assert api_as("province_organiser", HUE).get(url).status_code == 404
    assert api_as("site_operator", "HK-02").get(url).status_code == 404
    assert api_as("central_organiser").get("/api/v1/delegates/badges.pdf").status_code == 422


def test_badges_name_the_conference_when_there_is_one(people: Any) -> None:
    from diemcau.delegates.services import conference_name

    assert conference_name() == "Hội nghị"
    Conference.objects.create(
        slug="tap-huan",
        name="Hội nghị tập huấn chính quyền địa phương hai cấp",
        host="Ban Tổ chức Trung ương",
        starts_on=dt.date.today(),
        ends_on=dt.date.today(),
    )
    assert conference_name() == "Hội nghị tập huấn chính quyền địa phương hai cấp"


def test_cli_writes_the_site_sheet(people: Any, tmp_path: Any) -> None:
    from diemcau.cli import main

    rows = [["HK-01", f"Người thứ {i}", f"0010851{i:05d}"] for i in range(9)]
    assert import_delegates(EVERYTHING, csv_file(rows), filename="a.csv").written
    target = tmp_path / "the.pdf"
    result = CliRunner().invoke(main, ["badges", "HK-01", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "10 thẻ, 2 trang" in result.output
    assert len(PdfReader(target).pages) == 2
    missing = CliRunner().invoke(main, ["badges", "NO-SUCH", "-o", str(target)])
    assert missing.exit_code != 0 and "NO-SUCH" in missing.output


def test_cli_as_user_prints_only_within_their_scope(
    people: Any, make_user: Any, tmp_path: Any
) -> None:
    from diemcau.cli import main

    make_user("province_organiser", HUE, username="hue")
    target = tmp_path / "the.pdf"
    result = CliRunner().invoke(main, ["badges", "HK-01", "-o", str(target), "--as-user", "hue"])
    assert result.exit_code != 0 and not target.exists()
    own = CliRunner().invoke(main, ["badges", "HUE-01", "-o", str(target), "--as-user", "hue"])
    assert own.exit_code == 0, own.output
    assert len(PdfReader(target).pages) == 1


def test_revoke_over_the_api_voids_the_old_badge(api_as: Any, people: Any) -> None:
    delegate = people["HK-01"]
    old_mac = parse(payload_for(delegate.code, delegate.secret))[1]  # type: ignore[index]
    url = f"/api/v1/delegates/{delegate.code}/badge/revoke"
    assert api_as("viewer", HANOI).post(url).status_code == 403
    assert api_as("province_organiser", HUE).post(url).status_code == 404
    assert api_as("site_operator", "HK-02").post(url).status_code == 404
    assert Delegate.objects.get(pk=delegate.pk).secret == delegate.secret
    response = api_as("site_operator", "HK-01").post(url)
    assert response.status_code == 200 and response.json() == {
        "code": delegate.code,
        "revoked": True,
    }
    fresh = Delegate.objects.get(pk=delegate.pk)
    assert fresh.secret != delegate.secret and len(fresh.secret) == 32
    assert not verify(delegate.code, fresh.secret, old_mac)


def test_cli_warns_when_the_badges_would_point_at_this_computer(
    people: Any, tmp_path: Any, settings: Any
) -> None:
    from diemcau.cli import main

    target = tmp_path / "the.pdf"
    printed = CliRunner().invoke(main, ["badges", "HK-01", "-o", str(target)])
    assert printed.exit_code == 0 and "DIEMCAU_PUBLIC_URL" not in printed.output  # set above
    settings.DIEMCAU_PUBLIC_URL = ""  # a command line has no request: only 127.0.0.1 is left
    printed = CliRunner().invoke(main, ["badges", "HK-01", "-o", str(target)])
    assert printed.exit_code == 0
    assert "http://127.0.0.1:8000" in printed.output and "DIEMCAU_PUBLIC_URL" in printed.output
