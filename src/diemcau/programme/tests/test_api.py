"""Programme API: every signed-in role reads; only central organisers write."""

import pytest

from diemcau.conftest import HANOI, HOAN_KIEM
from diemcau.programme.models import Conference, Topic

pytestmark = pytest.mark.django_db


def test_site_operator_reads_the_agenda(demo, api_as, make_site):
    site = make_site(HOAN_KIEM, code="HK-1")
    client = api_as("site_operator", site.code)
    listed = client.get("/api/v1/programme/conferences").json()
    assert [c["slug"] for c in listed] == ["tap-huan-cap-xa-2025"]
    data = client.get(f"/api/v1/programme/conferences/{demo.pk}").json()
    assert (data["target_sites"], data["target_delegates"]) == (11_000, 1_500_000)
    assert [d["date"] for d in data["days"]] == ["2025-06-14", "2025-06-15"]
    topics = [t for d in data["days"] for s in d["sessions"] for t in s["topics"]]
    assert [t["number"] for t in topics] == list(range(1, 16))
    second = topics[1]
    assert second["speakers"][0]["name"] == "Nguyễn Thị Thu Hà"
    rehearsal, first_session = data["days"][0]["sessions"][:2]
    assert rehearsal["kind"] == "rehearsal" and rehearsal["conference"] == demo.pk
    assert first_session["starts_at"] == "2025-06-14T07:30:00+07:00"
    assert first_session["status"] == "planned"  # follows the clock
    assert first_session["current_status"] == "ended"  # June 2025 is past

    session = client.get(f"/api/v1/programme/sessions/{first_session['id']}").json()
    assert len(session["topics"]) == 4
    topic = client.get(f"/api/v1/programme/topics/{second['id']}").json()
    assert topic["is_sample"] is False and topic["changed"] is False
    speakers = client.get("/api/v1/programme/speakers").json()
    assert {s["name"] for s in speakers} == {
        "Nguyễn Quang Dương",
        "Nguyễn Thị Thu Hà",
        "Phạm Thị Thanh Trà",
    }
    assert client.get("/api/v1/programme/topics/999999").status_code == 404
    pdf = client.get(f"/api/v1/programme/conferences/{demo.pk}/agenda.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


@pytest.mark.parametrize(
    "case",
    [
        ("central_organiser", None, 200),
        ("province_organiser", HANOI, 403),
        ("site_operator", "HK-1", 403),
        ("viewer", None, 403),
        ("sector_answerer", "noi-vu", 403),
    ],
)
def test_only_central_organisers_write_through_the_api(demo, api_as, make_site, case):
    role, scope, status = case
    make_site(HOAN_KIEM, code="HK-1")
    client = api_as(role, scope)
    topic = Topic.objects.get(session__day__conference=demo, number=1)
    assert client.get(f"/api/v1/programme/topics/{topic.pk}").status_code == 200
    response = client.patch(
        f"/api/v1/programme/topics/{topic.pk}",
        {"title": "Tiêu đề mới"},
        content_type="application/json",
    )
    assert response.status_code == status
    topic.refresh_from_db()
    assert (topic.title == "Tiêu đề mới") is (status == 200)
    response = client.post(
        "/api/v1/programme/conferences",
        {
            "slug": "moi",
            "name": "Mới",
            "host": "H",
            "starts_on": "2025-07-01",
            "ends_on": "2025-07-01",
        },
        content_type="application/json",
    )
    assert response.status_code == (201 if status == 200 else 403)
    if status != 200:
        assert "Ban tổ chức Trung ương" in response.json()["detail"]
    assert Conference.objects.filter(slug="moi").exists() is (status == 200)


def test_anonymous_is_refused(demo, client):
    assert client.get(f"/api/v1/programme/conferences/{demo.pk}").status_code == 401
    assert client.get(f"/programme/{demo.pk}/").status_code == 302


def test_move_topic_through_the_api_marks_it_changed_once_published(demo, api_as):
    client = api_as("central_organiser")
    topic = Topic.objects.get(session__day__conference=demo, number=1)
    target = Topic.objects.get(session__day__conference=demo, number=15).session
    demo.published_at = demo.created_at
    demo.save()
    response = client.patch(
        f"/api/v1/programme/topics/{topic.pk}",
        {"session": target.pk},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["session"] == target.pk
    assert response.json()["changed"] is True
    numbers = list(target.topics.order_by("order").values_list("number", flat=True))
    assert numbers[-1] == 1
