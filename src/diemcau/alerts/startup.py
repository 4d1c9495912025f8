"""Sites already silent when a session starts: escalated like any outage, once per session.

The heartbeat flush opens an automatic incident when a site *goes* offline during a live
session; a site that was offline before the session started, or never connected at all, makes
no such move and would never be escalated. So the first tick of each live session opens an
automatic incident for every such site (not withdrawn, with no open automatic incident), with a
`StartOutage` row that says since when its silence counts: the session's start (its last
heartbeat if that came later). From there the escalation rules treat it like any outage: "after
N minutes" counts from that moment, once per incident and recipient, within the cooldown.

A site heard after the session started (online again, or its first heartbeat ever) is not
reported, and its incident is resolved by the tick, as the flush resolves the ones it opened
(the flush resolves only what comes back from "offline", not a first connection).

Cost: one query for the sweep, once per session; then per tick one query over the open
start outages (the sites still silent since the start), whatever the number of sites.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, F, Q
from django.utils import translation
from django.utils.translation import gettext as _

from diemcau.alerts.models import StartOutage, TickLock
from diemcau.operations.models import (
    Incident,
    IncidentCause,
    IncidentNote,
    IncidentOrigin,
    IncidentStatus,
    LiveState,
)
from diemcau.programme.models import Session
from diemcau.sites.models import Site, SiteStatus

CHUNK = 500
HEARD = (LiveState.ONLINE, LiveState.DEGRADED)
# A candidate: (incident id, site id, province id, silent since): the shape services._due reads.
Candidate = tuple[int, int, int | None, dt.datetime]


def session_start(session: Session, now: dt.datetime) -> dt.datetime:
    """When the session started: its planned start on its day, or now if switched on early."""
    zone = ZoneInfo(settings.TIME_ZONE)
    planned = dt.datetime.combine(session.day.date, session.starts_at, tzinfo=zone)
    return min(planned, now)


def open_for(session: Session, now: dt.datetime) -> int:
    """The session's first tick: an automatic incident for each site silent at its start.
    Runs once per session (a TickLock row marks it done); returns how many were opened."""
    marker = f"start:{session.pk}"
    if TickLock.objects.filter(name=marker).exists():
        return 0
    since = session_start(session, now)
    with translation.override(settings.LANGUAGE_CODE):
        text = _("automatic: the site was not connected when the session started")
    silent = (
        Site.objects.exclude(status=SiteStatus.WITHDRAWN)
        .filter(Q(live__isnull=True) | Q(live__state__in=[LiveState.OFFLINE, LiveState.NEVER]))
        .exclude(
            pk__in=Incident.objects.filter(
                status=IncidentStatus.OPEN, origin=IncidentOrigin.AUTO
            ).values("site_id")
        )
        .order_by("pk")
        .values_list("pk", "province_id", "live__last_seen")
    )
    rows = list(silent)
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        incidents = Incident.objects.bulk_create(
            Incident(
                site_id=site_id,
                province_id=province_id,
                cause=IncidentCause.NO_SIGNAL,
                origin=IncidentOrigin.AUTO,
                session=session,
                description=text,
                opened_at=now,
            )
            for site_id, province_id, _seen in chunk
        )
        StartOutage.objects.bulk_create(
            StartOutage(
                session=session,
                site_id=site_id,
                incident_id=incident.pk,
                since=max(since, seen) if seen else since,
            )
            for incident, (site_id, _province, seen) in zip(incidents, chunk, strict=True)
        )
    TickLock.objects.create(name=marker, at=now)
    return len(rows)


def resolve_heard(now: dt.datetime) -> int:
    """Resolve the open start-outage incidents of sites heard since (their first beat)."""
    heard = list(
        StartOutage.objects.filter(
            incident__status=IncidentStatus.OPEN,
            site__live__state__in=HEARD,
            site__live__last_seen__gte=F("since"),
        ).values_list("incident_id", "site__live__last_seen")
    )
    if not heard:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        text = _("automatic: the site connected again")
    for incident_id, seen in heard:
        Incident.objects.filter(pk=incident_id, status=IncidentStatus.OPEN).update(
            status=IncidentStatus.RESOLVED, back_online_at=seen, resolved_at=now, resolution=text
        )
    IncidentNote.objects.bulk_create(
        IncidentNote(incident_id=incident_id, author=None, at=now, text=text)
        for incident_id, _seen in heard
    )
    return len(heard)


def candidates(now: dt.datetime, smallest_s: int, levels: int) -> list[Candidate]:
    """The open start outages silent for at least `smallest_s`, not yet told every level."""
    rows = (
        StartOutage.objects.filter(
            incident__status=IncidentStatus.OPEN, incident__back_online_at=None
        )
        .annotate(told=Count("incident__escalations"))
        .filter(told__lt=levels)
        .values_list(
            "incident_id",
            "site_id",
            "incident__province_id",
            "since",
            "site__live__state",
            "site__live__last_seen",
        )
    )
    found: list[Candidate] = []
    for incident_id, site_id, province_id, since, state, seen in rows:
        if seen is not None and seen >= since and state in HEARD:
            continue  # heard since the start: resolve_heard closes it
        silent_since = max(since, seen) if seen is not None else since
        if (now - silent_since).total_seconds() >= smallest_s:
            found.append((incident_id, site_id, province_id, silent_since))
    return found
