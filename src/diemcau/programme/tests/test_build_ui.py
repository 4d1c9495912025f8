"""Done-when: a central organiser builds a 2-day, 15-topic programme with the UI forms."""

from typing import Any

import pytest

from diemcau.conftest import HANOI
from diemcau.programme.models import Conference, Session, Speaker, Topic

pytestmark = pytest.mark.django_db


def _post(client: Any, url: str, data: dict[str, Any], expect: int = 302) -> Any:
    response = client.post(url, data)
    assert response.status_code == expect, response.content.decode()[:3000]
    return response


def build_programme(client: Any) -> Conference:
    _post(
        client,
        "/programme/new/",
        {
            "name": "Hội nghị tập huấn cấp xã",
            "slug": "tap-huan",
            "host": "Học viện Chính trị quốc gia Hồ Chí Minh",
            "starts_on": "2025-06-14",
            "ends_on": "2025-06-15",
            "format": "hybrid",
            "target_sites": "11000",
            "target_delegates": "1500000",
        },
    )
    conference = Conference.objects.get(slug="tap-huan")
    base = f"/programme/{conference.pk}"
    for date in ("2025-06-14", "2025-06-15"):
        _post(client, f"{base}/days/new/", {"date": date})
    for day in conference.days.order_by("date"):
        for title, start, end in (("Sáng", "07:30", "11:30"), ("Chiều", "13:30", "17:00")):
            _post(
                client,
                f"{base}/sessions/new/",
                {
                    "day": day.pk,
                    "title": title,
                    "starts_at": start,
                    "ends_at": end,
                    "status": "planned",
                },
            )
    _post(
        client,
        f"{base}/speakers/new/",
        {"name": "Nguyễn Thị Thu Hà", "title": "Phó Chủ tịch", "organisation": "UBTW MTTQ VN"},
    )
    speaker = Speaker.objects.get(name="Nguyễn Thị Thu Hà")
    sessions = list(
        Session.objects.filter(day__conference=conference).order_by("day__date", "starts_at")
    )
    for n in range(15):
        _post(
            client,
            f"{base}/topics/new/",
            {
                "session": sessions[n // 4].pk,
                "title": f"Chuyên đề số {n + 1}",
                "sector": "Nội vụ",
                "planned_minutes": "45",
                "speakers": [speaker.pk] if n == 1 else [],
            },
        )
    return conference


def test_organiser_builds_two_days_fifteen_topics(web_as):
    client = web_as("central_organiser")
    conference = build_programme(client)
    assert conference.days.count() == 2
    topics = Topic.objects.filter(session__day__conference=conference)
    assert topics.count() == 15
    assert sorted(topics.values_list("number", flat=True)) == list(range(1, 16))
    first = Session.objects.filter(day__conference=conference).order_by("day__date", "starts_at")[0]
    assert list(first.topics.order_by("order").values_list("number", flat=True)) == [1, 2, 3, 4]

    page = client.get(f"/programme/{conference.pk}/?day=2025-06-15")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Chuyên đề số 9" in html and "Chuyên đề số 15" in html
    assert "Chuyên đề số 1<" not in html  # day 1's topics are on the other day view
    assert "Nguyễn Thị Thu Hà" in client.get(f"/programme/{conference.pk}/").content.decode()


def test_reorder_and_move_topic_in_the_ui(web_as):
    client = web_as("central_organiser")
    conference = build_programme(client)
    topic3 = Topic.objects.get(session__day__conference=conference, number=3)
    _post(client, f"/programme/topics/{topic3.pk}/move/", {"direction": "up"})
    first = topic3.session
    assert list(first.topics.order_by("order").values_list("number", flat=True)) == [1, 3, 2, 4]

    other = Session.objects.filter(day__conference=conference).exclude(pk=first.pk).last()
    assert other is not None
    _post(
        client,
        f"/programme/topics/{topic3.pk}/edit/",
        {"session": other.pk, "number": "3", "title": "Chuyên đề số 3", "planned_minutes": "45"},
    )
    topic3.refresh_from_db()
    assert topic3.session_id == other.pk
    assert list(other.topics.order_by("order").values_list("number", flat=True))[-1] == 3
    assert list(first.topics.order_by("order").values_list("number", flat=True)) == [1, 2, 4]


def test_invalid_form_shows_vietnamese_errors_and_writes_nothing(web_as):
    client = web_as("central_organiser")
    conference = build_programme(client)
    day = conference.days.first()
    response = _post(
        client,
        f"/programme/{conference.pk}/sessions/new/",
        {
            "day": day.pk,
            "title": "Sai giờ",
            "starts_at": "10:00",
            "ends_at": "09:00",
            "status": "planned",
        },
        expect=200,
    )
    assert "Phiên phải kết thúc sau khi bắt đầu" in response.content.decode()
    assert not Session.objects.filter(title="Sai giờ").exists()


def test_changed_after_publication_is_shown(web_as, api_as):
    client = web_as("central_organiser")
    conference = build_programme(client)
    topic = Topic.objects.get(session__day__conference=conference, number=5)
    page = client.get(f"/programme/{conference.pk}/?day=2025-06-14").content.decode()
    assert "đã thay đổi" not in page  # drafts are edited freely

    _post(client, f"/programme/{conference.pk}/publish/", {})
    _post(
        client,
        f"/programme/topics/{topic.pk}/edit/",
        {
            "session": topic.session_id,
            "number": "5",
            "title": "Chuyên đề số 5 (sửa)",
            "planned_minutes": "60",
        },
    )
    page = client.get(f"/programme/{conference.pk}/?day=2025-06-14").content.decode()
    assert "Chuyên đề số 5 (sửa)" in page
    assert "đã thay đổi" in page

    data = api_as("viewer").get(f"/api/v1/programme/conferences/{conference.pk}").json()
    flags = {
        t["number"]: t["changed"] for d in data["days"] for s in d["sessions"] for t in s["topics"]
    }
    assert flags[5] is True
    assert [n for n, changed in flags.items() if changed] == [5]


def test_province_organiser_cannot_edit_in_the_ui(web_as):
    conference = build_programme(web_as("central_organiser"))
    topic = Topic.objects.get(session__day__conference=conference, number=1)
    province = web_as("province_organiser", HANOI)
    assert province.get(f"/programme/{conference.pk}/").status_code == 200
    for url, data in (
        (
            "/programme/new/",
            {
                "name": "X",
                "slug": "x",
                "host": "X",
                "starts_on": "2025-06-14",
                "ends_on": "2025-06-14",
                "format": "hybrid",
                "target_sites": 0,
                "target_delegates": 0,
            },
        ),
        (f"/programme/{conference.pk}/edit/", {"name": "Đổi tên"}),
        (f"/programme/{conference.pk}/days/new/", {"date": "2025-06-14"}),
        (f"/programme/{conference.pk}/topics/new/", {"title": "Thêm"}),
        (f"/programme/topics/{topic.pk}/edit/", {"title": "Đổi"}),
        (f"/programme/topics/{topic.pk}/move/", {"direction": "down"}),
        (f"/programme/{conference.pk}/publish/", {}),
    ):
        assert province.post(url, data).status_code == 403, url
        assert province.get(url).status_code in (403, 405), url
    topic.refresh_from_db()
    assert topic.title == "Chuyên đề số 1"
    assert Conference.objects.count() == 1
    page = province.get(f"/programme/{conference.pk}/").content.decode()
    assert f"/programme/topics/{topic.pk}/edit/" not in page
