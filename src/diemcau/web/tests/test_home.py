"""The home page is about now: live counts that agree with operations, the session and topic on,
and the next action of each role; the frame has a skip link, landmarks and a live region."""

import datetime as dt
import re
from collections.abc import Callable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from diemcau.accounts.scopes import Scope
from diemcau.conftest import HANOI, HOAN_KIEM
from diemcau.operations import clock, livestate, services
from diemcau.operations.livestate import MemoryStore
from diemcau.programme.models import Conference, Day, Session, Topic
from diemcau.questions.services import create_question

pytestmark = pytest.mark.django_db
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
EVERYTHING = Scope(user_id=0, everything=True)
NOON = dt.datetime(2026, 12, 5, 12, 0, tzinfo=HCM)


@pytest.fixture
def live(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryStore]:
    """Heartbeats kept in memory and flushed by hand; the live clock stopped at noon."""
    settings.DIEMCAU_LIVE_FLUSHER = False
    store = MemoryStore()
    livestate.set_store(store)
    services.site_cache.clear()
    monkeypatch.setattr(clock, "now", NOON.timestamp)
    yield store
    livestate.set_store(None)
    services.site_cache.clear()


def beat(store: MemoryStore, code: str) -> None:
    services.record_heartbeats(
        EVERYTHING, [services.HeartbeatIn(site=code, playing=True, buffer_s=10.0)], store
    )
    services.flush(store=store)


@pytest.fixture
def morning_session() -> Session:
    conference = Conference.objects.create(
        slug="c", name="Hội nghị tập huấn cấp xã", host="BTC", starts_on=NOON.date(),
        ends_on=NOON.date(),
    )  # fmt: skip
    day = Day.objects.create(conference=conference, date=NOON.date())
    session = Session.objects.create(
        day=day, title="Phiên thứ nhất", starts_at=dt.time(11, 0), ends_at=dt.time(14, 0)
    )
    Topic.objects.create(session=session, number=1, order=1, title="Bộ máy", planned_minutes=50)
    Topic.objects.create(session=session, number=2, order=2, title="Tài chính", planned_minutes=50)
    return session


def test_connected_counts_live_heartbeats_like_operations_not_registration(
    web_as: Callable[..., Client], api_as: Callable[..., Any], make_site: Any, live: MemoryStore
) -> None:
    heard = make_site(HOAN_KIEM, status="registered")
    make_site(HOAN_KIEM, status="connected")  # registered as connected, never heard from
    make_site(HOAN_KIEM, status="ready")
    beat(live, heard.code)
    home = web_as("central_organiser").get("/")
    assert home.context["panel"].figures["connected"] == 1
    operations = api_as("central_organiser").get("/api/v1/operations/status").json()
    assert operations["counts"]["online"] == 1
    figures = web_as("province_organiser", HANOI).get("/now.json").json()
    assert (figures["connected"], figures["sites"], figures["connected_pct"]) == ("1", "3", "33 %")
    page = home.content.decode()
    assert re.search(r'data-now="connected">1<', page)
    assert "33 %" in page


def test_a_site_that_goes_silent_leaves_the_count_and_is_listed(
    web_as: Callable[..., Client], make_site: Any, live: MemoryStore, monkeypatch: Any
) -> None:
    site = make_site(HOAN_KIEM, name="Điểm cầu Phường Hoàn Kiếm số 1")
    beat(live, site.code)
    monkeypatch.setattr(clock, "now", lambda: NOON.timestamp() + 60)
    home = web_as("central_organiser").get("/")
    figures = home.context["panel"].figures
    assert (figures["connected"], figures["offline"]) == (0, 1)
    assert "Điểm cầu Phường Hoàn Kiếm số 1" in home.content.decode()


def test_the_session_on_now_its_topic_and_conference(
    web_as: Callable[..., Client], morning_session: Session, live: MemoryStore
) -> None:
    page = web_as("viewer").get("/").content.decode()
    assert "Phiên thứ nhất · Hội nghị tập huấn cấp xã" in page
    assert "2. Tài chính" in page  # 11:00 + 50 min < 12:00 < 11:00 + 100 min
    assert "Phiên đang diễn ra" in page


def test_checked_in_is_divided_by_registered(
    web_as: Callable[..., Client], morning_session: Session, live: MemoryStore
) -> None:
    figures = web_as("central_organiser").get("/now.json").json()
    assert figures["checked_in"] == "0" and figures["registered"] == "0"
    assert figures["checked_in_pct"] == "—"  # nobody registered: no percentage invented


def test_operator_lands_on_the_console_and_answerer_on_the_questions(
    web_as: Callable[..., Client], make_site: Any
) -> None:
    site = make_site(HOAN_KIEM)
    operator = web_as("site_operator", site.code).get("/")
    assert operator.status_code == 302 and operator["Location"] == "/console/"
    answerer = web_as("sector_answerer", "noi-vu").get("/")
    assert answerer.status_code == 302 and answerer["Location"] == "/questions/answer/"


def test_each_organiser_role_sees_its_next_action(
    web_as: Callable[..., Client], make_site: Any, morning_session: Session, live: MemoryStore,
    monkeypatch: Any,
) -> None:  # fmt: skip
    site = make_site(HOAN_KIEM)
    viewer = web_as("viewer").get("/")
    assert viewer.context["panel"].action.label == "Theo dõi điều hành trực tiếp"
    create_question(EVERYTHING, None, site=site.code, text="Con dấu của xã mới cấp ở đâu?")
    hanoi = web_as("province_organiser", HANOI).get("/")
    assert hanoi.context["panel"].action.label == "Phân loại 1 câu hỏi đang chờ chuyển lĩnh vực"
    assert 'href="/questions/moderate/"' in hanoi.content.decode()
    beat(live, site.code)
    monkeypatch.setattr(clock, "now", lambda: NOON.timestamp() + 60)  # silent since
    central = web_as("central_organiser").get("/")
    action = central.context["panel"].action
    assert action.label == "Gọi 1 điểm cầu mất tín hiệu"
    assert action.url.endswith("?state=offline")


def test_delegates_are_told_where_their_page_is(client: Client) -> None:
    page = client.get("/login/").content.decode()
    assert "quét mã QR trên thẻ đại biểu" in page


def test_frame_has_skip_link_landmarks_grouped_menu_and_no_inline_script(
    web_as: Callable[..., Client], live: MemoryStore
) -> None:
    page = web_as("central_organiser").get("/").content.decode()
    assert '<a class="skip" href="#main">' in page and '<main id="main"' in page
    for landmark in ("<header", "<nav", "<main", "<footer"):
        assert landmark in page
    assert 'aria-live="polite"' in page
    assert "<details" in page and "<summary>Danh mục</summary>" in page
    for group in ("Chuẩn bị", "Trong ngày", "Sau hội nghị"):
        assert f'<p class="menu-title">{group}</p>' in page
    for tag in re.findall(r"<script[^>]*>", page):
        assert "src=" in tag and "nonce=" in tag, tag
    assert "/static/diemcau/now.js" in page


def test_now_json_needs_a_sign_in(client: Client) -> None:
    assert client.get("/now.json").status_code == 302
