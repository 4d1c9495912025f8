"""The audit trail in the API (/api/v1/audit): the same search, entries and XLSX as the page.

Read-only by construction: there is no write operation. Organisers only (403 for anyone else);
an entry outside the caller's scope is 404.
"""

import datetime as dt
import io
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from diemcau.accounts.scopes import Scope, scope_for
from diemcau.audit import exporting, services
from diemcau.audit.models import Entry
from diemcau.errors import Forbidden
from diemcau.paging import PageQuery, limit_field, page_of

router = Router()


class AuditChangeOut(Schema):
    field: str
    before: str
    after: str


class AuditEntryOut(Schema):
    id: int
    timestamp: dt.datetime
    actor: str | None = Field(description="User name; null for the system or a CLI run")
    actor_label: str = Field(description="Who, as shown to people (“hệ thống/CLI” if none)")
    remote_addr: str | None
    action: str = Field(description="create, update, delete, or an operation such as import")
    action_label: str
    type: str = Field(description="app.model of the object, or what an operation worked on")
    type_label: str
    object_id: str
    object_repr: str
    unit: str | None = Field(description="Code of the unit the entry concerns")
    province: str | None
    changes: list[AuditChangeOut]
    counts: dict[str, int] | None
    detail: str


class AuditPageOut(Schema):
    total: int
    limit: int
    offset: int
    items: list[AuditEntryOut]


class AuditQuery(Schema):
    actor: str | None = Field(None, max_length=150, description="User name (exact)")
    type: str | None = Field(None, max_length=64, description="e.g. sites.site, delegates")
    unit: str | None = Field(None, max_length=32, description="Unit code: it and below")
    action: str | None = Field(None, max_length=32, description="create, update, delete, import…")
    date_from: dt.date | None = Field(None, description="First day (Asia/Ho_Chi_Minh)")
    date_to: dt.date | None = Field(None, description="Last day, included")
    q: str | None = Field(None, max_length=200, description="Text in the object, detail or who")

    def filters(self) -> services.EntryFilters:
        return services.EntryFilters(
            actor=self.actor,
            type=self.type,
            unit=self.unit,
            action=self.action,
            date_from=self.date_from,
            date_to=self.date_to,
            q=self.q,
        )


class AuditPageQuery(AuditQuery, PageQuery):
    limit: int = limit_field(50, 500)


def _reader(request: HttpRequest) -> Scope:
    scope = scope_for(request.user)
    if not services.can_read(scope):
        raise Forbidden(_("Only organisers read the audit trail."))
    return scope


def _out(entry: Entry, names: dict[tuple[str, str], str] | None = None) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "timestamp": entry.timestamp,
        "actor": entry.actor_label or None,
        "actor_label": services.actor_label(entry),
        "remote_addr": entry.remote_addr,
        "action": services.action_name(entry),
        "action_label": services.action_label(entry),
        "type": entry.subject,
        "type_label": services.subject_label(entry.subject),
        "object_id": entry.object_pk,
        "object_repr": entry.object_repr,
        "unit": entry.unit.code if entry.unit_id and entry.unit else None,
        "province": entry.province.code if entry.province_id and entry.province else None,
        "changes": [c.__dict__ for c in services.changes(entry, names)],
        "counts": entry.counts or None,
        "detail": entry.detail,
    }


@router.get(
    "",
    response=AuditPageOut,
    summary="Audit entries in your scope, newest first (organisers)",
)
def list_entries(request: HttpRequest, query: Query[AuditPageQuery]) -> dict[str, Any]:
    scope = _reader(request)
    qs = services.visible_entries(scope, query.filters()).select_related("province")
    page = page_of(qs, query)
    names: dict[tuple[str, str], str] = {}
    page["items"] = [_out(e, names) for e in page["items"]]
    return page


@router.get(
    "/export.xlsx",
    response={200: None},
    summary="The audit entries of a search as XLSX (organisers)",
)
def export_entries(request: HttpRequest, query: Query[AuditQuery]) -> HttpResponse:
    scope = _reader(request)
    out = io.BytesIO()
    rows = exporting.write_xlsx(services.visible_entries(scope, query.filters()), out)
    services.record_event("export", "audit", unit=scope, counts={"rows": rows})
    response = HttpResponse(out.getvalue(), content_type=exporting.CONTENT_TYPE)
    name = f"nhat-ky-thay-doi-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.get(
    "/{entry_id}",
    response=AuditEntryOut,
    summary="One audit entry (organisers, within their scope)",
)
def get_entry(request: HttpRequest, entry_id: int) -> dict[str, Any]:
    scope = _reader(request)
    return _out(services.get_entry(scope, entry_id))
