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

from diemcau.attendance.models import SessionTally, SiteRegistered
from diemcau.delegates.models import Delegate
from diemcau.sites.models import Site

_TALLY = SessionTally._meta.db_table
_REGISTERED = SiteRegistered._meta.db_table
REGISTERED_BATCH = 5_000  # sites per statement (bound parameters stay far below the limits)


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

    Runs in the caller's transaction: the import and the delegate services call it (through
    delegates_changed) in the transaction that adds or moves delegates, so the count commits
    with them. One INSERT … SELECT … GROUP BY per 5,000 sites, over the delegate table's site
    index: no row comes back to Python (11,000 sites after a national import: one statement,
    not 11,000 upserts).
    """
    wanted: list[int] | None = None
    if site_ids is not None:
        wanted = sorted(set(site_ids))
        if not wanted:
            return
    sites, delegates = Site._meta.db_table, Delegate._meta.db_table
    # The outer SELECT … WHERE 1 = 1 keeps SQLite from reading ON CONFLICT as a join clause.
    sql = (
        f"INSERT INTO {_REGISTERED} (site_id, registered) "  # noqa: S608 - model table names
        f"SELECT site_id, n FROM (SELECT s.id AS site_id, COUNT(d.id) AS n FROM {sites} s "
        f"LEFT JOIN {delegates} d ON d.site_id = s.id{{where}} GROUP BY s.id) counted "
        "WHERE 1 = 1 ON CONFLICT (site_id) DO UPDATE SET registered = excluded.registered"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        if wanted is None:
            cursor.execute(f"DELETE FROM {_REGISTERED}")  # noqa: S608 - sites gone since
            cursor.execute(sql.format(where=""))
            return
        for start in range(0, len(wanted), REGISTERED_BATCH):
            chunk = wanted[start : start + REGISTERED_BATCH]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(sql.format(where=f" WHERE s.id IN ({marks})"), chunk)


def ensure_registered() -> None:
    """The lazy first count: when nobody has refreshed yet but sites exist."""
    if not SiteRegistered.objects.exists() and Site.objects.exists():
        refresh_registered()
