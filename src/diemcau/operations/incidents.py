"""Incidents (sự cố): opened by a person or by the offline sweep, assigned, noted, resolved.

Who may do what, always through the caller's scope:
- read: the incident's site lies in the read scope (anyone else gets NotFound, as for sites);
- open and add notes: the site lies in the write scope (its organisers, its operator);
- assign and resolve: an organiser over the site (central, or the province organiser);
  the assigned technician may also add notes and resolve.

A "technician" is not a role of its own: it is a person holding a province-organiser grant for
the incident's province, so no new permission has to be invented or administered.

Automatic incidents: when the offline sweep marks sites offline, `sites_went_offline` opens one
for each site whose moment of going offline falls in a live programme session (see
`live_session_at`). A partial unique index allows one open automatic incident per site, so a site
that flaps while the first is still open adds nothing. When such a site sends again its
incident resolves itself ("tự động: điểm cầu đã kết nối lại"), kept in the log with a note; an
incident opened by a person is left for a person to resolve.
"""

import datetime as dt
import logging
import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from diemcau.accounts.models import Role
from diemcau.accounts.scopes import Scope, any_of
from diemcau.errors import Forbidden, Invalid, NotFound
from diemcau.operations import clock
from diemcau.operations.models import (
    Incident,
    IncidentCause,
    IncidentNote,
    IncidentOrigin,
    IncidentStatus,
)
from diemcau.programme.models import Session, SessionStatus
from diemcau.sites import services as site_services
from diemcau.sites.models import Site
from diemcau.units.models import Unit
from diemcau.units.services import provinces, units_under_q

log = logging.getLogger(__name__)

MAX_TEXT = 4000
_CHUNK = 500


def current_time() -> dt.datetime:
    """The live-operations clock as a datetime (the tests move it)."""
    return dt.datetime.fromtimestamp(clock.now(), tz=dt.UTC)


# -- live sessions --------------------------------------------------------------------------
def live_session_at(moments: Iterable[dt.datetime]) -> dict[dt.datetime, Session]:
    """The programme session live at each moment, for the moments that fall in one.

    A session is live when its status says "live" (the studio switched it on), or when it is
    still "planned" and the moment lies in its time window on its day (nobody switched it yet).
    An "ended" session never counts. One query, whatever the number of moments.
    """
    zone = ZoneInfo(settings.TIME_ZONE)
    moments = list(moments)
    if not moments:
        return {}
    dates = {m.astimezone(zone).date() for m in moments}
    sessions = list(
        Session.objects.filter(
            Q(status=SessionStatus.LIVE) | Q(status=SessionStatus.PLANNED, day__date__in=dates)
        )
        .select_related("day")
        .order_by("day__date", "starts_at", "pk")
    )
    live = [s for s in sessions if s.status == SessionStatus.LIVE]
    found: dict[dt.datetime, Session] = {}
    for moment in moments:
        local = moment.astimezone(zone)
        match = next(
            (
                s
                for s in sessions
                if s.status == SessionStatus.PLANNED
                and s.day.date == local.date()
                and s.starts_at <= local.time() < s.ends_at
            ),
            live[0] if live else None,
        )
        if match is not None:
            found[moment] = match
    return found


# -- hooks called by the heartbeat flush ----------------------------------------------------
def sites_went_offline(went: Sequence[tuple[int, dt.datetime]]) -> int:
    """Open automatic incidents for sites that went offline during a live session.

    Runs inside the flush's transaction under a savepoint: a failure here is logged and never
    stalls the heartbeat flush. Returns how many incidents were opened.
    """
    if not went:
        return 0
    try:
        with transaction.atomic():
            return _open_automatic(went)
    except Exception:
        log.exception("could not open automatic incidents for %d site(s)", len(went))
        return 0


def _open_automatic(went: Sequence[tuple[int, dt.datetime]]) -> int:
    sessions = live_session_at({at for _site, at in went})
    during = {site_id: at for site_id, at in went if at in sessions}
    if not during:
        return 0
    ids = sorted(during)
    provinces: dict[int, int | None] = {}
    already: set[int] = set()
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        provinces.update(Site.objects.filter(pk__in=chunk).values_list("pk", "province_id"))
        open_auto = Incident.objects.filter(
            site_id__in=chunk, status=IncidentStatus.OPEN, origin=IncidentOrigin.AUTO
        )
        already.update(open_auto.values_list("site_id", flat=True))
        open_auto.exclude(back_online_at=None).update(back_online_at=None)  # gone again
    new = [
        Incident(
            site_id=site_id,
            province_id=provinces.get(site_id),
            cause=IncidentCause.NO_SIGNAL,
            origin=IncidentOrigin.AUTO,
            session=sessions[during[site_id]],
            opened_at=during[site_id],
        )
        for site_id in ids
        if site_id not in already
    ]
    # Two flushers racing on the same site: the partial unique index keeps one, quietly.
    Incident.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def sites_came_back(back: Sequence[tuple[int, dt.datetime]]) -> int:
    """Resolve the open automatic incidents of sites that send again; they stay in the log.

    The incident opened itself when the site went silent; its cause is gone once the site is
    heard again, so it closes itself at that moment, with a resolution and a note that say it
    was automatic (nobody's name). A person who wants to know why reads the notes and the
    state changes; a site that goes silent again opens a new incident. Returns how many.
    """
    if not back:
        return 0
    try:
        with transaction.atomic():
            return _resolve_automatic(dict(back))
    except Exception:
        log.exception("could not resolve incidents of %d site(s) back online", len(back))
        return 0


def _resolve_automatic(when: dict[int, dt.datetime]) -> int:
    with translation.override(settings.LANGUAGE_CODE):
        text = _("automatic: the site connected again")
    ids = sorted(when)
    resolved: list[Incident] = []
    for start in range(0, len(ids), _CHUNK):
        rows = Incident.objects.filter(
            site_id__in=ids[start : start + _CHUNK],
            status=IncidentStatus.OPEN,
            origin=IncidentOrigin.AUTO,
        ).values_list("pk", "site_id")
        resolved += [
            Incident(
                pk=pk,
                site_id=site,
                back_online_at=when[site],
                status=IncidentStatus.RESOLVED,
                resolved_at=when[site],
                resolution=text,
            )
            for pk, site in rows
        ]
    _mark_resolved(resolved, text)
    IncidentNote.objects.bulk_create(
        [
            IncidentNote(incident_id=i.pk, author=None, at=when[i.site_id], text=text)
            for i in resolved
        ]
    )
    return len(resolved)


def _mark_resolved(resolved: Sequence[Incident], text: str) -> None:
    """Write the resolutions in one set-based statement on PostgreSQL.

    After a mass outage (a restarted server, 35,000 sites silent for 16 s) tens of thousands of
    incidents close in one flush; Django's bulk_update writes a CASE over every id per column and
    held the flush's transaction, and with it every other flusher, for a minute at 35,000 sites.
    SQLite keeps bulk_update: one writer, and a smaller tree.
    """
    if not resolved:
        return
    if connection.vendor != "postgresql":
        Incident.objects.bulk_update(
            resolved, ["back_online_at", "status", "resolved_at", "resolution"], batch_size=_CHUNK
        )
        return
    table = Incident._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS i SET back_online_at = v.at, resolved_at = v.at,"  # noqa: S608
            " status = %s, resolution = %s"
            " FROM unnest(%s::bigint[], %s::timestamptz[]) AS v(id, at) WHERE i.id = v.id",
            [
                IncidentStatus.RESOLVED.value,
                text,
                [i.pk for i in resolved],
                [i.back_online_at for i in resolved],
            ],
        )


# -- reads ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class IncidentFilters:
    status: str | None = None
    province: str | None = None
    cause: str | None = None
    site: str | None = None
    origin: str | None = None


def visible_incidents(scope: Scope, filters: IncidentFilters | None = None) -> QuerySet[Incident]:
    """Incidents of the sites the caller may read, newest first."""
    read_q = scope.site_read_q()
    if read_q is None:
        return Incident.objects.none()
    qs = Incident.objects.select_related(
        "site", "site__unit", "province", "assignee", "session"
    ).order_by("-opened_at", "-pk")
    if read_q != Q():
        qs = qs.filter(site__in=Site.objects.filter(read_q).values("pk"))
    if filters is None:
        return qs
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.cause:
        qs = qs.filter(cause=filters.cause)
    if filters.origin:
        qs = qs.filter(origin=filters.origin)
    if filters.province:
        qs = qs.filter(province__code=filters.province)
    if filters.site:
        qs = qs.filter(site__code=filters.site)
    return qs


def open_count(scope: Scope) -> int:
    return visible_incidents(scope).filter(status=IncidentStatus.OPEN).count()


def get_incident(scope: Scope, pk: int) -> Incident:
    incident = visible_incidents(scope).filter(pk=pk).first()
    if incident is None:
        raise NotFound(_("Incident %(id)s not found.") % {"id": pk})
    return incident


def notes(incident: Incident) -> QuerySet[IncidentNote]:
    return incident.notes.select_related("author").order_by("at", "pk")


def organises(scope: Scope, site: Site) -> bool:
    """An organiser over the site: central, or an organiser of a unit above it."""
    if scope.everything:
        return True
    q = any_of([units_under_q(u, "unit__") for u in scope.organiser_units])
    return q is not None and Site.objects.filter(q, pk=site.pk).exists()


def may_write(scope: Scope, site: Site) -> bool:
    q = scope.site_write_q()
    return q is not None and Site.objects.filter(q, pk=site.pk).exists()


def technicians(province: Unit | None) -> QuerySet[User]:
    """The people an incident of `province` may be assigned to: its province organisers."""
    if province is None:
        return User.objects.none()
    return (
        User.objects.filter(
            is_active=True, grants__role=Role.PROVINCE_ORGANISER, grants__unit=province
        )
        .distinct()
        .order_by("username")
    )


# -- writes ---------------------------------------------------------------------------------
def _text(value: str | None, field: str, required: bool) -> str:
    text = (value or "").strip()
    if required and not text:
        raise Invalid(_("This field is required."), {field: _("This field is required.")})
    if len(text) > MAX_TEXT:
        message = _("At most %(n)d characters.") % {"n": MAX_TEXT}
        raise Invalid(message, {field: message})
    return text


def open_incident(
    scope: Scope, user: Any, site_code: str, cause: str, description: str = ""
) -> Incident:
    """Open an incident by hand at a site the caller may write to."""
    if cause not in IncidentCause.values:
        message = _("Unknown cause “%(cause)s”.") % {"cause": cause}
        raise Invalid(message, {"cause": message})
    site = site_services.get_site_for_write(scope, site_code.strip())
    now = current_time()
    session = live_session_at([now]).get(now)
    return Incident.objects.create(
        site=site,
        province_id=site.province_id,
        cause=cause,
        origin=IncidentOrigin.MANUAL,
        description=_text(description, "description", required=False),
        session=session,
        opened_at=now,
        opened_by=user if getattr(user, "pk", None) else None,
    )


def _for_change(scope: Scope, pk: int) -> Incident:
    incident = get_incident(scope, pk)
    if incident.status != IncidentStatus.OPEN:
        raise Invalid(_("Incident %(id)s is already resolved.") % {"id": pk})
    return incident


def _is_assignee(incident: Incident, user: Any) -> bool:
    return incident.assignee_id is not None and incident.assignee_id == getattr(user, "pk", None)


def assign(scope: Scope, pk: int, username: str) -> Incident:
    """Give the incident to one of the province's technicians (its province organisers)."""
    incident = _for_change(scope, pk)
    if not organises(scope, incident.site):
        raise Forbidden(_("Only the organisers of this site may assign its incidents."))
    person = technicians(incident.province).filter(username=username.strip()).first()
    if person is None:
        message = _("“%(name)s” is not a technician of this province.") % {"name": username}
        raise Invalid(message, {"assignee": message})
    incident.assignee = person
    incident.assigned_at = current_time()
    incident.save(update_fields=["assignee", "assigned_at"])
    return incident


def add_note(scope: Scope, user: Any, pk: int, text: str) -> IncidentNote:
    incident = get_incident(scope, pk)
    if not (_is_assignee(incident, user) or may_write(scope, incident.site)):
        raise Forbidden(_("You may not add notes to this incident."))
    return IncidentNote.objects.create(
        incident=incident, author=user, at=current_time(), text=_text(text, "text", required=True)
    )


def resolve(scope: Scope, user: Any, pk: int, resolution: str) -> Incident:
    incident = _for_change(scope, pk)
    if not (_is_assignee(incident, user) or organises(scope, incident.site)):
        raise Forbidden(_("Only the organisers of this site or its technician may resolve it."))
    incident.resolution = _text(resolution, "resolution", required=True)
    incident.status = IncidentStatus.RESOLVED
    incident.resolved_at = current_time()
    incident.resolved_by = user
    incident.save(update_fields=["resolution", "status", "resolved_at", "resolved_by"])
    return incident


# -- time to resolve ------------------------------------------------------------------------
@dataclass(frozen=True)
class ResolveTimes:
    """Seconds from opening to resolution; None when nothing was resolved."""

    code: str
    name: str
    open: int
    resolved: int
    median_s: float | None
    p90_s: float | None


def _p90(values: Sequence[float]) -> float:
    """Nearest-rank 90th percentile: a time that 90% of the incidents did not exceed."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def _times(code: str, name: str, open_n: int, durations: list[float]) -> ResolveTimes:
    return ResolveTimes(
        code=code,
        name=name,
        open=open_n,
        resolved=len(durations),
        median_s=statistics.median(durations) if durations else None,
        p90_s=_p90(durations) if durations else None,
    )


def resolve_times(
    scope: Scope,
    province: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> tuple[ResolveTimes, list[ResolveTimes]]:
    """Time to resolve, overall and per province, over the incidents the caller may read.

    For the reports app and the incidents page: `since`/`until` bound the opening time.
    """
    qs = visible_incidents(scope, IncidentFilters(province=province))
    if since is not None:
        qs = qs.filter(opened_at__gte=since)
    if until is not None:
        qs = qs.filter(opened_at__lt=until)
    rows = qs.values_list("province_id", "status", "opened_at", "resolved_at").order_by()
    durations: dict[int | None, list[float]] = {}
    opened: dict[int | None, int] = {}
    for province_id, status, opened_at, resolved_at in rows:
        durations.setdefault(province_id, [])
        if status == IncidentStatus.RESOLVED and resolved_at is not None:
            durations[province_id].append((resolved_at - opened_at).total_seconds())
        else:
            opened[province_id] = opened.get(province_id, 0) + 1
    ids = [p for p in durations if p is not None]
    names = {
        pk: (code, name)
        for pk, code, name in Unit.objects.filter(pk__in=ids).values_list("pk", "code", "name")
    }
    per_province = sorted(
        (
            _times(*(names.get(pk, ("", "")) if pk else ("", "")), opened.get(pk, 0), values)
            for pk, values in durations.items()
        ),
        key=lambda t: t.code,
    )
    everything = [d for values in durations.values() for d in values]
    total = _times("", _("All"), sum(opened.values()), everything)
    return total, per_province


def province_choices(scope: Scope) -> list[Unit]:
    """Provinces worth offering as a filter: every one, or those of the caller's grants."""
    if scope.everything or scope.reads_everything:
        return list(provinces())
    ids = {u.province_id for u in scope.organiser_units + scope.viewer_units if u.province_id}
    return list(provinces().filter(pk__in=ids))
