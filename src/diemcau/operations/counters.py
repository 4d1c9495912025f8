"""The national report's operations figures per (site, session), kept as beats and state
changes are written, so the report reads a row per site instead of the history.

Two figures, both as the history paths compute them (operations/timeline.py `connections`,
operations/outages.py `seconds_out`), which stay as the reference and the fallback:

- connected: the site sent a heartbeat inside the session's window (`SessionConnected`, one row
  per pair). The flusher maps each batch's beats to the windows in Python and inserts the pairs
  ON CONFLICT DO NOTHING: a beat flushed twice, or a late beat flushed minutes after it
  arrived, lands on the same row; its time is the server's receipt, so lateness never moves it.
- outage: the site's offline stretches (from a change to offline until its next change to
  another state) that overlap the window. `SiteDown` holds each site's open stretch; when a
  change ends one, its overlap with every window is added to `SessionOutage.closed_us`
  (integer microseconds: sums never depend on their order). The open stretch is added at read
  time up to `now`. A change older than the site's latest one (a sweep's offline dated
  last_seen + delay, then a late beat from before it) would need the log re-sorted: that site
  is recounted from its whole log instead, which the history path does in effect every time.

A session's counters hold for the window they were counted for (`CountedWindow`). A session or
day saved through the ORM recounts its session at once (`sync_session`, a signal); anything
else that moves a window (an UPDATE around the ORM, a restore) leaves the stored window
different, and the report then reads that session from the history: a stale figure is never
shown, only a slower one, until `diemcau counters rebuild`. Recounting on read was not chosen: a
GET would write, and two readers would race to do it.

Writers and recounts: on PostgreSQL every writer takes ROW SHARE on `CountedWindow` before it
reads the windows or a site's `SiteDown`, and a recount takes EXCLUSIVE: it waits for the
flushes in flight (their beats and changes are then in the history it reads) and holds new ones
until it commits (they then apply their own rows on top of its figures, with its windows).
SQLite has one writer at a time.
"""

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, Max, OuterRef, QuerySet, Subquery

from diemcau.attendance.changes import Change
from diemcau.attendance.writelock import lock_table
from diemcau.operations.liveness import Among
from diemcau.operations.livestate import Beat
from diemcau.operations.models import (
    CountedWindow,
    HeartbeatSample,
    LiveState,
    SessionConnected,
    SessionOutage,
    SiteDown,
    SiteStatusChange,
)
from diemcau.programme.models import Session
from diemcau.programme.windows import session_window
from diemcau.sites.models import Site

Window = tuple[dt.datetime, dt.datetime]
Change3 = tuple[int, dt.datetime, str]  # (site id, at, to_state), in the order written
OFFLINE = LiveState.OFFLINE.value
US = dt.timedelta(microseconds=1)
_WINDOWS = CountedWindow._meta.db_table
_CONNECTED = SessionConnected._meta.db_table
_OUTAGE = SessionOutage._meta.db_table
_DOWN = SiteDown._meta.db_table


def overlap_us(start: dt.datetime, end: dt.datetime, window: Window) -> int:
    """Microseconds of [start, end) inside the window."""
    low, high = max(start, window[0]), min(end, window[1])
    return (high - low) // US if high > low else 0


# -- locks and windows ---------------------------------------------------------------------------
def _lock(mode: str) -> None:
    lock_table(_WINDOWS, mode)


def _windows() -> dict[int, Window]:
    """The counted windows, read under ROW SHARE (a recount in progress is waited for)."""
    _lock("ROW SHARE")
    return {
        s: (a, b) for s, a, b in CountedWindow.objects.values_list("session_id", "starts", "ends")
    }


def _when(epoch: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, tz=dt.UTC)  # as the flush stores it


# -- the flush -----------------------------------------------------------------------------------
def beats_written(beats: Sequence[Beat]) -> int:
    """Mark the (site, session) pairs these beats connect; returns the pairs offered."""
    if not beats:
        return 0
    low = min(b.received_at for b in beats) - 1
    high = max(b.received_at for b in beats) + 1
    windows = [
        (sid, w)
        for sid, w in _windows().items()
        if w[0].timestamp() <= high and w[1].timestamp() > low
    ]
    if not windows:
        return 0
    pairs: set[tuple[int, int]] = set()
    for beat in beats:
        at = _when(beat.received_at)
        pairs.update((sid, beat.site_id) for sid, (start, end) in windows if start <= at < end)
    _insert_pairs(sorted(pairs))
    return len(pairs)


def _insert_pairs(pairs: Sequence[tuple[int, int]]) -> None:
    sql = _rows_sql(
        _CONNECTED, ("session_id", "site_id"), ("bigint", "bigint"), "ON CONFLICT DO NOTHING"
    )
    _write(sql, pairs)


def changes_written(changes: Sequence[Change3]) -> None:
    """Move the sites' open stretches and closed minutes by the changes just logged."""
    if not changes:
        return
    windows = _windows()
    ids = sorted({c[0] for c in changes})
    # One parameter, however many sites (a sweep marks tens of thousands at once).
    rows = SiteDown.objects.filter(Among("site_id", ids)).order_by("site_id")
    if connection.vendor == "postgresql":
        rows = rows.select_for_update()
    states: dict[int, tuple[dt.datetime | None, dt.datetime | None]] = {
        s: (d, last) for s, d, last in rows.values_list("site_id", "down_since", "last_at")
    }
    disordered: set[int] = set()
    closed: dict[tuple[int, int], int] = defaultdict(int)
    moved: dict[int, tuple[dt.datetime | None, dt.datetime]] = {}
    for site, at, to_state in changes:
        if site in disordered:
            continue
        down, last = moved.get(site) or states.get(site, (None, None))
        if last is not None and at < last:
            disordered.add(site)
            continue
        if to_state == OFFLINE:
            down = down or at
        elif down is not None:
            for sid, window in windows.items():
                if us := overlap_us(down, at, window):
                    closed[(sid, site)] += us
            down = None
        moved[site] = (down, at)
    clean = {s: v for s, v in moved.items() if s not in disordered}
    _add_closed({k: v for k, v in closed.items() if k[1] not in disordered})
    _put_down(clean)
    if disordered:
        recount_sites(sorted(disordered), windows)


def _rows_sql(table: str, cols: Sequence[str], pg_types: Sequence[str], tail: str) -> str:
    names = ", ".join(cols)
    if connection.vendor == "postgresql":
        arrays = ", ".join(f"%s::{t}[]" for t in pg_types)
        return f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays}) {tail}"  # noqa: S608
    marks = ", ".join(["%s"] * len(cols))
    return f"INSERT INTO {table} ({names}) VALUES ({marks}) {tail}"  # noqa: S608


def _write(sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
    if not rows:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(sql, [list(c) for c in zip(*rows, strict=True)])
        else:
            cursor.executemany(sql, rows)


def _db(moment: dt.datetime | None) -> Any:
    if moment is None or connection.vendor == "postgresql":
        return moment
    return connection.ops.adapt_datetimefield_value(moment)


def _add_closed(closed: dict[tuple[int, int], int]) -> None:
    sql = _rows_sql(
        _OUTAGE,
        ("session_id", "site_id", "closed_us"),
        ("bigint", "bigint", "bigint"),
        f"ON CONFLICT (session_id, site_id) DO UPDATE SET closed_us = {_OUTAGE}.closed_us "
        "+ excluded.closed_us",
    )
    _write(sql, [(s, site, us) for (s, site), us in sorted(closed.items())])


def _put_down(states: dict[int, tuple[dt.datetime | None, dt.datetime]]) -> None:
    sql = _rows_sql(
        _DOWN,
        ("site_id", "down_since", "last_at"),
        ("bigint", "timestamptz", "timestamptz"),
        "ON CONFLICT (site_id) DO UPDATE SET down_since = excluded.down_since, "
        "last_at = excluded.last_at",
    )
    _write(sql, [(s, _db(d), _db(last)) for s, (d, last) in sorted(states.items())])


# -- recounts from the history -------------------------------------------------------------------
Walked = tuple[dict[int, tuple[dt.datetime | None, dt.datetime]], dict[tuple[int, int], int]]


def walk(
    site_ids: Sequence[int] | None, windows: dict[int, Window], since: dt.datetime | None = None
) -> Walked:
    """Each site's log in order: its open stretch and last change, and the closed stretches'
    microseconds per (session, site). With `since`, only the changes from then on, a site
    offline before it counted as down from `since` (enough for windows starting at or after
    it; the states returned then start there too)."""
    changes = SiteStatusChange.objects.all()
    down: dict[int, dt.datetime | None] = {}
    if site_ids is not None:
        changes = changes.filter(Among("site_id", site_ids))
    if since is not None:
        changes = changes.filter(at__gte=since)
        before = SiteStatusChange.objects.filter(site=OuterRef("pk"), at__lt=since).order_by(
            "-at", "-id"
        )
        sites = (
            Site.objects.all() if site_ids is None else Site.objects.filter(Among("pk", site_ids))
        )
        down = dict.fromkeys(
            sites.annotate(s0=Subquery(before.values("to_state")[:1]))
            .filter(s0=OFFLINE)
            .values_list("pk", flat=True),
            since,
        )
    states: dict[int, tuple[dt.datetime | None, dt.datetime]] = {
        s: (d, since) for s, d in down.items() if since is not None
    }
    closed: dict[tuple[int, int], int] = defaultdict(int)
    rows = changes.order_by("site_id", "at", "id").values_list("site_id", "at", "to_state")
    for site, at, to_state in rows.iterator(chunk_size=10_000):
        was = down.get(site)
        if to_state == OFFLINE:
            down[site] = was or at
        elif was is not None:
            for sid, window in windows.items():
                if us := overlap_us(was, at, window):
                    closed[(sid, site)] += us
            down[site] = None
        states[site] = (down[site] if to_state == OFFLINE else None, at)
    return states, dict(closed)


def recount_sites(site_ids: Sequence[int], windows: dict[int, Window]) -> None:
    """These sites' stretches and closed minutes again from their whole log."""
    states, closed = walk(site_ids, windows)
    SessionOutage.objects.filter(Among("site_id", site_ids)).delete()
    SiteDown.objects.filter(Among("site_id", site_ids)).delete()
    _add_closed(closed)
    _put_down(states)


def _connected_sites(window: Window, site_ids: Sequence[int] | None = None) -> set[int]:
    """The history's answer: an index probe per site on (site, received_at)."""
    beat = HeartbeatSample.objects.filter(
        site=OuterRef("pk"), received_at__gte=window[0], received_at__lt=window[1]
    )
    sites = Site.objects.all() if site_ids is None else Site.objects.filter(Among("pk", site_ids))
    return set(sites.filter(Exists(beat)).values_list("pk", flat=True))


def sync_session(session: Session, force: bool = False) -> bool:
    """Recount one session's counters when its window is not the one they were counted for
    (or always, with `force`). True when it recounted. Called inside the saving transaction."""
    window = session_window(session)
    stored = CountedWindow.objects.filter(session_id=session.pk).values_list("starts", "ends")
    if not force and list(stored) == [window]:
        return False  # a save that left the times alone (a status, a title): no lock taken
    with transaction.atomic():
        _lock("EXCLUSIVE")
        if not force and list(stored.all()) == [window]:
            return False
        CountedWindow.objects.update_or_create(
            session_id=session.pk, defaults={"starts": window[0], "ends": window[1]}
        )
        SessionConnected.objects.filter(session_id=session.pk).delete()
        _insert_pairs([(session.pk, site) for site in sorted(_connected_sites(window))])
        SessionOutage.objects.filter(session_id=session.pk).delete()
        _states, closed = walk(None, {session.pk: window}, since=window[0])
        # A stretch the walk leaves open is open in SiteDown too: it is added at read time.
        _add_closed(closed)
    return True


def session_saved(sender: Any, instance: Session, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        sync_session(instance)


def day_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        for session in Session.objects.filter(day=instance).select_related("day"):
            sync_session(session)


# -- reading ---------------------------------------------------------------------------------------
def counted(sessions: Iterable[Session]) -> set[int]:
    """The sessions whose counters hold for their window as it is now."""
    wanted = {s.pk: session_window(s) for s in sessions}
    rows = CountedWindow.objects.filter(session_id__in=wanted).values_list(
        "session_id", "starts", "ends"
    )
    return {s for s, a, b in rows if wanted[s] == (a, b)}


def seconds_out(
    sites: QuerySet[Site], sessions: Sequence[Session], now: dt.datetime
) -> dict[int, float] | None:
    """{site id: seconds offline inside the sessions' windows cut at `now`} as the history path
    gives it, or None when the counters cannot say: a session counted for another window,
    windows that overlap (the history path merges them, so a minute counts once), or a change
    logged after `now` (a report asked about the past; a server's clock ahead)."""
    ids = [s.pk for s in sessions]
    cut = {s.pk: (w[0], min(w[1], now)) for s in sessions for w in [session_window(s)]}
    live = sorted((w, sid) for sid, w in cut.items() if w[0] < w[1])
    if counted(sessions) != set(ids):
        return None
    if any(b[0][0] < a[0][1] for a, b in itertools.pairwise(live)):
        return None
    latest = SiteDown.objects.aggregate(m=Max("last_at"))["m"]
    if latest is not None and latest > now:
        return None
    us: dict[int, int] = defaultdict(int)
    live_ids = [sid for _w, sid in live]
    if live_ids:
        # Raw: PostgreSQL's SUM(bigint) is numeric, and Django's Decimal converter per row was
        # 85 of the 145 ms this took at 11,000 sites.
        sites_sql, sites_params = sites.values("pk").query.sql_with_params()
        marks = ", ".join(["%s"] * len(live_ids))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT site_id, CAST(SUM(closed_us) AS BIGINT) FROM {_OUTAGE} "  # noqa: S608
                f"WHERE session_id IN ({marks}) AND site_id IN ({sites_sql}) GROUP BY site_id",
                [*live_ids, *sites_params],
            )
            for site, total in cursor.fetchall():
                us[site] += int(total)
    open_ = SiteDown.objects.filter(down_since__isnull=False, site__in=sites.values("pk"))
    for site, since in open_.values_list("site_id", "down_since").iterator(chunk_size=10_000):
        assert since is not None  # filtered above
        for window, _sid in live:
            us[site] += overlap_us(since, now, window)
    return {site: n / 1e6 for site, n in us.items() if n > 0}


# -- diemcau counters rebuild ---------------------------------------------------------------------
def rebuild(
    session_ids: Sequence[int], site_ids: Sequence[int] | None, codes: dict[int, str]
) -> list[Change]:
    """Recount both counters of these sessions (and the sites' stretches) from the history,
    with the writers held off; every corrected figure is returned, as attendance's recount
    prints them. `site_ids` None: every site."""
    sessions = list(Session.objects.filter(pk__in=session_ids).select_related("day"))
    windows = {s.pk: session_window(s) for s in sessions}
    out: list[Change] = []
    with transaction.atomic():
        _lock("EXCLUSIVE")
        for sid, (start, end) in windows.items():
            CountedWindow.objects.update_or_create(
                session_id=sid, defaults={"starts": start, "ends": end}
            )
        out += _rebuild_connected(windows, site_ids, codes)
        out += _rebuild_outages(windows, site_ids, codes)
    return out


def _rebuild_connected(
    windows: dict[int, Window], site_ids: Sequence[int] | None, codes: dict[int, str]
) -> list[Change]:
    out = []
    for sid, window in sorted(windows.items()):
        rows = SessionConnected.objects.filter(session_id=sid)
        if site_ids is not None:
            rows = rows.filter(Among("site_id", site_ids))
        before = set(rows.values_list("site_id", flat=True))
        after = _connected_sites(window, site_ids)
        rows.filter(Among("site_id", sorted(before - after))).delete()
        _insert_pairs([(sid, site) for site in sorted(after - before)])
        for site in sorted(before ^ after):
            code = codes.get(site, str(site))
            was, now = int(site in before), int(site in after)
            out.append(Change("connected", code, f"phiên {sid}", "connected", was, now))
    return out


def _rebuild_outages(
    windows: dict[int, Window], site_ids: Sequence[int] | None, codes: dict[int, str]
) -> list[Change]:
    states, closed = walk(site_ids, windows)
    outages = SessionOutage.objects.filter(session_id__in=list(windows))
    downs = SiteDown.objects.all()
    if site_ids is not None:
        outages = outages.filter(Among("site_id", site_ids))
        downs = downs.filter(Among("site_id", site_ids))
    before = {
        (s, site): us for s, site, us in outages.values_list("session_id", "site_id", "closed_us")
    }
    was_down = {
        s: (d, last) for s, d, last in downs.values_list("site_id", "down_since", "last_at")
    }
    outages.delete()
    downs.delete()
    _add_closed(closed)
    _put_down(states)
    out = []
    for sid, site in sorted(set(before) | set(closed)):
        old, new = before.get((sid, site), 0), closed.get((sid, site), 0)
        if old != new:
            code = codes.get(site, str(site))
            out.append(Change("outage", code, f"phiên {sid}", "closed_us", old, new))
    for site in sorted(set(was_down) | set(states)):
        old_state, new_state = was_down.get(site), states.get(site)
        if old_state != new_state:
            code = codes.get(site, str(site))
            down = [int(x is not None and x[0] is not None) for x in (old_state, new_state)]
            out.append(Change("outage", code, "", "down", down[0], down[1]))
    return out


def rebuild_all() -> list[Change]:
    """Every session and site: after history written around the flusher (a bulk load, a
    restore, a bench's rows), as `diemcau counters rebuild` does it."""
    return rebuild(list(Session.objects.values_list("pk", flat=True)), None, {})
