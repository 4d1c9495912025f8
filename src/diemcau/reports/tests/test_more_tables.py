"""The report's learning, rehearsal, outage and relay tables: exact figures on a small world,
scoped like the rest of the report, and carried into every export."""

import datetime as dt
import io
import json
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from python_calamine import CalamineWorkbook

from diemcau.accounts.scopes import Scope
from diemcau.assessment.models import AssessmentSettings, Certificate
from diemcau.assessment.quiz import services as quiz
from diemcau.assessment.reflections import services as grading
from diemcau.assessment.reflections import services as reflections
from diemcau.assessment.tests import helpers as learning_world
from diemcau.attendance.tests.helpers import world
from diemcau.conftest import HANOI, HUE, unit
from diemcau.operations import counters, outages
from diemcau.operations.models import LiveState, Rehearsal, RehearsalSiteState, SiteStatusChange
from diemcau.streaming.models import Relay, Stream
from diemcau.streaming.relays import save_relay
from diemcau.units.organisations import CENTRAL_CODE

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = dt.date(2025, 6, 14)
TEXT = ["Bài thu hoạch đủ dài để nộp được.", "Vận dụng."]
CENTRAL = Scope(user_id=None, everything=True)


def at(hhmm: str) -> dt.datetime:
    return dt.datetime.combine(DAY, dt.time.fromisoformat(hhmm), tzinfo=VN)


def table(data: dict[str, Any], key: str) -> dict[str, Any] | None:
    return next((t for t in data["tables"] if t["key"] == key), None)


def rows(t: dict[str, Any] | None) -> dict[str, list[Any]]:
    assert t is not None
    return {r[0]: r[1:] for r in t["rows"]}


# -- learning -------------------------------------------------------------------------------
@pytest.fixture
def learners(make_site: Any) -> dict[str, Any]:
    """An (Hà Nội) completes and holds a certificate (plus a revoked one); Bình (Hà Nội) passes
    the quiz but not the report; Hoa (Huế) completes, her only certificate revoked."""
    w = learning_world.world(make_site)
    conf = w["conference"].pk
    for who, score in (("an", 8), ("binh", 3), ("hoa", 9)):
        delegate = w[who]
        learning_world.attend(delegate, w["sessions"][0])
        attempt = quiz.start_attempt(delegate, conf)
        quiz.submit(delegate, attempt.pk, learning_world.right_answers(attempt))
        found = reflections.save_text(delegate, conf, TEXT, final=True)
        grading.grade(CENTRAL, found.pk, score, "")
    revoked = timezone.now()
    for n, (who, when) in enumerate((("an", revoked), ("an", None), ("hoa", revoked))):
        Certificate.objects.create(
            conference_id=conf, delegate=w[who], holder_name=w[who].full_name,
            issued_on=DAY, code=f"cert-{n}", revoked_at=when,
        )  # fmt: skip
    return w


def test_learning_table_counts_completion_and_valid_certificates(api_as, learners):
    central = api_as("central_organiser")
    data = central.get("/api/v1/reports/TW").json()
    learning = table(data, "hoc-tap")
    assert learning is not None
    #            delegates, quiz, %, graded, completed, %, certificates
    assert learning["total"] == ["Tổng số", 3, 3, 100.0, 3, 2, 66.7, 1]
    by_province = rows(learning)
    assert by_province[unit(HANOI).name] == [2, 2, 100.0, 2, 1, 50.0, 1]
    assert by_province[unit(HUE).name] == [1, 1, 100.0, 1, 1, 100.0, 0]
    assert data["totals"]["certificates"] == 1
    # The headline quotes the completion count, linked to the table.
    assert "2 đại biểu hoàn thành chương trình học tập" in data["headline"]
    assert "hoc-tap" in {p["table"] for p in data["headline_parts"]}


def test_learning_table_follows_the_scope(api_as, learners):
    hanoi = api_as("province_organiser", HANOI).get(f"/api/v1/reports/{HANOI}").json()
    learning = table(hanoi, "hoc-tap")
    assert learning is not None and learning["total"][1:] == [2, 2, 100.0, 2, 1, 50.0, 1]
    assert unit(HUE).name not in rows(learning)
    answerer = api_as("sector_answerer", "noi-vu").get("/api/v1/reports/TW").json()
    assert table(answerer, "hoc-tap") is None


def test_no_learning_table_without_assessment_settings(api_as, make_site):
    w = world(make_site)  # its conference has no quiz, no learning report
    data = api_as("central_organiser").get(f"/api/v1/reports/TW?session={w['session'].pk}").json()
    assert table(data, "hoc-tap") is None
    assert not AssessmentSettings.objects.exists()  # and reading did not create any


# -- rehearsals -----------------------------------------------------------------------------
@pytest.fixture
def w(make_site: Any) -> dict[str, Any]:
    """Hà Nội: HK-A, HK-B (Hoàn Kiếm), HN-P (a province body); Huế: HUE-A. Session 08:00–11:30."""
    return world(make_site)


def check(rehearsal: Rehearsal, site: Any, ready: bool, when: dt.datetime) -> None:
    RehearsalSiteState.objects.create(
        rehearsal=rehearsal, site=site, ready=ready, at=when, stream_ok=ready, sound_ok=True
    )


def test_rehearsal_table_counts_each_sites_latest_check(api_as, w):
    sites = w["sites"]
    national = Rehearsal.objects.create(
        title="Tổng duyệt", unit=unit(CENTRAL_CODE), starts_at=at("07:00"), ends_at=at("07:30")
    )
    own = Rehearsal.objects.create(
        title="Hà Nội", unit=unit(HANOI), starts_at=at("07:40"), ends_at=at("07:50")
    )
    check(national, sites["HK-A"], True, at("07:10"))
    check(national, sites["HK-B"], False, at("07:10"))
    check(national, sites["HUE-A"], True, at("07:10"))
    check(own, sites["HK-A"], False, at("07:45"))  # latest: failed
    check(own, sites["HK-B"], True, at("07:45"))  # latest: passed
    data = api_as("central_organiser").get("/api/v1/reports/TW").json()
    readiness = table(data, "kiem-tra-ky-thuat")
    #                          sites, passed, failed, never, %
    assert readiness is not None and readiness["total"] == ["Tổng số", 4, 2, 1, 1, 50.0]
    assert rows(readiness)[unit(HANOI).name] == [3, 1, 1, 1, 33.3]
    assert rows(readiness)[unit(HUE).name] == [1, 1, 0, 0, 100.0]
    hanoi = api_as("province_organiser", HANOI).get(f"/api/v1/reports/{HANOI}").json()
    mine = table(hanoi, "kiem-tra-ky-thuat")
    assert mine is not None and mine["total"][1:] == [3, 1, 1, 1, 33.3]


def test_no_rehearsal_table_before_any_rehearsal(api_as, w):
    data = api_as("central_organiser").get("/api/v1/reports/TW").json()
    assert table(data, "kiem-tra-ky-thuat") is None


# -- outage ---------------------------------------------------------------------------------
def changes(site: Any, *steps: tuple[str, str, str]) -> None:
    SiteStatusChange.objects.bulk_create(
        SiteStatusChange(site=site, at=at(when), from_state=a, to_state=b) for when, a, b in steps
    )


@pytest.fixture
def outage_world(w: dict[str, Any]) -> dict[str, Any]:
    """During 08:00–11:30: HK-A out 08:10–08:25 and 09:00–09:05 (20 min); HK-B out since 07:50,
    back 08:30 (30 min); HUE-A out from 11:00 until after the session (30 min); HN-P never."""
    s = w["sites"]
    online, offline = LiveState.ONLINE.value, LiveState.OFFLINE.value
    degraded, never = LiveState.DEGRADED.value, LiveState.NEVER.value
    changes(
        s["HK-A"],
        ("07:00", never, online),
        ("08:10", online, offline),
        ("08:25", offline, online),
        ("09:00", online, offline),
        ("09:05", offline, degraded),
    )
    changes(s["HK-B"], ("07:00", never, online), ("07:50", online, offline))
    changes(s["HK-B"], ("08:30", offline, online))
    changes(s["HUE-A"], ("07:00", never, online), ("11:00", online, offline))
    changes(s["HUE-A"], ("12:00", offline, online))
    counters.rebuild_all()  # changes written around the flusher: recounted as after a load
    return w


def test_outage_table_minutes_per_site_within_the_session(api_as, outage_world):
    session = outage_world["session"].pk
    data = api_as("central_organiser").get(f"/api/v1/reports/TW?session={session}").json()
    outage = table(data, "mat-ket-noi")
    #                      sites, minutes, median, p90
    assert outage is not None and outage["total"] == ["Tổng số", 3, 80.0, 30.0, 30.0]
    assert rows(outage) == {
        unit(HANOI).name: [2, 50.0, 25.0, 30.0],
        unit(HUE).name: [1, 30.0, 30.0, 30.0],
    }
    hanoi = api_as("province_organiser", HANOI).get(f"/api/v1/reports/{HANOI}?session={session}")
    mine = table(hanoi.json(), "mat-ket-noi")
    assert mine is not None and mine["total"][1:] == [2, 50.0, 25.0, 30.0]
    assert unit(HUE).name not in json.dumps(hanoi.json(), ensure_ascii=False)


def test_overlapping_sessions_count_a_minute_once_and_stop_at_now(outage_world):
    both = [(at("08:00"), at("11:30")), (at("10:00"), at("12:30"))]
    found = outages.outages(CENTRAL, None, both, now=at("23:00"))
    hue = next(c for c in found.children if c.name == unit(HUE).name)
    assert hue.minutes == 60.0  # 11:00–12:00, not twice over 11:00–11:30
    live = outages.outages(CENTRAL, None, both, now=at("08:20"))
    assert (live.total.sites, live.total.minutes) == (2, 30.0)  # HK-A 10 min, HK-B 20 min


# -- relays and who sees what ---------------------------------------------------------------
LADDER = [{"name": "720p", "height": 720, "video_kbps": 2500, "audio_kbps": 128}]


def test_relay_table_for_central_callers_in_the_national_report_only(api_as, w):
    Stream.objects.create(name="hoi-nghi", renditions=LADDER)
    save_relay("hn", "http://relay-hn.test:8080", [HANOI], 5, True)
    save_relay("hue", "http://relay-hue.test:8080", [HUE], 1000, True)
    Relay.objects.filter(code="hn").update(health="down")
    central = api_as("central_organiser")
    relays = table(central.get("/api/v1/reports/TW").json(), "may-chu-chuyen-tiep")
    assert relays is not None
    #                  sites, Mbit/s, capacity, % used, health
    assert rows(relays) == {
        "hn": [3, 7.9, 5, 158.0, "Không truy cập được"],
        "hue": [1, 2.6, 1000, 0.3, "Chưa kiểm tra"],
    }
    assert table(central.get(f"/api/v1/reports/{HANOI}").json(), "may-chu-chuyen-tiep") is None
    hanoi = api_as("province_organiser", HANOI).get(f"/api/v1/reports/{HANOI}").json()
    assert table(hanoi, "may-chu-chuyen-tiep") is None


def test_a_sector_answerer_gets_none_of_these_tables(api_as, outage_world):
    Stream.objects.create(name="hoi-nghi", renditions=LADDER)
    save_relay("hn", "http://relay-hn.test:8080", [HANOI], 5, True)
    Rehearsal.objects.create(
        title="Tổng duyệt", unit=unit(CENTRAL_CODE), starts_at=at("07:00"), ends_at=at("07:30")
    )
    session = outage_world["session"].pk
    data = api_as("sector_answerer", "noi-vu").get(f"/api/v1/reports/TW?session={session}").json()
    assert [t["key"] for t in data["tables"]] == ["cau-hoi"]


def test_new_tables_reach_the_xlsx_csv_and_pdf(api_as, outage_world):
    session = outage_world["session"].pk
    central = api_as("central_organiser")
    xlsx = central.get(f"/api/v1/reports/TW?session={session}&format=xlsx")
    book = CalamineWorkbook.from_filelike(io.BytesIO(xlsx.content))
    sheet = book.get_sheet_by_name("Thời gian mất tín hiệu của điểm cầu trong phiên"[:31])
    total = next(r for r in sheet.to_python() if r and r[0] == "Tổng số")
    assert total[1:3] == [3.0, 80.0]
    csv_text = central.get(f"/api/v1/reports/TW?session={session}&format=csv").content.decode()
    assert "Thời gian mất tín hiệu của điểm cầu trong phiên" in csv_text
    pdf = central.get(f"/api/v1/reports/TW?session={session}&format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    from pypdf import PdfReader

    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Thời gian mất tín hiệu" in text


def test_the_page_shows_the_new_tables_with_their_bars(web_as, outage_world):
    check(
        Rehearsal.objects.create(
            title="Tổng duyệt", unit=unit(CENTRAL_CODE), starts_at=at("07:00"), ends_at=at("07:30")
        ),
        outage_world["sites"]["HK-A"],
        True,
        at("07:10"),
    )
    page = web_as("central_organiser").get(
        f"/reports/?unit=TW&session={outage_world['session'].pk}"
    )
    assert page.status_code == 200
    html = page.content.decode()
    for key in ("kiem-tra-ky-thuat", "mat-ket-noi"):
        assert f'id="{key}"' in html
    # The outage table's bars show "Tổng số phút", named once in the header (not a second column).
    assert 'aria-hidden="true" title="Tổng số phút"' in html
    assert html.count(">Tổng số phút</th>") == 1
