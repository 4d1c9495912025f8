"""The report's counters (counters.py) give the history paths' figures exactly.

A seeded random day goes through the flush as the servers write it: beats from random sites at
random moments, some arriving late (older than beats already flushed, some from before a sweep
marked their site offline, which logs a change older than the site's latest), sweeps marking
silent sites offline. At checkpoints during the day (outages still open) and after it, the
connections per session and each site's outage seconds read from the counters equal the
history's (an EXISTS per site; the walk and, on PostgreSQL, the SQL sum over the changes). Then
a session's times are edited (through the ORM: recounted; around it: the history answers), and
`diemcau counters rebuild` mends counters damaged by hand, printing what it corrected.
"""

import datetime as dt
import random
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import pytest

from diemcau.accounts.scopes import Scope
from diemcau.attendance.recount import rebuild_counters
from diemcau.conftest import HOAN_KIEM, HUE
from diemcau.operations import counters, outages, services
from diemcau.operations import timeline as ops_timeline
from diemcau.operations.livestate import Beat, MemoryStore
from diemcau.operations.models import SessionConnected, SessionOutage, SiteDown, SiteStatusChange
from diemcau.programme.models import Conference, Day, Session
from diemcau.sites.models import Site

pytestmark = pytest.mark.django_db
VN = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = dt.date(2025, 6, 14)
CENTRAL = Scope(user_id=None, everything=True)


def at(hhmm: str) -> dt.datetime:
    return dt.datetime.combine(DAY, dt.time.fromisoformat(hhmm), tzinfo=VN)


def sessions_of_the_day() -> list[Session]:
    conference = Conference.objects.create(
        slug="c19", name="Hội nghị", host="BTC", starts_on=DAY, ends_on=DAY
    )
    day = Day.objects.create(conference=conference, date=DAY)
    times = (("08:00", "09:30"), ("09:45", "10:40"), ("10:30", "11:00"))
    return [
        Session.objects.create(
            day=day,
            title=f"Phiên {i}",
            starts_at=dt.time.fromisoformat(a),
            ends_at=dt.time.fromisoformat(b),
        )
        for i, (a, b) in enumerate(times, 1)
    ]


def fresh(sessions: Sequence[Session]) -> list[Session]:
    return list(Session.objects.filter(pk__in=[s.pk for s in sessions]).select_related("day"))


def assert_same(sessions: Sequence[Session], now: dt.datetime) -> int:
    """Counters against history for each session alone and for every non-overlapping set; returns
    the outage sites seen, so the test knows it tested something."""
    sessions = fresh(sessions)
    assert ops_timeline.connections(CENTRAL, None, sessions) == ops_timeline.connections(
        CENTRAL, None, sessions, from_history=True
    )
    sites = Site.objects.all()
    seen = 0
    for chosen in ([s] for s in sessions):
        windows = outages.merge([ops_timeline.session_window(s) for s in chosen], now)
        counted = counters.seconds_out(sites, chosen, now)
        assert counted is not None
        walk = outages.walked(sites, windows) if windows else {}
        summed = outages.seconds_out(sites, windows) if windows else {}
        assert counted.keys() == walk.keys() == summed.keys()
        for site, seconds in walk.items():
            assert counted[site] == pytest.approx(seconds, abs=1e-6)
            assert counted[site] == pytest.approx(summed[site], abs=1e-6)
        seen += len(walk)
    pair = [sessions[0], sessions[1]]  # apart: the counters add them up
    windows = outages.merge([ops_timeline.session_window(s) for s in pair], now)
    counted = counters.seconds_out(sites, pair, now)
    walk = outages.walked(sites, windows) if windows else {}
    assert counted is not None and counted.keys() == walk.keys()
    assert all(counted[k] == pytest.approx(v, abs=1e-6) for k, v in walk.items())
    # Windows that overlap (2 and 3): the history merges them, the counters decline.
    assert counters.seconds_out(sites, sessions[1:], max(now, at("10:35"))) is None
    return seen


def day_of_beats(rng: random.Random, sites: Sequence[Site], sessions: Sequence[Session]) -> None:
    """07:50 to 11:10: every few seconds some sites beat (some late), each flush sweeps."""
    store = MemoryStore()
    t = at("07:50").timestamp()
    end = at("11:10").timestamp()
    checkpoints = [at(x).timestamp() for x in ("08:40", "09:50", "10:35")]
    flaky = {s.pk: rng.random() for s in sites}
    while t < end:
        t += rng.choice((5, 7, 11, 20.5, 33.25))
        beats = []
        for site in sites:
            if rng.random() < flaky[site.pk] * 0.6:
                continue  # silent this round: a long run of these and the sweep marks it offline
            late = rng.random() < 0.1
            when = t - rng.uniform(1, 40) if late else t
            beats.append(Beat(site.pk, when, playing=rng.random() < 0.8, buffer_s=8.0))
        store.record(beats)
        services.flush(t, store)
        if checkpoints and t >= checkpoints[0]:
            checkpoints.pop(0)
            assert_same(sessions, dt.datetime.fromtimestamp(t, tz=dt.UTC))


@pytest.fixture
def day(make_site) -> tuple[list[Site], list[Session]]:
    sites = [make_site(HOAN_KIEM) for _ in range(14)] + [make_site(HUE) for _ in range(4)]
    sessions = sessions_of_the_day()
    day_of_beats(random.Random(19), sites, sessions)
    return sites, sessions


def disordered_changes() -> int:
    """Sites whose log has a change older than the one before it (the case recounted whole)."""
    last: dict[int, tuple[dt.datetime, int]] = {}
    found = set()
    for site, at_, pk in SiteStatusChange.objects.order_by("id").values_list("site_id", "at", "id"):
        if site in last and at_ < last[site][0]:
            found.add(site)
        last[site] = (at_, pk)
    return len(found)


def test_a_random_day_through_the_flush_gives_the_historys_figures(day):
    sites, sessions = day
    assert SiteStatusChange.objects.filter(to_state="offline").count() > 20
    assert disordered_changes() > 0  # the late-beat case happened
    assert SessionConnected.objects.count() > 0
    assert assert_same(sessions, at("23:00")) > 5
    # Beats flushed twice (a retried drain): nothing moves.
    before = sorted(SessionConnected.objects.values_list("session_id", "site_id"))
    store = MemoryStore()
    store.record(
        [Beat(sites[0].pk, at("08:05").timestamp()), Beat(sites[1].pk, at("08:06").timestamp())]
    )
    store.record([Beat(sites[0].pk, at("08:05").timestamp())])
    services.flush(at("23:00").timestamp(), store)
    assert sorted(SessionConnected.objects.values_list("session_id", "site_id")) == before
    assert assert_same(sessions, at("23:00")) > 5


def test_edited_session_times_are_recounted_or_read_from_the_history(day):
    _sites, sessions = day
    first = fresh(sessions)[0]
    first.starts_at, first.ends_at = dt.time(8, 20), dt.time(9, 40)  # saved: recounted
    first.save()
    assert counters.counted([first]) == {first.pk}
    assert_same(sessions, at("23:00"))
    # Moved around the ORM: the counters no longer hold for it, the history answers.
    Session.objects.filter(pk=first.pk).update(ends_at=dt.time(9, 0))
    moved = fresh(sessions)
    assert counters.counted(moved) == {moved[1].pk, moved[2].pk}
    assert counters.seconds_out(Site.objects.all(), [moved[0]], at("23:00")) is None
    assert ops_timeline.connections(CENTRAL, None, moved) == ops_timeline.connections(
        CENTRAL, None, moved, from_history=True
    )
    found = outages.outages(
        CENTRAL, None, [ops_timeline.session_window(moved[0])], at("23:00"), [moved[0]]
    )
    old = outages.outages(CENTRAL, None, [ops_timeline.session_window(moved[0])], at("23:00"))
    assert found == old
    # The day moved a day later: every session recounted (nothing happened then).
    the_day = Day.objects.get(pk=first.day_id)
    the_day.date = DAY + dt.timedelta(days=1)
    the_day.save()
    later = fresh(sessions)
    assert counters.counted(later) == {s.pk for s in later}
    assert ops_timeline.connections(CENTRAL, None, later).connected == {
        s.pk: dict.fromkeys(ops_timeline.GROUPS, 0) for s in later
    }


def test_a_report_asked_about_the_past_reads_the_history(day):
    _sites, sessions = day
    # Changes were logged after 08:30: the counters cannot cut them there, the history can.
    assert counters.seconds_out(Site.objects.all(), fresh(sessions)[:1], at("08:30")) is None


def test_rebuild_corrects_and_prints_damaged_counters(day):
    sites, sessions = day
    s1 = sessions[0]
    gone = SessionConnected.objects.filter(session_id=s1.pk).order_by("site_id").first()
    assert gone is not None
    gone.delete()
    row = SessionOutage.objects.filter(session_id=s1.pk).order_by("site_id").first()
    assert row is not None
    SessionOutage.objects.filter(pk=row.pk).update(closed_us=row.closed_us + 7_000_000)
    SiteDown.objects.filter(site_id=sites[2].pk).update(down_since=at("08:01"))
    report = rebuild_counters()
    lines = [c.describe() for c in report.changes if c.counter in ("connected", "outage")]
    code = dict(Site.objects.values_list("pk", "code"))
    assert f"connected {code[gone.site_id]} (phiên {s1.pk}) connected: 0 → 1" in lines
    assert (
        f"outage {code[row.site_id]} (phiên {s1.pk}) closed_us: "
        f"{row.closed_us + 7_000_000} → {row.closed_us}" in lines
    )
    assert any(line.startswith(f"outage {code[sites[2].pk]} down:") for line in lines)
    assert assert_same(sessions, at("23:00")) > 5
    assert not [c for c in rebuild_counters().changes if c.counter in ("connected", "outage")]
