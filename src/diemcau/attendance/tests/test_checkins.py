"""The check-in batch over the API: idempotent resends, every reason code, guests, annulment."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from diemcau.attendance.models import CheckIn, SessionTally
from diemcau.attendance.tests.helpers import IN_WINDOW, badge, make_delegate, scan, world

pytestmark = pytest.mark.django_db
URL = "/api/v1/checkins"


@pytest.fixture
def w(make_site):
    return world(make_site)


def post(client, scans):
    response = client.post(URL, {"scans": scans}, content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()


def tally(site, session):
    row = SessionTally.objects.filter(site=site, session=session).first()
    return (row.checked_in, row.other_site) if row else (0, 0)


def test_batch_accepts_and_a_resend_doubles_nothing(api_as, w):
    client = api_as("central_organiser")
    s, p, site = w["session"], w["people"], w["sites"]["HK-A"]
    scans = [scan(p["a1"], site, s), scan(p["a2"], site, s, typed=True)]
    first = post(client, scans)
    assert (first["accepted"], first["duplicates"], first["rejected"]) == (2, 0, 0)
    assert [r["delegate"] for r in first["results"]] == [p["a1"].code, p["a2"].code]
    assert first["results"][0]["full_name"] == "Nguyễn Văn An"
    again = post(client, scans)
    assert (again["accepted"], again["duplicates"], again["rejected"]) == (0, 2, 0)
    assert [r["status"] for r in again["results"]] == ["duplicate", "duplicate"]
    assert again["results"][1]["delegate"] == p["a2"].code
    assert CheckIn.objects.count() == 2
    assert tally(site, s) == (2, 0)
    row = CheckIn.objects.get(delegate=p["a2"])
    assert row.manual and row.scanned_at == dt.datetime.fromisoformat(IN_WINDOW)
    assert row.received_at > row.scanned_at


def test_same_id_twice_in_one_batch_is_one_check_in(api_as, w):
    client = api_as("central_organiser")
    one = scan(w["people"]["a1"], w["sites"]["HK-A"], w["session"])
    out = post(client, [one, dict(one)])
    assert [r["status"] for r in out["results"]] == ["accepted", "duplicate"]
    assert tally(w["sites"]["HK-A"], w["session"]) == (1, 0)


def test_every_reason_code(api_as, w, make_site):
    client = api_as("province_organiser", "01")
    s, p, sites = w["session"], w["people"], w["sites"]
    hk_a = sites["HK-A"]
    forged = badge(p["a3"])[:-1] + ("0" if badge(p["a3"])[-1] != "0" else "1")
    future = (timezone.now() + dt.timedelta(minutes=30)).isoformat()
    cases = {
        "invalid": scan(p["a1"], hk_a, s, id="not-a-uuid"),
        "invalid_time": scan(p["a1"], hk_a, s, scanned_at="14/06/2025 08:05"),
        "invalid_naive": scan(p["a1"], hk_a, s, scanned_at="2025-06-14T08:05:00"),
        "invalid_future": scan(p["a1"], hk_a, s, scanned_at=future),
        "invalid_site": scan(p["a1"], "NO-SUCH", s),
        "unknown": scan("hello world", hk_a, s),
        "unknown_code": scan("DC1:ZZZZZZZZ:0123456789ABCDEF", hk_a, s),
        "revoked_or_forged": scan(forged, hk_a, s),
        "typed_other_site": scan(p["b1"], hk_a, s, typed=True),
        "session_unknown": scan(p["a1"], hk_a, 999_999),
        "session_closed_early": scan(p["a1"], hk_a, s, scanned_at="2025-06-14T04:59:00+07:00"),
        "session_closed_late": scan(p["a1"], hk_a, s, scanned_at="2025-06-14T11:31:00+07:00"),
        "site_forbidden": scan(p["h1"], sites["HUE-A"], s),
        "accepted": scan(p["a1"], hk_a, s, scanned_at="2025-06-14T05:00:00+07:00"),
        "already_checked_in": scan(p["a1"], hk_a, s),
    }
    out = post(client, list(cases.values()))
    got = {name: r["reason"] or r["status"] for name, r in zip(cases, out["results"], strict=True)}
    assert got == {name: name for name in cases} | {
        "invalid_time": "invalid",
        "invalid_naive": "invalid",
        "invalid_future": "invalid",
        "invalid_site": "invalid",
        "unknown_code": "unknown",
        "session_closed_early": "session_closed",
        "session_closed_late": "session_closed",
    }
    assert (out["accepted"], out["rejected"]) == (1, len(cases) - 1)
    # A later batch with another id for the same delegate: still already_checked_in.
    later = post(client, [scan(p["a1"], hk_a, s)])
    assert later["results"][0]["reason"] == "already_checked_in"
    assert tally(hk_a, s) == (1, 0)
    # A revoked badge: the delegate got a new secret, the old payload no longer matches.
    old = badge(p["a2"])
    p["a2"].secret = "f" * 32
    p["a2"].save()
    assert post(client, [scan(old, hk_a, s)])["results"][0]["reason"] == "revoked_or_forged"


def test_a_guest_is_flagged_and_counted_once_at_the_scanning_site(api_as, w):
    client = api_as("central_organiser")
    s, p, sites = w["session"], w["people"], w["sites"]
    out = post(client, [scan(p["b1"], sites["HK-A"], s)])  # b1 belongs to HK-B
    assert out["results"][0] == {
        "id": out["results"][0]["id"],
        "status": "accepted",
        "reason": None,
        "delegate": p["b1"].code,
        "full_name": "Phạm Thị Dung",
        "other_site": True,
    }
    assert tally(sites["HK-A"], s) == (1, 1)
    assert tally(sites["HK-B"], s) == (0, 0)
    # Scanned at home afterwards: already checked in (one person, one place per session).
    home = post(client, [scan(p["b1"], sites["HK-B"], s)])
    assert home["results"][0]["reason"] == "already_checked_in"


def test_annul_stops_counting_and_frees_the_delegate(api_as, w):
    client = api_as("central_organiser")
    s, p, site = w["session"], w["people"], w["sites"]["HK-A"]
    first = scan(p["b1"], site, s)
    post(client, [first, scan(p["a1"], site, s)])
    assert tally(site, s) == (2, 1)
    missing = str(uuid.uuid4())
    response = client.post(
        f"{URL}/annul",
        {"ids": [first["id"], missing, "junk"], "reason": "quét nhầm"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert [r["status"] for r in response.json()] == ["annulled", "not_found", "not_found"]
    assert tally(site, s) == (1, 0)
    row = CheckIn.objects.get(pk=first["id"])
    assert row.annulled_at is not None and row.annul_reason == "quét nhầm"
    again = client.post(f"{URL}/annul", {"ids": [first["id"]]}, content_type="application/json")
    assert again.json()[0]["status"] == "already_annulled"
    assert tally(site, s) == (1, 0)
    # Free again: checked in at home now.
    out = post(client, [scan(p["b1"], w["sites"]["HK-B"], s)])
    assert out["accepted"] == 1
    assert tally(w["sites"]["HK-B"], s) == (1, 0)
    # The annulled id resent is still the old (annulled) record: nothing changes.
    assert post(client, [first])["duplicates"] == 1
    assert CheckIn.objects.filter(annulled_at__isnull=True).count() == 2


def test_annul_is_scoped_like_writes(api_as, w):
    central = api_as("central_organiser")
    s, p = w["session"], w["people"]
    hue_scan = scan(p["h1"], w["sites"]["HUE-A"], s)
    post(central, [hue_scan])
    hanoi = api_as("province_organiser", "01")
    body = {"ids": [hue_scan["id"]]}
    assert hanoi.post(f"{URL}/annul", body, content_type="application/json").json() == [
        {"id": hue_scan["id"], "status": "not_found"}
    ]
    viewer = api_as("viewer")
    assert viewer.post(f"{URL}/annul", body, content_type="application/json").json() == [
        {"id": hue_scan["id"], "status": "forbidden"}
    ]
    assert CheckIn.objects.get(pk=hue_scan["id"]).annulled_at is None


def test_a_delegate_may_check_in_to_each_session(api_as, w):
    from diemcau.attendance.tests.helpers import make_session

    client = api_as("central_organiser")
    afternoon = make_session("13:30", "17:00")
    p, site = w["people"], w["sites"]["HK-A"]
    out = post(
        client,
        [
            scan(p["a1"], site, w["session"]),
            scan(p["a1"], site, afternoon, scanned_at="2025-06-14T13:20:00+07:00"),
        ],
    )
    assert out["accepted"] == 2


def test_a_bad_body_is_a_422_not_a_crash(api_as, w):
    client = api_as("central_organiser")
    response = client.post(URL, {"scans": []}, content_type="application/json")
    assert response.status_code == 422
    too_many = [scan(w["people"]["a1"], "HK-A", 1)] * 1001
    response = client.post(URL, {"scans": too_many}, content_type="application/json")
    assert response.status_code == 422


def test_a_new_delegate_is_found_by_code_typed_loosely(api_as, w):
    client = api_as("central_organiser")
    d = make_delegate(w["sites"]["HK-A"], "Đỗ Thị Hoa")
    typed = f"{d.code[:4].lower()}-{d.code[4:]}"
    out = post(client, [scan(typed, w["sites"]["HK-A"], w["session"])])
    assert out["results"][0]["delegate"] == d.code and out["accepted"] == 1


def test_a_check_in_written_by_another_worker_meanwhile_is_not_counted_twice(
    api_as, w, monkeypatch
):
    """The insert arbitrates: a row that appeared after the batch's reads is not doubled."""
    from diemcau.attendance import checkins

    client = api_as("central_organiser")
    s, p, site = w["session"], w["people"], w["sites"]["HK-A"]
    resent = scan(p["a1"], site, s)
    post(client, [resent])
    monkeypatch.setattr(checkins, "_valid_checkins", lambda *_args: set())
    out = post(client, [scan(p["a1"], site, s), resent, scan(p["a2"], site, s)])
    assert [r["reason"] or r["status"] for r in out["results"]] == [
        "already_checked_in",
        "duplicate",
        "accepted",
    ]
    assert out["results"][1]["delegate"] == p["a1"].code
    assert tally(site, s) == (2, 0)


def test_a_resend_after_the_badge_was_revoked_is_still_a_duplicate(api_as, w):
    client = api_as("central_organiser")
    s, p, site = w["session"], w["people"], w["sites"]["HK-A"]
    first = scan(p["a1"], site, s)
    post(client, [first])
    p["a1"].secret = "e" * 32
    p["a1"].save()
    out = post(client, [first])
    assert out["results"][0]["status"] == "duplicate"
    assert out["results"][0]["delegate"] == p["a1"].code
