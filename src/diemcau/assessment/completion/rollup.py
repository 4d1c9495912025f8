"""Completion rates under one node of the tree, read from the per-site counters.

The node's totals, one row per child for drill-down (nation → provinces and central bodies;
province → communes and its own bodies; commune or body → its sites), and the same figures by
the level of the site's unit (central / province / commune). A rate is completed / delegates.
Before reading, stale sites in view are recounted within a small time budget; those left for
the next read are reported as `pending_sites` so that a page can say the figures are moving.
"""

from typing import Any

from django.db.models import Count, F, QuerySet, Subquery, Sum
from django.utils.translation import gettext as _

from diemcau.accounts.scopes import Scope
from diemcau.assessment.access import get_conference, readable_unit
from diemcau.assessment.completion import counters
from diemcau.assessment.models import CompletionSite
from diemcau.errors import NotFound
from diemcau.sites.children import child_key, named_children
from diemcau.sites.models import Site
from diemcau.units.models import Level, Unit
from diemcau.units.services import units_under_q

FIGURES = counters.COLUMNS  # the completion figures and the minutes watched
READ_BUDGET_S = 0.05
LEVELS = (Level.CENTRAL, Level.PROVINCE, Level.COMMUNE)


def resolve_unit(scope: Scope, code: str | None) -> Unit:
    """The node asked for, or by default the caller's own unit (the nation for the centre)."""
    if not code and not (scope.everything or scope.reads_everything):
        own = scope.organiser_units + scope.viewer_units
        if own:
            code = own[0].code
    return readable_unit(scope, code)


def rate(done: int, total: int) -> float:
    return round(done / total, 4) if total else 0.0


def with_rates(figures: dict[str, Any]) -> dict[str, Any]:
    return {
        **figures,
        "rate": rate(figures["completed"], figures["delegates"]),
        "quiz_rate": rate(figures["quiz_passed"], figures["delegates"]),
        "attended_rate": rate(figures["attended"], figures["delegates"]),
        "report_rate": rate(figures["report_passed"], figures["delegates"]),
        "watched_min": round(figures["watched_s"] / 60),
    }


def empty() -> dict[str, int]:
    return dict.fromkeys((*FIGURES, "sites"), 0)


def counter_rows(scope: Scope, unit: Unit, conference_id: int) -> QuerySet[CompletionSite]:
    """The counter rows of the sites in scope under the node (fresh within the budget)."""
    read_q = scope.site_read_q()
    if read_q is None:
        raise NotFound(_("Unit “%(code)s” not found.") % {"code": unit.code})
    get_conference(conference_id)  # counters for a missing conference would break their key
    counters.ensure_built(conference_id)
    rows = CompletionSite.objects.filter(conference_id=conference_id)
    if scope.everything or scope.reads_everything:
        rows = rows.filter(units_under_q(unit, "site__unit__"))
    else:
        sites = Site.objects.filter(read_q & units_under_q(unit, "unit__"))
        rows = rows.filter(site_id__in=Subquery(sites.values("pk")))
    return rows


def _sums(rows: QuerySet[CompletionSite], key: Any) -> list[dict[str, Any]]:
    sums: Any = rows.values(k=key).annotate(
        sites=Count("pk"), **{f"t_{f}": Sum(f) for f in FIGURES}
    )
    return list(sums.order_by())


def rollup(scope: Scope, conference_id: int, unit_code: str | None) -> dict[str, Any]:
    unit = resolve_unit(scope, unit_code)
    rows = counter_rows(scope, unit, conference_id)
    pending = counters.refresh_stale(conference_id, READ_BUDGET_S, rows.values("site_id"))
    kind, key = child_key(unit, "site__")
    children: dict[Any, dict[str, int]] = {}
    for row in _sums(rows, key):
        children[row["k"]] = {"sites": row["sites"], **{f: row[f"t_{f}"] or 0 for f in FIGURES}}
    total = empty()
    for child in children.values():
        for name in total:
            total[name] += child[name]
    levels = {lv: empty() for lv in LEVELS}
    for row in _sums(rows, F("site__unit__level")):
        if row["k"] in levels:
            levels[row["k"]] = {
                "sites": row["sites"],
                **{f: row[f"t_{f}"] or 0 for f in FIGURES},
            }
    return {
        "conference": conference_id,
        "unit": {"code": unit.code, "name": unit.name, "level": unit.level},
        **with_rates(total),
        "pending_sites": pending,
        "children": named_children(unit, kind, {pk: with_rates(f) for pk, f in children.items()}),
        "by_level": [{"level": str(lv), **with_rates(levels[lv])} for lv in LEVELS],
    }
