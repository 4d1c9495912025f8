"""Minutes of stream outage per site while the sessions ran, from the log of state changes.

Read-only, for the reports. A site is out while its last logged state is `offline`; the minutes
counted are those inside the session windows (overlapping windows are merged, so parallel
sessions never count a minute twice, and a window is cut at `now`: a live report has no future).
A site that never connected is not "out": it has no stream to lose, and the reports count it as
never connected instead.

The report reads the per-(site, session) counters the flusher keeps (counters.py: a row per
site) when they hold for the sessions asked about; this module's walk and sum over the log are
the reference and the fallback (a session edited around the ORM, overlapping sessions, a report
about a moment before the latest change).

Per merged window: one query for the sites already offline when it opened (a probe per site on
the (site, at) index, filtered in the database, so only those sites come back), then one ordered
pass over the changes inside the window. At 11,000 sites and ~100k changes that is two queries
and a loop, never a change history per site.
"""

import datetime as dt
import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from diemcau.accounts.scopes import Scope
from diemcau.errors import NotFound
from diemcau.operations import counters, rollup
from diemcau.operations.models import LiveState, SiteStatusChange
from diemcau.programme.models import Session
from diemcau.sites.models import Site
from diemcau.units.models import Kind, Level, Unit
from diemcau.units.services import units_under_q

Window = tuple[dt.datetime, dt.datetime]
OFFLINE = LiveState.OFFLINE.value


@dataclass
class Outage:
    """Outage figures of one child unit (or of the whole node): per affected site, in minutes."""

    code: str
    name: str
    sites: int = 0  # sites under it that were out at some point
    minutes: float = 0.0
    median_minutes: float | None = None
    p90_minutes: float | None = None
    per_site: list[float] = field(default_factory=list, repr=False)


@dataclass
class Outages:
    total: Outage
    children: list[Outage]  # only the children with an outage, longest total first


def merge(windows: Iterable[Window], now: dt.datetime | None = None) -> list[Window]:
    """Disjoint windows in order, each cut at `now`; empty ones dropped."""
    cut = [(s, e if now is None else min(e, now)) for s, e in windows]
    out: list[Window] = []
    for start, end in sorted(w for w in cut if w[0] < w[1]):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _sites(scope: Scope, unit: Unit) -> QuerySet[Site]:
    read_q = scope.site_read_q()
    if read_q is None:
        raise NotFound(_("Unit “%(code)s” not found.") % {"code": unit.code})
    return Site.objects.filter(read_q & units_under_q(unit, "unit__"))


def seconds_out(sites: QuerySet[Site], windows: Sequence[Window]) -> dict[int, float]:
    """{site id: seconds offline inside the windows}, for the sites that were out at all.

    On PostgreSQL the database adds the offline stretches up (`_summed`): one row per site comes
    back instead of every change, which after a day of sweeps (700,000 changes at 35,000 sites)
    cost the national report 6 s of Python. Elsewhere the changes are walked here (`walked`);
    both give the same figures."""
    if connection.vendor == "postgresql":
        return _summed(sites, windows)
    return walked(sites, windows)


_SUMMED = """
WITH events AS (
  SELECT c.site_id, c.at, c.id, c.to_state FROM {changes} c
  WHERE c.at >= %s AND c.at < %s AND c.site_id IN ({sites})
  UNION ALL
  SELECT s.pk, %s, 0, %s FROM ({sites}) s(pk)
  WHERE (SELECT b.to_state FROM {changes} b WHERE b.site_id = s.pk AND b.at < %s
         ORDER BY b.at DESC, b.id DESC LIMIT 1) = %s
),
stretches AS (
  SELECT site_id, at, to_state, LEAD(at) OVER (PARTITION BY site_id ORDER BY at, id) AS next_at
  FROM events
)
SELECT site_id, SUM(EXTRACT(EPOCH FROM COALESCE(next_at, %s) - at)) FROM stretches
WHERE to_state = %s GROUP BY site_id
"""


def _summed(sites: QuerySet[Site], windows: Sequence[Window]) -> dict[int, float]:
    """The walk in SQL: a site's state is offline from a change to offline (or from the window's
    start, when its last change before it was to offline) until its next change or the window's
    end; consecutive offline changes simply continue the stretch. The site's state at the
    start sorts before a change at that very moment (id 0), as the walk takes it first. The
    sites' query is written out in both places (not a CTE): the planner then knows how many
    they are and hash-joins the window's changes (1.4 s instead of 3.0 s at 700,000 changes)."""
    sites_sql, sites_params = sites.values("pk").query.sql_with_params()
    sql = _SUMMED.format(sites=sites_sql, changes=SiteStatusChange._meta.db_table)
    out: dict[int, float] = {}
    with connection.cursor() as cursor:
        for start, end in windows:
            params = [start, end, *sites_params, start, OFFLINE, *sites_params]
            params += [start, OFFLINE, end, OFFLINE]
            cursor.execute(sql, params)
            for site_id, seconds in cursor.fetchall():
                out[site_id] = out.get(site_id, 0.0) + float(seconds)
    return {k: v for k, v in out.items() if v > 0}


def walked(sites: QuerySet[Site], windows: Sequence[Window]) -> dict[int, float]:
    """The changes walked in order, site by site: the reference for `_summed`."""
    out: dict[int, float] = {}
    ids = sites.values("pk")
    for start, end in windows:
        before = SiteStatusChange.objects.filter(site=OuterRef("pk"), at__lt=start).order_by(
            "-at", "-id"
        )
        down_since: dict[int, dt.datetime] = dict.fromkeys(
            sites.annotate(s0=Subquery(before.values("to_state")[:1]))
            .filter(s0=OFFLINE)
            .values_list("pk", flat=True),
            start,
        )
        changes = (
            SiteStatusChange.objects.filter(at__gte=start, at__lt=end, site_id__in=ids)
            .order_by("site_id", "at", "id")
            .values_list("site_id", "at", "to_state")
        )
        for site_id, at, to_state in changes.iterator(chunk_size=10_000):
            since = down_since.get(site_id)
            if to_state == OFFLINE:
                if since is None:
                    down_since[site_id] = at
            elif since is not None:
                out[site_id] = out.get(site_id, 0.0) + (at - since).total_seconds()
                del down_since[site_id]
        for site_id, since in down_since.items():  # still out when the window closed
            out[site_id] = out.get(site_id, 0.0) + (end - since).total_seconds()
    return {k: v for k, v in out.items() if v > 0}


def p90(values: Sequence[float]) -> float:
    """Nearest rank, as the incidents' p90: a figure 90% of the sites did not exceed."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def _finish(outage: Outage) -> Outage:
    values = outage.per_site
    outage.sites = len(values)
    outage.minutes = round(sum(values), 1)
    if values:
        outage.median_minutes = round(statistics.median(values), 1)
        outage.p90_minutes = round(p90(values), 1)
    return outage


def from_counters(
    sites: QuerySet[Site], sessions: Sequence[Session], now: dt.datetime
) -> dict[int, float] | None:
    """The per-site seconds from the counters (counters.py), None when they cannot say."""
    return counters.seconds_out(sites, sessions, now)


def outages(
    scope: Scope,
    unit_code: str | None,
    windows: Iterable[Window],
    now: dt.datetime | None = None,
    sessions: Sequence[Session] | None = None,
) -> Outages:
    """Outage under a node the caller may read, per child unit (nation: provinces and central
    bodies; elsewhere: the units under it), over the session windows given. With the sessions
    those windows are, the figures come from the counters when they hold (a row per site),
    else from the log of changes."""
    unit = rollup.dashboard_unit(scope, unit_code)
    sites = _sites(scope, unit)
    now = now or timezone.now()
    merged = merge(windows, now)
    per_site = from_counters(sites, sessions, now) if sessions else None
    if per_site is None:
        per_site = seconds_out(sites, merged) if merged else {}
    national = unit.level == Level.CENTRAL and unit.kind == Kind.ADMINISTRATIVE
    key = "province_id" if national else "unit_id"
    by_child: dict[int | None, list[float]] = {}
    if per_site:
        for pk, child in sites.values_list("pk", key).order_by().iterator(chunk_size=10_000):
            if pk in per_site:
                by_child.setdefault(child, []).append(per_site[pk] / 60)
    names = {
        pk: (code, name)
        for pk, code, name in Unit.objects.filter(
            pk__in=[k for k in by_child if k is not None]
        ).values_list("pk", "code", "name")
    }
    children = [
        _finish(Outage(*names.get(pk, (unit.code, unit.name)) if pk else (unit.code, unit.name),
                       per_site=values))
        for pk, values in by_child.items()
    ]  # fmt: skip
    children.sort(key=lambda o: (-o.minutes, o.code))
    every = [m for values in by_child.values() for m in values]
    return Outages(total=_finish(Outage(unit.code, unit.name, per_site=every)), children=children)
