"""Operations over time, for the reports: incidents as they opened and stayed open, and which
sites were connected during each session.

Read-only. The node is checked as the dashboard checks it (404 outside the caller's reach) and
every count is over the sites and incidents the caller may read.

A site counts as connected to a session when the history holds a heartbeat from it inside the
session's time window (`HeartbeatSample`, flushed once a second). The flusher keeps that per
(site, session) (counters.py), so a counted session reads one row per connected site; a session
whose counters were made for another window (edited around the ORM) is answered from the history
(`from_history`: an index probe per site on (site, received_at), 0.4 s at 35,000 sites and
6 M beats). A site that never sent anything has no `SiteLive` row; it is "never connected",
whatever the session.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from diemcau.accounts.scopes import Scope
from diemcau.operations import counters, rollup
from diemcau.operations.incidents import visible_incidents
from diemcau.operations.models import HeartbeatSample, SessionConnected
from diemcau.programme.models import Session
from diemcau.programme.windows import session_window
from diemcau.sites.services import visible_sites
from diemcau.units.models import Kind, Level
from diemcau.units.services import units_under_q

# The groups a connection count is given for: the administrative levels, then every body.
GROUPS = ("central", "province", "commune", "organisation")


# -- incidents over time ------------------------------------------------------------------------
def incident_spans(
    scope: Scope,
    unit_code: str | None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> list[tuple[dt.datetime, dt.datetime | None]]:
    """(opened, resolved or None) of the incidents at sites under the node that overlap the
    window, oldest first: the caller counts openings per bucket and what is open at a moment."""
    unit = rollup.dashboard_unit(scope, unit_code)
    qs = visible_incidents(scope).filter(units_under_q(unit, "site__unit__"))
    if until is not None:
        qs = qs.filter(opened_at__lt=until)
    if since is not None:
        qs = qs.filter(Q(resolved_at__isnull=True) | Q(resolved_at__gte=since))
    return list(qs.order_by("opened_at", "pk").values_list("opened_at", "resolved_at"))


def open_at(spans: Sequence[tuple[dt.datetime, dt.datetime | None]], moment: dt.datetime) -> int:
    """Incidents opened before `moment` and not yet resolved at it (the end of a bucket: one
    opened exactly then belongs to the next bucket)."""
    return sum(1 for opened, ended in spans if opened < moment and not _closed(ended, moment))


def _closed(resolved: dt.datetime | None, moment: dt.datetime) -> bool:
    return resolved is not None and resolved <= moment


# -- connections per session --------------------------------------------------------------------
@dataclass(frozen=True)
class Connections:
    """Sites per group (GROUPS), connected during each session (by session id), never connected."""

    sessions: list[Session]
    sites: dict[str, int]
    connected: dict[int, dict[str, int]]
    never: dict[str, int]


def connections(
    scope: Scope, unit_code: str | None, sessions: Sequence[Session], from_history: bool = False
) -> Connections:
    """One GROUP BY over the sites under the node, with an EXISTS per session: into the
    counter for a counted session (a fold into this query: a separate grouped join of the
    counter to the sites and units took twice as long), else (or `from_history`) into the
    heartbeats of its window."""
    unit = rollup.dashboard_unit(scope, unit_code)
    sites = visible_sites(scope).filter(units_under_q(unit, "unit__"))
    aggregates = {
        "n": Count("pk"),
        "never": Count("pk", filter=Q(live__isnull=True)),
    }
    fresh = set() if from_history else counters.counted(sessions)
    for session in sessions:
        hit: QuerySet[Any]
        if session.pk in fresh:  # a probe into one row per connected site, not the beats
            hit = SessionConnected.objects.filter(site=OuterRef("pk"), session_id=session.pk)
        else:
            start, end = session_window(session)
            hit = HeartbeatSample.objects.filter(
                site=OuterRef("pk"), received_at__gte=start, received_at__lt=end
            )
        aggregates[f"s{session.pk}"] = Count("pk", filter=Q(Exists(hit)))
    empty = dict.fromkeys(GROUPS, 0)
    result = Connections(
        sessions=list(sessions),
        sites=dict(empty),
        connected={s.pk: dict(empty) for s in sessions},
        never=dict(empty),
    )
    rows: Any = sites.order_by().values("unit__level", "unit__kind").annotate(**aggregates)
    for row in rows:
        group = _group(row["unit__level"], row["unit__kind"])
        result.sites[group] += row["n"]
        result.never[group] += row["never"]
        for session in sessions:
            result.connected[session.pk][group] += row[f"s{session.pk}"]
    return result


def _group(level: str, kind: str) -> str:
    if kind == Kind.ORGANISATION:
        return "organisation"
    names: dict[str, str] = {Level.CENTRAL: "central", Level.PROVINCE: "province"}
    return names.get(level, "commune")
