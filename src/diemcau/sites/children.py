"""How the figures under a node of the tree split into its children, and the children's names.

Every roll-up (attendance, completion, certificates) shows the same drill-down: the nation by
province (a central body counts as its own child), a province by commune or body, a commune by
site. One definition keeps the dashboards and the reports agreeing on where a site's figures go.
"""

from typing import Any

from django.db.models import F
from django.db.models.functions import Coalesce

from diemcau.sites.models import Site
from diemcau.units.models import Kind, Level, Unit


def child_key(unit: Unit, site: str = "") -> tuple[str, Any]:
    """What a child is ("unit" or "site") and the expression of its id, for rows reached through
    the path `site` to their site ("" for a Site query, "site__" for a row pointing to one)."""
    if unit.level == Level.CENTRAL and unit.kind == Kind.ADMINISTRATIVE:
        return "unit", Coalesce(F(f"{site}province_id"), F(f"{site}unit_id"))
    if unit.level == Level.PROVINCE and unit.kind == Kind.ADMINISTRATIVE:
        return "unit", F(f"{site}unit_id")
    return "site", F(f"{site[:-2]}_id") if site else F("pk")


def named_children(
    unit: Unit, kind: str, children: dict[Any, dict[str, Any]]
) -> list[dict[str, Any]]:
    """The children's figures with code, name and level, by code; the node's own sites (a
    province's bodies seen from the nation) come under the node itself."""
    if kind == "site":
        names = {
            pk: (code, name, "site")
            for pk, code, name in Site.objects.filter(pk__in=list(children)).values_list(
                "pk", "code", "name"
            )
        }
    else:
        names = {
            pk: (code, name, level)
            for pk, code, name, level in Unit.objects.filter(pk__in=list(children)).values_list(
                "pk", "code", "name", "level"
            )
        }
    out: list[dict[str, Any]] = []
    for pk, figures in children.items():
        code, name, level = names.get(pk, (unit.code, unit.name, unit.level))
        out.append({"code": code, "name": name, "level": level, **figures})
    out.sort(key=lambda row: str(row["code"]))
    return out
