"""Check-ins over time under one node of the tree: how fast the rooms filled, for the reports.

Counted from the check-ins themselves (their scan time), grouped by minute in the database, so
1.5 million rows come back as a few hundred (minute, count) pairs; for the whole nation, read
by someone who reads everything, from the per-minute counter the database keeps (minutes.py),
which holds the same sums without reading the millions of check-ins; the caller groups the minutes
into the bars it draws. Headcounts have no arrival time and are not in this curve. The scope
rules are the summary's: a node outside the caller's reach is 404, and a caller who reads only
some sites under the node sees only theirs.
"""

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import Count, Func, IntegerField, QuerySet, Subquery
from django.utils.translation import gettext as _

from diemcau.accounts.scopes import Scope
from diemcau.attendance import minutes
from diemcau.attendance.models import CheckIn
from diemcau.attendance.summary import resolve_unit
from diemcau.errors import NotFound
from diemcau.sites.models import Site
from diemcau.units.services import units_under_q


class EpochMinute(Func):
    """Minutes since 1970 (UTC) of a datetime column, the same integer on SQLite and PostgreSQL.

    Computed in SQL: Django's TruncMinute calls a Python function per row on SQLite, which at a
    million rows costs seconds.
    """

    output_field = IntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="(unixepoch(%(expressions)s) / 60)", **extra
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="CAST(FLOOR(EXTRACT(EPOCH FROM %(expressions)s) / 60) AS INTEGER)",
            **extra,
        )


def checkins_per_minute(
    scope: Scope, unit_code: str | None, sessions: int | Sequence[int] | None
) -> dict[dt.datetime, int]:
    """Valid check-ins scanned at sites under the node, by UTC minute of their scan, in order,
    in one session, in several (a conference's), or in every session (None)."""
    unit = resolve_unit(scope, unit_code)
    read_q = scope.site_read_q()
    if read_q is None:
        raise NotFound(_("Unit “%(code)s” not found.") % {"code": unit.code})
    under = read_q & units_under_q(unit, "unit__")
    if not under:
        # The nation, read by someone who reads everything: every check-in counts, and the
        # per-minute counter the triggers keep holds exactly these sums (minutes.py).
        return minutes.per_minute(sessions)
    # The sites as a subquery, not a join per check-in: ~30% less at a province's scale.
    return grouped(sessions, Site.objects.filter(under))


def grouped(
    sessions: int | Sequence[int] | None, sites: QuerySet[Site] | None = None
) -> dict[dt.datetime, int]:
    """Valid check-ins (at these sites; None: everywhere) by UTC minute, grouped from the
    check-in table itself: one pass over it (what the counter spares the nation's curve)."""
    rows = CheckIn.objects.filter(annulled_at__isnull=True)
    ids = minutes.session_list(sessions)
    if ids is not None:
        rows = rows.filter(session_id__in=ids)
    if sites is not None:
        rows = rows.filter(site_id__in=Subquery(sites.values("pk")))
    counts = (
        rows.annotate(minute=EpochMinute("scanned_at"))
        .values("minute")
        .annotate(n=Count("pk"))
        .order_by("minute")
    )
    return {
        dt.datetime.fromtimestamp(int(r["minute"]) * 60, tz=dt.UTC): int(r["n"]) for r in counts
    }
