"""Delegates API: thin wrappers over `delegates.services`, scoped by the caller's grants."""

import io
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import File, Form, Query, Router, Schema, Status, UploadedFile

from diemcau import publicurl
from diemcau.accounts.scopes import Scope, scope_for
from diemcau.audit.services import record_import
from diemcau.delegates import services
from diemcau.delegates.models import Delegate
from diemcau.errors import Forbidden
from diemcau.paging import PageQuery, page_of

router = Router()


class DelegateOut(Schema):
    code: str
    site: str
    site_name: str
    full_name: str
    position: str
    workplace: str
    group: str
    phone: str
    email: str
    national_id: str


class DelegatePage(Schema):
    total: int
    limit: int
    offset: int
    items: list[DelegateOut]


class DelegateQuery(PageQuery):
    site: str | None = None
    province: str | None = None
    q: str | None = None
    national_id: str | None = None


class DelegateImportRowError(Schema):
    row: int
    column: str
    message: str


class DelegateImportReportOut(Schema):
    total_rows: int
    created: int
    empty_rows: int
    bad_rows: int
    written: bool
    dry_run: bool
    summary: str
    errors: list[DelegateImportRowError]
    errors_truncated: bool


def _out(scope: Scope, delegate: Delegate) -> dict[str, Any]:
    return {
        "code": delegate.code,
        "site": delegate.site.code,
        "site_name": delegate.site.name,
        "full_name": delegate.full_name,
        "position": delegate.position,
        "workplace": delegate.workplace,
        "group": delegate.group,
        "phone": delegate.phone,
        "email": delegate.email,
        "national_id": services.national_id_display(scope, delegate),
    }


@router.get("", response=DelegatePage, summary="List delegates in your scope")
def list_delegates(request: HttpRequest, query: Query[DelegateQuery]) -> dict[str, Any]:
    scope = scope_for(request.user)
    filters = services.DelegateFilters(
        site=query.site, province=query.province, q=query.q, national_id=query.national_id
    )
    qs = services.visible_delegates(scope, filters).order_by("site_id", "full_name", "id")
    body = page_of(qs, query)
    return {**body, "items": [_out(scope, d) for d in body["items"]]}


# Registered before "/{code}", which would swallow them.
@router.get("/template.xlsx", response={200: None}, summary="XLSX template for delegate imports")
def import_template(request: HttpRequest) -> HttpResponse:
    from diemcau.delegates.template import CONTENT_TYPE, write_template

    out = io.BytesIO()
    write_template(out)
    response = HttpResponse(out.getvalue(), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="mau-nhap-dai-bieu.xlsx"'
    return response


@router.post(
    "/import",
    response={200: DelegateImportReportOut, 422: DelegateImportReportOut},
    summary="Import delegates from an XLSX or CSV file (all rows or none, unless skip_bad)",
)
def import_delegates(
    request: HttpRequest,
    file: File[UploadedFile],
    dry_run: Form[bool] = False,
    skip_bad: Form[bool] = False,
) -> Status:
    from diemcau.delegates.importing import import_delegates as run_import

    scope = scope_for(request.user)
    if scope.site_write_q() is None:
        raise Forbidden("Bạn không có quyền nhập đại biểu.")
    report = run_import(scope, file, filename=file.name, dry_run=dry_run, skip_bad=skip_bad)
    record_import("delegates", report, scope=scope, filename=file.name or "")
    return Status(200 if report.ok else 422, report.as_dict())


class RosterItem(Schema):
    code: str
    full_name: str
    position: str
    badge_digest: str


class RosterOut(Schema):
    site: str
    count: int
    items: list[RosterItem]


class BadgeRevokeOut(Schema):
    code: str
    revoked: bool


@router.get(
    "/roster",
    response=RosterOut,
    summary="A site's delegates with their badge digests, for the offline site console",
)
def roster(request: HttpRequest, site: str) -> HttpResponse:
    data = services.roster(scope_for(request.user), site)
    # Already plain JSON values: skip validating 5,000 items against the schema again.
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


@router.get(
    "/badges.pdf",
    response={200: None},
    summary="A4 badge sheet (8 per page, with QR) of a site you may change",
)
def badges_pdf(request: HttpRequest, site: str) -> HttpResponse:
    from diemcau.delegates.badges import badge_sheet

    found, rows = services.badge_rows(scope_for(request.user), site)
    base = publicurl.base(request)
    pdf = badge_sheet(rows, conference=services.conference_name(), site=found.name, base=base)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="the-dai-bieu-{found.code}.pdf"'
    return response


@router.post(
    "/{code}/badge/revoke",
    response=BadgeRevokeOut,
    summary="Revoke a delegate's badge: a new secret, the printed QR no longer verifies",
)
def revoke_badge(request: HttpRequest, code: str) -> dict[str, Any]:
    delegate = services.revoke_badge(scope_for(request.user), code)
    return {"code": delegate.code, "revoked": True}


@router.get("/{code}", response=DelegateOut, summary="One delegate")
def get_delegate(request: HttpRequest, code: str) -> dict[str, Any]:
    scope = scope_for(request.user)
    return _out(scope, services.get_delegate(scope, code))
