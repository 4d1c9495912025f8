"""The counters behind the attendance summary: per (site, session) and registered per site.

They move in the transaction that writes the check-ins or the headcount, by
`INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n`: two workers adding to the same row on
PostgreSQL queue on its row lock instead of losing an update, and SQLite runs one writer at a
time anyway. Rows are touched in (session, site) order so that two batches cannot deadlock.
"""

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import Count

from diemcau.attendance.models import SessionTally, SiteRegistered
from diemcau.delegates.models import Delegate
from diemcau.sites.models import Site

_TALLY = SessionTally._meta.db_table
_REGISTERED = SiteRegistered._meta.db_table


def add_checkins(deltas: Iterable[tuple[int, int, int, int]]) -> None:
    """Add (site_id, session_id, checked_in, other_site) deltas; negative ones annul."""
    summed: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for site_id, session_id, n, other in deltas:
        cell = summed[(session_id, site_id)]
        cell[0] += n
        cell[1] += other
    if not summed:
        return
    params: list[Any] = []
    for (session_id, site_id), (n, other) in sorted(summed.items()):
        params += (site_id, session_id, n, other)
    values = ", ".join(["(%s, %s, %s, %s)"] * len(summed))
    sql = (
        f"INSERT INTO {_TALLY} (site_id, session_id, checked_in, other_site) "  # noqa: S608
        f"VALUES {values} ON CONFLICT (session_id, site_id) DO UPDATE SET "
        f"checked_in = {_TALLY}.checked_in + excluded.checked_in, "
        f"other_site = {_TALLY}.other_site + excluded.other_site"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def lock_tally(site_id: int, session_id: int) -> SessionTally:
    """The (site, session) row, created if missing and locked until the transaction ends."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_TALLY} (site_id, session_id, checked_in, other_site) "  # noqa: S608
            "VALUES (%s, %s, 0, 0) ON CONFLICT (session_id, site_id) DO NOTHING",
            [site_id, session_id],
        )
    return SessionTally.objects.select_for_update().get(site_id=site_id, session_id=session_id)


def refresh_registered(site_ids: Iterable[int] | None = None) -> None:
    """Recount registered delegates for these sites (None: every site).

    Called after delegate imports and changes; the summary also calls it once when the table is
    empty. One GROUP BY over the delegate table's site index.
    """
    sites = Site.objects.all()
    delegates = Delegate.objects.all()
    wanted: list[int] | None = None
    if site_ids is not None:
        wanted = sorted(set(site_ids))
        if not wanted:
            return
        sites = sites.filter(pk__in=wanted)
        delegates = delegates.filter(site_id__in=wanted)
    counts = dict(
        delegates.values("site_id").annotate(n=Count("pk")).order_by().values_list("site_id", "n")
    )
    rows = [(pk, counts.get(pk, 0)) for pk in sites.values_list("pk", flat=True).order_by("pk")]
    sql = (
        f"INSERT INTO {_REGISTERED} (site_id, registered) VALUES (%s, %s) "  # noqa: S608
        "ON CONFLICT (site_id) DO UPDATE SET registered = excluded.registered"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        if wanted is None:
            cursor.execute(f"DELETE FROM {_REGISTERED}")  # noqa: S608 - sites gone since
        cursor.executemany(sql, rows)


def ensure_registered() -> None:
    """The lazy first count: when nobody has refreshed yet but sites exist."""
    if not SiteRegistered.objects.exists() and Site.objects.exists():
        refresh_registered()
