"""Printable sheets of delegates' personal links (issue 17): a site's operator or organiser
prints a PDF with a QR code per delegate, or downloads the list as Excel; the links start from
the public address, and never from 127.0.0.1 outside demo mode."""

import io
import shutil
import subprocess
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from diemcau.assessment.links import token_for
from diemcau.assessment.tests.helpers import make_delegate, world
from diemcau.conftest import HANOI, HUE

pytestmark = pytest.mark.django_db
PUBLIC = "https://hoinghi.example.gov.vn"
PDF = "/assessment/links/sheet.pdf"
XLSX = "/assessment/links/sheet.xlsx"


@pytest.fixture
def w(make_site: Any, settings: Any) -> dict[str, Any]:
    settings.DIEMCAU_PUBLIC_URL = PUBLIC
    return world(make_site)


def _text(pdf: bytes, tmp_path: Any) -> str:
    pdftotext = shutil.which("pdftotext")
    assert pdftotext
    path = tmp_path / "sheet.pdf"
    path.write_bytes(pdf)
    return subprocess.run(  # noqa: S603 - fixed arguments, our own file
        [pdftotext, "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def _qr_codes(pdf: bytes, tmp_path: Any) -> list[str]:
    pdftoppm, zbarimg = shutil.which("pdftoppm"), shutil.which("zbarimg")
    assert pdftoppm and zbarimg
    path = tmp_path / "scan.pdf"
    path.write_bytes(pdf)
    subprocess.run(  # noqa: S603
        [pdftoppm, "-r", "150", "-png", str(path), str(tmp_path / "scan")], check=True
    )
    found: list[str] = []
    for image in sorted(tmp_path.glob("scan*.png")):
        out = subprocess.run(  # noqa: S603
            [zbarimg, "-q", "--raw", str(image)], capture_output=True, text=True, check=False
        ).stdout
        found += out.split()
    return found


def test_the_operator_prints_a_sheet_whose_qr_codes_open_each_delegates_page(
    w: dict[str, Any], web_as: Any, tmp_path: Any
) -> None:
    operator = web_as("site_operator", "HK-A")
    page = operator.get("/assessment/links/")
    assert page.status_code == 200
    assert "HK-A" in page.content.decode()  # their own site offered
    response = operator.get(PDF, {"site": "HK-A"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = _text(response.content, tmp_path)
    links = {d.code: f"{PUBLIC}/hoc-vien/{token_for(d)}/" for d in (w["an"], w["binh"])}
    for who in ("an", "binh"):
        assert w[who].full_name in text and w[who].code in text
        assert links[w[who].code] in text
    assert "Lê Thị Hoa" not in text  # Huế's delegate is not on Hoàn Kiếm's sheet
    assert sorted(_qr_codes(response.content, tmp_path)) == sorted(links.values())
    path = links[w["an"].code].removeprefix(PUBLIC)
    assert operator.get(path).status_code in (200, 302)  # a real address of the delegate's page


def test_the_excel_list_holds_the_same_links_as_the_api(
    w: dict[str, Any], web_as: Any, api_as: Any
) -> None:
    response = web_as("province_organiser", HANOI).get(XLSX, {"site": "HK-A"})
    assert response.status_code == 200
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    rows = book.get_sheet_by_index(0).to_python()[3:]
    api = api_as("province_organiser", HANOI).get("/api/v1/assessment/links", {"site": "HK-A"})
    assert [(r[1], r[2], r[3]) for r in rows] == [
        (x["name"], x["code"], x["url"]) for x in api.json()
    ]
    assert all(str(r[3]).startswith(f"{PUBLIC}/hoc-vien/") for r in rows)


def test_sheets_are_scoped_like_the_api(w: dict[str, Any], web_as: Any) -> None:
    assert web_as("province_organiser", HUE).get(PDF, {"site": "HK-A"}).status_code == 404
    assert web_as("site_operator", "HUE-A").get(XLSX, {"site": "HK-A"}).status_code == 404
    assert web_as("viewer", HANOI).get(PDF, {"site": "HK-A"}).status_code == 404
    assert web_as("viewer", HANOI).get("/assessment/links/").status_code == 403
    assert web_as("central_organiser").get(PDF, {"site": "HUE-A"}).status_code == 200


def test_never_a_loopback_address_on_paper_outside_demo_mode(
    w: dict[str, Any], web_as: Any, settings: Any, tmp_path: Any
) -> None:
    settings.DIEMCAU_PUBLIC_URL = ""
    settings.DIEMCAU_DEMO = False
    settings.ALLOWED_HOSTS = ["127.0.0.1", "10.1.2.3", "testserver"]
    operator = web_as("site_operator", "HK-A")
    refused = operator.get(PDF, {"site": "HK-A"}, HTTP_HOST="127.0.0.1:8000", follow=True)
    assert refused.redirect_chain[0][0] == "/assessment/links/?site=HK-A"
    assert refused["Content-Type"].startswith("text/html")
    assert "DIEMCAU_PUBLIC_URL" in refused.content.decode()
    assert operator.get(XLSX, {"site": "HK-A"}, HTTP_HOST="127.0.0.1:8000").status_code == 302
    # unset, the address the operator reached the server at is used (and the page warns)
    reached = operator.get(PDF, {"site": "HK-A"}, HTTP_HOST="10.1.2.3:8000")
    assert reached.status_code == 200
    assert f"http://10.1.2.3:8000/hoc-vien/{token_for(w['an'])}/" in _text(
        reached.content, tmp_path
    )
    page = operator.get("/assessment/links/", HTTP_HOST="10.1.2.3:8000").content.decode()
    assert "public-url-warning" in page and "public-url-refusal" not in page
    # in demo mode, printing on the server's own machine is allowed
    settings.DIEMCAU_DEMO = True
    demo = operator.get(PDF, {"site": "HK-A"}, HTTP_HOST="127.0.0.1:8000")
    assert demo.status_code == 200
    assert "http://127.0.0.1:8000/hoc-vien/" in _text(demo.content, tmp_path)


def test_a_site_of_two_pages_and_one_without_delegates(
    w: dict[str, Any], web_as: Any, make_site: Any, tmp_path: Any
) -> None:
    for n in range(12):
        make_delegate(w["hk"], f"Phạm Văn Số {n:02d}")
    empty = make_site(code="HK-EMPTY")
    organiser = web_as("central_organiser")
    text = _text(organiser.get(PDF, {"site": "HK-A"}).content, tmp_path)
    assert text.count("\f") >= 2  # 14 strips over two A4 pages
    assert "Phạm Văn Số 11" in text
    none = organiser.get(PDF, {"site": empty.code})
    assert none.status_code == 200
