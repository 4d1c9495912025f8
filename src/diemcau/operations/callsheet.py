"""Whom to call: every site in trouble or never connected, by name, with the people to ring.

The dashboard counts sites; an organiser on the day needs the list behind the counts — which
sites, who their technician and contact are, their phones, how long they have been silent and
why. One query over sites ⋈ their `SiteLive` row gives it, with the live state computed at read
time exactly as the dashboard's counts do (`rollup.state_expr`, with the live store's word on
the sites a lagging flusher has not written yet: `liveness.py`), so the list and the counts never
disagree. The caller's scope comes from `sites.services.visible_sites`, as for every site list:
a province organiser's list, export and counts hold their province only.
"""

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, F, IntegerField, QuerySet, Value, When
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from diemcau.accounts.scopes import Scope
from diemcau.operations import health, liveness, rollup
from diemcau.operations.models import Incident, IncidentStatus, LiveState
from diemcau.sites.models import Site
from diemcau.sites.services import SiteFilters, visible_sites

TROUBLE = "trouble"  # offline, degraded or never connected
ALL = "all"
STATES = (TROUBLE, LiveState.OFFLINE, LiveState.NEVER, LiveState.DEGRADED, LiveState.ONLINE, ALL)
STATE_LABELS = {
    TROUBLE: gettext_lazy("In trouble or never connected"),
    LiveState.OFFLINE: gettext_lazy("Offline"),
    LiveState.NEVER: gettext_lazy("Never connected"),
    LiveState.DEGRADED: gettext_lazy("Degraded"),
    LiveState.ONLINE: gettext_lazy("Online"),
    ALL: gettext_lazy("All sites"),
}
SORTS = ("trouble", "silent", "name")
SORT_LABELS = {
    "trouble": gettext_lazy("Trouble first"),
    "silent": gettext_lazy("Longest silent first"),
    "name": gettext_lazy("By name"),
}
_TROUBLE_STATES = (LiveState.OFFLINE, LiveState.DEGRADED, LiveState.NEVER)
_PHONE_KEEP = re.compile(r"[^0-9+]")


@dataclass(frozen=True)
class CallFilters:
    state: str = TROUBLE
    province: str | None = None
    unit: str | None = None
    q: str | None = None
    sort: str = "trouble"

    @classmethod
    def clean(
        cls,
        state: str | None = None,
        province: str | None = None,
        unit: str | None = None,
        q: str | None = None,
        sort: str | None = None,
    ) -> "CallFilters":
        """Filters from a query string: unknown states and sorts fall back to the defaults."""

        def text(value: str | None) -> str | None:
            return (value or "").strip()[:100] or None

        return cls(
            state=state if state in STATES else TROUBLE,
            province=text(province),
            unit=text(unit),
            q=text(q),
            sort=sort if sort in SORTS else "trouble",
        )


def cutoff_at(now: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(now - health.OFFLINE_AFTER_S, tz=dt.UTC)


def _scoped(scope: Scope, filters: CallFilters) -> QuerySet[Site]:
    return visible_sites(
        scope, SiteFilters(province=filters.province, unit=filters.unit, q=filters.q)
    )


def _with_state(sites: QuerySet[Site], now: float) -> Any:
    """The sites with their state (`st`) and its trouble rank (`rank`, 0 when online)."""
    rank = Case(
        *(When(st=state, then=Value(health.STATE_RANK[state])) for state in _TROUBLE_STATES),
        default=Value(0),
        output_field=IntegerField(),
    )
    live = liveness.read(sites, now)
    return sites.annotate(st=rollup.state_expr(live.cutoff, live)).annotate(rank=rank)


def state_counts(scope: Scope, filters: CallFilters, now: float) -> dict[str, int]:
    """How many sites in each state under the filters (the state filter itself aside)."""
    sites = _scoped(scope, filters)
    live = liveness.read(sites, now)
    rows = (
        sites.annotate(st=rollup.state_expr(live.cutoff, live))
        .values("st")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {str(s): 0 for s in STATES}
    for row in rows:
        counts[row["st"]] = row["n"]
    counts[TROUBLE] = sum(counts[s] for s in _TROUBLE_STATES)
    counts[ALL] = counts[TROUBLE] + counts[LiveState.ONLINE]
    return counts


_FIELDS = (
    "pk",
    "code",
    "name",
    "unit__code",
    "unit__name",
    "province__code",
    "province__name",
    "contact_name",
    "contact_phone",
    "tech_name",
    "tech_phone",
    "st",
    "rank",
    "live__last_seen",
    "live__reasons",
    "live__since",
    "live__behind_s",
)


def call_rows(scope: Scope, filters: CallFilters, now: float) -> QuerySet[Site, dict[str, Any]]:
    """The sites to call, as value rows in the chosen order (not yet shaped: see `shape`)."""
    qs = _with_state(_scoped(scope, filters), now)
    if filters.state == TROUBLE:
        qs = qs.filter(rank__gt=0)
    elif filters.state != ALL:
        qs = qs.filter(st=filters.state)
    if filters.sort == "name":  # "Điểm cầu…" among the D's, whatever the database's collation
        order: tuple[Any, ...] = ("name_folded", "code")
    elif filters.sort == "silent":  # never seen = silent for ever, then the oldest last beat
        order = (F("live__last_seen").asc(nulls_first=True), "code")
    else:
        order = ("-rank", F("live__last_seen").asc(nulls_first=True), "code")
    return qs.order_by(*order).values(*_FIELDS)


def tel_href(phone: str) -> str:
    """A phone number as a tel: link dials it: digits and a leading + only."""
    digits = _PHONE_KEEP.sub("", phone or "")
    if "+" in digits[1:]:
        digits = digits[0] + digits[1:].replace("+", "")
    return f"tel:{digits}" if digits.strip("+") else ""


def duration_text(seconds: float) -> str:
    """ "10 phút", "2 giờ 5 phút": how long a site has been silent, as an organiser says it.

    Django's `timesince` has no Vietnamese for its units and printed "10 minutes" on a
    Vietnamese page.
    """
    s = int(seconds)
    if s < 60:
        return _("%(s)d s") % {"s": s}
    if s < 3600:
        return _("%(m)d min") % {"m": s // 60}
    if s < 86400:
        return _("%(h)d h %(m)d min") % {"h": s // 3600, "m": s % 3600 // 60}
    return _("%(d)d d %(h)d h") % {"d": s // 86400, "h": s % 86400 // 3600}


def reason_labels() -> dict[str, str]:
    return {
        "silent": _("no heartbeat"),
        "not_playing": _("not playing"),
        "buffering": _("buffering"),
        "dropped_frames": _("dropped frames"),
        "latency": _("high latency"),
        "queued": _("offline queue growing"),
        "audio_only": _("sound only"),
    }


def _cause(state: str, reasons: str | None, labels: dict[str, str]) -> str:
    if state == LiveState.NEVER:
        return _("never connected")
    if state == LiveState.OFFLINE:
        return labels["silent"]
    return ", ".join(labels.get(r, r) for r in (reasons or "").split(",") if r)


def behind_text(state: str, behind_s: int | None) -> str:
    """A site watching behind the live broadcast (it rewound after a loss of signal)."""
    if not behind_s or state not in (LiveState.ONLINE, LiveState.DEGRADED):
        return ""
    return _("watching a rewind, %(time)s behind live") % {"time": duration_text(behind_s)}


def shape(rows: Any, now: float) -> list[dict[str, Any]]:
    """Rows for a page or an export: labels, silence in seconds, tel: links, open incident."""
    rows = list(rows)
    labels = reason_labels()
    states = {s.value: str(s.label) for s in LiveState}
    states[LiveState.NEVER] = _("Never connected")
    incidents = open_incidents([r["pk"] for r in rows])
    at = dt.datetime.fromtimestamp(now, tz=dt.UTC)
    out = []
    for r in rows:
        last_seen = r["live__last_seen"]
        silent = (at - last_seen).total_seconds() if last_seen is not None else None
        out.append(
            {
                "code": r["code"],
                "name": r["name"],
                "unit_code": r["unit__code"],
                "unit": r["unit__name"],
                "province_code": r["province__code"] or "",
                "province": r["province__name"] or "",
                "state": r["st"],
                "state_label": states.get(r["st"], r["st"]),
                "cause": ", ".join(
                    x
                    for x in (
                        _cause(r["st"], r["live__reasons"], labels),
                        behind_text(r["st"], r.get("live__behind_s")),
                    )
                    if x
                ),
                "behind_s": r.get("live__behind_s") or 0,
                "last_seen": last_seen,
                "silent_s": max(0.0, silent) if silent is not None else None,
                "silent_text": duration_text(max(0.0, silent)) if silent is not None else "",
                "tech_name": r["tech_name"],
                "tech_phone": r["tech_phone"],
                "tech_tel": tel_href(r["tech_phone"]),
                "contact_name": r["contact_name"],
                "contact_phone": r["contact_phone"],
                "contact_tel": tel_href(r["contact_phone"]),
                "incident": incidents.get(r["pk"]),
            }
        )
    return out


def open_incidents(site_ids: list[int]) -> dict[int, int]:
    """The oldest open incident of each of these sites (the one to follow up)."""
    found: dict[int, int] = {}
    for start in range(0, len(site_ids), 500):
        rows = (
            Incident.objects.filter(
                site_id__in=site_ids[start : start + 500], status=IncidentStatus.OPEN
            )
            .order_by("opened_at", "pk")
            .values_list("site_id", "pk")
        )
        for site_id, pk in rows:
            found.setdefault(site_id, pk)
    return found


def iter_call_rows(
    scope: Scope, filters: CallFilters, now: float, chunk: int = 2000
) -> Iterator[dict[str, Any]]:
    """Every row of the list, shaped, a chunk at a time (exports of up to 11,000 sites)."""
    qs = call_rows(scope, filters, now)
    batch: list[dict[str, Any]] = []
    for row in qs.iterator(chunk_size=chunk):
        batch.append(row)
        if len(batch) >= chunk:
            yield from shape(batch, now)
            batch = []
    if batch:
        yield from shape(batch, now)
