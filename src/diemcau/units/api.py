"""Read-only API of the administrative tree; the tree is public to every signed-in role."""

from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from diemcau.errors import NotFound
from diemcau.paging import PageQuery, page_of
from diemcau.units import services
from diemcau.units.models import Level, Unit

router = Router()


class UnitOut(Schema):
    code: str
    name: str
    level: str
    kind: str
    division_type: str
    parent: str | None
    province: str | None

    @staticmethod
    def resolve_parent(obj: Unit) -> str | None:
        return obj.parent.code if obj.parent_id and obj.parent else None

    @staticmethod
    def resolve_province(obj: Unit) -> str | None:
        return obj.province.code if obj.province_id and obj.province else None


class UnitPage(Schema):
    total: int
    limit: int
    offset: int
    items: list[UnitOut]


class UnitQuery(PageQuery):
    level: Level | None = None
    kind: Literal["administrative", "organisation", "all"] = "administrative"
    parent: str | None = None
    province: str | None = None
    q: str = ""


@router.get("", response=UnitPage, summary="List or search units")
def list_units(request: HttpRequest, query: Query[UnitQuery]) -> dict[str, object]:
    """Filter by level, parent or province code; `q` matches names with or without accents.

    Administrative divisions by default (so level=province gives the 34 provinces); pass
    kind=organisation for ministries, party committees and Front bodies, or kind=all.
    """
    parent = province = None
    if query.parent:
        parent = services.get_unit(query.parent)
        if parent is None:
            raise NotFound(_("Unit “%(code)s” not found.") % {"code": query.parent})
    if query.province:
        province = services.get_unit(query.province)
        if province is None:
            raise NotFound(_("Unit “%(code)s” not found.") % {"code": query.province})
    qs = services.search_units(
        query.q,
        level=query.level,
        kind=None if query.kind == "all" else query.kind,
        parent=parent,
        province=province,
    ).select_related("province")
    return page_of(qs, query)


@router.get("/{code}", response=UnitOut, summary="One unit")
def get_unit(request: HttpRequest, code: str) -> Unit:
    unit = services.get_unit(code)
    if unit is None:
        raise NotFound(_("Unit “%(code)s” not found.") % {"code": code})
    return unit
