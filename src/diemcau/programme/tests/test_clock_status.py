"""A session's status follows the clock: planned → live → ended, unless set by hand."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from diemcau.accounts.scopes import Scope
from diemcau.programme import services
from diemcau.programme.models import Conference, Day, Session, SessionKind, SessionStatus, Topic

pytestmark = pytest.mark.django_db
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
EVERYONE = Scope(user_id=1, everything=True)


@pytest.fixture
def morning() -> Session:
    conference = Conference.objects.create(
        slug="c", name="Hội nghị A", host="BTC", starts_on=dt.date(2026, 12, 5),
        ends_on=dt.date(2026, 12, 5),
    )  # fmt: skip
    day = Day.objects.create(conference=conference, date=dt.date(2026, 12, 5))
    session = Session.objects.create(
        day=day, title="Phiên sáng", starts_at=dt.time(8, 0), ends_at=dt.time(11, 0)
    )
    for n in (1, 2):
        Topic.objects.create(
            session=session, number=n, order=n, title=f"CĐ {n}", planned_minutes=60
        )
    return session


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 12, 5, hour, minute, tzinfo=HCM)


def test_status_follows_the_clock(morning: Session) -> None:
    assert morning.status == SessionStatus.PLANNED
    assert morning.status_at(at(7, 59)) == "planned"
    assert morning.status_at(at(8, 0)) == "live"
    assert morning.status_at(at(10, 59)) == "live"
    assert morning.status_at(at(11, 0)) == "ended"


def test_set_by_hand_overrides_the_clock(morning: Session) -> None:
    morning.status = SessionStatus.ENDED
    assert morning.status_at(at(9)) == "ended"  # stopped early
    morning.status = SessionStatus.LIVE
    assert morning.status_at(at(11, 30)) == "live"  # running late


def test_now_names_the_live_session_its_topic_and_its_conference(morning: Session) -> None:
    before = services.now_on(EVERYONE, at(7))
    assert before.session is None and before.next_session == morning
    during = services.now_on(EVERYONE, at(9, 5))
    assert during.session == morning
    assert during.topic is not None and during.topic.number == 2  # 08:00 + 60 min
    assert during.session.day.conference.name == "Hội nghị A"
    after = services.now_on(EVERYONE, at(12))
    assert after.session is None and after.next_session is None


def test_a_conference_session_wins_over_a_rehearsal_running_at_the_same_time(
    morning: Session,
) -> None:
    Session.objects.create(
        day=morning.day, title="Kiểm tra kỹ thuật", starts_at=dt.time(7, 0),
        ends_at=dt.time(12, 0), kind=SessionKind.REHEARSAL,
    )  # fmt: skip
    assert services.now_on(EVERYONE, at(9)).session == morning
    assert services.now_on(EVERYONE, at(7, 30)).session.kind == SessionKind.REHEARSAL  # type: ignore[union-attr]


def test_agenda_and_api_show_the_status_of_now(
    morning: Session, web_as: object, api_as: object, settings: object
) -> None:
    client: Client = web_as("viewer")  # type: ignore[operator]
    now = dt.datetime.now(HCM)
    day = morning.day
    day.date = now.date()
    day.save()
    morning.starts_at = dt.time(0, 0)
    morning.ends_at = dt.time(23, 59, 59)
    morning.save()
    page = client.get(f"/programme/{day.conference_id}/").content.decode()
    assert "Đang diễn ra" in page and "Chưa bắt đầu" not in page and "Theo kế hoạch" not in page
    api = api_as("viewer")  # type: ignore[operator]
    data = api.get(f"/api/v1/programme/sessions/{morning.pk}").json()
    assert (data["status"], data["current_status"], data["kind"]) == ("planned", "live", "session")


def test_a_session_loaded_with_its_conference_names_it(morning: Session) -> None:
    listed = Session.objects.select_related("day__conference").get(pk=morning.pk)
    assert str(listed) == "05/12/2026 08:00 Phiên sáng · Hội nghị A"
    assert str(Session.objects.select_related("day").get(pk=morning.pk)).endswith("Phiên sáng")
