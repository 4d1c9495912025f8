"""Figures over time and per session, a sector answerer's report, and exports in the background."""

import datetime as dt
import io
import uuid

import pytest
from python_calamine import CalamineWorkbook

from diemcau.attendance.services import refresh_registered
from diemcau.attendance.tests.helpers import scan, world
from diemcau.operations import counters
from diemcau.operations.models import HeartbeatSample, Incident, LiveState, SiteLive
from diemcau.operations.timeline import open_at, session_window
from diemcau.questions.models import Cluster, Question, QuestionStatus, Sector
from diemcau.reports.timelines import buckets

pytestmark = pytest.mark.django_db


def at(hhmm: str) -> dt.datetime:
    """A moment on the test conference's day (14/06/2025), Vietnamese time."""
    return dt.datetime.fromisoformat(f"2025-06-14T{hhmm}:00+07:00")


def table(data, key):
    return next(t for t in data["tables"] if t["key"] == key)


def row(t, label):
    return next(r for r in t["rows"] if r[0] == label)


@pytest.fixture
def w(make_site):
    data = world(make_site)
    refresh_registered()
    return data


@pytest.fixture
def central(api_as, w):
    """Scans: a1 at 08:05, a2 at 08:12 (HK-A, Hà Nội); h1 at 08:06 (HUE-A, Huế)."""
    client = api_as("central_organiser")
    s, p, sites = w["session"], w["people"], w["sites"]
    scans = [
        scan(p["a1"], sites["HK-A"], s, scanned_at="2025-06-14T08:05:10+07:00"),
        scan(p["a2"], sites["HK-A"], s, scanned_at="2025-06-14T08:12:00+07:00"),
        scan(p["h1"], sites["HUE-A"], s, scanned_at="2025-06-14T08:06:59+07:00"),
    ]
    done = client.post("/api/v1/checkins", {"scans": scans}, content_type="application/json")
    assert done.status_code == 200, done.content
    return client


def test_buckets_are_round_clock_times_and_never_in_the_future():
    parts = buckets((at("08:00"), at("11:30")))
    assert len(parts) == 42 and parts[0][0] == at("08:00") and parts[1][0] == at("08:05")
    assert len(buckets((at("08:00"), at("08:40")))) == 40  # a short window: by the minute
    assert [b[0] for b in buckets((at("08:00"), at("11:30")), now=at("08:12"))][-1] == at("08:10")


def test_attendance_over_the_session_per_bucket_and_cumulative(central, w, api_as):
    data = central.get(f"/api/v1/reports/TW?session={w['session'].pk}").json()
    t = table(data, "diem-danh-theo-gio")
    assert t["chart"] == "timeline" and len(t["rows"]) == 42  # 08:00–11:30 by 5 minutes
    assert row(t, "08:00")[1:] == [0, 0]
    assert row(t, "08:05")[1:] == [2, 2]  # a1 at 08:05:10 and h1 at 08:06:59
    assert row(t, "08:10")[1:] == [1, 3]
    assert t["rows"][-1][2] == 3 and t["total"][1] == table(data, "dai-bieu")["total"][2]
    hanoi = api_as("province_organiser", "01")
    mine = table(hanoi.get(f"/api/v1/reports/01?session={w['session'].pk}").json(), t["key"])
    assert row(mine, "08:05")[1:] == [1, 1]  # Huế's h1 is not in Hà Nội's curve
    assert mine["total"][1] == 2


def test_incidents_opened_per_bucket_and_open_at_each_moment(central, w):
    sites = w["sites"]
    for site, opened, resolved in (
        (sites["HK-A"], at("08:20"), at("08:50")),
        (sites["HUE-A"], at("08:22"), None),
        (sites["HK-B"], at("06:00"), at("07:00")),  # before the session: not in its chart
    ):
        Incident.objects.create(
            site=site, province_id=site.province_id, cause="network", opened_at=opened,
            resolved_at=resolved, status="resolved" if resolved else "open",
        )  # fmt: skip
    data = central.get(f"/api/v1/reports/TW?session={w['session'].pk}").json()
    t = table(data, "su-co-theo-gio")
    assert row(t, "08:15")[1:] == [0, 0]
    assert row(t, "08:20")[1:] == [2, 2]
    assert row(t, "08:45")[1:] == [0, 1]  # resolved at 08:50, the end of this bucket
    assert t["rows"][-1][1:] == [0, 1] and t["total"][1] == 2
    spans = [(at("08:20"), at("08:50")), (at("08:22"), None)]
    assert [open_at(spans, at(m)) for m in ("08:19", "08:21", "08:49", "08:50")] == [0, 1, 2, 1]


def test_sites_connected_per_session_by_level_and_never_connected(central, w):
    sites, session = w["sites"], w["session"]
    start, end = session_window(session)
    assert (start, end) == (at("08:00"), at("11:30"))
    for site, beat in ((sites["HK-A"], at("08:30")), (sites["HUE-A"], at("13:00"))):
        HeartbeatSample.objects.create(site=site, received_at=beat)
        SiteLive.objects.create(site=site, state=LiveState.OFFLINE, since=beat, last_seen=beat)
    counters.rebuild_all()  # beats written around the flusher: recounted as after a load
    data = central.get(f"/api/v1/reports/TW?session={session.pk}").json()
    t = table(data, "ket-noi-phien")
    assert t["columns"] == ["Cấp", "Điểm cầu", "Kết nối: Phiên sáng", "Chưa từng kết nối"]
    # HK-A, HK-B, HUE-A are commune sites; HN-P a province body. HUE-A sent after the session.
    assert row(t, "Cấp xã")[1:] == [3, 1, 1]
    assert row(t, "Cơ quan, tổ chức")[1:] == [1, 0, 1]
    assert t["total"][1:] == [4, 1, 2]
    whole = table(central.get("/api/v1/reports/TW").json(), "ket-noi-phien")
    assert whole["total"][1:] == [4, 1, 2]  # the conference has this one session


def _question(site, sector, session, status=QuestionStatus.NEW):
    cluster = Cluster.objects.create(sector=sector)
    return Question.objects.create(
        text="Câu hỏi về thủ tục", site=site, unit=site.unit, status=status, cluster=cluster,
        session=session,
    )  # fmt: skip


def test_a_sector_answerer_gets_their_sectors_questions_and_nothing_else(central, w, make_user):
    from django.test import Client

    mine = Sector.objects.create(code="rpt-mine", name="Lĩnh vực của tôi")
    other = Sector.objects.create(code="rpt-other", name="Lĩnh vực khác")
    sites = w["sites"]
    _question(sites["HK-A"], mine, w["session"])
    _question(sites["HUE-A"], mine, w["session"], QuestionStatus.ANSWERED)
    _question(sites["HK-B"], other, w["session"])
    user = make_user("sector_answerer", "rpt-mine")
    client = Client()
    client.force_login(user)
    data = client.get(f"/api/v1/reports/TW?session={w['session'].pk}").json()
    assert [t["key"] for t in data["tables"]] == ["cau-hoi"]
    assert [r[0] for r in data["tables"][0]["rows"]] == ["Lĩnh vực của tôi"]
    assert data["tables"][0]["total"][1] == 2  # both of their sector's, neither of the other
    assert not {"sites", "present", "registered", "connected"} & set(data["totals"])
    assert "kết nối tới" not in data["headline"] and "đại biểu" not in data["headline"]
    assert table(client.get("/api/v1/reports/01").json(), "cau-hoi")["total"][1] == 1
    page = client.get("/reports/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="cau-hoi"' in html and 'id="dai-bieu"' not in html and "HK-A" not in html
    assert client.post("/api/v1/reports/TW/freeze").status_code == 404
    # everyone else still sees every sector
    everything = central.get(f"/api/v1/reports/TW?session={w['session'].pk}").json()
    assert table(everything, "cau-hoi")["total"][1] == 3


def test_one_table_through_the_api(central, w):
    data = central.get(f"/api/v1/reports/TW?session={w['session'].pk}&table=dai-bieu").json()
    assert [t["key"] for t in data["tables"]] == ["dai-bieu"]
    assert data["tables"][0]["total"][2] == 3


def test_exports_with_the_timelines_as_tables_and_charts(central, w):
    session = w["session"].pk
    xlsx = central.get(f"/api/v1/reports/TW?session={session}&format=xlsx")
    book = CalamineWorkbook.from_filelike(io.BytesIO(xlsx.content))
    rows = book.get_sheet_by_name("Điểm danh theo thời gian").to_python()
    assert ["08:05", 2.0, 2.0] in [r[:3] for r in rows]
    assert "Điểm cầu kết nối trong từng phi" in book.sheet_names  # cut to Excel's 31
    csv_text = central.get(f"/api/v1/reports/TW?session={session}&format=csv").content.decode()
    assert "Sự cố theo thời gian" in csv_text and "08:10,1,3" in csv_text
    pdf = central.get(f"/api/v1/reports/TW?session={session}&format=pdf")
    from pypdf import PdfReader

    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Điểm danh theo thời gian" in text and "Cộng dồn" in text


def test_the_page_draws_the_timelines(web_as, central, w):
    client = web_as("central_organiser")
    html = client.get(f"/reports/?unit=TW&session={w['session'].pk}").content.decode()
    assert 'id="chart-diem-danh-theo-gio"' in html and 'id="chart-su-co-theo-gio"' in html
    chart = html.split('id="chart-diem-danh-theo-gio"')[1].split("</svg>")[0]
    assert chart.count('<rect class="bar"') == 42 and "<polyline" in chart


def test_an_export_started_from_the_page_runs_as_a_task_with_its_file(web_as, central, w):
    client = web_as("central_organiser")
    started = client.post("/reports/export/", {"unit": "TW", "session": w["session"].pk,
                                               "format": "xlsx"})  # fmt: skip
    assert started.status_code == 302 and "/tasks/" in started["Location"]
    progress = client.get(started["Location"]).content.decode()
    assert "100%" in progress and "/reports/export/" in progress
    task_id = started["Location"].rstrip("/").split("/")[-1]
    download = client.get(f"/reports/export/{task_id}/")
    assert download.status_code == 200
    content = download.content
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    total = next(
        r
        for r in book.get_sheet_by_name("Đại biểu đăng ký và tham dự").to_python()
        if r and r[0] == "Tổng số"
    )
    assert total[2] == 3.0
    assert web_as("central_organiser").get(f"/reports/export/{task_id}/").status_code == 200
    assert web_as("province_organiser", "01").get(f"/reports/export/{task_id}/").status_code == 404
    assert client.get(f"/reports/export/{uuid.uuid4()}/").status_code == 404
    hue = web_as("province_organiser", "46")
    assert hue.post("/reports/export/", {"unit": "01", "format": "pdf"}).status_code == 404
    assert hue.post("/reports/export/", {"unit": "46", "format": "exe"}).status_code == 404


def test_the_cli_shows_progress_on_stderr(central, w, tmp_path):
    from click.testing import CliRunner

    from diemcau.reports.cli import report_cmd

    out = tmp_path / "bao-cao.xlsx"
    result = CliRunner().invoke(report_cmd, ["TW", "--session", str(w["session"].pk), "-o",
                                             str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Đang lập báo cáo" in result.stderr and "(100%)" in result.stderr
    assert "Đang lập báo cáo" not in result.stdout and "Đã ghi" in result.stdout
    assert out.read_bytes().startswith(b"PK")


def test_a_conferences_curve_counts_its_own_sessions_only(central, w):
    """Two conferences in one database: each report's check-ins curve is its own (the
    whole-conference curve once counted every check-in in the database)."""
    from diemcau.attendance.models import CheckIn
    from diemcau.programme.models import Conference, Day, Session

    later = dt.date(2025, 7, 1)
    other = Conference.objects.create(
        slug="dot-2", name="Hội nghị đợt 2", host="BTC", starts_on=later, ends_on=later
    )
    day = Day.objects.create(conference=other, date=later)
    session = Session.objects.create(
        day=day, title="Phiên đợt 2", starts_at=dt.time(8), ends_at=dt.time(11)
    )
    when = dt.datetime.fromisoformat("2025-07-01T08:30:00+07:00")
    CheckIn.objects.create(
        id=uuid.uuid4(), delegate=w["people"]["a1"], session=session, site=w["sites"]["HK-A"],
        scanned_at=when, received_at=when,
    )  # fmt: skip
    first = w["session"].day.conference_id
    mine = table(central.get(f"/api/v1/reports/TW?conference={first}").json(), "diem-danh-theo-gio")
    theirs = table(
        central.get(f"/api/v1/reports/TW?conference={other.pk}").json(), "diem-danh-theo-gio"
    )
    assert (mine["total"][1], theirs["total"][1]) == (3, 1)
    hanoi = table(
        central.get(f"/api/v1/reports/01?conference={first}").json(), "diem-danh-theo-gio"
    )
    assert hanoi["total"][1] == 2  # the province's curve (counted from the check-ins) too
