"""Sites API: thin wrappers over `sites.services`, scoped by the caller's grants."""

import io
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import File, Form, Query, Router, Schema, Status, UploadedFile

from diemcau.accounts.scopes import scope_for
from diemcau.audit.services import record_export, record_import
from diemcau.errors import Forbidden
from diemcau.paging import PageQuery, page_of
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


class SiteQuery(PageQuery):
    province: str | None = None
    commune: str | None = None
    unit: str | None = None
    kind: SiteKind | None = None
    status: SiteStatus | None = None
    q: str | None = None


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
    return page_of(qs.order_by("code"), query)


@router.post("", response={201: SiteOut}, summary="Register a site (organisers)")
def create_site(request: HttpRequest, payload: SiteIn) -> Status:
    return Status(201, services.create_site(scope_for(request.user), payload.dict()))


# -- bulk import / export (registered before "/{code}", which would swallow "/export") --------
class ExportQuery(Schema):
    format: Literal["csv", "xlsx"] = "xlsx"
    province: str | None = None
    commune: str | None = None
    unit: str | None = None
    kind: SiteKind | None = None
    status: SiteStatus | None = None
    q: str | None = None


class SiteImportRowError(Schema):
    row: int
    column: str
    message: str


class SiteImportReportOut(Schema):
    total_rows: int
    created: int
    updated: int
    unchanged: int
    bad_rows: int
    written: bool
    dry_run: bool
    summary: str
    errors: list[SiteImportRowError]


def _download(data: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@router.get("/export", response={200: None}, summary="Export sites in your scope (CSV or XLSX)")
def export_sites(request: HttpRequest, query: Query[ExportQuery]) -> HttpResponse:
    from diemcau.sites.exporting import CONTENT_TYPES
    from diemcau.sites.exporting import export_sites as export

    filters = services.SiteFilters(
        province=query.province,
        commune=query.commune,
        unit=query.unit,
        kind=query.kind,
        status=query.status,
        q=query.q,
    )
    out = io.BytesIO()
    rows = export(scope_for(request.user), filters, query.format, out)
    record_export("sites", rows, scope=scope_for(request.user), detail=query.format)
    stamp = timezone.localdate().strftime("%Y%m%d")
    name = f"diem-cau-{stamp}.{query.format}"
    return _download(out.getvalue(), CONTENT_TYPES[query.format], name)


@router.get("/template.xlsx", response={200: None}, summary="XLSX template for site imports")
def import_template(request: HttpRequest) -> HttpResponse:
    from diemcau.sites.exporting import CONTENT_TYPES, write_template

    out = io.BytesIO()
    write_template(out)
    return _download(out.getvalue(), CONTENT_TYPES["xlsx"], "mau-nhap-diem-cau.xlsx")


@router.post(
    "/import",
    response={200: SiteImportReportOut, 422: SiteImportReportOut},
    summary="Import sites from an XLSX or CSV file (all rows or none, unless skip_bad)",
)
def import_sites(
    request: HttpRequest,
    file: File[UploadedFile],
    dry_run: Form[bool] = False,
    skip_bad: Form[bool] = False,
) -> Status:
    from diemcau.sites.importing import import_sites as run_import

    scope = scope_for(request.user)
    if scope.site_write_q() is None:
        raise Forbidden("Bạn không có quyền nhập điểm cầu.")
    report = run_import(scope, file, filename=file.name, dry_run=dry_run, skip_bad=skip_bad)
    record_import("sites", report, scope=scope, filename=file.name or "")
    return Status(200 if report.ok else 422, report.as_dict())


@router.get("/{code}", response=SiteOut, summary="One site")
def get_site(request: HttpRequest, code: str) -> Site:
    return services.get_site(scope_for(request.user), code)


@router.patch("/{code}", response=SiteOut, summary="Change a site")
def update_site(request: HttpRequest, code: str, payload: SitePatch) -> Site:
    changes = payload.dict(exclude_unset=True)
    return services.update_site(scope_for(request.user), code, changes)
