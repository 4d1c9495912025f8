"""Issue 17's report findings: which conference, true headline, no repeated headings, Vietnamese
numbers and local times on the page, in the PDF and in the XLSX, and English when asked."""

import datetime as dt
import io
import re
import subprocess
import zipfile
from html.parser import HTMLParser

import pytest
from django.utils import translation
from python_calamine import CalamineWorkbook

from diemcau import vnformat
from diemcau.attendance.services import refresh_registered
from diemcau.attendance.tests.helpers import world
from diemcau.programme.models import Conference, Day, Session
from diemcau.reports import exporting, pdf

pytestmark = pytest.mark.django_db
LOCAL = re.compile(r"\b\d{1,2}/\d{1,2}/\d{4} \d{2}:\d{2}\b")
ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
LONG_NAME = "Ủy ban Mặt trận Tổ quốc Việt Nam thành phố Hà Nội"


@pytest.fixture
def w(make_site):
    data = world(make_site)
    refresh_registered()
    return data


@pytest.fixture
def rehearsal():
    """A second conference, dated after the first and not begun: the one the old code took."""
    later = dt.date.today() + dt.timedelta(days=30)
    conference = Conference.objects.create(
        slug="tong-duyet", name="Tổng duyệt kỹ thuật", host="BTC", starts_on=later, ends_on=later
    )
    day = Day.objects.create(conference=conference, date=later)
    Session.objects.create(
        day=day, title="Phiên tổng duyệt", starts_at=dt.time(8), ends_at=dt.time(9)
    )
    return conference


def table(data, key):
    return next(t for t in data["tables"] if t["key"] == key)


def test_the_report_names_its_conference_and_lets_the_reader_pick(web_as, api_as, w, rehearsal):
    central = api_as("central_organiser")
    first = w["session"].day.conference
    data = central.get("/api/v1/reports/TW").json()
    # The conference that has begun, not the newer rehearsal that has not.
    assert (data["conference_id"], data["conference"]) == (first.pk, first.name)
    assert data["headline"].startswith(first.name)
    other = central.get(f"/api/v1/reports/TW?conference={rehearsal.pk}").json()
    assert other["conference"] == rehearsal.name
    sessions = table(other, "ket-noi-phien")["columns"]
    assert sessions == ["Cấp", "Điểm cầu", "Kết nối: Phiên tổng duyệt", "Chưa từng kết nối"]
    assert central.get("/api/v1/reports/TW?conference=999999").status_code == 404

    page = web_as("central_organiser").get(f"/reports/?unit=TW&conference={rehearsal.pk}")
    html = page.content.decode()
    assert f"Hội nghị: <strong>{rehearsal.name}</strong>" in html
    assert f'<option value="{rehearsal.pk}" selected>' in html
    assert f'<option value="{first.pk}">' in html
    assert "Phiên tổng duyệt" in html  # the chosen conference's sessions to pick from
    # A session of the other conference left selected gives way to the conference chosen.
    switched = web_as("central_organiser").get(
        f"/reports/?unit=TW&conference={rehearsal.pk}&session={w['session'].pk}"
    )
    assert f"Hội nghị: <strong>{rehearsal.name}</strong>" in switched.content.decode()


def test_the_headline_states_only_true_figures(api_as, w):
    central = api_as("central_organiser")
    data = central.get("/api/v1/reports/TW").json()
    headline = data["headline"]
    # Four sites registered, none ever connected, nobody present yet: it says so, and no more.
    assert "4 điểm cầu đăng ký" in headline
    assert "kết nối" not in headline
    assert "tham dự" not in headline
    assert "7 đại biểu đăng ký" in headline
    assert "câu hỏi" not in headline and "hoàn thành" not in headline


class _Headers(HTMLParser):
    """The header cells of each table on a page, as text."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[str]] = []
        self._in: str | None = None
        self._head = False

    def handle_starttag(self, tag, attrs):
        if tag == "thead":
            self.tables.append([])
            self._head = True
        elif tag == "th" and self._head:
            self._in = ""

    def handle_endtag(self, tag):
        if tag == "thead":
            self._head = False
        if tag == "th" and self._in is not None:
            self.tables[-1].append(self._in.strip())
            self._in = None

    def handle_data(self, data):
        if self._in is not None:
            self._in += data


def test_the_page_repeats_no_heading_and_writes_local_times(web_as, w):
    page = web_as("central_organiser").get("/reports/?unit=TW")
    html = page.content.decode()
    parser = _Headers()
    parser.feed(html)
    assert len(parser.tables) >= 5
    for headers in parser.tables:
        assert len(headers) == len(set(headers)), headers  # no "Cộng | Cộng", "Dự kiến … Dự kiến"
    assert not ISO.search(html.split("<main", 1)[-1])
    assert "Số liệu trực tiếp lúc" in html and LOCAL.search(html)


def test_english_mode_translates_the_body_of_the_report(web_as, w):
    client = web_as("central_organiser")
    client.cookies["django_language"] = "en"
    html = client.get("/reports/?unit=TW").content.decode()
    for english in ("Sites by level", "Delegates: registered and present", "Total", "Planned"):
        assert english in html
    for vietnamese in ("Điểm cầu theo cấp", "Tổng số", "Dự kiến", "đăng ký và tham dự"):
        assert vietnamese not in html
    assert "sites registered" in html  # the headline too


def _report(tables):
    return {
        "node": {"code": "01", "name": "Thành phố Hà Nội", "level": "province"},
        "session": None,
        "conference": "Hội nghị toàn quốc",
        "conference_id": 1,
        "generated_at": "2026-12-05T02:38:24.336917+00:00",
        "headline": "Hội nghị toàn quốc được tổ chức theo hình thức trực tiếp kết hợp trực tuyến.",
        "headline_parts": [],
        "totals": {},
        "tables": tables,
        "frozen": None,
    }


def _table(n, rows):
    return {
        "key": f"bang-{n}",
        "title": f"Bảng số {n} tiêu đề",
        "columns": ["Đơn vị", "Đăng ký", "Tham dự"],
        "rows": [[f"Đơn vị {n}.{i}", 11000 + i, 1500000] for i in range(rows)],
        "total": ["Tổng số", 11000 * rows, 1500000 * rows],
        "note": "",
        "numeric_from": 1,
        "chart": "bars",
    }


def _pages(content: bytes) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def test_pdf_never_leaves_a_heading_alone_at_the_foot_of_a_page():
    # Tables of every length from 1 to 30 rows: some heading would land at a page's foot.
    tables = [_table(n, n) for n in range(1, 31)]
    pages = _pages(pdf.to_pdf(_report(tables)))
    assert len(pages) > 5
    for text in pages[:-1]:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        assert not lines[-1].startswith("Bảng số"), lines[-3:]
    everything = "\n".join(pages)
    assert "11.000" in everything and "1.500.000" in everything  # Vietnamese thousands
    # 02:38 UTC is 09:38 in Hà Nội, written as Vietnamese readers write it.
    assert "5/12/2026 09:38" in everything and "2026-12-05T" not in everything


def test_pdf_wraps_a_long_unit_name_inside_its_cell(tmp_path):
    data = _report([_table(1, 3)])
    data["tables"][0]["rows"][1][0] = LONG_NAME
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf.to_pdf(data))
    box = subprocess.run(  # noqa: S603 (a fixed command on a file this test wrote)
        ["/usr/bin/pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    words = [
        (float(x0), float(x1), float(y0), word)
        for x0, y0, x1, word in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>',
            box,
        )
    ]
    name_words = LONG_NAME.split()
    placed = [w for w in words if w[3] in name_words and w[2] > 100]  # below the headline
    # The first column is 30% of the text width (180 mm) from the 15 mm margin.
    column_right = (15 + 0.3 * 180) * 72 / 25.4
    assert placed and all(x1 <= column_right for _x0, x1, _y, _w in placed)
    assert len({round(y) for _x0, _x1, y, _w in placed}) >= 2  # wrapped onto two lines


def test_xlsx_has_number_formats_and_a_local_date_cell():
    with translation.override("vi"):
        content = exporting.to_xlsx(_report([_table(1, 2)]))
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    cover = book.get_sheet_by_name(book.sheet_names[0]).to_python()
    stamp = next(r[1] for r in cover if r and r[0] == "Số liệu lúc")
    # A real date cell at 09:38 Hà Nội time (02:38 UTC), shown as 5/12/2026 09:38.
    assert isinstance(stamp, dt.datetime), cover
    assert stamp.replace(microsecond=0) == dt.datetime(2026, 12, 5, 9, 38, 24)
    rows = book.get_sheet_by_name(book.sheet_names[1]).to_python()
    assert [11000.0, 1500000.0] in [r[1:3] for r in rows]  # numbers stay numbers
    styles = zipfile.ZipFile(io.BytesIO(content)).read("xl/styles.xml").decode()
    assert vnformat.XLSX_DATETIME in styles
    # "#,##0" groups thousands with the reader's separator: 11.000 in a Vietnamese Excel.
    assert f'formatCode="{vnformat.XLSX_INTEGER}"' in styles


def test_an_export_asked_for_in_english_is_written_in_english(web_as, w, settings, tmp_path):
    from pypdf import PdfReader

    settings.DATA_DIR = tmp_path
    client = web_as("central_organiser")
    client.cookies["django_language"] = "en"
    started = client.post("/reports/export/", {"unit": "TW", "format": "pdf"})
    assert started.status_code == 302
    task_id = started["Location"].rstrip("/").split("/")[-1]
    content = client.get(f"/reports/export/{task_id}/").content
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    assert "Sites by level" in text and "Điểm cầu theo cấp" not in text
