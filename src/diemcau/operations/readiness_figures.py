"""Rehearsal readiness across every rehearsal, per child unit: for the reports.

The rehearsal page reads one rehearsal; a report asks "did this site pass its technical check?"
whichever rehearsal it was checked in (the national one, or its province's own). A site counts
by its latest check over every rehearsal it took part in (`RehearsalSiteState`, one row per site
and rehearsal): passed (stream and sound confirmed), failed, or never checked. Only sites the
caller may read are counted; without any rehearsal in the caller's view there is nothing to say
(NotFound), rather than every site "never checked".
"""

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from diemcau.accounts.scopes import Scope
from diemcau.errors import NotFound
from diemcau.operations import rollup
from diemcau.operations.models import RehearsalSiteState
from diemcau.operations.rehearsals import FAILED, NEVER, READY, visible_rehearsals
from diemcau.sites.models import Site
from diemcau.units.models import Kind, Level, Unit
from diemcau.units.services import units_under_q


@dataclass
class Readiness:
    code: str
    name: str
    sites: int = 0
    ready: int = 0
    failed: int = 0
    never: int = 0

    @property
    def ready_percent(self) -> float:
        return round(100 * self.ready / self.sites, 1) if self.sites else 0.0


def latest_states(site_ids: QuerySet[Any]) -> dict[int, bool]:
    """{site id: passed} by each site's latest check over all rehearsals (`site_ids`: a query)."""
    rows = (
        RehearsalSiteState.objects.filter(site_id__in=site_ids)
        .order_by("at", "id")
        .values_list("site_id", "ready")
    )
    return dict(rows.iterator(chunk_size=10_000))  # later rows overwrite earlier ones


def by_child(scope: Scope, unit_code: str | None) -> tuple[Readiness, list[Readiness]]:
    """(the node's counts, one row per child unit by code), over the sites the caller reads."""
    unit = rollup.dashboard_unit(scope, unit_code)
    read_q = scope.site_read_q()
    if read_q is None or not visible_rehearsals(scope).exists():
        raise NotFound(_("Unit “%(code)s” not found.") % {"code": unit.code})
    sites = Site.objects.filter(read_q & units_under_q(unit, "unit__"))
    states = latest_states(sites.values("pk"))
    national = unit.level == Level.CENTRAL and unit.kind == Kind.ADMINISTRATIVE
    key = "province_id" if national else "unit_id"
    counts: dict[int | None, Readiness] = {}
    total = Readiness(unit.code, unit.name)
    for pk, child in sites.order_by().values_list("pk", key).iterator(chunk_size=10_000):
        row = counts.setdefault(child, Readiness("", ""))
        state = states.get(pk)
        name = NEVER if state is None else READY if state else FAILED
        for target in (row, total):
            target.sites += 1
            setattr(target, name, getattr(target, name) + 1)
    names = {
        pk: (code, name)
        for pk, code, name in Unit.objects.filter(
            pk__in=[k for k in counts if k is not None]
        ).values_list("pk", "code", "name")
    }
    for pk, row in counts.items():
        row.code, row.name = names.get(pk, (unit.code, unit.name)) if pk else (unit.code, unit.name)
    return total, sorted(counts.values(), key=lambda r: r.code)
