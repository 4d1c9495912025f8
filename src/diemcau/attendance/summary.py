"""The attendance summary under one node of the tree, with one row per child for drill-down.

It reads only the counters (tallies.py): one GROUP BY over the sites for `registered` and one
over the (site, session) tallies, a few thousand rows, never the 1.5 million check-ins.

Figures, per site and session:
- checked_in: valid check-ins scanned at the site (guests included);
- other_site: those of them whose delegate is registered at another site (guests);
- headcount: the site's current headcount report (0 when none);
- present: the larger of checked_in and headcount — a site that scans everyone reports the
  scans, a site that only counts reports its count, and a count below the scans (people left)
  does not hide the scans;
- a site is reporting when it has a check-in or a headcount.
Without a session the figures add up over all sessions (attendances, not persons), and a site
is reporting when it reported in any session. `registered` and `sites` do not depend on the
session.
"""

from typing import Any

from django.db.models import Count, F, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils.translation import gettext as _

from diemcau.accounts.scopes import Scope
from diemcau.attendance import tallies
from diemcau.attendance.models import SessionTally
from diemcau.errors import NotFound
from diemcau.programme.models import Session
from diemcau.sites.children import child_key, named_children
from diemcau.sites.models import Site
from diemcau.units.models import Unit
from diemcau.units.organisations import CENTRAL_CODE
from diemcau.units.services import get_unit, units_under_q

FIGURES = ("registered", "checked_in", "other_site", "headcount", "present")


def _not_found(code: str | None) -> NotFound:
    return NotFound(_("Unit “%(code)s” not found.") % {"code": code or ""})


def _unit(scope: Scope, code: str | None) -> Unit:
    """The node asked for, or the caller's whole scope; 404 when outside what they may read."""
    if not code:
        own = scope.organiser_units + scope.viewer_units
        if not (scope.everything or scope.reads_everything) and own:
            code = own[0].code
        elif scope.is_authenticated:
            code = CENTRAL_CODE  # operators: the nation, narrowed to their sites below
    unit = get_unit(code) if code else None
    if unit is None or not _may_read(scope, unit):
        raise _not_found(code)
    return unit


def resolve_unit(scope: Scope, code: str | None) -> Unit:
    """The node asked for (or the caller's scope), for the pages and exports; 404 outside."""
    return _unit(scope, code)


def _may_read(scope: Scope, unit: Unit) -> bool:
    if scope.everything or scope.reads_everything:
        return True
    for own in scope.organiser_units + scope.viewer_units:
        if Unit.objects.filter(units_under_q(own), pk=unit.pk).exists():
            return True
    if scope.operator_site_ids:
        return Site.objects.filter(
            units_under_q(unit, "unit__"), pk__in=scope.operator_site_ids
        ).exists()
    return False


def summary(scope: Scope, unit_code: str | None, session_id: int | None) -> dict[str, Any]:
    unit = _unit(scope, unit_code)
    read_q = scope.site_read_q()
    if read_q is None:
        raise _not_found(unit_code)
    if session_id is not None and not Session.objects.filter(pk=session_id).exists():
        raise NotFound(_("Session %(id)s not found.") % {"id": session_id})
    tallies.ensure_registered()
    sites = Site.objects.filter(read_q & units_under_q(unit, "unit__"))
    kind, key = child_key(unit)
    children: dict[Any, dict[str, int]] = {}
    for row in (
        sites.values(k=key)
        .annotate(
            sites=Count("pk"),
            registered=Coalesce(Sum("attendance_registered__registered"), Value(0)),
        )
        .order_by()
    ):
        children[row["k"]] = _empty() | {"sites": row["sites"], "registered": row["registered"]}
    for row in _tally_rows(scope, unit, sites, session_id, key):
        child = children.setdefault(row["k"], _empty())
        for name in ("checked_in", "other_site", "headcount", "present", "sites_reporting"):
            child[name] = row[f"t_{name}"] or 0
    total = _empty()
    for child in children.values():
        for name in total:
            total[name] += child[name]
    return {
        "unit": {"code": unit.code, "name": unit.name, "level": unit.level},
        "session": session_id,
        **total,
        "children": named_children(unit, kind, children),
    }


def _empty() -> dict[str, int]:
    return dict.fromkeys((*FIGURES, "sites", "sites_reporting"), 0)


def _tally_rows(
    scope: Scope, unit: Unit, sites: QuerySet[Site], session_id: int | None, key: Any
) -> Any:
    rows = SessionTally.objects.all()
    if session_id is not None:
        rows = rows.filter(session_id=session_id)
    if scope.everything or scope.reads_everything:
        rows = rows.filter(units_under_q(unit, "site__unit__"))
    else:
        rows = rows.filter(site_id__in=Subquery(sites.values("pk")))
    head = Coalesce(F("headcount"), Value(0))
    return (
        rows.values(k=child_key(unit, "site__")[1])
        .annotate(
            t_checked_in=Sum("checked_in"),
            t_other_site=Sum("other_site"),
            t_headcount=Sum(head),
            t_present=Sum(Greatest(F("checked_in"), head)),
            # One row per site in a session: no DISTINCT (a sort per group on PostgreSQL).
            t_sites_reporting=Count(
                "site_id",
                distinct=session_id is None,
                filter=Q(checked_in__gt=0) | Q(headcount__isnull=False),
            ),
        )
        .order_by()
    )
