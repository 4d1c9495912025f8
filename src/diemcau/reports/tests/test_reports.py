"""Reports: figures that match the other apps' own counts, scoped, frozen for good, exported."""

import io
import uuid

import pytest
from python_calamine import CalamineWorkbook

from diemcau.attendance.services import refresh_registered
from diemcau.attendance.tests.helpers import scan, world
from diemcau.reports.headline import about, number

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(make_site):
    data = world(make_site)
    refresh_registered()
    return data


@pytest.fixture
def central(api_as, w):
    """Scans: a1, a2 at HK-A and h1 at Huế; HK-B counts 5 heads. Registered: 7."""
    client = api_as("central_organiser")
    s, p, sites = w["session"], w["people"], w["sites"]
    scans = [scan(p["a1"], sites["HK-A"], s), scan(p["a2"], sites["HK-A"], s)]
    scans.append(scan(p["h1"], sites["HUE-A"], s))
    client.post("/api/v1/checkins", {"scans": scans}, content_type="application/json")
    client.post(
        "/api/v1/sites/HK-B/headcounts",
        {"id": str(uuid.uuid4()), "session": s.pk, "count": 5},
        content_type="application/json",
    )
    return client


def table(data, key):
    return next(t for t in data["tables"] if t["key"] == key)


def test_press_figures_never_round_up():
    assert about(1_500_000) == "1,5 triệu"
    assert about(1_523_400) == "hơn 1,5 triệu"
    assert about(1_099_999) == "hơn 1 triệu"
    assert about(999_999) == number(999_999) == "999.999"


def test_national_report_figures_match_the_attendance_summary(central, w):
    session = w["session"].pk
    data = central.get(f"/api/v1/reports/TW?session={session}").json()
    summary = central.get(f"/api/v1/attendance/summary?session={session}").json()
    people = table(data, "dai-bieu")["total"]
    assert people[1:5] == [
        summary["registered"],
        summary["checked_in"],
        summary["headcount"],
        summary["present"],
    ]
    assert (summary["registered"], summary["checked_in"], summary["headcount"]) == (7, 3, 5)
    sites = table(data, "diem-cau")["total"]
    assert sites[-1] == 4
    # The headline quotes the tables and links each number to its table.
    assert "4 điểm cầu" in data["headline"] and f"{summary['present']} đại biểu" in data["headline"]
    linked = {p["table"] for p in data["headline_parts"] if p["table"]}
    assert {"diem-cau", "dai-bieu"} <= linked


def test_province_organiser_gets_their_province_only(api_as, central, w):
    hanoi = api_as("province_organiser", "01")
    data = hanoi.get(f"/api/v1/reports/01?session={w['session'].pk}").json()
    assert table(data, "dai-bieu")["total"][2] == 2  # a1 and a2; Huế's h1 is not theirs
    assert hanoi.get("/api/v1/reports/46").status_code == 404
    assert hanoi.get("/api/v1/reports/TW").status_code == 404
    assert hanoi.post("/api/v1/reports/46/freeze").status_code == 404


def test_a_frozen_report_never_changes_and_shows_later_corrections(central, w):
    s, p, sites = w["session"], w["people"], w["sites"]
    frozen = central.post(f"/api/v1/reports/TW/freeze?session={s.pk}")
    assert frozen.status_code == 201
    pk = frozen.json()["id"]
    assert frozen.json()["frozen_by"].startswith("central_organiser")
    more = {"scans": [scan(p["a3"], sites["HK-A"], s)]}
    central.post("/api/v1/checkins", more, content_type="application/json")
    again = central.get(f"/api/v1/reports/snapshots/{pk}").json()
    assert table(again, "dai-bieu")["total"][2] == 3  # as frozen
    assert again["frozen"]["by"] == frozen.json()["frozen_by"]
    changed = [c for c in again["changes_since"] if c["column"] == "Điểm danh (thẻ)"]
    assert {"row": "Tổng số", "frozen": 3, "now": 4} in [
        {k: c[k] for k in ("row", "frozen", "now")} for c in changed
    ]


def test_xlsx_has_a_sheet_per_table_with_the_same_numbers(central, w):
    response = central.get(f"/api/v1/reports/TW?session={w['session'].pk}&format=xlsx")
    assert response.status_code == 200, response.content
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    assert book.sheet_names[0] == "Tổng hợp"
    rows = book.get_sheet_by_name("Đại biểu đăng ký và tham dự").to_python()
    total = next(r for r in rows if r and r[0] == "Tổng số")
    assert total[1:4] == [7.0, 3.0, 5.0]
    csv_text = central.get(f"/api/v1/reports/TW?format=csv&session={w['session'].pk}").content
    assert "Đại biểu: đăng ký và tham dự".encode() in csv_text


def test_report_page_renders_and_freezes_from_the_web(web_as, central, w):
    client = web_as("central_organiser")
    page = client.get(f"/reports/?unit=TW&session={w['session'].pk}")
    assert page.status_code == 200
    assert 'href="#dai-bieu"' in page.content.decode()
    done = client.post("/reports/freeze/", {"unit": "TW", "session": w["session"].pk})
    assert done.status_code == 302
    frozen = client.get(done["Location"])
    assert frozen.status_code == 200
    viewer = web_as("viewer", "46")
    assert viewer.get("/reports/?unit=01").status_code == 404
    assert viewer.post("/reports/freeze/", {"unit": "46"}).status_code == 404


def _pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_a_hanoi_organisers_pdf_and_xlsx_hold_hanoi_alone(api_as, central, w):
    hanoi = api_as("province_organiser", "01")
    session = w["session"].pk
    pdf = hanoi.get(f"/api/v1/reports/01?session={session}&format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    text = _pdf_text(pdf.content)
    assert "Báo cáo: Thành phố Hà Nội" in text
    assert "điểm cầu" in text  # the headline, with its diacritics
    assert "Huế" not in text and "HUE-A" not in text
    xlsx = hanoi.get(f"/api/v1/reports/01?session={session}&format=xlsx")
    book = CalamineWorkbook.from_filelike(io.BytesIO(xlsx.content))
    cells = [
        str(cell)
        for name in book.sheet_names
        for row in book.get_sheet_by_name(name).to_python()
        for cell in row
    ]
    assert any("Hà Nội" in c for c in cells)
    assert not any("Huế" in c for c in cells)
    assert hanoi.get("/api/v1/reports/46?format=pdf").status_code == 404


def test_cli_writes_the_report_in_the_format_of_the_file(central, w, tmp_path):
    from click.testing import CliRunner

    from diemcau.reports.cli import report_cmd

    out = tmp_path / "bao-cao.pdf"
    result = CliRunner().invoke(
        report_cmd, ["TW", "--session", str(w["session"].pk), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    bad = CliRunner().invoke(report_cmd, ["XX", "-o", str(tmp_path / "x.xlsx")])
    assert bad.exit_code == 1 and "XX" in bad.output


def test_planned_sites_against_those_taking_part(central, w, api_as):
    from diemcau.sites.models import Site, SiteStatus

    Site.objects.filter(code="HK-B").update(status=SiteStatus.WITHDRAWN)
    Site.objects.filter(code="HUE-A").update(status=SiteStatus.READY)
    data = central.get("/api/v1/reports/TW?table=trang-thai-diem-cau").json()
    states = table(data, "trang-thai-diem-cau")
    assert [t["key"] for t in data["tables"]] == ["trang-thai-diem-cau"]
    planned = Site.objects.count()
    columns = states["columns"]
    total = dict(zip(columns, states["total"], strict=True))
    assert total["Dự kiến"] == planned
    assert total["Tham gia"] == planned - 1
    assert total["Rút khỏi danh sách"] == 1
    assert total["Sẵn sàng"] == 1
    hanoi = api_as("province_organiser", "01").get("/api/v1/reports/01?table=trang-thai-diem-cau")
    hanoi_total = dict(
        zip(columns, table(hanoi.json(), "trang-thai-diem-cau")["total"], strict=True)
    )
    assert hanoi_total["Dự kiến"] == Site.objects.filter(province__code="01").count()
    assert hanoi_total["Sẵn sàng"] == 0  # Huế's ready site is not Hà Nội's
