"""The operations dashboard's figures: counts by state under one node of the tree, the child
units for drill-down, and the sites in trouble, worst first.

One GROUP BY over sites ⋈ their `SiteLive` row (at most one per site) gives every count; a site
whose last beat is older than the offline delay counts as offline at read time, so the figures
never wait for the flusher's sweep — unless the live store has a newer beat the flusher has not
written yet (`liveness.py`): then that beat's state counts, so a lagging flusher never shows
beating sites as silent.
"""

import datetime as dt
from typing import Any

from django.db.models import Case, CharField, Count, F, IntegerField, Value, When
from django.utils.translation import gettext as _

from diemcau.accounts.scopes import Scope
from diemcau.errors import NotFound
from diemcau.operations import health, liveness
from diemcau.operations.liveness import Among, Liveness
from diemcau.operations.models import LiveState
from diemcau.sites.models import Site
from diemcau.units.models import Kind, Level, Unit
from diemcau.units.organisations import CENTRAL_CODE
from diemcau.units.services import get_unit, units_under_q

STATES = (LiveState.ONLINE, LiveState.DEGRADED, LiveState.OFFLINE, LiveState.NEVER)
WORST_DEFAULT = 20


def dashboard_unit(scope: Scope, code: str | None) -> Unit:
    """The node to show: the one asked for if the caller may read it, else 404."""
    if not code:
        if scope.everything or scope.reads_everything:
            code = CENTRAL_CODE
        elif scope.organiser_units or scope.viewer_units:
            code = (scope.organiser_units + scope.viewer_units)[0].code
    unit = get_unit(code) if code else None
    if unit is None or not may_read_unit(scope, unit):
        raise NotFound(_("Unit “%(code)s” not found.") % {"code": code or ""})
    return unit


def may_read_unit(scope: Scope, unit: Unit) -> bool:
    """Whether the caller may look at this node of the tree (the dashboard's rule)."""
    if scope.everything or scope.reads_everything:
        return True
    return any(
        Unit.objects.filter(units_under_q(u), pk=unit.pk).exists()
        for u in scope.organiser_units + scope.viewer_units
    )


def state_expr(cutoff: dt.datetime, live: Liveness | None = None) -> Case:
    """A site's live state as SQL, offline at read time when its last beat is older than cutoff;
    with `live`, the sites the live store saw since the cutoff take the state of their newest
    beat there, whatever the (lagging) database row says."""
    store_says = []
    if live is not None and live.degraded:
        store_says.append(When(Among("pk", live.degraded), then=Value(LiveState.DEGRADED.value)))
    if live is not None and live.online:
        store_says.append(When(Among("pk", live.online), then=Value(LiveState.ONLINE.value)))
    return Case(
        *store_says,
        When(live__isnull=True, then=Value(LiveState.NEVER.value)),
        When(live__last_seen__lt=cutoff, then=Value(LiveState.OFFLINE.value)),
        default=F("live__state"),
        output_field=CharField(),
    )


def _child_key(unit: Unit) -> str:
    if unit.level == Level.CENTRAL and unit.kind == Kind.ADMINISTRATIVE:
        return "province_id"
    return "unit_id"


def status(
    scope: Scope, code: str | None, now: float, worst: int = WORST_DEFAULT
) -> dict[str, Any]:
    unit = dashboard_unit(scope, code)
    read_q = scope.site_read_q()
    if read_q is None:
        raise NotFound(_("Unit “%(code)s” not found.") % {"code": code or ""})
    sites = Site.objects.filter(read_q & units_under_q(unit, "unit__"))
    live = liveness.read(sites, now)
    cutoff = live.cutoff
    key = _child_key(unit)
    rows = (
        sites.annotate(st=state_expr(cutoff, live))
        .values(key, "st")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = dict.fromkeys([s.value for s in STATES], 0)
    by_child: dict[int | None, dict[str, int]] = {}
    for row in rows:
        counts[row["st"]] += row["n"]
        child = by_child.setdefault(row[key], dict.fromkeys(counts, 0))
        child[row["st"]] += row["n"]
    return {
        "unit": _unit_out(unit),
        "parent": _unit_out(unit.parent)
        if unit.parent and may_read_unit(scope, unit.parent)
        else None,
        "generated_at": dt.datetime.fromtimestamp(now, tz=dt.UTC),
        "offline_after_s": health.OFFLINE_AFTER_S,
        "counts": {"total": sum(counts.values()), **counts},
        "children": _children(unit, by_child),
        "worst": _worst(sites, live, worst),
    }


def _unit_out(unit: Unit) -> dict[str, Any]:
    return {"code": unit.code, "name": unit.name, "level": unit.level}


def _children(unit: Unit, by_child: dict[int | None, dict[str, int]]) -> list[dict[str, Any]]:
    names = {
        pk: (c, n)
        for pk, c, n in Unit.objects.filter(
            pk__in=[k for k in by_child if k is not None]
        ).values_list("pk", "code", "name")
    }
    out: list[tuple[tuple[int, int, str], dict[str, Any]]] = []
    for pk, n in by_child.items():
        # Sites of the unit itself (a province's own bodies, central bodies) come as the unit.
        code, name = (
            names.get(pk, (unit.code, unit.name))
            if pk is not None
            else (
                unit.code,
                unit.name,
            )
        )
        trouble = n[LiveState.OFFLINE] + n[LiveState.DEGRADED]
        row = {"code": code, "name": name, "total": sum(n.values()), **n}
        out.append(((-trouble, -n[LiveState.NEVER], code), row))
    out.sort(key=lambda pair: pair[0])
    return [row for _key, row in out]


def _worst(sites: Any, live: Liveness, limit: int) -> list[dict[str, Any]]:
    cutoff = live.cutoff
    store_says = []
    if live.online:
        store_says.append(When(Among("pk", live.online), then=Value(0)))
    if live.degraded:
        rank_degraded = health.STATE_RANK[LiveState.DEGRADED]
        store_says.append(When(Among("pk", live.degraded), then=Value(rank_degraded)))
    rank = Case(
        *store_says,
        When(live__last_seen__lt=cutoff, then=Value(health.STATE_RANK[LiveState.OFFLINE])),
        When(live__state=LiveState.DEGRADED, then=Value(health.STATE_RANK[LiveState.DEGRADED])),
        When(live__state=LiveState.OFFLINE, then=Value(health.STATE_RANK[LiveState.OFFLINE])),
        default=Value(0),
        output_field=IntegerField(),
    )
    rows = (
        sites.annotate(rank=rank, st=state_expr(cutoff, live))
        .filter(rank__gt=0)
        .order_by("-rank", "-live__score", "live__last_seen", "code")
        .values(
            "code",
            "name",
            "unit__name",
            "st",
            "live__reasons",
            "live__last_seen",
            "live__since",
            "live__buffer_s",
            "live__dropped_frames",
            "live__latency_ms",
            "live__queued",
            "live__playing",
            "tech_name",
            "tech_phone",
            "contact_name",
            "contact_phone",
            "pk",
        )[: max(0, min(limit, 200))]
    )
    delay = dt.timedelta(seconds=health.OFFLINE_AFTER_S)
    out = []
    for r in rows:
        _from_store(r, live)
        offline = r["st"] == LiveState.OFFLINE
        reasons = [x for x in r["live__reasons"].split(",") if x]
        if offline and r["live__last_seen"] < cutoff and "silent" not in reasons:
            reasons = ["silent"]
        out.append(
            {
                "code": r["code"],
                "name": r["name"],
                "unit": r["unit__name"],
                "state": r["st"],
                "reasons": reasons,
                "last_seen": r["live__last_seen"],
                "since": r["live__last_seen"] + delay if offline else r["live__since"],
                "buffer_s": r["live__buffer_s"],
                "dropped_frames": r["live__dropped_frames"],
                "latency_ms": r["live__latency_ms"],
                "queued": r["live__queued"],
                "playing": r["live__playing"],
                "tech_name": r["tech_name"],
                "tech_phone": r["tech_phone"],
                "contact_name": r["contact_name"],
                "contact_phone": r["contact_phone"],
            }
        )
    return out


def _from_store(row: dict[str, Any], live: Liveness) -> None:
    """A site the store corrects shows its newest beat there, not the database's older one."""
    beat = live.beats.get(row["pk"])
    if beat is None:
        return
    verdict = health.classify(beat)
    seen = dt.datetime.fromtimestamp(beat.received_at, tz=dt.UTC)
    row.update(
        {
            "live__reasons": ",".join(verdict.reasons),
            "live__last_seen": seen,
            "live__since": row["live__since"] if row["live__since"] else seen,
            "live__buffer_s": beat.buffer_s,
            "live__dropped_frames": beat.dropped_frames,
            "live__latency_ms": beat.latency_ms,
            "live__queued": beat.queued,
            "live__playing": beat.playing,
        }
    )
