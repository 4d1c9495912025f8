"""Sites API: thin wrappers over `sites.services`, scoped by the caller's grants."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from diemcau.accounts.scopes import scope_for
from diemcau.sites import services
from diemcau.sites.models import Connection, Site, SiteKind, SiteStatus

router = Router()


class SiteOut(Schema):
    code: str
    name: str
    unit: str
    unit_name: str
    province: str | None
    kind: SiteKind
    address: str
    seats: int | None
    host_organisation: str
    contact_name: str
    contact_phone: str
    contact_email: str
    tech_name: str
    tech_phone: str
    tech_email: str
    connection: Connection
    status: SiteStatus

    @staticmethod
    def resolve_unit(obj: Site) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_unit_name(obj: Site) -> str:
        return obj.unit.name

    @staticmethod
    def resolve_province(obj: Site) -> str | None:
        return obj.province.code if obj.province_id and obj.province else None


class SitePage(Schema):
    total: int
    limit: int
    offset: int
    items: list[SiteOut]


class SiteQuery(Schema):
    province: str | None = None
    commune: str | None = None
    unit: str | None = None
    kind: SiteKind | None = None
    status: SiteStatus | None = None
    q: str | None = None
    limit: int = 100
    offset: int = 0


class SiteIn(Schema):
    code: str
    name: str
    unit: str
    kind: str = SiteKind.STATE
    address: str = ""
    seats: int | None = None
    host_organisation: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    tech_name: str = ""
    tech_phone: str = ""
    tech_email: str = ""
    connection: str = Connection.INTERNET
    status: str = SiteStatus.REGISTERED


class SitePatch(Schema):
    name: str | None = None
    unit: str | None = None
    kind: str | None = None
    address: str | None = None
    seats: int | None = None
    host_organisation: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None
    tech_name: str | None = None
    tech_phone: str | None = None
    tech_email: str | None = None
    connection: str | None = None
    status: str | None = None


def filters_from(query: SiteQuery) -> services.SiteFilters:
    return services.SiteFilters(
        province=query.province,
        commune=query.commune,
        unit=query.unit,
        kind=query.kind,
        status=query.status,
        q=query.q,
    )


@router.get("", response=SitePage, summary="List sites in your scope")
def list_sites(request: HttpRequest, query: Query[SiteQuery]) -> dict[str, Any]:
    qs = services.visible_sites(scope_for(request.user), filters_from(query))
    limit = max(1, min(query.limit, 1000))
    offset = max(0, query.offset)
    return {
        "total": qs.count(),
        "limit": limit,
        "offset": offset,
        "items": list(qs.order_by("code")[offset : offset + limit]),
    }


@router.post("", response={201: SiteOut}, summary="Register a site (organisers)")
def create_site(request: HttpRequest, payload: SiteIn) -> tuple[int, Site]:
    return 201, services.create_site(scope_for(request.user), payload.dict())


@router.get("/{code}", response=SiteOut, summary="One site")
def get_site(request: HttpRequest, code: str) -> Site:
    return services.get_site(scope_for(request.user), code)


@router.patch("/{code}", response=SiteOut, summary="Change a site")
def update_site(request: HttpRequest, code: str, payload: SitePatch) -> Site:
    changes = payload.dict(exclude_unset=True)
    return services.update_site(scope_for(request.user), code, changes)
