"""Headcounts: history kept, the newest report current, resends idempotent, scoped writes."""

import uuid

import pytest

from diemcau.attendance.models import Headcount, SessionTally
from diemcau.attendance.tests.helpers import world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(make_site):
    return world(make_site)


def report(client, site, session, count, id=None, note=""):
    return client.post(
        f"/api/v1/sites/{site}/headcounts",
        {"id": id or str(uuid.uuid4()), "session": session.pk, "count": count, "note": note},
        content_type="application/json",
    )


def test_a_new_report_supersedes_the_last_and_history_is_kept(api_as, w):
    client = api_as("province_organiser", "01")
    s = w["session"]
    first = report(client, "HK-A", s, 40, note="đầu giờ")
    assert first.status_code == 201
    body = first.json()
    assert body["count"] == 40 and body["current"] is True and body["session"] == s.pk
    assert body["reported_by"].startswith("province_organiser")
    second_id = str(uuid.uuid4())
    assert report(client, "HK-A", s, 55, id=second_id).status_code == 201
    resend = report(client, "HK-A", s, 55, id=second_id)
    assert resend.status_code == 200 and resend.json()["duplicate"] is True
    history = client.get(f"/api/v1/sites/HK-A/headcounts?session={s.pk}")
    assert history.status_code == 200
    assert [(h["count"], h["current"]) for h in history.json()] == [(55, True), (40, False)]
    assert history.json()[1]["note"] == "đầu giờ"
    assert Headcount.objects.count() == 2
    assert SessionTally.objects.get(site=w["sites"]["HK-A"], session=s).headcount == 55


def test_headcounts_are_scoped(api_as, w):
    s = w["session"]
    hanoi = api_as("province_organiser", "01")
    assert report(hanoi, "HUE-A", s, 10).status_code == 403
    assert hanoi.get("/api/v1/sites/HUE-A/headcounts").status_code == 404
    operator = api_as("site_operator", "HK-B")
    assert report(operator, "HK-B", s, 12).status_code == 201
    assert report(operator, "HK-A", s, 12).status_code == 403
    viewer = api_as("viewer")
    assert report(viewer, "HK-B", s, 12).status_code == 403
    assert viewer.get("/api/v1/sites/HK-B/headcounts").json()[0]["count"] == 12
    assert report(hanoi, "HK-A", s, -1).status_code == 422
    assert report(hanoi, "HK-A", s, 5, id="nope").status_code == 422
    missing = hanoi.post(
        "/api/v1/sites/HK-A/headcounts",
        {"id": str(uuid.uuid4()), "session": 999_999, "count": 3},
        content_type="application/json",
    )
    assert missing.status_code == 404


def test_the_sites_endpoints_still_resolve_beside_headcounts(api_as, w):
    client = api_as("central_organiser")
    assert client.get("/api/v1/sites?limit=5").status_code == 200
    detail = client.get("/api/v1/sites/HK-A")
    assert detail.status_code == 200 and detail.json()["code"] == "HK-A"
    assert client.get("/api/v1/sites/template.xlsx").status_code == 200
    assert client.get("/api/v1/sites/export?format=csv").status_code == 200
    assert (
        client.patch(
            "/api/v1/sites/HK-A", {"name": "Hội trường A"}, content_type="application/json"
        ).status_code
        == 200
    )
