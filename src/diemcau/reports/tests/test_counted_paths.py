"""The national report's fast paths give the figures the straightforward counts give.

The check-ins-over-time curve of the nation reads the per-minute counter (attendance/minutes.py)
and the incidents-over-time table counts by binary search (timelines.SpanCounter); both are
compared here with the plain computation they replace, on whichever database the suite runs on.
"""

import datetime as dt
import random

import pytest

from diemcau.accounts.scopes import Scope
from diemcau.attendance import minutes, timeline
from diemcau.attendance.annulling import annul
from diemcau.attendance.models import CheckIn
from diemcau.attendance.services import refresh_registered
from diemcau.attendance.tests.helpers import make_session, scan, world
from diemcau.operations.models import Incident
from diemcau.operations.timeline import open_at
from diemcau.reports.tests.test_timelines import at
from diemcau.reports.timelines import SpanCounter

BASE = dt.datetime(2025, 6, 14, 1, 0, tzinfo=dt.UTC)


def test_span_counter_counts_as_testing_every_incident():
    rng = random.Random(19)
    for _ in range(30):
        spans = []
        for _ in range(rng.randrange(0, 60)):
            opened = BASE + dt.timedelta(minutes=rng.randrange(0, 120))
            roll = rng.random()
            if roll < 0.3:
                resolved = None
            elif roll < 0.4:
                resolved = opened  # fixed at once
            elif roll < 0.5:
                resolved = opened - dt.timedelta(minutes=rng.randrange(1, 30))  # a clock's error
            else:
                resolved = opened + dt.timedelta(minutes=rng.randrange(1, 90))
            spans.append((opened, resolved))
        spans.sort(key=lambda s: s[0])
        counter = SpanCounter(spans)
        for minute in range(-5, 200, 5):  # bars on round times: ties with the spans' minutes
            start = BASE + dt.timedelta(minutes=minute)
            end = start + dt.timedelta(minutes=5)
            assert counter.opened(start, end) == sum(1 for o, _ in spans if start <= o < end)
            assert counter.open_at(end) == open_at(spans, end)


@pytest.mark.django_db
def test_national_report_is_the_same_on_the_counter_and_on_the_scan(make_site, api_as, monkeypatch):
    w = world(make_site)
    refresh_registered()
    client = api_as("central_organiser")
    s, p, sites = w["session"], w["people"], w["sites"]
    afternoon = make_session("13:00", "16:00")
    scans = [
        scan(p["a1"], sites["HK-A"], s, scanned_at="2025-06-14T07:55:10+07:00"),
        scan(p["a2"], sites["HK-A"], s, scanned_at="2025-06-14T08:05:59+07:00"),
        scan(p["b1"], sites["HK-B"], s, scanned_at="2025-06-14T08:05:00+07:00"),
        scan(p["h1"], sites["HUE-A"], s, scanned_at="2025-06-14T08:31:00+07:00"),
        scan(p["p1"], sites["HN-P"], afternoon, scanned_at="2025-06-14T13:02:00+07:00"),
    ]
    done = client.post("/api/v1/checkins", {"scans": scans}, content_type="application/json")
    assert done.status_code == 200, done.content
    annul(
        Scope(user_id=0, everything=True),
        [str(CheckIn.objects.get(delegate=p["b1"]).pk)],
        "quét nhầm",
    )
    for site, opened, resolved in (
        (sites["HK-A"], at("08:20"), at("08:50")),
        (sites["HUE-A"], at("08:22"), None),
        (sites["HK-B"], at("08:25"), at("08:25")),
    ):
        Incident.objects.create(
            site=site, province_id=site.province_id, cause="network", opened_at=opened,
            status="resolved" if resolved else "open", resolved_at=resolved,
        )  # fmt: skip
    urls = [
        f"/api/v1/reports/TW?session={s.pk}",
        f"/api/v1/reports/TW?conference={s.day.conference_id}",
    ]

    def figures(url):
        data = client.get(url).json()
        return data["totals"], data["tables"], data["headline"]

    counted = [figures(url) for url in urls]
    curve = next(t for t in counted[0][1] if t["key"] == "diem-danh-theo-gio")
    assert curve["total"][1] == 3 and curve["rows"][0][1:] == [1, 1]  # 07:55 in the first bar
    monkeypatch.setattr(minutes, "per_minute", timeline.grouped)  # the path before the counter
    assert [figures(url) for url in urls] == counted
