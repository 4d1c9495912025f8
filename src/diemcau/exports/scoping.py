"""Which delegates an export may hold: a node (a unit, or one site) within the caller's scope.

The same rule as every other list (accounts.scopes): a unit is readable when the dashboard would
show it (dashboard_unit: a province organiser reads their province, not another's), a site when
the caller may read that site (an operator their own sites). Outside it the node does not exist
for the caller (NotFound).

The rows are narrowed twice: by SQL on the delegates table (`where`, an indexed condition) and,
row by row, by the site map: a delegate whose site is not in `sites` is never written, so no
stale denormalised column can leak a row from outside the scope.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from diemcau.accounts.scopes import Scope
from diemcau.csvsafe import neutralise
from diemcau.errors import NotFound
from diemcau.operations.rollup import dashboard_unit
from diemcau.sites.models import Site
from diemcau.units.models import Kind, Level, Unit
from diemcau.units.services import get_unit, units_under_q

CENTRAL_SHEET = "Trung ương"


@dataclass(frozen=True)
class SiteRow:
    """A site as every row of the list shows it; text already made inert."""

    code: str
    name: str
    unit: str
    province: str


@dataclass
class Target:
    code: str
    name: str
    where: str  # over the delegates table, aliased d; "" for no condition
    params: list[Any] = field(default_factory=list)
    sites: dict[int, SiteRow] = field(default_factory=dict)
    is_site: bool = False
    # The CCCD's last four digits: central organisers only (delegates.services.national_id_display).
    everything: bool = False


def resolve(scope: Scope, node: str | None) -> Target:
    """The node asked for (a unit code, TW for the nation, or a site code) or the caller's own."""
    target = _resolve(scope, (node or "").strip())
    target.everything = scope.everything
    return target


def _resolve(scope: Scope, node: str) -> Target:
    if not node and scope.operator_site_ids and not _reads_units(scope):
        if len(scope.operator_site_ids) == 1:
            (site_id,) = scope.operator_site_ids
            return _site_target(scope, Q(pk=site_id), str(site_id))
        raise NotFound(_("Choose one of your sites."))
    unit = get_unit(node) if node else None
    if unit is not None or not node:
        try:
            unit = dashboard_unit(scope, node or None)
        except NotFound:
            unit = None
        if unit is not None:
            return _unit_target(scope, unit)
    return _site_target(scope, Q(code=node), node)


def _reads_units(scope: Scope) -> bool:
    return bool(
        scope.everything or scope.reads_everything or scope.organiser_units or scope.viewer_units
    )


def _unit_target(scope: Scope, unit: Unit) -> Target:
    sites_q = units_under_q(unit, "unit__")
    read_q = scope.site_read_q()
    if read_q is None:
        raise NotFound(_("Unit “%(code)s” not found.") % {"code": unit.code})
    target = Target(code=unit.code, name=unit.name, where="")
    if unit.kind == Kind.ADMINISTRATIVE and unit.level == Level.PROVINCE:
        target.where, target.params = "d.province_id = %s", [unit.pk]
    target.sites = _site_rows(Site.objects.filter(sites_q & read_q))
    if not target.where and not (unit.kind == Kind.ADMINISTRATIVE and unit.level == Level.CENTRAL):
        ids = sorted(target.sites) or [0]
        target.where = f"d.site_id IN ({', '.join(['%s'] * len(ids))})"
        target.params = ids
    return target


def _site_target(scope: Scope, q: Q, asked: str) -> Target:
    read_q = scope.site_read_q()
    site = Site.objects.filter(read_q, q).first() if read_q is not None else None
    if site is None:
        raise NotFound(_("“%(code)s” is neither a unit nor a site you may read.") % {"code": asked})
    return Target(
        code=site.code,
        name=site.name,
        where="d.site_id = %s",
        params=[site.pk],
        sites=_site_rows(Site.objects.filter(pk=site.pk)),
        is_site=True,
    )


def _site_rows(sites: Any) -> dict[int, SiteRow]:
    rows = sites.values_list("pk", "code", "name", "unit__name", "province__name")
    return {
        pk: SiteRow(neutralise(code), neutralise(name), unit or "", province or CENTRAL_SHEET)
        for pk, code, name, unit, province in rows
    }
