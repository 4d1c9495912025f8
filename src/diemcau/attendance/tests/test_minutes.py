"""The per-minute check-in counter the triggers keep equals a count of the check-ins themselves.

The national report's check-ins-over-time curve reads the counter (minutes.py) instead of
grouping millions of check-ins; these tests write check-ins through every path that can change
them (the check-in batch with a resend and a rejected second scan, an annulment, a moved scan
time, a deleted row, a bulk insert) and compare the counter with the straightforward GROUP BY,
on whichever database the suite runs on.
"""

import datetime as dt
import uuid

import pytest
from django.db import connection

from diemcau.accounts.scopes import Scope
from diemcau.attendance import minutes
from diemcau.attendance.annulling import annul
from diemcau.attendance.models import CheckIn, CheckInMinute
from diemcau.attendance.services import refresh_registered
from diemcau.attendance.tests.helpers import make_session, scan, world
from diemcau.attendance.timeline import checkins_per_minute, grouped

pytestmark = pytest.mark.django_db
EVERYTHING = Scope(user_id=0, everything=True)


def utc(hhmm: str) -> dt.datetime:
    """The UTC minute of a Vietnamese time on the test day (the counter's key)."""
    return dt.datetime.fromisoformat(f"2025-06-14T{hhmm}:00+07:00").astimezone(dt.UTC)


@pytest.fixture
def w(make_site):
    data = world(make_site)
    refresh_registered()
    return data


def post(client, scans):
    done = client.post("/api/v1/checkins", {"scans": scans}, content_type="application/json")
    assert done.status_code == 200, done.content
    return [r["status"] for r in done.json()["results"]]


def rows_per_key() -> dict[tuple[int, int], int]:
    out: dict[tuple[int, int], int] = {}
    for session_id, minute in CheckInMinute.objects.values_list("session_id", "minute"):
        out[(session_id, minute)] = out.get((session_id, minute), 0) + 1
    return out


def test_counter_equals_the_count_after_scans_resends_annulments_moves_and_deletes(w, api_as):
    client = api_as("central_organiser")
    s, p, sites = w["session"], w["people"], w["sites"]
    afternoon = make_session("13:00", "16:00")
    first = scan(p["a1"], sites["HK-A"], s, scanned_at="2025-06-14T08:05:10+07:00")
    statuses = post(
        client,
        [
            first,
            scan(p["a2"], sites["HK-A"], s, scanned_at="2025-06-14T08:05:59+07:00"),
            scan(p["h1"], sites["HUE-A"], s, scanned_at="2025-06-14T08:06:00+07:00"),
            scan(p["b1"], sites["HK-B"], s, scanned_at="2025-06-14T08:12:30+07:00"),
            scan(p["a1"], sites["HK-A"], afternoon, scanned_at="2025-06-14T13:01:00+07:00"),
        ],
    )
    assert statuses.count("accepted") == 5, statuses
    # The same batch again (a lost answer) and a second scan of a1: neither counts again.
    again = post(client, [first, scan(p["a1"], sites["HK-A"], s, scanned_at=first["scanned_at"])])
    assert "accepted" not in again
    assert minutes.per_minute(s.pk) == {utc("08:05"): 2, utc("08:06"): 1, utc("08:12"): 1}

    annul(EVERYTHING, [first["id"]], "quét nhầm")  # 08:05 loses one
    moved = CheckIn.objects.get(delegate=p["b1"], session=s)
    CheckIn.objects.filter(pk=moved.pk).update(scanned_at=utc("08:20"))  # 08:12 → 08:20
    CheckIn.objects.filter(delegate=p["h1"]).delete()  # 08:06 empties
    CheckIn.objects.bulk_create(
        [
            CheckIn(id=uuid.uuid4(), delegate=p["a3"], session=s, site=sites["HK-A"],
                    scanned_at=utc("08:20"), received_at=utc("08:21")),
            CheckIn(id=uuid.uuid4(), delegate=p["p1"], session=s, site=sites["HN-P"],
                    scanned_at=utc("08:30"), received_at=utc("08:31"),
                    annulled_at=utc("08:32")),  # already annulled: not counted
        ]
    )  # fmt: skip

    expected = {utc("08:05"): 1, utc("08:20"): 2}
    assert minutes.per_minute(s.pk) == grouped(s.pk) == expected
    assert minutes.per_minute(afternoon.pk) == grouped(afternoon.pk) == {utc("13:01"): 1}
    assert minutes.per_minute(None) == grouped(None) == {**expected, utc("13:01"): 1}
    # The nation for a reader of everything comes from the counter, and equals the count.
    assert checkins_per_minute(EVERYTHING, "TW", s.pk) == expected


def test_a_province_curve_still_counts_its_own_sites(w, api_as):
    client = api_as("central_organiser")
    s, p, sites = w["session"], w["people"], w["sites"]
    post(
        client,
        [
            scan(p["a1"], sites["HK-A"], s, scanned_at="2025-06-14T08:05:10+07:00"),
            scan(p["h1"], sites["HUE-A"], s, scanned_at="2025-06-14T08:05:20+07:00"),
        ],
    )
    assert checkins_per_minute(EVERYTHING, "TW", s.pk) == {utc("08:05"): 2}
    assert checkins_per_minute(EVERYTHING, "01", s.pk) == {utc("08:05"): 1}  # Hà Nội alone


def test_fold_leaves_one_row_per_minute_and_the_same_sums(w, api_as):
    client = api_as("central_organiser")
    s, p, sites = w["session"], w["people"], w["sites"]
    for key, site in (("a1", "HK-A"), ("a2", "HK-A"), ("h1", "HUE-A"), ("h2", "HUE-A")):
        post(client, [scan(p[key], sites[site], s, scanned_at="2025-06-14T08:05:00+07:00")])
    annul(EVERYTHING, [str(CheckIn.objects.get(delegate=p["h2"]).pk)], "quét nhầm")
    before = minutes.per_minute(s.pk)
    # PostgreSQL: each statement appended its own row (4 inserts and an annulment); SQLite
    # keeps one row per minute all along.
    assert rows_per_key()[(s.pk, int(utc("08:05").timestamp()) // 60)] == (
        5 if connection.vendor == "postgresql" else 1
    )
    minutes.fold([s.pk])
    assert set(rows_per_key().values()) == {1}
    assert minutes.per_minute(s.pk) == before == grouped(s.pk) == {utc("08:05"): 3}


def test_the_reader_folds_rows_that_have_piled_up(w, api_as, monkeypatch):
    monkeypatch.setattr(minutes, "FOLD_MIN_ROWS", 2)
    monkeypatch.setattr(minutes, "FOLD_RATIO", 2)  # three rows for one minute: fold
    client = api_as("central_organiser")
    s, p, sites = w["session"], w["people"], w["sites"]
    for key in ("a1", "a2", "a3"):
        post(client, [scan(p[key], sites["HK-A"], s, scanned_at="2025-06-14T08:05:00+07:00")])
    assert minutes.per_minute(s.pk) == {utc("08:05"): 3}
    assert set(rows_per_key().values()) == {1}  # folded by the read (PostgreSQL), or always


def test_install_recounts_what_was_written_while_the_triggers_were_away(w):
    s, p, sites = w["session"], w["people"], w["sites"]
    with connection.cursor() as cursor:
        for name in minutes.TRIGGERS:  # as SQLite's migrate leaves it, or a restore without them
            if connection.vendor == "sqlite":
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            else:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {minutes.CHECKINS}")
    assert not minutes.installed()
    CheckIn.objects.create(
        id=uuid.uuid4(), delegate=p["a1"], session=s, site=sites["HK-A"],
        scanned_at=utc("09:00"), received_at=utc("09:00"),
    )  # fmt: skip
    assert minutes.per_minute(s.pk) == {}  # nobody counted it
    assert minutes.install() is True and minutes.installed()
    assert minutes.per_minute(s.pk) == grouped(s.pk) == {utc("09:00"): 1}
    assert minutes.install() is False  # nothing left to do
