"""Minutes of outage: the database's sum (PostgreSQL) equals walking the changes one by one.

`outages.seconds_out` adds the offline stretches up in SQL on PostgreSQL and walks the changes
in Python elsewhere (`walked`); the national report reads it. A hand-made day checks the walk's
rules on every database, and a seeded random history compares the two paths change for change
(on SQLite both are the walk).
"""

import datetime as dt
import random

import pytest

from diemcau.conftest import HOAN_KIEM
from diemcau.operations.models import SiteStatusChange
from diemcau.operations.outages import seconds_out, walked
from diemcau.sites.models import Site

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2025, 6, 14, 1, 0, tzinfo=dt.UTC)


def m(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def change(site: Site, at: dt.datetime, to: str, frm: str = "online") -> None:
    SiteStatusChange.objects.create(site=site, at=at, from_state=frm, to_state=to)


def test_offline_stretches_inside_the_windows(make_site):
    a, b, c, d = (make_site(HOAN_KIEM) for _ in range(4))
    change(a, m(-30), "offline")  # already out when the window opens …
    change(a, m(10), "offline")  # … a repeated "offline" continues the stretch …
    change(a, m(20), "online")  # … back after 20 minutes
    change(b, m(5), "offline")
    change(b, m(5), "online")  # out and back in the same instant: nothing
    change(c, m(50), "offline")  # still out when the window closes at 60: 10 minutes
    change(c, m(70), "online")
    change(d, m(0), "degraded")  # degraded is not out
    change(d, m(30), "offline")
    change(d, m(40), "degraded")  # back, if poorly: 10 minutes
    sites = Site.objects.filter(pk__in=[a.pk, b.pk, c.pk, d.pk])
    expected = {a.pk: 1200.0, c.pk: 600.0, d.pk: 600.0}
    assert seconds_out(sites, [(m(0), m(60))]) == walked(sites, [(m(0), m(60))]) == expected
    # Two windows: the second (65–80) finds c out from 50 until 70.
    two = [(m(0), m(60)), (m(65), m(80))]
    assert seconds_out(sites, two) == walked(sites, two) == {**expected, c.pk: 900.0}


def test_the_sum_equals_the_walk_over_a_random_day(make_site):
    rng = random.Random(19)
    sites = [make_site(HOAN_KIEM) for _ in range(25)]
    rows = []
    for site in sites:
        for _ in range(rng.randrange(0, 12)):
            at = m(rng.randrange(-60, 240) + rng.choice((0, 0.5, 0.123456)))
            to = rng.choice(("offline", "offline", "online", "degraded"))
            rows.append(SiteStatusChange(site=site, at=at, from_state="online", to_state=to))
    SiteStatusChange.objects.bulk_create(rows)
    qs = Site.objects.filter(pk__in=[s.pk for s in sites])
    windows = [(m(0), m(90)), (m(120), m(200))]
    summed, walk = seconds_out(qs, windows), walked(qs, windows)
    assert summed.keys() == walk.keys() and len(walk) > 5
    for pk, seconds in walk.items():
        assert summed[pk] == pytest.approx(seconds, abs=1e-6)
