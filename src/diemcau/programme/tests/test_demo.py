"""The demo programme follows the source article, invents no official, and lives today."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from diemcau.programme.demo import REHEARSAL_TITLE, load_demo_programme
from diemcau.programme.models import Conference, Session, SessionKind, SessionStatus, Speaker, Topic

pytestmark = pytest.mark.django_db
HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def test_demo_programme_is_the_model_event_and_idempotent():
    message = load_demo_programme()
    assert "15 chuyên đề" in message and "tin bài ngày 14/6/2025" in message
    assert "shared/" not in message and ".txt" not in message  # the article, not a file
    again = load_demo_programme()
    assert "đã có" in again
    assert Conference.objects.count() == 1
    conference = Conference.objects.get()
    assert "14–15/6/2025" in conference.description and "Nguồn: tin bài" in conference.description
    assert "shared/" not in conference.description
    assert conference.host == "Học viện Chính trị quốc gia Hồ Chí Minh"
    assert (conference.target_sites, conference.target_delegates) == (11_000, 1_500_000)
    topics = Topic.objects.filter(session__day__conference=conference)
    assert topics.count() == 15
    named = topics.filter(is_sample=False)
    assert sorted(s.name for t in named for s in t.speakers.all()) == [
        "Nguyễn Quang Dương",
        "Nguyễn Thị Thu Hà",
        "Phạm Thị Thanh Trà",
    ]
    samples = topics.filter(is_sample=True)
    assert samples.count() == 12
    assert all(t.title.startswith("[Chuyên đề mẫu]") for t in samples)
    assert not Speaker.objects.filter(topics__in=samples).exists()
    assert Speaker.objects.count() == 3


@pytest.mark.parametrize("hour", [0, 9, 14, 23])
def test_a_session_of_the_demo_is_live_now_and_its_rehearsal_belongs_to_it(hour: int) -> None:
    now = dt.datetime(2026, 12, 5, hour, 10, tzinfo=HCM)
    load_demo_programme(now)
    conference = Conference.objects.get()
    assert conference.starts_on == now.date()
    sessions = list(Session.objects.select_related("day__conference"))
    assert {s.day.conference_id for s in sessions} == {conference.pk}  # no second conference
    live = [s for s in sessions if s.status_at(now) == SessionStatus.LIVE]
    assert [s.kind for s in live] == [SessionKind.SESSION]
    assert live[0].day.date == now.date() and live[0].topics.count() == 4
    rehearsals = [s for s in sessions if s.kind == SessionKind.REHEARSAL]
    if hour:  # just after midnight nothing fits before the live session
        assert [s.title for s in rehearsals] == [REHEARSAL_TITLE]
        assert rehearsals[0].status_at(now) == SessionStatus.ENDED
    assert len([s for s in sessions if s.kind == SessionKind.SESSION]) == 4


def test_run_on_another_day_the_demo_moves_to_it_with_the_same_sessions():
    first = dt.datetime(2026, 12, 5, 9, 0, tzinfo=HCM)
    load_demo_programme(first)
    ids = sorted(Session.objects.values_list("pk", flat=True))
    later = dt.datetime(2026, 12, 9, 15, 40, tzinfo=HCM)
    message = load_demo_programme(later)
    assert "dời về hôm nay (09/12/2026)" in message
    assert sorted(Session.objects.values_list("pk", flat=True)) == ids
    conference = Conference.objects.get()
    assert conference.starts_on == later.date()
    live = [s for s in Session.objects.select_related("day") if s.status_at(later) == "live"]
    assert len(live) == 1 and live[0].topics.count() == 4
    assert Topic.objects.count() == 15
