"""The console's live state (running count, the site's questions and their published answers) and
each session's check-in window, as the page and /console/<code>/live/ send them."""

import datetime as dt
import json
import os
import uuid
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from diemcau.attendance.models import CheckIn
from diemcau.conftest import HANOI, HOAN_KIEM, HUE, first_commune
from diemcau.console import services
from diemcau.delegates.codes import code_for
from diemcau.delegates.models import Delegate
from diemcau.programme.models import Conference, Day, Session
from diemcau.questions.models import Answer, Cluster, Question, QuestionStatus, Sector

pytestmark = pytest.mark.django_db


def delegate(site: Any, n: int, name: str) -> Delegate:
    return Delegate.objects.create(
        code=code_for(800_000 + n),
        site=site,
        province_id=site.province_id,
        full_name=name,
        national_id_hash=f"{n:032x}",
        national_id_last4="0000",
        secret=os.urandom(16).hex(),
    )


def check_in(person: Delegate, session: Session, site: Any, **values: Any) -> CheckIn:
    now = timezone.now()
    return CheckIn.objects.create(
        id=uuid.uuid4(),
        delegate=person,
        session=session,
        site=site,
        scanned_at=now,
        received_at=now,
        **values,
    )


@pytest.fixture
def day(make_site: Any) -> dict[str, Any]:
    site = make_site(HOAN_KIEM, code="HK-01", name="Điểm cầu Hoàn Kiếm")
    other = make_site(HOAN_KIEM, code="HK-02", name="Điểm cầu Hàng Bạc")
    today = timezone.localdate()
    conference = Conference.objects.create(
        slug="live", name="Hội nghị", host="BTC", starts_on=today, ends_on=today
    )
    session = Session.objects.create(
        day=Day.objects.create(conference=conference, date=today),
        title="Phiên sáng",
        starts_at=dt.time(7, 30),
        ends_at=dt.time(11, 30),
    )
    people = [delegate(site, i, f"Đại biểu {i}") for i in range(4)]
    return {"site": site, "other": other, "session": session, "people": people}


def live(client: Client, session: Session | None) -> Any:
    response = client.get("/console/HK-01/live/", {"session": session.pk if session else ""})
    assert response.status_code == 200, response.content
    return response.json()


def test_the_count_is_the_sites_own_delegates_checked_in_for_the_session(
    day: dict[str, Any], web_as: Any
) -> None:
    site, other, session, people = day["site"], day["other"], day["session"], day["people"]
    check_in(people[0], session, site)
    check_in(people[1], session, other, other_site=True)  # sat elsewhere: still checked in
    check_in(people[2], session, site, annulled_at=timezone.now())  # annulled: not counted
    stranger = delegate(other, 9, "Khách")
    check_in(stranger, session, site, other_site=True)  # a guest: not one of ours
    data = live(web_as("site_operator", "HK-01"), session)
    assert data["session"] == session.pk
    assert data["registered"] == 4
    assert sorted(data["checked_in"]) == sorted([people[0].code, people[1].code])
    assert live(web_as("site_operator", "HK-01"), None)["checked_in"] == []


def test_the_site_sees_its_own_questions_with_published_answers_only(
    day: dict[str, Any], web_as: Any
) -> None:
    site, other = day["site"], day["other"]
    sector, _ = Sector.objects.get_or_create(code="noi-vu", defaults={"name": "Nội vụ"})
    answered, drafted = Cluster.objects.create(sector=sector), Cluster.objects.create(sector=sector)
    Answer.objects.create(
        cluster=answered,
        sector=sector,
        text="Theo Nghị định 33/2023/NĐ-CP, mỗi xã bố trí tối đa 14 người.",
        published_at=timezone.now(),
    )
    Answer.objects.create(cluster=drafted, sector=sector, text="Bản nháp chưa duyệt")
    mine = Question.objects.create(
        text="Cán bộ không chuyên trách cấp xã bố trí thế nào?",
        site=site,
        unit=site.unit,
        cluster=answered,
        asker_name="Trần Thị Bình",
        status=QuestionStatus.PUBLISHED,
    )
    Question.objects.create(text="Câu hỏi còn nháp?", site=site, unit=site.unit, cluster=drafted)
    Question.objects.create(text="Câu hỏi của điểm khác", site=other, unit=other.unit)
    questions = live(web_as("site_operator", "HK-01"), None)["questions"]
    assert [q["text"] for q in questions] == ["Câu hỏi còn nháp?", mine.text]  # newest first
    draft, published = questions
    assert draft["answer"] is None  # a draft may still change: not read out at the site
    assert published["answer"]["text"].startswith("Theo Nghị định 33/2023")
    assert published["answer"]["sector"] == sector.name
    assert published["asker"] == "Trần Thị Bình"
    assert published["status_label"] == "Đã công bố"
    # The organiser who may also answer as central still reads only what was published here.
    central = live(web_as("central_organiser"), None)["questions"]
    assert [q["answer"] is None for q in central] == [True, False]


@pytest.mark.parametrize(
    ("role", "scope", "status"),
    [
        ("site_operator", "HK-01", 200),
        ("province_organiser", HANOI, 200),
        ("site_operator", "HK-02", 404),  # another site: not found, as the console page
        ("province_organiser", HUE, 404),
        ("viewer", HANOI, 403),  # may read, may not run the console
    ],
)
def test_the_live_state_follows_the_consoles_permissions(
    day: dict[str, Any], web_as: Any, make_site: Any, role: str, scope: str, status: int
) -> None:
    make_site(first_commune(HUE).code, code="HUE-01")
    response = web_as(role, scope).get("/console/HK-01/live/", {"session": "x"})
    assert response.status_code == status


def test_signed_out_the_live_state_asks_to_sign_in(day: dict[str, Any]) -> None:
    response = Client().get("/console/HK-01/live/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_each_session_comes_with_its_check_in_window(day: dict[str, Any], web_as: Any) -> None:
    """From 3 h before the start (as the check-in batch takes them) to the end; past midnight
    the window ends the next day."""
    session = day["session"]
    night = Session.objects.create(
        day=session.day, title="Phiên đêm", starts_at=dt.time(22, 0), ends_at=dt.time(1, 0)
    )
    html = web_as("site_operator", "HK-01").get("/console/HK-01/").content.decode()
    start = html.index('<script id="console-config" type="application/json">')
    start = html.index(">", start) + 1
    config = json.loads(html[start : html.index("</script>", start)])
    assert config["api"]["live"] == "/console/HK-01/live/"
    by_title = {s["title"]: s for s in config["sessions"]}
    morning = by_title["Phiên sáng"]
    opens = dt.datetime.fromisoformat(morning["checkin_opens"])
    closes = dt.datetime.fromisoformat(morning["checkin_closes"])
    assert (opens.hour, opens.minute, closes.hour, closes.minute) == (4, 30, 11, 30)
    opens, closes = services.checkin_window(night)
    assert closes - opens == dt.timedelta(hours=6)
    assert closes.date() == session.day.date + dt.timedelta(days=1)
