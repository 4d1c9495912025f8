"""Rehearsals (kiểm tra kỹ thuật): test windows, each site's checks, and readiness.

An organiser schedules a window for every site under a unit (central organisers anywhere,
province organisers in their province). During the window each site's console posts a check;
the server was reachable by definition, the operator confirms stream and sound. A site is
ready when its latest check passed all three; "failed" when it did not; "never" without one.

Reads follow the read scope: a rehearsal is listed to those whose part of the tree it touches
(a national rehearsal to every province organiser), but its results only ever count the sites
the caller may read, and a unit outside the caller's reach is NotFound.

The roll-up counts `RehearsalSiteState` (one row per site and rehearsal, updated by each check),
never the check history: one LEFT JOIN and GROUP BY over the sites.
"""

import datetime as dt
from collections.abc import Iterator
from typing import IO, Any

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from diemcau import csvsafe
from diemcau.accounts.scopes import Scope, any_of
from diemcau.errors import Forbidden, Invalid, NotFound
from diemcau.operations.incidents import current_time
from diemcau.operations.models import Rehearsal, RehearsalCheck, RehearsalSiteState
from diemcau.sites import services as site_services
from diemcau.sites.models import Site
from diemcau.units.models import Kind, Level, Unit
from diemcau.units.services import get_unit, units_under_q

READY, FAILED, NEVER = "ready", "failed", "never"
STATES = (READY, FAILED, NEVER)
NOT_READY_LIMIT = 200
MAX_TITLE = 200
_BATCH = 1000


# -- the tree ---------------------------------------------------------------------------------
def _covers(upper: Unit, lower: Unit) -> bool:
    return Unit.objects.filter(units_under_q(upper), pk=lower.pk).exists()


def _related(a: Unit, b: Unit) -> bool:
    """One unit's subtree holds the other: their sites overlap."""
    return a.pk == b.pk or _covers(a, b) or _covers(b, a)


def _reads_unit(scope: Scope, unit: Unit) -> bool:
    """The caller may read every site under `unit`."""
    if scope.everything or scope.reads_everything:
        return True
    return any(_covers(u, unit) for u in scope.organiser_units + scope.viewer_units)


def _above(unit_ids: set[int]) -> Q:
    """Rehearsals on one of these units or on a unit above one of them."""
    rows = Unit.objects.filter(pk__in=unit_ids).values_list("pk", "parent_id", "province_id")
    ids = {pk for row in rows for pk in row if pk is not None}
    return Q(unit_id__in=ids) | Q(unit__level=Level.CENTRAL, unit__kind=Kind.ADMINISTRATIVE)


# -- reads ------------------------------------------------------------------------------------
def visible_rehearsals(scope: Scope) -> QuerySet[Rehearsal]:
    qs = Rehearsal.objects.select_related("unit").order_by("-starts_at", "-pk")
    if scope.everything or scope.reads_everything:
        return qs
    units = scope.organiser_units + scope.viewer_units
    parts = [units_under_q(u, "unit__") for u in units]
    site_units = set(
        Site.objects.filter(pk__in=scope.operator_site_ids).values_list("unit_id", flat=True)
    )
    if units or site_units:
        parts.append(_above({u.pk for u in units} | site_units))
    q = any_of(parts)
    return qs.filter(q) if q is not None else qs.none()


def get_rehearsal(scope: Scope, pk: int) -> Rehearsal:
    rehearsal = visible_rehearsals(scope).filter(pk=pk).first()
    if rehearsal is None:
        raise NotFound(_("Rehearsal %(id)s not found.") % {"id": pk})
    return rehearsal


def is_open(rehearsal: Rehearsal, now: dt.datetime | None = None) -> bool:
    now = now or current_time()
    return rehearsal.starts_at <= now <= rehearsal.ends_at


def may_schedule(scope: Scope, unit: Unit | None = None) -> bool:
    if scope.everything:
        return True
    if unit is None:
        return bool(scope.organiser_units)
    return any(_covers(u, unit) for u in scope.organiser_units)


# -- writes -----------------------------------------------------------------------------------
def schedule(
    scope: Scope,
    user: Any,
    *,
    title: str,
    starts_at: dt.datetime | None,
    ends_at: dt.datetime | None,
    unit_code: str,
) -> Rehearsal:
    """Schedule a test window for the sites under a unit the caller organises."""
    errors: dict[str, str] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = _("This field is required.")
    elif len(title) > MAX_TITLE:
        errors["title"] = _("At most %(n)d characters.") % {"n": MAX_TITLE}
    if starts_at is None:
        errors["starts_at"] = _("This field is required.")
    if ends_at is None:
        errors["ends_at"] = _("This field is required.")
    elif starts_at is not None and ends_at <= starts_at:
        errors["ends_at"] = _("The end must come after the start.")
    unit = get_unit(unit_code or "")
    if unit is None:
        errors["unit"] = _("Unit “%(code)s” not found.") % {"code": unit_code or ""}
    if errors:
        raise Invalid(next(iter(errors.values())), errors)
    assert unit is not None and starts_at is not None and ends_at is not None
    if not may_schedule(scope, unit):
        raise Forbidden(_("You may not schedule a rehearsal for “%(unit)s”.") % {"unit": unit})
    return Rehearsal.objects.create(
        title=title,
        unit=unit,
        starts_at=starts_at,
        ends_at=ends_at,
        created_by=user if getattr(user, "pk", None) else None,
    )


def record_check(
    scope: Scope,
    user: Any,
    pk: int,
    *,
    site_code: str,
    stream_ok: bool,
    sound_ok: bool,
    note: str = "",
) -> RehearsalSiteState:
    """Keep a site's check and make it the site's latest; returns the site's readiness.

    The server was reachable: the request arrived. Outside the window a check is refused, so
    the readiness shown for a rehearsal is what the sites showed during it.
    """
    rehearsal = get_rehearsal(scope, pk)
    site = site_services.get_site_for_write(scope, site_code.strip())
    if not Site.objects.filter(units_under_q(rehearsal.unit, "unit__"), pk=site.pk).exists():
        message = _("Site “%(code)s” is not part of this rehearsal.") % {"code": site.code}
        raise Invalid(message, {"site": message})
    now = current_time()
    if not is_open(rehearsal, now):
        raise Invalid(_("This rehearsal is not open now: checks are taken during its window."))
    note = (note or "").strip()[:500]
    values = {"at": now, "stream_ok": stream_ok, "sound_ok": sound_ok, "note": note}
    with transaction.atomic():
        RehearsalCheck.objects.create(
            rehearsal=rehearsal,
            site=site,
            server_ok=True,
            by=user if getattr(user, "pk", None) else None,
            **values,
        )
        state, _created = RehearsalSiteState.objects.update_or_create(
            rehearsal=rehearsal,
            site=site,
            defaults={**values, "ready": stream_ok and sound_ok, "checks": F("checks") + 1},
            create_defaults={**values, "ready": stream_ok and sound_ok, "checks": 1},
        )
    state.refresh_from_db()
    return state


# -- readiness --------------------------------------------------------------------------------
def view_unit(scope: Scope, rehearsal: Rehearsal, code: str | None) -> Unit:
    """The node of the tree to show: asked for, or the widest the caller may read."""
    if not code:
        if _reads_unit(scope, rehearsal.unit) or not (scope.organiser_units or scope.viewer_units):
            return rehearsal.unit  # an operator sees it through the read filter: their sites
        for u in scope.organiser_units + scope.viewer_units:
            if _related(u, rehearsal.unit):
                return u
        raise NotFound(_("Rehearsal %(id)s not found.") % {"id": rehearsal.pk})
    unit = get_unit(code)
    operator_only = not (scope.organiser_units or scope.viewer_units or scope.everything)
    allowed = unit is not None and (
        (operator_only and unit.pk == rehearsal.unit_id)
        or (_reads_unit(scope, unit) and _related(unit, rehearsal.unit))
    )
    if not allowed:
        raise NotFound(_("Unit “%(code)s” not found.") % {"code": code})
    assert unit is not None
    return unit


def _child_key(unit: Unit) -> str | None:
    if unit.kind != Kind.ADMINISTRATIVE:
        return None
    keys = {Level.CENTRAL.value: "province_id", Level.PROVINCE.value: "unit_id"}
    return keys.get(str(unit.level))


def _sites(scope: Scope, rehearsal: Rehearsal, unit: Unit) -> QuerySet[Site]:
    """The sites of the rehearsal under `unit` that the caller may read."""
    read_q = scope.site_read_q()
    if read_q is None:
        raise NotFound(_("Rehearsal %(id)s not found.") % {"id": rehearsal.pk})
    return (
        Site.objects.filter(read_q)
        .filter(units_under_q(rehearsal.unit, "unit__"))
        .filter(units_under_q(unit, "unit__"))
    )


# The roll-up reads two flat lists (the rehearsal's per-site states, the caller's sites under
# the node) and joins them in Python. A LEFT JOIN or an anti-join of the same tables measured
# fine with fresh statistics but degenerated to nested loops (≈ 0.3 s for one province) on
# PostgreSQL while its statistics lagged behind a rehearsal filling up; two index/sequential
# scans of at most 11,000 rows cannot degenerate.
def _states(rehearsal: Rehearsal) -> dict[int, bool]:
    return dict(
        RehearsalSiteState.objects.filter(rehearsal=rehearsal).values_list("site_id", "ready")
    )


def _state(states: dict[int, bool], site_id: int) -> str:
    ready = states.get(site_id)
    return NEVER if ready is None else READY if ready else FAILED


_SITE_FIELDS = (
    "pk",
    "code",
    "name",
    "unit__code",
    "unit__name",
    "province__name",
    "tech_name",
    "tech_phone",
)
_STATE_FIELDS = ("site_id", "ready", "at", "stream_ok", "sound_ok", "note", "checks")
_ORDER = ("unit__code", "code")


def _details(rehearsal: Rehearsal, sites: QuerySet[Site], ids: list[int]) -> list[dict[str, Any]]:
    """The listed sites' rows with their latest check, in the order of `ids` (two queries)."""
    if not ids:
        return []
    found = {r["pk"]: r for r in sites.filter(pk__in=ids).values(*_SITE_FIELDS)}
    states = {
        s["site_id"]: s
        for s in RehearsalSiteState.objects.filter(rehearsal=rehearsal, site_id__in=ids).values(
            *_STATE_FIELDS
        )
    }
    out = []
    for pk in ids:
        row, state = found[pk], states.get(pk)
        out.append(
            {
                "code": row["code"],
                "name": row["name"],
                "unit": row["unit__code"],
                "unit_name": row["unit__name"],
                "province_name": row["province__name"] or "",
                "tech_name": row["tech_name"],
                "tech_phone": row["tech_phone"],
                "state": NEVER if state is None else READY if state["ready"] else FAILED,
                "checked_at": state["at"] if state else None,
                "stream_ok": state["stream_ok"] if state else None,
                "sound_ok": state["sound_ok"] if state else None,
                "note": state["note"] if state else "",
                "checks": state["checks"] if state else 0,
            }
        )
    return out


def _not_ready_ids(states: dict[int, bool], ordered: list[int]) -> list[int]:
    """Failed sites first (someone tried and it did not work), then those never checked."""
    failed = [pk for pk in ordered if states.get(pk) is False]
    never = [pk for pk in ordered if pk not in states]
    return failed + never


def readiness(
    scope: Scope, pk: int, code: str | None = None, limit: int = NOT_READY_LIMIT
) -> dict[str, Any]:
    """Counts under a node, the child units for drill-down, and the sites not ready."""
    rehearsal = get_rehearsal(scope, pk)
    unit = view_unit(scope, rehearsal, code)
    sites = _sites(scope, rehearsal, unit)
    key = _child_key(unit)
    states = _states(rehearsal)
    counts = dict.fromkeys(STATES, 0)
    by_child: dict[int | None, dict[str, int]] = {}
    ordered: list[int] = []
    for site_id, child in sites.order_by(*_ORDER).values_list("pk", key or "unit_id"):
        state = _state(states, site_id)
        counts[state] += 1
        if key:
            by_child.setdefault(child, dict.fromkeys(STATES, 0))[state] += 1
        ordered.append(site_id)
    total = len(ordered)
    limit = max(0, min(limit, 1000))
    leaf = key is None
    listed = ordered if leaf else _not_ready_ids(states, ordered)
    return {
        "rehearsal": rehearsal,
        "unit": unit,
        "parent": _parent(scope, rehearsal, unit),
        "open": is_open(rehearsal),
        "counts": {"total": total, **counts},
        "ready_percent": round(100 * counts[READY] / total, 1) if total else 0.0,
        "children": _children(unit, by_child) if key else [],
        "sites": _details(rehearsal, sites, listed[:limit]),
        "sites_are_all": leaf,
    }


def _parent(scope: Scope, rehearsal: Rehearsal, unit: Unit) -> Unit | None:
    parent = unit.parent
    if parent is None or unit.pk == rehearsal.unit_id or not _reads_unit(scope, parent):
        return None
    return parent if _related(parent, rehearsal.unit) else None


def _children(unit: Unit, by_child: dict[int | None, dict[str, int]]) -> list[dict[str, Any]]:
    names = {
        pk: (code, name)
        for pk, code, name in Unit.objects.filter(
            pk__in=[k for k in by_child if k is not None]
        ).values_list("pk", "code", "name")
    }
    rows: list[dict[str, Any]] = []
    for pk, n in by_child.items():
        code, name = (
            names.get(pk, (unit.code, unit.name)) if pk is not None else (unit.code, unit.name)
        )
        rows.append({"code": code, "name": name, "total": sum(n.values()), **n})
    rows.sort(key=lambda r: (-(r[FAILED] + r[NEVER]), r["code"]))
    return rows


# -- export -----------------------------------------------------------------------------------
def not_ready_rows(scope: Scope, pk: int, code: str | None = None) -> Iterator[dict[str, Any]]:
    """Every not-ready site under the node, failed first, in batches of a thousand."""
    rehearsal = get_rehearsal(scope, pk)
    sites = _sites(scope, rehearsal, view_unit(scope, rehearsal, code))
    ordered = list(sites.order_by(*_ORDER).values_list("pk", flat=True))
    ids = _not_ready_ids(_states(rehearsal), ordered)
    for start in range(0, len(ids), _BATCH):
        yield from _details(rehearsal, sites, ids[start : start + _BATCH])


def state_labels() -> dict[str, str]:
    return {READY: _("Ready"), FAILED: _("Check failed"), NEVER: _("Never checked")}


def write_not_ready_csv(rows: Iterator[dict[str, Any]], out: IO[str]) -> int:
    """CSV with Vietnamese headers and a BOM, so Excel opens the diacritics right.

    Through the shared safe writer: a note or a name typed as a formula is exported as text.
    """
    labels = state_labels()
    yes, no = _("yes"), _("no")
    out.write("\ufeff")
    writer = csvsafe.writer(out)
    writer.writerow(
        [
            _("Site code"),
            _("Site name"),
            _("Unit"),
            _("Province"),
            _("Readiness"),
            _("Last check"),
            _("Stream plays"),
            _("Sound confirmed"),
            _("Note"),
            _("Technical contact"),
            _("Technical phone"),
        ]
    )
    n = 0
    for r in rows:
        checked = r["checked_at"] is not None
        writer.writerow(
            [
                r["code"],
                r["name"],
                r["unit_name"],
                r["province_name"],
                labels[r["state"]],
                localtime(r["checked_at"]).strftime("%d/%m/%Y %H:%M") if checked else "",
                (yes if r["stream_ok"] else no) if checked else "",
                (yes if r["sound_ok"] else no) if checked else "",
                r["note"],
                r["tech_name"],
                r["tech_phone"],
            ]
        )
        n += 1
    return n
