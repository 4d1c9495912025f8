"""Who may open a site's console, and what the page brings for offline use."""

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from diemcau.conftest import HANOI, HOAN_KIEM, HUE, first_commune
from diemcau.programme.models import Conference, Day, Material, Session, SessionStatus, Topic

pytestmark = pytest.mark.django_db


def url(code):
    return f"/console/{code}/"


def config_of(response):
    return config_in(response.content.decode())


def config_in(html):
    start = html.index('<script id="console-config" type="application/json">')
    start = html.index(">", start) + 1
    return json.loads(html[start : html.index("</script>", start)])


@pytest.fixture
def site(make_site):
    return make_site(HOAN_KIEM, code="HK-01", name="Điểm cầu Phường Hoàn Kiếm")


def test_not_logged_in_is_sent_to_login(site):
    response = Client().get(url(site.code))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize(
    ("role", "scope"),
    [("site_operator", "HK-01"), ("province_organiser", HANOI), ("central_organiser", None)],
)
def test_those_who_may_write_at_the_site_get_the_console(web_as, site, role, scope):
    response = web_as(role, scope).get(url(site.code))
    assert response.status_code == 200
    config = config_of(response)
    assert config["site"]["code"] == "HK-01"
    assert config["site"]["name"] == "Điểm cầu Phường Hoàn Kiếm"
    assert config["api"]["heartbeats"] == "/api/v1/heartbeats"
    assert config["api"]["checkins"] == "/api/v1/checkins"
    assert config["api"]["headcounts"] == "/api/v1/sites/HK-01/headcounts"
    assert config["api"]["questions"] == "/api/v1/questions/"
    assert "csrftoken" in response.cookies  # the script reads it for its POSTs
    assert "no-store" in response["Cache-Control"]  # the service worker keeps the offline copy


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        ("site_operator", "OTHER"),  # another site
        ("province_organiser", HUE),  # another province
        ("viewer", HUE),
        ("sector_answerer", "noi-vu"),
    ],
)
def test_outside_the_scope_the_site_does_not_exist(web_as, make_site, site, role, scope):
    make_site(first_commune(HUE).code, code="OTHER")
    assert web_as(role, scope).get(url(site.code)).status_code == 404


@pytest.mark.parametrize(("role", "scope"), [("viewer", HANOI), ("viewer", None)])
def test_readers_who_may_not_write_are_refused(web_as, site, role, scope):
    assert web_as(role, scope).get(url(site.code)).status_code == 403


def test_unknown_site_is_404(web_as):
    assert web_as("central_organiser").get(url("NO-SUCH")).status_code == 404


def test_page_is_vietnamese_by_default(web_as, site):
    html = web_as("site_operator", "HK-01").get(url(site.code)).content.decode()
    assert "Điểm danh" in html
    assert "Số người dự" in html
    assert config_in(html)["t"]["offline"] == "Mất kết nối"


def test_index_goes_straight_to_the_only_site(web_as, site):
    response = web_as("site_operator", "HK-01").get("/console/")
    assert response.status_code == 302
    assert response["Location"] == url("HK-01")


def test_index_lists_the_writable_sites(web_as, make_site, site):
    make_site(first_commune(HUE).code, code="HUE-01")
    make_site(first_commune(HANOI).code, code="HN-02")
    html = web_as("province_organiser", HANOI).get("/console/").content.decode()
    assert "HK-01" in html and "HN-02" in html
    assert "HUE-01" not in html


def test_index_for_someone_who_may_write_nowhere(web_as, site):
    response = web_as("viewer", None).get("/console/")
    assert response.status_code == 200
    assert "HK-01" not in response.content.decode()


def test_service_worker_is_served_under_the_console_path(web_as):
    response = Client().get("/console/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert b"caches.open" in response.content


def _programme(date):
    conference = Conference.objects.create(
        slug="hn-2025", name="Hội nghị toàn quốc", host="BTC", starts_on=date, ends_on=date
    )
    day = Day.objects.create(conference=conference, date=date)
    morning = Session.objects.create(
        day=day, title="Phiên sáng", starts_at=dt.time(8), ends_at=dt.time(11, 30)
    )
    afternoon = Session.objects.create(
        day=day,
        title="Phiên chiều",
        starts_at=dt.time(14),
        ends_at=dt.time(17),
        status=SessionStatus.PLANNED,
    )
    topic = Topic.objects.create(session=morning, number=1, title="Chuyên đề 1", order=1)
    Material.objects.create(
        topic=topic,
        title="Bài giảng",
        kind="pdf",
        filename="bai-giang.pdf",
        path="x/bai-giang.pdf",
        size=2048,
        sha256="0" * 64,
        uploaded_at=timezone.now(),
    )
    return morning, afternoon


def test_the_days_sessions_come_with_topics_and_material_links(web_as, site):
    today = timezone.localdate()
    morning, afternoon = _programme(today)
    _programme_other = Conference.objects.create(
        slug="old", name="Cũ", host="BTC", starts_on=today - dt.timedelta(days=30), ends_on=today
    )
    Day.objects.create(conference=_programme_other, date=today - dt.timedelta(days=30))
    config = config_of(web_as("site_operator", "HK-01").get(url(site.code)))
    assert [s["id"] for s in config["sessions"]] == [morning.pk, afternoon.pk]
    first = config["sessions"][0]
    assert first["title"] == "Phiên sáng"
    assert first["starts_at"].startswith(f"{today.isoformat()}T08:00:00+07:00")
    topic = first["topics"][0]
    assert topic["title"] == "Chuyên đề 1"
    material = topic["materials"][0]
    assert material["url"].endswith(f"/materials/{material['id']}/download?site=HK-01")


def test_before_the_conference_the_console_shows_its_first_day(web_as, site):
    soon = timezone.localdate() + dt.timedelta(days=3)
    morning, _afternoon = _programme(soon)
    config = config_of(web_as("site_operator", "HK-01").get(url(site.code)))
    assert config["sessions"][0]["id"] == morning.pk


def test_no_programme_means_no_sessions(web_as, site):
    assert config_of(web_as("site_operator", "HK-01").get(url(site.code)))["sessions"] == []


def test_after_the_conference_the_console_shows_its_last_day(web_as, site):
    _first_morning, _first_afternoon = _programme(timezone.localdate() - dt.timedelta(days=9))
    day = Day.objects.create(
        conference=Conference.objects.get(), date=timezone.localdate() - dt.timedelta(days=8)
    )
    last = Session.objects.create(
        day=day, title="Bế mạc", starts_at=dt.time(8), ends_at=dt.time(10)
    )
    config = config_of(web_as("site_operator", "HK-01").get(url(site.code)))
    assert [s["id"] for s in config["sessions"]] == [last.pk]
