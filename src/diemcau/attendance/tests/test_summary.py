"""The summary at nation, province and commune matches a hand count, and follows scopes."""

import uuid

import pytest

from diemcau.attendance.services import refresh_registered
from diemcau.attendance.tests.helpers import make_delegate, scan, world
from diemcau.conftest import HOAN_KIEM, HUE

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(make_site):
    return world(make_site)


@pytest.fixture
def filled(api_as, w):
    """HK-A scans a1, a2 and guest b1; HK-B reports a headcount of 5; HN-P scans p1 and
    reports 0; Huế scans h1. Registered: HK-A 3, HK-B 1, HN-P 1, HUE-A 2."""
    central = api_as("central_organiser")
    s, p, sites = w["session"], w["people"], w["sites"]
    scans = [
        scan(p["a1"], sites["HK-A"], s),
        scan(p["a2"], sites["HK-A"], s),
        scan(p["b1"], sites["HK-A"], s),
        scan(p["p1"], sites["HN-P"], s),
        scan(p["h1"], sites["HUE-A"], s),
    ]
    out = central.post("/api/v1/checkins", {"scans": scans}, content_type="application/json")
    assert out.json()["accepted"] == 5
    for code, count in (("HK-B", 5), ("HN-P", 0)):
        central.post(
            f"/api/v1/sites/{code}/headcounts",
            {"id": str(uuid.uuid4()), "session": s.pk, "count": count},
            content_type="application/json",
        )
    return central


def get(client, **params):
    response = client.get("/api/v1/attendance/summary", params)
    assert response.status_code == 200, response.content
    return response.json()


def figures(row):
    keys = ("registered", "checked_in", "headcount", "present", "sites", "sites_reporting")
    return tuple(row[k] for k in keys)


def test_summary_matches_a_hand_count_at_every_level(filled, w):
    s = w["session"]
    nation = get(filled, session=s.pk)  # the lazy first count of registered delegates
    assert nation["unit"]["code"] == "TW" and nation["session"] == s.pk
    # registered 7; checked in 3+1+1; headcounts 5+0; present: HK-A 3, HK-B 5, HN-P 1, HUE-A 1
    assert figures(nation) == (7, 5, 5, 10, 4, 4)
    assert nation["other_site"] == 1
    children = {c["code"]: figures(c) for c in nation["children"]}
    assert children == {"01": (5, 4, 5, 9, 3, 3), HUE: (2, 1, 0, 1, 1, 1)}

    province = get(filled, unit="01", session=s.pk)
    assert {c["code"]: figures(c) for c in province["children"]} == {
        HOAN_KIEM: (4, 3, 5, 8, 2, 2),
        "01.TU": (1, 1, 0, 1, 1, 1),
    }
    commune = get(filled, unit=HOAN_KIEM, session=s.pk)
    assert commune["unit"]["level"] == "commune"
    assert {c["code"]: figures(c) for c in commune["children"]} == {
        "HK-A": (3, 3, 0, 3, 1, 1),
        "HK-B": (1, 0, 5, 5, 1, 1),
    }
    assert commune["children"][0]["level"] == "site"
    # Whole conference (one session here): the same figures.
    assert figures(get(filled)) == figures(nation)


def test_registered_follows_refresh(filled, w):
    get(filled)
    make_delegate(w["sites"]["HK-B"], "Người mới")
    assert get(filled, unit=HOAN_KIEM)["registered"] == 4  # not yet refreshed
    refresh_registered([w["sites"]["HK-B"].pk])
    assert get(filled, unit=HOAN_KIEM)["registered"] == 5
    refresh_registered()
    assert get(filled)["registered"] == 8


def test_summary_follows_the_read_scope(filled, api_as, w):
    hanoi = api_as("province_organiser", "01")
    other = hanoi.get("/api/v1/attendance/summary", {"unit": HUE})
    assert other.status_code == 404
    assert other.json()["detail"] == f"Không tìm thấy đơn vị “{HUE}”."
    assert hanoi.get("/api/v1/attendance/summary", {"unit": "TW"}).status_code == 404
    own = get(hanoi)
    assert own["unit"]["code"] == "01" and own["checked_in"] == 4
    operator = api_as("site_operator", "HK-B")
    mine = get(operator, unit=HOAN_KIEM)
    assert [c["code"] for c in mine["children"]] == ["HK-B"]
    assert (mine["registered"], mine["headcount"]) == (1, 5)
    assert get(operator)["registered"] == 1
    assert operator.get("/api/v1/attendance/summary", {"unit": HUE}).status_code == 404
    viewer = api_as("viewer", HUE)
    assert get(viewer)["checked_in"] == 1
    missing = filled.get("/api/v1/attendance/summary", {"session": 999_999})
    assert missing.status_code == 404


def test_scans_follow_the_write_scope(filled, api_as, w):
    s, p, sites = w["session"], w["people"], w["sites"]
    operator = api_as("site_operator", "HK-B")
    out = operator.post(
        "/api/v1/checkins",
        {"scans": [scan(p["a3"], sites["HK-B"], s), scan(p["a3"], sites["HK-A"], s)]},
        content_type="application/json",
    ).json()
    assert [r["reason"] or r["status"] for r in out["results"]] == ["accepted", "site_forbidden"]
    assert out["results"][0]["other_site"] is True
    viewer = api_as("viewer")
    response = viewer.post(
        "/api/v1/checkins",
        {"scans": [scan(p["h2"], sites["HUE-A"], s)]},
        content_type="application/json",
    )
    assert response.json()["results"][0]["reason"] == "site_forbidden"
    assert get(filled, session=s.pk)["checked_in"] == 6


def test_the_openapi_document_lists_every_reason(api_as):
    doc = api_as("central_organiser").get("/api/v1/openapi.json").json()
    text = doc["paths"]["/api/v1/checkins"]["post"]["description"]
    for code in (
        "invalid",
        "unknown",
        "revoked_or_forged",
        "typed_other_site",
        "session_unknown",
        "session_closed",
        "site_forbidden",
        "already_checked_in",
    ):
        assert f"`{code}`" in text
    body = doc["paths"]["/api/v1/checkins"]["post"]["requestBody"]["content"]
    scans = body["application/json"]["schema"]["properties"]["scans"]
    assert set(scans["items"]["properties"]) == {"id", "badge", "site", "session", "scanned_at"}
    assert "/api/v1/sites/{code}/headcounts" in doc["paths"]
    assert "/api/v1/attendance/summary" in doc["paths"]
